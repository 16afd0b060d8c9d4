package testkit

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"liandong/internal/app"
	"liandong/internal/core"
)

// StartApp opens the whole application on a fresh database of the engine
// behind dsn and serves it with httptest. cfg may set Demo, Clock, Log.
func StartApp(t testing.TB, dsn string, cfg app.Config) (*app.App, *httptest.Server) {
	t.Helper()
	cfg.DSN = ""
	if EngineOf(dsn) == "postgres" {
		cfg.DSN = dsn
	}
	cfg.DataDir = t.TempDir()
	cfg.AllowNonDurable = true
	if cfg.Log == nil {
		cfg.Log = Logger(nil)
	}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close() })
	return a, srv
}

// Client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects (tests look at them), and sends the page's CSRF token on posts.
type Client struct {
	T    testing.TB
	Base string
	HTTP *http.Client
	CSRF string
}

// NewClient returns a client for the server at base.
func NewClient(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{T: t, Base: base, HTTP: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// Login logs in through the login form and fails the test if it does not
// succeed; afterwards c.CSRF holds the session's form token.
func (c *Client) Login(username, password string) {
	c.T.Helper()
	if code, body := c.TryLogin(username, password); code != http.StatusSeeOther {
		c.T.Fatalf("login %s: status %d: %s", username, code, body)
	}
}

// TryLogin posts the login form and returns the status and body.
func (c *Client) TryLogin(username, password string) (int, string) {
	c.T.Helper()
	_, page := c.Get("/login")
	if m := csrfField.FindStringSubmatch(page); m != nil {
		c.CSRF = m[1]
	}
	resp, body := c.Post("/login", url.Values{"username": {username}, "password": {password}})
	if resp.StatusCode == http.StatusSeeOther {
		_, home := c.Get("/")
		if m := csrfField.FindStringSubmatch(home); m != nil {
			c.CSRF = m[1]
		}
	}
	return resp.StatusCode, body
}

// Get fetches path and returns the response and body.
func (c *Client) Get(path string) (*http.Response, string) {
	c.T.Helper()
	return c.Do(http.MethodGet, path, "", nil)
}

// Post submits a form with the CSRF token added.
func (c *Client) Post(path string, form url.Values) (*http.Response, string) {
	c.T.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", c.CSRF)
	}
	return c.Do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// Do sends a request with the CSRF header set and returns the response and body.
func (c *Client) Do(method, path, contentType string, body io.Reader) (*http.Response, string) {
	c.T.Helper()
	req, err := http.NewRequest(method, c.Base+path, body)
	if err != nil {
		c.T.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// Roles lists the roles for matrix tests, with "" for anonymous.
var Roles = append([]core.Role{""}, core.Roles...)
