// Package job runs scheduled work kept in the database: each job is a row
// with a due time, claimed atomically by one server instance, so that work
// survives a restart and runs once even with several instances running.
//
// Delivery is at least once per schedule: a handler that crashes its
// instance half-way is run again by another instance when the claim's lease
// runs out. Handlers are therefore written to be idempotent (notifications
// carry a dedupe key; mail rows are marked sent).
package job

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
)

// Job is one scheduled piece of work as a handler sees it.
type Job struct {
	ID       int64
	Kind     string
	Key      string
	Payload  string
	RunAt    time.Time
	Attempts int // runs before this one that failed

	version int64
}

// Handler runs one job. A nil error marks the job done; an error retries it
// with backoff until MaxAttempts. ctx ends before the claim's lease does.
type Handler func(ctx context.Context, j Job) error

// Defaults of the queue's tunables.
const (
	DefaultLease       = 5 * time.Minute
	DefaultMaxAttempts = 8
)

// Queue schedules, claims and runs jobs.
type Queue struct {
	DB    *db.DB
	Clock core.Clock
	Log   *slog.Logger
	// Lease is how long a claim holds; a claim older than that belongs to
	// an instance presumed dead and is taken over. Zero means DefaultLease.
	Lease time.Duration
	// MaxAttempts is how many failed runs mark a job failed. Zero means
	// DefaultMaxAttempts.
	MaxAttempts int

	mu       sync.RWMutex
	handlers map[string]Handler
	idOnce   sync.Once
	id       string
}

// Schedule inserts the job (kind, key), or re-times an existing one, inside
// the caller's transaction, so that a job exists iff the change that asked
// for it committed.
//
// Re-timing rules: scheduling what is already scheduled (same runAt and
// payload) changes nothing. A pending job takes a new runAt or payload, and
// its failed attempts are forgotten. A job already done or failed is left
// alone when runAt is unchanged (so that scheduling the same thing again, e.g. at
// every start, is a no-op) and re-armed as pending when runAt changed (a
// deadline moved: the reminder belongs to the new date). A job running now
// keeps its claim; its run then does not mark it done, and it runs again at
// the new time.
func (q *Queue) Schedule(ctx context.Context, tx *sql.Tx, kind, key string, runAt time.Time, payload string) error {
	if kind == "" || key == "" {
		return fmt.Errorf("job: schedule: empty kind or key")
	}
	now := q.Clock.Now().Unix()
	at := runAt.Unix()
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, key, payload, status, run_at, created_at, updated_at)
		VALUES ($1, $2, $3, 'pending', $4, $5, $5)
		ON CONFLICT (kind, key) DO UPDATE SET
			payload = excluded.payload,
			run_at = excluded.run_at,
			status = 'pending',
			attempts = 0,
			last_error = '',
			version = jobs.version + 1,
			updated_at = excluded.updated_at
		WHERE jobs.run_at <> excluded.run_at OR (jobs.status = 'pending' AND jobs.payload <> excluded.payload)`,
		kind, key, payload, at, now)
	if err != nil {
		return fmt.Errorf("job: schedule %s/%s: %w", kind, key, db.Normalize(err))
	}
	return nil
}

// Ensure schedules the job (kind, key) at runAt unless it is already
// pending, whatever its time: for recurring jobs that every instance sets
// up at start, where re-timing a pending run would skip it. A done or
// failed job is re-armed. Runs inside the caller's transaction.
func (q *Queue) Ensure(ctx context.Context, tx *sql.Tx, kind, key string, runAt time.Time, payload string) error {
	if kind == "" || key == "" {
		return fmt.Errorf("job: ensure: empty kind or key")
	}
	now := q.Clock.Now().Unix()
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, key, payload, status, run_at, created_at, updated_at)
		VALUES ($1, $2, $3, 'pending', $4, $5, $5)
		ON CONFLICT (kind, key) DO UPDATE SET
			payload = excluded.payload,
			run_at = excluded.run_at,
			status = 'pending',
			attempts = 0,
			last_error = '',
			version = jobs.version + 1,
			updated_at = excluded.updated_at
		WHERE jobs.status <> 'pending'`,
		kind, key, payload, runAt.Unix(), now)
	if err != nil {
		return fmt.Errorf("job: ensure %s/%s: %w", kind, key, db.Normalize(err))
	}
	return nil
}

// Cancel removes the pending jobs of kind whose key starts with keyPrefix,
// inside the caller's transaction. A job running now is removed too; its
// run finishes but records nothing.
func (q *Queue) Cancel(ctx context.Context, tx *sql.Tx, kind, keyPrefix string) error {
	// substr instead of LIKE: keys may contain % and _.
	_, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE kind = $1 AND status = 'pending'
		AND substr(key, 1, length($2)) = $2`, kind, keyPrefix)
	if err != nil {
		return fmt.Errorf("job: cancel %s/%s*: %w", kind, keyPrefix, db.Normalize(err))
	}
	return nil
}

// Prune deletes jobs finished (done or failed) before the cutoff, so that
// the table holds what is pending plus a recent history. A pruned job
// scheduled again runs again; handlers are idempotent for that reason.
func (q *Queue) Prune(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := q.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE status IN ('done', 'failed') AND updated_at < $1`, before.Unix())
		if err != nil {
			return fmt.Errorf("job: prune: %w", db.Normalize(err))
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// Handle registers the handler of kind. Every instance registers the same
// handlers at start-up, before Run.
func (q *Queue) Handle(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.handlers == nil {
		q.handlers = map[string]Handler{}
	}
	q.handlers[kind] = h
}

func (q *Queue) handler(kind string) Handler {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.handlers[kind]
}

// instance names this queue in claims: random, so that two processes (or
// two queues in one test) never share one.
func (q *Queue) instance() string {
	q.idOnce.Do(func() {
		var b [8]byte
		_, _ = rand.Read(b[:])
		q.id = hex.EncodeToString(b[:])
	})
	return q.id
}

func (q *Queue) lease() time.Duration {
	if q.Lease > 0 {
		return q.Lease
	}
	return DefaultLease
}

func (q *Queue) maxAttempts() int {
	if q.MaxAttempts > 0 {
		return q.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (q *Queue) log() *slog.Logger {
	if q.Log != nil {
		return q.Log
	}
	return slog.Default()
}

// The claim takes the oldest due job that nobody holds (or whose holder's
// lease ran out) in one statement. The conditions are repeated in the outer
// WHERE so that on PostgreSQL, if two claims chose the same row, the second
// re-checks them after the first committed and claims nothing; SKIP LOCKED
// lets it choose another row instead of waiting. SQLite runs one writer at
// a time, so the statement is atomic there as written.
const (
	claimSQLite = `UPDATE jobs SET claimed_by = $1, claimed_until = $2
		WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $3 AND claimed_until <= $3
			ORDER BY run_at, id LIMIT 1)
		AND status = 'pending' AND run_at <= $3 AND claimed_until <= $3
		RETURNING id, kind, key, payload, run_at, attempts, version`
	claimPostgres = `UPDATE jobs SET claimed_by = $1, claimed_until = $2
		WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $3 AND claimed_until <= $3
			ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		AND status = 'pending' AND run_at <= $3 AND claimed_until <= $3
		RETURNING id, kind, key, payload, run_at, attempts, version`
)

// claim takes one due job for this instance; ok is false when none is due.
func (q *Queue) claim(ctx context.Context) (j Job, ok bool, err error) {
	now := q.Clock.Now()
	query := claimSQLite
	if q.DB.Engine == db.Postgres {
		query = claimPostgres
	}
	err = q.DB.InTx(ctx, func(tx *sql.Tx) error {
		var runAt int64
		err := tx.QueryRowContext(ctx, query, q.instance(), now.Add(q.lease()).Unix(), now.Unix()).
			Scan(&j.ID, &j.Kind, &j.Key, &j.Payload, &runAt, &j.Attempts, &j.version)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("job: claim: %w", db.Normalize(err))
		}
		j.RunAt = time.Unix(runAt, 0).UTC()
		ok = true
		return nil
	})
	return j, ok, err
}

// RunDue claims due jobs one at a time and runs each: done on success,
// retried with backoff on failure. It returns how many handlers ran, when
// no job is due any more or ctx ends.
func (q *Queue) RunDue(ctx context.Context) (int, error) {
	ran := 0
	for ctx.Err() == nil {
		j, ok, err := q.claim(ctx)
		if err != nil {
			return ran, err
		}
		if !ok {
			return ran, nil
		}
		h := q.handler(j.Kind)
		if h == nil {
			// Another instance (a newer version) may know this kind: hand
			// it back for a minute without counting an attempt.
			q.log().Warn("job without handler", "kind", j.Kind, "key", j.Key)
			if err := q.release(ctx, j, q.Clock.Now().Add(time.Minute), false, "no handler for "+j.Kind); err != nil {
				return ran, err
			}
			continue
		}
		runErr := q.run(ctx, h, j)
		ran++
		if err := q.finish(ctx, j, runErr); err != nil {
			return ran, err
		}
	}
	return ran, ctx.Err()
}

// run calls h with a deadline inside the lease, turning a panic into an
// error so that one bad job does not stop the worker.
func (q *Queue) run(ctx context.Context, h Handler, j Job) (err error) {
	hctx, cancel := context.WithTimeout(ctx, q.lease()*4/5)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job: panic: %v", p)
		}
	}()
	return h(hctx, j)
}

// Backoff is the wait before retry n (1-based): 1 min, 4 min, 16 min, …,
// at most 6 hours.
func Backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 4
	}
	return min(d, 6*time.Hour)
}

// finish records the outcome of a run, if the job is still ours and was not
// re-timed meanwhile; otherwise it only lets go of the claim.
func (q *Queue) finish(ctx context.Context, j Job, runErr error) error {
	now := q.Clock.Now()
	if runErr == nil {
		return q.DB.InTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE jobs SET status = 'done', claimed_by = '', claimed_until = 0,
				last_error = '', updated_at = $1 WHERE id = $2 AND claimed_by = $3 AND version = $4`,
				now.Unix(), j.ID, q.instance(), j.version)
			if err != nil {
				return fmt.Errorf("job: finish: %w", db.Normalize(err))
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return q.unclaim(ctx, tx, j)
			}
			return nil
		})
	}
	attempts := j.Attempts + 1
	q.log().Warn("job failed", "kind", j.Kind, "key", j.Key, "attempt", attempts, "err", runErr.Error())
	if attempts >= q.maxAttempts() {
		return q.DB.InTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE jobs SET status = 'failed', attempts = $1, last_error = $2,
				claimed_by = '', claimed_until = 0, updated_at = $3 WHERE id = $4 AND claimed_by = $5 AND version = $6`,
				attempts, truncate(runErr.Error()), now.Unix(), j.ID, q.instance(), j.version)
			if err != nil {
				return fmt.Errorf("job: finish: %w", db.Normalize(err))
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return q.unclaim(ctx, tx, j)
			}
			return nil
		})
	}
	return q.release(ctx, j, now.Add(Backoff(attempts)), true, runErr.Error())
}

// release hands a claimed job back to be run at runAt, counting a failed
// attempt when failed is true.
func (q *Queue) release(ctx context.Context, j Job, runAt time.Time, failed bool, msg string) error {
	add := 0
	if failed {
		add = 1
	}
	return q.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET run_at = $1, attempts = attempts + $2, last_error = $3,
			claimed_by = '', claimed_until = 0, updated_at = $4 WHERE id = $5 AND claimed_by = $6 AND version = $7`,
			runAt.Unix(), add, truncate(msg), q.Clock.Now().Unix(), j.ID, q.instance(), j.version)
		if err != nil {
			return fmt.Errorf("job: release: %w", db.Normalize(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return q.unclaim(ctx, tx, j)
		}
		return nil
	})
}

// unclaim lets go of a job that was re-timed while it ran, leaving its new
// schedule as it is.
func (q *Queue) unclaim(ctx context.Context, tx *sql.Tx, j Job) error {
	_, err := tx.ExecContext(ctx, `UPDATE jobs SET claimed_by = '', claimed_until = 0 WHERE id = $1 AND claimed_by = $2`,
		j.ID, q.instance())
	if err != nil {
		return fmt.Errorf("job: unclaim: %w", db.Normalize(err))
	}
	return nil
}

func truncate(s string) string {
	const max = 2000
	if len(s) <= max {
		return s
	}
	return s[:max]
}

// Run calls RunDue every interval until ctx ends. Errors are logged and the
// loop goes on: a database hiccup must not stop reminders for good.
func (q *Queue) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := q.RunDue(ctx); err != nil && ctx.Err() == nil {
			q.log().Error("job queue", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
