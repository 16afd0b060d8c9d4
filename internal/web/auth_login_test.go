package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/testkit"
)

// TestFirstRun is SECURITY.md A1 over HTTP: a fresh database has no
// accounts and no default credentials; the setup page needs the one-time
// token, creates the three administrators once, and is gone afterwards.
func TestFirstRun(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		ctx := context.Background()
		var n int
		if err := e.App.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("fresh database has %d users (%v)", n, err)
		}
		c := e.client()
		for _, cred := range [][2]string{{"admin", "admin"}, {"admin", "Admin@123"}, {"root", "root"}, {"sysadmin", "Zhanshi@2026"}} {
			if code, _ := c.TryLogin(cred[0], cred[1]); code != http.StatusUnauthorized {
				t.Fatalf("%s/%s on a fresh database: %d, want 401", cred[0], cred[1], code)
			}
		}
		_, page := c.Get("/login")
		if !strings.Contains(page, "系统尚未初始化") {
			t.Fatal("the login page does not point to the setup page")
		}
		form := url.Values{}
		for _, p := range []string{"sys_", "sec_", "aud_"} {
			form.Set(p+"username", p+"admin")
			form.Set(p+"display_name", "测试"+p)
			form.Set(p+"password", secPassword)
			form.Set(p+"password2", secPassword)
		}
		form.Set("sys_username", "sysadmin")
		// Without the token printed at start-up nothing is created.
		resp, body := c.Post("/setup", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "初始化口令不正确") {
			t.Fatalf("setup without token: %d", resp.StatusCode)
		}
		token, err := e.App.Auth.PrepareSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		resp, page = c.Get("/setup?token=" + token)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, token) {
			t.Fatalf("setup page: %d", resp.StatusCode)
		}
		// A weak password is refused beside its field, what was typed stays.
		form.Set("token", token)
		form.Set("aud_password", "password123")
		form.Set("aud_password2", "password123")
		resp, body = c.Post("/setup", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-aud_password"`) ||
			!strings.Contains(body, `value="sysadmin"`) {
			t.Fatalf("weak password: %d\n%s", resp.StatusCode, body)
		}
		if need := e.usersCount(); need != 0 {
			t.Fatalf("%d users after a refused setup", need)
		}
		form.Set("aud_password", secPassword)
		form.Set("aud_password2", secPassword)
		resp, _ = c.Post("/setup", form)
		secExpectRedirect(t, "setup", resp, "/login?flash=setup")
		if n := e.usersCount(); n != 3 {
			t.Fatalf("%d users after setup, want 3", n)
		}
		if u := e.findUser("sysadmin"); u.Role != core.RoleSystemAdmin || u.MustChangePassword {
			t.Fatalf("system admin %+v", u)
		}
		if u := e.findUser("sec_admin"); u.Role != core.RoleSecurityAdmin || !u.MustChangePassword {
			t.Fatalf("security admin must change the password set at setup: %+v", u)
		}
		// The page is gone, for reading and for posting, token or not.
		if resp, _ := c.Get("/setup?token=" + token); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("setup page after setup: %d", resp.StatusCode)
		}
		form.Set("sys_username", "second")
		if resp, _ := c.Post("/setup", form); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("second setup: %d", resp.StatusCode)
		}
		if n := e.usersCount(); n != 3 {
			t.Fatalf("%d users after a second setup", n)
		}
		// The administrator logs in with the password chosen and is asked
		// for the second factor.
		c2 := e.client()
		c2.Login("sysadmin", secPassword)
		resp, _ = c2.Get("/admin/users")
		secExpectRedirect(t, "admin page before the second factor", resp, "/mfa")
	})
}

func (e *secEnv) usersCount() int {
	e.t.Helper()
	var n int
	if err := e.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestDemoAccountsNeedDemoMode: an account made by the demo loader cannot
// log in when the server runs without --demo (A1).
func TestDemoAccountsNeedDemoMode(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		u := e.user("office", core.RoleOffice)
		e.exec(`UPDATE users SET demo = TRUE WHERE id = $1`, u.ID)
		code, body := e.client().TryLogin("office", secPassword)
		if code != http.StatusForbidden || !strings.Contains(body, "演示账户仅在演示模式下可用") {
			t.Fatalf("demo account outside demo mode: %d", code)
		}
	})
}

var secReqIDRe = regexp.MustCompile(`[0-9a-f]{16}`)

// TestLockout is SECURITY.md A5 with an injected clock: five wrong
// passwords lock the account; the right one is then refused with 账户已锁定;
// 31 minutes later it works. Unknown user and wrong password look alike.
// The lock is audited, and the security administrator can lift it early.
func TestLockout(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("zhao", core.RoleOffice)
		c := e.client()
		norm := func(body, name string) string {
			body = secReqIDRe.ReplaceAllString(body, "")
			return strings.ReplaceAll(body, `value="`+name+`"`, `value=""`)
		}
		for i := 0; i < 5; i++ {
			code, body := c.TryLogin("zhao", "Wrong-Password-1")
			if code != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
				t.Fatalf("wrong password %d: %d", i+1, code)
			}
			code, u := c.TryLogin("nobody-here", "Wrong-Password-1")
			if code != http.StatusUnauthorized {
				t.Fatalf("unknown user: %d", code)
			}
			if i == 0 {
				if norm(body, "zhao") != norm(u, "nobody-here") {
					t.Fatalf("unknown user and wrong password answer differently:\n%s\n---\n%s", body, u)
				}
			}
		}
		code, body := c.TryLogin("zhao", secPassword)
		if code != http.StatusLocked || !strings.Contains(body, "账户已锁定") {
			t.Fatalf("right password while locked: %d", code)
		}
		if n := e.auditCount("auth.lock", ""); n != 1 {
			t.Fatalf("%d lock audit rows, want 1", n)
		}
		if n := e.auditCount("auth.login", "failure"); n < 11 {
			t.Fatalf("%d failed-login audit rows, want at least 11", n)
		}
		e.Clock.Advance(29 * time.Minute)
		if code, _ := c.TryLogin("zhao", secPassword); code != http.StatusLocked {
			t.Fatalf("after 29 minutes: %d, want still locked", code)
		}
		e.Clock.Advance(2 * time.Minute)
		if code, _ := c.TryLogin("zhao", secPassword); code != http.StatusSeeOther {
			t.Fatalf("after 31 minutes: %d, want logged in", code)
		}
		// Locked again, then unlocked by the security administrator.
		for i := 0; i < 5; i++ {
			e.client().TryLogin("zhao", "Wrong-Password-1")
		}
		e.user("sec", core.RoleSecurityAdmin)
		sec := e.loginAdmin("sec")
		_, page := sec.Get("/admin/security")
		if !strings.Contains(page, "zhao") || !strings.Contains(page, "已锁定") {
			t.Fatal("locked account not listed on the security page")
		}
		id := e.findUser("zhao").ID
		resp, _ := sec.Post("/admin/security/users/"+secItoa(id)+"/unlock", url.Values{"back": {"https://evil.example/"}})
		secExpectRedirect(t, "unlock", resp, "/admin/security?flash=unlocked")
		if code, _ := e.client().TryLogin("zhao", secPassword); code != http.StatusSeeOther {
			t.Fatalf("after unlock: %d", code)
		}
		if n := e.auditCount("auth.unlock", "success"); n != 1 {
			t.Fatalf("%d unlock audit rows", n)
		}
	})
}

// TestLoginThrottle: past the per-address burst, attempts get 429 with
// Retry-After and a Chinese message, whatever the account; time refills it.
func TestLoginThrottle(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("qian", core.RoleOffice)
		c := e.client()
		burst := httpx.NewLoginThrottle(e.Clock).Burst
		for i := 0; i < burst; i++ {
			if code, _ := c.TryLogin("user"+secItoa(int64(i)), "Wrong-Password-1"); code != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d", i+1, code)
			}
		}
		_, page := c.Get("/login")
		secRefreshCSRF(c, page)
		resp, body := c.Post("/login", url.Values{"username": {"qian"}, "password": {secPassword}})
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
			!strings.Contains(body, "尝试过于频繁") || !strings.Contains(body, `value="qian"`) {
			t.Fatalf("attempt over the burst: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if e.sessions("qian") != 0 {
			t.Fatal("a throttled login opened a session")
		}
		e.Clock.Advance(3 * time.Second)
		if code, _ := c.TryLogin("qian", secPassword); code != http.StatusSeeOther {
			t.Fatalf("after the bucket refilled: %d", code)
		}
	})
}

// TestSessionCookie is SECURITY.md A8's cookie: a fresh CSPRNG token at
// login (never a value the browser brought), HttpOnly, SameSite=Lax, and
// Secure with the __Host- prefix when served over TLS.
func TestSessionCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "tls"}[secure], func(t *testing.T) {
			testkit.EachEngine(t, func(t *testing.T, dsn string) {
				e := secStart(t, dsn, app.Config{Secure: secure})
				e.user("sun", core.RoleOffice)
				name := "liandong_session"
				if secure {
					name = "__Host-liandong"
				}
				// The browser arrives with a session id planted by someone else.
				planted := "attacker-chosen-session-id-000000000000000"
				req, _ := http.NewRequest(http.MethodGet, e.Srv.URL+"/login", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				pre := secSetCookie(resp, "liandong_csrf")
				if pre == nil {
					t.Fatal("no pre-login form cookie")
				}
				form := url.Values{"username": {"sun"}, "password": {secPassword}, "csrf_token": {pre.Value}}
				req, _ = http.NewRequest(http.MethodPost, e.Srv.URL+"/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(&http.Cookie{Name: "liandong_csrf", Value: pre.Value})
				req.AddCookie(&http.Cookie{Name: name, Value: planted})
				client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err = client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("secure=%v login: %d", secure, resp.StatusCode)
				}
				sc := secSetCookie(resp, name)
				if sc == nil {
					t.Fatalf("secure=%v: no %s cookie in %v", secure, name, resp.Header["Set-Cookie"])
				}
				if sc.Value == planted || sc.Value == pre.Value || len(sc.Value) < 43 {
					t.Fatalf("session token %q: not a fresh 256-bit token", sc.Value)
				}
				if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure != secure || sc.Domain != "" {
					t.Fatalf("secure=%v cookie attributes: %+v", secure, sc)
				}
				raw := strings.Join(resp.Header["Set-Cookie"], "\n")
				if secure && !strings.Contains(raw, "; Secure") {
					t.Fatalf("no Secure attribute: %s", raw)
				}
				var stored int
				if err := e.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions WHERE token_hash = $1 OR token_hash = $2`,
					sc.Value, planted).Scan(&stored); err != nil {
					t.Fatal(err)
				}
				if stored != 0 {
					t.Fatal("a token is stored in clear")
				}
			})
		})
	}
}

// TestLogSafety is SECURITY.md C6: a login with a username carrying a line
// break and a marker password leaves a log of valid JSON lines, no forged
// line, and no marker. A4/G1: the marker is nowhere in the database either.
func TestLogSafety(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		const marker = "Marker-Pw-7f3a9c1e"
		c := e.client()
		c.TryLogin("a\nFAKE", marker)
		c.TryLogin("a\r\n{\"level\":\"ERROR\",\"msg\":\"FAKE\"}", marker)
		c.TryLogin(marker, marker) // a password typed into the username box
		e.user("li", core.RoleOffice)
		c.TryLogin("li", marker)
		// An account whose real password is the marker, changed once.
		e.user("sys", core.RoleSystemAdmin)
		if _, err := e.App.Auth.CreateAccount(e.as("sys"), auth.NewUser{Username: "marked", DisplayName: "标记", Password: marker}); err != nil {
			t.Fatal(err)
		}
		m := e.client()
		m.Login("marked", marker)
		_, p := m.Get("/account/password")
		secRefreshCSRF(m, p)
		resp, body := m.Post("/account/password", url.Values{"current_password": {marker}, "password": {marker + "-2"},
			"password2": {marker + "-2"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("password change: %d\n%s", resp.StatusCode, body)
		}
		log := e.Log.String()
		if strings.Contains(log, marker) {
			t.Fatal("marker password in the log")
		}
		lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
		if len(lines) < 5 {
			t.Fatalf("only %d log lines", len(lines))
		}
		for i, line := range lines {
			var v map[string]any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("log line %d is not JSON: %q", i+1, line)
			}
			if strings.HasPrefix(line, "FAKE") || v["msg"] == "FAKE" {
				t.Fatalf("forged log line %d: %q", i+1, line)
			}
		}
		e.assertNotStored(marker)
	})
}

// assertNotStored scans the whole database for s: on SQLite the bytes of
// the database file and its WAL, on PostgreSQL every row of every table
// as text.
func (e *secEnv) assertNotStored(s string) {
	e.t.Helper()
	ctx := context.Background()
	if e.App.DB.Engine == "sqlite" {
		files, _ := filepath.Glob(filepath.Join(e.App.Config.DataDir, "liandong.db*"))
		if len(files) == 0 {
			e.t.Fatal("no database files found")
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				e.t.Fatal(err)
			}
			if strings.Contains(string(b), s) {
				e.t.Fatalf("%q found in %s", s, filepath.Base(f))
			}
		}
		return
	}
	rows, err := e.App.DB.R().QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)
	if err != nil {
		e.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			e.t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 5 {
		e.t.Fatalf("only %d tables", len(tables))
	}
	for _, tb := range tables {
		var hits int
		if err := e.App.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+tb+`" t WHERE t::text LIKE $1`, "%"+s+"%").Scan(&hits); err != nil {
			e.t.Fatal(err)
		}
		if hits > 0 {
			e.t.Fatalf("%q found in table %s", s, tb)
		}
	}
}
