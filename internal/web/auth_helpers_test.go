package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/testkit"
)

// Helpers of the account and security tests (auth_*, account_*, admin_*):
// prefixed "sec" to stay apart from other areas' helpers in this package.

// secPassword passes the default policy and names nothing of the product.
const secPassword = "Hongshui-River-77"

// secT0 is the fake clock's start: a Monday morning in Beijing.
var secT0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// secLog is a concurrency-safe buffer for the app's JSON log.
type secLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *secLog) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *secLog) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// secEnv is a running application with a fake clock and a captured log.
type secEnv struct {
	t     *testing.T
	App   *app.App
	Srv   *httptest.Server
	Clock *core.FakeClock
	Log   *secLog
	Body  int64 // a leading group for business accounts
	Unit  int64 // a unit in it
	totp  map[string]*secTOTP
}

type secTOTP struct {
	secret   string
	lastStep int64
}

// secStart opens the app on dsn with a fake clock at secT0 and seeds one
// region, unit and leading group.
func secStart(t *testing.T, dsn string, cfg app.Config) *secEnv {
	t.Helper()
	e := &secEnv{t: t, Clock: core.NewFakeClock(secT0), Log: &secLog{}, totp: map[string]*secTOTP{}}
	cfg.Clock, cfg.Log = e.Clock, testkit.Logger(e.Log)
	e.App, e.Srv = testkit.StartApp(t, dsn, cfg)
	ctx := context.Background()
	if err := e.App.DB.InTx(ctx, func(tx *sql.Tx) error {
		var region int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO regions (code, name, level) VALUES ('450200', '柳州市', 'city')
			RETURNING id`).Scan(&region); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO units (region_id, name, short_name, kind, created_at, updated_at)
			VALUES ($1, '柳州市教育局', '市教育局', 'government', 0, 0) RETURNING id`, region).Scan(&e.Unit); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO bodies (kind, name, region_id, created_at, updated_at)
			VALUES ('leading_group', '柳州市全民科学素质工作领导小组', $1, 0, 0) RETURNING id`, region).Scan(&e.Body)
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

// user creates an account with role directly (as the command line does).
func (e *secEnv) user(username string, role core.Role) *auth.User {
	e.t.Helper()
	n := auth.NewUser{Username: username, DisplayName: "测试" + username, Role: role, Password: secPassword}
	if !role.IsAdmin() && role != "" {
		n.BodyIDs, n.UnitID = []int64{e.Body}, e.Unit
	}
	u, err := e.App.Auth.CreateUser(context.Background(), n)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// client returns a new browser-like client.
func (e *secEnv) client() *testkit.Client { return testkit.NewClient(e.t, e.Srv.URL) }

var (
	secCSRFRe   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	secSecretRe = regexp.MustCompile(`class="secret"><code>([A-Z2-7 ]+)</code>`)
)

// refreshCSRF takes the form token of the page at path.
func secRefreshCSRF(c *testkit.Client, page string) {
	if m := secCSRFRe.FindStringSubmatch(page); m != nil {
		c.CSRF = m[1]
	}
}

// login logs a business user in and loads the home page's form token.
func (e *secEnv) login(username string) *testkit.Client {
	e.t.Helper()
	c := e.client()
	c.Login(username, secPassword)
	return c
}

// loginAdmin logs an administrator in through the password and the second
// factor, setting the factor up at the first login, and returns the client
// with the session's form token.
func (e *secEnv) loginAdmin(username string) *testkit.Client {
	e.t.Helper()
	c := e.client()
	c.Login(username, secPassword)
	e.passMFA(c, username)
	return c
}

// passMFA completes the second factor of a client that has passed the password.
func (e *secEnv) passMFA(c *testkit.Client, username string) {
	e.t.Helper()
	tt := e.totp[username]
	path := "/mfa"
	if tt == nil {
		resp, page := c.Get("/mfa/setup")
		m := secSecretRe.FindStringSubmatch(page)
		if resp.StatusCode != http.StatusOK || m == nil {
			e.t.Fatalf("GET /mfa/setup: %d, no secret on the page:\n%s", resp.StatusCode, page)
		}
		tt = &secTOTP{secret: strings.ReplaceAll(m[1], " ", "")}
		e.totp[username] = tt
		secRefreshCSRF(c, page)
		path = "/mfa/setup"
	} else {
		_, page := c.Get("/mfa")
		secRefreshCSRF(c, page)
	}
	resp, body := c.Post(path, map[string][]string{"code": {e.code(username)}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("POST %s: %d\n%s", path, resp.StatusCode, body)
	}
	_, page := c.Get("/account")
	secRefreshCSRF(c, page)
}

// code returns a fresh code for username, moving the clock on a step when
// the current one was used already (a code is good once).
func (e *secEnv) code(username string) string {
	e.t.Helper()
	tt := e.totp[username]
	if auth.TOTPStepAt(e.Clock.Now()) <= tt.lastStep {
		e.Clock.Advance(auth.TOTPStep)
	}
	tt.lastStep = auth.TOTPStepAt(e.Clock.Now())
	c, err := auth.TOTPCode(tt.secret, e.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// findUser reads an account afresh.
func (e *secEnv) findUser(username string) *auth.User {
	e.t.Helper()
	u, err := auth.FindUserByUsername(context.Background(), e.App.DB.R(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// sessions counts the server-side sessions of username.
func (e *secEnv) sessions(username string) int {
	e.t.Helper()
	var n int
	if err := e.App.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions s
		JOIN users u ON u.id = s.user_id WHERE u.username = $1`, username).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// auditCount counts audit rows of action (and outcome, when given).
func (e *secEnv) auditCount(action, outcome string) int {
	e.t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM audit_log WHERE action = $1`
	args := []any{action}
	if outcome != "" {
		q += ` AND outcome = $2`
		args = append(args, outcome)
	}
	if err := e.App.DB.R().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// as runs service calls as the named user (for setting up a test state
// without clicking through pages).
func (e *secEnv) as(username string) context.Context {
	e.t.Helper()
	u := e.findUser(username)
	a, err := auth.ActorFor(context.Background(), e.App.DB.R(), u)
	if err != nil {
		e.t.Fatal(err)
	}
	return core.WithActor(audit.WithMeta(context.Background(), &audit.Meta{IP: "127.0.0.1"}), a)
}

// expectRedirect fails unless resp is a 303 to a location starting with prefix.
func secExpectRedirect(t *testing.T, what string, resp *http.Response, prefix string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), prefix) {
		t.Fatalf("%s: got %d → %q, want 303 → %s…", what, resp.StatusCode, resp.Header.Get("Location"), prefix)
	}
}

// secSetCookie returns the last Set-Cookie of name in resp (the one the
// browser keeps), or nil.
func secSetCookie(resp *http.Response, name string) *http.Cookie {
	var last *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == name {
			last = c
		}
	}
	return last
}

// exec runs one statement to set up a state the pages cannot reach.
func (e *secEnv) exec(query string, args ...any) {
	e.t.Helper()
	if err := e.App.DB.InTx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), query, args...)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
}

func secItoa(n int64) string { return strconv.FormatInt(n, 10) }
