package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/org"
	"liandong/internal/plan"
)

// planWorld is the registry's test world with plans in it: city A's
// published plan (a section led by unit X, a task X leads with Y
// responsible that is handed down to county A1, a task Y leads, a goal),
// a draft of A, a published plan of county A1 and one of city B. Fixtures
// are written through plan.Service as the bodies' offices, so that they
// are exactly what the API would have made.
type planWorld struct {
	*world
	svc *plan.Service

	pubA, draftA, pubA1, pubB *plan.Plan
	sectionA                  plan.Item // 一、 of pubA
	taskX, taskY              plan.Item // in pubA: X leads (cascaded to A1), Y leads
	taskDraft                 plan.Item // in draftA, X leads
	taskA1, taskB             plan.Item
	cascadeA1                 plan.Cascade // taskX handed down to A1
	goalA, goalB              plan.Goal
}

// as is ctx carrying the actor of one of the world's users.
func (w *world) as(user string) context.Context {
	w.t.Helper()
	a, err := auth.ActorFor(w.ctx, w.a.DB.R(), w.users[user])
	if err != nil {
		w.t.Fatal(err)
	}
	return core.WithActor(w.ctx, a)
}

func newPlanWorld(t *testing.T, dsn string) *planWorld {
	t.Helper()
	w := &planWorld{world: newWorld(t, dsn)}
	w.svc = &plan.Service{DB: w.a.DB, Clock: core.SystemClock{}}
	officeA, officeA1, officeB := w.as("officeA"), w.as("officeA1"), w.as("officeB")

	w.pubA = w.mustPlan(officeA, w.bodyA, "柳州市科学素质提升实施方案", plan.Implementation)
	w.sectionA = w.mustItem(officeA, w.pubA, plan.ItemInput{Kind: plan.Section, Marker: "一、", Title: "青少年科学素质提升", Lead: []int64{w.unitX.ID}})
	w.taskX = w.mustItem(officeA, w.pubA, plan.ItemInput{ParentID: w.sectionA.ID, Marker: "1.", Title: "举办青少年科技创新大赛",
		Schedule: "每年5月", Lead: []int64{w.unitX.ID}, Responsible: []int64{w.unitY.ID}, Cascade: plan.Responsible,
		CascadeText: "各县（区）人民政府", Targets: []plan.Target{{Text: "参赛学生不少于3000人次", Comparator: ">=", Value: 3000, Unit: "人次"}}})
	w.taskY = w.mustItem(officeA, w.pubA, plan.ItemInput{ParentID: w.sectionA.ID, Marker: "2.", Title: "保障科普工作经费", Lead: []int64{w.unitY.ID}})
	w.goalA = w.mustGoal(officeA, w.pubA, "公民具备科学素质的比例")
	w.pubA = w.mustPublish(officeA, w.pubA)
	for _, c := range w.mustTaskIn(officeA, w.pubA.ID, w.taskX.ID).Cascades {
		if c.BodyID == w.bodyA1.ID {
			w.cascadeA1 = c
		}
	}
	if w.cascadeA1.ID == 0 {
		t.Fatal("the task was not handed down to county A1")
	}

	w.draftA = w.mustPlan(officeA, w.bodyA, "柳州市科普基础设施建设攻坚方案", plan.Action)
	w.taskDraft = w.mustItem(officeA, w.draftA, plan.ItemInput{Marker: "1.", Title: "新建一批科普教育基地", Lead: []int64{w.unitX.ID}})

	w.pubA1 = w.mustPlan(officeA1, w.bodyA1, "柳城县科学素质提升实施方案", plan.Implementation)
	w.taskA1 = w.mustItem(officeA1, w.pubA1, plan.ItemInput{Marker: "1.", Title: "开展科技下乡活动", Lead: []int64{w.eduA1.ID}})
	w.pubA1 = w.mustPublish(officeA1, w.pubA1)

	w.pubB = w.mustPlan(officeB, w.bodyB, "桂林市科学素质提升实施方案", plan.Implementation)
	w.taskB = w.mustItem(officeB, w.pubB, plan.ItemInput{Marker: "1.", Title: "建设科普示范社区", Lead: []int64{w.unitZ.ID}})
	w.goalB = w.mustGoal(officeB, w.pubB, "公民具备科学素质的比例")
	w.pubB = w.mustPublish(officeB, w.pubB)
	return w
}

func (w *planWorld) mustPlan(ctx context.Context, b *org.Body, title string, kind plan.Kind) *plan.Plan {
	w.t.Helper()
	p, err := w.svc.CreatePlan(ctx, plan.PlanInput{BodyID: b.ID, Kind: kind, Title: title, YearFrom: 2021, YearTo: 2025})
	if err != nil {
		w.t.Fatalf("plan %s: %v", title, err)
	}
	return p
}

func (w *planWorld) mustItem(ctx context.Context, p *plan.Plan, in plan.ItemInput) plan.Item {
	w.t.Helper()
	it, err := w.svc.AddItem(ctx, p.ID, in)
	if err != nil {
		w.t.Fatalf("item %s: %v", in.Title, err)
	}
	return *it
}

func (w *planWorld) mustGoal(ctx context.Context, p *plan.Plan, metric string) plan.Goal {
	w.t.Helper()
	g, err := w.svc.AddGoal(ctx, p.ID, plan.Goal{Metric: metric, Comparator: ">=", Value: 15, Unit: "%", Year: 2025})
	if err != nil {
		w.t.Fatal(err)
	}
	return *g
}

func (w *planWorld) mustPublish(ctx context.Context, p *plan.Plan) *plan.Plan {
	w.t.Helper()
	out, err := w.svc.SetStatus(ctx, p.ID, p.Version, plan.Published)
	if err != nil {
		w.t.Fatalf("publish %d: %v", p.ID, err)
	}
	return out
}

func (w *planWorld) mustTaskIn(ctx context.Context, planID, itemID int64) plan.Item {
	w.t.Helper()
	tab, err := w.svc.Table(ctx, planID, plan.Filter{})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, it := range tab.Items {
		if it.ID == itemID {
			return it
		}
	}
	w.t.Fatalf("item %d is not in plan %d", itemID, planID)
	return plan.Item{}
}

// freshDraft makes a new draft of body b with one task, as its office.
func (w *planWorld) freshDraft(office string, b *org.Body) *plan.Plan {
	w.t.Helper()
	ctx := w.as(office)
	p := w.mustPlan(ctx, b, fmt.Sprintf("%s专项方案%d", b.RegionName, w.next()), plan.Action)
	var lead []int64
	if b.ID == w.bodyA.ID {
		lead = []int64{w.unitX.ID}
	}
	w.mustItem(ctx, p, plan.ItemInput{Marker: "1.", Title: fmt.Sprintf("专项任务%d", w.next()), Lead: lead})
	p, err := w.svc.GetPlan(ctx, p.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

// freshPublished makes a new published plan of body b with one task.
func (w *planWorld) freshPublished(office string, b *org.Body) *plan.Plan {
	w.t.Helper()
	return w.mustPublish(w.as(office), w.freshDraft(office, b))
}

// freshUnitPlan makes a new draft work plan of unit X in body A, as X's
// liaison.
func (w *planWorld) freshUnitPlan() *plan.Plan {
	w.t.Helper()
	p, err := w.svc.CreatePlan(w.as("liaisonX"), plan.PlanInput{BodyID: w.bodyA.ID, Kind: plan.UnitWorkPlan, UnitID: w.unitX.ID,
		Title: fmt.Sprintf("柳州市教育局%d年科学素质工作计划", 2021+w.next()%5), YearFrom: 2022, YearTo: 2022})
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

// planFingerprint is the registry and every plan table as text: equal
// fingerprints mean nothing changed.
func (w *planWorld) planFingerprint() string {
	w.t.Helper()
	var sb strings.Builder
	sb.WriteString(w.fingerprint())
	for _, table := range []string{"plans", "plan_items", "plan_targets", "assignments", "cascades", "plan_goals",
		"goal_measures", "plan_phases", "plan_changes"} {
		rows, err := w.a.DB.R().QueryContext(w.ctx, `SELECT * FROM `+table+` ORDER BY id`)
		if err != nil {
			w.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				w.t.Fatal(err)
			}
			fmt.Fprintf(&sb, "%s%v\n", table, vals)
		}
		if err := rows.Close(); err != nil {
			w.t.Fatal(err)
		}
	}
	return sb.String()
}

// planStatus reads a plan's status and version straight from the table.
func (w *planWorld) planStatus(id int64) (plan.Status, int64) {
	w.t.Helper()
	p, err := plan.FindPlanByID(w.ctx, w.a.DB.R(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return p.Status, p.Version
}
