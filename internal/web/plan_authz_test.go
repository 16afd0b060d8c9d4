package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/org/orgtest"
	"liandong/internal/plan"
	"liandong/internal/testkit"
)

// The plan pages' authorization matrix (SECURITY.md B1, B3): every GET page
// of internal/web/plan_routes.go, on objects of each scope, as each kind of
// user. Columns, in order: the city office (A), the Liucheng county office
// (A1, below A), the city leader, the education bureau's liaison (X), the
// finance bureau's liaison (Y), the Luzhai county office (B, beside A1),
// the three administrators, and an anonymous visitor.
//
// Reading: 303 to the login page anonymous, 403 for the administrators
// (三员分立), 404 outside the scope (an office reads the bodies below it,
// nobody reads a body beside or above). A change form is 403 for a role
// without the permission or a plan the user reads but may not change.
var planUsers = []string{"officeA", "officeA1", "leaderA", "liaisonX", "liaisonY", "officeB", "sysadmin", "secadmin", "auditadmin", "anon"}

const (
	pAll     = "200 200 200 200 200 200 403 403 403 303"
	pReadA   = "200 404 200 200 200 404 403 403 403 303"
	pDraftA  = "200 404 200 404 404 404 403 403 403 303"
	pUnitX   = "200 404 200 200 404 404 403 403 403 303"
	pReadA1  = "200 200 404 404 404 404 403 403 403 303"
	pReadB   = "200 404 404 404 404 200 403 403 403 303"
	pEditA   = "200 404 403 403 403 404 403 403 403 303" // a published plan of A: only its office
	pDraftEd = "200 404 403 404 404 404 403 403 403 303"
	pUnitEd  = "200 404 403 200 404 404 403 403 403 303"
	pEditA1  = "403 200 403 404 404 404 403 403 403 303" // the city office reads A1's plans but does not write them
	pEditB   = "403 404 403 404 404 200 403 403 403 303"
	pManA    = "200 404 403 403 403 404 403 403 403 303"
	pManA1   = "403 200 403 403 403 404 403 403 403 303"
)

type planPageRow struct {
	route, of, want, path string
}

type planMatrix struct {
	t      *testing.T
	app    *app.App
	base   string
	tokens map[string]string
}

func TestPlanPagesAuthorizationMatrix(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		clock := core.NewFakeClock(time.Date(2021, 6, 1, 2, 0, 0, 0, time.UTC))
		a, srv := testkit.StartApp(t, dsn, app.Config{Clock: clock})
		ctx := context.Background()
		w, err := orgtest.Build(ctx, a.DB, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		m := &planMatrix{t: t, app: a, base: srv.URL, tokens: map[string]string{}}
		for _, u := range []struct {
			name string
			role core.Role
			unit int64
			body int64
		}{
			{"officeA", core.RoleOffice, w.Kexie.ID, w.City.ID},
			{"officeA1", core.RoleOffice, w.LiuchengKexie.ID, w.LiuchengBody.ID},
			{"leaderA", core.RoleLeader, w.Government.ID, w.City.ID},
			{"liaisonX", core.RoleLiaison, w.Edu.ID, w.City.ID},
			{"liaisonY", core.RoleLiaison, w.Finance.ID, w.City.ID},
			{"officeB", core.RoleOffice, w.LuzhaiKexie.ID, w.LuzhaiBody.ID},
			{"sysadmin", core.RoleSystemAdmin, 0, 0},
			{"secadmin", core.RoleSecurityAdmin, 0, 0},
			{"auditadmin", core.RoleAuditAdmin, 0, 0},
		} {
			n := auth.NewUser{Username: strings.ToLower(u.name), DisplayName: u.name, Role: u.role, UnitID: u.unit, Password: orgPassword}
			if u.body != 0 {
				n.BodyIDs = []int64{u.body}
			}
			if _, err := a.Auth.CreateUser(ctx, n); err != nil {
				t.Fatal(err)
			}
			if m.tokens[u.name], err = a.Auth.CreateToken(ctx, n.Username, "matrix"); err != nil {
				t.Fatal(err)
			}
		}

		// The plans, written through the service as their offices.
		svc := &plan.Service{DB: a.DB, Clock: clock}
		as := func(role core.Role, unit int64, body int64) context.Context {
			b := w.City
			switch body {
			case w.LiuchengBody.ID:
				b = w.LiuchengBody
			case w.LuzhaiBody.ID:
				b = w.LuzhaiBody
			}
			return orgtest.As(ctx, orgtest.Actor(t, a.DB, role, unit, b))
		}
		city, liucheng, luzhai := as(core.RoleOffice, w.Kexie.ID, w.City.ID), as(core.RoleOffice, w.LiuchengKexie.ID, w.LiuchengBody.ID),
			as(core.RoleOffice, w.LuzhaiKexie.ID, w.LuzhaiBody.ID)
		must := func(p *plan.Plan, err error) *plan.Plan {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		item := func(c context.Context, p *plan.Plan, in plan.ItemInput) *plan.Item {
			t.Helper()
			it, err := svc.AddItem(c, p.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			return it
		}
		newPlan := func(c context.Context, body int64, title string) *plan.Plan {
			return must(svc.CreatePlan(c, plan.PlanInput{BodyID: body, Kind: plan.Implementation, Title: title, YearFrom: 2021, YearTo: 2025}))
		}
		publish := func(c context.Context, p *plan.Plan) *plan.Plan {
			return must(svc.SetStatus(c, p.ID, p.Version, plan.Published))
		}
		pubA := newPlan(city, w.City.ID, "柳州市科学素质提升实施方案")
		sec := item(city, pubA, plan.ItemInput{Kind: plan.Section, Marker: "一、", Title: "青少年科学素质提升", Lead: []int64{w.Edu.ID}})
		taskA := item(city, pubA, plan.ItemInput{ParentID: sec.ID, Marker: "1.", Title: "举办青少年科技创新大赛", Lead: []int64{w.Edu.ID},
			Responsible: []int64{w.Finance.ID}, Cascade: plan.Responsible, CascadeText: "各县（区）人民政府"})
		goalA, err := svc.AddGoal(city, pubA.ID, plan.Goal{Metric: "公民具备科学素质的比例", Comparator: ">=", Value: 12, Unit: "%", Year: 2025})
		if err != nil {
			t.Fatal(err)
		}
		pubA = publish(city, pubA)
		draftA := newPlan(city, w.City.ID, "柳州市科普基础设施攻坚方案")
		taskDraft := item(city, draftA, plan.ItemInput{Marker: "1.", Title: "新建科普教育基地", Lead: []int64{w.Edu.ID}})
		unitX := must(svc.CreatePlan(as(core.RoleLiaison, w.Edu.ID, w.City.ID), plan.PlanInput{BodyID: w.City.ID, Kind: plan.UnitWorkPlan,
			UnitID: w.Edu.ID, Title: "柳州市教育局2022年科学素质工作计划", YearFrom: 2022, YearTo: 2022}))
		pubA1 := newPlan(liucheng, w.LiuchengBody.ID, "柳城县科学素质提升实施方案")
		item(liucheng, pubA1, plan.ItemInput{Marker: "1.", Title: "开展科技下乡活动", Lead: []int64{w.LiuchengEdu.ID}})
		pubA1 = publish(liucheng, pubA1)
		pubB := newPlan(luzhai, w.LuzhaiBody.ID, "鹿寨县科学素质提升实施方案")
		item(luzhai, pubB, plan.ItemInput{Marker: "1.", Title: "建设科普示范社区"})
		pubB = publish(luzhai, pubB)

		bp := func(id int64, rest string) string { return fmt.Sprintf("/bodies/%d%s", id, rest) }
		pp := func(p *plan.Plan, rest string) string { return fmt.Sprintf("/plans/%d%s", p.ID, rest) }
		A, A1, B := w.City.ID, w.LiuchengBody.ID, w.LuzhaiBody.ID
		rows := []planPageRow{
			{"GET /plans", "own bodies", pAll, "/plans"},
			{"GET /my/tasks", "own body", pAll, "/my/tasks"},
			{"GET /my/tasks", "X in A", "200 404 200 200 200 404 403 403 403 303", fmt.Sprintf("/my/tasks?body=%d&unit=%d", A, w.Edu.ID)},
			{"GET /bodies/{id}/plans", "A", pReadA, bp(A, "/plans")},
			{"GET /bodies/{id}/plans", "A1", pReadA1, bp(A1, "/plans")},
			{"GET /bodies/{id}/plans", "B", pReadB, bp(B, "/plans")},
			{"GET /bodies/{id}/plans/new", "A", "200 404 403 200 200 404 403 403 403 303", bp(A, "/plans/new")},
			{"GET /bodies/{id}/plans/new", "A1", pEditA1, bp(A1, "/plans/new")},
			{"GET /bodies/{id}/plans/import", "A", pManA, bp(A, "/plans/import")},
			{"GET /bodies/{id}/plans/import", "A1", pManA1, bp(A1, "/plans/import")},
			{"GET /bodies/{id}/inbound", "A (no body above)", "200 404 200 404 404 404 403 403 403 303", bp(A, "/inbound")},
			{"GET /bodies/{id}/inbound", "A1", pReadA1, bp(A1, "/inbound")},
			{"GET /bodies/{id}/inbound", "B", pReadB, bp(B, "/inbound")},
			{"GET /plans/{id}", "A published", pReadA, pp(pubA, "")},
			{"GET /plans/{id}", "A published, filtered", pReadA, pp(pubA, fmt.Sprintf("?unit=%d&status=open", w.Edu.ID))},
			{"GET /plans/{id}", "A draft", pDraftA, pp(draftA, "")},
			{"GET /plans/{id}", "X's work plan", pUnitX, pp(unitX, "")},
			{"GET /plans/{id}", "A1 published", pReadA1, pp(pubA1, "")},
			{"GET /plans/{id}", "B published", pReadB, pp(pubB, "")},
			{"GET /plans/{id}/table.xlsx", "A published", pReadA, pp(pubA, "/table.xlsx")},
			{"GET /plans/{id}/table.xlsx", "A draft", pDraftA, pp(draftA, fmt.Sprintf("/table.xlsx?unit=%d", w.Edu.ID))},
			{"GET /plans/{id}/table.xlsx", "B published", pReadB, pp(pubB, "/table.xlsx")},
			{"GET /plans/{id}/history", "A published", pReadA, pp(pubA, "/history")},
			{"GET /plans/{id}/history", "A draft", pDraftA, pp(draftA, "/history")},
			{"GET /plans/{id}/history", "B published", pReadB, pp(pubB, "/history")},
			{"GET /plans/{id}/edit", "A published", pEditA, pp(pubA, "/edit")},
			{"GET /plans/{id}/edit", "A draft", pDraftEd, pp(draftA, "/edit")},
			{"GET /plans/{id}/edit", "X's work plan", pUnitEd, pp(unitX, "/edit")},
			{"GET /plans/{id}/edit", "A1 published", pEditA1, pp(pubA1, "/edit")},
			{"GET /plans/{id}/edit", "B published", pEditB, pp(pubB, "/edit")},
			{"GET /plans/{id}/phases", "A published", pEditA, pp(pubA, "/phases")},
			{"GET /plans/{id}/phases", "A1 published", pEditA1, pp(pubA1, "/phases")},
			{"GET /plans/{id}/items/new", "A published", pEditA, pp(pubA, "/items/new")},
			{"GET /plans/{id}/items/new", "X's work plan", pUnitEd, pp(unitX, "/items/new")},
			{"GET /plans/{id}/items/new", "B published", pEditB, pp(pubB, "/items/new")},
			{"GET /plans/{id}/keypoints/new", "A published", pManA, pp(pubA, "/keypoints/new")},
			{"GET /plans/{id}/keypoints/new", "A1 published", pManA1, pp(pubA1, "/keypoints/new")},
			{"GET /items/{id}/edit", "a task of A published", pEditA, fmt.Sprintf("/items/%d/edit", taskA.ID)},
			{"GET /items/{id}/edit", "a task of A draft", pDraftEd, fmt.Sprintf("/items/%d/edit", taskDraft.ID)},
		}

		var cascadeA1 int64
		for _, c := range taskA.Cascades {
			if c.BodyID == A1 {
				cascadeA1 = c.ID
			}
		}
		if cascadeA1 == 0 {
			t.Fatal("the task was not handed down to Liucheng")
		}

		// Every GET page of the plans has a row, and every row a page.
		covered := map[string]bool{}
		for _, r := range rows {
			covered[r.route] = true
		}
		served := map[string]bool{}
		for _, rt := range a.Routes() {
			served[rt.Pattern] = true
			if isPlanPage(rt.Pattern) && strings.HasPrefix(rt.Pattern, "GET ") && !covered[rt.Pattern] {
				t.Errorf("page %s has no row in the plan pages' matrix", rt.Pattern)
			}
		}
		for route := range covered {
			if !served[route] {
				t.Errorf("the matrix has rows for %s, which the app does not serve", route)
			}
		}
		for _, r := range rows {
			want := strings.Fields(r.want)
			if len(want) != len(planUsers) {
				t.Fatalf("%s (%s): %d expectations for %d users", r.route, r.of, len(want), len(planUsers))
			}
			for i, user := range planUsers {
				denied := m.denials()
				status, body := m.get(user, r.path)
				what := fmt.Sprintf("GET %s [%s] as %s", r.path, r.of, user)
				if strconv.Itoa(status) != want[i] {
					t.Errorf("%s: status %d, want %s: %.200s", what, status, want[i], orgSnippet(body))
					continue
				}
				if (status == 403 || status == 404) && user != "anon" && m.denials() <= denied {
					t.Errorf("%s: the %d refusal was not audited", what, status)
				}
			}
		}
		for _, r := range planPosts(pubA, draftA, taskA, goalA, cascadeA1, A, w.Edu.ID) {
			want := strings.Fields(r.want)
			for i, user := range planUsers {
				if want[i] == "-" {
					continue
				}
				before, denied := m.fingerprint(), m.denials()
				status, body := m.post(user, r.path, r.form)
				what := fmt.Sprintf("POST %s as %s", r.path, user)
				if strconv.Itoa(status) != want[i] {
					t.Errorf("%s: status %d, want %s: %.200s", what, status, want[i], orgSnippet(body))
				}
				if m.fingerprint() != before {
					t.Errorf("%s: refused with %d but a plan changed", what, status)
				}
				if user != "anon" && m.denials() <= denied {
					t.Errorf("%s: the %d refusal was not audited", what, status)
				}
			}
		}
	})
}

// planPosts are changes through the pages by users who may not make them
// (B3: another body's office, a role without the right, a liaison on the
// body's plan): each is refused with the status given ("-": the owner, not
// tried), audited, and changes nothing. Anonymous posts carry no form token
// and are refused by the CSRF check (403).
func planPosts(pubA, draftA *plan.Plan, taskA *plan.Item, goalA *plan.Goal, cascadeA1, bodyA, unitX int64) []struct {
	path, want string
	form       url.Values
} {
	v := func(n int64) string { return strconv.FormatInt(n, 10) }
	item := url.Values{"kind": {"task"}, "title": {"改写的任务"}, "lead": {v(unitX)}, "version": {v(taskA.Version)}}
	return []struct {
		path, want string
		form       url.Values
	}{
		{fmt.Sprintf("/plans/%d/status", pubA.ID), "- 404 403 403 403 404 403 403 403 403", url.Values{"to": {"archived"}, "version": {v(pubA.Version)}}},
		{fmt.Sprintf("/plans/%d/delete", draftA.ID), "- 404 403 404 404 404 403 403 403 403", url.Values{"version": {v(draftA.Version)}}},
		{fmt.Sprintf("/plans/%d/edit", pubA.ID), "- 404 403 403 403 404 403 403 403 403", url.Values{"kind": {"implementation"}, "title": {"改名"},
			"year_from": {"2021"}, "year_to": {"2025"}, "version": {v(pubA.Version)}}},
		{fmt.Sprintf("/plans/%d/items/new", pubA.ID), "- 404 403 403 403 404 403 403 403 403", item},
		{fmt.Sprintf("/items/%d/edit", taskA.ID), "- 404 403 403 403 404 403 403 403 403", item},
		{fmt.Sprintf("/items/%d/status", taskA.ID), "- 404 403 403 403 404 403 403 403 403", url.Values{"status": {"closed"}, "reason": {"完成"}, "version": {v(taskA.Version)}}},
		{fmt.Sprintf("/items/%d/delete", taskA.ID), "- 404 403 403 403 404 403 403 403 403", url.Values{"version": {v(taskA.Version)}}},
		{fmt.Sprintf("/goals/%d/measures", goalA.ID), "- 404 403 403 403 404 403 403 403 403", url.Values{"plan_id": {v(pubA.ID)}, "region_id": {"1"}, "year": {"2023"}, "value": {"12"}}},
		{fmt.Sprintf("/plans/%d/keypoints/new", pubA.ID), "- 404 403 403 403 404 403 403 403 403", url.Values{"year": {"2022"}, "item": {v(taskA.ID)}}},
		{fmt.Sprintf("/bodies/%d/plans/import", bodyA), "- 404 403 403 403 404 403 403 403 403", url.Values{"step": {"confirm"}, "text": {"一、任务"}}},
		{fmt.Sprintf("/cascades/%d/assign", cascadeA1), "404 - 403 403 403 404 403 403 403 403", url.Values{"lead": {v(unitX)}}},
	}
}

// fingerprint is every plan table's row count and version sum: equal
// fingerprints mean nothing changed.
func (m *planMatrix) fingerprint() string {
	m.t.Helper()
	var out strings.Builder
	for _, q := range []string{
		`SELECT COUNT(*), COALESCE(SUM(version), 0) FROM plans`,
		`SELECT COUNT(*), COALESCE(SUM(version), 0) FROM plan_items`,
		`SELECT COUNT(*), COUNT(*) FROM assignments`,
		`SELECT COUNT(*), COUNT(assigned_at) FROM cascades`,
		`SELECT COUNT(*), COUNT(*) FROM goal_measures`,
		`SELECT COUNT(*), COUNT(*) FROM plan_changes`,
	} {
		var a, b int64
		if err := m.app.DB.R().QueryRowContext(context.Background(), q).Scan(&a, &b); err != nil {
			m.t.Fatal(err)
		}
		fmt.Fprintf(&out, "%d/%d ", a, b)
	}
	return out.String()
}

// post sends a form as user with its API token.
func (m *planMatrix) post(user, path string, form url.Values) (int, string) {
	m.t.Helper()
	req, err := http.NewRequest(http.MethodPost, m.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		m.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if tok := m.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// isPlanPage tells the plan pages among the app's routes.
func isPlanPage(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	if strings.HasPrefix(path, "/api/") || strings.HasSuffix(path, "/reports") {
		return false // report_pages_test.go covers the report pages
	}
	for _, p := range []string{"/plans", "/my/tasks", "/items/", "/goals/", "/cascades/", "/inbound"} {
		if strings.Contains(path, p) {
			return true
		}
	}
	return false
}

// get fetches path as user with its API token ("anon": none), without
// following redirects.
func (m *planMatrix) get(user, path string) (int, string) {
	m.t.Helper()
	req, err := http.NewRequest(http.MethodGet, m.base+path, nil)
	if err != nil {
		m.t.Fatal(err)
	}
	if tok := m.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// denials counts the audited refusals.
func (m *planMatrix) denials() int {
	m.t.Helper()
	var n int
	if err := m.app.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE outcome = 'denied'`).Scan(&n); err != nil {
		m.t.Fatal(err)
	}
	return n
}
