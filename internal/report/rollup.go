package report

import (
	"context"
	"fmt"
	"sort"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/plan"
)

// Cell is one report's place in a grid: its period, and its state ("" when
// not started).
type Cell struct {
	Period   Period   `json:"period"`
	ReportID int64    `json:"report_id,omitempty"`
	State    State    `json:"state"`
	Progress Progress `json:"progress,omitempty"`
}

// StateLabel is the cell's state in Chinese (未报 when not started).
func (c Cell) StateLabel() string { return c.State.Label() }

// TaskRow is one task a unit carries, with its reports period by period.
type TaskRow struct {
	Item     plan.Item `json:"item"`
	BodyID   int64     `json:"body_id"`
	Role     plan.Role `json:"role"`
	Cells    []Cell    `json:"cells"`
	Combined []Cell    `json:"consolidated,omitempty"` // the lead unit's consolidated reports
}

// PlanBlock is the tasks of one plan that a unit carries.
type PlanBlock struct {
	PlanID    int64     `json:"plan_id"`
	PlanTitle string    `json:"plan_title"`
	Cadence   string    `json:"cadence"`
	Periods   []Period  `json:"periods"`
	Tasks     []TaskRow `json:"tasks"`
}

type stateRow struct {
	id              int64
	state, progress string
}

// stateKey names one report of a unit: body, task, period and kind.
type stateKey struct {
	body, item int64
	period     string
	kind       Kind
}

// Mine lists the tasks of the actor's unit in each of its bodies, plan by
// plan, with the state of each period's report: 我的报告.
func (s *Service) Mine(ctx context.Context) ([]PlanBlock, error) {
	var out []PlanBlock
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		out = []PlanBlock{}
		if a.UnitID == 0 || a.Role == core.RoleLeader {
			return nil
		}
		now := s.Clock.Now()
		// Two queries for the whole list, whatever the number of bodies
		// and plans: the unit's reports and the plans of its tasks. Only
		// the tasks themselves are read body by body.
		byKey, err := unitStates(ctx, q, a.UnitID)
		if err != nil {
			return err
		}
		plans, err := unitPlans(ctx, q, a.UnitID)
		if err != nil {
			return err
		}
		for _, body := range a.BodyIDs {
			tasks, err := plan.FindUnitTasks(ctx, q, a.UnitID, body)
			if err != nil {
				return err
			}
			blocks := map[int64]int{}
			for _, t := range tasks {
				if t.Item.Kind != plan.Task {
					continue
				}
				bi, ok := blocks[t.PlanID]
				if !ok {
					p := plans[t.PlanID]
					if p == nil {
						return fmt.Errorf("report: mine: plan %d of task %d not found", t.PlanID, t.Item.ID)
					}
					bi = len(out)
					blocks[t.PlanID] = bi
					out = append(out, PlanBlock{PlanID: p.ID, PlanTitle: p.Title, Cadence: p.Cadence.Label(), Periods: Periods(p, now)})
				}
				b := &out[bi]
				if n := len(b.Tasks); n > 0 && b.Tasks[n-1].Item.ID == t.Item.ID {
					// A unit both leading and responsible for a task
					// reports once; the lead role wins.
					continue
				}
				row := TaskRow{Item: t.Item, BodyID: body, Role: t.Role}
				for _, per := range b.Periods {
					k := stateKey{body: body, item: t.Item.ID, period: per.Key, kind: UnitReport}
					row.Cells = append(row.Cells, cellOf(per, byKey[k]))
					if t.Role == plan.Lead {
						k.kind = Consolidated
						row.Combined = append(row.Combined, cellOf(per, byKey[k]))
					}
				}
				b.Tasks = append(b.Tasks, row)
			}
		}
		return nil
	})
	return out, err
}

func cellOf(per Period, x stateRow) Cell {
	return Cell{Period: per, ReportID: x.id, State: State(x.state), Progress: Progress(x.progress)}
}

// UnitLine is one unit of a task in the consolidation view.
type UnitLine struct {
	UnitID   int64     `json:"unit_id"`
	UnitName string    `json:"unit_name"`
	Role     plan.Role `json:"role"`
	Report   *Report   `json:"report"` // nil when not started
}

// Consolidation is the lead unit's view of a task for a period: each
// unit's report side by side, its consolidated report, and the sums of the
// units' submitted and accepted figures to start it from.
type Consolidation struct {
	Item         *plan.Item `json:"item"`
	Plan         *plan.Plan `json:"plan"`
	BodyID       int64      `json:"body_id"`
	Period       Period     `json:"period"`
	Units        []UnitLine `json:"units"`
	Consolidated *Report    `json:"consolidated"`
	Sums         []Figure   `json:"sums"`
	// CanWrite says whether the actor's unit leads the task (it starts
	// and writes the consolidated report).
	CanWrite bool `json:"can_write"`
}

// Consolidate reads task itemID in body for period (0 and "": the plan's
// body and its latest period begun): for its lead units' liaisons, the
// body's office (and the offices above it) and its leaders.
func (s *Service) Consolidate(ctx context.Context, itemID, bodyID int64, period string) (*Consolidation, error) {
	var c *Consolidation
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		it, err := plan.FindItemByID(ctx, q, itemID)
		if err != nil {
			return denied("任务", "plan_item", itemID, "report.consolidate")
		}
		p, err := plan.FindPlanByID(ctx, q, it.PlanID)
		if err != nil || p.Status != plan.Published {
			return denied("任务", "plan_item", itemID, "report.consolidate")
		}
		if bodyID == 0 {
			bodyID = p.BodyID
		}
		if period == "" {
			if ps := Periods(p, s.Clock.Now()); len(ps) > 0 {
				period = ps[len(ps)-1].Key
			}
		}
		lead := false
		if a.UnitID != 0 && a.InBody(bodyID) {
			if lead, _, err = roles(ctx, q, itemID, bodyID, a.UnitID); err != nil {
				return err
			}
		}
		switch {
		case lead && (a.Role == core.RoleLiaison || a.Role == core.RoleOffice):
		case a.Role == core.RoleOffice && a.CanSee(bodyID):
		case a.Role == core.RoleLeader && a.InBody(bodyID):
		default:
			return denied("任务", "plan_item", itemID, "report.consolidate")
		}
		per, err := ParsePeriod(p, period, s.Clock.Now())
		if err != nil {
			return err
		}
		c = &Consolidation{Item: it, Plan: p, BodyID: bodyID, Period: per, CanWrite: lead}
		seen := map[int64]bool{}
		for _, as := range it.Assignments {
			if as.BodyID != bodyID || seen[as.UnitID] {
				continue
			}
			seen[as.UnitID] = true
			line := UnitLine{UnitID: as.UnitID, UnitName: as.UnitName, Role: as.Role}
			id, err := findReportID(ctx, q, Key{BodyID: bodyID, ItemID: itemID, UnitID: as.UnitID, Period: per.Key, Kind: UnitReport})
			if err != nil {
				return err
			}
			if id != 0 {
				if line.Report, err = findReport(ctx, q, id); err != nil {
					return err
				}
			}
			c.Units = append(c.Units, line)
		}
		if len(c.Units) == 0 {
			return denied("任务", "plan_item", itemID, "report.consolidate")
		}
		if c.Sums, err = findFigures(ctx, q, itemID, 0); err != nil {
			return err
		}
		for i := range c.Sums {
			var sum float64
			any := false
			for _, u := range c.Units {
				if u.Report == nil || (u.Report.State != Submitted && u.Report.State != Accepted) {
					continue
				}
				for _, f := range u.Report.Figures {
					if f.Seq == c.Sums[i].Seq && f.Value != nil {
						sum += *f.Value
						any = true
					}
				}
			}
			if any {
				v := sum
				c.Sums[i].Value = &v
			}
		}
		for _, as := range it.Assignments {
			if as.BodyID != bodyID || as.Role != plan.Lead {
				continue
			}
			id, err := findReportID(ctx, q, Key{BodyID: bodyID, ItemID: itemID, UnitID: as.UnitID, Period: per.Key, Kind: Consolidated})
			if err != nil {
				return err
			}
			// With several lead units, the one of the actor is shown;
			// otherwise the first that has started one.
			if id != 0 && (c.Consolidated == nil || as.UnitID == a.UnitID) {
				if c.Consolidated, err = findReport(ctx, q, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return c, err
}

// Overview is the office's grid of a plan's tasks × units for one period.
type Overview struct {
	Plan    *plan.Plan     `json:"plan"`
	BodyID  int64          `json:"body_id"`
	Period  Period         `json:"period"`
	Periods []Period       `json:"periods"`
	Units   []plan.UnitRef `json:"units"`
	Rows    []OverviewRow  `json:"rows"`
	Counts  map[string]int `json:"counts"` // state ("" for not started) → number of reports
}

// OverviewRow is one task of the grid; Cells follow Units, with nil where
// the unit does not carry the task.
type OverviewRow struct {
	Item  plan.Item `json:"item"`
	Cells []*Cell   `json:"cells"`
}

// Overview builds the grid of plan planID for body (the plan's own body
// when 0) and period (the latest begun when ""): its office, the offices
// above it and its leaders read it.
func (s *Service) Overview(ctx context.Context, planID, bodyID int64, period string) (*Overview, error) {
	var o *Overview
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		p, err := plan.FindPlanByID(ctx, q, planID)
		if err != nil || p.Status == plan.Draft {
			return denied("计划", "plan", planID, "report.overview")
		}
		if bodyID == 0 {
			bodyID = p.BodyID
		}
		if !(a.Role == core.RoleOffice && a.CanSee(bodyID)) && !(a.Role == core.RoleLeader && a.InBody(bodyID)) {
			return denied("计划", "plan", planID, "report.overview")
		}
		o = &Overview{Plan: p, BodyID: bodyID, Periods: Periods(p, s.Clock.Now()), Counts: map[string]int{}}
		if len(o.Periods) == 0 {
			return nil
		}
		o.Period = o.Periods[len(o.Periods)-1]
		if period != "" {
			if o.Period, err = ParsePeriod(p, period, s.Clock.Now()); err != nil {
				return err
			}
		}
		items, err := plan.FindItems(ctx, q, planID)
		if err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT r.id, r.item_id, r.unit_id, r.state, r.progress FROM reports r
			JOIN plan_items i ON i.id = r.item_id WHERE i.plan_id = $1 AND r.body_id = $2 AND r.period = $3 AND r.kind = 'unit'`,
			planID, bodyID, o.Period.Key)
		if err != nil {
			return fmt.Errorf("report: overview: %w", err)
		}
		type got struct {
			id, item, unit  int64
			state, progress string
		}
		list, err := db.Collect(rows, func(r db.Scanner) (*got, error) {
			var g got
			return &g, r.Scan(&g.id, &g.item, &g.unit, &g.state, &g.progress)
		})
		if err != nil {
			return fmt.Errorf("report: overview: %w", err)
		}
		have := map[[2]int64]got{}
		for _, g := range list {
			have[[2]int64{g.item, g.unit}] = g
		}
		col := map[int64]int{}
		for _, it := range items {
			for _, as := range it.Assignments {
				if as.BodyID == bodyID {
					if _, ok := col[as.UnitID]; !ok {
						col[as.UnitID] = len(o.Units)
						o.Units = append(o.Units, plan.UnitRef{ID: as.UnitID, Name: as.UnitName})
					}
				}
			}
		}
		for _, it := range items {
			if it.Kind != plan.Task {
				continue
			}
			row := OverviewRow{Item: it, Cells: make([]*Cell, len(o.Units))}
			carried := false
			for _, as := range it.Assignments {
				if as.BodyID != bodyID || row.Cells[col[as.UnitID]] != nil {
					continue
				}
				carried = true
				g := have[[2]int64{it.ID, as.UnitID}]
				row.Cells[col[as.UnitID]] = &Cell{Period: o.Period, ReportID: g.id, State: State(g.state), Progress: Progress(g.progress)}
				o.Counts[g.state]++
			}
			if carried {
				o.Rows = append(o.Rows, row)
			}
		}
		return nil
	})
	return o, err
}

// TargetYear is one target of a task in one year: its value, and the
// figures the units reported against it.
type TargetYear struct {
	Seq       int64        `json:"seq"`
	Text      string       `json:"text"`
	Unit      string       `json:"unit"`
	Goal      float64      `json:"goal"`
	Year      int          `json:"year"`
	Accepted  float64      `json:"accepted"`  // sum of accepted reports' figures
	Submitted float64      `json:"submitted"` // sum of figures submitted and not yet reviewed
	Units     []UnitFigure `json:"units"`
}

// Reached reports whether the accepted figures reach the target.
func (t TargetYear) Reached() bool { return t.Goal > 0 && t.Accepted >= t.Goal }

// UnitFigure is one unit's sums against a target in a year.
type UnitFigure struct {
	UnitID    int64   `json:"unit_id"`
	UnitName  string  `json:"unit_name"`
	Accepted  float64 `json:"accepted"`
	Submitted float64 `json:"submitted"`
}

// ItemProgress is a task's progress for the decomposition table.
type ItemProgress struct {
	ItemID   int64        `json:"item_id"`
	Units    int          `json:"units"`    // units that carry it in the body
	Reported int          `json:"reported"` // units with a submitted or accepted report
	Progress Progress     `json:"progress"` // of its latest submitted or accepted report
	Targets  []TargetYear `json:"targets"`
}

// GoalProgress is a plan goal with the accepted figures of the targets
// that measure the same metric, in the goal's year.
type GoalProgress struct {
	plan.Goal
	Reported float64 `json:"reported"`
	Related  int     `json:"related_targets"` // targets of the plan with the goal's metric
	Met      bool    `json:"met"`
}

// Rollup is a plan's progress in one body.
type Rollup struct {
	PlanID  int64                  `json:"plan_id"`
	BodyID  int64                  `json:"body_id"`
	Tasks   int                    `json:"tasks"`
	OnTrack int                    `json:"on_track"` // tasks whose latest report says done or on track
	Share   float64                `json:"share"`    // OnTrack / Tasks
	Items   map[int64]ItemProgress `json:"items"`
	Goals   []GoalProgress         `json:"goals"`
}

// Rollup sums plan planID's reported figures in body (0: the plan's own)
// per task target, year and unit, and its tasks' and goals' progress. The
// units' own reports are summed; a consolidated report restates them and
// is not counted again. It is for whoever may read the plan's reports in
// that body, and for the plan's readers in its own body.
func (s *Service) Rollup(ctx context.Context, planID, bodyID int64) (*Rollup, error) {
	var out *Rollup
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		p, err := plan.FindPlanByID(ctx, q, planID)
		if err != nil || !plan.CanRead(a, p) && !a.CanSee(bodyID) {
			return denied("计划", "plan", planID, "report.rollup")
		}
		if bodyID == 0 {
			bodyID = p.BodyID
		}
		if !a.CanSee(bodyID) {
			return denied("计划", "plan", planID, "report.rollup")
		}
		out, err = rollup(ctx, q, p, bodyID)
		return err
	})
	return out, err
}

func rollup(ctx context.Context, q db.Querier, p *plan.Plan, bodyID int64) (*Rollup, error) {
	items, err := plan.FindItems(ctx, q, p.ID)
	if err != nil {
		return nil, err
	}
	out := &Rollup{PlanID: p.ID, BodyID: bodyID, Items: map[int64]ItemProgress{}}
	rows, err := q.QueryContext(ctx, `SELECT r.item_id, r.unit_id, u.name, r.period, r.state, f.seq, f.value
		FROM report_figures f JOIN reports r ON r.id = f.report_id JOIN plan_items i ON i.id = r.item_id
		JOIN units u ON u.id = r.unit_id
		WHERE i.plan_id = $1 AND r.body_id = $2 AND r.kind = 'unit' AND r.state IN ('submitted', 'accepted')
		AND f.value IS NOT NULL ORDER BY r.item_id, f.seq, r.period, u.name`, p.ID, bodyID)
	if err != nil {
		return nil, fmt.Errorf("report: rollup: %w", err)
	}
	type fig struct {
		item, unit    int64
		unitName      string
		period, state string
		seq           int64
		value         float64
	}
	figs, err := db.Collect(rows, func(r db.Scanner) (*fig, error) {
		var f fig
		return &f, r.Scan(&f.item, &f.unit, &f.unitName, &f.period, &f.state, &f.seq, &f.value)
	})
	if err != nil {
		return nil, fmt.Errorf("report: rollup: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT r.item_id, r.unit_id, r.period, r.kind, r.progress FROM reports r
		JOIN plan_items i ON i.id = r.item_id WHERE i.plan_id = $1 AND r.body_id = $2 AND r.state IN ('submitted', 'accepted')
		ORDER BY r.item_id, r.period, r.kind DESC`, p.ID, bodyID)
	if err != nil {
		return nil, fmt.Errorf("report: rollup: %w", err)
	}
	type rep struct {
		item, unit             int64
		period, kind, progress string
	}
	reps, err := db.Collect(rows, func(r db.Scanner) (*rep, error) {
		var x rep
		return &x, r.Scan(&x.item, &x.unit, &x.period, &x.kind, &x.progress)
	})
	if err != nil {
		return nil, fmt.Errorf("report: rollup: %w", err)
	}
	latest := map[int64]rep{}
	reported := map[int64]map[int64]bool{}
	for _, x := range reps {
		// Ordered by period, the consolidated report last within one: the
		// last seen is the latest word on the task.
		latest[x.item] = x
		if x.kind == string(UnitReport) {
			if reported[x.item] == nil {
				reported[x.item] = map[int64]bool{}
			}
			reported[x.item][x.unit] = true
		}
	}
	for _, it := range items {
		if it.Kind != plan.Task {
			continue
		}
		units := map[int64]bool{}
		for _, as := range it.Assignments {
			if as.BodyID == bodyID {
				units[as.UnitID] = true
			}
		}
		if len(units) == 0 {
			continue
		}
		ip := ItemProgress{ItemID: it.ID, Units: len(units), Reported: len(reported[it.ID]), Targets: []TargetYear{}}
		if x, ok := latest[it.ID]; ok {
			ip.Progress = Progress(x.progress)
		}
		out.Tasks++
		if ip.Progress == Done || ip.Progress == OnTrack {
			out.OnTrack++
		}
		years := map[[2]int64]int{} // (seq, year) → index in ip.Targets
		for _, f := range figs {
			if f.item != it.ID || f.seq < 1 || int(f.seq) > len(it.Targets) {
				continue
			}
			t := it.Targets[f.seq-1]
			y := yearOf(f.period)
			k := [2]int64{f.seq, int64(y)}
			i, ok := years[k]
			if !ok {
				i = len(ip.Targets)
				years[k] = i
				ip.Targets = append(ip.Targets, TargetYear{Seq: f.seq, Text: t.Text, Unit: t.Unit, Goal: t.Value, Year: y})
			}
			ty := &ip.Targets[i]
			var uf *UnitFigure
			for j := range ty.Units {
				if ty.Units[j].UnitID == f.unit {
					uf = &ty.Units[j]
				}
			}
			if uf == nil {
				ty.Units = append(ty.Units, UnitFigure{UnitID: f.unit, UnitName: f.unitName})
				uf = &ty.Units[len(ty.Units)-1]
			}
			if f.state == string(Accepted) {
				ty.Accepted += f.value
				uf.Accepted += f.value
			} else {
				ty.Submitted += f.value
				uf.Submitted += f.value
			}
		}
		sort.SliceStable(ip.Targets, func(i, j int) bool {
			if ip.Targets[i].Seq != ip.Targets[j].Seq {
				return ip.Targets[i].Seq < ip.Targets[j].Seq
			}
			return ip.Targets[i].Year < ip.Targets[j].Year
		})
		out.Items[it.ID] = ip
	}
	if out.Tasks > 0 {
		out.Share = float64(out.OnTrack) / float64(out.Tasks)
	}
	goals, err := plan.FindGoals(ctx, q, p.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range goals {
		gp := GoalProgress{Goal: g}
		for _, it := range items {
			ip, ok := out.Items[it.ID]
			for seq, t := range it.Targets {
				if g.Metric == "" || t.Metric != g.Metric {
					continue
				}
				gp.Related++
				if !ok {
					continue
				}
				for _, ty := range ip.Targets {
					if ty.Seq == int64(seq+1) && ty.Year == g.Year {
						gp.Reported += ty.Accepted
					}
				}
			}
		}
		gp.Met = gp.Related > 0 && plan.Meets(gp.Reported, g.Comparator, g.Value)
		out.Goals = append(out.Goals, gp)
	}
	return out, nil
}
