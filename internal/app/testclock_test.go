package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/core"
	"liandong/internal/testkit"
)

// TestTestClockRoute: POST /test/clock does not exist unless the server
// runs with the test clock, which is refused without demo mode; with it,
// the route moves the clock the application runs on.
func TestTestClockRoute(t *testing.T) {
	dsn := testkit.NewDSN(t, "sqlite")
	a, srv := testkit.StartApp(t, dsn, app.Config{})
	for _, rt := range a.Routes() {
		if strings.Contains(rt.Pattern, "/test/") {
			t.Fatalf("route %s served without the test clock", rt.Pattern)
		}
	}
	c := testkit.NewClient(t, srv.URL)
	_, page := c.Get("/login")
	if i := strings.Index(page, `name="csrf_token" value="`); i >= 0 {
		c.CSRF = strings.SplitN(page[i+len(`name="csrf_token" value="`):], `"`, 2)[0]
	}
	if resp, _ := c.Post("/test/clock?advance=31m", url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("POST /test/clock without the flag: %d, want 404", resp.StatusCode)
	}

	if _, err := app.Open(context.Background(), app.Config{DataDir: t.TempDir(), TestClock: true, Log: testkit.Logger(nil)}); err == nil ||
		!strings.Contains(err.Error(), "--demo") {
		t.Fatalf("the test clock without demo mode: %v", err)
	}

	clock := core.NewFakeClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	_, srv = testkit.StartApp(t, testkit.NewDSN(t, "sqlite"), app.Config{Demo: true, TestClock: true, Clock: clock})
	c = testkit.NewClient(t, srv.URL)
	_, page = c.Get("/login")
	if i := strings.Index(page, `name="csrf_token" value="`); i >= 0 {
		c.CSRF = strings.SplitN(page[i+len(`name="csrf_token" value="`):], `"`, 2)[0]
	}
	resp, body := c.Post("/test/clock?advance=31m", url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "2026-03-02T01:31:00Z") {
		t.Fatalf("POST /test/clock: %d %s", resp.StatusCode, body)
	}
	if got := clock.Now(); !got.Equal(time.Date(2026, 3, 2, 1, 31, 0, 0, time.UTC)) {
		t.Fatalf("clock at %v after advancing 31 minutes", got)
	}
	if resp, _ := c.Post("/test/clock?advance=-5m", url.Values{}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a negative step: %d, want 422", resp.StatusCode)
	}
}
