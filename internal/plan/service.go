package plan

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
)

// Service runs the plans' use cases for the HTML pages and the JSON API.
// Every method takes the actor from ctx and enforces its scope:
//
//   - office staff read every plan of the bodies in their scope (their own
//     and every body below) and change the plans of their own bodies;
//   - leaders read the plans of their own bodies, drafts included;
//   - liaisons read the published plans of their bodies, and write their
//     own unit's work plans;
//   - the three administrators see no plans (三员分立).
//
// An object outside the actor's scope answers ENOTFOUND, exactly like a
// missing one, and the refusal is audited (SECURITY.md B3). Every change is
// one transaction with its audit record; a change to a published plan also
// gets the plan's next revision, with the values before and after.
type Service struct {
	DB    *db.DB
	Clock core.Clock
}

// denied answers a request for an object outside the actor's scope;
// forbidden one for an object the actor may read but not change.
var (
	denied    = audit.OutOfScope
	forbidden = audit.Refused
)

// change runs fn in one write transaction and audits a scope refusal.
func (s *Service) change(ctx context.Context, fn func(a *core.Actor, tx *sql.Tx, now time.Time) error) error {
	return audit.ChangeAs(ctx, s.DB, s.Clock, fn)
}

// read runs a read-only use case and audits a scope refusal.
func (s *Service) read(ctx context.Context, fn func(a *core.Actor, q db.Querier) error) error {
	return audit.ReadAs(ctx, s.DB, s.Clock, fn)
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, now time.Time, ev audit.Event) error {
	return audit.Record(ctx, tx, s.DB.Engine, now, ev)
}

// CanRead reports whether a may read plan p.
func CanRead(a *core.Actor, p *Plan) bool {
	switch {
	case a == nil || !a.CanSee(p.BodyID):
		return false
	case a.Role == core.RoleOffice:
		return true
	case a.Role == core.RoleLeader:
		return a.InBody(p.BodyID)
	case a.Role == core.RoleLiaison:
		return a.InBody(p.BodyID) && (p.Status != Draft || ownUnitPlan(a, p))
	}
	return false
}

// CanWrite reports whether a may change plan p: its body's office, or for a
// unit work plan also the unit's liaison. Archived plans are read-only, and
// that is reported as a conflict, not as a missing right.
func CanWrite(a *core.Actor, p *Plan) bool {
	if a == nil || !a.InBody(p.BodyID) {
		return false
	}
	return a.Role == core.RoleOffice || ownUnitPlan(a, p)
}

func ownUnitPlan(a *core.Actor, p *Plan) bool {
	return p.Kind == UnitWorkPlan && a.Role == core.RoleLiaison && a.UnitID != 0 && a.UnitID == p.UnitID
}

// readablePlan loads plan id if a may read it.
func readablePlan(ctx context.Context, q db.Querier, a *core.Actor, id int64, op string) (*Plan, error) {
	p, err := FindPlanByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !CanRead(a, p) {
		return nil, denied("计划", "plan", id, op)
	}
	return p, nil
}

// writablePlan loads plan id if a may change it and it is not archived.
func writablePlan(ctx context.Context, q db.Querier, a *core.Actor, id int64, op string) (*Plan, error) {
	p, err := FindPlanByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !CanWrite(a, p) {
		if CanRead(a, p) {
			return nil, forbidden("plan", id, op, "只有本机构办公室可以修改该计划")
		}
		return nil, denied("计划", "plan", id, op)
	}
	if p.Status == Archived {
		return nil, core.Errorf(core.ECONFLICT, "计划已归档，不能再修改")
	}
	return p, nil
}

// ListPlans lists the plans of body that the actor may read.
func (s *Service) ListPlans(ctx context.Context, bodyID int64) ([]Plan, error) {
	var out []Plan
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if !a.CanSee(bodyID) {
			return denied("机构", "body", bodyID, "plan.list")
		}
		all, err := FindPlans(ctx, q, bodyID)
		if err != nil {
			return err
		}
		out = []Plan{}
		for _, p := range all {
			if CanRead(a, &p) {
				out = append(out, p)
			}
		}
		return nil
	})
	return out, err
}

// GetPlan reads plan id.
func (s *Service) GetPlan(ctx context.Context, id int64) (*Plan, error) {
	var p *Plan
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		p, err = readablePlan(ctx, q, a, id, "plan.get")
		return err
	})
	return p, err
}

// CanEdit reports whether the actor in ctx may change p (for showing or
// hiding the edit controls; the change itself is checked again).
func (s *Service) CanEdit(ctx context.Context, p *Plan) bool {
	return CanWrite(core.ActorFrom(ctx), p) && p.Status != Archived
}

// Source reads the text plan id was imported from.
func (s *Service) Source(ctx context.Context, id int64) (string, error) {
	var text string
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readablePlan(ctx, q, a, id, "plan.source"); err != nil {
			return err
		}
		var err error
		text, err = SourceText(ctx, q, id)
		return err
	})
	return text, err
}

// checkPlanRefs checks the higher plan and the owning unit of in.
func checkPlanRefs(ctx context.Context, q db.Querier, a *core.Actor, in *PlanInput, self int64) error {
	if in.ParentID != 0 {
		parent, err := FindPlanByID(ctx, q, in.ParentID)
		if err != nil || !CanRead(a, parent) || parent.ID == self {
			return core.Invalid("parent_id", "所实施的上级计划不存在")
		}
	}
	if in.Kind == UnitWorkPlan {
		members, err := org.FindMemberUnits(ctx, q, in.BodyID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.UnitID == in.UnitID {
				return nil
			}
		}
		return core.Invalid("unit_id", "该单位不是本机构的成员单位")
	}
	return nil
}

// CreatePlan creates a draft plan for a body: by its office, or a unit
// work plan by the unit's liaison.
func (s *Service) CreatePlan(ctx context.Context, in PlanInput) (*Plan, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var p *Plan
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		if err := mayCreate(ctx, tx, a, &in); err != nil {
			return err
		}
		if err := checkPlanRefs(ctx, tx, a, &in, 0); err != nil {
			return err
		}
		id, err := InsertPlan(ctx, tx, now, a.UserID, in, "", "")
		if err != nil {
			return err
		}
		if p, err = FindPlanByID(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan.create", ObjectType: "plan", ObjectID: id, After: p})
	})
	return p, err
}

// mayCreate checks that a may create a plan like in.
func mayCreate(ctx context.Context, q db.Querier, a *core.Actor, in *PlanInput) error {
	if _, err := org.FindBodyByID(ctx, q, in.BodyID); err != nil || !a.CanSee(in.BodyID) {
		return denied("机构", "body", in.BodyID, "plan.create")
	}
	probe := &Plan{BodyID: in.BodyID, Kind: in.Kind, UnitID: in.UnitID}
	if !CanWrite(a, probe) {
		return forbidden("body", in.BodyID, "plan.create", "只有本机构办公室可以制定计划；成员单位可以制定本单位的工作计划")
	}
	return nil
}

// UpdatePlan changes a plan's title, kind, number, period, higher plan and
// reporting cadence. The body and the owning unit never change.
func (s *Service) UpdatePlan(ctx context.Context, id int64, in PlanInput) (*Plan, error) {
	var p *Plan
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		before, err := writablePlan(ctx, tx, a, id, "plan.update")
		if err != nil {
			return err
		}
		in.BodyID, in.UnitID = before.BodyID, before.UnitID
		if err := in.Validate(); err != nil {
			return err
		}
		if err := checkPlanRefs(ctx, tx, a, &in, id); err != nil {
			return err
		}
		if err := UpdatePlan(ctx, tx, now, id, in); err != nil {
			return err
		}
		if p, err = FindPlanByID(ctx, tx, id); err != nil {
			return err
		}
		if err := s.version(ctx, tx, now, a, before, 0, "plan.update", "修改计划信息", planSnapshot(before), planSnapshot(p)); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan.update", ObjectType: "plan", ObjectID: id, Before: before, After: p})
	})
	return p, err
}

// transitions is the plan workflow: draft → published → archived. A draft
// that should not exist is deleted instead; nothing goes back.
var transitions = map[Status]Status{Draft: Published, Published: Archived}

// SetStatus moves plan id one step along its workflow (publish, archive).
// Only the body's office may do it; a skipped or backward step is a
// conflict and changes nothing (SECURITY.md B5).
func (s *Service) SetStatus(ctx context.Context, id, version int64, to Status) (*Plan, error) {
	var p *Plan
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		before, err := readablePlan(ctx, tx, a, id, "plan.status")
		if err != nil {
			return err
		}
		if a.Role != core.RoleOffice || !a.InBody(before.BodyID) {
			if !ownUnitPlan(a, before) || !a.InBody(before.BodyID) {
				return forbidden("plan", id, "plan.status", "只有本机构办公室可以发布或归档计划")
			}
		}
		if transitions[before.Status] != to {
			return core.Errorf(core.ECONFLICT, "计划当前为“%s”，不能改为“%s”", before.Status.Label(), to.Label())
		}
		if to == Published && before.Tasks == 0 && before.Kind != UnitWorkPlan {
			return core.Errorf(core.ECONFLICT, "计划中还没有任务，不能发布")
		}
		if err := SetPlanStatus(ctx, tx, now, id, version, before.Status, to); err != nil {
			return err
		}
		if p, err = FindPlanByID(ctx, tx, id); err != nil {
			return err
		}
		action := "plan.publish"
		if to == Archived {
			action = "plan.archive"
		}
		return s.record(ctx, tx, now, audit.Event{Action: action, ObjectType: "plan", ObjectID: id,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": p.Status}})
	})
	return p, err
}

// DeletePlan deletes a draft plan. A published plan is archived instead.
func (s *Service) DeletePlan(ctx context.Context, id, version int64) error {
	return s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		p, err := writablePlan(ctx, tx, a, id, "plan.delete")
		if err != nil {
			return err
		}
		if p.Status != Draft {
			return core.Errorf(core.ECONFLICT, "已发布的计划不能删除，只能归档")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_items i JOIN plan_items o ON o.carried_from_id = i.id
			OR o.serves_item_id = i.id WHERE i.plan_id = $1 AND o.plan_id <> $1`, id).Scan(&n); err != nil {
			return fmt.Errorf("plan: delete: %w", err)
		}
		if n > 0 {
			return core.Errorf(core.ECONFLICT, "其他计划引用了该计划中的任务，不能删除")
		}
		if err := DeletePlan(ctx, tx, id, version); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan.delete", ObjectType: "plan", ObjectID: id, Before: p})
	})
}

// version records a change of a published plan as its next revision; a
// draft's changes are only audited.
func (s *Service) version(ctx context.Context, tx *sql.Tx, now time.Time, a *core.Actor, p *Plan, itemID int64,
	action, summary string, before, after map[string]any) error {
	rev, err := touchPlan(ctx, tx, now, p.ID, p.Status == Published)
	if err != nil || p.Status != Published {
		return err
	}
	return insertChange(ctx, tx, now, a, p.ID, rev, itemID, action, summary, encode(before), encode(after))
}
