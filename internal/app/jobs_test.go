package app_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/core"
	"liandong/internal/testkit"
)

// The application registers the daily jobs' handlers: a due file sweep
// and prune run, and each moves itself to the next day.
func TestDailyJobsAreHandled(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		clock := core.NewFakeClock(t0)
		a, _ := testkit.StartApp(t, dsn, app.Config{Clock: clock})
		ctx := context.Background()
		if err := a.DB.InTx(ctx, func(tx *sql.Tx) error {
			for _, kind := range []string{app.KindFileSweep, app.KindPrune, "notify.digest"} {
				if err := a.Jobs.Schedule(ctx, tx, kind, "daily", t0, ""); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		n, err := a.Jobs.RunDue(ctx)
		if err != nil || n != 3 {
			t.Fatalf("ran %d jobs (%v), want 3", n, err)
		}
		rows, err := a.DB.R().QueryContext(ctx, `SELECT kind, status, run_at FROM jobs ORDER BY kind`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var kind, status string
			var runAt int64
			if err := rows.Scan(&kind, &status, &runAt); err != nil {
				t.Fatal(err)
			}
			next := time.Unix(runAt, 0)
			if status != "pending" || !next.After(t0.Add(20*time.Hour)) || next.After(t0.Add(25*time.Hour)) {
				t.Errorf("%s: %s at %s, want pending the next day", kind, status, next.UTC())
			}
		}
	})
}
