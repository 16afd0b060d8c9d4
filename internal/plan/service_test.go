package plan_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/org/orgtest"
	"liandong/internal/plan"
	"liandong/internal/testkit"
)

// planText is a small plan of our own writing in the styles of the seeds:
// a section lead in parentheses, tasks with responsible units, a shared
// prefix list, a collective for the counties, one name the registry does
// not know, and "every member unit".
const planText = `柳州市科学素质提升行动方案（2021—2025年）
到2025年，全市公民具备科学素质的比例达到12%。
二、重点任务
（一）青少年科学素质提升行动（牵头单位：市教育局）
1.开展校园科技节。每年举办校园科技活动不少于200场次。（责任单位：市科协、科技局，各县（区）人民政府）
2.培训科技辅导员。每年培训科技辅导员100名。（责任单位：市科协、市青少年宫）
（二）全民科普日活动（牵头单位：市科协）
1.组织全国科普日柳州活动。（责任单位：领导小组各成员单位）
`

type fixture struct {
	d      *db.DB
	w      *orgtest.World
	svc    *plan.Service
	clock  *core.FakeClock
	office context.Context // the city office
	county context.Context // Liucheng's office
	edu    context.Context // the education bureau's liaison
	keji   context.Context // the science bureau's liaison
	leader context.Context
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := core.NewFakeClock(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC))
	w, err := orgtest.Build(ctx, d, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{d: d, w: w, clock: clock, svc: &plan.Service{DB: d, Clock: clock},
		office: orgtest.As(ctx, orgtest.Actor(t, d, core.RoleOffice, w.Kexie.ID, w.City)),
		county: orgtest.As(ctx, orgtest.Actor(t, d, core.RoleOffice, w.LiuchengKexie.ID, w.LiuchengBody)),
		edu:    orgtest.As(ctx, orgtest.Actor(t, d, core.RoleLiaison, w.Edu.ID, w.City)),
		keji:   orgtest.As(ctx, orgtest.Actor(t, d, core.RoleLiaison, w.Keji.ID, w.City)),
		leader: orgtest.As(ctx, orgtest.Actor(t, d, core.RoleLeader, w.Government.ID, w.City)),
	}
}

func (f *fixture) planInput() plan.PlanInput {
	return plan.PlanInput{BodyID: f.w.City.ID, Kind: plan.Implementation, Title: "柳州市科学素质提升行动方案",
		YearFrom: 2021, YearTo: 2025}
}

// importPlan previews planText, maps the unknown name to a new unit and
// saves the plan.
func (f *fixture) importPlan(t *testing.T) *plan.Plan {
	t.Helper()
	pv, err := f.svc.Preview(f.office, f.w.City.ID, planText)
	if err != nil {
		t.Fatal(err)
	}
	var maps []plan.Mapping
	for _, m := range pv.Names {
		if !m.Resolved() {
			maps = append(maps, plan.Mapping{Written: m.Written, Create: true})
		}
	}
	p, err := f.svc.Import(f.office, plan.ImportInput{Plan: f.planInput(), SourceName: "方案.txt", Text: planText,
		Result: pv.Result, Mappings: maps})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func task(t *testing.T, items []plan.Item, title string) plan.Item {
	t.Helper()
	for _, it := range items {
		if strings.HasPrefix(it.Title, title) {
			return it
		}
	}
	t.Fatalf("no item %q", title)
	return plan.Item{}
}

func TestPreviewMatchesUnitNames(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		pv, err := f.svc.Preview(f.office, f.w.City.ID, planText)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, m := range pv.Names {
			got[m.Written] = m.How + ":" + m.UnitName
		}
		want := map[string]string{
			"市教育局":      "short:柳州市教育局",
			"市科协":       "short:柳州市科学技术协会",
			"市科技局":      "short:柳州市科学技术局", // "科技局" after 市科协 is read as 市科技局
			"各县(区)人民政府": "cascade:",
			"市青少年宫":     "none:",
			"领导小组各成员单位": "members:",
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s resolved as %q, want %q (all: %v)", name, got[name], w, got)
			}
		}
		if pv.Unresolved() != 1 {
			t.Errorf("unresolved = %d, want 1", pv.Unresolved())
		}
	})
}

func TestImportBuildsTheDecompositionTable(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		if p.Status != plan.Draft || p.Tasks != 3 {
			t.Fatalf("plan = %+v, want a draft with 3 tasks", p)
		}
		tab, err := f.svc.Table(f.office, p.ID, plan.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		fest := task(t, tab.Items, "开展校园科技节")
		if got := fest.Units(f.w.City.ID, plan.Lead); !slices.Equal(got, []string{"柳州市教育局"}) {
			t.Errorf("lead inherited from the section = %v", got)
		}
		if got := fest.Units(f.w.City.ID, plan.Responsible); !slices.Equal(got, []string{"柳州市科学技术协会", "柳州市科学技术局"}) {
			t.Errorf("responsible = %v", got)
		}
		if len(fest.Cascades) != 2 || fest.CascadeText(plan.Responsible) != "各县(区)人民政府" {
			t.Errorf("cascades = %+v, want both counties", fest.Cascades)
		}
		if fest.Path != "二、(一)1." || len(fest.Targets) != 1 || fest.Targets[0].Value != 200 {
			t.Errorf("path %q targets %+v", fest.Path, fest.Targets)
		}
		day := task(t, tab.Items, "组织全国科普日")
		if n := len(day.Units(f.w.City.ID, plan.Responsible)); n != 5 {
			t.Errorf("every member unit = %d units, want the 5 members", n)
		}
		trainers := task(t, tab.Items, "培训科技辅导员")
		if !slices.Contains(trainers.Units(f.w.City.ID, plan.Responsible), "市青少年宫") {
			t.Errorf("the new unit is not assigned: %v", trainers.Assignments)
		}
		goals, err := plan.FindGoals(context.Background(), d.R(), p.ID)
		if err != nil || len(goals) != 1 || goals[0].Value != 12 || goals[0].Year != 2025 {
			t.Errorf("goals = %+v, %v", goals, err)
		}

		// Filtering by a unit keeps its tasks and their headings.
		tab, err = f.svc.Table(f.office, p.ID, plan.Filter{UnitID: f.w.Keji.ID})
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, it := range tab.Items {
			titles = append(titles, it.Title)
		}
		if len(tab.Items) != 5 || tab.Items[len(tab.Items)-1].Title != "组织全国科普日柳州活动" {
			t.Errorf("filtered by 科技局: %v", titles)
		}
	})
}

func TestImportRefusesUndecidedNamesAndRemembersMappings(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		pv, err := f.svc.Preview(f.office, f.w.City.ID, planText)
		if err != nil {
			t.Fatal(err)
		}
		in := plan.ImportInput{Plan: f.planInput(), Text: planText, Result: pv.Result}
		_, err = f.svc.Import(f.office, in)
		if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.ErrorMessage(err), "市青少年宫") {
			t.Fatalf("undecided name: %v", err)
		}
		if ps, _ := f.svc.ListPlans(f.office, f.w.City.ID); len(ps) != 0 {
			t.Fatalf("a refused import left %d plans", len(ps))
		}
		in.Mappings = []plan.Mapping{{Written: "市青少年宫", UnitID: f.w.Kexie.ID}}
		if _, err := f.svc.Import(f.office, in); err != nil {
			t.Fatal(err)
		}
		u, err := org.FindUnitByID(context.Background(), d.R(), f.w.Kexie.ID)
		if err != nil || !slices.Contains(u.Aliases, "市青少年宫") {
			t.Fatalf("mapping not remembered as an alias: %v %v", u.Aliases, err)
		}
		pv, err = f.svc.Preview(f.office, f.w.City.ID, planText)
		if err != nil || pv.Unresolved() != 0 {
			t.Fatalf("after the mapping, %d names unresolved (%v)", pv.Unresolved(), err)
		}
	})
}

func TestCascadedTaskReachesTheCounty(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		if in, err := f.svc.Inbound(f.county, f.w.LiuchengBody.ID); err != nil || len(in) != 0 {
			t.Fatalf("a draft's tasks reached the county: %v %v", in, err)
		}
		if _, err := f.svc.SetStatus(f.office, p.ID, p.Version, plan.Published); err != nil {
			t.Fatal(err)
		}
		in, err := f.svc.Inbound(f.county, f.w.LiuchengBody.ID)
		if err != nil || len(in) != 1 || in[0].Cascade.Status != "received" {
			t.Fatalf("inbound = %+v, %v", in, err)
		}
		if _, err := f.svc.AssignCascade(f.office, in[0].Cascade.ID, []int64{f.w.LiuchengEdu.ID}, nil); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("the city office assigned inside the county: %v", err)
		}
		if _, err := f.svc.AssignCascade(f.county, in[0].Cascade.ID, []int64{f.w.Edu.ID}, nil); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("the county assigned a city unit: %v", err)
		}
		got, err := f.svc.AssignCascade(f.county, in[0].Cascade.ID, []int64{f.w.LiuchengEdu.ID}, []int64{f.w.LiuchengKexie.ID})
		if err != nil || got.Cascade.Status != "assigned" {
			t.Fatalf("assign: %+v %v", got, err)
		}
		// One level up, the office sees who carries it in the county.
		tab, err := f.svc.Table(f.office, p.ID, plan.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		fest := task(t, tab.Items, "开展校园科技节")
		if got := fest.Units(f.w.LiuchengBody.ID, plan.Lead); !slices.Equal(got, []string{"柳城县教育局"}) {
			t.Errorf("county lead seen above = %v", got)
		}
		// The county unit sees the task among its own.
		liaison := orgtest.As(context.Background(), orgtest.Actor(t, d, core.RoleLiaison, f.w.LiuchengEdu.ID, f.w.LiuchengBody))
		tasks, err := f.svc.UnitTasks(liaison, f.w.LiuchengBody.ID, f.w.LiuchengEdu.ID)
		if err != nil || len(tasks) != 1 || tasks[0].Role != plan.Lead {
			t.Fatalf("county unit tasks = %+v %v", tasks, err)
		}
	})
}

func TestUnitTasksShowPartners(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		if _, err := f.svc.UnitTasks(f.edu, f.w.City.ID, f.w.Edu.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetStatus(f.office, p.ID, p.Version, plan.Published); err != nil {
			t.Fatal(err)
		}
		tasks, err := f.svc.UnitTasks(f.edu, f.w.City.ID, f.w.Edu.ID)
		if err != nil {
			t.Fatal(err)
		}
		var lead int
		for _, ut := range tasks {
			if ut.Role == plan.Lead && ut.Item.Kind == plan.Task {
				lead++
				if len(ut.Partners) < 3 {
					t.Errorf("%s: partners %v", ut.Item.Title, ut.Partners)
				}
			}
		}
		if lead != 2 {
			t.Errorf("edu leads %d tasks, want 2", lead)
		}
		if _, err := f.svc.UnitTasks(f.edu, f.w.City.ID, f.w.Keji.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a liaison read another unit's tasks: %v", err)
		}
	})
}

func TestPublishedPlanChangesAreVersioned(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		p, err := f.svc.SetStatus(f.office, p.ID, p.Version, plan.Published)
		if err != nil {
			t.Fatal(err)
		}
		tab, _ := f.svc.Table(f.office, p.ID, plan.Filter{})
		it := task(t, tab.Items, "培训科技辅导员")
		if err := f.svc.DeleteItem(f.office, it.ID, it.Version); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("a published task was deleted: %v", err)
		}
		in := plan.ItemInput{ParentID: it.ParentID, Kind: plan.Task, Marker: it.Marker, Title: it.Title,
			Schedule: "3-11月", Lead: []int64{f.w.Edu.ID}, Responsible: []int64{f.w.Kexie.ID}, Version: it.Version}
		if got, err := f.svc.UpdateItem(f.office, it.ID, in); err != nil {
			t.Fatal(err)
		} else if got.WindowFrom != "2021-03-01" || got.WindowTo != "2021-11-30" {
			t.Errorf("window of 3-11月 = %s..%s", got.WindowFrom, got.WindowTo)
		}
		if _, err := f.svc.UpdateItem(f.office, it.ID, in); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("a stale edit was accepted: %v", err)
		}
		if _, err := f.svc.SetItemStatus(f.office, it.ID, it.Version+1, plan.Cancelled, ""); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("cancelled without a reason: %v", err)
		}
		if _, err := f.svc.SetItemStatus(f.office, it.ID, it.Version+1, plan.Cancelled, "并入第1项"); err != nil {
			t.Fatal(err)
		}
		hist, err := f.svc.History(f.office, p.ID)
		if err != nil || len(hist) != 2 {
			t.Fatalf("history = %+v %v", hist, err)
		}
		fields := map[string]plan.FieldChange{}
		for _, fc := range hist[1].Diff {
			fields[fc.Field] = fc
		}
		if fields["schedule"].After != "3-11月" || fields["responsible"].Before != "柳州市科学技术协会、市青少年宫" {
			t.Errorf("diff = %+v", hist[1].Diff)
		}
		if hist[0].Revision != 2 || hist[0].UserName == "" {
			t.Errorf("latest change = %+v", hist[0])
		}
	})
}

// B5: the plan workflow is draft → published → archived, for the office
// only; every other (state, action, role) is refused and changes nothing.
func TestPlanWorkflowTable(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		actors := map[string]context.Context{"office": f.office, "leader": f.leader, "liaison": f.edu, "county": f.county}
		for _, from := range []plan.Status{plan.Draft, plan.Published, plan.Archived} {
			for _, to := range []plan.Status{plan.Draft, plan.Published, plan.Archived} {
				for who, ctx := range actors {
					p := f.importPlan(t)
					for _, step := range []plan.Status{plan.Published, plan.Archived} {
						if p.Status == from {
							break
						}
						if p, _ = f.svc.SetStatus(f.office, p.ID, p.Version, step); p == nil {
							t.Fatal("setting up the state failed")
						}
					}
					got, err := f.svc.SetStatus(ctx, p.ID, p.Version, to)
					legal := who == "office" && ((from == plan.Draft && to == plan.Published) || (from == plan.Published && to == plan.Archived))
					if legal != (err == nil) {
						t.Errorf("%s: %s → %s: err = %v", who, from, to, err)
					}
					if !legal {
						after, _ := plan.FindPlanByID(context.Background(), d.R(), p.ID)
						if after.Status != from || after.Version != p.Version {
							t.Errorf("%s: refused %s → %s still changed the plan", who, from, to)
						}
						if code := core.ErrorCode(err); code != core.ECONFLICT && code != core.EFORBIDDEN && code != core.ENOTFOUND {
							t.Errorf("%s: %s → %s: code %s", who, from, to, code)
						}
					} else if got.Status != to {
						t.Errorf("status = %s", got.Status)
					}
				}
			}
		}
	})
}

// B3: a liaison never reads a draft, a county office reads only its own
// subtree, and out-of-scope objects answer not found.
func TestPlanScope(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		if _, err := f.svc.GetPlan(f.edu, p.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a liaison read a draft: %v", err)
		}
		if _, err := f.svc.GetPlan(f.county, p.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a county office read the city's plan: %v", err)
		}
		if _, err := f.svc.GetPlan(f.leader, p.ID); err != nil {
			t.Errorf("the leader cannot read the draft: %v", err)
		}
		tab, _ := f.svc.Table(f.office, p.ID, plan.Filter{})
		it := tab.Items[0]
		if _, _, err := f.svc.GetItem(f.keji, it.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a liaison read a draft's item by id: %v", err)
		}
		in := plan.ItemInput{Title: "改名", Version: it.Version}
		if _, err := f.svc.UpdateItem(f.county, it.ID, in); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("a county office changed the city's item: %v", err)
		}
		if _, err := f.svc.SetStatus(f.office, p.ID, p.Version, plan.Published); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.GetPlan(f.edu, p.ID); err != nil {
			t.Errorf("a liaison cannot read the published plan: %v", err)
		}
		if _, err := f.svc.UpdateItem(f.edu, it.ID, in); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("a liaison changed the body's plan: %v", err)
		}
		var denials int
		if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied'`).Scan(&denials); err != nil || denials < 3 {
			t.Errorf("denials audited: %d %v", denials, err)
		}
	})
}

func TestKeyPointsCarryTasksOver(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		tab, _ := f.svc.Table(f.office, p.ID, plan.Filter{})
		fest := task(t, tab.Items, "开展校园科技节")
		if _, err := f.svc.StartKeyPoints(f.office, p.ID, plan.KeyPointsInput{Year: 2022, ItemIDs: []int64{fest.ID}}); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("key points from a draft: %v", err)
		}
		p, _ = f.svc.SetStatus(f.office, p.ID, p.Version, plan.Published)
		if _, err := f.svc.StartKeyPoints(f.office, p.ID, plan.KeyPointsInput{Year: 2027, ItemIDs: []int64{fest.ID}}); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("key points two years after the period: %v", err)
		}
		kp, err := f.svc.StartKeyPoints(f.office, p.ID, plan.KeyPointsInput{Year: 2022, ItemIDs: []int64{fest.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if kp.Kind != plan.AnnualKeyPoints || kp.YearFrom != 2022 || kp.ParentID != p.ID || kp.Tasks != 1 {
			t.Fatalf("key points = %+v", kp)
		}
		kt, _ := f.svc.Table(f.office, kp.ID, plan.Filter{})
		if len(kt.Items) != 3 { // 二、 (一) 1.
			t.Fatalf("carried items = %d", len(kt.Items))
		}
		carried := kt.Items[2]
		if carried.CarriedFrom != fest.ID || len(carried.Cascades) != 2 || len(carried.Units(f.w.City.ID, plan.Responsible)) != 2 {
			t.Errorf("carried task = %+v", carried)
		}
		if _, err := f.svc.AddItem(f.office, kp.ID, plan.ItemInput{ParentID: kt.Items[1].ID, Marker: "2.", Title: "新增的年度任务",
			Lead: []int64{f.w.Keji.ID}}); err != nil {
			t.Fatal(err)
		}
		kt, _ = f.svc.Table(f.office, kp.ID, plan.Filter{})
		if kt.Items[3].Title != "新增的年度任务" || kt.Items[3].Path != "二、(一)2." {
			t.Errorf("added item = %+v", kt.Items[3])
		}
	})
}

func TestUnitWorkPlanServesTheBodysTasks(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		p, _ = f.svc.SetStatus(f.office, p.ID, p.Version, plan.Published)
		tab, _ := f.svc.Table(f.office, p.ID, plan.Filter{})
		fest := task(t, tab.Items, "开展校园科技节")
		in := plan.PlanInput{BodyID: f.w.City.ID, Kind: plan.UnitWorkPlan, Title: "市教育局2022年科学素质工作计划",
			YearFrom: 2022, YearTo: 2022, UnitID: f.w.Edu.ID, ParentID: p.ID}
		if _, err := f.svc.CreatePlan(f.keji, in); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("a liaison wrote another unit's plan: %v", err)
		}
		up, err := f.svc.CreatePlan(f.edu, in)
		if err != nil {
			t.Fatal(err)
		}
		it, err := f.svc.AddItem(f.edu, up.ID, plan.ItemInput{Title: "全市中小学科技节", ServesItem: fest.ID, Lead: []int64{f.w.Edu.ID}})
		if err != nil || it.ServesItem != fest.ID {
			t.Fatalf("unit plan item: %+v %v", it, err)
		}
		if _, err := f.svc.GetPlan(f.keji, up.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("another liaison read the unit's draft: %v", err)
		}
	})
}

func TestGoalsAndPhases(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		goals, err := f.svc.Goals(f.office, p.ID)
		if err != nil || len(goals) != 1 {
			t.Fatalf("goals = %v %v", goals, err)
		}
		m, err := f.svc.RecordMeasure(f.office, goals[0].ID, plan.Measure{RegionID: f.w.Liucheng.ID, Year: 2023, Value: 12.4})
		if err != nil || !m.Met {
			t.Fatalf("measure = %+v %v", m, err)
		}
		if _, err := f.svc.RecordMeasure(f.office, goals[0].ID, plan.Measure{RegionID: f.w.Liucheng.ID, Year: 2023, Value: 9.8}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordMeasure(f.office, goals[0].ID, plan.Measure{RegionID: f.w.Guangxi.ID, Year: 2023, Value: 9}); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("a measure for the region above: %v", err)
		}
		if _, err := f.svc.RecordMeasure(f.county, goals[0].ID, plan.Measure{RegionID: f.w.Liucheng.ID, Year: 2023, Value: 9}); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("the county recorded on the city's goal: %v", err)
		}
		goals, _ = f.svc.Goals(f.office, p.ID)
		if ms := goals[0].Measures; len(ms) != 1 || ms[0].Value != 9.8 || ms[0].Met {
			t.Errorf("measures = %+v (a correction replaces the value, 9.8 < 12 is not met)", ms)
		}
		phases := []plan.Phase{
			{Name: "动员部署", StartsOn: "2021-01-01", EndsOn: "2021-06-30"},
			{Name: "组织实施", StartsOn: "2021-07-01", EndsOn: "2024-12-31", Milestone: "2023年中期评估"},
			{Name: "总结评估", StartsOn: "2025-01-01", EndsOn: "2025-12-31"},
		}
		if _, err := f.svc.SetPhases(f.office, p.ID, phases); err != nil {
			t.Fatal(err)
		}
		bad := append([]plan.Phase{}, phases...)
		bad[2].EndsOn = "2026-12-31"
		if _, err := f.svc.SetPhases(f.office, p.ID, bad); core.ErrorCode(err) != core.EINVALID {
			t.Errorf("a phase past the period: %v", err)
		}
		got, err := f.svc.Phases(f.office, p.ID)
		if err != nil || len(got) != 3 || got[1].Milestone != "2023年中期评估" {
			t.Errorf("phases = %+v %v", got, err)
		}
	})
}

func TestParseTarget(t *testing.T) {
	got := plan.ParseTarget(" 每年培训科技辅导员不少于100名 ")
	if got.Text != "每年培训科技辅导员不少于100名" || got.Value != 100 || got.Comparator != ">=" || got.Unit != "名" || got.Period == "" {
		t.Errorf("target = %+v", got)
	}
	if got := plan.ParseTarget("完善工作机制"); got.Text != "完善工作机制" || got.Value != 0 {
		t.Errorf("a target with no number = %+v", got)
	}
}
