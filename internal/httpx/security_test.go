package httpx_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/httpx"
	"liandong/internal/testkit"
)

// syncBuffer is a log sink that handlers on server goroutines may write to
// while the test reads it.
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

// testGuard is the guard of the latest guardServer, for handlers that
// report errors through it.
var testGuard *httpx.Guard

// guardServer serves the given test-only route table through the real
// middleware chain on a real database.
func guardServer(t *testing.T, d *db.DB, routes []httpx.Route) (*httptest.Server, *syncBuffer, *auth.Service) {
	t.Helper()
	logs := &syncBuffer{}
	clock := core.NewFakeClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	svc := &auth.Service{DB: d, Clock: clock, Argon: auth.DefaultArgon2}
	testGuard = &httpx.Guard{DB: d, Auth: svc, Clock: clock, Log: testkit.Logger(logs)}
	srv := httptest.NewServer(testGuard.Handler(routes))
	t.Cleanup(srv.Close)
	return srv, logs, svc
}

func countRegions(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM regions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A handler that panics half-way through a write fails closed: a generic
// Chinese 500 with the request id, nothing internal in the body, the panic
// logged under that id, and the write rolled back (SECURITY.md B2, D6).
func TestPanicFailsClosedWithoutWriting(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		routes := []httpx.Route{{Pattern: "POST /boom", Perm: auth.PermPublic, Handler: func(w http.ResponseWriter, r *http.Request) {
			_ = d.InTx(r.Context(), func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(r.Context(), `INSERT INTO regions (code, name, level) VALUES ('450200', '柳州市', 'city')`); err != nil {
					t.Errorf("insert: %v", err)
				}
				panic("boom in /work/main/internal/secret.go: sql: broken")
			})
		}}}
		srv, logs, _ := guardServer(t, d, routes)
		token := strings.Repeat("c", 43)
		req, _ := http.NewRequest("POST", srv.URL+"/boom", strings.NewReader("a=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-CSRF-Token", token)
		req.AddCookie(&http.Cookie{Name: httpx.PreLoginCookie, Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500; body %s", resp.StatusCode, body)
		}
		var e httpx.APIError
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("body is not the error envelope: %v: %s", err, body)
		}
		id := resp.Header.Get("X-Request-ID")
		if id == "" || e.Error.RequestID != id {
			t.Errorf("request id in body %q, header %q", e.Error.RequestID, id)
		}
		if !strings.Contains(e.Error.Message, "系统内部错误") {
			t.Errorf("message %q is not the generic Chinese one", e.Error.Message)
		}
		for _, leak := range []string{"goroutine", "boom", "/work/", ".go", "sql:", "panic"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("body leaks %q: %s", leak, body)
			}
		}
		if n := countRegions(t, d); n != 0 {
			t.Errorf("%d regions after the panic, want the write rolled back", n)
		}
		if !logHas(t, logs.String(), id, "panic") {
			t.Errorf("no log line with msg panic and request id %s:\n%s", id, logs)
		}
	})
}

// logHas reports whether the JSON log holds a line with the request id and
// the message msg. Every line must be valid JSON.
func logHas(t *testing.T, log, id, msg string) bool {
	t.Helper()
	found := false
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if m["request_id"] == id && m["msg"] == msg {
			found = true
		}
	}
	return found
}

// Default deny: a route whose permission is unknown or missing is refused
// to everyone, whatever their role, and its handler never runs (B2).
func TestUnknownPermissionDenies(t *testing.T) {
	for _, p := range []auth.Permission{"", "org.raed", "admin", "*"} {
		if auth.Known(p) {
			t.Errorf("Known(%q) = true", p)
		}
		if auth.Allowed(nil, p) {
			t.Errorf("anonymous allowed %q", p)
		}
		for _, r := range core.Roles {
			if auth.Allowed(&core.Actor{UserID: 1, Role: r}, p) {
				t.Errorf("role %s allowed unknown permission %q", r, p)
			}
		}
	}
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ran := false
		h := func(w http.ResponseWriter, r *http.Request) { ran = true }
		routes := []httpx.Route{
			{Pattern: "GET /api/v1/typo", Perm: "org.raed", Handler: h},
			{Pattern: "GET /api/v1/unset", Handler: h},
		}
		srv, _, svc := guardServer(t, d, routes)
		ctx := context.Background()
		var regionID, bodyID int64
		if err := d.InTx(ctx, func(tx *sql.Tx) error {
			if err := tx.QueryRowContext(ctx, `INSERT INTO regions (code, name, level) VALUES ('450200', '柳州市', 'city') RETURNING id`).Scan(&regionID); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `INSERT INTO bodies (kind, name, region_id, created_at, updated_at)
				VALUES ('leading_group', '柳州市全民科学素质工作领导小组', $1, 0, 0) RETURNING id`, regionID).Scan(&bodyID)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateUser(ctx, auth.NewUser{Username: "office1", DisplayName: "测试", Role: core.RoleOffice,
			BodyIDs: []int64{bodyID}, Password: "Xq7#pLm2vR9k"}); err != nil {
			t.Fatal(err)
		}
		token, err := svc.CreateToken(ctx, "office1", "test")
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/api/v1/typo", "/api/v1/unset"} {
			for _, bearer := range []string{"", token} {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				if bearer != "" {
					req.Header.Set("Authorization", "Bearer "+bearer)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				want := http.StatusForbidden
				if bearer == "" {
					want = http.StatusUnauthorized
				}
				if resp.StatusCode != want {
					t.Errorf("%s (logged in: %v): status %d, want %d", path, bearer != "", resp.StatusCode, want)
				}
			}
		}
		if ran {
			t.Error("a handler behind an unknown permission ran")
		}
	})
}

// A body over MaxBodyBytes is 413 with a Chinese message, whether the
// guard's form parsing or a handler's JSON decoding hits the limit (D9).
func TestOversizeBodyIs413(t *testing.T) {
	d := testkit.OpenDB(t, db.SQLite)
	routes := []httpx.Route{
		{Pattern: "POST /form", Perm: auth.PermPublic, Handler: func(w http.ResponseWriter, r *http.Request) {
			t.Error("form handler ran on an oversize body")
		}},
		{Pattern: "POST /api/v1/echo", Perm: auth.PermPublic, Handler: func(w http.ResponseWriter, r *http.Request) {
			var v map[string]any
			if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
				// As handlers do: wrap the cause in a core error and let the guard map it.
				testGuard.Error(w, r, 0, &core.Error{Code: core.EINVALID, Message: "请求内容无效", Err: err})
				return
			}
			httpx.WriteJSON(w, http.StatusOK, v)
		}},
	}
	srv, _, _ := guardServer(t, d, routes)
	token := strings.Repeat("c", 43)
	big := strings.Repeat("x", httpx.MaxBodyBytes+1024)
	cases := []struct {
		path, ctype, body string
	}{
		{"/form", "application/x-www-form-urlencoded", "csrf_token=" + token + "&text=" + big},
		{"/form", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n" + big + "\r\n--XX--\r\n"},
		{"/api/v1/echo", "application/json", `{"text":"` + big + `"}`},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("POST", srv.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ctype)
		req.Header.Set("X-CSRF-Token", token)
		req.AddCookie(&http.Cookie{Name: httpx.PreLoginCookie, Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s %s: status %d, want 413; %s", c.path, c.ctype, resp.StatusCode, body)
			continue
		}
		var e httpx.APIError
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%s: %v: %s", c.path, err, body)
		}
		if e.Error.Code != core.ETOOLARGE || !strings.Contains(e.Error.Message, "过大") {
			t.Errorf("%s %s: error %+v, want too_large with a Chinese message", c.path, c.ctype, e.Error)
		}
	}
	// A body under the limit passes.
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/echo", strings.NewReader(`{"text":"好"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", token)
	req.AddCookie(&http.Cookie{Name: httpx.PreLoginCookie, Value: token})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("small JSON body: status %d", resp.StatusCode)
	}
}

// A method a route does not take is 405 with Allow, not 404 from the
// catch-all, and TRACE is refused outright (D4, D9).
func TestWrongMethodIs405(t *testing.T) {
	d := testkit.OpenDB(t, db.SQLite)
	ran := false
	routes := []httpx.Route{
		{Pattern: "POST /things", Perm: auth.PermPublic, Handler: func(w http.ResponseWriter, r *http.Request) { ran = true }},
		{Pattern: "GET /page", Perm: auth.PermPublic, Handler: func(w http.ResponseWriter, r *http.Request) {}},
	}
	srv, _, _ := guardServer(t, d, routes)
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/things", 405, "POST"},
		{"HEAD", "/things", 405, "POST"},
		{"DELETE", "/page", 405, "GET, HEAD"},
		{"TRACE", "/page", 405, ""},
		{"GET", "/nothing", 404, ""},
		{"POST", "/nothing", 404, ""},
	} {
		// With a valid pre-login CSRF token, so that unsafe methods reach routing.
		token := strings.Repeat("c", 43)
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		req.Header.Set("X-CSRF-Token", token)
		req.AddCookie(&http.Cookie{Name: httpx.PreLoginCookie, Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
		if c.allow != "" && resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, resp.Header.Get("Allow"), c.allow)
		}
	}
	if ran {
		t.Error("the POST handler ran on another method")
	}
}
