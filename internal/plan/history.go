package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"liandong/internal/core"
	"liandong/internal/db"
)

// A published plan's versions: each change stores snapshots of the item
// (or the plan) before and after, as flat maps of display text, and the
// history page shows the fields that differ.

// fieldLabels names the snapshot fields, in the order a diff lists them.
var fieldLabels = []struct{ key, label string }{
	{"title", "名称"}, {"kind", "类型"}, {"doc_number", "文号"}, {"period", "时段"}, {"cadence", "报送周期"},
	{"marker", "序号"}, {"content", "主要内容"}, {"lead", "牵头单位"}, {"responsible", "责任单位"},
	{"cascade", "下达下级"}, {"targets", "量化指标"}, {"schedule", "开展时间"}, {"audience", "重点人群"},
	{"status", "状态"}, {"status_reason", "原因"},
}

func planSnapshot(p *Plan) map[string]any {
	return map[string]any{"title": p.Title, "kind": p.Kind.Label(), "doc_number": p.DocNumber,
		"period": p.Period(), "cadence": p.Cadence.Label()}
}

// itemSnapshot is an item as the plan's own body sees it (the units that
// subordinate bodies assigned a cascaded item to are theirs to change).
func itemSnapshot(it *Item, body int64) map[string]any {
	var targets []string
	for _, t := range it.Targets {
		targets = append(targets, t.Text)
	}
	return map[string]any{"title": it.Title, "marker": it.Marker, "content": it.Content,
		"lead": strings.Join(it.Units(body, Lead), "、"), "responsible": strings.Join(it.Units(body, Responsible), "、"),
		"cascade": it.CascadeText(Lead) + it.CascadeText(Responsible), "targets": strings.Join(targets, "；"),
		"schedule": it.Schedule, "audience": it.Audience, "status": it.Status.Label(), "status_reason": it.StatusReason}
}

func encode(m map[string]any) string {
	if m == nil {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(b)
}

// diff lists the fields whose display text differs between two snapshots.
func diff(before, after string) []FieldChange {
	var b, a map[string]any
	_ = json.Unmarshal([]byte(before), &b)
	_ = json.Unmarshal([]byte(after), &a)
	var out []FieldChange
	for _, f := range fieldLabels {
		bv, av := str(b[f.key]), str(a[f.key])
		if bv != av {
			out = append(out, FieldChange{Field: f.key, Label: f.label, Before: bv, After: av})
		}
	}
	return out
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// History lists the versioned changes of a published plan, newest first,
// each with its diff. Drafts have none: their changes are only audited.
func (s *Service) History(ctx context.Context, planID int64) ([]Change, error) {
	var out []Change
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readablePlan(ctx, q, a, planID, "plan.history"); err != nil {
			return err
		}
		var err error
		if out, err = FindChanges(ctx, q, planID); err != nil {
			return err
		}
		for i := range out {
			out[i].Diff = diff(out[i].before, out[i].after)
			if out[i].Diff == nil {
				out[i].Diff = []FieldChange{}
			}
		}
		if out == nil {
			out = []Change{}
		}
		return nil
	})
	return out, err
}
