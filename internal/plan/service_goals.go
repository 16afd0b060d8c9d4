package plan

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// Goals reads a plan's goals, each with the values measured so far.
func (s *Service) Goals(ctx context.Context, planID int64) ([]Goal, error) {
	var out []Goal
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readablePlan(ctx, q, a, planID, "plan.goals"); err != nil {
			return err
		}
		var err error
		out, err = FindGoals(ctx, q, planID)
		return err
	})
	return out, err
}

// Validate checks a goal's fields, trimming text in place.
func (g *Goal) Validate() error {
	var es core.Errors
	g.Text, g.Metric, g.Unit = strings.TrimSpace(g.Text), strings.TrimSpace(g.Metric), strings.TrimSpace(g.Unit)
	text(&es, "metric", "指标名称", g.Metric, MaxTitleLen, true)
	text(&es, "text", "目标原文", g.Text, MaxTextLen, false)
	text(&es, "unit", "计量单位", g.Unit, 20, false)
	if g.Comparator == "" || !validComparator(g.Comparator) {
		es.Add("comparator", "请选择比较方式")
	}
	if math.IsNaN(g.Value) || math.IsInf(g.Value, 0) {
		es.Add("value", "请填写目标值")
	}
	if g.Year < MinYear || g.Year > MaxYear {
		es.Add("year", "目标年份应在1990至2100之间")
	}
	return es.Err()
}

// AddGoal adds a headline goal to a plan.
func (s *Service) AddGoal(ctx context.Context, planID int64, g Goal) (*Goal, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		p, err := writablePlan(ctx, tx, a, planID, "goal.add")
		if err != nil {
			return err
		}
		if g.Text == "" {
			g.Text = g.Metric
		}
		if g.ID, err = insertGoal(ctx, tx, planID, 1000, g); err != nil {
			return err
		}
		g.PlanID, g.Measures = planID, []Measure{}
		if err := s.version(ctx, tx, now, a, p, 0, "goal.add", "新增目标："+g.Metric, nil,
			map[string]any{"title": g.Text}); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "goal.add", ObjectType: "goal", ObjectID: g.ID, After: g})
	})
	return &g, err
}

// RecordMeasure records (or corrects) the value of goal goalID measured
// in a region and year. The office of the plan's body records it, for its
// own region or one below.
func (s *Service) RecordMeasure(ctx context.Context, goalID int64, m Measure) (*Measure, error) {
	var es core.Errors
	m.Note = strings.TrimSpace(m.Note)
	if m.RegionID <= 0 {
		es.Add("region_id", "请选择行政区划")
	}
	if m.Year < MinYear || m.Year > MaxYear {
		es.Add("year", "年份应在1990至2100之间")
	}
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) || m.Value < 0 {
		es.Add("value", "请填写有效的监测值")
	}
	text(&es, "note", "说明", m.Note, MaxShortLen*5, false)
	if err := es.Err(); err != nil {
		return nil, err
	}
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		var planID int64
		var g Goal
		err := tx.QueryRowContext(ctx, `SELECT plan_id, comparator, value FROM plan_goals WHERE id = $1`, goalID).
			Scan(&planID, &g.Comparator, &g.Value)
		if err != nil {
			return notFoundOr(err, "目标", "find goal")
		}
		p, err := writablePlan(ctx, tx, a, planID, "goal.measure")
		if err != nil {
			return denialAs(err, "目标", "goal", goalID, "goal.measure")
		}
		var ok int
		if err := tx.QueryRowContext(ctx, `WITH RECURSIVE below(id) AS (SELECT region_id FROM bodies WHERE id = $1
			UNION SELECT r.id FROM regions r JOIN below ON r.parent_id = below.id) SELECT COUNT(*) FROM below WHERE id = $2`,
			p.BodyID, m.RegionID).Scan(&ok); err != nil {
			return fmt.Errorf("plan: measure region: %w", err)
		}
		if ok == 0 {
			return core.Invalid("region_id", "只能填报本地区及下辖地区的监测值")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO goal_measures (goal_id, region_id, year, value, note, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (goal_id, region_id, year)
			DO UPDATE SET value = excluded.value, note = excluded.note, recorded_by = excluded.recorded_by,
			recorded_at = excluded.recorded_at`, goalID, m.RegionID, m.Year, m.Value, m.Note, a.UserID, now.Unix()); err != nil {
			return fmt.Errorf("plan: record measure: %w", db.Normalize(err))
		}
		// The row as saved (a correction keeps the first record's id), so
		// that the caller gets what a later read of the goal shows.
		if err := tx.QueryRowContext(ctx, `SELECT m.id, r.name FROM goal_measures m JOIN regions r ON r.id = m.region_id
			WHERE m.goal_id = $1 AND m.region_id = $2 AND m.year = $3`, goalID, m.RegionID, m.Year).Scan(&m.ID, &m.RegionName); err != nil {
			return fmt.Errorf("plan: read measure: %w", err)
		}
		m.GoalID, m.Met = goalID, Meets(m.Value, g.Comparator, g.Value)
		return s.record(ctx, tx, now, audit.Event{Action: "goal.measure", ObjectType: "goal", ObjectID: goalID, After: m})
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Phases reads a plan's phases.
func (s *Service) Phases(ctx context.Context, planID int64) ([]Phase, error) {
	var out []Phase
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readablePlan(ctx, q, a, planID, "plan.phases"); err != nil {
			return err
		}
		var err error
		out, err = FindPhases(ctx, q, planID)
		return err
	})
	return out, err
}

// SetPhases replaces a plan's phases (动员部署, 组织实施, 总结评估 …): each
// has a name and dates within the plan's period, in order, not overlapping.
func (s *Service) SetPhases(ctx context.Context, planID int64, phases []Phase) ([]Phase, error) {
	if len(phases) > 20 {
		return nil, core.Invalid("phases", "阶段不能超过20个")
	}
	var out []Phase
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		p, err := writablePlan(ctx, tx, a, planID, "plan.phases")
		if err != nil {
			return err
		}
		if err := checkPhases(p, phases); err != nil {
			return err
		}
		before, err := FindPhases(ctx, tx, planID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM plan_phases WHERE plan_id = $1`, planID); err != nil {
			return fmt.Errorf("plan: clear phases: %w", db.Normalize(err))
		}
		for i, ph := range phases {
			if _, err := tx.ExecContext(ctx, `INSERT INTO plan_phases (plan_id, seq, name, starts_on, ends_on, milestone)
				VALUES ($1, $2, $3, $4, $5, $6)`, planID, i, ph.Name, ph.StartsOn, ph.EndsOn, ph.Milestone); err != nil {
				return fmt.Errorf("plan: insert phase: %w", db.Normalize(err))
			}
		}
		if out, err = FindPhases(ctx, tx, planID); err != nil {
			return err
		}
		if err := s.version(ctx, tx, now, a, p, 0, "plan.phases", "调整实施阶段", nil, nil); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan.phases", ObjectType: "plan", ObjectID: planID,
			Before: before, After: out})
	})
	return out, err
}

func checkPhases(p *Plan, phases []Phase) error {
	var es core.Errors
	first, last := fmt.Sprintf("%d-01-01", p.YearFrom), fmt.Sprintf("%d-12-31", p.YearTo)
	prev := ""
	for i := range phases {
		ph := &phases[i]
		ph.Name, ph.Milestone = strings.TrimSpace(ph.Name), strings.TrimSpace(ph.Milestone)
		label := fmt.Sprintf("第%d阶段", i+1)
		_, e1 := time.Parse(time.DateOnly, ph.StartsOn)
		_, e2 := time.Parse(time.DateOnly, ph.EndsOn)
		switch {
		case ph.Name == "" || len([]rune(ph.Name)) > MaxShortLen:
			es.Add("phases", label+"请填写名称（不超过100字）")
		case !sound(ph.Name, ph.Milestone):
			es.Add("phases", label+"的名称或里程碑含有无效字符")
		case e1 != nil || e2 != nil:
			es.Add("phases", label+"的起止日期格式应为YYYY-MM-DD")
		case ph.EndsOn < ph.StartsOn:
			es.Add("phases", label+"的结束日期不能早于开始日期")
		case ph.StartsOn < first || ph.EndsOn > last:
			es.Add("phases", label+"应在计划时段"+p.Period()+"之内")
		case ph.StartsOn <= prev:
			es.Add("phases", label+"与上一阶段重叠")
		case len([]rune(ph.Milestone)) > MaxTextLen:
			es.Add("phases", label+"的里程碑过长")
		}
		if len(es) > 0 {
			break
		}
		prev = ph.EndsOn
	}
	return es.Err()
}
