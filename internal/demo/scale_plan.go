package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"

	"liandong/internal/db"
	"liandong/internal/plan"
)

// Synthetic plans for the scale data: every body gets one published
// implementation plan of ~100 tasks under ten headings, and the first city
// body one of 300 tasks (the size the performance target names). Each task
// has 2–6 of the body's units (one or two leading), a schedule, and every
// third a quantitative target; every tenth task of a body with bodies
// below is handed down to all of them, and every other receiving body has
// assigned it to two units of its own. Like the org rows, everything is
// derived from indexes and written with multi-row inserts in the
// province's transaction.

const (
	scaleTasks    = 100 // tasks of an ordinary body's plan
	scaleBigTasks = 300 // tasks of the one large plan
	scaleSections = 10
)

// scaleBody is what the plan generator needs of a body written by
// generator.body.
type scaleBody struct {
	id, region  int64
	parent      int64 // 0 at the top
	name        string
	firstUnit   int64 // the body's units are firstUnit .. firstUnit+units-1
	units       int
	tier, level string
}

// scaleSectionSpec is one of the ten headings of a synthetic plan.
type scaleSectionSpec struct {
	kind            plan.ItemKind
	title, audience string
}

var scaleSectionSpecs = []scaleSectionSpec{
	{plan.ActionGroup, "青少年科学素质提升行动", "青少年"},
	{plan.ActionGroup, "农民科学素质提升行动", "农民"},
	{plan.ActionGroup, "产业工人科学素质提升行动", "产业工人"},
	{plan.ActionGroup, "老年人科学素质提升行动", "老年人"},
	{plan.ActionGroup, "领导干部和公务员科学素质提升行动", "领导干部和公务员"},
	{plan.Project, "科技资源科普化工程", ""},
	{plan.Project, "科普信息化提升工程", ""},
	{plan.Project, "科普基础设施工程", ""},
	{plan.Project, "基层科普能力提升工程", ""},
	{plan.Project, "科学素质交流合作工程", ""},
}

var (
	scaleVerbs   = []string{"开展", "组织", "推进", "加强", "举办", "实施", "建设", "培育"}
	scaleObjects = []string{"科技活动周系列活动", "科普进校园活动", "科技辅导员培训", "农村实用技术培训", "职工技能竞赛",
		"老年人智能技术培训", "干部科学素质专题研修", "科普教育基地", "科普志愿服务", "原创科普作品", "应急科普宣传",
		"科普示范社区", "科普大篷车巡展", "科学家精神宣讲", "青少年科技创新大赛"}
	scaleSchedules = []struct{ text, from, to string }{
		{"1-12月", "2021-01-01", "2025-12-31"},
		{"上半年", "2021-01-01", "2021-06-30"},
		{"5-9月", "2021-05-01", "2021-09-30"},
		{"每季度", "2021-01-01", "2025-12-31"},
		{"2022至2025年", "2022-01-01", "2025-12-31"},
	}
	chineseOrdinals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}
)

// planRows collects one province's plan rows.
type planRows struct {
	plans, items, assignments, cascades, targets [][]any
}

// plans writes a published plan for every body of the province in rows r,
// and returns the rows it wrote (the reports are written against them).
func (g *generator) plans(ctx context.Context, tx *sql.Tx, bodies []scaleBody) (*planRows, error) {
	var r planRows
	if len(bodies) == 0 {
		return &r, nil
	}
	if g.engine == db.Postgres {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE plans, plan_items IN EXCLUSIVE MODE`); err != nil {
			return nil, err
		}
	}
	var nextPlan, nextItem int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM plans`).Scan(&nextPlan); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM plan_items`).Scan(&nextItem); err != nil {
		return nil, err
	}
	children := map[int64][]scaleBody{}
	for _, b := range bodies {
		if b.parent != 0 {
			children[b.parent] = append(children[b.parent], b)
		}
	}
	ts := g.now.Unix()
	for _, b := range bodies {
		n := scaleTasks
		if b.tier == "city" && !g.bigPlanDone {
			g.bigPlanDone, n = true, scaleBigTasks
		}
		g.planOrdinal++
		rng := rand.New(rand.NewPCG(uint64(g.planOrdinal), 0x6c69616e646f6e67))
		nextPlan++
		planID := nextPlan
		r.plans = append(r.plans, []any{planID, b.id, string(plan.Implementation), b.name + "全民科学素质行动实施方案（2021—2025年）",
			fmt.Sprintf("%s全科组发〔2021〕%d号", b.name, 1+g.planOrdinal%20), 2021, 2025, string(plan.Published),
			string(plan.Quarterly), int64(2), ts, ts, ts})
		below := children[b.id]
		cascadeText := "各县（市、区）人民政府"
		if b.tier == "province" {
			cascadeText = "各市人民政府"
		}
		perSection := n / scaleSections
		seq := int64(0)
		task := 0
		for s := 0; s < scaleSections; s++ {
			sec := scaleSectionSpecs[s]
			nextItem++
			seq++
			section := nextItem
			marker := chineseOrdinals[s] + "、"
			r.items = append(r.items, []any{section, planID, nil, seq, string(sec.kind), marker, marker, sec.title, "",
				"", "", "", sec.audience, string(plan.Open), ts, ts})
			for k := 0; k < perSection; k++ {
				task++
				nextItem++
				seq++
				item := nextItem
				sched := scaleSchedules[rng.IntN(len(scaleSchedules))]
				tm := fmt.Sprintf("%d.", k+1)
				title := scaleVerbs[rng.IntN(len(scaleVerbs))] + scaleObjects[rng.IntN(len(scaleObjects))]
				r.items = append(r.items, []any{item, planID, section, seq, string(plan.Task), tm, marker + tm, title,
					"牵头单位会同责任单位制定年度工作安排，按季度报送进展。", sched.text, sched.from, sched.to, sec.audience,
					string(plan.Open), ts, ts})
				g.scaleAssign(&r, rng, b, item, ts)
				if task%3 == 0 {
					v := float64(10 * (1 + rng.IntN(50)))
					r.targets = append(r.targets, []any{item, 0, fmt.Sprintf("每年开展活动不少于%.0f场次", v), "活动场次",
						">=", v, "场次", "每年"})
				}
				if task%10 == 1 && len(below) > 0 {
					for c, child := range below {
						status, assignedAt := "received", int64(0)
						if c%2 == 0 {
							status, assignedAt = "assigned", ts
							// The child's science association leads, its
							// education bureau carries it (agencies[1], [2]).
							r.assignments = append(r.assignments,
								[]any{item, child.id, child.firstUnit + 1, string(plan.Lead), "", 0, ts},
								[]any{item, child.id, child.firstUnit + 2, string(plan.Responsible), "", 1, ts})
						}
						r.cascades = append(r.cascades, []any{item, child.id, string(plan.Responsible), cascadeText,
							status, assignedAt, ts})
					}
				}
			}
		}
		g.stats.Tasks += task
	}

	for _, t := range []struct {
		table string
		cols  string
		rows  [][]any
	}{
		{"plans", "id, body_id, kind, title, doc_number, year_from, year_to, status, cadence, version, published_at, created_at, updated_at", r.plans},
		{"plan_items", "id, plan_id, parent_id, seq, kind, marker, path, title, content, schedule, window_from, window_to, audience, status, created_at, updated_at", r.items},
		{"assignments", "item_id, body_id, unit_id, role, written_as, seq, created_at", r.assignments},
		{"cascades", "item_id, body_id, role, written_as, status, assigned_at, created_at", r.cascades},
		{"plan_targets", "item_id, seq, text, metric, comparator, value, unit, period", r.targets},
	} {
		if err := insertMany(ctx, tx, t.table, t.cols, t.rows); err != nil {
			return nil, fmt.Errorf("%s: %w", t.table, err)
		}
	}
	if g.engine == db.Postgres {
		// The identity sequences must move past the explicit ids.
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('plans', 'id'), (SELECT MAX(id) FROM plans))`); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('plan_items', 'id'), (SELECT MAX(id) FROM plan_items))`); err != nil {
			return nil, err
		}
	}
	g.stats.Plans += len(r.plans)
	g.stats.Assignments += len(r.assignments)
	g.stats.Cascades += len(r.cascades)
	return &r, nil
}

// scaleAssign gives a task 2–6 distinct units of body b: the first one or
// two lead, the rest are responsible. The science association (the
// office's unit) leads a third of the tasks, as offices do.
func (g *generator) scaleAssign(r *planRows, rng *rand.Rand, b scaleBody, item, ts int64) {
	k := min(2+rng.IntN(5), b.units)
	leads := 1
	if k >= 5 {
		leads = 2
	}
	picked := make([]int64, 0, k)
	if rng.IntN(3) == 0 {
		picked = append(picked, b.firstUnit+1)
	}
	for len(picked) < k {
		u := b.firstUnit + int64(rng.IntN(b.units))
		dup := false
		for _, p := range picked {
			dup = dup || p == u
		}
		if !dup {
			picked = append(picked, u)
		}
	}
	for i, u := range picked {
		role := plan.Responsible
		if i < leads {
			role = plan.Lead
		}
		r.assignments = append(r.assignments, []any{item, b.id, u, string(role), "", i, ts})
	}
}
