package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/plan"
)

// Liuzhou's plans: the published 2020 action plan (its decomposition table,
// a closed task, the goal with measured values, phases, the tasks handed
// down to the ten county bodies and one county's assignment of one of
// them), the draft 2021 key points carried over from it, and the education
// bureau's published work plan serving the tasks it leads.
//
// Like the org data they are written with SQL of their own, in one
// transaction, rather than through plan.Service: the service stamps
// everything with the current time and one actor, while the demo needs a
// plan published in May 2020, closed in June by the office, assigned by a
// county office, and the education bureau's liaison's own plan.

// cst is China Standard Time, the zone the seed's dates are in.
var cst = time.FixedZone("CST", 8*3600)

func day(date string) int64 {
	t, err := time.ParseInLocation(time.DateOnly, date, cst)
	if err != nil {
		panic("demo: bad date " + date)
	}
	return t.Add(9 * time.Hour).Unix() // 09:00, office hours
}

// planWriter holds what the plans of one body are written against.
type planWriter struct {
	tx      *sql.Tx
	ctx     context.Context
	body    int64
	units   map[string]int64 // short name or alias → unit id
	members []int64          // current member units, in roster order
	names   map[int64]string // unit id → short name, for written_as
}

// loadPlans writes Liuzhou's plans unless its body already has the action
// plan (a second Load adds nothing). It runs after the accounts exist, so
// the plans can name who created, closed and assigned what.
func loadPlans(ctx context.Context, d *db.DB, now time.Time) error {
	err := d.InTx(ctx, func(tx *sql.Tx) error { return writeLiuzhouPlans(ctx, tx, d.Engine, now) })
	if err != nil {
		return fmt.Errorf("demo: Liuzhou plans: %w", err)
	}
	return nil
}

func userID(ctx context.Context, q db.Querier, username string) (any, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM users WHERE username = $1`, username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return id, err
}

func userName(ctx context.Context, q db.Querier, username string) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT display_name FROM users WHERE username = $1`, username).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return username, nil
	}
	return name, err
}

// newPlanWriter reads the units (by short name and alias) of the body's
// region and its current member units.
func newPlanWriter(ctx context.Context, tx *sql.Tx, body int64, regionCode string) (*planWriter, error) {
	w := &planWriter{tx: tx, ctx: ctx, body: body, units: map[string]int64{}, names: map[int64]string{}}
	rows, err := tx.QueryContext(ctx, `SELECT u.id, u.short_name, COALESCE(a.alias, '') FROM units u
		JOIN regions r ON r.id = u.region_id LEFT JOIN unit_aliases a ON a.unit_id = u.id
		WHERE r.code = $1 ORDER BY u.id`, regionCode)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var short, alias string
		if err := rows.Scan(&id, &short, &alias); err != nil {
			rows.Close()
			return nil, err
		}
		w.units[short], w.names[id] = id, short
		if alias != "" {
			w.units[alias] = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT unit_id FROM member_units WHERE body_id = $1 AND left_on IS NULL
		ORDER BY sort_order, id`, body)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		w.members = append(w.members, id)
	}
	return w, rows.Err()
}

// ensureUnit adds a unit of the region that a plan names but the roster
// does not (the party school), unless it exists.
func (w *planWriter) ensureUnit(region int64, name, short, kind string, ts int64) error {
	if _, ok := w.units[short]; ok {
		return nil
	}
	id, err := insertID(w.ctx, w.tx, `INSERT INTO units (region_id, name, short_name, kind, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)`, region, name, short, kind, ts)
	if err != nil {
		return err
	}
	w.units[short], w.names[id] = id, short
	return org.InsertUnitIndex(w.ctx, w.tx, []org.UnitIndexRow{{UnitID: id, Terms: org.UnitTerms(name, short, nil)}})
}

type assignRow struct {
	unit      int64
	role      plan.Role
	writtenAs string
}

// assign resolves a task's written unit names: lead units first, then the
// responsible ones, where allMembers stands for every member unit not
// already leading the task.
func (w *planWriter) assign(lead, responsible []string) ([]assignRow, error) {
	var out []assignRow
	leads := map[int64]bool{}
	for _, name := range lead {
		id, ok := w.units[name]
		if !ok {
			return nil, fmt.Errorf("lead unit %q is not a unit of the body's region", name)
		}
		leads[id] = true
		out = append(out, assignRow{id, plan.Lead, name})
	}
	seen := map[int64]bool{}
	for _, name := range responsible {
		if name == allMembers {
			for _, id := range w.members {
				if !leads[id] && !seen[id] {
					seen[id] = true
					out = append(out, assignRow{id, plan.Responsible, allMembers})
				}
			}
			continue
		}
		id, ok := w.units[name]
		if !ok {
			return nil, fmt.Errorf("responsible unit %q is not a unit of the body's region", name)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, assignRow{id, plan.Responsible, name})
		}
	}
	return out, nil
}

// planRow is a plan as the loader writes it.
type planRow struct {
	kind               plan.Kind
	title, doc         string
	from, to           int
	parent, unit       int64
	status             plan.Status
	revision, version  int64
	createdBy          any
	created, published int64
	updated            int64
	cadence            string
}

func (w *planWriter) insertPlan(p planRow) (int64, error) {
	if p.cadence == "" {
		p.cadence = string(plan.Quarterly)
	}
	return insertID(w.ctx, w.tx, `INSERT INTO plans (body_id, kind, title, doc_number, year_from, year_to, parent_id,
		unit_id, status, cadence, revision, published_at, version, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		w.body, string(p.kind), p.title, p.doc, p.from, p.to, nullable(p.parent), nullable(p.unit), string(p.status),
		p.cadence, p.revision, p.published, p.version, p.createdBy, p.created, p.updated)
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// itemRow is a plan item as the loader writes it.
type itemRow struct {
	plan, parent, seq       int64
	kind                    plan.ItemKind
	marker, path            string
	title, content          string
	schedule, from, to      string
	audience                string
	status                  plan.ItemStatus
	reason                  string
	version                 int64
	carriedFrom, servesItem int64
	ts                      int64
}

func (w *planWriter) insertItem(r itemRow) (int64, error) {
	if r.status == "" {
		r.status = plan.Open
	}
	if r.version == 0 {
		r.version = 1
	}
	return insertID(w.ctx, w.tx, `INSERT INTO plan_items (plan_id, parent_id, seq, kind, marker, path, title, content,
		schedule, window_from, window_to, audience, status, status_reason, carried_from_id, serves_item_id, version,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
		r.plan, nullable(r.parent), r.seq, string(r.kind), r.marker, r.path, r.title, r.content, r.schedule, r.from, r.to,
		r.audience, string(r.status), r.reason, nullable(r.carriedFrom), nullable(r.servesItem), r.version, r.ts)
}

func (w *planWriter) insertAssignments(item, body int64, as []assignRow, ts int64) error {
	for i, a := range as {
		if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO assignments (item_id, body_id, unit_id, role, written_as, seq, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, item, body, a.unit, string(a.role), a.writtenAs, i, ts); err != nil {
			return db.Normalize(err)
		}
	}
	return nil
}

func (w *planWriter) insertTargets(item int64, ts []plan.Target) error {
	for i, t := range ts {
		if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO plan_targets (item_id, seq, text, metric, comparator, value, unit, period)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, item, i, t.Text, t.Metric, t.Comparator, t.Value, t.Unit, t.Period); err != nil {
			return db.Normalize(err)
		}
	}
	return nil
}

// childBody is a body one level down.
type childBody struct {
	id     int64
	region string
}

func childBodies(ctx context.Context, q db.Querier, body int64) ([]childBody, error) {
	rows, err := q.QueryContext(ctx, `SELECT b.id, r.code FROM bodies b JOIN regions r ON r.id = b.region_id
		WHERE b.parent_id = $1 ORDER BY r.code`, body)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []childBody
	for rows.Next() {
		var c childBody
		if err := rows.Scan(&c.id, &c.region); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// loadedTask remembers a written task for the plans that refer to it.
type loadedTask struct {
	id      int64
	project int64 // its project item
	spec    taskSpec
	assign  []assignRow
}

func writeLiuzhouPlans(ctx context.Context, tx *sql.Tx, engine db.Engine, now time.Time) error {
	body, err := bodyID(ctx, tx, "450200", "leading_group")
	if err != nil || body == 0 {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plans WHERE body_id = $1 AND doc_number = $2`,
		body, liuzhouPlanDoc).Scan(&n); err != nil || n > 0 {
		return err
	}
	region, err := regionID(ctx, tx, "450200")
	if err != nil {
		return err
	}
	w, err := newPlanWriter(ctx, tx, body, "450200")
	if err != nil {
		return err
	}
	if err := w.ensureUnit(region, "中共柳州市委党校", "市委党校", "party", now.Unix()); err != nil {
		return err
	}
	office, err := userID(ctx, tx, "office")
	if err != nil {
		return err
	}
	officeName, err := userName(ctx, tx, "office")
	if err != nil {
		return err
	}

	// The action plan: drafted and published on the day of its notice,
	// with one revision since (the closed task).
	issued, closedAt := day("2020-05-06"), day("2020-06-02")
	actionID, err := w.insertPlan(planRow{kind: plan.Action, title: liuzhouPlanTitle, doc: liuzhouPlanDoc,
		from: 2020, to: 2020, status: plan.Published, revision: 1, version: 2, createdBy: office,
		created: issued, published: issued, updated: closedAt})
	if err != nil {
		return err
	}
	children, err := childBodies(ctx, tx, body)
	if err != nil {
		return err
	}
	tasks, st, err := w.writeActionTree(actionID, children, issued)
	if err != nil {
		return err
	}
	if err := w.closeTask(actionID, tasks, office, officeName, closedAt); err != nil {
		return err
	}
	if err := w.assignCounty(children, tasks); err != nil {
		return err
	}
	if err := w.writeGoal(actionID, office); err != nil {
		return err
	}
	for i, ph := range liuzhouPhases {
		if _, err := tx.ExecContext(ctx, `INSERT INTO plan_phases (plan_id, seq, name, starts_on, ends_on, milestone)
			VALUES ($1, $2, $3, $4, $5, $6)`, actionID, i, ph.Name, ph.StartsOn, ph.EndsOn, ph.Milestone); err != nil {
			return db.Normalize(err)
		}
	}
	keyID, err := w.writeKeyPoints(actionID, tasks, office)
	if err != nil {
		return err
	}
	eduID, err := w.writeEduPlan(actionID, tasks)
	if err != nil {
		return err
	}
	return audit.Record(ctx, tx, engine, now, audit.Event{Action: "demo.load", ObjectType: "plan", ObjectID: actionID,
		After: map[string]any{"tasks": len(tasks), "assignments": st.assignments, "cascades": st.cascades,
			"key_points": keyID, "unit_work_plan": eduID},
		Detail: "演示数据：" + liuzhouPlanTitle})
}

type treeStats struct{ assignments, cascades int }

// writeActionTree writes the projects and tasks of the decomposition
// table with their units, targets and cascades, and returns the tasks in
// table order.
func (w *planWriter) writeActionTree(planID int64, children []childBody, ts int64) ([]loadedTask, treeStats, error) {
	var st treeStats
	var tasks []loadedTask
	seq := int64(0)
	for _, pr := range liuzhouProjects() {
		seq++
		projectID, err := w.insertItem(itemRow{plan: planID, seq: seq, kind: plan.Project, marker: pr.Marker,
			path: pr.Marker, title: pr.Title, audience: pr.Audience, ts: ts})
		if err != nil {
			return nil, st, err
		}
		for i, t := range pr.Tasks {
			seq++
			marker := fmt.Sprintf("%d.", i+1)
			id, err := w.insertItem(itemRow{plan: planID, parent: projectID, seq: seq, kind: plan.Task, marker: marker,
				path: pr.Marker + marker, title: t.Title, content: t.Content, schedule: t.Schedule, from: t.From, to: t.To,
				audience: pr.Audience, ts: ts})
			if err != nil {
				return nil, st, err
			}
			as, err := w.assign(t.Lead, t.Responsible)
			if err != nil {
				return nil, st, fmt.Errorf("%s%s: %w", pr.Marker, marker, err)
			}
			if err := w.insertAssignments(id, w.body, as, ts); err != nil {
				return nil, st, err
			}
			if err := w.insertTargets(id, t.Targets); err != nil {
				return nil, st, err
			}
			if t.Cascade != "" {
				for _, c := range children {
					if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO cascades (item_id, body_id, role, written_as, created_at)
						VALUES ($1, $2, $3, $4, $5)`, id, c.id, string(t.Cascade), t.CascadeText, ts); err != nil {
						return nil, st, db.Normalize(err)
					}
					st.cascades++
				}
			}
			st.assignments += len(as)
			tasks = append(tasks, loadedTask{id: id, project: projectID, spec: t, assign: as})
		}
	}
	return tasks, st, nil
}

// closeTask closes the task the table marks closed, as the office did on
// the plan's first revision, with the change's before and after.
func (w *planWriter) closeTask(planID int64, tasks []loadedTask, office any, officeName string, at int64) error {
	for _, t := range tasks {
		if t.spec.Closed == "" {
			continue
		}
		if _, err := w.tx.ExecContext(w.ctx, `UPDATE plan_items SET status = 'closed', status_reason = $1, version = 2,
			updated_at = $2 WHERE id = $3`, t.spec.Closed, at, t.id); err != nil {
			return db.Normalize(err)
		}
		before, err := json.Marshal(map[string]string{"title": t.spec.Title, "status": plan.Open.Label(), "status_reason": ""})
		if err != nil {
			return err
		}
		after, err := json.Marshal(map[string]string{"title": t.spec.Title, "status": plan.Closed.Label(),
			"status_reason": t.spec.Closed})
		if err != nil {
			return err
		}
		if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO plan_changes (plan_id, revision, item_id, action, summary,
			before_json, after_json, user_id, user_name, changed_at) VALUES ($1, 1, $2, 'plan_item.status', $3, $4, $5, $6, $7, $8)`,
			planID, t.id, plan.Closed.Label()+"："+t.spec.Title, string(before), string(after), office, officeName, at); err != nil {
			return db.Normalize(err)
		}
	}
	return nil
}

// assignCounty has 柳江区's office assign its cascade of one task to its
// own units; the other county bodies still have it to assign.
func (w *planWriter) assignCounty(children []childBody, tasks []loadedTask) error {
	var county int64
	for _, c := range children {
		if c.region == assignedCounty {
			county = c.id
		}
	}
	if county == 0 || len(tasks) <= assignedCascadeIdx {
		return nil
	}
	task := tasks[assignedCascadeIdx]
	cw, err := newPlanWriter(w.ctx, w.tx, county, assignedCounty)
	if err != nil {
		return err
	}
	as, err := cw.assign(assignedLead, assignedResponsible)
	if err != nil {
		return fmt.Errorf("county assignment: %w", err)
	}
	at := day("2020-05-20")
	if err := w.insertAssignments(task.id, county, as, at); err != nil {
		return err
	}
	by, err := userID(w.ctx, w.tx, "county")
	if err != nil {
		return err
	}
	_, err = w.tx.ExecContext(w.ctx, `UPDATE cascades SET status = 'assigned', assigned_by = $1, assigned_at = $2
		WHERE item_id = $3 AND body_id = $4`, by, at, task.id, county)
	return db.Normalize(err)
}

// writeGoal writes the headline goal and its measured values.
func (w *planWriter) writeGoal(planID int64, office any) error {
	g := liuzhouGoal
	goal, err := insertID(w.ctx, w.tx, `INSERT INTO plan_goals (plan_id, seq, text, metric, comparator, value, unit, year)
		VALUES ($1, 0, $2, $3, $4, $5, $6, $7)`, planID, g.Text, g.Metric, g.Comparator, g.Value, g.Unit, g.Year)
	if err != nil {
		return err
	}
	for _, m := range liuzhouMeasures {
		region, err := regionID(w.ctx, w.tx, m.Region)
		if err != nil {
			return err
		}
		if region == 0 {
			continue
		}
		if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO goal_measures (goal_id, region_id, year, value, note, recorded_by,
			recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, goal, region, m.Year, m.Value, measureNote, office,
			day(fmt.Sprintf("%d-03-15", m.Year+1))); err != nil {
			return db.Normalize(err)
		}
	}
	return nil
}

// writeKeyPoints drafts the 2021 key points: the chosen tasks carried over
// under their projects, each remembering where it came from, with their
// units, targets and cascades (not yet handed down: the draft is not
// published), moved to 2021; and one new task.
func (w *planWriter) writeKeyPoints(actionID int64, tasks []loadedTask, office any) (int64, error) {
	ts := day("2020-12-10")
	id, err := w.insertPlan(planRow{kind: plan.AnnualKeyPoints, title: keyPointsTitle, from: 2021, to: 2021,
		parent: actionID, status: plan.Draft, version: 1, createdBy: office, created: ts, updated: ts})
	if err != nil {
		return 0, err
	}
	projects := liuzhouProjects()
	byProject := map[int][]int{}
	var order []int
	for _, c := range keyPointsCarried {
		if _, ok := byProject[c[0]]; !ok {
			order = append(order, c[0])
		}
		byProject[c[0]] = append(byProject[c[0]], c[1])
	}
	taskAt := func(p, t int) loadedTask {
		i := 0
		for k := 0; k < p; k++ {
			i += len(projects[k].Tasks)
		}
		return tasks[i+t]
	}
	seq := int64(0)
	for _, p := range order {
		pr := projects[p]
		seq++
		projectID, err := w.insertItem(itemRow{plan: id, seq: seq, kind: plan.Project, marker: pr.Marker, path: pr.Marker,
			title: pr.Title, audience: pr.Audience, carriedFrom: taskAt(p, byProject[p][0]).project, ts: ts})
		if err != nil {
			return 0, err
		}
		for _, ti := range byProject[p] {
			src := taskAt(p, ti)
			t := src.spec
			marker := fmt.Sprintf("%d.", ti+1)
			seq++
			item, err := w.insertItem(itemRow{plan: id, parent: projectID, seq: seq, kind: plan.Task, marker: marker,
				path: pr.Marker + marker, title: t.Title, content: t.Content, schedule: t.Schedule,
				from: strings.Replace(t.From, "2020", "2021", 1), to: strings.Replace(t.To, "2020", "2021", 1),
				audience: pr.Audience, carriedFrom: src.id, ts: ts})
			if err != nil {
				return 0, err
			}
			if err := w.insertAssignments(item, w.body, src.assign, ts); err != nil {
				return 0, err
			}
			if err := w.insertTargets(item, t.Targets); err != nil {
				return 0, err
			}
			if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO cascades (item_id, body_id, role, written_as, created_at)
				SELECT $1, body_id, role, written_as, $2 FROM cascades WHERE item_id = $3 ORDER BY id`, item, ts, src.id); err != nil {
				return 0, db.Normalize(err)
			}
		}
	}
	nk := keyPointsNew
	seq++
	section, err := w.insertItem(itemRow{plan: id, seq: seq, kind: plan.Section, marker: nk.Marker, path: nk.Marker,
		title: nk.Section, ts: ts})
	if err != nil {
		return 0, err
	}
	seq++
	item, err := w.insertItem(itemRow{plan: id, parent: section, seq: seq, kind: plan.Task, marker: "1.",
		path: nk.Marker + "1.", title: nk.Task.Title, content: nk.Task.Content, schedule: nk.Task.Schedule,
		from: nk.Task.From, to: nk.Task.To, ts: ts})
	if err != nil {
		return 0, err
	}
	as, err := w.assign(nk.Task.Lead, nk.Task.Responsible)
	if err != nil {
		return 0, err
	}
	return id, w.insertAssignments(item, w.body, as, ts)
}

// writeEduPlan writes the education bureau's published 2020 work plan,
// made by its liaison, each item serving a task of the action plan.
func (w *planWriter) writeEduPlan(actionID int64, tasks []loadedTask) (int64, error) {
	unit, ok := w.units[eduPlanUnit]
	if !ok {
		return 0, fmt.Errorf("unit %s is missing", eduPlanUnit)
	}
	liaison, err := userID(w.ctx, w.tx, "liaison-jyj")
	if err != nil {
		return 0, err
	}
	created, published := day("2020-05-15"), day("2020-05-20")
	id, err := w.insertPlan(planRow{kind: plan.UnitWorkPlan, title: eduPlanTitle, from: 2020, to: 2020, parent: actionID,
		unit: unit, status: plan.Published, version: 2, createdBy: liaison, created: created, published: published,
		updated: published})
	if err != nil {
		return 0, err
	}
	projects := liuzhouProjects()
	for i, it := range eduPlanItems {
		k := 0
		for p := 0; p < it.Serves[0]; p++ {
			k += len(projects[p].Tasks)
		}
		serves := tasks[k+it.Serves[1]].id
		marker := fmt.Sprintf("%d.", i+1)
		item, err := w.insertItem(itemRow{plan: id, seq: int64(i + 1), kind: plan.Task, marker: marker, path: marker,
			title: it.Title, content: it.Content, schedule: it.Schedule, from: it.From, to: it.To, servesItem: serves,
			audience: "青少年", ts: created})
		if err != nil {
			return 0, err
		}
		if err := w.insertTargets(item, it.Targets); err != nil {
			return 0, err
		}
	}
	return id, nil
}
