package app_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/testkit"
)

// syncBuffer collects the JSON log of a running app.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const officePassword = "Xq7#pLm2vR9k"

// seedOffice adds a region, its leading group and an office account
// "office1" in it, and returns the body id.
func seedOffice(t *testing.T, a *app.App) int64 {
	t.Helper()
	ctx := context.Background()
	var regionID, bodyID int64
	if err := a.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO regions (code, name, level) VALUES ('450200', '柳州市', 'city') RETURNING id`).Scan(&regionID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO bodies (kind, name, region_id, created_at, updated_at)
			VALUES ('leading_group', '柳州市全民科学素质工作领导小组', $1, 0, 0) RETURNING id`, regionID).Scan(&bodyID)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Username: "office1", DisplayName: "测试", Role: core.RoleOffice,
		BodyIDs: []int64{bodyID}, Password: officePassword}); err != nil {
		t.Fatal(err)
	}
	return bodyID
}

// TestEveryRouteHasAKnownPermission walks the route tables of the running
// application: every route names a method, a handler, and a permission the
// policy table knows, so nothing is reachable by omission (SECURITY.md B2).
func TestEveryRouteHasAKnownPermission(t *testing.T) {
	a, _ := testkit.StartApp(t, testkit.NewDSN(t, "sqlite"), app.Config{})
	routes := a.Routes()
	if len(routes) < 5 {
		t.Fatalf("only %d routes: the tables were not collected", len(routes))
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		if !auth.Known(rt.Perm) {
			t.Errorf("%s: permission %q is not in the policy table", rt.Pattern, rt.Perm)
		}
		if rt.Handler == nil {
			t.Errorf("%s: no handler", rt.Pattern)
		}
		method, _, ok := strings.Cut(rt.Pattern, " ")
		if !ok || method != strings.ToUpper(method) {
			t.Errorf("%s: the pattern must start with its method", rt.Pattern)
		}
		if seen[rt.Pattern] {
			t.Errorf("%s: declared twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
	}
}

// concretePath turns a route pattern into a path to request: every
// wildcard becomes 1.
func concretePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{$}", "")
	path = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
	return method, path
}

// TestSecurityHeadersEverywhere requests every GET route of the tables as
// a logged-in user and anonymously, plus a static file, a 404, and a
// refused request: each carries the fixed CSP, nosniff, Referrer-Policy and
// frame denial, and every non-static response is no-store (SECURITY.md D5).
func TestSecurityHeadersEverywhere(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		a, srv := testkit.StartApp(t, dsn, app.Config{})
		seedOffice(t, a)
		paths := []string{"/static/css/app.css", "/static/css/app.css?v=1", "/no/such/page", "/login", "/static/", "/api/v1/nothing"}
		for _, rt := range a.Routes() {
			if m, p := concretePath(rt.Pattern); m == http.MethodGet {
				paths = append(paths, p)
			}
		}
		anon := testkit.NewClient(t, srv.URL)
		user := testkit.NewClient(t, srv.URL)
		user.Login("office1", officePassword)
		for _, c := range []*testkit.Client{anon, user} {
			for _, p := range paths {
				resp, _ := c.Get(p)
				checkHeaders(t, "GET "+p, resp, false)
			}
			// A refused unsafe request and a method the route does not take.
			resp, _ := c.Do(http.MethodPost, "/login", "application/x-www-form-urlencoded", strings.NewReader("csrf_token=forged"))
			checkHeaders(t, "forged POST /login", resp, false)
			resp, _ = c.Do(http.MethodGet, "/logout", "", nil)
			checkHeaders(t, "GET /logout", resp, false)
		}
		if t.Failed() {
			return
		}
		// HSTS only under TLS (Secure), never on plain HTTP.
		resp, _ := anon.Get("/login")
		if h := resp.Header.Get("Strict-Transport-Security"); h != "" {
			t.Errorf("HSTS %q on a plain-HTTP deployment", h)
		}
		_, ssrv := testkit.StartApp(t, dsn, app.Config{Secure: true})
		for _, p := range []string{"/login", "/no/such/page", "/static/css/app.css"} {
			resp, _ := testkit.NewClient(t, ssrv.URL).Get(p)
			checkHeaders(t, "secure GET "+p, resp, true)
		}
	})
}

// checkHeaders asserts the security headers of resp; a status of 500 or
// more fails unless it is the expected one.
func checkHeaders(t *testing.T, what string, resp *http.Response, hsts bool, expect5xx ...int) {
	t.Helper()
	h := resp.Header
	want := map[string]string{
		"Content-Security-Policy": httpx.CSP,
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
	}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s (%d): %s = %q, want %q", what, resp.StatusCode, k, got, v)
		}
	}
	static := strings.HasPrefix(resp.Request.URL.Path, "/static/")
	if cc := h.Get("Cache-Control"); !static && cc != "no-store" {
		t.Errorf("%s (%d): Cache-Control %q, want no-store", what, resp.StatusCode, cc)
	} else if static && strings.Contains(cc, "no-store") {
		t.Errorf("%s: static file is no-store", what)
	}
	if sts := h.Get("Strict-Transport-Security"); hsts && !strings.HasPrefix(sts, "max-age=") {
		t.Errorf("%s: HSTS %q under Secure", what, sts)
	}
	if resp.StatusCode >= 500 && !slices.Contains(expect5xx, resp.StatusCode) {
		t.Errorf("%s: status %d", what, resp.StatusCode)
	}
}

// flipFirst returns token with its first character changed.
func flipFirst(token string) string {
	if token[0] == 'A' {
		return "B" + token[1:]
	}
	return "A" + token[1:]
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// sessionAlive reports whether the client's session still opens the home
// page (200) rather than redirecting to the login page.
func sessionAlive(t *testing.T, c *testkit.Client) bool {
	t.Helper()
	resp, _ := c.Get("/")
	return resp.StatusCode == http.StatusOK
}

// TestCrossSiteRequestsAreRefused drives the real login and logout forms:
// cross-site POSTs are 403 whether the browser says so by Fetch Metadata or
// by Origin, a POST with neither header needs the form token, and a GET
// never changes state (SECURITY.md D4).
func TestCrossSiteRequestsAreRefused(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		a, srv := testkit.StartApp(t, dsn, app.Config{})
		seedOffice(t, a)
		post := func(c *testkit.Client, path string, form url.Values, hdr map[string]string) int {
			t.Helper()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			resp, err := c.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		// Login CSRF: the pre-login form token is enforced too.
		c := testkit.NewClient(t, srv.URL)
		_, page := c.Get("/login")
		m := csrfInput.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("login page has no csrf_token field")
		}
		creds := url.Values{"username": {"office1"}, "password": {officePassword}}
		withToken := func(tok string) url.Values {
			v := url.Values{}
			for k, x := range creds {
				v[k] = x
			}
			v.Set("csrf_token", tok)
			return v
		}
		for name, tc := range map[string]struct {
			form url.Values
			hdr  map[string]string
		}{
			"no token":             {creds, nil},
			"wrong token":          {withToken(flipFirst(m[1])), nil},
			"cross-site fetch":     {withToken(m[1]), map[string]string{"Sec-Fetch-Site": "cross-site"}},
			"foreign origin":       {withToken(m[1]), map[string]string{"Origin": "https://evil.example"}},
			"same-site subdomain":  {withToken(m[1]), map[string]string{"Sec-Fetch-Site": "same-site"}},
			"foreign origin, null": {withToken(m[1]), map[string]string{"Origin": "null"}},
		} {
			if code := post(c, "/login", tc.form, tc.hdr); code != http.StatusForbidden {
				t.Errorf("login with %s: status %d, want 403", name, code)
			}
		}
		if sessionAlive(t, c) {
			t.Fatal("a refused login opened a session")
		}
		if code := post(c, "/login", withToken(m[1]), map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}); code != http.StatusSeeOther {
			t.Fatalf("same-origin login with the token: status %d, want 303", code)
		}
		_, home := c.Get("/")
		m = csrfInput.FindStringSubmatch(home)
		if m == nil {
			t.Fatal("home page has no logout form token")
		}
		token := m[1]

		// Logout is the state change: each refused attempt leaves the session alive.
		for name, tc := range map[string]struct {
			form url.Values
			hdr  map[string]string
		}{
			"cross-site fetch, right token": {url.Values{"csrf_token": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
			"foreign origin, right token":   {url.Values{"csrf_token": {token}}, map[string]string{"Origin": "https://evil.example"}},
			"no headers, no token":          {url.Values{}, nil},
			"no headers, truncated token":   {url.Values{"csrf_token": {m[1][:10]}}, nil},
		} {
			if code := post(c, "/logout", tc.form, tc.hdr); code != http.StatusForbidden {
				t.Errorf("logout with %s: status %d, want 403", name, code)
			}
			if !sessionAlive(t, c) {
				t.Fatalf("logout with %s ended the session", name)
			}
		}
		// GET and HEAD on the POST-only route are 405 and change nothing.
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, _ := c.Do(method, "/logout", "", nil)
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
				t.Errorf("%s /logout: status %d, Allow %q; want 405, POST", method, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
		if !sessionAlive(t, c) {
			t.Fatal("GET /logout ended the session")
		}
		// The right token with no Fetch Metadata (an old browser) works.
		if code := post(c, "/logout", url.Values{"csrf_token": {token}}, nil); code != http.StatusSeeOther {
			t.Fatalf("logout with the right token: status %d, want 303", code)
		}
		if sessionAlive(t, c) {
			t.Error("the session survived logout")
		}
	})
}

// TestDatabaseErrorsStayInTheLog breaks the database under the running
// app: the 500 shows the request id and nothing internal, and the JSON log
// has the cause under the same request id (SECURITY.md D6).
func TestDatabaseErrorsStayInTheLog(t *testing.T) {
	for _, breakIt := range []struct {
		name string
		do   func(t *testing.T, a *app.App)
	}{
		{"dropped table", func(t *testing.T, a *app.App) {
			ctx := context.Background()
			if err := a.DB.InTx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `DROP TABLE user_bodies`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}},
		{"closed database", func(t *testing.T, a *app.App) { a.DB.Close() }},
	} {
		t.Run(breakIt.name, func(t *testing.T) {
			testkit.EachEngine(t, func(t *testing.T, dsn string) {
				logs := &syncBuffer{}
				a, srv := testkit.StartApp(t, dsn, app.Config{Log: testkit.Logger(logs)})
				seedOffice(t, a)
				c := testkit.NewClient(t, srv.URL)
				c.Login("office1", officePassword)
				breakIt.do(t, a)
				for _, path := range []string{"/", "/api/v1/me"} {
					resp, body := c.Get(path)
					id := resp.Header.Get("X-Request-ID")
					if resp.StatusCode != http.StatusInternalServerError {
						t.Errorf("%s: status %d, want 500", path, resp.StatusCode)
					}
					checkHeaders(t, "failed GET "+path, resp, false, http.StatusInternalServerError)
					if id == "" || !strings.Contains(body, id) {
						t.Errorf("%s: body lacks the request id %q: %s", path, id, body)
					}
					if !strings.Contains(body, "系统内部错误") {
						t.Errorf("%s: body lacks the generic Chinese message: %s", path, body)
					}
					for _, leak := range []string{"goroutine", "sql:", "/work/", "/tmp/", ".go", "user_bodies", "SQLSTATE", "database is closed"} {
						if strings.Contains(body, leak) {
							t.Errorf("%s: body leaks %q", path, leak)
						}
					}
					if !logLineWith(t, logs.String(), id, "request failed") {
						t.Errorf("%s: no log line for request %s:\n%s", path, id, logs)
					}
				}
			})
		})
	}
}

// logLineWith reports whether the JSON log has a line with the request id,
// the message msg and a non-empty err; every line must be valid JSON.
func logLineWith(t *testing.T, log, id, msg string) bool {
	t.Helper()
	found := false
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if m["request_id"] == id && m["msg"] == msg && m["err"] != "" {
			found = true
		}
	}
	return found
}

// TestHTTPHardening: no debug routes, no TRACE, no directory listing, and
// an oversize form is 413 (SECURITY.md D9).
func TestHTTPHardening(t *testing.T) {
	_, srv := testkit.StartApp(t, testkit.NewDSN(t, "sqlite"), app.Config{})
	c := testkit.NewClient(t, srv.URL)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/debug/pprof/", 404},
		{"GET", "/debug/pprof/goroutine?debug=2", 404},
		{"GET", "/debug/vars", 404},
		{"TRACE", "/", 405},
		{"TRACE", "/login", 405},
		{"TRACK", "/login", 405},
		{"GET", "/static/", 404},
		{"GET", "/static/css/", 404},
		{"GET", "/static/js/", 404},
		{"GET", "/static/../go.mod", 404},
		{"GET", "/static/css/../../templates/home.html", 404},
	} {
		// Follow redirects: the mux cleans ".." paths by redirecting.
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		for _, leak := range []string{`<a href="app.css"`, `<a href="app.js"`, "<pre>", "goroutine", "module liandong", "{{define"} {
			if strings.Contains(string(b), leak) {
				t.Errorf("%s %s: body reveals %q", tc.method, tc.path, leak)
			}
		}
	}
	if resp, body := c.Get("/static/css/app.css"); resp.StatusCode != 200 || len(body) == 0 {
		t.Errorf("the stylesheet itself: status %d", resp.StatusCode)
	}
	// An oversize login form is refused before the password is looked at.
	_, page := c.Get("/login")
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no csrf token on the login page")
	}
	form := url.Values{"csrf_token": {m[1]}, "username": {"office1"}, "password": {strings.Repeat("x", httpx.MaxBodyBytes)}}
	resp, body := c.Post("/login", form)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "过大") {
		t.Errorf("oversize login form: status %d, want 413 with a Chinese message: %.300s", resp.StatusCode, body)
	}
}

// TestSlowlorisIsCutOff dribbles request headers to a real listener: the
// server closes the connection at ReadHeaderTimeout instead of waiting for
// the headers to end (SECURITY.md D9, gosec G112).
func TestSlowlorisIsCutOff(t *testing.T) {
	const headerTimeout = 300 * time.Millisecond
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Log: testkit.Logger(nil), ReadHeaderTimeout: headerTimeout}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, func(addr string) { addrc <- addr }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}

	// A well-behaved client is served.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan struct{})
	go func() {
		// Returns when the server closes the connection (EOF or reset).
		_, _ = io.Copy(io.Discard, bufio.NewReader(conn))
		close(closed)
	}()
	if _, err := fmt.Fprintf(conn, "GET /login HTTP/1.1\r\nHost: %s\r\n", addr); err != nil {
		t.Fatal(err)
	}
	// Keep dribbling one header line every 50 ms for far longer than the
	// timeout; the headers never end.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(20 * headerTimeout)
	for i := 0; ; i++ {
		select {
		case <-closed:
			return // cut off
		case <-giveUp:
			t.Fatalf("the server still held a connection whose headers never ended after %s", 20*headerTimeout)
		case <-tick.C:
			_, _ = fmt.Fprintf(conn, "X-Slow-%d: a\r\n", i)
		}
	}
}
