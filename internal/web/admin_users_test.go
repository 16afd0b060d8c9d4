package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/testkit"
)

// TestAccountAdministration is 三员分立 (SECURITY.md B1) through the pages:
// the system administrator creates accounts and edits their profile but
// grants no role; the security administrator grants roles; neither reaches
// the other's pages; no account ends up holding two administrator roles.
func TestAccountAdministration(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("sys", core.RoleSystemAdmin)
		e.user("sec", core.RoleSecurityAdmin)
		e.user("aud", core.RoleAuditAdmin)
		sys, sec, aud := e.loginAdmin("sys"), e.loginAdmin("sec"), e.loginAdmin("aud")

		// Each administrator works only through their own pages.
		for _, c := range []struct {
			who  *testkit.Client
			path string
			want int
		}{
			{sys, "/admin/users", 200}, {sys, "/admin/users/new", 200}, {sys, "/admin/security", 403},
			{sec, "/admin/security", 200}, {sec, "/admin/users", 403}, {sec, "/admin/users/new", 403},
			{aud, "/admin/users", 403}, {aud, "/admin/security", 403},
		} {
			if resp, _ := c.who.Get(c.path); resp.StatusCode != c.want {
				t.Errorf("GET %s: %d, want %d", c.path, resp.StatusCode, c.want)
			}
		}

		// Every problem of the form is shown at once.
		resp, body := sys.Post("/admin/users", url.Values{"username": {"Bad Name"}, "display_name": {""},
			"email": {"x@"}, "password": {"short"}, "password2": {"other"}})
		for _, id := range []string{"e-username", "e-display_name", "e-email", "e-password", "e-password2"} {
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("create with several errors: %d, no %s", resp.StatusCode, id)
			}
		}
		// Create: errors keep what was typed; a role sent along is ignored.
		form := url.Values{"username": {"liming"}, "display_name": {"李明"}, "phone": {"13877201234"},
			"email": {"liming@example.cn"}, "unit_id": {secItoa(e.Unit)}, "body_ids": {secItoa(e.Body)},
			"password": {"Liming-13877201234"}, "password2": {"Liming-13877201234"}, "role": {"system_admin"}}
		resp, body = sys.Post("/admin/users", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "密码不能包含用户名") ||
			!strings.Contains(body, `value="13877201234"`) || !strings.Contains(body, `value="李明"`) {
			t.Fatalf("weak first password: %d", resp.StatusCode)
		}
		form.Set("password", "Qinghe-Bridge-31")
		resp, body = sys.Post("/admin/users", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "两次输入的密码不一致") {
			t.Fatalf("mismatched passwords: %d", resp.StatusCode)
		}
		form.Set("password2", "Qinghe-Bridge-31")
		resp, _ = sys.Post("/admin/users", form)
		secExpectRedirect(t, "create", resp, "/admin/users/")
		li := e.findUser("liming")
		if li.Role != "" || !li.MustChangePassword || li.UnitID != e.Unit || len(li.BodyIDs) != 1 {
			t.Fatalf("new account %+v: want no role, must change password, unit and body set", li)
		}
		resp, body = sys.Post("/admin/users", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "已被使用") {
			t.Fatalf("duplicate username: %d", resp.StatusCode)
		}
		_, page := sys.Get("/admin/users?role=pending")
		if !strings.Contains(page, "liming") || !strings.Contains(page, "待授权") || strings.Contains(page, ">sec<") {
			t.Fatal("pending filter")
		}
		if resp, _ := sys.Get("/admin/users?role=king"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad role filter: %d", resp.StatusCode)
		}

		// The holder logs in, must set a password, and has no business access yet.
		c := e.client()
		c.Login("liming", "Qinghe-Bridge-31")
		resp, _ = c.Get("/")
		secExpectRedirect(t, "first login", resp, "/account/password")
		_, page = c.Get("/account/password")
		secRefreshCSRF(c, page)
		resp, _ = c.Post("/account/password", url.Values{"current_password": {"Qinghe-Bridge-31"},
			"password": {"Yufeng-Hill-442"}, "password2": {"Yufeng-Hill-442"}})
		secExpectRedirect(t, "own password", resp, "/account")
		if resp, _ := c.Get("/org"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("an account without a role on /org: %d", resp.StatusCode)
		}
		if _, page := c.Get("/account"); !strings.Contains(page, "尚未授予角色") {
			t.Fatal("the account page does not say the role is pending")
		}

		// Edit: a bad field is shown beside it, with what was typed.
		id := secItoa(li.ID)
		resp, body = sys.Post("/admin/users/"+id, url.Values{"display_name": {""}, "phone": {"0772-2821234"},
			"unit_id": {secItoa(e.Unit)}, "body_ids": {secItoa(e.Body)}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-display_name"`) ||
			!strings.Contains(body, `value="0772-2821234"`) {
			t.Fatalf("empty name: %d", resp.StatusCode)
		}
		resp, _ = sys.Post("/admin/users/"+id, url.Values{"display_name": {"李明"}, "phone": {"0772-2821234"},
			"unit_id": {secItoa(e.Unit)}, "body_ids": {secItoa(e.Body)}, "role": {"office"}})
		secExpectRedirect(t, "edit", resp, "/admin/users/"+id+"?flash=saved")
		if u := e.findUser("liming"); u.Phone != "0772-2821234" || u.Role != "" {
			t.Fatalf("after edit: phone %q role %q", u.Phone, u.Role)
		}

		// The security administrator grants the role; the system administrator cannot.
		if resp, _ := sys.Post("/admin/security/users/"+id+"/role", url.Values{"role": {"liaison"}}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("system admin granting a role: %d", resp.StatusCode)
		}
		resp, _ = sec.Post("/admin/security/users/"+id+"/role", url.Values{"role": {"liaison"}})
		secExpectRedirect(t, "grant", resp, "/admin/security?flash=role")
		if u := e.findUser("liming"); u.Role != core.RoleLiaison {
			t.Fatalf("role %q after the grant", u.Role)
		}
		c.Login("liming", "Yufeng-Hill-442")
		if resp, _ := c.Get("/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("liaison home: %d", resp.StatusCode)
		}
		// A second administrator role: refused with a reason, nothing changes.
		audID := secItoa(e.findUser("aud").ID)
		resp, body = sec.Post("/admin/security/users/"+audID+"/role", url.Values{"role": {"system_admin"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "不得兼任两种管理员角色") {
			t.Fatalf("second admin role: %d", resp.StatusCode)
		}
		if u := e.findUser("aud"); u.Role != core.RoleAuditAdmin {
			t.Fatalf("audit admin became %s", u.Role)
		}
		resp, _ = sec.Post("/admin/security/users/"+secItoa(e.findUser("sec").ID)+"/role", url.Values{"role": {"office"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("own role: %d", resp.StatusCode)
		}

		// Reset password: the holder must choose a new one; the old sessions end.
		resp, _ = sys.Post("/admin/users/"+id+"/password", url.Values{"password": {"Longcheng-Gate-80"}, "password2": {"Longcheng-Gate-80"}})
		secExpectRedirect(t, "reset", resp, "/admin/users/"+id+"?flash=reset")
		if resp, _ := c.Get("/"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("session after a reset: %d", resp.StatusCode)
		}
		if u := e.findUser("liming"); !u.MustChangePassword {
			t.Fatal("reset password need not be changed")
		}
		// Disabling oneself is refused on the page.
		resp, body = sys.Post("/admin/users/"+secItoa(e.findUser("sys").ID)+"/disable", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "不能停用或启用自己的账户") {
			t.Fatalf("disable self: %d", resp.StatusCode)
		}
		if resp, _ := sys.Get("/admin/users/999999"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("missing account: %d", resp.StatusCode)
		}
		for _, action := range []string{"user.create", "user.update", "user.role", "user.password_reset"} {
			if e.auditCount(action, "success") == 0 {
				t.Errorf("no audit row for %s", action)
			}
		}
	})
}

// TestUserAPI covers the account endpoints for the system administrator
// (bearer token) and every user's own sessions.
func TestUserAPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("sys", core.RoleSystemAdmin)
		e.user("zhou", core.RoleOffice)
		tok, err := e.App.Auth.CreateToken(e.as("sys"), "sys", "test")
		if err != nil {
			t.Fatal(err)
		}
		call := func(method, path, body string) (int, string) {
			req, _ := http.NewRequest(method, e.Srv.URL+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		code, body := call("POST", "/api/v1/users", `{"username":"li","display_name":"李","password":"Qinghe-Bridge-31","role":"system_admin"}`)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("create with a role field: %d %s", code, body)
		}
		code, body = call("POST", "/api/v1/users", `{"username":"li","display_name":"李","password":"123"}`)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"password"`) {
			t.Fatalf("weak password: %d %s", code, body)
		}
		code, body = call("POST", "/api/v1/users", `{"username":"li","display_name":"李","password":"Qinghe-Bridge-31","body_ids":[`+secItoa(e.Body)+`]}`)
		var u struct {
			ID      int64     `json:"id"`
			Role    core.Role `json:"role"`
			BodyIDs []int64   `json:"body_ids"`
		}
		if code != http.StatusCreated || json.Unmarshal([]byte(body), &u) != nil || u.Role != "" || len(u.BodyIDs) != 1 {
			t.Fatalf("create: %d %s", code, body)
		}
		if strings.Contains(body, "argon2") || strings.Contains(body, "password_hash") {
			t.Fatal("hash in the response")
		}
		code, body = call("PATCH", "/api/v1/users/"+secItoa(u.ID), `{"phone":"0772-2821234"}`)
		if code != http.StatusOK || !strings.Contains(body, "0772-2821234") {
			t.Fatalf("patch: %d %s", code, body)
		}
		code, _ = call("PATCH", "/api/v1/users/"+secItoa(u.ID), `{"role":"office"}`)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("patch role: %d", code)
		}
		code, body = call("GET", "/api/v1/users?role=pending", "")
		if code != http.StatusOK || !strings.Contains(body, `"total":1`) {
			t.Fatalf("list pending: %d %s", code, body)
		}
		if code, _ := call("GET", "/api/v1/users?status=odd", ""); code != http.StatusUnprocessableEntity {
			t.Fatalf("bad status filter: %d", code)
		}
		zhou := e.login("zhou")
		code, body = call("POST", "/api/v1/users/"+secItoa(e.findUser("zhou").ID)+"/disable", "")
		if code != http.StatusOK || !strings.Contains(body, `"disabled":true`) {
			t.Fatalf("disable: %d %s", code, body)
		}
		if resp, _ := zhou.Get("/account"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disabled user's session: %d", resp.StatusCode)
		}
		if code, _ := call("GET", "/api/v1/users/424242", ""); code != http.StatusNotFound {
			t.Fatalf("missing user: %d", code)
		}

		// Own sessions over the API with the browser session.
		e.user("wu", core.RoleOffice)
		w1, w2 := e.login("wu"), e.login("wu")
		resp, body := w1.Get("/api/v1/me/sessions")
		var list struct {
			Items []struct {
				ID      string `json:"id"`
				Current bool   `json:"current"`
			} `json:"items"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 2 {
			t.Fatalf("my sessions: %d %s", resp.StatusCode, body)
		}
		if regexp.MustCompile(`[A-Za-z0-9_-]{43}`).MatchString(body) {
			t.Fatal("a token-like value in the session list")
		}
		other := list.Items[0].ID
		if list.Items[0].Current {
			other = list.Items[1].ID
		}
		if resp, _ := w1.Do(http.MethodDelete, "/api/v1/me/sessions/"+strings.Repeat("0", 16), "", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown session: %d", resp.StatusCode)
		}
		if resp, _ := w1.Do(http.MethodDelete, "/api/v1/me/sessions/"+other, "", nil); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("end my other session: %d", resp.StatusCode)
		}
		if resp, _ := w2.Get("/account"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ended session still works: %d", resp.StatusCode)
		}
		// Business users cannot manage accounts.
		if resp, _ := w1.Get("/api/v1/users"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("office on /api/v1/users: %d", resp.StatusCode)
		}
	})
}

// TestAdministratorsSeeNoBusinessData walks every route of the running
// application (SECURITY.md B1): each of the three administrators is refused
// (403) on every route whose permission is not one of theirs, and business
// users are refused on every administrator route. The routes come from the
// application itself, so a route added later is covered without editing
// this test.
func TestAdministratorsSeeNoBusinessData(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		clients := map[core.Role]*testkit.Client{}
		for _, r := range core.Roles {
			e.user(string(r), r)
			if r.IsAdmin() {
				clients[r] = e.loginAdmin(string(r))
			} else {
				clients[r] = e.login(string(r))
			}
		}
		adminPerms := map[auth.Permission]bool{auth.PermUserManage: true, auth.PermSystem: true, auth.PermSecurity: true,
			auth.PermAuditRead: true, auth.PermAuditOfAudits: true}
		wild := regexp.MustCompile(`\{[^}]*\}`)
		checked := 0
		for _, rt := range e.App.Routes() {
			if rt.Perm == auth.PermPublic || rt.Perm == auth.PermLogin {
				continue
			}
			method, path, _ := strings.Cut(rt.Pattern, " ")
			path = strings.ReplaceAll(wild.ReplaceAllString(path, "1"), "{$}", "")
			for role, c := range clients {
				if auth.Allowed(&core.Actor{Role: role}, rt.Perm) {
					continue
				}
				if !role.IsAdmin() && !adminPerms[rt.Perm] {
					continue // business routes among business roles: the areas' own matrices
				}
				var resp *http.Response
				if method == http.MethodGet {
					resp, _ = c.Get(path)
				} else {
					resp, _ = c.Do(method, path, "application/x-www-form-urlencoded", strings.NewReader("csrf_token="+c.CSRF))
				}
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s as %s: %d, want 403", rt.Pattern, role, resp.StatusCode)
				}
				checked++
			}
		}
		if checked < 20 {
			t.Fatalf("only %d route×role pairs checked", checked)
		}
	})
}
