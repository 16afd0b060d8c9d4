package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"liandong/internal/plan"
	"liandong/internal/testkit"
)

// TestPlanObjectScope is B3 for plans: a user reaching a plan, item, goal,
// cascade or task list of another unit or body by its id gets 404, exactly
// like a missing one; nothing changes; the refusal is in the audit log
// with the object it was aimed at. A liaison never reads a draft; a county
// office stays in its subtree; the city office reads its county's plans
// but does not change them (403, audited too).
func TestPlanObjectScope(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newPlanWorld(t, dsn)
		A, A1, B := w.bodyA, w.bodyA1, w.bodyB
		cases := []struct {
			name, user, method, path string
			body                     any
			status                   int
			objectType               string
			objectID                 int64
		}{
			{"liaison X reads a draft's item by id", "liaisonX", "GET", fmt.Sprintf("/api/v1/items/%d", w.taskDraft.ID), nil, 404, "plan_item", w.taskDraft.ID},
			{"liaison Y reads the draft", "liaisonY", "GET", fmt.Sprintf("/api/v1/plans/%d", w.draftA.ID), nil, 404, "plan", w.draftA.ID},
			{"liaison X reads the draft's table", "liaisonX", "GET", fmt.Sprintf("/api/v1/plans/%d/items", w.draftA.ID), nil, 404, "plan", w.draftA.ID},
			{"liaison X reads unit Y's tasks", "liaisonX", "GET", fmt.Sprintf("/api/v1/bodies/%d/units/%d/tasks", A.ID, w.unitY.ID), nil, 404, "unit_tasks", w.unitY.ID},
			{"liaison X reads B's plans", "liaisonX", "GET", fmt.Sprintf("/api/v1/bodies/%d/plans", B.ID), nil, 404, "body", B.ID},
			{"liaison X reads the tasks handed to A", "liaisonX", "GET", fmt.Sprintf("/api/v1/bodies/%d/inbound", A.ID), nil, 404, "body", A.ID},
			{"liaison X edits the draft's item", "liaisonX", "PUT", fmt.Sprintf("/api/v1/items/%d", w.taskDraft.ID),
				map[string]any{"title": "改名", "version": w.taskDraft.Version}, 404, "plan_item", w.taskDraft.ID},
			{"county office reads the city's plan", "officeA1", "GET", fmt.Sprintf("/api/v1/plans/%d", w.pubA.ID), nil, 404, "plan", w.pubA.ID},
			{"county office lists the city's plans", "officeA1", "GET", fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID), nil, 404, "body", A.ID},
			{"county office edits the city's task", "officeA1", "PUT", fmt.Sprintf("/api/v1/items/%d", w.taskY.ID),
				map[string]any{"title": "改名", "version": w.taskY.Version}, 404, "plan_item", w.taskY.ID},
			{"county office records on the city's goal", "officeA1", "POST", fmt.Sprintf("/api/v1/goals/%d/measures", w.goalA.ID),
				map[string]any{"region_id": w.countyA1.ID, "year": 2023, "value": 9}, 404, "goal", w.goalA.ID},
			{"county office imports into the city", "officeA1", "POST", "/api/v1/plans/import", map[string]any{
				"plan":   map[string]any{"body_id": A.ID, "kind": "action", "title": "方案", "year_from": 2022, "year_to": 2022},
				"result": map[string]any{"items": []map[string]any{{"path": []string{"1."}, "kind": "task", "title": "任务"}}}}, 404, "body", A.ID},
			{"city office assigns inside the county", "officeA", "POST", fmt.Sprintf("/api/v1/cascades/%d/assign", w.cascadeA1.ID),
				map[string]any{"lead": []int64{w.eduA1.ID}}, 404, "cascade", w.cascadeA1.ID},
			{"city B office reads A's history", "officeB", "GET", fmt.Sprintf("/api/v1/plans/%d/history", w.pubA.ID), nil, 404, "plan", w.pubA.ID},
			{"city B office closes A's task", "officeB", "POST", fmt.Sprintf("/api/v1/items/%d/status", w.taskY.ID),
				map[string]any{"status": "cancelled", "reason": "不做了", "version": w.taskY.Version}, 404, "plan_item", w.taskY.ID},
			{"leader reads the county's plan", "leaderA", "GET", fmt.Sprintf("/api/v1/plans/%d/items", w.pubA1.ID), nil, 404, "plan", w.pubA1.ID},

			{"city office edits the county's plan", "officeA", "PATCH", fmt.Sprintf("/api/v1/plans/%d", w.pubA1.ID),
				map[string]any{"title": "改名", "version": w.pubA1.Version}, 403, "plan", w.pubA1.ID},
			{"liaison X edits the published plan", "liaisonX", "PUT", fmt.Sprintf("/api/v1/plans/%d/phases", w.pubA.ID),
				map[string]any{"phases": []any{}}, 403, "plan", w.pubA.ID},
		}
		for _, c := range cases {
			before := w.planFingerprint()
			status, body := w.call(c.user, c.method, c.path, c.body)
			if status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, status, c.status, body)
				continue
			}
			if code, msg, _ := apiError(t, body); c.status == 404 && (code != "not_found" || !strings.Contains(msg, "不存在或无权访问")) {
				t.Errorf("%s: error %q %q, want not_found saying 不存在或无权访问", c.name, code, msg)
			}
			if w.planFingerprint() != before {
				t.Errorf("%s: something changed", c.name)
			}
			want := auditRow{Action: "access.denied", ObjectType: c.objectType, ObjectID: fmt.Sprint(c.objectID), Outcome: "denied", Actor: strings.ToLower(c.user)}
			if got := w.lastAudit(); got != want {
				t.Errorf("%s: last audit row %+v, want %+v", c.name, got, want)
			}
		}
		// The city office does read its county's plan and the tasks handed down.
		if status, _ := w.call("officeA", "GET", fmt.Sprintf("/api/v1/plans/%d/items", w.pubA1.ID), nil); status != 200 {
			t.Errorf("the city office reading its county's plan: %d", status)
		}
		if status, _ := w.call("officeA", "GET", fmt.Sprintf("/api/v1/bodies/%d/inbound", A1.ID), nil); status != 200 {
			t.Errorf("the city office reading its county's inbound tasks: %d", status)
		}
		// A list shows a liaison only what it may read: no draft.
		_, body := w.call("liaisonX", "GET", fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID), nil)
		var l listJSON[plan.Plan]
		decodeJSON(t, body, &l)
		for _, p := range l.Items {
			if p.Status == plan.Draft && p.UnitID != w.unitX.ID {
				t.Errorf("liaison X lists the draft %q", p.Title)
			}
		}
		if l.Total != 1 || l.Items[0].ID != w.pubA.ID {
			t.Errorf("liaison X lists %d plans: %s", l.Total, body)
		}
	})
}

// TestPlanMassAssignment is B4 for plans: a request carrying a field the
// endpoint does not offer (the status, the body, an owner, an id, a
// version on create, a revision, a timestamp), at the top or inside a
// nested object, is refused 422 naming the field, and nothing changes.
func TestPlanMassAssignment(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newPlanWorld(t, dsn)
		A := w.bodyA
		newPlan := func(extra string, v any) map[string]any {
			return map[string]any{"kind": "action", "title": "专项方案", "year_from": 2022, "year_to": 2022, extra: v}
		}
		item := func(extra string, v any) map[string]any {
			return map[string]any{"title": "新任务", "lead": []int64{w.unitX.ID}, extra: v}
		}
		plansURL := fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID)
		planURL := fmt.Sprintf("/api/v1/plans/%d", w.draftA.ID)
		itemURL := fmt.Sprintf("/api/v1/items/%d", w.taskDraft.ID)
		importBody := func(planExtra map[string]any, mapping map[string]any) map[string]any {
			p := map[string]any{"body_id": A.ID, "kind": "action", "title": "方案", "year_from": 2022, "year_to": 2022}
			for k, v := range planExtra {
				p[k] = v
			}
			b := map[string]any{"plan": p, "result": map[string]any{"items": []map[string]any{{"path": []string{"1."}, "kind": "task", "title": "任务"}}}}
			if mapping != nil {
				b["mappings"] = []any{mapping}
			}
			return b
		}
		cases := []struct {
			user, method, path string
			body               map[string]any
			field              string
		}{
			{"officeA", "POST", plansURL, newPlan("status", "published"), "status"},
			{"officeA", "POST", plansURL, newPlan("body_id", w.bodyB.ID), "body_id"},
			{"officeA", "POST", plansURL, newPlan("id", 1), "id"},
			{"officeA", "POST", plansURL, newPlan("version", 5), "version"},
			{"officeA", "POST", plansURL, newPlan("created_at", 0), "created_at"},
			{"liaisonX", "POST", plansURL, newPlan("revision", 3), "revision"},
			{"officeA", "PATCH", planURL, map[string]any{"title": "改名", "version": 1, "status": "published"}, "status"},
			{"officeA", "PATCH", planURL, map[string]any{"title": "改名", "version": 1, "unit_id": w.unitX.ID}, "unit_id"},
			{"officeA", "PATCH", planURL, map[string]any{"title": "改名", "version": 1, "body_id": w.bodyB.ID}, "body_id"},
			{"officeA", "PATCH", planURL, map[string]any{"version": 1, "published_at": 1700000000}, "published_at"},
			{"officeA", "POST", planURL + "/publish", map[string]any{"version": 1, "status": "archived"}, "status"},
			{"officeA", "POST", planURL + "/items", item("version", 9), "version"},
			{"officeA", "POST", planURL + "/items", item("status", "closed"), "status"},
			{"officeA", "POST", planURL + "/items", item("plan_id", w.pubB.ID), "plan_id"},
			{"officeA", "POST", planURL + "/items", item("targets", []map[string]any{{"text": "不少于10场", "id": 4}}), "id"},
			{"officeA", "PUT", itemURL, item("parent_id", w.sectionA.ID), "parent_id"},
			{"officeA", "PUT", itemURL, map[string]any{"title": "改名", "version": 1, "status": "cancelled"}, "status"},
			{"officeA", "PUT", itemURL, map[string]any{"title": "改名", "version": 1, "assignments": []any{}}, "assignments"},
			{"officeA", "POST", itemURL + "/status", map[string]any{"status": "closed", "reason": "完成", "version": 1, "title": "改名"}, "title"},
			{"officeA", "PUT", planURL + "/phases", map[string]any{"phases": []map[string]any{{"name": "动员", "starts_on": "2021-01-01", "ends_on": "2021-03-31", "id": 7}}}, "id"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/goals", w.pubA.ID), map[string]any{"metric": "比例", "comparator": ">=", "value": 1, "year": 2025, "plan_id": w.pubB.ID}, "plan_id"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/goals/%d/measures", w.goalA.ID), map[string]any{"region_id": w.cityA.ID, "year": 2023, "value": 1, "met": true}, "met"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/keypoints", w.pubA.ID), map[string]any{"year": 2022, "item_ids": []int64{w.taskX.ID}, "kind": "outline"}, "kind"},
			{"officeA", "POST", "/api/v1/plans/import", importBody(map[string]any{"unit_id": w.unitX.ID}, nil), "unit_id"},
			{"officeA", "POST", "/api/v1/plans/import", importBody(map[string]any{"status": "published"}, nil), "status"},
			{"officeA", "POST", "/api/v1/plans/import", importBody(nil, map[string]any{"written": "市青少年宫", "create": true, "region_id": w.cityB.ID}), "region_id"},
			{"officeA1", "POST", fmt.Sprintf("/api/v1/cascades/%d/assign", w.cascadeA1.ID), map[string]any{"lead": []int64{w.eduA1.ID}, "body_id": A.ID}, "body_id"},
			{"officeA1", "POST", fmt.Sprintf("/api/v1/cascades/%d/assign", w.cascadeA1.ID), map[string]any{"lead": []int64{w.eduA1.ID}, "status": "received"}, "status"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans/preview", A.ID), map[string]any{"text": liuzhouPlan, "body_id": w.bodyB.ID}, "body_id"},
		}
		for _, c := range cases {
			before := w.planFingerprint()
			status, body := w.call(c.user, c.method, c.path, c.body)
			what := fmt.Sprintf("%s %s with %q as %s", c.method, c.path, c.field, c.user)
			if status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422: %s", what, status, body)
				continue
			}
			if code, _, fields := apiError(t, body); code != "invalid" || !strings.Contains(fields[c.field], c.field) {
				t.Errorf("%s: error %s does not name the field", what, body)
			}
			if w.planFingerprint() != before {
				t.Errorf("%s: something changed", what)
			}
		}
	})
}

// TestPlanWorkflowOverHTTP is B5: the whole (state × action × user) table
// of a plan's life over HTTP. Only the body's office publishes a draft,
// archives a published plan and deletes a draft; every other combination
// is refused (409 for an illegal step, 403 for a reader without the right,
// 404 for one who cannot see the plan) and leaves the plan as it was.
func TestPlanWorkflowOverHTTP(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newPlanWorld(t, dsn)
		type step struct{ action, method string }
		steps := []step{{"publish", "POST"}, {"archive", "POST"}, {"delete", "DELETE"}}
		legal := map[plan.Status]string{plan.Draft: "publish delete", plan.Published: "archive"}
		// What a user who may not take a step gets, by the plan's state:
		// the county office and city B cannot see city A's plans; a liaison
		// sees published ones only; the leader's role may not write at all.
		refusal := func(user string, st plan.Status, legalStep bool) int {
			switch {
			case user == "officeA1" || user == "officeB":
				return 404
			case user == "leaderA":
				return 403
			case user == "liaisonX" && st == plan.Draft:
				return 404
			case user == "liaisonX":
				return 403
			case legalStep:
				return 0 // the office, legal: done
			}
			return 409
		}
		for _, from := range []plan.Status{plan.Draft, plan.Published, plan.Archived} {
			for _, s := range steps {
				for _, user := range []string{"officeA", "leaderA", "liaisonX", "officeA1", "officeB"} {
					p := w.freshDraft("officeA", w.bodyA)
					if from != plan.Draft {
						p = w.mustPublish(w.as("officeA"), p)
					}
					if from == plan.Archived {
						var err error
						if p, err = w.svc.SetStatus(w.as("officeA"), p.ID, p.Version, plan.Archived); err != nil {
							t.Fatal(err)
						}
					}
					path := fmt.Sprintf("/api/v1/plans/%d/%s", p.ID, s.action)
					var body any = map[string]any{"version": p.Version}
					if s.action == "delete" {
						path, body = fmt.Sprintf("/api/v1/plans/%d?version=%d", p.ID, p.Version), nil
					}
					isLegal := strings.Contains(legal[from], s.action)
					want := refusal(user, from, isLegal)
					status, resp := w.call(user, s.method, path, body)
					what := fmt.Sprintf("%s a %s plan as %s", s.action, from, user)
					if want == 0 {
						if status >= 300 {
							t.Errorf("%s: %d %s", what, status, resp)
						}
						continue
					}
					if status != want {
						t.Errorf("%s: status %d, want %d: %s", what, status, want, resp)
					}
					st, v := w.planStatus(p.ID)
					if st != from || v != p.Version {
						t.Errorf("%s: refused, yet the plan is now %s version %d (was %s %d)", what, st, v, from, p.Version)
					}
				}
			}
		}
	})
}
