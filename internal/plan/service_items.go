package plan

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/plan/extract"
)

// ItemInput is what a user gives to add or edit a plan item.
type ItemInput struct {
	ParentID    int64    `json:"parent_id"`
	Kind        ItemKind `json:"kind"`
	Marker      string   `json:"marker"`
	Title       string   `json:"title"`
	Content     string   `json:"content"`
	Schedule    string   `json:"schedule"`
	Audience    string   `json:"audience"`
	Lead        []int64  `json:"lead"`        // unit ids
	Responsible []int64  `json:"responsible"` // unit ids
	// Cascade hands the item down to every body one level below, in this
	// role ("" for none); CascadeText is how the plan names them.
	Cascade     Role     `json:"cascade"`
	CascadeText string   `json:"cascade_text"`
	Targets     []Target `json:"targets"`
	ServesItem  int64    `json:"serves_item_id"` // a unit work plan's item: the body's task it serves
	Version     int64    `json:"version"`
}

// Validate checks the fields of an item, trimming text in place.
func (in *ItemInput) Validate() error {
	var es core.Errors
	for _, f := range []*string{&in.Marker, &in.Title, &in.Content, &in.Schedule, &in.Audience, &in.CascadeText} {
		*f = strings.TrimSpace(*f)
	}
	if in.Kind == "" {
		in.Kind = Task
	}
	if !in.Kind.Valid() {
		es.Add("kind", "请选择条目类型")
	}
	text(&es, "marker", "序号", in.Marker, 20, false)
	text(&es, "title", "任务名称", in.Title, MaxTitleLen, true)
	text(&es, "content", "主要内容", in.Content, MaxTextLen, false)
	text(&es, "schedule", "开展时间", in.Schedule, MaxShortLen, false)
	text(&es, "audience", "重点人群", in.Audience, 50, false)
	text(&es, "cascade_text", "下达对象", in.CascadeText, MaxShortLen, false)
	if in.Cascade != "" && in.Cascade != Lead && in.Cascade != Responsible {
		es.Add("cascade", "请选择下达到下级机构时的角色")
	}
	if len(in.Lead) > MaxUnitsPer || len(in.Responsible) > MaxUnitsPer {
		es.Add("responsible", "单位过多")
	}
	if len(in.Targets) > MaxTargets {
		es.Add("targets", "量化指标不能超过50条")
	}
	for i := range in.Targets {
		t := &in.Targets[i]
		t.Text, t.Metric, t.Unit, t.Period = strings.TrimSpace(t.Text), strings.TrimSpace(t.Metric),
			strings.TrimSpace(t.Unit), strings.TrimSpace(t.Period)
		if t.Text == "" || utf8.RuneCountInString(t.Text) > MaxTitleLen || !sound(t.Text, t.Metric, t.Unit, t.Period) ||
			math.IsNaN(t.Value) || math.IsInf(t.Value, 0) || !validComparator(t.Comparator) {
			es.Add("targets", fmt.Sprintf("第%d条量化指标填写有误", i+1))
			break
		}
	}
	return es.Err()
}

func validComparator(c string) bool {
	switch c {
	case "", ">=", ">", "<=", "<", "=":
		return true
	}
	return false
}

// assignable returns the units an item of body may be assigned to: the
// body's current member units and every unit of its region (a plan also
// names units that hold no seat, such as a newspaper).
func assignable(ctx context.Context, q db.Querier, bodyID int64, today string) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name FROM units u JOIN bodies b ON b.region_id = u.region_id WHERE b.id = $1
		UNION SELECT u.id, u.name FROM units u JOIN member_units m ON m.unit_id = u.id
		WHERE m.body_id = $1 AND m.joined_on <= $2 AND (m.left_on IS NULL OR m.left_on > $2)`, bodyID, today)
	if err != nil {
		return nil, fmt.Errorf("plan: assignable units: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// assignmentsOf turns the unit ids of in into assignments, refusing units
// the body cannot assign.
func assignmentsOf(units map[int64]string, lead, resp []int64, writtenAs map[int64]string) ([]Assignment, error) {
	var as []Assignment
	for _, r := range []struct {
		ids  []int64
		role Role
	}{{lead, Lead}, {resp, Responsible}} {
		for _, id := range r.ids {
			if _, ok := units[id]; !ok {
				field := "lead"
				if r.role == Responsible {
					field = "responsible"
				}
				return nil, core.Invalid(field, "所选单位不在本机构的单位名录中")
			}
			as = append(as, Assignment{UnitID: id, Role: r.role, WrittenAs: writtenAs[id]})
		}
	}
	return as, nil
}

// cascadesOf hands an item down to every body directly below body.
func cascadesOf(ctx context.Context, q db.Querier, bodyID int64, role Role, written string) ([]Cascade, error) {
	if role == "" {
		return nil, nil
	}
	children, err := org.FindChildBodies(ctx, q, bodyID)
	if err != nil {
		return nil, err
	}
	if len(children) == 0 {
		return nil, core.Invalid("cascade", "本机构没有下级机构，不能下达")
	}
	cs := make([]Cascade, len(children))
	for i, b := range children {
		cs[i] = Cascade{BodyID: b.ID, Role: role, WrittenAs: written}
	}
	return cs, nil
}

func today(now time.Time) string { return now.Format(time.DateOnly) }

// window reads a schedule as written ("5月中下旬", "2022至2025年") into
// dates; where the text names no year, the plan's first year is meant.
func window(schedule string, year int) [2]string {
	w, ok := extract.ParseSchedule(schedule, year)
	if !ok {
		return [2]string{}
	}
	return [2]string{w.From(), w.To()}
}

// writableItem loads item id and its plan if a may change them.
func writableItem(ctx context.Context, q db.Querier, a *core.Actor, id int64, op string) (*Item, *Plan, error) {
	it, err := FindItemByID(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := writablePlan(ctx, q, a, it.PlanID, op)
	if err != nil {
		return nil, nil, denialAs(err, "任务", "plan_item", id, op)
	}
	return it, p, nil
}

// denialAs restates a plan's scope refusal as one of the item asked for.
func denialAs(err error, what, objectType string, id int64, op string) error {
	if core.ErrorCode(err) == core.ENOTFOUND {
		return denied(what, objectType, id, op)
	}
	return err
}

// AddItem adds an item to plan planID, as the last child of in.ParentID
// (or at the end of the plan).
func (s *Service) AddItem(ctx context.Context, planID int64, in ItemInput) (*Item, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var it *Item
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		p, err := writablePlan(ctx, tx, a, planID, "plan_item.add")
		if err != nil {
			return err
		}
		parentPath := ""
		if in.ParentID != 0 {
			parent, err := FindItemByID(ctx, tx, in.ParentID)
			if err != nil || parent.PlanID != planID {
				return core.Invalid("parent_id", "上级条目不在本计划中")
			}
			parentPath = parent.Path
		}
		if err := checkServes(ctx, tx, a, p, in.ServesItem); err != nil {
			return err
		}
		seq, err := nextSeq(ctx, tx, planID, in.ParentID)
		if err != nil {
			return err
		}
		id, err := insertItem(ctx, tx, now, itemRow{PlanID: planID, ParentID: in.ParentID, Seq: seq, Kind: in.Kind,
			Marker: in.Marker, Path: parentPath + in.Marker, Title: in.Title, Content: in.Content, Schedule: in.Schedule,
			Audience: in.Audience, ServesItem: in.ServesItem, Window: window(in.Schedule, p.YearFrom)})
		if err != nil {
			return err
		}
		if err := s.saveUnits(ctx, tx, now, p, id, in); err != nil {
			return err
		}
		if it, err = FindItemByID(ctx, tx, id); err != nil {
			return err
		}
		if err := s.version(ctx, tx, now, a, p, id, "plan_item.add", "新增："+it.Title, nil, itemSnapshot(it, p.BodyID)); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan_item.add", ObjectType: "plan_item", ObjectID: id, After: it})
	})
	return it, err
}

// saveUnits writes the item's assignments, cascades and targets.
func (s *Service) saveUnits(ctx context.Context, tx *sql.Tx, now time.Time, p *Plan, id int64, in ItemInput) error {
	units, err := assignable(ctx, tx, p.BodyID, today(now))
	if err != nil {
		return err
	}
	as, err := assignmentsOf(units, in.Lead, in.Responsible, nil)
	if err != nil {
		return err
	}
	if err := replaceAssignments(ctx, tx, now, id, p.BodyID, as); err != nil {
		return err
	}
	cs, err := cascadesOf(ctx, tx, p.BodyID, in.Cascade, in.CascadeText)
	if err != nil {
		return err
	}
	if err := replaceCascades(ctx, tx, now, id, cs); err != nil {
		return err
	}
	return replaceTargets(ctx, tx, id, in.Targets)
}

// checkServes checks the body task a unit work plan's item serves.
func checkServes(ctx context.Context, q db.Querier, a *core.Actor, p *Plan, serves int64) error {
	if serves == 0 {
		return nil
	}
	target, err := FindItemByID(ctx, q, serves)
	if err != nil {
		return core.Invalid("serves_item_id", "所对应的机构任务不存在")
	}
	tp, err := FindPlanByID(ctx, q, target.PlanID)
	if err != nil || tp.BodyID != p.BodyID || tp.ID == p.ID || !CanRead(a, tp) {
		return core.Invalid("serves_item_id", "所对应的机构任务不存在")
	}
	return nil
}

// UpdateItem changes an item's fields, units and targets.
func (s *Service) UpdateItem(ctx context.Context, id int64, in ItemInput) (*Item, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var it *Item
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		before, p, err := writableItem(ctx, tx, a, id, "plan_item.update")
		if err != nil {
			return err
		}
		if err := checkServes(ctx, tx, a, p, in.ServesItem); err != nil {
			return err
		}
		if err := updateItem(ctx, tx, now, id, in.Version, itemRow{Kind: in.Kind, Marker: in.Marker, Title: in.Title,
			Content: in.Content, Schedule: in.Schedule, Audience: in.Audience, ServesItem: in.ServesItem,
			Window: window(in.Schedule, p.YearFrom)}); err != nil {
			return err
		}
		if err := s.saveUnits(ctx, tx, now, p, id, in); err != nil {
			return err
		}
		if before.Marker != in.Marker {
			if err := renumber(ctx, tx, p.ID); err != nil {
				return err
			}
		}
		if it, err = FindItemByID(ctx, tx, id); err != nil {
			return err
		}
		b, af := itemSnapshot(before, p.BodyID), itemSnapshot(it, p.BodyID)
		if err := s.version(ctx, tx, now, a, p, id, "plan_item.update", "修改："+it.Title, b, af); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan_item.update", ObjectType: "plan_item", ObjectID: id,
			Before: before, After: it})
	})
	return it, err
}

// DeleteItem deletes an item of a draft plan with everything below it.
// In a published plan tasks are never deleted (units may have reported on
// them): they are closed or cancelled with a reason.
func (s *Service) DeleteItem(ctx context.Context, id, version int64) error {
	return s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		it, p, err := writableItem(ctx, tx, a, id, "plan_item.delete")
		if err != nil {
			return err
		}
		if p.Status != Draft {
			return core.Errorf(core.ECONFLICT, draftOnlyText)
		}
		if it.Version != version {
			return stale("任务")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_items WHERE carried_from_id = $1 OR serves_item_id = $1`,
			id).Scan(&n); err != nil {
			return fmt.Errorf("plan: delete item: %w", err)
		}
		if n > 0 {
			return core.Errorf(core.ECONFLICT, "其他计划引用了该任务，不能删除")
		}
		if err := deleteSubtree(ctx, tx, p.ID, id); err != nil {
			return err
		}
		if _, err := touchPlan(ctx, tx, now, p.ID, false); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan_item.delete", ObjectType: "plan_item", ObjectID: id, Before: it})
	})
}

// SetItemStatus closes (办结), cancels or reopens an item. Closing and
// cancelling need a reason.
func (s *Service) SetItemStatus(ctx context.Context, id, version int64, st ItemStatus, reason string) (*Item, error) {
	reason = strings.TrimSpace(reason)
	var es core.Errors
	if !st.Valid() {
		es.Add("status", "请选择任务状态")
	}
	if st != Open && reason == "" {
		es.Add("reason", "请说明办结或取消的原因")
	}
	text(&es, "reason", "原因", reason, MaxTextLen, false)
	if err := es.Err(); err != nil {
		return nil, err
	}
	var it *Item
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		before, p, err := writableItem(ctx, tx, a, id, "plan_item.status")
		if err != nil {
			return err
		}
		if before.Status == st {
			return core.Errorf(core.ECONFLICT, "任务已是“%s”状态", st.Label())
		}
		if err := setItemStatus(ctx, tx, now, id, version, st, reason); err != nil {
			return err
		}
		if it, err = FindItemByID(ctx, tx, id); err != nil {
			return err
		}
		if err := s.version(ctx, tx, now, a, p, id, "plan_item.status", st.Label()+"："+it.Title,
			itemSnapshot(before, p.BodyID), itemSnapshot(it, p.BodyID)); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan_item.status", ObjectType: "plan_item", ObjectID: id,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": st, "reason": reason}})
	})
	return it, err
}

// GetItem reads one item of a plan the actor may read.
func (s *Service) GetItem(ctx context.Context, id int64) (*Item, *Plan, error) {
	var (
		it *Item
		p  *Plan
	)
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if it, err = FindItemByID(ctx, q, id); err != nil {
			return err
		}
		p, err = readablePlan(ctx, q, a, it.PlanID, "plan.item.get")
		return denialAs(err, "任务", "plan_item", id, "plan.item.get")
	})
	return it, p, err
}

// Filter narrows a decomposition table.
type Filter struct {
	UnitID   int64      // tasks this unit leads or is responsible for
	Audience string     // tasks for this audience group
	Status   ItemStatus // tasks in this status
}

// Active reports whether f narrows anything.
func (f Filter) Active() bool { return f.UnitID != 0 || f.Audience != "" || f.Status != "" }

// Table is a plan's decomposition table: its items in document order.
type Table struct {
	Plan      *Plan
	Items     []Item
	Audiences []string // the audience groups the plan names, for the filter
	Units     []UnitRef
}

// UnitRef names a unit.
type UnitRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Table reads plan planID's decomposition table. With a filter it keeps
// the tasks that match and the sections above them, so that every task is
// still read under its heading.
func (s *Service) Table(ctx context.Context, planID int64, f Filter) (*Table, error) {
	var t *Table
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		p, err := readablePlan(ctx, q, a, planID, "plan.table")
		if err != nil {
			return err
		}
		items, err := FindItems(ctx, q, planID)
		if err != nil {
			return err
		}
		t = &Table{Plan: p, Items: filterItems(items, f)}
		seen := map[int64]bool{}
		for _, it := range items {
			if it.Audience != "" && !slices.Contains(t.Audiences, it.Audience) {
				t.Audiences = append(t.Audiences, it.Audience)
			}
			for _, as := range it.Assignments {
				if as.BodyID == p.BodyID && !seen[as.UnitID] {
					seen[as.UnitID] = true
					t.Units = append(t.Units, UnitRef{ID: as.UnitID, Name: as.UnitName})
				}
			}
		}
		return nil
	})
	return t, err
}

func filterItems(items []Item, f Filter) []Item {
	if !f.Active() {
		return items
	}
	byID := make(map[int64]int, len(items))
	for i, it := range items {
		byID[it.ID] = i
	}
	keep := make([]bool, len(items))
	for i, it := range items {
		if it.Kind != Task || !matches(&it, f) {
			continue
		}
		for j, ok := i, true; ok; j, ok = byID[items[j].ParentID] {
			keep[j] = true
		}
	}
	out := []Item{}
	for i, it := range items {
		if keep[i] {
			out = append(out, it)
		}
	}
	return out
}

func matches(it *Item, f Filter) bool {
	if f.Status != "" && it.Status != f.Status {
		return false
	}
	if f.Audience != "" && it.Audience != f.Audience {
		return false
	}
	if f.UnitID != 0 {
		return slices.ContainsFunc(it.Assignments, func(a Assignment) bool { return a.UnitID == f.UnitID })
	}
	return true
}
