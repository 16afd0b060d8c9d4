package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"liandong/internal/org"
	"liandong/internal/testkit"
)

// decodeJSON decodes a response body into v.
func decodeJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("response is not the expected JSON: %v: %s", err, body)
	}
}

// lastAudit is the newest audit row.
type auditRow struct{ Action, ObjectType, ObjectID, Outcome, Actor string }

func (w *world) lastAudit() auditRow {
	w.t.Helper()
	var a auditRow
	if err := w.a.DB.R().QueryRowContext(w.ctx, `SELECT action, object_type, object_id, outcome, actor_name
		FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&a.Action, &a.ObjectType, &a.ObjectID, &a.Outcome, &a.Actor); err != nil {
		w.t.Fatal(err)
	}
	return a
}

// TestRegistryObjectScope is the B3 table: a user reaching an object of
// another unit or body by its id gets 404, exactly like a missing object,
// nothing changes, and the refusal is in the audit log with the object it
// was aimed at.
func TestRegistryObjectScope(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		cases := []struct {
			name, user, method, path string
			body                     any
			objectType               string
			objectID                 int64
		}{
			{"liaison X edits liaison Y's entry", "liaisonX", "PATCH", fmt.Sprintf("/api/v1/liaisons/%d", w.ly.ID),
				map[string]any{"name": "冒名", "phone": "13900009999", "version": w.ly.Version}, "liaison", w.ly.ID},
			{"liaison X reads B's roster", "liaisonX", "GET", fmt.Sprintf("/api/v1/bodies/%d/roster", w.bodyB.ID), nil, "body", w.bodyB.ID},
			{"liaison X exports B's liaisons", "liaisonX", "GET", fmt.Sprintf("/api/v1/bodies/%d/liaisons.xlsx", w.bodyB.ID), nil, "body", w.bodyB.ID},
			{"liaison X reads B's liaison", "liaisonX", "GET", fmt.Sprintf("/api/v1/liaisons/%d", w.lz.ID), nil, "liaison", w.lz.ID},
			{"county office writes the city body", "officeA1", "PATCH", fmt.Sprintf("/api/v1/bodies/%d", w.bodyA.ID),
				map[string]any{"name": "改名", "version": w.bodyA.Version}, "body", w.bodyA.ID},
			{"county office edits a city seat", "officeA1", "PATCH", fmt.Sprintf("/api/v1/members/%d", w.seatA.ID),
				map[string]any{"person_name": "改名", "version": w.seatA.Version}, "body", w.bodyA.ID},
			{"city B office reads A", "officeB", "GET", fmt.Sprintf("/api/v1/bodies/%d", w.bodyA.ID), nil, "body", w.bodyA.ID},
			{"city B office deletes A's duty", "officeB", "DELETE", fmt.Sprintf("/api/v1/duties/%d?version=%d", w.dutyA.ID, w.dutyA.Version), nil, "duty", w.dutyA.ID},
			{"city A office ends B's membership", "officeA", "POST", fmt.Sprintf("/api/v1/member-units/%d/end", w.muB.ID),
				map[string]any{"left_on": "2025-01-01"}, "member_unit", w.muB.ID},
			{"leader reads the county", "leaderA", "GET", fmt.Sprintf("/api/v1/bodies/%d/duties", w.bodyA1.ID), nil, "body", w.bodyA1.ID},
		}
		for _, c := range cases {
			before := w.fingerprint()
			status, body := w.call(c.user, c.method, c.path, c.body)
			if status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404: %s", c.name, status, body)
				continue
			}
			if code, msg, _ := apiError(t, body); code != "not_found" || !strings.Contains(msg, "不存在或无权访问") {
				t.Errorf("%s: error %q %q, want not_found saying 不存在或无权访问", c.name, code, msg)
			}
			if w.fingerprint() != before {
				t.Errorf("%s: the registry changed", c.name)
			}
			// The member seat's denial names the seat, the others the object.
			got := w.lastAudit()
			wantType, wantID := c.objectType, fmt.Sprint(c.objectID)
			if c.name == "county office edits a city seat" {
				wantType, wantID = "member", fmt.Sprint(w.seatA.ID)
			}
			want := auditRow{Action: "access.denied", ObjectType: wantType, ObjectID: wantID, Outcome: "denied", Actor: strings.ToLower(c.user)}
			if got != want {
				t.Errorf("%s: last audit row %+v, want %+v", c.name, got, want)
			}
		}
		// Out of scope reads exactly like missing: the same answer.
		_, outside := w.call("officeB", "GET", fmt.Sprintf("/api/v1/bodies/%d", w.bodyA.ID), nil)
		_, missing := w.call("officeB", "GET", "/api/v1/bodies/999999", nil)
		_, m1, _ := apiError(t, outside)
		_, m2, _ := apiError(t, missing)
		if m1 != m2 {
			t.Errorf("out of scope says %q, missing says %q: existence shows", m1, m2)
		}
		// The city office reads its county.
		status, body := w.call("officeA", "GET", fmt.Sprintf("/api/v1/bodies/%d/roster", w.bodyA1.ID), nil)
		var r org.Roster
		if decodeJSON(t, body, &r); status != 200 || r.Body.ID != w.bodyA1.ID || len(r.Members) != 1 || r.Members[0].PersonName != "冯丽" {
			t.Errorf("city office reading its county's roster: %d %s", status, body)
		}
	})
}

// TestRegistryMassAssignment is B4: a request carrying a field the
// endpoint does not offer (an id, a version on create, a unit, a role, a
// status, a timestamp) is refused 422 naming the field, and nothing
// changes. A liaison editing their own entry cannot move it to another
// unit or deactivate it: those fields are kept.
func TestRegistryMassAssignment(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		A := w.bodyA
		unit := func(extra string, v any) map[string]any {
			return map[string]any{"region_id": w.cityA.ID, "name": "柳州市气象局", "kind": "institution", extra: v}
		}
		cases := []struct {
			user, method, path string
			body               map[string]any
			field              string
		}{
			{"officeA", "POST", "/api/v1/units", unit("id", 1), "id"},
			{"officeA", "POST", "/api/v1/units", unit("version", 7), "version"},
			{"officeA", "POST", "/api/v1/units", unit("created_at", "2020-01-01T00:00:00Z"), "created_at"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/units/%d", w.unitX.ID), map[string]any{"version": 1, "updated_at": "2020-01-01T00:00:00Z"}, "updated_at"},
			{"officeA", "POST", "/api/v1/bodies", map[string]any{"kind": "joint_conference", "name": "联席会议", "region_id": w.cityA.ID, "parent_id": A.ID, "id": 99}, "id"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/bodies/%d", A.ID), map[string]any{"name": "改名", "version": 1, "region_id": w.cityB.ID}, "region_id"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/bodies/%d", A.ID), map[string]any{"name": "改名", "version": 1, "parent_id": w.bodyB.ID}, "parent_id"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/bodies/%d", A.ID), map[string]any{"version": 1, "role": "system_admin"}, "role"},
			{"officeA", "POST", "/api/v1/regions", map[string]any{"code": "450291", "name": "新区", "level": "county", "parent_id": w.cityA.ID, "version": 1}, "version"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/regions/%d", w.cityA.ID), map[string]any{"name": "柳州", "version": 1, "code": "450300"}, "code"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/member-units", A.ID), map[string]any{"unit_id": w.kexieB.ID, "joined_on": "2024-01-01", "left_on": "2024-02-01"}, "left_on"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/member-units/%d/end", w.muA.ID), map[string]any{"left_on": "2025-01-01", "unit_id": w.unitZ.ID}, "unit_id"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/members", A.ID), map[string]any{"role": "member", "person_name": "甲", "term_start": "2024-01-01", "version": 3}, "version"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/members/%d", w.seatA.ID), map[string]any{"version": 1, "role": "leader"}, "role"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/members/%d", w.seatA.ID), map[string]any{"version": 1, "body_id": w.bodyB.ID}, "body_id"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/members/%d", w.seatA.ID), map[string]any{"version": 1, "term_end": "2021-01-01"}, "term_end"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/members/%d/replace", w.seatA.ID), map[string]any{"person_name": "乙", "on_date": "2024-01-01", "version": 1, "replaces_id": w.seatB.ID}, "replaces_id"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/members/%d/end", w.seatA.ID), map[string]any{"on_date": "2024-01-01", "version": 1, "unit_id": w.unitY.ID}, "unit_id"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/liaisons", A.ID), map[string]any{"unit_id": w.unitX.ID, "name": "丙", "active": false}, "active"},
			{"liaisonX", "PATCH", fmt.Sprintf("/api/v1/liaisons/%d", w.lx.ID), map[string]any{"name": "蒋文", "version": 1, "body_id": w.bodyB.ID}, "body_id"},
			{"liaisonX", "PATCH", fmt.Sprintf("/api/v1/liaisons/%d", w.lx.ID), map[string]any{"version": 1, "masked": true}, "masked"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/duties", A.ID), map[string]any{"scope": "common", "text": "丁", "id": w.dutyB.ID}, "id"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/duties/%d", w.dutyA.ID), map[string]any{"text": "戊", "version": 1, "body_id": w.bodyB.ID}, "body_id"},
			{"officeA", "PATCH", fmt.Sprintf("/api/v1/duties/%d", w.dutyA.ID), map[string]any{"text": "戊", "version": 1, "seq": 9}, "seq"},
			{"officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/duties/reorder", A.ID), map[string]any{"scope": "common", "ids": []int64{w.dutyA.ID}, "body_id": w.bodyB.ID}, "body_id"},
		}
		for _, c := range cases {
			before := w.fingerprint()
			status, body := w.call(c.user, c.method, c.path, c.body)
			what := fmt.Sprintf("%s %s with %q as %s", c.method, c.path, c.field, c.user)
			if status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422: %s", what, status, body)
				continue
			}
			if code, _, fields := apiError(t, body); code != "invalid" || !strings.Contains(fields[c.field], c.field) {
				t.Errorf("%s: error %s does not name the field", what, body)
			}
			if w.fingerprint() != before {
				t.Errorf("%s: the registry changed", what)
			}
		}

		// Field-level: the liaison's own entry keeps its unit and state.
		status, body := w.call("liaisonX", "PATCH", fmt.Sprintf("/api/v1/liaisons/%d", w.lx.ID),
			map[string]any{"name": "蒋文华", "unit_id": w.unitY.ID, "active": false, "version": w.lx.Version})
		if status != http.StatusOK {
			t.Fatalf("liaison editing own entry: %d %s", status, body)
		}
		l, err := org.FindLiaisonByID(w.ctx, w.a.DB.R(), w.lx.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Name != "蒋文华" || l.UnitID != w.unitX.ID || !l.Active {
			t.Errorf("after the liaison's own edit: name %q unit %d active %v; want 蒋文华, unit X, still active", l.Name, l.UnitID, l.Active)
		}
	})
}

// TestRegistryAPI walks what an office does through the API: partial
// updates that keep the other fields, a stale version refused, Chinese
// field errors, paging and search, the roster on a date after a
// replacement, masked contacts, scoped lists, and XLSX exports.
func TestRegistryAPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		A := w.bodyA
		bodyURL := fmt.Sprintf("/api/v1/bodies/%d", A.ID)

		t.Run("patch changes only what it names, once", func(t *testing.T) {
			status, body := w.call("officeA", "PATCH", bodyURL, map[string]any{"doc_prefix": "柳科组发", "version": A.Version})
			var b org.Body
			if decodeJSON(t, body, &b); status != 200 || b.DocPrefix != "柳科组发" || b.Name != A.Name || b.OfficeDept != A.OfficeDept ||
				b.OfficeUnitID != A.OfficeUnitID || b.Version != A.Version+1 {
				t.Fatalf("PATCH: %d %s", status, body)
			}
			// The same request again carries a version that is now stale.
			status, body = w.call("officeA", "PATCH", bodyURL, map[string]any{"doc_prefix": "别的前缀", "version": A.Version})
			if code, msg, _ := apiError(t, body); status != http.StatusConflict || code != "conflict" || !strings.Contains(msg, "已被他人修改") {
				t.Errorf("stale PATCH: %d %s", status, body)
			}
			status, body = w.call("officeA", "PATCH", bodyURL, map[string]any{"doc_prefix": "别的前缀"})
			if _, _, fields := apiError(t, body); status != 422 || fields["version"] == "" {
				t.Errorf("PATCH without version: %d %s", status, body)
			}
			if got, _ := org.FindBodyByID(w.ctx, w.a.DB.R(), A.ID); got.DocPrefix != "柳科组发" {
				t.Errorf("doc prefix %q after the refused updates", got.DocPrefix)
			}
		})

		t.Run("field errors in Chinese", func(t *testing.T) {
			status, body := w.call("officeA", "POST", "/api/v1/units", map[string]any{"region_id": w.cityA.ID, "name": "  ", "kind": "ministry"})
			_, _, fields := apiError(t, body)
			if status != 422 || !strings.Contains(fields["name"], "单位名称") || !strings.Contains(fields["kind"], "单位类别") {
				t.Errorf("invalid unit: %d %s", status, body)
			}
			status, body = w.call("officeA", "GET", fmt.Sprintf("/api/v1/bodies/%d/roster?date=2021-13-01", A.ID), nil)
			if _, _, fields := apiError(t, body); status != 422 || !strings.Contains(fields["date"], "YYYY-MM-DD") {
				t.Errorf("bad date: %d %s", status, body)
			}
			status, body = w.call("officeA", "GET", "/api/v1/units?region_id=柳州", nil)
			if _, _, fields := apiError(t, body); status != 422 || fields["region_id"] == "" {
				t.Errorf("bad region_id: %d %s", status, body)
			}
			status, body = w.call("officeA", "DELETE", fmt.Sprintf("/api/v1/duties/%d", w.dutyA.ID), nil)
			if _, _, fields := apiError(t, body); status != 422 || fields["version"] == "" {
				t.Errorf("DELETE without version: %d %s", status, body)
			}
			status, body = w.call("officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/duties/reorder", A.ID), map[string]any{"scope": "common", "ids": []int64{w.dutyA.ID}})
			if status != http.StatusConflict {
				t.Errorf("reorder with part of the list: %d %s", status, body)
			}
			status, body = w.call("officeA", "POST", "/api/v1/units", map[string]any{"region_id": "柳州"})
			if _, _, fields := apiError(t, body); status != 422 || fields["region_id"] == "" {
				t.Errorf("mistyped field: %d %s", status, body)
			}
		})

		t.Run("create, locate, page and search units", func(t *testing.T) {
			var firstLocation string
			for i := 1; i <= 3; i++ {
				req, _ := http.NewRequest("POST", w.srv.URL+"/api/v1/units", strings.NewReader(
					fmt.Sprintf(`{"region_id": %d, "name": "柳州市测试局%d", "short_name": "测试%d", "kind": "government", "aliases": ["测试别名%d"]}`, w.cityA.ID, i, i, i)))
				req.Header.Set("Authorization", "Bearer "+w.tokens["officeA"])
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 201 || !strings.HasPrefix(resp.Header.Get("Location"), "/api/v1/units/") {
					t.Fatalf("create unit %d: %d, Location %q", i, resp.StatusCode, resp.Header.Get("Location"))
				}
				if i == 1 {
					firstLocation = resp.Header.Get("Location")
				}
			}
			status, body := w.call("liaisonY", "GET", firstLocation, nil)
			var u org.Unit
			if decodeJSON(t, body, &u); status != 200 || u.Name != "柳州市测试局1" || !slices.Equal(u.Aliases, []string{"测试别名1"}) {
				t.Errorf("GET %s: %d %s", firstLocation, status, body)
			}
			var page struct {
				Items                []org.Unit
				Total, Offset, Limit int
			}
			_, body = w.call("liaisonY", "GET", "/api/v1/units?q=测试局&limit=2", nil)
			if decodeJSON(t, body, &page); page.Total != 3 || len(page.Items) != 2 || page.Limit != 2 || page.Offset != 0 {
				t.Errorf("first page: %s", body)
			}
			_, body = w.call("liaisonY", "GET", "/api/v1/units?q=测试局&limit=2&offset=2", nil)
			if decodeJSON(t, body, &page); page.Total != 3 || len(page.Items) != 1 || page.Items[0].Name != "柳州市测试局3" {
				t.Errorf("second page: %s", body)
			}
			_, body = w.call("liaisonY", "GET", "/api/v1/units?q=测试别名2", nil)
			if decodeJSON(t, body, &page); page.Total != 1 || page.Items[0].Name != "柳州市测试局2" {
				t.Errorf("search by alias: %s", body)
			}
			_, body = w.call("liaisonY", "GET", fmt.Sprintf("/api/v1/units?kind=people_org&region_id=%d", w.cityB.ID), nil)
			if decodeJSON(t, body, &page); page.Total != 1 || page.Items[0].ID != w.kexieB.ID {
				t.Errorf("filter by kind and region: %s", body)
			}
		})

		t.Run("roster on a date after a replacement", func(t *testing.T) {
			status, body := w.call("officeA", "POST", fmt.Sprintf("/api/v1/members/%d/replace", w.seatA.ID),
				map[string]any{"person_name": "孙立", "position": "市教育局局长", "unit_id": w.unitX.ID, "on_date": "2024-06-01", "version": w.version("members", w.seatA.ID)})
			var m org.Member
			if decodeJSON(t, body, &m); status != 201 || m.ReplacesID != w.seatA.ID || m.TermStart != "2024-06-01" {
				t.Fatalf("replace: %d %s", status, body)
			}
			names := func(date string) []string {
				_, body := w.call("leaderA", "GET", fmt.Sprintf("/api/v1/bodies/%d/members?date=%s", A.ID, date), nil)
				var l struct{ Items []org.Member }
				decodeJSON(t, body, &l)
				var out []string
				for _, m := range l.Items {
					out = append(out, m.PersonName)
				}
				return out
			}
			if got := names("2024-05-31"); !slices.Equal(got, []string{"周建国", "吴晓东"}) {
				t.Errorf("seats on 2024-05-31: %v", got)
			}
			if got := names("2024-06-01"); !slices.Equal(got, []string{"周建国", "孙立"}) {
				t.Errorf("seats on 2024-06-01: %v", got)
			}
			_, body = w.call("leaderA", "GET", fmt.Sprintf("/api/v1/bodies/%d/history", A.ID), nil)
			var h struct{ Items []org.Seat }
			decodeJSON(t, body, &h)
			found := false
			for _, s := range h.Items {
				if len(s.Holders) == 2 && s.Holders[0].PersonName == "吴晓东" && s.Holders[1].PersonName == "孙立" &&
					s.Holders[0].ReplacedByID == m.ID {
					found = true
				}
			}
			if !found {
				t.Errorf("history does not show 吴晓东 → 孙立: %s", body)
			}
			// An empty roster group is an empty array, not null.
			_, body = w.call("officeA", "GET", fmt.Sprintf("/api/v1/bodies/%d/roster?date=2000-01-01", A.ID), nil)
			if !strings.Contains(string(body), `"leaders":[]`) || !strings.Contains(string(body), `"member_units":[]`) {
				t.Errorf("roster before anyone was seated: %s", body)
			}
		})

		t.Run("contacts are masked outside the office and the unit", func(t *testing.T) {
			for user, masked := range map[string]bool{"officeA": false, "liaisonX": false, "liaisonY": true, "leaderA": true} {
				_, body := w.call(user, "GET", fmt.Sprintf("/api/v1/liaisons/%d", w.lx.ID), nil)
				var l org.Liaison
				decodeJSON(t, body, &l)
				wantPhone := "13800001111"
				if masked {
					wantPhone = "138****1111"
				}
				if l.Masked != masked || l.Phone != wantPhone {
					t.Errorf("%s reads X's liaison: masked %v phone %q, want %v %q", user, l.Masked, l.Phone, masked, wantPhone)
				}
			}
		})

		t.Run("each user lists exactly their bodies", func(t *testing.T) {
			want := map[string][]int64{
				"officeA": {A.ID, w.bodyA1.ID}, "officeA1": {w.bodyA1.ID}, "leaderA": {A.ID},
				"liaisonX": {A.ID}, "liaisonY": {A.ID}, "officeB": {w.bodyB.ID, w.bodyB1.ID},
			}
			for user, ids := range want {
				status, body := w.call(user, "GET", "/api/v1/bodies", nil)
				var l struct {
					Items []org.Body
					Total int
				}
				decodeJSON(t, body, &l)
				var got []int64
				for _, b := range l.Items {
					got = append(got, b.ID)
				}
				if status != 200 || !slices.Equal(got, ids) || l.Total != len(ids) {
					t.Errorf("%s lists bodies %v (total %d), want %v", user, got, l.Total, ids)
				}
			}
		})

		t.Run("exports are real workbooks, masked like the screen", func(t *testing.T) {
			fetch := func(user, path string) (*excelize.File, http.Header) {
				req, _ := http.NewRequest("GET", w.srv.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+w.tokens[user])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(resp.Body)
				if resp.StatusCode != 200 {
					t.Fatalf("%s: %d %s", path, resp.StatusCode, buf.String())
				}
				f, err := excelize.OpenReader(&buf)
				if err != nil {
					t.Fatalf("%s is not an XLSX workbook: %v", path, err)
				}
				return f, resp.Header
			}
			f, h := fetch("leaderA", fmt.Sprintf("/api/v1/bodies/%d/roster.xlsx?date=2021-01-01", A.ID))
			if h.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
				h.Get("Content-Disposition") != fmt.Sprintf(`attachment; filename="roster-%d-2021-01-01.xlsx"`, A.ID) {
				t.Errorf("roster download headers: %v", h)
			}
			rows, err := f.GetRows("成员名单")
			if err != nil {
				t.Fatal(err)
			}
			text := fmt.Sprint(rows)
			if !strings.Contains(text, "周建国") || !strings.Contains(text, "2021-01-01") {
				t.Errorf("roster workbook: %v", rows)
			}
			if a := w.lastAudit(); a.Action != "export.roster" || a.ObjectID != fmt.Sprint(A.ID) || a.Actor != "leadera" {
				t.Errorf("the roster export was not audited: %+v", a)
			}
			f, _ = fetch("liaisonY", fmt.Sprintf("/api/v1/bodies/%d/liaisons.xlsx", A.ID))
			rows, err = f.GetRows("联络员名单")
			if err != nil {
				t.Fatal(err)
			}
			text = fmt.Sprint(rows)
			if !strings.Contains(text, "138****1111") || strings.Contains(text, "13800001111") || !strings.Contains(text, "13800002222") {
				t.Errorf("liaison workbook for liaison Y should mask X's phone and show Y's own: %v", rows)
			}
		})
	})
}
