package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"liandong/internal/org"
	"liandong/internal/plan"
	"liandong/internal/testkit"
)

// The plans' part of the authorization matrix, with the users and columns
// of the registry's (officeA officeA1 leaderA liaisonX liaisonY officeB
// sysadmin secadmin auditadmin anon).
const (
	// A draft is read by its body's office (and the offices above) and
	// leaders, never by member units' liaisons.
	draftReadA = "200 404 200 404 404 404 403 403 403 401"
	// Tasks handed down to a body are for its office and leaders.
	inboundA  = "200 404 200 404 404 404 403 403 403 401"
	inboundA1 = "200 200 404 404 404 404 403 403 403 401"
	inboundB  = "404 404 404 404 404 200 403 403 403 401"
	// A unit's task list: the office, the body's leaders, the unit's own
	// liaison.
	tasksX = "200 404 200 200 404 404 403 403 403 401"
	tasksY = "200 404 200 404 200 404 403 403 403 401"
	// Import, preview, review and key points are the office's (PermPlanManage).
	manageA  = "%s 404 403 403 403 404 403 403 403 401"
	manageA1 = "403 %s 403 403 403 404 403 403 403 401"
	manageB  = "404 404 403 403 403 %s 403 403 403 401"
)

// draftWriteA: a change to a draft of body A; the liaisons cannot see it.
func draftWriteA(ok string) string { return ok + " 404 403 404 404 404 403 403 403 401" }

// writeB: a change to city B's plans. Liaisons may write plans (their own
// unit's), so unlike in the registry the route lets them through and the
// service answers 404: B is outside their scope.
func writeB(ok string) string { return "404 404 403 404 404 " + ok + " 403 403 403 401" }

// countyWrite: a change to county A1's plan. The city office reads it but
// does not write it (403); the county office does.
func countyWrite(ok string) string { return "403 " + ok + " 403 404 404 404 403 403 403 401" }

// unitPlanX: a change to unit X's own work plan (a draft): the body's
// office and X's liaison.
func unitPlanX(ok string) string { return ok + " 404 403 " + ok + " 404 404 403 403 403 401" }

// isPlanRoute tells the API routes of plans and tasks among all of the
// app's; the registry's matrix leaves them to this one.
func isPlanRoute(pattern string) bool {
	if isReportRoute(pattern) {
		return false // report_authz_test.go has their matrix
	}
	_, path, _ := strings.Cut(pattern, " ")
	if !strings.HasPrefix(path, "/api/") {
		return false
	}
	for _, p := range []string{"/plans/", "/items/", "/goals/", "/cascades/", "/inbound/", "/tasks/"} {
		if strings.Contains(path+"/", p) {
			return true
		}
	}
	return false
}

// pureRoutes are the POST routes that compute an answer and change
// nothing: the import's preview and review.
var pureRoutes = map[string]bool{
	"POST /api/v1/bodies/{id}/plans/preview": true,
	"POST /api/v1/bodies/{id}/plans/review":  true,
}

func (w *planWorld) planRows() []row {
	A, A1, B := w.bodyA, w.bodyA1, w.bodyB
	bp := func(b *org.Body, rest string) string { return fmt.Sprintf("/api/v1/bodies/%d%s", b.ID, rest) }
	pp := func(p *plan.Plan, rest string) string { return fmt.Sprintf("/api/v1/plans/%d%s", p.ID, rest) }
	ip := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/items/%d%s", id, rest) }
	unitPlan := w.freshUnitPlan()
	pl := w // the request builders take the registry's *world as w

	rows := []row{
		{"GET /api/v1/bodies/{id}/plans", "A", readA, get(bp(A, "/plans"))},
		{"GET /api/v1/bodies/{id}/plans", "A1", readA1, get(bp(A1, "/plans"))},
		{"GET /api/v1/bodies/{id}/plans", "B", readB, get(bp(B, "/plans"))},
		{"GET /api/v1/plans/{id}", "A published", readA, get(pp(w.pubA, ""))},
		{"GET /api/v1/plans/{id}", "A draft", draftReadA, get(pp(w.draftA, ""))},
		{"GET /api/v1/plans/{id}", "A1 published", readA1, get(pp(w.pubA1, ""))},
		{"GET /api/v1/plans/{id}", "B published", readB, get(pp(w.pubB, ""))},
		{"GET /api/v1/plans/{id}", "X's own draft", "200 404 200 200 404 404 403 403 403 401", get(pp(unitPlan, ""))},
		{"GET /api/v1/plans/{id}/items", "A published", readA, get(pp(w.pubA, fmt.Sprintf("/items?unit_id=%d&status=open", w.unitX.ID)))},
		{"GET /api/v1/plans/{id}/items", "A draft", draftReadA, get(pp(w.draftA, "/items"))},
		{"GET /api/v1/plans/{id}/items", "A1 published", readA1, get(pp(w.pubA1, "/items"))},
		{"GET /api/v1/plans/{id}/items", "B published", readB, get(pp(w.pubB, "/items"))},
		{"GET /api/v1/items/{id}", "task of A", readA, get(ip(w.taskX.ID, ""))},
		{"GET /api/v1/items/{id}", "task of A's draft", draftReadA, get(ip(w.taskDraft.ID, ""))},
		{"GET /api/v1/items/{id}", "task of A1", readA1, get(ip(w.taskA1.ID, ""))},
		{"GET /api/v1/items/{id}", "task of B", readB, get(ip(w.taskB.ID, ""))},
		{"GET /api/v1/plans/{id}/history", "A published", readA, get(pp(w.pubA, "/history"))},
		{"GET /api/v1/plans/{id}/history", "A draft", draftReadA, get(pp(w.draftA, "/history"))},
		{"GET /api/v1/plans/{id}/history", "B published", readB, get(pp(w.pubB, "/history"))},
		{"GET /api/v1/bodies/{id}/inbound", "A", inboundA, get(bp(A, "/inbound"))},
		{"GET /api/v1/bodies/{id}/inbound", "A1", inboundA1, get(bp(A1, "/inbound"))},
		{"GET /api/v1/bodies/{id}/inbound", "B", inboundB, get(bp(B, "/inbound"))},
		{"GET /api/v1/bodies/{id}/units/{unit}/tasks", "X in A", tasksX, get(bp(A, fmt.Sprintf("/units/%d/tasks", w.unitX.ID)))},
		{"GET /api/v1/bodies/{id}/units/{unit}/tasks", "Y in A", tasksY, get(bp(A, fmt.Sprintf("/units/%d/tasks", w.unitY.ID)))},
		{"GET /api/v1/bodies/{id}/units/{unit}/tasks", "A1's 教育局", readA1, get(bp(A1, fmt.Sprintf("/units/%d/tasks", w.eduA1.ID)))},
		{"GET /api/v1/bodies/{id}/units/{unit}/tasks", "Z in B", readB, get(bp(B, fmt.Sprintf("/units/%d/tasks", w.unitZ.ID)))},
		{"GET /api/v1/me/tasks", "own unit", readAll, get("/api/v1/me/tasks")},
	}

	newPlan := func(b *org.Body, extra map[string]any) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			body := map[string]any{"kind": "action", "title": fmt.Sprintf("专项行动方案%d", w.next()), "year_from": 2022, "year_to": 2023}
			for k, v := range extra {
				body[k] = v
			}
			return "POST", bp(b, "/plans"), body
		}
	}
	patchPlan := func(p *plan.Plan) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "PATCH", pp(p, ""), map[string]any{"doc_number": fmt.Sprintf("柳科组发〔2021〕%d号", w.next()), "version": w.version("plans", p.ID)}
		}
	}
	transition := func(fresh func() *plan.Plan, action string) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			p := fresh()
			return "POST", pp(p, "/"+action), map[string]any{"version": p.Version}
		}
	}
	rows = append(rows,
		row{"POST /api/v1/bodies/{id}/plans", "A", writeRow("A", "201"), newPlan(A, nil)},
		// Liaison Y sees body A but may not write X's plan: 403.
		row{"POST /api/v1/bodies/{id}/plans", "X's work plan in A", "201 404 403 201 403 404 403 403 403 401",
			newPlan(A, map[string]any{"kind": "unit_work_plan", "unit_id": w.unitX.ID, "year_to": 2022})},
		row{"POST /api/v1/bodies/{id}/plans", "A1", countyWrite("201"), newPlan(A1, nil)},
		row{"POST /api/v1/bodies/{id}/plans", "B", writeB("201"), newPlan(B, nil)},
		row{"PATCH /api/v1/plans/{id}", "A published", writeRow("A", "200"), patchPlan(w.pubA)},
		row{"PATCH /api/v1/plans/{id}", "A draft", draftWriteA("200"), patchPlan(w.draftA)},
		row{"PATCH /api/v1/plans/{id}", "A1 published", countyWrite("200"), patchPlan(w.pubA1)},
		row{"PATCH /api/v1/plans/{id}", "B published", writeB("200"), patchPlan(w.pubB)},
		row{"PATCH /api/v1/plans/{id}", "X's own draft", unitPlanX("200"), patchPlan(unitPlan)},
		row{"POST /api/v1/plans/{id}/publish", "A draft", draftWriteA("200"), transition(func() *plan.Plan { return w.freshDraft("officeA", A) }, "publish")},
		row{"POST /api/v1/plans/{id}/publish", "A1 draft", countyWrite("200"), transition(func() *plan.Plan { return w.freshDraft("officeA1", A1) }, "publish")},
		row{"POST /api/v1/plans/{id}/publish", "X's own draft", unitPlanX("200"), transition(w.freshUnitPlan, "publish")},
		row{"POST /api/v1/plans/{id}/archive", "A published", writeRow("A", "200"), transition(func() *plan.Plan { return w.freshPublished("officeA", A) }, "archive")},
		row{"POST /api/v1/plans/{id}/archive", "B published", writeB("200"), transition(func() *plan.Plan { return w.freshPublished("officeB", B) }, "archive")},
		row{"DELETE /api/v1/plans/{id}", "A draft", draftWriteA("204"), func(w *world) (string, string, any) {
			p := pl.freshDraft("officeA", A)
			return "DELETE", pp(p, fmt.Sprintf("?version=%d", p.Version)), nil
		}},
		row{"DELETE /api/v1/plans/{id}", "B draft", "404 404 403 404 404 204 403 403 403 401", func(w *world) (string, string, any) {
			p := pl.freshDraft("officeB", B)
			return "DELETE", pp(p, fmt.Sprintf("?version=%d", p.Version)), nil
		}},
	)

	addItem := func(p *plan.Plan, lead int64) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			body := map[string]any{"title": fmt.Sprintf("新增任务%d", w.next()), "schedule": "全年"}
			if lead != 0 {
				body["lead"] = []int64{lead}
			}
			return "POST", pp(p, "/items"), body
		}
	}
	putItem := func(it plan.Item, lead int64) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "PUT", ip(it.ID, ""), map[string]any{"marker": it.Marker, "title": fmt.Sprintf("%s（修订%d）", it.Title, w.next()),
				"lead": []int64{lead}, "version": w.version("plan_items", it.ID)}
		}
	}
	rows = append(rows,
		row{"POST /api/v1/plans/{id}/items", "A published", writeRow("A", "201"), addItem(w.pubA, w.unitX.ID)},
		row{"POST /api/v1/plans/{id}/items", "A draft", draftWriteA("201"), addItem(w.draftA, w.unitY.ID)},
		row{"POST /api/v1/plans/{id}/items", "A1 published", countyWrite("201"), addItem(w.pubA1, w.eduA1.ID)},
		row{"POST /api/v1/plans/{id}/items", "X's own draft", unitPlanX("201"), addItem(unitPlan, w.unitX.ID)},
		row{"PUT /api/v1/items/{id}", "task of A", writeRow("A", "200"), putItem(w.taskY, w.unitY.ID)},
		row{"PUT /api/v1/items/{id}", "task of A's draft", draftWriteA("200"), putItem(w.taskDraft, w.unitX.ID)},
		row{"PUT /api/v1/items/{id}", "task of B", writeB("200"), putItem(w.taskB, w.unitZ.ID)},
		row{"DELETE /api/v1/items/{id}", "task of A's draft", draftWriteA("204"), func(w *world) (string, string, any) {
			it := pl.mustItem(w.as("officeA"), pl.draftA, plan.ItemInput{Title: fmt.Sprintf("待删任务%d", w.next())})
			return "DELETE", ip(it.ID, fmt.Sprintf("?version=%d", it.Version)), nil
		}},
		row{"POST /api/v1/items/{id}/status", "task of A", writeRow("A", "200"), func(w *world) (string, string, any) {
			it := pl.mustItem(w.as("officeA"), pl.pubA, plan.ItemInput{Title: fmt.Sprintf("待办结任务%d", w.next())})
			return "POST", ip(it.ID, "/status"), map[string]any{"status": "closed", "reason": "已按期完成", "version": it.Version}
		}},
		row{"POST /api/v1/items/{id}/status", "task of B", writeB("200"), func(w *world) (string, string, any) {
			it := pl.mustItem(w.as("officeB"), pl.pubB, plan.ItemInput{Title: fmt.Sprintf("待取消任务%d", w.next())})
			return "POST", ip(it.ID, "/status"), map[string]any{"status": "cancelled", "reason": "并入其他任务", "version": it.Version}
		}},
	)

	phases := func(p *plan.Plan) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "PUT", pp(p, "/phases"), map[string]any{"phases": []map[string]any{
				{"name": fmt.Sprintf("动员部署%d", w.next()), "starts_on": "2021-01-01", "ends_on": "2021-06-30"},
				{"name": "组织实施", "starts_on": "2021-07-01", "ends_on": "2025-12-31", "milestone": "2023年中期评估"}}}
		}
	}
	measure := func(g plan.Goal, regionID int64) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "POST", fmt.Sprintf("/api/v1/goals/%d/measures", g.ID), map[string]any{"region_id": regionID, "year": 2023, "value": 10 + w.next()}
		}
	}
	rows = append(rows,
		row{"PUT /api/v1/plans/{id}/phases", "A published", writeRow("A", "200"), phases(w.pubA)},
		row{"PUT /api/v1/plans/{id}/phases", "A1 published", countyWrite("200"), phases(w.pubA1)},
		row{"PUT /api/v1/plans/{id}/phases", "B published", writeB("200"), phases(w.pubB)},
		row{"POST /api/v1/plans/{id}/goals", "A published", writeRow("A", "201"), func(w *world) (string, string, any) {
			return "POST", pp(pl.pubA, "/goals"), map[string]any{"metric": fmt.Sprintf("科普场馆数%d", w.next()), "comparator": ">=", "value": 12, "unit": "个", "year": 2025}
		}},
		row{"POST /api/v1/goals/{id}/measures", "goal of A, county A1", writeRow("A", "200"), measure(w.goalA, w.countyA1.ID)},
		row{"POST /api/v1/goals/{id}/measures", "goal of B", writeB("200"), measure(w.goalB, w.cityB.ID)},
	)

	previewText := "一、重点任务\n1.举办科技活动周。（牵头单位：市教育局）\n"
	result := func(lead ...string) map[string]any {
		return map[string]any{"goals": []any{}, "items": []map[string]any{
			{"path": []string{"1."}, "kind": "task", "title": "举办科技活动周", "lead": lead, "responsible": []string{}}}}
	}
	importInto := func(b *org.Body, lead ...string) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "POST", "/api/v1/plans/import", map[string]any{
				"plan": map[string]any{"body_id": b.ID, "kind": "action", "title": fmt.Sprintf("科技活动周工作方案%d", w.next()), "year_from": 2022, "year_to": 2022},
				"text": previewText, "source_name": "方案.txt", "result": result(lead...)}
		}
	}
	preview := func(b *org.Body) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "POST", bp(b, "/plans/preview"), map[string]any{"text": previewText}
		}
	}
	review := func(b *org.Body) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "POST", bp(b, "/plans/review"), map[string]any{"result": result("市教育局")}
		}
	}
	rows = append(rows,
		row{"POST /api/v1/bodies/{id}/plans/preview", "A", fmt.Sprintf(manageA, "200"), preview(A)},
		row{"POST /api/v1/bodies/{id}/plans/preview", "A1", fmt.Sprintf(manageA1, "200"), preview(A1)},
		row{"POST /api/v1/bodies/{id}/plans/preview", "B", fmt.Sprintf(manageB, "200"), preview(B)},
		row{"POST /api/v1/bodies/{id}/plans/review", "A", fmt.Sprintf(manageA, "200"), review(A)},
		row{"POST /api/v1/bodies/{id}/plans/review", "A1", fmt.Sprintf(manageA1, "200"), review(A1)},
		row{"POST /api/v1/plans/import", "into A", fmt.Sprintf(manageA, "201"), importInto(A, "市教育局")},
		row{"POST /api/v1/plans/import", "into A1", fmt.Sprintf(manageA1, "201"), importInto(A1, "县教育局")},
		row{"POST /api/v1/plans/import", "into B", fmt.Sprintf(manageB, "201"), importInto(B)},
		// Only the receiving body's office assigns a task handed down to
		// it; the city office that handed it down sees the result (404
		// here, so that it cannot assign inside the county).
		row{"POST /api/v1/cascades/{id}/assign", "A's task handed to A1", "404 200 403 403 403 404 403 403 403 401", func(w *world) (string, string, any) {
			lead := w.eduA1.ID
			if w.next()%2 == 0 {
				lead = w.kexieA1.ID
			}
			return "POST", fmt.Sprintf("/api/v1/cascades/%d/assign", pl.cascadeA1.ID), map[string]any{"lead": []int64{lead}}
		}},
		row{"POST /api/v1/plans/{id}/keypoints", "A published", fmt.Sprintf(manageA, "201"), func(w *world) (string, string, any) {
			return "POST", pp(pl.pubA, "/keypoints"), map[string]any{"year": 2022 + w.next()%4, "item_ids": []int64{pl.taskX.ID}}
		}},
		row{"POST /api/v1/plans/{id}/keypoints", "A1 published", fmt.Sprintf(manageA1, "201"), func(w *world) (string, string, any) {
			return "POST", pp(pl.pubA1, "/keypoints"), map[string]any{"year": 2023, "item_ids": []int64{pl.taskA1.ID}}
		}},
	)
	return rows
}

// TestPlanAuthorizationMatrix sends every plan and task route as each user
// of the world and compares the status with the matrix (SECURITY.md B1,
// B3): 401 anonymous, 403 for the three administrators and for roles
// without the permission, 404 outside the user's scope, 403 for a reader
// who may not change what it reads. Every refusal of a logged-in user
// changes nothing and is audited as denied; every change that succeeds is
// audited and shows in the database; a read changes nothing.
func TestPlanAuthorizationMatrix(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newPlanWorld(t, dsn)
		rows := w.planRows()

		covered := map[string]bool{}
		for _, r := range rows {
			covered[r.route] = true
		}
		served := map[string]bool{}
		for _, rt := range w.a.Routes() {
			served[rt.Pattern] = true
			if isPlanRoute(rt.Pattern) && !covered[rt.Pattern] {
				t.Errorf("route %s has no row in the plans' authorization matrix", rt.Pattern)
			}
		}
		for route := range covered {
			if !served[route] {
				t.Errorf("the matrix has rows for %s, which the app does not serve", route)
			}
		}
		for _, r := range rows {
			want := strings.Fields(r.want)
			if len(want) != len(users) {
				t.Fatalf("%s (%s): %d expectations for %d users", r.route, r.of, len(want), len(users))
			}
			method, pattern, _ := strings.Cut(r.route, " ")
			fits := patternRegexp(pattern)
			for i, user := range users {
				m, path, body := r.req(w.world)
				if p, _, _ := strings.Cut(path, "?"); m != method || !fits.MatchString(p) {
					t.Fatalf("row %s (%s) sends %s %s", r.route, r.of, m, path)
				}
				before, denied, succeeded := w.planFingerprint(), w.auditCount("denied"), w.auditCount("success")
				status, resp := w.call(user, m, path, body)
				what := fmt.Sprintf("%s %s [%s] as %s", m, path, r.of, user)
				if strconv.Itoa(status) != want[i] {
					t.Errorf("%s: status %d, want %s: %.300s", what, status, want[i], resp)
					continue
				}
				unsafe := m != http.MethodGet && !pureRoutes[r.route]
				changed := w.planFingerprint() != before
				switch {
				case status >= 400 && changed:
					t.Errorf("%s: refused with %d but something changed", what, status)
				case status < 300 && !unsafe && changed:
					t.Errorf("%s: a read changed something", what)
				case status < 300 && unsafe && !changed:
					t.Errorf("%s: answered %d but nothing changed", what, status)
				}
				if unsafe && status < 300 && w.auditCount("success") <= succeeded {
					t.Errorf("%s: the change was not audited", what)
				}
				if (status == 403 || status == 404) && user != "anon" && w.auditCount("denied") <= denied {
					t.Errorf("%s: the %d refusal was not audited as denied", what, status)
				}
				if status >= 400 {
					if code, msg, _ := apiError(t, resp); code == "" || msg == "" {
						t.Errorf("%s: error without code or message: %s", what, resp)
					}
				}
			}
		}
	})
}
