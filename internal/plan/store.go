package plan

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
)

// The store: SQL for plans, items, assignments, cascades, targets, goals,
// phases and changes. Functions take a db.Querier so that the service can
// run them inside its transaction; none of them checks the actor's scope.

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func notFoundOr(err error, what, op string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return core.NotFound(what)
	}
	return fmt.Errorf("plan: %s: %w", op, db.Normalize(err))
}

func stale(what string) error { return core.Errorf(core.ECONFLICT, "%s%s", what, staleMessage) }

// ---- plans ----

const planSelect = `SELECT p.id, p.body_id, b.name, p.kind, p.title, p.doc_number, p.year_from, p.year_to,
	COALESCE(p.parent_id, 0), COALESCE(p.unit_id, 0), p.status, p.cadence, p.source_name, p.revision,
	p.published_at, p.version, p.created_at, p.updated_at,
	(SELECT COUNT(*) FROM plan_items i WHERE i.plan_id = p.id AND i.kind = 'task')
	FROM plans p JOIN bodies b ON b.id = p.body_id`

func scanPlan(row db.Scanner) (*Plan, error) {
	var p Plan
	err := row.Scan(&p.ID, &p.BodyID, &p.BodyName, &p.Kind, &p.Title, &p.DocNumber, &p.YearFrom, &p.YearTo,
		&p.ParentID, &p.UnitID, &p.Status, &p.Cadence, &p.SourceName, &p.Revision, &p.Published, &p.Version,
		&p.Created, &p.Updated, &p.Tasks)
	return &p, err
}

// FindPlanByID reads plan id.
func FindPlanByID(ctx context.Context, q db.Querier, id int64) (*Plan, error) {
	p, err := scanPlan(q.QueryRowContext(ctx, planSelect+` WHERE p.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "计划", "find plan")
	}
	return p, nil
}

// FindPlans lists the plans of body, newest period first.
func FindPlans(ctx context.Context, q db.Querier, body int64) ([]Plan, error) {
	rows, err := q.QueryContext(ctx, planSelect+` WHERE p.body_id = $1 ORDER BY p.year_to DESC, p.year_from DESC, p.id DESC`, body)
	if err != nil {
		return nil, fmt.Errorf("plan: list plans: %w", err)
	}
	return db.Collect(rows, scanPlan)
}

// SourceText reads the document text a plan was imported from.
func SourceText(ctx context.Context, q db.Querier, id int64) (string, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT source_text FROM plans WHERE id = $1`, id).Scan(&s)
	if err != nil {
		return "", notFoundOr(err, "计划", "source text")
	}
	return s, nil
}

// InsertPlan stores a new draft plan.
func InsertPlan(ctx context.Context, q db.Querier, now time.Time, by int64, in PlanInput, sourceName, sourceText string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO plans (body_id, kind, title, doc_number, year_from, year_to, parent_id,
		unit_id, status, cadence, source_name, source_text, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $11, $12, $13, $13) RETURNING id`,
		in.BodyID, string(in.Kind), in.Title, in.DocNumber, in.YearFrom, in.YearTo, nullID(in.ParentID),
		nullID(in.UnitID), string(in.Cadence), sourceName, sourceText, nullID(by), now.Unix()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("plan: insert plan: %w", db.Normalize(err))
	}
	return id, nil
}

// UpdatePlan changes a plan's fields if its version is still in.Version.
func UpdatePlan(ctx context.Context, q db.Querier, now time.Time, id int64, in PlanInput) error {
	res, err := q.ExecContext(ctx, `UPDATE plans SET kind = $1, title = $2, doc_number = $3, year_from = $4, year_to = $5,
		parent_id = $6, cadence = $7, version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10`,
		string(in.Kind), in.Title, in.DocNumber, in.YearFrom, in.YearTo, nullID(in.ParentID), string(in.Cadence),
		now.Unix(), id, in.Version)
	if err != nil {
		return fmt.Errorf("plan: update plan: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return stale("计划")
	}
	return nil
}

// SetPlanStatus moves plan id from one status to another if its version
// is still version.
func SetPlanStatus(ctx context.Context, q db.Querier, now time.Time, id, version int64, from, to Status) error {
	res, err := q.ExecContext(ctx, `UPDATE plans SET status = $1, version = version + 1, updated_at = $2,
		published_at = CASE WHEN $1 = 'published' AND published_at = 0 THEN $2 ELSE published_at END
		WHERE id = $3 AND version = $4 AND status = $5`, string(to), now.Unix(), id, version, string(from))
	if err != nil {
		return fmt.Errorf("plan: set status: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return stale("计划")
	}
	return nil
}

// touchPlan marks a plan changed and, for a published plan, counts the
// change as its next revision, which it returns. The plan's version is left
// alone: items carry versions of their own, and an edit of one task must
// not make another user's edit of the plan's title stale.
func touchPlan(ctx context.Context, q db.Querier, now time.Time, id int64, published bool) (int64, error) {
	var rev int64
	err := q.QueryRowContext(ctx, `UPDATE plans SET updated_at = $1,
		revision = revision + CASE WHEN $2 THEN 1 ELSE 0 END WHERE id = $3 RETURNING revision`,
		now.Unix(), published, id).Scan(&rev)
	if err != nil {
		return 0, fmt.Errorf("plan: touch plan: %w", db.Normalize(err))
	}
	return rev, nil
}

// DeletePlan removes a draft plan and everything in it.
func DeletePlan(ctx context.Context, q db.Querier, id, version int64) error {
	// Items point at each other (parent, carried from); drop the links first
	// so that the cascade delete does not depend on the order it visits rows.
	if _, err := q.ExecContext(ctx, `UPDATE plan_items SET parent_id = NULL WHERE plan_id = $1`, id); err != nil {
		return fmt.Errorf("plan: delete plan: %w", db.Normalize(err))
	}
	res, err := q.ExecContext(ctx, `DELETE FROM plans WHERE id = $1 AND version = $2 AND status = 'draft'`, id, version)
	if err != nil {
		return fmt.Errorf("plan: delete plan: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return stale("计划")
	}
	return nil
}

// ---- items ----

const itemSelect = `SELECT i.id, i.plan_id, COALESCE(i.parent_id, 0), i.seq, i.kind, i.marker, i.path, i.title, i.content,
	i.schedule, i.window_from, i.window_to, i.audience, i.source_line, i.status, i.status_reason,
	COALESCE(i.carried_from_id, 0), COALESCE(i.serves_item_id, 0), i.version, i.updated_at FROM plan_items i`

func scanItem(row db.Scanner) (*Item, error) {
	var it Item
	err := row.Scan(&it.ID, &it.PlanID, &it.ParentID, &it.Seq, &it.Kind, &it.Marker, &it.Path, &it.Title, &it.Content,
		&it.Schedule, &it.WindowFrom, &it.WindowTo, &it.Audience, &it.SourceLine, &it.Status, &it.StatusReason,
		&it.CarriedFrom, &it.ServesItem, &it.Version, &it.Updated)
	return &it, err
}

// FindItemByID reads one item with its assignments, cascades and targets.
func FindItemByID(ctx context.Context, q db.Querier, id int64) (*Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, itemSelect+` WHERE i.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "任务", "find item")
	}
	items := []Item{*it}
	if err := loadDetails(ctx, q, items, detailsOfItem, id); err != nil {
		return nil, err
	}
	return &items[0], nil
}

// FindItems reads a plan's whole tree in document order, with every item's
// assignments, cascades and targets (four queries, whatever the size).
func FindItems(ctx context.Context, q db.Querier, planID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, itemSelect+` WHERE i.plan_id = $1 ORDER BY i.seq`, planID)
	if err != nil {
		return nil, fmt.Errorf("plan: items: %w", err)
	}
	items, err := db.Collect(rows, scanItem)
	if err != nil {
		return nil, fmt.Errorf("plan: items: %w", err)
	}
	if err := loadDetails(ctx, q, items, detailsOfPlan, planID); err != nil {
		return nil, err
	}
	setDepths(items)
	return items, nil
}

// FindInboundItems reads the items handed down to body, with their
// details, in no particular order.
func FindInboundItems(ctx context.Context, q db.Querier, body int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, itemSelect+` WHERE i.id IN (SELECT item_id FROM cascades WHERE body_id = $1)`, body)
	if err != nil {
		return nil, fmt.Errorf("plan: inbound items: %w", err)
	}
	items, err := db.Collect(rows, scanItem)
	if err != nil {
		return nil, fmt.Errorf("plan: inbound items: %w", err)
	}
	if err := loadDetails(ctx, q, items, detailsOfInbound, body); err != nil {
		return nil, err
	}
	return items, nil
}

// The item sets loadDetails reads the details of.
const (
	detailsOfPlan    = iota // the items of plan arg
	detailsOfItem           // the single item arg
	detailsOfInbound        // the items handed down to body arg
)

// The detail queries of each set; each is a constant so that SQL is never
// built from variables (SECURITY.md D2).
const (
	assignmentsOfPlan = `SELECT a.id, a.item_id, a.body_id, a.unit_id, u.name, a.role, a.written_as FROM assignments a
		JOIN units u ON u.id = a.unit_id JOIN plan_items i ON i.id = a.item_id WHERE i.plan_id = $1 ORDER BY a.item_id, a.role, a.seq, a.id`
	assignmentsOfItem = `SELECT a.id, a.item_id, a.body_id, a.unit_id, u.name, a.role, a.written_as FROM assignments a
		JOIN units u ON u.id = a.unit_id JOIN plan_items i ON i.id = a.item_id WHERE i.id = $1 ORDER BY a.item_id, a.role, a.seq, a.id`
	cascadesOfPlan = `SELECT c.id, c.item_id, c.body_id, b.name, c.role, c.written_as, c.status, c.assigned_at FROM cascades c
		JOIN bodies b ON b.id = c.body_id JOIN plan_items i ON i.id = c.item_id WHERE i.plan_id = $1 ORDER BY c.item_id, c.id`
	cascadesOfItem = `SELECT c.id, c.item_id, c.body_id, b.name, c.role, c.written_as, c.status, c.assigned_at FROM cascades c
		JOIN bodies b ON b.id = c.body_id JOIN plan_items i ON i.id = c.item_id WHERE i.id = $1 ORDER BY c.item_id, c.id`
	targetsOfPlan = `SELECT t.item_id, t.text, t.metric, t.comparator, t.value, t.unit, t.period FROM plan_targets t
		JOIN plan_items i ON i.id = t.item_id WHERE i.plan_id = $1 ORDER BY t.item_id, t.seq`
	targetsOfItem = `SELECT t.item_id, t.text, t.metric, t.comparator, t.value, t.unit, t.period FROM plan_targets t
		JOIN plan_items i ON i.id = t.item_id WHERE i.id = $1 ORDER BY t.item_id, t.seq`
	inbound            = ` IN (SELECT item_id FROM cascades WHERE body_id = $1)`
	assignmentsInbound = `SELECT a.id, a.item_id, a.body_id, a.unit_id, u.name, a.role, a.written_as FROM assignments a
		JOIN units u ON u.id = a.unit_id WHERE a.item_id` + inbound + ` ORDER BY a.item_id, a.role, a.seq, a.id`
	cascadesInbound = `SELECT c.id, c.item_id, c.body_id, b.name, c.role, c.written_as, c.status, c.assigned_at FROM cascades c
		JOIN bodies b ON b.id = c.body_id WHERE c.item_id` + inbound + ` ORDER BY c.item_id, c.id`
	targetsInbound = `SELECT t.item_id, t.text, t.metric, t.comparator, t.value, t.unit, t.period FROM plan_targets t
		WHERE t.item_id` + inbound + ` ORDER BY t.item_id, t.seq`
)

// loadDetails fills the assignments, cascades and targets of items, which
// are the set (detailsOf…) that arg names: three queries, whatever the size.
func loadDetails(ctx context.Context, q db.Querier, items []Item, set int, arg int64) error {
	byID := make(map[int64]*Item, len(items))
	for i := range items {
		items[i].Assignments, items[i].Cascades, items[i].Targets = []Assignment{}, []Cascade{}, []Target{}
		byID[items[i].ID] = &items[i]
	}
	aq, cq, tq := assignmentsOfPlan, cascadesOfPlan, targetsOfPlan
	switch set {
	case detailsOfItem:
		aq, cq, tq = assignmentsOfItem, cascadesOfItem, targetsOfItem
	case detailsOfInbound:
		aq, cq, tq = assignmentsInbound, cascadesInbound, targetsInbound
	}
	rows, err := q.QueryContext(ctx, aq, arg)
	if err != nil {
		return fmt.Errorf("plan: assignments: %w", err)
	}
	as, err := db.Collect(rows, scanAssignment)
	if err != nil {
		return fmt.Errorf("plan: assignments: %w", err)
	}
	for _, a := range as {
		if it := byID[a.ItemID]; it != nil {
			it.Assignments = append(it.Assignments, a)
		}
	}
	rows, err = q.QueryContext(ctx, cq, arg)
	if err != nil {
		return fmt.Errorf("plan: cascades: %w", err)
	}
	cs, err := db.Collect(rows, scanCascade)
	if err != nil {
		return fmt.Errorf("plan: cascades: %w", err)
	}
	for _, c := range cs {
		if it := byID[c.ItemID]; it != nil {
			it.Cascades = append(it.Cascades, c)
		}
	}
	rows, err = q.QueryContext(ctx, tq, arg)
	if err != nil {
		return fmt.Errorf("plan: targets: %w", err)
	}
	ts, err := db.Collect(rows, scanItemTarget)
	if err != nil {
		return fmt.Errorf("plan: targets: %w", err)
	}
	for _, x := range ts {
		if it := byID[x.item]; it != nil {
			it.Targets = append(it.Targets, x.t)
		}
	}
	return nil
}

func scanAssignment(r db.Scanner) (*Assignment, error) {
	var a Assignment
	return &a, r.Scan(&a.ID, &a.ItemID, &a.BodyID, &a.UnitID, &a.UnitName, &a.Role, &a.WrittenAs)
}

// itemTarget is a target with the item it belongs to, as a query returns it.
type itemTarget struct {
	item int64
	t    Target
}

func scanItemTarget(r db.Scanner) (*itemTarget, error) {
	var x itemTarget
	return &x, r.Scan(&x.item, &x.t.Text, &x.t.Metric, &x.t.Comparator, &x.t.Value, &x.t.Unit, &x.t.Period)
}

func scanCascade(r db.Scanner) (*Cascade, error) {
	var c Cascade
	return &c, r.Scan(&c.ID, &c.ItemID, &c.BodyID, &c.BodyName, &c.Role, &c.WrittenAs, &c.Status, &c.AssignedAt)
}

// setDepths fills Depth from the parent links of a tree in document order.
func setDepths(items []Item) {
	depth := make(map[int64]int, len(items))
	for i := range items {
		if p, ok := depth[items[i].ParentID]; ok {
			items[i].Depth = p + 1
		}
		depth[items[i].ID] = items[i].Depth
	}
}

// itemRow is what the store writes of an item.
type itemRow struct {
	PlanID, ParentID, Seq        int64
	Kind                         ItemKind
	Marker, Path, Title, Content string
	Schedule                     string
	Window                       [2]string // from, to: 'YYYY-MM-DD' or ""
	Audience                     string
	SourceLine                   int
	CarriedFrom, ServesItem      int64
}

func insertItem(ctx context.Context, q db.Querier, now time.Time, r itemRow) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO plan_items (plan_id, parent_id, seq, kind, marker, path, title, content,
		schedule, window_from, window_to, audience, source_line, carried_from_id, serves_item_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`,
		r.PlanID, nullID(r.ParentID), r.Seq, string(r.Kind), r.Marker, r.Path, r.Title, r.Content, r.Schedule,
		r.Window[0], r.Window[1], r.Audience, r.SourceLine, nullID(r.CarriedFrom), nullID(r.ServesItem),
		now.Unix()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("plan: insert item: %w", db.Normalize(err))
	}
	return id, nil
}

func updateItem(ctx context.Context, q db.Querier, now time.Time, id, version int64, r itemRow) error {
	res, err := q.ExecContext(ctx, `UPDATE plan_items SET kind = $1, marker = $2, title = $3, content = $4, schedule = $5,
		window_from = $6, window_to = $7, audience = $8, serves_item_id = $9, version = version + 1, updated_at = $10
		WHERE id = $11 AND version = $12`,
		string(r.Kind), r.Marker, r.Title, r.Content, r.Schedule, r.Window[0], r.Window[1], r.Audience,
		nullID(r.ServesItem), now.Unix(), id, version)
	if err != nil {
		return fmt.Errorf("plan: update item: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return stale("任务")
	}
	return nil
}

func setItemStatus(ctx context.Context, q db.Querier, now time.Time, id, version int64, st ItemStatus, reason string) error {
	res, err := q.ExecContext(ctx, `UPDATE plan_items SET status = $1, status_reason = $2, version = version + 1,
		updated_at = $3 WHERE id = $4 AND version = $5`, string(st), reason, now.Unix(), id, version)
	if err != nil {
		return fmt.Errorf("plan: item status: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return stale("任务")
	}
	return nil
}

// deleteSubtree removes item id and everything below it.
func deleteSubtree(ctx context.Context, q db.Querier, planID, id int64) error {
	items, err := FindItems(ctx, q, planID)
	if err != nil {
		return err
	}
	doomed := map[int64]bool{id: true}
	for _, it := range items { // document order: a parent comes before its children
		if doomed[it.ParentID] {
			doomed[it.ID] = true
		}
	}
	for i := len(items) - 1; i >= 0; i-- {
		if doomed[items[i].ID] {
			if _, err := q.ExecContext(ctx, `DELETE FROM plan_items WHERE id = $1`, items[i].ID); err != nil {
				return fmt.Errorf("plan: delete item: %w", db.Normalize(err))
			}
		}
	}
	return nil
}

// nextSeq makes room for a new item as the last descendant of parent (or
// at the end of the plan) and returns its seq.
func nextSeq(ctx context.Context, q db.Querier, planID, parent int64) (int64, error) {
	items, err := FindItemsShallow(ctx, q, planID)
	if err != nil {
		return 0, err
	}
	if len(items) == 0 {
		return 1, nil
	}
	if parent == 0 {
		return items[len(items)-1].Seq + 1, nil
	}
	in := map[int64]bool{parent: true}
	var after int64
	for _, it := range items {
		if it.ID == parent || in[it.ParentID] {
			in[it.ID] = true
			after = it.Seq
		}
	}
	if after == 0 {
		return 0, core.Invalid("parent_id", "上级条目不在本计划中")
	}
	if _, err := q.ExecContext(ctx, `UPDATE plan_items SET seq = seq + 1 WHERE plan_id = $1 AND seq > $2`, planID, after); err != nil {
		return 0, fmt.Errorf("plan: make room: %w", db.Normalize(err))
	}
	return after + 1, nil
}

// FindItemsShallow reads a plan's items without their details.
func FindItemsShallow(ctx context.Context, q db.Querier, planID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, itemSelect+` WHERE i.plan_id = $1 ORDER BY i.seq`, planID)
	if err != nil {
		return nil, fmt.Errorf("plan: items: %w", err)
	}
	return db.Collect(rows, scanItem)
}

// renumber recomputes every item's path from the markers of its ancestors,
// after a marker or a parent changed.
func renumber(ctx context.Context, q db.Querier, planID int64) error {
	items, err := FindItemsShallow(ctx, q, planID)
	if err != nil {
		return err
	}
	path := make(map[int64]string, len(items))
	for _, it := range items {
		p := path[it.ParentID] + it.Marker
		path[it.ID] = p
		if p != it.Path {
			if _, err := q.ExecContext(ctx, `UPDATE plan_items SET path = $1 WHERE id = $2`, p, it.ID); err != nil {
				return fmt.Errorf("plan: renumber: %w", db.Normalize(err))
			}
		}
	}
	return nil
}

// replaceAssignments sets the units carrying item within body.
func replaceAssignments(ctx context.Context, q db.Querier, now time.Time, itemID, bodyID int64, as []Assignment) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM assignments WHERE item_id = $1 AND body_id = $2`, itemID, bodyID); err != nil {
		return fmt.Errorf("plan: clear assignments: %w", db.Normalize(err))
	}
	seen := map[string]bool{}
	for i, a := range as {
		key := string(a.Role) + "/" + fmt.Sprint(a.UnitID)
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, err := q.ExecContext(ctx, `INSERT INTO assignments (item_id, body_id, unit_id, role, written_as, seq, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, itemID, bodyID, a.UnitID, string(a.Role), a.WrittenAs, i, now.Unix()); err != nil {
			return fmt.Errorf("plan: insert assignment: %w", db.Normalize(err))
		}
	}
	return nil
}

// replaceCascades sets the subordinate bodies an item is handed down to,
// keeping the state of those that already received it.
func replaceCascades(ctx context.Context, q db.Querier, now time.Time, itemID int64, cs []Cascade) error {
	keep := map[int64]Cascade{}
	for _, c := range cs {
		keep[c.BodyID] = c
	}
	rows, err := q.QueryContext(ctx, `SELECT body_id FROM cascades WHERE item_id = $1`, itemID)
	if err != nil {
		return fmt.Errorf("plan: cascades: %w", err)
	}
	have := map[int64]bool{}
	for rows.Next() {
		var b int64
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return err
		}
		have[b] = true
	}
	rows.Close()
	for b := range have {
		if _, ok := keep[b]; !ok {
			if _, err := q.ExecContext(ctx, `DELETE FROM assignments WHERE item_id = $1 AND body_id = $2`, itemID, b); err != nil {
				return fmt.Errorf("plan: drop cascade: %w", db.Normalize(err))
			}
			if _, err := q.ExecContext(ctx, `DELETE FROM cascades WHERE item_id = $1 AND body_id = $2`, itemID, b); err != nil {
				return fmt.Errorf("plan: drop cascade: %w", db.Normalize(err))
			}
		}
	}
	for _, c := range cs {
		if have[c.BodyID] {
			if _, err := q.ExecContext(ctx, `UPDATE cascades SET role = $1, written_as = $2 WHERE item_id = $3 AND body_id = $4`,
				string(c.Role), c.WrittenAs, itemID, c.BodyID); err != nil {
				return fmt.Errorf("plan: update cascade: %w", db.Normalize(err))
			}
			continue
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO cascades (item_id, body_id, role, written_as, created_at)
			VALUES ($1, $2, $3, $4, $5)`, itemID, c.BodyID, string(c.Role), c.WrittenAs, now.Unix()); err != nil {
			return fmt.Errorf("plan: insert cascade: %w", db.Normalize(err))
		}
	}
	return nil
}

func replaceTargets(ctx context.Context, q db.Querier, itemID int64, ts []Target) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM plan_targets WHERE item_id = $1`, itemID); err != nil {
		return fmt.Errorf("plan: clear targets: %w", db.Normalize(err))
	}
	for i, t := range ts {
		if _, err := q.ExecContext(ctx, `INSERT INTO plan_targets (item_id, seq, text, metric, comparator, value, unit, period)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, itemID, i, t.Text, t.Metric, t.Comparator, t.Value, t.Unit, t.Period); err != nil {
			return fmt.Errorf("plan: insert target: %w", db.Normalize(err))
		}
	}
	return nil
}

// ---- cascades ----

// FindCascadeByID reads one cascade.
func FindCascadeByID(ctx context.Context, q db.Querier, id int64) (*Cascade, error) {
	c, err := scanCascade(q.QueryRowContext(ctx, `SELECT c.id, c.item_id, c.body_id, b.name, c.role, c.written_as, c.status,
		c.assigned_at FROM cascades c JOIN bodies b ON b.id = c.body_id WHERE c.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "下达任务", "find cascade")
	}
	return c, nil
}

func markCascade(ctx context.Context, q db.Querier, now time.Time, id, by int64, assigned bool) error {
	st, at := "received", int64(0)
	if assigned {
		st, at = "assigned", now.Unix()
	}
	_, err := q.ExecContext(ctx, `UPDATE cascades SET status = $1, assigned_at = $2, assigned_by = $3 WHERE id = $4`,
		st, at, nullID(by), id)
	if err != nil {
		return fmt.Errorf("plan: mark cascade: %w", db.Normalize(err))
	}
	return nil
}

// ---- goals, phases ----

// FindGoals reads a plan's goals with their measured values.
func FindGoals(ctx context.Context, q db.Querier, planID int64) ([]Goal, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, plan_id, text, metric, comparator, value, unit, year FROM plan_goals
		WHERE plan_id = $1 ORDER BY seq, id`, planID)
	if err != nil {
		return nil, fmt.Errorf("plan: goals: %w", err)
	}
	goals, err := db.Collect(rows, func(r db.Scanner) (*Goal, error) {
		var g Goal
		return &g, r.Scan(&g.ID, &g.PlanID, &g.Text, &g.Metric, &g.Comparator, &g.Value, &g.Unit, &g.Year)
	})
	if err != nil {
		return nil, fmt.Errorf("plan: goals: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT m.id, m.goal_id, m.region_id, r.name, m.year, m.value, m.note FROM goal_measures m
		JOIN plan_goals g ON g.id = m.goal_id JOIN regions r ON r.id = m.region_id WHERE g.plan_id = $1
		ORDER BY m.goal_id, m.year, r.code`, planID)
	if err != nil {
		return nil, fmt.Errorf("plan: measures: %w", err)
	}
	ms, err := db.Collect(rows, func(r db.Scanner) (*Measure, error) {
		var m Measure
		return &m, r.Scan(&m.ID, &m.GoalID, &m.RegionID, &m.RegionName, &m.Year, &m.Value, &m.Note)
	})
	if err != nil {
		return nil, fmt.Errorf("plan: measures: %w", err)
	}
	for i := range goals {
		goals[i].Measures = []Measure{}
		for _, m := range ms {
			if m.GoalID == goals[i].ID {
				m.Met = Meets(m.Value, goals[i].Comparator, goals[i].Value)
				goals[i].Measures = append(goals[i].Measures, m)
			}
		}
	}
	return goals, nil
}

func insertGoal(ctx context.Context, q db.Querier, planID int64, seq int, g Goal) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO plan_goals (plan_id, seq, text, metric, comparator, value, unit, year)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		planID, seq, g.Text, g.Metric, g.Comparator, g.Value, g.Unit, g.Year).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("plan: insert goal: %w", db.Normalize(err))
	}
	return id, nil
}

// FindPhases reads a plan's phases in order.
func FindPhases(ctx context.Context, q db.Querier, planID int64) ([]Phase, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, starts_on, ends_on, milestone FROM plan_phases
		WHERE plan_id = $1 ORDER BY seq, id`, planID)
	if err != nil {
		return nil, fmt.Errorf("plan: phases: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (*Phase, error) {
		var p Phase
		return &p, r.Scan(&p.ID, &p.Name, &p.StartsOn, &p.EndsOn, &p.Milestone)
	})
}

// ---- changes ----

func insertChange(ctx context.Context, q db.Querier, now time.Time, a *core.Actor, planID, rev, itemID int64,
	action, summary, before, after string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO plan_changes (plan_id, revision, item_id, action, summary, before_json,
		after_json, user_id, user_name, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		planID, rev, nullID(itemID), action, summary, before, after, nullID(a.UserID), actorName(a), now.Unix())
	if err != nil {
		return fmt.Errorf("plan: insert change: %w", db.Normalize(err))
	}
	return nil
}

func actorName(a *core.Actor) string {
	if strings.TrimSpace(a.DisplayName) != "" {
		return a.DisplayName
	}
	return a.Username
}

// FindChanges reads a plan's versioned changes, newest first, with the
// item's values before and after as stored (JSON objects).
func FindChanges(ctx context.Context, q db.Querier, planID int64) ([]Change, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, revision, COALESCE(item_id, 0), action, summary, user_name, changed_at,
		before_json, after_json FROM plan_changes WHERE plan_id = $1 ORDER BY revision DESC`, planID)
	if err != nil {
		return nil, fmt.Errorf("plan: changes: %w", err)
	}
	return db.Collect(rows, func(r db.Scanner) (*Change, error) {
		var c Change
		return &c, r.Scan(&c.ID, &c.Revision, &c.ItemID, &c.Action, &c.Summary, &c.UserName, &c.At, &c.before, &c.after)
	})
}
