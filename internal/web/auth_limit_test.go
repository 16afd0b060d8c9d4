package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/core"
	"liandong/internal/testkit"
)

// TestExportRateLimit is SECURITY.md D7 on a real export page: the audit
// export as one auditor, ten at once, then 429 with Retry-After and a
// Chinese page; another auditor is not held back; six seconds later the
// first may export again.
func TestExportRateLimit(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("aud", core.RoleAuditAdmin)
		e.user("aud2", core.RoleAuditAdmin)
		aud, aud2 := e.loginAdmin("aud"), e.loginAdmin("aud2")
		for i := 0; i < 10; i++ {
			if resp, body := aud.Get("/audit/export.xlsx"); resp.StatusCode != http.StatusOK {
				t.Fatalf("export %d: %d %.300s", i+1, resp.StatusCode, body)
			}
		}
		resp, body := aud.Get("/audit/export.xlsx")
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("11th export: %d, want 429", resp.StatusCode)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 6 || s > 7 {
			t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "导出过于频繁，请") {
			t.Fatalf("the 429 page is not the Chinese HTML page:\n%s", body)
		}
		if resp, _ := aud2.Get("/audit/export.xlsx"); resp.StatusCode != http.StatusOK {
			t.Fatalf("another auditor: %d", resp.StatusCode)
		}
		e.Clock.Advance(6 * time.Second)
		if resp, _ := aud.Get("/audit/export.xlsx"); resp.StatusCode != http.StatusOK {
			t.Fatalf("after 6 s: %d", resp.StatusCode)
		}
	})
}
