package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"liandong/internal/testkit"
)

// SECURITY.md I10 with the progress report form: a streamed multipart
// post with text, a figure and two photos, sent after the session timed
// out, is held whole (nothing stored, no file ingested), offered after the
// next login and saved exactly once with both photos and their captions.
// Before it, the page's own requests on the dead session (the status
// check, an autosave) must neither lose the later post nor be held.

// heldReportCounts is what the report post could change: the report's
// version, state and narrative, its attached files, and all file rows.
type heldReportCounts struct {
	version          int64
	state, narrative string
	attached, files  int
}

func heldReportState(t *testing.T, e *orgEnv, id string) heldReportCounts {
	t.Helper()
	ctx := context.Background()
	var c heldReportCounts
	r := e.app.DB.R()
	if err := r.QueryRowContext(ctx, `SELECT version, state, narrative FROM reports WHERE id = $1`, id).
		Scan(&c.version, &c.state, &c.narrative); err != nil {
		t.Fatal(err)
	}
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_files WHERE report_id = $1`, id).Scan(&c.attached); err != nil {
		t.Fatal(err)
	}
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM files`).Scan(&c.files); err != nil {
		t.Fatal(err)
	}
	return c
}

// heldReLogin logs c in again through the login form and returns where
// the login sends the browser; c then holds that page's form token.
func heldReLogin(t *testing.T, c *testkit.Client, username string) string {
	t.Helper()
	_, page := c.Get("/login")
	secRefreshCSRF(c, page)
	resp, body := c.Post("/login", url.Values{"username": {username}, "password": {orgPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %d %s", username, resp.StatusCode, orgSnippet(body))
	}
	loc := resp.Header.Get("Location")
	_, page = c.Get(loc)
	secRefreshCSRF(c, page)
	return loc
}

func TestHeldReportForm(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office, edu := e.as("city-office"), e.as("edu-liaison")
		planPath := planImport(t, e, office)
		_, page := office.Get(planPath)
		if resp, body := office.Post(planPath+"/status", planForm(t, page, planPath+"/status")); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d %s", resp.StatusCode, orgSnippet(body))
		}
		_, page = edu.Get("/reports")
		resp, _ := edu.Post("/reports/start", planForm(t, page, "/reports/start"))
		m := reportIDRe.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		id, rpath := m[1], "/reports/"+m[1]
		resp, page = edu.Get(rpath)
		orgWant(t, "report form", resp, page, 200, `enctype="multipart/form-data"`)
		form := planForm(t, page, rpath)
		if _, ok := form["value_1"]; !ok {
			t.Fatalf("the report has no figure to fill: %v", form)
		}
		before := heldReportState(t, e, id)

		const marker = "科技创新大赛初赛（暂存标记I10-R7）"
		form.Set("progress", "on_track")
		form.Set("narrative", "本季度组织了"+marker+"，参赛学生踊跃。\n第二段：复赛筹备中。")
		form.Set("problems", "场地紧张")
		form.Set("value_1", "2")
		form.Set("new_caption_1", "初赛开幕式")
		form.Set("new_caption_2", "学生作品展示")
		form.Set("action", "submit")
		csrf := edu.CSRF

		// Thirty-one idle minutes. The page's status check and an
		// autosave reach the server first, as in a browser left open.
		e.clock.Advance(31 * time.Minute)
		if resp, _ := edu.Get("/session/status"); resp.StatusCode == http.StatusOK {
			t.Fatalf("the status check on a timed-out session: %d", resp.StatusCode)
		}
		auto := url.Values{}
		for k, v := range form {
			if !strings.HasPrefix(k, "new_") {
				auto[k] = v
			}
		}
		auto.Set("csrf_token", csrf)
		resp, js := heldScriptPost(t, edu, rpath+"/autosave", csrf, auto)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(js, "登录已超时") || !strings.Contains(js, "不会丢失") {
			t.Fatalf("an autosave on the timed-out session: %d %s, want 401 saying the content is kept", resp.StatusCode, js)
		}
		if n := heldCount(t, e); n != 0 {
			t.Fatalf("the autosave was held: %d held", n)
		}

		// The form post, as the browser sends it: the token is the first
		// field, not a header.
		edu.CSRF = ""
		ct, body := reportMultipart(t, csrf, form, map[string][]byte{"new_photo_1": reportJPEG(t, 30), "new_photo_2": reportJPEG(t, 220)})
		resp, _ = edu.Do(http.MethodPost, rpath, ct, body)
		secExpectRedirect(t, "the report posted after the timeout", resp, "/login?flash=held")
		if after := heldReportState(t, e, id); after != before {
			t.Fatalf("the held report changed something before the login: %+v, was %+v", after, before)
		}
		if n := heldCount(t, e); n != 1 {
			t.Fatalf("%d held requests, want 1", n)
		}

		// Logged in again: offered the held report, its text shown.
		if loc := heldReLogin(t, edu, "edu-liaison"); loc != "/held" {
			t.Fatalf("the login went to %q, want /held", loc)
		}
		resp, page = edu.Get("/held")
		orgWant(t, "held page", resp, page, 200, "恢复未提交的内容", "I10-R7", "第二段：复赛筹备中", "工作进展",
			"new_photo_1.jpg", "new_photo_2.jpg", "初赛开幕式", "学生作品展示", "进展报告")
		hm := heldIDRe.FindStringSubmatch(page)
		if hm == nil {
			t.Fatalf("no 提交 button on the held page")
		}
		resp, page = edu.Post("/held/"+hm[1]+"/submit", nil)
		secExpectRedirect(t, "submitting the held report", resp, rpath+"?flash=submitted")

		after := heldReportState(t, e, id)
		if after.state != "submitted" || !strings.Contains(after.narrative, marker) || after.attached != 2 ||
			after.files != before.files+2 {
			t.Fatalf("after submitting the held report: %+v (before %+v)", after, before)
		}
		var captions []string
		rows, err := e.app.DB.R().QueryContext(context.Background(),
			`SELECT caption FROM report_files WHERE report_id = $1 AND role = 'photo' ORDER BY seq`, id)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			captions = append(captions, c)
		}
		rows.Close()
		sort.Strings(captions) // the photos' order is the order the map sent them
		if strings.Join(captions, "|") != "初赛开幕式|学生作品展示" {
			t.Fatalf("photo captions %q", captions)
		}
		resp, page = edu.Get(rpath)
		orgWant(t, "the submitted report", resp, page, 200, "I10-R7", "初赛开幕式", "学生作品展示")

		// A second 提交 of the same held request: gone, nothing saved twice.
		resp, _ = edu.Post("/held/"+hm[1]+"/submit", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("second submit: %d, want 404", resp.StatusCode)
		}
		if again := heldReportState(t, e, id); again != after {
			t.Fatalf("the second submit changed the report: %+v, was %+v", again, after)
		}
	})
}

// heldScriptPost posts form as the report page's autosave script does:
// urlencoded, the token in a header, asking for JSON.
func heldScriptPost(t *testing.T, c *testkit.Client, path, csrf string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", csrf)
	req.Header.Set("Accept", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func heldCount(t *testing.T, e *orgEnv) int {
	t.Helper()
	var n int
	if err := e.app.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM held_requests`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
