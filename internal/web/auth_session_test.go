package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/testkit"
)

// TestSessionTimeouts is SECURITY.md A6 with an injected clock: after 31
// idle minutes the next request goes to the login page and the session row
// is gone; the same after 12 hours of steady activity.
func TestSessionTimeouts(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("zhou", core.RoleOffice)
		c := e.login("zhou")
		e.Clock.Advance(29 * time.Minute)
		if resp, _ := c.Get("/account"); resp.StatusCode != http.StatusOK {
			t.Fatalf("after 29 idle minutes: %d", resp.StatusCode)
		}
		e.Clock.Advance(31 * time.Minute)
		resp, _ := c.Get("/account")
		secExpectRedirect(t, "after 31 idle minutes", resp, "/login?next=%2Faccount")
		if n := e.sessions("zhou"); n != 0 {
			t.Fatalf("%d session rows after the idle timeout, want 0", n)
		}
		if n := e.auditCount("auth.session_expire", ""); n != 1 {
			t.Fatalf("%d expiry audit rows", n)
		}
		// Active all day: every 20 minutes, until 12 hours have passed.
		c = e.login("zhou")
		elapsed := time.Duration(0)
		for {
			e.Clock.Advance(20 * time.Minute)
			elapsed += 20 * time.Minute
			resp, _ := c.Get("/account")
			if elapsed <= 12*time.Hour {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("active session at %v: %d", elapsed, resp.StatusCode)
				}
				continue
			}
			secExpectRedirect(t, "after 12 hours", resp, "/login")
			break
		}
		if n := e.sessions("zhou"); n != 0 {
			t.Fatalf("%d session rows after the absolute timeout, want 0", n)
		}
		// A session nobody comes back to is purged at the next login anyone makes.
		e.login("zhou")
		e.user("wu", core.RoleOffice)
		e.Clock.Advance(time.Hour)
		e.login("wu")
		if n := e.sessions("zhou"); n != 0 {
			t.Fatalf("abandoned session still stored: %d", n)
		}
	})
}

// TestPasswordExpiry is SECURITY.md A3: 91 days after the last change every
// page sends the user to the password page, the API refuses, a weak or
// reused password is refused (422, hash unchanged), and a good one lets
// the user in again.
func TestPasswordExpiry(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("wu", core.RoleOffice)
		e.Clock.Advance(91 * 24 * time.Hour)
		c := e.client()
		c.Login("wu", secPassword)
		for _, path := range []string{"/", "/account", "/org", "/admin/users", "/audit", "/no-such-page"} {
			resp, _ := c.Get(path)
			secExpectRedirect(t, "GET "+path, resp, "/account/password")
		}
		resp, body := c.Get("/api/v1/me")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "修改密码") {
			t.Fatalf("API with an expired password: %d %s", resp.StatusCode, body)
		}
		resp, page := c.Get("/account/password?next=%2Faccount")
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "超过90天") {
			t.Fatalf("password page: %d", resp.StatusCode)
		}
		secRefreshCSRF(c, page)
		before := e.findUser("wu").PasswordHash
		for _, bad := range []struct{ pw, why string }{
			{"Abc12345", "长度至少为10"},
			{"Password@2026", "常见弱密码"},
			{"Wu-River-Kexie-1", "kexie"},
			{secPassword, "与当前密码相同"},
		} {
			resp, body := c.Post("/account/password", url.Values{"current_password": {secPassword}, "password": {bad.pw},
				"password2": {bad.pw}, "next": {"/account"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, bad.why) ||
				!strings.Contains(body, `id="e-password"`) {
				t.Fatalf("new password %q: %d, want 422 mentioning %s", bad.pw, resp.StatusCode, bad.why)
			}
			if e.findUser("wu").PasswordHash != before {
				t.Fatalf("hash changed by a refused password %q", bad.pw)
			}
		}
		resp, _ = c.Post("/account/password", url.Values{"current_password": {secPassword}, "password": {"Qinghe-Bridge-31"},
			"password2": {"Qinghe-Bridge-31"}, "next": {"/account"}})
		secExpectRedirect(t, "good password", resp, "/account?flash=password")
		if resp, _ := c.Get("/account"); resp.StatusCode != http.StatusOK {
			t.Fatalf("after the change: %d", resp.StatusCode)
		}
		// The old password is history now: it cannot come back.
		_, page = c.Get("/account/password")
		secRefreshCSRF(c, page)
		resp, body = c.Post("/account/password", url.Values{"current_password": {"Qinghe-Bridge-31"}, "password": {secPassword},
			"password2": {secPassword}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "最近5次") {
			t.Fatalf("reusing the expired password: %d", resp.StatusCode)
		}
	})
}

// otherCode returns a 6-digit code that is none of the valid ones now.
func otherCode(secret string, now time.Time) string {
	valid := map[string]bool{}
	for _, d := range []time.Duration{-auth.TOTPStep, 0, auth.TOTPStep} {
		c, _ := auth.TOTPCode(secret, now.Add(d))
		valid[c] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !valid[c] {
			return c
		}
	}
	return "444444"
}

func (e *secEnv) sessionCookie(c *testkit.Client) string {
	u, _ := url.Parse(e.Srv.URL)
	for _, k := range c.HTTP.Jar.Cookies(u) {
		if k.Name == "liandong_session" {
			return k.Value
		}
	}
	return ""
}

// TestMFA is SECURITY.md A7: an administrator who has passed only the
// password is sent to /mfa from every page; the code is set up once; the
// session token changes when the second factor passes; a replayed code is
// refused; a burst of wrong codes locks the account and ends the half-open
// session.
func TestMFA(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("sec", core.RoleSecurityAdmin)
		c := e.client()
		c.Login("sec", secPassword)
		resp, _ := c.Get("/admin/security")
		secExpectRedirect(t, "admin page with the password only", resp, "/mfa?next=%2Fadmin%2Fsecurity")
		resp, _ = c.Get("/account")
		secExpectRedirect(t, "account page with the password only", resp, "/mfa")
		resp, _ = c.Get("/mfa?next=%2Fadmin%2Fsecurity")
		secExpectRedirect(t, "no factor yet", resp, "/mfa/setup?next=%2Fadmin%2Fsecurity")
		if resp, _ := c.Get("/api/v1/me"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("API before the second factor: %d", resp.StatusCode)
		}
		resp, page := c.Get("/mfa/setup?next=%2Fadmin%2Fsecurity")
		m := secSecretRe.FindStringSubmatch(page)
		if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(page, "otpauth://totp/") {
			t.Fatalf("setup page: %d", resp.StatusCode)
		}
		secret := strings.ReplaceAll(m[1], " ", "")
		// The secret offered stays the same across reloads until confirmed.
		if _, again := c.Get("/mfa/setup"); !strings.Contains(again, m[1]) {
			t.Fatal("reloading the setup page changed the secret")
		}
		secRefreshCSRF(c, page)
		resp, body := c.Post("/mfa/setup", url.Values{"code": {otherCode(secret, e.Clock.Now())}, "next": {"/admin/security"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "动态验证码不正确") {
			t.Fatalf("wrong setup code: %d", resp.StatusCode)
		}
		before := e.sessionCookie(c)
		code, _ := auth.TOTPCode(secret, e.Clock.Now())
		resp, _ = c.Post("/mfa/setup", url.Values{"code": {code}, "next": {"/admin/security"}})
		secExpectRedirect(t, "right setup code", resp, "/admin/security?flash=mfa")
		if after := e.sessionCookie(c); after == "" || after == before {
			t.Fatal("the session token did not change when the second factor passed")
		}
		if resp, _ := c.Get("/admin/security"); resp.StatusCode != http.StatusOK {
			t.Fatalf("admin page after the second factor: %d", resp.StatusCode)
		}
		if u := e.findUser("sec"); u.TOTPSecret != secret {
			t.Fatal("secret not stored")
		}
		// Next login: the same code again (same 30 seconds) is a replay.
		c = e.client()
		c.Login("sec", secPassword)
		resp, page = c.Get("/mfa")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/mfa: %d", resp.StatusCode)
		}
		secRefreshCSRF(c, page)
		resp, body = c.Post("/mfa", url.Values{"code": {code}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "已使用过") {
			t.Fatalf("replayed code: %d", resp.StatusCode)
		}
		e.Clock.Advance(auth.TOTPStep)
		code, _ = auth.TOTPCode(secret, e.Clock.Now())
		resp, _ = c.Post("/mfa", url.Values{"code": {code}})
		secExpectRedirect(t, "fresh code", resp, "/")
		// A burst of wrong codes: the account locks and the half-open session ends.
		c = e.client()
		c.Login("sec", secPassword)
		_, page = c.Get("/mfa")
		secRefreshCSRF(c, page)
		e.Clock.Advance(auth.TOTPStep)
		var last *http.Response
		for i := 0; i < 5; i++ {
			last, body = c.Post("/mfa", url.Values{"code": {otherCode(secret, e.Clock.Now())}})
		}
		if last.StatusCode != http.StatusLocked || !strings.Contains(body, "账户已锁定") {
			t.Fatalf("fifth wrong code: %d", last.StatusCode)
		}
		var halfOpen int
		if err := e.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions WHERE NOT mfa_done`).Scan(&halfOpen); err != nil {
			t.Fatal(err)
		}
		if halfOpen != 0 {
			t.Fatalf("%d half-open sessions left after the lock", halfOpen)
		}
		resp, _ = c.Get("/mfa")
		secExpectRedirect(t, "the ended session", resp, "/login")
		if code, _ := e.client().TryLogin("sec", secPassword); code != http.StatusLocked {
			t.Fatalf("password login while locked: %d", code)
		}
		if n := e.auditCount("auth.mfa", "failure"); n != 6 {
			t.Fatalf("%d failed second-factor audit rows, want 6", n)
		}
		// The security log holds no secret and no code.
		if strings.Contains(e.Log.String(), secret) {
			t.Fatal("TOTP secret in the log")
		}
	})
}

var secSessionEndRe = regexp.MustCompile(`/account/sessions/([0-9a-f]{16})/end`)

// TestSessionsEnd is SECURITY.md A8: disabling an account, changing its
// role or its password ends its sessions at once (the other client's next
// request goes to the login page); users see and end their own sessions;
// the security administrator ends anyone's; logout deletes the row.
func TestSessionsEnd(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("sys", core.RoleSystemAdmin)
		e.user("sec", core.RoleSecurityAdmin)
		for _, n := range []string{"he", "lv", "feng", "shi"} {
			e.user(n, core.RoleOffice)
		}
		sys, sec := e.loginAdmin("sys"), e.loginAdmin("sec")

		he := e.login("he")
		resp, _ := sys.Post("/admin/users/"+secItoa(e.findUser("he").ID)+"/disable", nil)
		secExpectRedirect(t, "disable", resp, "/admin/users/")
		resp, _ = he.Get("/account")
		secExpectRedirect(t, "disabled user's next request", resp, "/login")
		if code, body := e.client().TryLogin("he", secPassword); code != http.StatusForbidden || !strings.Contains(body, "账户已停用") {
			t.Fatalf("disabled login: %d", code)
		}

		lv := e.login("lv")
		resp, _ = sec.Post("/admin/security/users/"+secItoa(e.findUser("lv").ID)+"/role", url.Values{"role": {"leader"}})
		secExpectRedirect(t, "role change", resp, "/admin/security?flash=role")
		resp, _ = lv.Get("/account")
		secExpectRedirect(t, "after the role change", resp, "/login")

		f1, f2 := e.login("feng"), e.login("feng")
		_, page := f1.Get("/account/password")
		secRefreshCSRF(f1, page)
		resp, _ = f1.Post("/account/password", url.Values{"current_password": {secPassword}, "password": {"Qinghe-Bridge-31"},
			"password2": {"Qinghe-Bridge-31"}})
		secExpectRedirect(t, "password change", resp, "/account?flash=password")
		resp, _ = f2.Get("/account")
		secExpectRedirect(t, "other session after the password change", resp, "/login")
		if resp, _ := f1.Get("/account"); resp.StatusCode != http.StatusOK {
			t.Fatalf("the session that changed the password: %d", resp.StatusCode)
		}

		s1, s2 := e.login("shi"), e.login("shi")
		_, page = s1.Get("/account")
		ids := secSessionEndRe.FindAllStringSubmatch(page, -1)
		if len(ids) != 1 || !strings.Contains(page, "当前会话") {
			t.Fatalf("my sessions: %d end buttons (want 1, the other session)", len(ids))
		}
		resp, _ = s1.Post("/account/sessions/"+ids[0][1]+"/end", nil)
		secExpectRedirect(t, "end my other session", resp, "/account?flash=ended")
		resp, _ = s2.Get("/account")
		secExpectRedirect(t, "ended session", resp, "/login")
		// Someone else's session id is not found.
		e.login("shi")
		resp, _ = f1.Post("/account/sessions/"+strings.Repeat("a", 16)+"/end", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("ending an unknown session: %d", resp.StatusCode)
		}
		resp, _ = sec.Post("/admin/security/users/"+secItoa(e.findUser("shi").ID)+"/sessions/end", nil)
		secExpectRedirect(t, "security admin ends sessions", resp, "/admin/security?flash=ended")
		if n := e.sessions("shi"); n != 0 {
			t.Fatalf("%d sessions after the security admin ended them", n)
		}

		resp, _ = f1.Post("/logout", nil)
		secExpectRedirect(t, "logout", resp, "/login?flash=loggedout")
		if resp.Header.Get("Clear-Site-Data") == "" {
			t.Fatal("logout without Clear-Site-Data")
		}
		if n := e.sessions("feng"); n != 0 {
			t.Fatalf("%d session rows after logout", n)
		}
	})
}

// TestConcurrentSessionLimit: with the limit set to 1 by the security
// administrator, a second login ends the first session (A8).
func TestConcurrentSessionLimit(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("sec", core.RoleSecurityAdmin)
		e.user("chen", core.RoleOffice)
		sec := e.loginAdmin("sec")
		form := url.Values{"min_length": {"10"}, "min_classes": {"3"}, "max_age_days": {"90"}, "history_count": {"5"},
			"lock_threshold": {"5"}, "lock_window_minutes": {"15"}, "lock_minutes": {"30"}, "idle_minutes": {"30"},
			"absolute_hours": {"12"}, "max_sessions": {"x"}, "audit_retention_days": {"180"}, "admin_mfa": {"on"}}
		resp, body := sec.Post("/admin/security/policy", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-max_sessions"`) ||
			!strings.Contains(body, `value="x"`) {
			t.Fatalf("a non-number: %d", resp.StatusCode)
		}
		form.Set("max_sessions", "1")
		resp, _ = sec.Post("/admin/security/policy", form)
		secExpectRedirect(t, "save policy", resp, "/admin/security?flash=saved")
		c1 := e.login("chen")
		c2 := e.login("chen")
		resp, _ = c1.Get("/account")
		secExpectRedirect(t, "first session after a second login", resp, "/login")
		if resp, _ := c2.Get("/account"); resp.StatusCode != http.StatusOK {
			t.Fatalf("second session: %d", resp.StatusCode)
		}
		if n := e.auditCount("auth.session_limit", ""); n < 1 {
			t.Fatal("no audit row for the ended session")
		}
		if n := e.auditCount("policy.update", ""); n != 1 {
			t.Fatalf("%d policy audit rows", n)
		}
	})
}
