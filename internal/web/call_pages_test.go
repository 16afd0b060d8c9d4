package web_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"liandong/internal/app"
	"liandong/internal/testkit"
)

// B3 on the data-call pages, over the demo's seed-003 call: a liaison sees
// her own unit's submission and its files, and gets 404 for another
// unit's by ID (page, file, ZIP), audited; a county office the same; review
// is the office's (403 for others, audited, nothing changes); the office
// and the leader read it.
func TestCallPagesObjectScope(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		a, srv := testkit.StartApp(t, dsn, app.Config{Demo: true})
		ctx := context.Background()
		var callID, subID, fileID int64
		if err := a.DB.R().QueryRowContext(ctx, `SELECT s.call_id, s.id, MIN(f.file_id)
			FROM call_submissions s
			JOIN call_addressees ad ON ad.id = s.addressee_id
			JOIN units u ON u.id = ad.unit_id
			JOIN call_submission_files f ON f.submission_id = s.id
			WHERE u.short_name = '市教育局' AND s.status <> 'draft'
			GROUP BY s.call_id, s.id ORDER BY s.id LIMIT 1`).Scan(&callID, &subID, &fileID); err != nil {
			t.Fatalf("the demo's submission of 市教育局: %v", err)
		}
		denied := func() int {
			var n int
			if err := a.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		sub := "/submissions/" + strconv.FormatInt(subID, 10)
		file := sub + "/files/" + strconv.FormatInt(fileID, 10)
		zip := "/calls/" + strconv.FormatInt(callID, 10) + "/zip"
		clients := map[string]*testkit.Client{}
		for _, u := range []string{"office", "leader", "liaison-jyj", "liaison-kjj", "county"} {
			c := testkit.NewClient(t, srv.URL)
			c.Login(u, "Zhanshi@2026")
			clients[u] = c
		}
		status := func() string {
			var st string
			if err := a.DB.R().QueryRowContext(ctx, `SELECT status FROM call_submissions WHERE id = $1`, subID).Scan(&st); err != nil {
				t.Fatal(err)
			}
			return st
		}
		was := status()
		for _, tc := range []struct {
			user, method, path string
			want               int
			audited            bool
		}{
			{"liaison-jyj", "GET", sub, 200, false},
			{"liaison-jyj", "GET", file, 200, false},
			{"liaison-kjj", "GET", sub, 404, true},
			{"liaison-kjj", "GET", file, 404, true},
			{"liaison-kjj", "GET", file + "?thumb=1", 404, true},
			{"county", "GET", sub, 404, true},
			{"county", "GET", file, 404, true},
			{"liaison-jyj", "GET", zip, 404, true},
			{"county", "GET", zip, 404, true},
			{"liaison-kjj", "POST", sub + "/review", 403, true},
			{"liaison-jyj", "POST", sub + "/review", 403, true},
			{"office", "GET", sub, 200, false},
			{"office", "GET", file, 200, false},
			{"leader", "GET", sub, 200, false},
		} {
			before := denied()
			var resp *http.Response
			if tc.method == "GET" {
				resp, _ = clients[tc.user].Get(tc.path)
			} else {
				resp, _ = clients[tc.user].Post(tc.path, map[string][]string{"action": {"accept"}})
			}
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s %s: %d, want %d", tc.user, tc.method, tc.path, resp.StatusCode, tc.want)
			}
			if got := denied() > before; got != tc.audited {
				t.Errorf("%s %s %s: denial audited = %v, want %v", tc.user, tc.method, tc.path, got, tc.audited)
			}
		}
		if st := status(); st != was {
			t.Errorf("a refused review changed the submission: %s → %s", was, st)
		}
	})
}
