package job_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/job"
	"liandong/internal/testkit"
)

var t0 = time.Date(2020, 12, 1, 1, 0, 0, 0, time.UTC)

// instances opens n handles on one fresh, migrated database per engine:
// n server instances sharing the database, as in production.
func instances(t *testing.T, n int, fn func(t *testing.T, ds []*db.DB)) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			dsn := testkit.NewDSN(t, e)
			var ds []*db.DB
			for i := 0; i < n; i++ {
				d, err := db.Open(context.Background(), dsn, db.Options{AllowNonDurable: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				if i == 0 {
					if _, err := d.Migrate(context.Background(), ""); err != nil {
						t.Fatal(err)
					}
				}
				ds = append(ds, d)
			}
			fn(t, ds)
		})
	}
}

func schedule(t *testing.T, q *job.Queue, kind, key string, at time.Time, payload string) {
	t.Helper()
	if err := q.DB.InTx(context.Background(), func(tx *sql.Tx) error {
		return q.Schedule(context.Background(), tx, kind, key, at, payload)
	}); err != nil {
		t.Fatal(err)
	}
}

type jobRow struct {
	status   string
	runAt    int64
	attempts int
	lastErr  string
}

func row(t *testing.T, d *db.DB, kind, key string) jobRow {
	t.Helper()
	var r jobRow
	err := d.R().QueryRowContext(context.Background(), `SELECT status, run_at, attempts, last_error FROM jobs WHERE kind = $1 AND key = $2`,
		kind, key).Scan(&r.status, &r.runAt, &r.attempts, &r.lastErr)
	if errors.Is(err, sql.ErrNoRows) {
		return jobRow{status: "absent"}
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func runDue(t *testing.T, q *job.Queue) int {
	t.Helper()
	n, err := q.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A job runs when due, not before, once, with its payload; scheduling it
// again unchanged does not run it again, a new time does.
func TestScheduleRunsOnceWhenDue(t *testing.T) {
	instances(t, 1, func(t *testing.T, ds []*db.DB) {
		clock := core.NewFakeClock(t0)
		q := &job.Queue{DB: ds[0], Clock: clock, Log: testkit.Logger(nil)}
		var got []job.Job
		q.Handle("call.remind", func(ctx context.Context, j job.Job) error { got = append(got, j); return nil })

		schedule(t, q, "call.remind", "call:7:-1d", t0.Add(time.Hour), `{"unit":3}`)
		if n := runDue(t, q); n != 0 {
			t.Fatalf("ran %d jobs an hour early", n)
		}
		clock.Advance(time.Hour)
		if n := runDue(t, q); n != 1 || len(got) != 1 {
			t.Fatalf("ran %d jobs when due, want 1", n)
		}
		if got[0].Key != "call:7:-1d" || got[0].Payload != `{"unit":3}` || !got[0].RunAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("handler saw %+v", got[0])
		}
		if r := row(t, ds[0], "call.remind", "call:7:-1d"); r.status != "done" {
			t.Fatalf("status %q, want done", r.status)
		}
		if n := runDue(t, q); n != 0 {
			t.Fatalf("a done job ran again (%d)", n)
		}
		// Scheduled again for the same time (the call was saved again): no-op.
		schedule(t, q, "call.remind", "call:7:-1d", t0.Add(time.Hour), `{"unit":3}`)
		if n := runDue(t, q); n != 0 {
			t.Fatalf("re-scheduling unchanged re-ran the job (%d)", n)
		}
		// The deadline moved: the job is armed again for the new time.
		schedule(t, q, "call.remind", "call:7:-1d", t0.Add(48*time.Hour), `{"unit":3}`)
		if r := row(t, ds[0], "call.remind", "call:7:-1d"); r.status != "pending" {
			t.Fatalf("status %q after re-timing, want pending", r.status)
		}
		clock.Advance(47 * time.Hour)
		if n := runDue(t, q); n != 1 || len(got) != 2 {
			t.Fatalf("re-timed job ran %d times, want 1", n)
		}
	})
}

// Several instances calling RunDue at once on the same due jobs run each
// job exactly once.
func TestConcurrentInstancesRunEachJobOnce(t *testing.T) {
	instances(t, 2, func(t *testing.T, ds []*db.DB) {
		clock := core.NewFakeClock(t0)
		var mu sync.Mutex
		runs := map[string]int{}
		handler := func(ctx context.Context, j job.Job) error {
			mu.Lock()
			runs[j.Key]++
			mu.Unlock()
			return nil
		}
		a := &job.Queue{DB: ds[0], Clock: clock, Log: testkit.Logger(nil)}
		b := &job.Queue{DB: ds[1], Clock: clock, Log: testkit.Logger(nil)}
		a.Handle("call.remind", handler)
		b.Handle("call.remind", handler)
		const jobs = 60
		if err := a.DB.InTx(context.Background(), func(tx *sql.Tx) error {
			for i := 0; i < jobs; i++ {
				if err := a.Schedule(context.Background(), tx, "call.remind", fmt.Sprintf("call:1:-1d:%d", i), t0, ""); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// Two workers per instance, as a server with a busy queue would
		// have when Run overlaps a manual run.
		var wg sync.WaitGroup
		totals := make([]int, 4)
		errs := make([]error, 4)
		start := make(chan struct{})
		for i, q := range []*job.Queue{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				totals[i], errs[i] = q.RunDue(context.Background())
			}()
		}
		close(start)
		wg.Wait()
		sum := 0
		for i := range totals {
			if errs[i] != nil {
				t.Fatalf("worker %d: %v", i, errs[i])
			}
			sum += totals[i]
		}
		if sum != jobs || len(runs) != jobs {
			t.Fatalf("workers ran %d jobs (%d distinct), want %d", sum, len(runs), jobs)
		}
		for k, n := range runs {
			if n != 1 {
				t.Errorf("job %s ran %d times", k, n)
			}
		}
	})
}

// A job claimed by an instance that died is not taken while the claim's
// lease lasts, and is run by another instance once it expired; the dead
// instance's late finish changes nothing.
func TestClaimOfDeadInstanceIsTakenOver(t *testing.T) {
	instances(t, 2, func(t *testing.T, ds []*db.DB) {
		clock := core.NewFakeClock(t0)
		dead := &job.Queue{DB: ds[0], Clock: clock, Log: testkit.Logger(nil), Lease: time.Minute}
		schedule(t, dead, "mail.send", "outbox:1", t0, "")
		j, ok, err := dead.Claim(context.Background())
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		// The instance dies here: its handle is closed, the claim stays.
		ds[0].Close()

		ran := 0
		alive := &job.Queue{DB: ds[1], Clock: clock, Log: testkit.Logger(nil), Lease: time.Minute}
		alive.Handle("mail.send", func(ctx context.Context, j job.Job) error { ran++; return nil })
		if n := runDue(t, alive); n != 0 {
			t.Fatalf("took over a live claim (%d)", n)
		}
		clock.Advance(time.Minute + time.Second)
		if n := runDue(t, alive); n != 1 || ran != 1 {
			t.Fatalf("expired claim ran %d times, want 1", n)
		}
		if r := row(t, ds[1], "mail.send", "outbox:1"); r.status != "done" {
			t.Fatalf("status %q, want done", r.status)
		}
		// Were the dead instance to report a failure now, nothing changes.
		dead.DB = ds[1]
		if err := dead.Finish(context.Background(), j, errors.New("late")); err != nil {
			t.Fatal(err)
		}
		if r := row(t, ds[1], "mail.send", "outbox:1"); r.status != "done" || r.attempts != 0 {
			t.Fatalf("late finish changed the job: %+v", r)
		}
	})
}

// A failing job is retried after a growing backoff and marked failed after
// MaxAttempts; a panic counts as a failure.
func TestFailedJobRetriesWithBackoff(t *testing.T) {
	instances(t, 1, func(t *testing.T, ds []*db.DB) {
		clock := core.NewFakeClock(t0)
		q := &job.Queue{DB: ds[0], Clock: clock, Log: testkit.Logger(nil), MaxAttempts: 3}
		calls := 0
		q.Handle("mail.send", func(ctx context.Context, j job.Job) error {
			calls++
			if j.Attempts != calls-1 {
				t.Errorf("run %d saw Attempts=%d", calls, j.Attempts)
			}
			if calls == 2 {
				panic("boom")
			}
			return errors.New("smtp: 421 try later")
		})
		schedule(t, q, "mail.send", "outbox:9", t0, "")
		runDue(t, q)
		r := row(t, ds[0], "mail.send", "outbox:9")
		if r.status != "pending" || r.attempts != 1 || r.runAt != t0.Add(job.Backoff(1)).Unix() || r.lastErr != "smtp: 421 try later" {
			t.Fatalf("after a failure: %+v", r)
		}
		if n := runDue(t, q); n != 0 {
			t.Fatal("retried before the backoff elapsed")
		}
		clock.Advance(job.Backoff(1))
		runDue(t, q)
		r = row(t, ds[0], "mail.send", "outbox:9")
		if r.attempts != 2 || r.runAt != clock.Now().Add(job.Backoff(2)).Unix() || r.lastErr != "job: panic: boom" {
			t.Fatalf("after a panic: %+v", r)
		}
		clock.Advance(job.Backoff(2))
		runDue(t, q)
		if r := row(t, ds[0], "mail.send", "outbox:9"); r.status != "failed" || r.attempts != 3 {
			t.Fatalf("after the last attempt: %+v", r)
		}
		clock.Advance(24 * time.Hour)
		if n := runDue(t, q); n != 0 || calls != 3 {
			t.Fatalf("a failed job ran again")
		}
	})
}

// Cancel removes pending jobs by key prefix only, and a handler that
// re-schedules its own job (a daily job) leaves it pending for the new time.
func TestCancelAndSelfReschedule(t *testing.T) {
	instances(t, 1, func(t *testing.T, ds []*db.DB) {
		clock := core.NewFakeClock(t0)
		q := &job.Queue{DB: ds[0], Clock: clock, Log: testkit.Logger(nil)}
		for _, k := range []string{"call:1:-3d", "call:1:+1d", "call:12:-3d", "call:1_:x"} {
			schedule(t, q, "call.remind", k, t0.Add(time.Hour), "")
		}
		if err := q.DB.InTx(context.Background(), func(tx *sql.Tx) error {
			return q.Cancel(context.Background(), tx, "call.remind", "call:1:")
		}); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"call:1:-3d": "absent", "call:1:+1d": "absent", "call:12:-3d": "pending", "call:1_:x": "pending"} {
			if r := row(t, ds[0], "call.remind", k); r.status != want {
				t.Errorf("%s: %s, want %s", k, r.status, want)
			}
		}

		days := 0
		q.Handle("notify.digest", func(ctx context.Context, j job.Job) error {
			days++
			return q.DB.InTx(ctx, func(tx *sql.Tx) error {
				return q.Schedule(ctx, tx, "notify.digest", "daily", j.RunAt.Add(24*time.Hour), "")
			})
		})
		if err := q.DB.InTx(context.Background(), func(tx *sql.Tx) error {
			return q.Ensure(context.Background(), tx, "notify.digest", "daily", t0, "")
		}); err != nil {
			t.Fatal(err)
		}
		runDue(t, q)
		if r := row(t, ds[0], "notify.digest", "daily"); r.status != "pending" || r.runAt != t0.Add(24*time.Hour).Unix() {
			t.Fatalf("after the first day: %+v", r)
		}
		// Every instance ensures the job at start: a pending run keeps its time.
		if err := q.DB.InTx(context.Background(), func(tx *sql.Tx) error {
			return q.Ensure(context.Background(), tx, "notify.digest", "daily", t0.Add(30*time.Hour), "")
		}); err != nil {
			t.Fatal(err)
		}
		if r := row(t, ds[0], "notify.digest", "daily"); r.runAt != t0.Add(24*time.Hour).Unix() {
			t.Fatalf("Ensure re-timed a pending job: %+v", r)
		}
		clock.Advance(24 * time.Hour)
		runDue(t, q)
		if days != 2 {
			t.Fatalf("daily job ran %d times in two days", days)
		}
	})
}

// Prune deletes finished jobs older than the cutoff and keeps pending ones
// and recent history.
func TestPruneKeepsPendingAndRecent(t *testing.T) {
	instances(t, 1, func(t *testing.T, ds []*db.DB) {
		clock := core.NewFakeClock(t0)
		q := &job.Queue{DB: ds[0], Clock: clock, Log: testkit.Logger(nil)}
		q.Handle("mail.send", func(ctx context.Context, j job.Job) error { return nil })
		schedule(t, q, "mail.send", "outbox:1", t0, "")
		schedule(t, q, "mail.send", "outbox:2", t0.Add(40*24*time.Hour), "")
		runDue(t, q) // outbox:1 done at t0
		clock.Advance(31 * 24 * time.Hour)
		schedule(t, q, "mail.send", "outbox:3", clock.Now(), "")
		runDue(t, q) // outbox:3 done now
		n, err := q.Prune(context.Background(), clock.Now().Add(-30*24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("pruned %d (%v), want 1", n, err)
		}
		for k, want := range map[string]string{"outbox:1": "absent", "outbox:2": "pending", "outbox:3": "done"} {
			if r := row(t, ds[0], "mail.send", k); r.status != want {
				t.Errorf("%s: %s, want %s", k, r.status, want)
			}
		}
	})
}
