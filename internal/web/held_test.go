package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/core"
	"liandong/internal/testkit"
)

// Tests of SECURITY.md I10: a form posted on a timed-out session is held,
// not committed and not lost, and offered to its user alone after the next
// login. The form used is the body page's "添加职责" (any logged-in form
// goes the same way through the guard).

var heldIDRe = regexp.MustCompile(`action="/held/(\d+)/submit"`)

// heldLogin logs in through the form and returns where the login sends
// the browser, with the client holding the next page's form token.
func heldLogin(e *secEnv, c *testkit.Client, username string) string {
	e.t.Helper()
	_, page := c.Get("/login")
	secRefreshCSRF(c, page)
	resp, body := c.Post("/login", url.Values{"username": {username}, "password": {secPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d\n%s", username, resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	_, page = c.Get(loc)
	secRefreshCSRF(c, page)
	return loc
}

// heldDuties counts the body's duties with text.
func (e *secEnv) heldDuties(text string) int {
	e.t.Helper()
	var n int
	if err := e.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM duties WHERE body_id = $1 AND text = $2`,
		e.Body, text).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *secEnv) heldRows() int {
	e.t.Helper()
	var n int
	if err := e.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM held_requests`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestHeldAcrossSessionTimeout(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("zhou", core.RoleOffice)
		e.user("wu", core.RoleOffice)
		dutyPath := "/org/bodies/" + secItoa(e.Body) + "/duties/new"
		const text = "组织开展科普日活动，并于每年11月底前报送工作总结（标记HELD-7731）"

		zhou := e.login("zhou")
		_, page := zhou.Get(dutyPath)
		secRefreshCSRF(zhou, page)
		e.Clock.Advance(31 * time.Minute)
		resp, body := zhou.Post(dutyPath, url.Values{"scope": {"office"}, "text": {text}})
		secExpectRedirect(t, "a form posted after 31 idle minutes", resp, "/login?flash=held")
		if n := e.heldDuties(text); n != 0 {
			t.Fatalf("the held form was committed before the login: %d duties", n)
		}
		if n := e.heldRows(); n != 1 {
			t.Fatalf("%d held requests, want 1: %s", n, body)
		}
		var sealed []byte
		if err := e.App.DB.R().QueryRowContext(context.Background(), `SELECT sealed FROM held_requests`).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(sealed, []byte("HELD-7731")) || bytes.Contains(sealed, []byte(url.QueryEscape("HELD-7731"))) {
			t.Fatal("the held request is stored in clear")
		}
		if n := e.auditCount("session.hold", "success"); n != 1 {
			t.Fatalf("%d hold audit rows", n)
		}
		_, loginPage := zhou.Get("/login?flash=held")
		if !strings.Contains(loginPage, "您填写的内容已保存，请重新登录后提交") {
			t.Fatalf("the login page does not say the content was kept:\n%s", loginPage)
		}

		// Another user: not offered, cannot see or submit it.
		wu := e.client()
		if loc := heldLogin(e, wu, "wu"); loc != "/" {
			t.Fatalf("wu's login went to %q", loc)
		}
		_, page = wu.Get("/held")
		if strings.Contains(page, "HELD-7731") || heldIDRe.MatchString(page) {
			t.Fatalf("another user sees the held request:\n%s", page)
		}
		if _, page = wu.Get("/"); strings.Contains(page, `href="/held"`) {
			t.Fatal("another user's work bench points to held content")
		}
		var id string
		if err := e.App.DB.R().QueryRowContext(context.Background(), `SELECT CAST(id AS TEXT) FROM held_requests`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		denied := e.auditCount("access.denied", "denied")
		for _, op := range []string{"submit", "discard"} {
			if resp, _ := wu.Post("/held/"+id+"/"+op, nil); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("another user's %s: %d, want 404", op, resp.StatusCode)
			}
		}
		if n := e.auditCount("access.denied", "denied"); n != denied+2 {
			t.Fatalf("another user's attempts audited %d times, want 2", n-denied)
		}
		if e.heldRows() != 1 || e.heldDuties(text) != 0 {
			t.Fatal("another user's attempt changed something")
		}

		// The same user: sent to the held page, sees the text, submits once.
		if loc := heldLogin(e, zhou, "zhou"); loc != "/held" {
			t.Fatalf("zhou's login went to %q, want /held", loc)
		}
		// Gone elsewhere first, the work bench leads back.
		if _, page = zhou.Get("/"); !strings.Contains(page, `href="/held"`) {
			t.Fatalf("the work bench does not point to the held content:\n%s", page)
		}
		_, page = zhou.Get("/held")
		if !strings.Contains(page, "恢复未提交的内容") || !strings.Contains(page, "HELD-7731") || !strings.Contains(page, dutyPath) {
			t.Fatalf("the held page does not show the content:\n%s", page)
		}
		if strings.Contains(page, "name=\"csrf_token\" value=\"\"") {
			t.Fatal("held page without a form token")
		}
		m := heldIDRe.FindStringSubmatch(page)
		if m == nil || m[1] != id {
			t.Fatalf("no submit button for held request %s", id)
		}
		resp, body = zhou.Post("/held/"+id+"/submit", nil)
		secExpectRedirect(t, "submitting the held form", resp, "/org/bodies/"+secItoa(e.Body)+"?flash=created")
		if n := e.heldDuties(text); n != 1 {
			t.Fatalf("%d duties after submitting, want 1: %s", n, body)
		}
		if n := e.auditCount("session.held_submit", "success"); n != 1 {
			t.Fatalf("%d submit audit rows", n)
		}
		resp, _ = zhou.Post("/held/"+id+"/submit", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("second submit: %d, want 404", resp.StatusCode)
		}
		if n := e.heldDuties(text); n != 1 || e.heldRows() != 0 {
			t.Fatalf("after a second submit: %d duties, %d held", n, e.heldRows())
		}
	})
}

// TestHeldRefusals: a form whose token is not the expired session's is
// refused and not held; after a logout nothing is held; a held request is
// purged after its time; a discarded one is gone; a form the route refuses
// comes back with the values typed.
func TestHeldRefusals(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("zhou", core.RoleOffice)
		dutyPath := "/org/bodies/" + secItoa(e.Body) + "/duties/new"

		// A forged form token on the expired session.
		c := e.login("zhou")
		e.Clock.Advance(31 * time.Minute)
		c.CSRF = "forged-token" // in the form and the header
		resp, _ := c.Post(dutyPath, url.Values{"scope": {"office"}, "text": {"伪造"}})
		if resp.StatusCode != http.StatusForbidden || e.heldRows() != 0 {
			t.Fatalf("forged token on an expired session: %d, %d held", resp.StatusCode, e.heldRows())
		}

		// Logged out, then a form from the old page: refused, not held.
		c = e.login("zhou")
		cookie := c.HTTP.Jar.Cookies(mustURL(t, e.Srv.URL))
		if resp, _ := c.Post("/logout", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		c.HTTP.Jar.SetCookies(mustURL(t, e.Srv.URL), cookie)
		resp, _ = c.Post(dutyPath, url.Values{"scope": {"office"}, "text": {"退出后"}})
		if resp.StatusCode < 400 || e.heldRows() != 0 {
			t.Fatalf("a form after logout: %d, %d held", resp.StatusCode, e.heldRows())
		}

		// Held, then discarded.
		c = e.login("zhou")
		e.Clock.Advance(31 * time.Minute)
		resp, _ = c.Post(dutyPath, url.Values{"scope": {"office"}, "text": {"放弃的内容"}})
		secExpectRedirect(t, "held", resp, "/login?flash=held")
		heldLogin(e, c, "zhou")
		_, page := c.Get("/held")
		m := heldIDRe.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("nothing offered:\n%s", page)
		}
		resp, _ = c.Post("/held/"+m[1]+"/discard", nil)
		secExpectRedirect(t, "discard", resp, "/held?flash=held_discarded")
		if e.heldRows() != 0 || e.heldDuties("放弃的内容") != 0 || e.auditCount("session.held_discard", "success") != 1 {
			t.Fatal("discard did not remove the held request, or committed it, or was not audited")
		}

		// A form the route refuses (no text): the route's own form comes
		// back with the error and the scope chosen.
		e.Clock.Advance(31 * time.Minute)
		resp, _ = c.Post(dutyPath, url.Values{"scope": {"liaison"}, "text": {""}})
		secExpectRedirect(t, "held", resp, "/login?flash=held")
		heldLogin(e, c, "zhou")
		_, page = c.Get("/held")
		m = heldIDRe.FindStringSubmatch(page)
		resp, body := c.Post("/held/"+m[1]+"/submit", nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="liaison" selected`) {
			t.Fatalf("an invalid held form: %d, want 422 with the values:\n%s", resp.StatusCode, body)
		}

		// A multipart form is held and shown with its file's name.
		e.Clock.Advance(31 * time.Minute)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf_token", c.CSRF)
		_ = mw.WriteField("scope", "office")
		_ = mw.WriteField("text", "带附件的内容")
		fw, _ := mw.CreateFormFile("photo", "现场照片.jpg")
		_, _ = fw.Write([]byte("not really a photo"))
		_ = mw.Close()
		resp, _ = c.Do(http.MethodPost, dutyPath, mw.FormDataContentType(), &buf)
		secExpectRedirect(t, "multipart held", resp, "/login?flash=held")
		heldLogin(e, c, "zhou")
		_, page = c.Get("/held")
		if !strings.Contains(page, "现场照片.jpg") || !strings.Contains(page, "带附件的内容") {
			t.Fatalf("the multipart form is not shown:\n%s", page)
		}
		m = heldIDRe.FindStringSubmatch(page)
		resp, _ = c.Post("/held/"+m[1]+"/submit", nil)
		secExpectRedirect(t, "multipart submit", resp, "/org/bodies/"+secItoa(e.Body)+"?flash=created")
		if e.heldDuties("带附件的内容") != 1 {
			t.Fatal("the multipart form was not committed")
		}

		// Past its time: not offered, and purged at the next login.
		e.Clock.Advance(31 * time.Minute)
		resp, _ = c.Post(dutyPath, url.Values{"scope": {"office"}, "text": {"过期的内容"}})
		secExpectRedirect(t, "held", resp, "/login?flash=held")
		if e.heldRows() != 1 {
			t.Fatal("not held")
		}
		e.Clock.Advance(2*time.Hour + time.Minute)
		if loc := heldLogin(e, c, "zhou"); loc != "/" {
			t.Fatalf("an expired held request was offered: login went to %q", loc)
		}
		if n := e.heldRows(); n != 0 {
			t.Fatalf("%d expired held requests kept", n)
		}
		if e.heldDuties("过期的内容") != 0 {
			t.Fatal("an expired held request was committed")
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
