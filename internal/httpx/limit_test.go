package httpx_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/httpx"
	"liandong/internal/testkit"
)

// TestDefaultLimitsBuckets runs the default upload and export buckets on
// synctest's fake clock (SECURITY.md D7): the burst, then one per
// interval, per key, and the wait reported until the next one.
func TestDefaultLimitsBuckets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := httpx.DefaultLimits(core.SystemClock{})
		cases := []struct {
			class httpx.LimitClass
			burst int
			every time.Duration
		}{
			{httpx.LimitUpload, 60, time.Second},
			{httpx.LimitExport, 10, 6 * time.Second},
		}
		for _, c := range cases {
			th := limits[c.class]
			for i := 0; i < c.burst; i++ {
				if ok, _ := th.Allow("user:7"); !ok {
					t.Fatalf("%s: request %d of the burst refused", c.class, i+1)
				}
			}
			ok, wait := th.Allow("user:7")
			if ok || wait < c.every || wait > c.every+time.Second {
				t.Fatalf("%s over the burst: ok=%v wait=%v, want refused for %v", c.class, ok, wait, c.every)
			}
			if ok, _ := th.Allow("user:8"); !ok {
				t.Fatalf("%s: another user refused", c.class)
			}
			time.Sleep(c.every / 2)
			if ok, _ := th.Allow("user:7"); ok {
				t.Fatalf("%s: allowed after half an interval", c.class)
			}
			time.Sleep(c.every)
			if ok, _ := th.Allow("user:7"); !ok {
				t.Fatalf("%s: refused after an interval", c.class)
			}
			if ok, _ := th.Allow("user:7"); ok {
				t.Fatalf("%s: two after one interval", c.class)
			}
			time.Sleep(time.Duration(c.burst) * c.every)
			for i := 0; i < c.burst; i++ {
				if ok, _ := th.Allow("user:7"); !ok {
					t.Fatalf("%s: the burst did not refill (request %d)", c.class, i+1)
				}
			}
		}
	})
}

// TestRouteLimitOverHTTP: a route with a limit class answers 429 with
// Retry-After and a Chinese message once the bucket is empty, per user for
// logged-in callers and per address for anonymous ones; a route without a
// class is not limited.
func TestRouteLimitOverHTTP(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }
		routes := []httpx.Route{
			{Pattern: "GET /api/v1/things.xlsx", Perm: auth.PermPublic, Handler: ok, Limit: httpx.LimitExport},
			{Pattern: "GET /api/v1/mine.xlsx", Perm: auth.PermLogin, Handler: ok, Limit: httpx.LimitExport},
			{Pattern: "GET /api/v1/plain", Perm: auth.PermPublic, Handler: ok},
		}
		srv, _, svc := guardServer(t, d, routes)
		ctx := context.Background()
		var tokens []string
		for _, name := range []string{"liu", "chen"} {
			if _, err := svc.CreateUser(ctx, auth.NewUser{Username: name, DisplayName: "测试", Role: core.RoleAuditAdmin,
				Password: "Hongshui-River-77"}); err != nil {
				t.Fatal(err)
			}
			tok, err := svc.CreateToken(ctx, name, "test")
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, tok)
		}
		get := func(path, token string) *http.Response {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		expect429 := func(what string, resp *http.Response) {
			t.Helper()
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("%s: %d, want 429", what, resp.StatusCode)
			}
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 6 || s > 7 {
				t.Fatalf("%s: Retry-After %q, want 6–7 seconds", what, resp.Header.Get("Retry-After"))
			}
			var body httpx.APIError
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if body.Error.Code != core.ETOOMANY || !strings.Contains(body.Error.Message, "导出过于频繁") {
				t.Fatalf("%s: body %+v", what, body.Error)
			}
		}
		for i := 0; i < 10; i++ {
			if r := get("/api/v1/mine.xlsx", tokens[0]); r.StatusCode != http.StatusOK {
				t.Fatalf("export %d of the burst: %d", i+1, r.StatusCode)
			}
		}
		expect429("liu's 11th export", get("/api/v1/mine.xlsx", tokens[0]))
		// The bucket is per class, not per route, and per user.
		expect429("liu's export on another route", get("/api/v1/things.xlsx", tokens[0]))
		if r := get("/api/v1/mine.xlsx", tokens[1]); r.StatusCode != http.StatusOK {
			t.Fatalf("another user's export: %d", r.StatusCode)
		}
		// Anonymous callers are counted by address.
		for i := 0; i < 10; i++ {
			if r := get("/api/v1/things.xlsx", ""); r.StatusCode != http.StatusOK {
				t.Fatalf("anonymous export %d: %d", i+1, r.StatusCode)
			}
		}
		expect429("anonymous 11th export", get("/api/v1/things.xlsx", ""))
		for i := 0; i < 30; i++ {
			if r := get("/api/v1/plain", ""); r.StatusCode != http.StatusOK {
				t.Fatalf("a route without a limit: %d", r.StatusCode)
			}
		}
		// An anonymous request to a route it may not use is refused before
		// it costs a token: 401, not 429.
		if r := get("/api/v1/mine.xlsx", ""); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous on a logged-in route: %d", r.StatusCode)
		}
		testGuard.Clock.(*core.FakeClock).Advance(6 * time.Second)
		if r := get("/api/v1/mine.xlsx", tokens[0]); r.StatusCode != http.StatusOK {
			t.Fatalf("after 6 seconds: %d", r.StatusCode)
		}
	})
}
