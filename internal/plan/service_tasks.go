package plan

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// ---- a unit's tasks ----

// UnitTask is a task of a published plan that a unit carries, with the
// other units of the same task.
type UnitTask struct {
	Item      Item         `json:"item"`
	PlanID    int64        `json:"plan_id"`
	PlanTitle string       `json:"plan_title"`
	Role      Role         `json:"role"`
	Partners  []Assignment `json:"partners"` // every unit of the task in the body, this one included
}

const unitTasksSelect = `SELECT i.id, i.plan_id, COALESCE(i.parent_id, 0), i.seq, i.kind, i.marker, i.path, i.title, i.content,
	i.schedule, i.window_from, i.window_to, i.audience, i.source_line, i.status, i.status_reason,
	COALESCE(i.carried_from_id, 0), COALESCE(i.serves_item_id, 0), i.version, i.updated_at, p.title, a.role
	FROM assignments a JOIN plan_items i ON i.id = a.item_id JOIN plans p ON p.id = i.plan_id
	WHERE a.unit_id = $1 AND a.body_id = $2 AND p.status = 'published'
	ORDER BY p.year_to DESC, p.id DESC, i.seq, a.role`

// FindUnitTasks reads the tasks unit carries in body, in published plans
// (of the body itself, or handed down to it from above).
func FindUnitTasks(ctx context.Context, q db.Querier, unitID, bodyID int64) ([]UnitTask, error) {
	rows, err := q.QueryContext(ctx, unitTasksSelect, unitID, bodyID)
	if err != nil {
		return nil, fmt.Errorf("plan: unit tasks: %w", err)
	}
	tasks, err := db.Collect(rows, func(r db.Scanner) (*UnitTask, error) {
		var t UnitTask
		it := &t.Item
		err := r.Scan(&it.ID, &it.PlanID, &it.ParentID, &it.Seq, &it.Kind, &it.Marker, &it.Path, &it.Title, &it.Content,
			&it.Schedule, &it.WindowFrom, &it.WindowTo, &it.Audience, &it.SourceLine, &it.Status, &it.StatusReason,
			&it.CarriedFrom, &it.ServesItem, &it.Version, &it.Updated, &t.PlanTitle, &t.Role)
		t.PlanID = it.PlanID
		return &t, err
	})
	if err != nil {
		return nil, fmt.Errorf("plan: unit tasks: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT a.id, a.item_id, a.body_id, a.unit_id, u.name, a.role, a.written_as
		FROM assignments a JOIN units u ON u.id = a.unit_id
		WHERE a.body_id = $2 AND a.item_id IN (SELECT item_id FROM assignments WHERE unit_id = $1 AND body_id = $2)
		ORDER BY a.item_id, a.role, a.seq, a.id`, unitID, bodyID)
	if err != nil {
		return nil, fmt.Errorf("plan: task partners: %w", err)
	}
	partners, err := db.Collect(rows, scanAssignment)
	if err != nil {
		return nil, fmt.Errorf("plan: task partners: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT t.item_id, t.text, t.metric, t.comparator, t.value, t.unit, t.period
		FROM plan_targets t WHERE t.item_id IN (SELECT item_id FROM assignments WHERE unit_id = $1 AND body_id = $2)
		ORDER BY t.item_id, t.seq`, unitID, bodyID)
	if err != nil {
		return nil, fmt.Errorf("plan: task targets: %w", err)
	}
	targets, err := db.Collect(rows, scanItemTarget)
	if err != nil {
		return nil, fmt.Errorf("plan: task targets: %w", err)
	}
	byItem := map[int64][]Assignment{}
	for _, a := range partners {
		byItem[a.ItemID] = append(byItem[a.ItemID], a)
	}
	targetsOf := map[int64][]Target{}
	for _, x := range targets {
		targetsOf[x.item] = append(targetsOf[x.item], x.t)
	}
	for i := range tasks {
		id := tasks[i].Item.ID
		tasks[i].Partners = byItem[id]
		tasks[i].Item.Targets = targetsOf[id]
		if tasks[i].Item.Targets == nil {
			tasks[i].Item.Targets = []Target{}
		}
	}
	if tasks == nil {
		tasks = []UnitTask{}
	}
	return tasks, nil
}

// UnitTasks lists the tasks unit carries in body: a liaison asks for its
// own unit, the office of the body (or above it) for any unit.
func (s *Service) UnitTasks(ctx context.Context, bodyID, unitID int64) ([]UnitTask, error) {
	var out []UnitTask
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		switch {
		case a.Role == core.RoleOffice && a.CanSee(bodyID):
		case a.Role == core.RoleLeader && a.InBody(bodyID):
		case a.Role == core.RoleLiaison && a.InBody(bodyID) && a.UnitID != 0 && a.UnitID == unitID:
		default:
			return denied("单位任务", "unit_tasks", unitID, "plan.unit_tasks")
		}
		var err error
		out, err = FindUnitTasks(ctx, q, unitID, bodyID)
		return err
	})
	return out, err
}

// ---- cascades ----

// Inbound is a task handed down to a body from the plan of the body above.
type Inbound struct {
	Cascade   Cascade `json:"cascade"`
	Item      Item    `json:"item"`
	PlanID    int64   `json:"plan_id"`
	PlanTitle string  `json:"plan_title"`
	FromBody  string  `json:"from_body"`
}

// Inbound lists the tasks handed down to body bodyID from published plans
// above it, those still to assign first. Its office and leaders see them.
func (s *Service) Inbound(ctx context.Context, bodyID int64) ([]Inbound, error) {
	var out []Inbound
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if !a.CanSee(bodyID) || a.Role == core.RoleLiaison {
			return denied("机构", "body", bodyID, "plan.inbound")
		}
		rows, err := q.QueryContext(ctx, `SELECT c.id, c.item_id, p.id, p.title, b.name FROM cascades c
			JOIN plan_items i ON i.id = c.item_id JOIN plans p ON p.id = i.plan_id JOIN bodies b ON b.id = p.body_id
			WHERE c.body_id = $1 AND p.status = 'published' ORDER BY c.status DESC, p.id, i.seq`, bodyID)
		if err != nil {
			return fmt.Errorf("plan: inbound: %w", err)
		}
		type head struct {
			cascade, item, plan int64
			title, from         string
		}
		heads, err := db.Collect(rows, func(r db.Scanner) (*head, error) {
			var h head
			return &h, r.Scan(&h.cascade, &h.item, &h.plan, &h.title, &h.from)
		})
		if err != nil {
			return fmt.Errorf("plan: inbound: %w", err)
		}
		items, err := FindInboundItems(ctx, q, bodyID)
		if err != nil {
			return err
		}
		byID := make(map[int64]*Item, len(items))
		for i := range items {
			byID[items[i].ID] = &items[i]
		}
		out = make([]Inbound, 0, len(heads))
		for _, h := range heads {
			it := byID[h.item]
			if it == nil {
				return fmt.Errorf("plan: inbound item %d vanished", h.item)
			}
			in := Inbound{Item: *it, PlanID: h.plan, PlanTitle: h.title, FromBody: h.from}
			for _, c := range it.Cascades {
				if c.ID == h.cascade {
					in.Cascade = c
				}
			}
			out = append(out, in)
		}
		return nil
	})
	return out, err
}

// AssignCascade assigns a task handed down to a body to units of that body.
// Only the receiving body's office may; the body above sees the result.
func (s *Service) AssignCascade(ctx context.Context, cascadeID int64, lead, responsible []int64) (*Inbound, error) {
	if len(lead)+len(responsible) == 0 {
		return nil, core.Invalid("lead", "请至少选择一个牵头单位或责任单位")
	}
	if len(lead) > MaxUnitsPer || len(responsible) > MaxUnitsPer {
		return nil, core.Invalid("responsible", "单位过多")
	}
	var bodyID int64
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		c, err := FindCascadeByID(ctx, tx, cascadeID)
		if err != nil {
			return err
		}
		if a.Role != core.RoleOffice || !a.InBody(c.BodyID) {
			return denied("下达任务", "cascade", cascadeID, "cascade.assign")
		}
		bodyID = c.BodyID
		it, err := FindItemByID(ctx, tx, c.ItemID)
		if err != nil {
			return err
		}
		p, err := FindPlanByID(ctx, tx, it.PlanID)
		if err != nil {
			return err
		}
		if p.Status != Published {
			return core.Errorf(core.ECONFLICT, "上级计划已归档，不能再分配")
		}
		units, err := assignable(ctx, tx, c.BodyID, today(now))
		if err != nil {
			return err
		}
		as, err := assignmentsOf(units, lead, responsible, nil)
		if err != nil {
			return err
		}
		before := it.Units(c.BodyID, Lead)
		if err := replaceAssignments(ctx, tx, now, c.ItemID, c.BodyID, as); err != nil {
			return err
		}
		if err := markCascade(ctx, tx, now, cascadeID, a.UserID, true); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "cascade.assign", ObjectType: "cascade", ObjectID: cascadeID,
			Before: map[string]any{"lead": before}, After: map[string]any{"lead": lead, "responsible": responsible}})
	})
	if err != nil {
		return nil, err
	}
	list, err := s.Inbound(ctx, bodyID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Cascade.ID == cascadeID {
			return &list[i], nil
		}
	}
	return nil, core.NotFound("下达任务")
}

// ---- annual key points ----

// KeyPointsInput starts a year's key points from a plan.
type KeyPointsInput struct {
	Year    int     `json:"year"`
	Title   string  `json:"title"`
	ItemIDs []int64 `json:"item_ids"` // the tasks carried over; their sections come with them
}

// StartKeyPoints drafts year's annual key points (年度工作要点) of a
// published plan: the chosen tasks are carried over with their headings,
// units, targets and cascades, each remembering the task it came from.
// New tasks are then added to the draft like to any plan, and it is
// published the same way.
func (s *Service) StartKeyPoints(ctx context.Context, planID int64, in KeyPointsInput) (*Plan, error) {
	var created *Plan
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		src, err := readablePlan(ctx, tx, a, planID, "plan.keypoints")
		if err != nil {
			return err
		}
		if a.Role != core.RoleOffice || !a.InBody(src.BodyID) {
			return forbidden("plan", planID, "plan.keypoints", "只有本机构办公室可以制定年度工作要点")
		}
		if src.Status != Published {
			return core.Errorf(core.ECONFLICT, "请先发布计划，再据此制定年度工作要点")
		}
		// The year after the period is allowed too: a one-year plan's
		// tasks are carried into the next year's key points (seed 003).
		if in.Year < src.YearFrom || in.Year > src.YearTo+1 {
			return core.Invalid("year", fmt.Sprintf("年份应在计划时段%s之内或其后一年", src.Period()))
		}
		pin := PlanInput{BodyID: src.BodyID, Kind: AnnualKeyPoints, Title: in.Title, YearFrom: in.Year, YearTo: in.Year,
			ParentID: src.ID, Cadence: src.Cadence}
		if pin.Title == "" {
			pin.Title = fmt.Sprintf("%d年%s工作要点", in.Year, src.BodyName)
		}
		if err := pin.Validate(); err != nil {
			return err
		}
		id, err := InsertPlan(ctx, tx, now, a.UserID, pin, "", "")
		if err != nil {
			return err
		}
		items, err := FindItems(ctx, tx, planID)
		if err != nil {
			return err
		}
		n, err := carryOver(ctx, tx, now, id, src.BodyID, in.Year, items, in.ItemIDs)
		if err != nil {
			return err
		}
		if created, err = FindPlanByID(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan.keypoints", ObjectType: "plan", ObjectID: id, After: created,
			Detail: fmt.Sprintf("from plan %d, %d tasks carried over", planID, n)})
	})
	return created, err
}

// carryOver copies the chosen tasks of items (a plan's tree) into plan
// dst with the sections above them, and returns how many tasks it copied.
func carryOver(ctx context.Context, q db.Querier, now time.Time, dst, body int64, year int, items []Item, chosen []int64) (int, error) {
	want := map[int64]bool{}
	for _, id := range chosen {
		want[id] = true
	}
	kept := items // document order
	include := map[int64]bool{}
	byID := map[int64]*Item{}
	for i := range kept {
		byID[kept[i].ID] = &kept[i]
	}
	n := 0
	for _, it := range kept {
		if it.Kind != Task || !want[it.ID] || it.Status == Cancelled {
			continue
		}
		n++
		for cur := &it; cur != nil; cur = byID[cur.ParentID] {
			include[cur.ID] = true
		}
	}
	if n == 0 {
		return 0, core.Invalid("item_ids", "请选择要延续到年度工作要点的任务")
	}
	newID := map[int64]int64{}
	seq := int64(0)
	for _, it := range kept {
		if !include[it.ID] {
			continue
		}
		seq++
		id, err := insertItem(ctx, q, now, itemRow{PlanID: dst, ParentID: newID[it.ParentID], Seq: seq, Kind: it.Kind,
			Marker: it.Marker, Path: it.Path, Title: it.Title, Content: it.Content, Schedule: it.Schedule,
			Window: window(it.Schedule, year), Audience: it.Audience, CarriedFrom: it.ID})
		if err != nil {
			return 0, err
		}
		newID[it.ID] = id
		var own []Assignment
		for _, a := range it.Assignments {
			if a.BodyID == body {
				own = append(own, a)
			}
		}
		if err := replaceAssignments(ctx, q, now, id, body, own); err != nil {
			return 0, err
		}
		if err := replaceCascades(ctx, q, now, id, it.Cascades); err != nil {
			return 0, err
		}
		if err := replaceTargets(ctx, q, id, it.Targets); err != nil {
			return 0, err
		}
	}
	return n, nil
}
