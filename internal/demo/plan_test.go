package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/demo"
	"liandong/internal/plan"
	"liandong/internal/testkit"
)

// as returns a context acting as the demo account username, built the way
// a request builds it.
func as(t *testing.T, d *db.DB, username string) context.Context {
	t.Helper()
	ctx := context.Background()
	u, err := auth.FindUserByUsername(ctx, d.R(), username)
	if err != nil {
		t.Fatalf("demo account %s: %v", username, err)
	}
	a, err := auth.ActorFor(ctx, d.R(), u)
	if err != nil {
		t.Fatal(err)
	}
	return core.WithActor(ctx, a)
}

func sorted(ss ...string) []string {
	slices.Sort(ss)
	return ss
}

func planTitles(ps []plan.Plan) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Title)
	}
	slices.Sort(out)
	return out
}

func itemByTitle(t *testing.T, items []plan.Item, title string) plan.Item {
	t.Helper()
	for _, it := range items {
		if it.Title == title {
			return it
		}
	}
	t.Fatalf("no item %q", title)
	return plan.Item{}
}

const (
	actionTitle    = "2020年柳州市全民科学素质行动攻坚方案"
	keyPointsTitle = "2021年柳州市全民科学素质工作要点"
	eduTitle       = "2020年柳州市教育局全民科学素质工作计划"
)

func TestDemoLiuzhouActionPlan(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, d, service(d, true)); err != nil {
			t.Fatal(err)
		}
		body, _, _, _, _ := liuzhouBody(t, d)
		svc := &plan.Service{DB: d, Clock: core.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
		office := as(t, d, "office")

		plans, err := svc.ListPlans(office, body)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := planTitles(plans), sorted(eduTitle, actionTitle, keyPointsTitle); !slices.Equal(got, want) {
			t.Fatalf("office sees plans %v, want %v", got, want)
		}
		var action, keyPoints, edu plan.Plan
		for _, p := range plans {
			switch p.Title {
			case actionTitle:
				action = p
			case keyPointsTitle:
				keyPoints = p
			case eduTitle:
				edu = p
			}
		}
		if action.Kind != plan.Action || action.Status != plan.Published || action.DocNumber != "柳全科组办发〔2020〕2号" ||
			action.YearFrom != 2020 || action.YearTo != 2020 || action.Tasks != 26 || action.Revision != 1 {
			t.Errorf("action plan %+v", action)
		}
		if keyPoints.Kind != plan.AnnualKeyPoints || keyPoints.Status != plan.Draft || keyPoints.YearFrom != 2021 ||
			keyPoints.ParentID != action.ID || keyPoints.Tasks != 9 {
			t.Errorf("key points %+v", keyPoints)
		}
		if edu.Kind != plan.UnitWorkPlan || edu.Status != plan.Published || edu.UnitID == 0 || edu.Tasks != 3 {
			t.Errorf("education bureau's plan %+v", edu)
		}

		// The decomposition table: eight projects, 26 tasks, as 附件2 has them.
		tb, err := svc.Table(office, action.ID, plan.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var projects, tasks, leads, responsible, cascades, closed int
		perProject := map[string]int{}
		for _, it := range tb.Items {
			switch it.Kind {
			case plan.Project:
				projects++
			case plan.Task:
				tasks++
				perProject[it.Path[:strings.Index(it.Path, "）")+len("）")]]++
				leads += len(it.Units(body, plan.Lead))
				responsible += len(it.Units(body, plan.Responsible))
				cascades += len(it.Cascades)
				if it.Status == plan.Closed {
					closed++
					if it.StatusReason == "" {
						t.Errorf("%s closed without a reason", it.Title)
					}
				}
				if it.Schedule == "" || it.WindowFrom < "2020-01-01" || it.WindowTo > "2020-12-31" || it.WindowTo < it.WindowFrom {
					t.Errorf("%s: schedule %q window %s..%s", it.Title, it.Schedule, it.WindowFrom, it.WindowTo)
				}
				if len(it.Units(body, plan.Lead)) == 0 {
					t.Errorf("%s has no lead unit", it.Title)
				}
			}
		}
		wantPer := map[string]int{"（一）": 2, "（二）": 4, "（三）": 3, "（四）": 3, "（五）": 3, "（六）": 4, "（七）": 4, "（八）": 3}
		if projects != 8 || tasks != 26 || closed != 1 || !mapsEqual(perProject, wantPer) {
			t.Errorf("%d projects, %d tasks (%v), %d closed", projects, tasks, perProject, closed)
		}
		// 46 lead seats; responsible: the table's lists, with "every member
		// unit" (five times) as the 27 members less the lead units.
		if leads != 46 || responsible != 246 {
			t.Errorf("assignments: %d lead, %d responsible", leads, responsible)
		}
		// Two tasks are handed down to each of the ten county bodies.
		if cascades != 20 {
			t.Errorf("cascades: %d, want 20", cascades)
		}

		big := itemByTitle(t, tb.Items, "举办八桂科普大行动柳州活动")
		if big.Path != "（一）2." || big.Schedule != "5-9月" || big.WindowFrom != "2020-05-01" || big.WindowTo != "2020-09-30" {
			t.Errorf("八桂科普大行动: path %s, schedule %s %s..%s", big.Path, big.Schedule, big.WindowFrom, big.WindowTo)
		}
		if got := big.Units(body, plan.Lead); !slices.Equal(got, []string{"柳州市科学技术协会"}) {
			t.Errorf("八桂科普大行动 led by %v", got)
		}
		if n := len(big.Units(body, plan.Responsible)); n != 26 {
			t.Errorf("八桂科普大行动 has %d responsible units, want every member unit but the lead (26)", n)
		}
		if len(big.Targets) != 2 || big.Targets[0].Value != 200 || big.Targets[0].Unit != "项" ||
			big.Targets[1].Value != 600000 || big.Targets[1].Unit != "人次" || big.Targets[1].Comparator != ">=" {
			t.Errorf("八桂科普大行动 targets %+v", big.Targets)
		}
		if big.CascadeText(plan.Responsible) != "各县区全民科学素质工作领导小组" {
			t.Errorf("cascade written as %q", big.CascadeText(plan.Responsible))
		}
		week := itemByTitle(t, tb.Items, "举办全国科技活动周柳州活动")
		if week.Schedule != "5月中下旬" || week.Status != plan.Closed || !slices.Contains(week.Units(body, plan.Responsible), "中共柳州市委宣传部") {
			t.Errorf("科技活动周: %+v", week)
		}
		study := itemByTitle(t, tb.Items, "推广行动学习")
		if got := study.Units(body, plan.Responsible); !slices.Equal(got, []string{"中共柳州市委党校"}) || study.Audience != "领导干部和公务员" {
			t.Errorf("推广行动学习: responsible %v, audience %q", got, study.Audience)
		}
		// The table filters by unit: the education bureau leads or shares 18 tasks.
		edUnit := edu.UnitID
		ft, err := svc.Table(office, action.ID, plan.Filter{UnitID: edUnit})
		if err != nil {
			t.Fatal(err)
		}
		if n := countKind(ft.Items, plan.Task); n != 18 {
			t.Errorf("tasks of the education bureau: %d, want 18", n)
		}

		// Goal, measures, phases, and the revision the closing made.
		goals, err := svc.Goals(office, action.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(goals) != 1 || goals[0].Comparator != ">" || goals[0].Value != 7.16 || goals[0].Unit != "%" ||
			goals[0].Year != 2020 || len(goals[0].Measures) != 4 {
			t.Fatalf("goals %+v", goals)
		}
		met := map[string]bool{}
		for _, m := range goals[0].Measures {
			if m.Year == 2020 {
				met[m.RegionName] = m.Met
			}
		}
		if !met["柳州市"] || met["三江侗族自治县"] || len(met) != 3 {
			t.Errorf("2020 measures met: %v", met)
		}
		phases, err := svc.Phases(office, action.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(phases) != 3 || phases[0].StartsOn != "2020-05-06" || phases[2].EndsOn != "2020-12-31" {
			t.Errorf("phases %+v", phases)
		}
		hist, err := svc.History(office, action.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 1 || hist[0].Revision != 1 || hist[0].ItemID != week.ID || len(hist[0].Diff) != 2 ||
			hist[0].Diff[0].After != "已办结" || hist[0].UserName == "" {
			t.Errorf("history %+v", hist)
		}

		// The draft key points carry tasks over, pointing back at them.
		kt, err := svc.Table(office, keyPoints.ID, plan.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		carried := 0
		byID := map[int64]plan.Item{}
		for _, it := range tb.Items {
			byID[it.ID] = it
		}
		for _, it := range kt.Items {
			if it.Kind != plan.Task || it.CarriedFrom == 0 {
				continue
			}
			carried++
			src, ok := byID[it.CarriedFrom]
			if !ok || src.Title != it.Title || len(src.Assignments) != len(it.Assignments) || !strings.HasPrefix(it.WindowFrom, "2021") {
				t.Errorf("carried %q from %d: %+v", it.Title, it.CarriedFrom, src.Title)
			}
		}
		if carried != 8 {
			t.Errorf("%d tasks carried over, want 8", carried)
		}

		// The education bureau's liaison: the published plans, not the
		// draft; its unit's tasks; its own plan's items serve body tasks.
		jyj := as(t, d, "liaison-jyj")
		plans, err = svc.ListPlans(jyj, body)
		if err != nil {
			t.Fatal(err)
		}
		if got := planTitles(plans); !slices.Equal(got, sorted(eduTitle, actionTitle)) {
			t.Errorf("liaison-jyj sees %v", got)
		}
		mine, err := svc.UnitTasks(jyj, body, edUnit)
		if err != nil {
			t.Fatal(err)
		}
		if len(mine) != 18 {
			t.Errorf("liaison-jyj has %d tasks, want 18", len(mine))
		}
		leading := 0
		for _, ut := range mine {
			if ut.Role == plan.Lead {
				leading++
			}
		}
		if leading != 8 {
			t.Errorf("the education bureau leads %d tasks, want 8", leading)
		}
		et, err := svc.Table(jyj, edu.ID, plan.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range et.Items {
			src, ok := byID[it.ServesItem]
			if !ok || !slices.Contains(src.Units(body, plan.Lead), "柳州市教育局") {
				t.Errorf("%s serves %d (%s), not a task the bureau leads", it.Title, it.ServesItem, src.Title)
			}
		}
		if !svc.CanEdit(jyj, &edu) {
			t.Error("liaison-jyj cannot edit its own unit's plan")
		}
		kjj := as(t, d, "liaison-kjj")
		plans, err = svc.ListPlans(kjj, body)
		if err != nil {
			t.Fatal(err)
		}
		if got := planTitles(plans); !slices.Equal(got, sorted(eduTitle, actionTitle)) {
			t.Errorf("liaison-kjj sees %v", got)
		}
		if svc.CanEdit(kjj, &edu) {
			t.Error("liaison-kjj may edit the education bureau's plan")
		}
		plans, err = svc.ListPlans(as(t, d, "leader"), body)
		if err != nil {
			t.Fatal(err)
		}
		if len(plans) != 3 {
			t.Errorf("the leader sees %d plans, want 3", len(plans))
		}

		// The county office (柳江区) has both tasks handed down: one it has
		// assigned to its own units, one still to assign.
		county := as(t, d, "county")
		cb := core.ActorFrom(county).BodyIDs[0]
		in, err := svc.Inbound(county, cb)
		if err != nil {
			t.Fatal(err)
		}
		if len(in) != 2 {
			t.Fatalf("county inbound: %d tasks, want 2", len(in))
		}
		states := map[string]string{}
		for _, x := range in {
			states[x.Item.Title] = x.Cascade.Status
			if x.PlanTitle != actionTitle || x.FromBody != "柳州市全民科学素质工作领导小组" {
				t.Errorf("inbound from %s / %s", x.PlanTitle, x.FromBody)
			}
			if x.Cascade.Status == "assigned" {
				if got := x.Item.Units(cb, plan.Lead); !slices.Equal(got, []string{"柳江区科学技术协会"}) {
					t.Errorf("柳江区 assigned the lead to %v", got)
				}
				if n := len(x.Item.Units(cb, plan.Responsible)); n != 5 {
					t.Errorf("柳江区 assigned %d responsible units, want 5", n)
				}
			}
		}
		if states["举办八桂科普大行动柳州活动"] != "assigned" || states["建设现代科技场馆并开馆运营"] != "received" {
			t.Errorf("county inbound states %v", states)
		}
		// 柳江区's science association sees the assigned task among its own.
		var kexie int64
		if err := d.R().QueryRowContext(ctx, `SELECT id FROM units WHERE name = '柳江区科学技术协会'`).Scan(&kexie); err != nil {
			t.Fatal(err)
		}
		ct, err := svc.UnitTasks(county, cb, kexie)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != 1 || ct[0].Role != plan.Lead || ct[0].PlanTitle != actionTitle {
			t.Errorf("柳江区科协's tasks %+v", ct)
		}
		// Another county body still has both to assign.
		var other int64
		if err := d.R().QueryRowContext(ctx, `SELECT b.id FROM bodies b JOIN regions r ON r.id = b.region_id
			WHERE r.code = '450226'`).Scan(&other); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM cascades c JOIN plan_items i ON i.id = c.item_id
			JOIN plans p ON p.id = i.plan_id WHERE c.body_id = $1 AND c.status = 'received' AND p.status = 'published'`, other); n != 2 {
			t.Errorf("三江 has %d tasks to assign, want 2", n)
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func countKind(items []plan.Item, k plan.ItemKind) int {
	n := 0
	for _, it := range items {
		if it.Kind == k {
			n++
		}
	}
	return n
}

// seedsDir finds the shared seed documents: $LIANDONG_SEEDS, or
// ../shared/seeds beside the repository.
func seedsDir() string {
	if d := os.Getenv("LIANDONG_SEEDS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "seeds")
}

// fold keeps the letters and digits of s, so that punctuation, spaces and
// line breaks do not hide a copied passage.
func fold(s string) []rune {
	var out []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
	}
	return out
}

// TestDemoPlanTextsAreOurOwnWords holds the rule for seed documents: their
// facts may be data, their sentences may not. No title or content of a
// demo plan item, and no phase milestone, shares a run of 16 characters
// (letters and digits; punctuation ignored) with seed 003.
func TestDemoPlanTextsAreOurOwnWords(t *testing.T) {
	matches, _ := filepath.Glob(filepath.Join(seedsDir(), "003_*.txt"))
	if len(matches) == 0 {
		t.Skip("seed 003 not found (set LIANDONG_SEEDS or check out ../shared)")
	}
	raw, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	seed := string(fold(string(raw)))
	const run = 16

	d := testkit.OpenDB(t, db.SQLite)
	ctx := context.Background()
	if err := demo.Load(ctx, d, service(d, true)); err != nil {
		t.Fatal(err)
	}
	rows, err := d.R().QueryContext(ctx, `SELECT title FROM plan_items UNION ALL SELECT content FROM plan_items
		UNION ALL SELECT milestone FROM plan_phases UNION ALL SELECT status_reason FROM plan_items`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	checked := 0
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		rs := fold(text)
		for i := 0; i+run <= len(rs); i++ {
			if w := string(rs[i : i+run]); strings.Contains(seed, w) {
				t.Errorf("%q copies seed 003: %q", text, w)
				break
			}
		}
		checked++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if checked < 60 {
		t.Errorf("checked only %d texts", checked)
	}
}

// TestScalePlans checks the plans the city scale adds: one published plan
// per body, the city's of 300 tasks, 2–6 units per task, every tenth task
// of the city handed down to its twelve counties and half of them assigned,
// all readable through the plan service by the bodies' offices.
func TestScalePlans(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st, err := demo.LoadScale(ctx, d, "city")
		if err != nil {
			t.Fatal(err)
		}
		if st.Plans != 13 || st.Tasks != 1500 || st.Cascades != 360 {
			t.Errorf("stats %s", st)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM plans WHERE status = 'published'`); n != 13 {
			t.Errorf("%d published plans, want 13", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM assignments`); n != st.Assignments {
			t.Errorf("%d assignments stored, stats say %d", n, st.Assignments)
		}
		// Per task in its own body: 2–6 units, one or two of them leading.
		if n := count(t, d, `SELECT COUNT(*) FROM plan_items i JOIN plans p ON p.id = i.plan_id WHERE i.kind = 'task' AND
			(SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id AND a.body_id = p.body_id) NOT BETWEEN 2 AND 6`); n != 0 {
			t.Errorf("%d tasks without 2 to 6 units", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM plan_items i JOIN plans p ON p.id = i.plan_id WHERE i.kind = 'task' AND
			(SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id AND a.body_id = p.body_id AND a.role = 'lead')
			NOT BETWEEN 1 AND 2`); n != 0 {
			t.Errorf("%d tasks without one or two lead units", n)
		}
		// Units come from the plan's own body.
		if n := count(t, d, `SELECT COUNT(*) FROM assignments a JOIN member_units m ON m.unit_id = a.unit_id AND m.body_id = a.body_id
			`); n != st.Assignments {
			t.Errorf("%d of %d assignments are of the body's member units", n, st.Assignments)
		}

		city, county := st.Samples[0], st.Samples[1]
		if city.Level != "city" || county.Level != "county" {
			t.Fatalf("samples %+v", st.Samples)
		}
		svc := &plan.Service{DB: d, Clock: core.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
		office := core.WithActor(ctx, &core.Actor{UserID: 0, Username: "t", Role: core.RoleOffice,
			BodyIDs: []int64{city.ID}, ScopeIDs: []int64{city.ID}})
		plans, err := svc.ListPlans(office, city.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(plans) != 1 || plans[0].Tasks != 300 || plans[0].Status != plan.Published {
			t.Fatalf("city plans %+v", plans)
		}
		tb, err := svc.Table(office, plans[0].ID, plan.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(tb.Items) != 310 || countKind(tb.Items, plan.Task) != 300 {
			t.Errorf("table of the 300-task plan: %d rows", len(tb.Items))
		}
		cascaded := 0
		for _, it := range tb.Items {
			if len(it.Cascades) > 0 {
				cascaded++
				if len(it.Cascades) != 12 || it.CascadeText(plan.Responsible) != "各县（市、区）人民政府" {
					t.Errorf("%s handed down to %d bodies as %q", it.Path, len(it.Cascades), it.CascadeText(plan.Responsible))
				}
			}
		}
		if cascaded != 30 {
			t.Errorf("%d tasks handed down, want 30", cascaded)
		}

		// The first county has assigned what it received (even-numbered
		// counties do) to its science association and education bureau.
		co := core.WithActor(ctx, &core.Actor{Role: core.RoleOffice, BodyIDs: []int64{county.ID}, ScopeIDs: []int64{county.ID}})
		in, err := svc.Inbound(co, county.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(in) != 30 || in[0].Cascade.Status != "assigned" || len(in[0].Item.Units(county.ID, plan.Lead)) != 1 {
			t.Fatalf("county inbound: %d, first %+v", len(in), in[0].Cascade)
		}
		var kexie int64
		if err := d.R().QueryRowContext(ctx, `SELECT office_unit_id FROM bodies WHERE id = $1`, county.ID).Scan(&kexie); err != nil {
			t.Fatal(err)
		}
		tasks, err := svc.UnitTasks(co, county.ID, kexie)
		if err != nil {
			t.Fatal(err)
		}
		fromCity := 0
		for _, ut := range tasks {
			if ut.PlanID == plans[0].ID {
				fromCity++
			}
		}
		if fromCity != 30 || len(tasks) <= 30 {
			t.Errorf("the county's science association carries %d tasks, %d from the city's plan", len(tasks), fromCity)
		}
	})
}
