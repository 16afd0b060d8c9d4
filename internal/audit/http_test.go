package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liandong/internal/app"
	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/testkit"
)

const testPassword = "Xq7#pLm2vR9k"

// world is a running application with one account per role that matters
// here, and a body and unit for the business accounts.
type world struct {
	t     *testing.T
	dsn   string
	app   *app.App
	base  string
	clock *core.FakeClock
	users map[string]*auth.User
}

func newWorld(t *testing.T, dsn string) *world {
	t.Helper()
	clock := core.NewFakeClock(time.Now().Truncate(time.Second))
	a, srv := testkit.StartApp(t, dsn, app.Config{Clock: clock})
	w := &world{t: t, dsn: dsn, app: a, base: srv.URL, clock: clock, users: map[string]*auth.User{}}
	// The administrators' second factor is tested with the login; here it
	// would only stand between the test and the audit pages.
	pol := auth.DefaultPolicy
	pol.AdminMFA = false
	raw, _ := json.Marshal(pol)
	err := a.DB.InTx(context.Background(), func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO settings (key, value, updated_at) VALUES ('security.policy', $1, 0)`, []any{string(raw)}},
			{`INSERT INTO regions (id, code, name, level) VALUES (1, '450200', '柳州市', 'city')`, nil},
			{`INSERT INTO units (id, region_id, name, short_name, kind, created_at, updated_at)
				VALUES (1, 1, '柳州市教育局', '市教育局', 'government', 0, 0)`, nil},
			{`INSERT INTO bodies (id, kind, name, region_id, created_at, updated_at)
				VALUES (1, 'leading_group', '柳州市全民科学素质工作领导小组', 1, 0, 0)`, nil},
		} {
			if _, err := tx.ExecContext(context.Background(), q.sql, q.args...); err != nil {
				return fmt.Errorf("%s: %w", q.sql, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []auth.NewUser{
		{Username: "auditor", DisplayName: "审计员甲", Role: core.RoleAuditAdmin},
		{Username: "secadmin", DisplayName: "安全员乙", Role: core.RoleSecurityAdmin},
		{Username: "sysadmin", DisplayName: "系统员丙", Role: core.RoleSystemAdmin},
		{Username: "office1", DisplayName: "李明", Role: core.RoleOffice, BodyIDs: []int64{1}},
		{Username: "liaison1", DisplayName: "王芳", Role: core.RoleLiaison, UnitID: 1, BodyIDs: []int64{1}},
		{Username: "locked1", DisplayName: "赵强", Role: core.RoleLiaison, UnitID: 1, BodyIDs: []int64{1}},
	} {
		n.Password = testPassword
		u, err := a.Auth.CreateUser(context.Background(), n)
		if err != nil {
			t.Fatalf("create %s: %v", n.Username, err)
		}
		w.users[n.Username] = u
	}
	return w
}

// login returns a client logged in as username.
func (w *world) login(username string) *testkit.Client {
	w.t.Helper()
	c := testkit.NewClient(w.t, w.base)
	c.Login(username, testPassword)
	return c
}

func (w *world) lastID() int64 {
	w.t.Helper()
	id, err := audit.LastID(context.Background(), w.app.DB.R())
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// since returns the audit rows written after id, oldest first.
func (w *world) since(id int64) []audit.Entry {
	w.t.Helper()
	es, _, err := audit.Find(context.Background(), w.app.DB.R(), audit.Filter{Ascending: true,
		Page: core.Page{Limit: core.MaxPageSize}})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []audit.Entry
	for _, e := range es {
		if e.ID > id {
			out = append(out, e)
		}
	}
	return out
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// TestEventCoverage is SECURITY.md C1 with the record checks of C2: each
// action, driven through HTTP as a person or a script would, leaves exactly
// one audit row of its type and outcome, and that row says when (UTC), from
// where, in which request, who (id, name, role, unit), on what, and how it
// ended.
func TestEventCoverage(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		auditor := w.login("auditor")
		liaison := w.login("liaison1")
		secadmin := w.login("secadmin")
		var someRow int64

		type result struct {
			resp *http.Response
			body string
		}
		cases := []struct {
			name    string
			setup   func()
			act     func() result
			status  int
			action  string
			outcome string
			actor   string // username the row must name ("" for none)
			object  func() string
		}{
			{name: "login succeeds",
				act: func() result {
					c := testkit.NewClient(t, w.base)
					code, body := c.TryLogin("office1", testPassword)
					return result{&http.Response{StatusCode: code, Header: http.Header{}}, body}
				},
				status: http.StatusSeeOther, action: "auth.login", outcome: audit.Success, actor: "office1",
				object: func() string { return fmt.Sprint(w.users["office1"].ID) }},
			{name: "login fails",
				act: func() result {
					c := testkit.NewClient(t, w.base)
					code, body := c.TryLogin("office1", "wrong-"+testPassword)
					return result{&http.Response{StatusCode: code, Header: http.Header{}}, body}
				},
				status: http.StatusUnauthorized, action: "auth.login", outcome: audit.Failure, actor: "office1",
				object: func() string { return fmt.Sprint(w.users["office1"].ID) }},
			{name: "logout",
				act: func() result {
					c := w.login("office1")
					resp, body := c.Post("/logout", nil)
					return result{resp, body}
				},
				status: http.StatusSeeOther, action: "auth.logout", outcome: audit.Success, actor: "office1",
				object: func() string { return fmt.Sprint(w.users["office1"].ID) }},
			{name: "fifth failure locks the account",
				setup: func() {
					c := testkit.NewClient(t, w.base)
					for i := 0; i < 4; i++ {
						c.TryLogin("locked1", "wrong")
					}
				},
				act: func() result {
					c := testkit.NewClient(t, w.base)
					code, body := c.TryLogin("locked1", "wrong")
					return result{&http.Response{StatusCode: code, Header: http.Header{}}, body}
				},
				action: "auth.lock", outcome: audit.Success, actor: "locked1",
				object: func() string { return fmt.Sprint(w.users["locked1"].ID) }},
			{name: "denied request",
				act: func() result {
					resp, body := liaison.Get("/audit")
					return result{resp, body}
				},
				status: http.StatusForbidden, action: "access.denied", outcome: audit.Denied, actor: "liaison1",
				object: func() string { return "GET /audit" }},
			{name: "audit search (page)",
				act: func() result {
					resp, body := auditor.Get("/audit?action=auth.*&outcome=failure")
					return result{resp, body}
				},
				status: http.StatusOK, action: "audit.search", outcome: audit.Success, actor: "auditor"},
			{name: "audit view (page)",
				setup: func() { someRow = w.lastID() },
				act: func() result {
					resp, body := auditor.Get(fmt.Sprintf("/audit/%d", someRow))
					return result{resp, body}
				},
				status: http.StatusOK, action: "audit.view", outcome: audit.Success, actor: "auditor",
				object: func() string { return fmt.Sprint(someRow) }},
			{name: "audit export (page)",
				act: func() result {
					resp, body := auditor.Get("/audit/export.xlsx?actor=office1")
					return result{resp, body}
				},
				status: http.StatusOK, action: "audit.export", outcome: audit.Success, actor: "auditor"},
			{name: "audit search (API)",
				act: func() result {
					resp, body := auditor.Get("/api/v1/audit?object_type=user&limit=5")
					return result{resp, body}
				},
				status: http.StatusOK, action: "audit.search", outcome: audit.Success, actor: "auditor"},
			{name: "audit export (API)",
				act: func() result {
					resp, body := auditor.Get("/api/v1/audit/export.xlsx?outcome=denied")
					return result{resp, body}
				},
				status: http.StatusOK, action: "audit.export", outcome: audit.Success, actor: "auditor"},
			{name: "system admin creates an account",
				act: func() result {
					resp, body := w.login("sysadmin").Post("/admin/users", url.Values{"username": {"zhouxue"},
						"display_name": {"周雪"}, "password": {"Kp9$wLz4qN2x"}, "password2": {"Kp9$wLz4qN2x"}})
					return result{resp, body}
				},
				status: http.StatusSeeOther, action: "user.create", outcome: audit.Success, actor: "sysadmin"},
			{name: "system admin resets a password",
				act: func() result {
					pw := url.Values{"password": {"Kp9$wLz4qN2x"}, "password2": {"Kp9$wLz4qN2x"}}
					resp, body := w.login("sysadmin").Post(fmt.Sprintf("/admin/users/%d/password", w.users["locked1"].ID), pw)
					return result{resp, body}
				},
				status: http.StatusSeeOther, action: "user.password_reset", outcome: audit.Success, actor: "sysadmin",
				object: func() string { return fmt.Sprint(w.users["locked1"].ID) }},
			{name: "security admin reviews the auditor",
				act: func() result {
					resp, body := secadmin.Get("/audit/auditors")
					return result{resp, body}
				},
				status: http.StatusOK, action: "audit.search", outcome: audit.Success, actor: "secadmin"},
		}
		for _, c := range cases {
			if c.setup != nil {
				c.setup()
			}
			w.clock.Advance(time.Minute)
			from := w.lastID()
			r := c.act()
			if c.status != 0 && r.resp.StatusCode != c.status {
				t.Errorf("%s: status %d, want %d", c.name, r.resp.StatusCode, c.status)
				continue
			}
			if r.resp.StatusCode >= 500 || r.resp.StatusCode == http.StatusSeeOther && c.action == "auth.lock" {
				t.Errorf("%s: status %d", c.name, r.resp.StatusCode)
			}
			var match []audit.Entry
			for _, e := range w.since(from) {
				if e.Action == c.action && e.Outcome == c.outcome {
					match = append(match, e)
				}
			}
			if len(match) != 1 {
				t.Errorf("%s: %d rows of %s/%s, want exactly 1: %+v", c.name, len(match), c.action, c.outcome, w.since(from))
				continue
			}
			checkRecord(t, c.name, w, match[0], c.actor, r.resp.Header.Get("X-Request-ID"))
			if c.object != nil && match[0].ObjectID != c.object() {
				t.Errorf("%s: object id %q, want %q", c.name, match[0].ObjectID, c.object())
			}
			if match[0].ObjectType == "" {
				t.Errorf("%s: no object type", c.name)
			}
		}
	})
}

// checkRecord asserts the content SECURITY.md C2 requires of a row.
func checkRecord(t *testing.T, name string, w *world, e audit.Entry, actor, requestID string) {
	t.Helper()
	if !e.At.Equal(w.clock.Now()) || e.At.Location() != time.UTC {
		t.Errorf("%s: time %v, want %v in UTC", name, e.At, w.clock.Now())
	}
	if e.IP != "127.0.0.1" {
		t.Errorf("%s: ip %q", name, e.IP)
	}
	if !requestIDPattern.MatchString(e.RequestID) || requestID != "" && e.RequestID != requestID {
		t.Errorf("%s: request id %q, response said %q", name, e.RequestID, requestID)
	}
	if actor == "" {
		return
	}
	u := w.users[actor]
	if e.ActorID != u.ID || e.ActorName != u.Username || e.ActorRole != string(u.Role) || e.ActorUnitID != u.UnitID {
		t.Errorf("%s: actor %d/%s/%s/unit %d, want %d/%s/%s/unit %d", name, e.ActorID, e.ActorName, e.ActorRole,
			e.ActorUnitID, u.ID, u.Username, u.Role, u.UnitID)
	}
}

// TestDeniedRequestRecord is C2's denied row in detail, through the page
// and the API.
func TestDeniedRequestRecord(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		for _, c := range []struct{ user, path, route string }{
			{"liaison1", "/audit/export.xlsx", "GET /audit/export.xlsx"},
			{"office1", "/api/v1/audit?actor=x", "GET /api/v1/audit"},
			{"auditor", "/audit/auditors", "GET /audit/auditors"},
			{"secadmin", "/audit/7", "GET /audit/{id}"},
		} {
			cl := w.login(c.user)
			from := w.lastID()
			resp, body := cl.Get(c.path)
			if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "审计日志（导出") {
				t.Fatalf("%s %s: status %d", c.user, c.path, resp.StatusCode)
			}
			rows := w.since(from)
			if len(rows) != 1 || rows[0].Action != "access.denied" || rows[0].Outcome != audit.Denied ||
				rows[0].ObjectType != "route" || rows[0].ObjectID != c.route || !strings.Contains(rows[0].Detail, c.path[:6]) {
				t.Fatalf("%s %s: rows %+v", c.user, c.path, rows)
			}
			checkRecord(t, c.path, w, rows[0], c.user, resp.Header.Get("X-Request-ID"))
		}
	})
}

// TestAuditFailureFailsTheRequest is SECURITY.md C3 over HTTP: when the
// audit row cannot be written the request fails with 500 and its request
// id, and nothing it would have done is done.
func TestAuditFailureFailsTheRequest(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		auditor := w.login("auditor")
		failAuditOf(t, w.app.DB, "auth.login")
		failExport(t, w.app.DB)

		// A login whose audit row fails opens no session.
		sessions := count(t, w.app.DB, `SELECT COUNT(*) FROM sessions`)
		c := testkit.NewClient(t, w.base)
		_, page := c.Get("/login")
		if m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page); m != nil {
			c.CSRF = m[1]
		}
		resp, body := c.Post("/login", url.Values{"username": {"office1"}, "password": {testPassword}})
		assert500(t, "login", resp, body)
		if n := count(t, w.app.DB, `SELECT COUNT(*) FROM sessions`); n != sessions {
			t.Fatalf("a session was opened without its audit row: %d → %d", sessions, n)
		}
		if n := count(t, w.app.DB, `SELECT COUNT(*) FROM users WHERE username = 'office1' AND last_login_at > 0`); n != 0 {
			t.Fatal("the login was recorded on the account without its audit row")
		}

		// An export whose audit row fails hands out no file, on the page or
		// through the API.
		for _, path := range []string{"/audit/export.xlsx", "/api/v1/audit/export.xlsx"} {
			resp, body := auditor.Get(path)
			assert500(t, path, resp, body)
			if cd := resp.Header.Get("Content-Disposition"); cd != "" || strings.HasPrefix(body, "PK") {
				t.Fatalf("%s: a file went out without its audit row (%q)", path, cd)
			}
		}
	})
}

// failExport makes the audit insert of an export fail.
func failExport(t *testing.T, d *db.DB) {
	t.Helper()
	if d.Engine == db.SQLite {
		exec(t, d, `CREATE TRIGGER test_fail_export BEFORE INSERT ON audit_log WHEN NEW.action = 'audit.export'
			BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END`)
		return
	}
	exec(t, d, `CREATE TRIGGER test_fail_export BEFORE INSERT ON audit_log FOR EACH ROW
		WHEN (NEW.action = 'audit.export') EXECUTE FUNCTION test_fail_audit()`)
}

func assert500(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	id := resp.Header.Get("X-Request-ID")
	if resp.StatusCode != http.StatusInternalServerError || id == "" || !strings.Contains(body, id) {
		t.Fatalf("%s: want 500 with the request id %q in the body, got %d: %.300s", what, id, resp.StatusCode, body)
	}
	if strings.Contains(body, "injected") || strings.Contains(body, "audit_log") {
		t.Fatalf("%s: internals leaked: %.300s", what, body)
	}
}

// TestAuditPages walks the pages as the audit administrator does: filter,
// page, sort, open a row with its field diff, export what is filtered.
func TestAuditPages(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		// Sixty changes of one unit by the office, then a denied request.
		office := core.WithActor(context.Background(), &core.Actor{UserID: w.users["office1"].ID, Username: "office1",
			Role: core.RoleOffice, IP: "192.0.2.9", RequestID: "0123456789abcdef"})
		for i := 0; i < 60; i++ {
			record(t, w.app.DB, office, w.clock.Now().Add(time.Duration(i-120)*time.Minute), audit.Event{
				Action: "unit.update", ObjectType: "unit", ObjectID: 1,
				Before: map[string]any{"name": fmt.Sprintf("旧名%d", i), "phone": "0772-1234567"},
				After:  map[string]any{"name": fmt.Sprintf("新名%d", i), "phone": "0772-1234567"}})
		}
		auditor := w.login("auditor")

		resp, body := auditor.Get("/audit?object_type=unit&object_id=1")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "共 60 条记录") || !strings.Contains(body, "第 1 / 2 页") {
			t.Fatalf("list: %d %s", resp.StatusCode, body)
		}
		// Newest first: the last change is on page 1, the first on page 2.
		if !strings.Contains(body, "修改单位") || !strings.Contains(body, "office1") || !strings.Contains(body, "李明") {
			t.Fatalf("list rows: %s", body)
		}
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
		if next == nil || !strings.Contains(next[1], "upto=") || !strings.Contains(next[1], "offset=50") {
			t.Fatalf("next link: %v", next)
		}
		// Searching wrote a row, but page 2 of the same search still holds
		// exactly the last ten.
		resp, page2 := auditor.Get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if resp.StatusCode != http.StatusOK || strings.Count(page2, `<td class="nowrap">`) != 10 || !strings.Contains(page2, "第 2 / 2 页") {
			t.Fatalf("page 2: %d rows", strings.Count(page2, `<td class="nowrap">`))
		}
		// Sorted oldest first, the first change leads.
		_, asc := auditor.Get("/audit?object_type=unit&sort=asc")
		if strings.Index(asc, "aria-sort=\"ascending\"") < 0 {
			t.Fatal("ascending sort not shown")
		}

		// Bad filters come back with Chinese field errors and the values kept.
		resp, body = auditor.Get("/audit?from=2026-13-01&to=2026-01-01&outcome=maybe&actor=%E5%BC%A0")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "开始日期格式应为") ||
			!strings.Contains(body, `value="张"`) || !strings.Contains(body, `value="2026-13-01"`) {
			t.Fatalf("bad filter: %d %s", resp.StatusCode, body)
		}
		resp, body = auditor.Get("/audit?from=2026-03-02&to=2026-03-01")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "结束日期不能早于开始日期") {
			t.Fatalf("reversed dates: %d", resp.StatusCode)
		}

		// One row: its fields and the before → after table.
		es, _, _ := audit.Find(context.Background(), w.app.DB.R(), audit.Filter{ObjectType: "unit", Page: core.Page{Limit: 1}})
		resp, body = auditor.Get(fmt.Sprintf("/audit/%d", es[0].ID))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("detail: %d", resp.StatusCode)
		}
		for _, want := range []string{"旧名59", "新名59", "已变更", "未变", "0772-1234567", "192.0.2.9", "0123456789abcdef",
			"+08:00", es[0].Hash, "名称"} {
			if !strings.Contains(html.UnescapeString(body), want) {
				t.Errorf("detail lacks %q", want)
			}
		}
		if resp, _ := auditor.Get("/audit/999999"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("missing row: %d", resp.StatusCode)
		}
		if resp, _ := auditor.Get("/audit/abc"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("bad id: %d", resp.StatusCode)
		}

		// The export holds what the filter selects, all pages of it.
		resp, body = auditor.Get("/audit/export.xlsx?object_type=unit&from=" +
			w.clock.Now().In(audit.Shanghai).AddDate(0, 0, -1).Format(core.DateLayout))
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatalf("export must open in a real XLSX reader: %v", err)
		}
		rows, _ := f.GetRows("审计日志")
		if len(rows) != 62 || rows[2][9] != "unit.update" || rows[2][12] != "成功" || !strings.HasSuffix(rows[2][1], "+08:00") {
			t.Fatalf("export: %d rows, first %q", len(rows), rows[2])
		}

		// The security administrator sees the auditor's actions, and only those.
		sec := w.login("secadmin")
		resp, body = sec.Get("/audit/auditors")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "查询审计日志") || strings.Contains(body, "修改单位") {
			t.Fatalf("auditor review: %d %s", resp.StatusCode, body)
		}
		if resp, _ := sec.Get(fmt.Sprintf("/audit/auditors/%d", es[0].ID)); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("security admin opening an office row: %d", resp.StatusCode)
		}
	})
}

// TestAuditAPI checks the JSON list: filters, paging envelope, errors.
func TestAuditAPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		office := core.WithActor(context.Background(), &core.Actor{UserID: w.users["office1"].ID, Username: "office1",
			Role: core.RoleOffice})
		for i := 0; i < 3; i++ {
			record(t, w.app.DB, office, w.clock.Now(), audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: i,
				Before: map[string]any{"name": "旧"}, After: map[string]any{"name": "新"}})
		}
		auditor := w.login("auditor")
		resp, body := auditor.Get("/api/v1/audit?action=unit.*&sort=asc&limit=2&offset=1")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list: %d %s", resp.StatusCode, body)
		}
		var list struct {
			Items []struct {
				ID        int64           `json:"id"`
				At        time.Time       `json:"at"`
				ActorName string          `json:"actor_name"`
				ObjectID  string          `json:"object_id"`
				Before    json.RawMessage `json:"before"`
				After     json.RawMessage `json:"after"`
				Hash      string          `json:"hash"`
			} `json:"items"`
			Total, Offset, Limit int
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		if list.Total != 3 || list.Offset != 1 || list.Limit != 2 || len(list.Items) != 2 || list.Items[0].ObjectID != "1" ||
			string(list.Items[0].After) != `{"name":"新"}` || !regexp.MustCompile(`"at":"[0-9T:-]+Z"`).MatchString(body) {
			t.Fatalf("list: %s", body)
		}
		resp, body = auditor.Get(fmt.Sprintf("/api/v1/audit/%d", list.Items[0].ID))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, list.Items[0].Hash) {
			t.Fatalf("get: %d %s", resp.StatusCode, body)
		}
		resp, body = auditor.Get("/api/v1/audit?outcome=maybe&from=yesterday&sort=up")
		var e struct {
			Error struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		_ = json.Unmarshal([]byte(body), &e)
		if resp.StatusCode != http.StatusUnprocessableEntity || e.Error.Fields["from"] == "" || e.Error.Fields["sort"] == "" {
			t.Fatalf("bad filter: %d %s", resp.StatusCode, body)
		}
		if resp, _ := auditor.Get("/api/v1/audit/0"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("id 0: %d", resp.StatusCode)
		}
		anon := testkit.NewClient(t, w.base)
		if resp, _ := anon.Get("/api/v1/audit"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d", resp.StatusCode)
		}
	})
}

// TestCommandLineEvents covers the actions that have no page: an API token
// is issued at the command line (`liandong token create`), exactly once
// audited.
func TestCommandLineEvents(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		if !cliRuns(t, w.app.DB) {
			return
		}
		from := w.lastID()
		var out, errb bytes.Buffer
		args := []string{"token", "create", "--user", "office1", "--name", "报表脚本", "--data", w.app.Config.DataDir}
		if w.app.DB.Engine == db.Postgres {
			args = append(args, "--db", dsn)
		}
		if code := app.Main(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("token create: exit %d: %s", code, errb.String())
		}
		rows := w.since(from)
		if len(rows) != 1 || rows[0].Action != "token.create" || rows[0].Outcome != audit.Success ||
			rows[0].ObjectType != "api_token" || !strings.Contains(rows[0].AfterJSON, "报表脚本") {
			t.Fatalf("token.create rows: %+v", rows)
		}
		// The token itself is never in the log.
		tok := strings.TrimSpace(out.String()[strings.LastIndex(out.String(), " "):])
		if strings.Contains(rows[0].AfterJSON+rows[0].Detail, tok) {
			t.Fatal("the token was written to the audit log")
		}
		// And it works: a script reads the audit log only if its owner may.
		req, _ := http.NewRequest(http.MethodGet, w.base+"/api/v1/audit", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("office token on the audit API: %d", resp.StatusCode)
		}
	})
}
