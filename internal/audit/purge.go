package audit

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
)

// MinRetentionDays is the shortest retention the law allows: network logs
// are kept for no less than six months (网络安全法 §21(三), SECURITY.md C5).
const MinRetentionDays = 180

// PurgeResult says what a purge removed.
type PurgeResult struct {
	Deleted int       // rows removed
	FirstID int64     // first and last id removed (0 when none)
	LastID  int64     //
	Cutoff  time.Time // rows older than this were eligible
	Anchor  string    // hash of the last removed row, from which the chain now continues
}

// The append-only triggers exactly as 0001_init.sql creates them. Purge
// drops and re-creates them inside its transaction; keep these in step with
// the migrations (a test compares the trigger definitions after a purge).
const (
	sqliteDropDeleteTrigger   = `DROP TRIGGER audit_log_no_delete`
	sqliteCreateDeleteTrigger = `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END`
	pgDropDeleteTrigger   = `DROP TRIGGER audit_log_no_update ON audit_log`
	pgCreateDeleteTrigger = `CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`
)

// Purge removes the audit rows older than retentionDays before now, which
// must be at least MinRetentionDays, and records the purge as "audit.purge".
//
// Only a leading run of rows is removed: the rows from the first one as old
// as the cutoff onwards are all kept, even if a later row carries an older
// time, so that what remains is an unbroken stretch of the hash chain. The
// hash of the last removed row is stored as the chain anchor (settings
// "audit.chain_anchor"), where Verify starts, so the chain still verifies.
// A chain that is already broken is not purged: removing rows would destroy
// the evidence of the tampering.
//
// The triggers that make the log append-only (SECURITY.md C4) also refuse
// this DELETE. Purge therefore drops the delete trigger, deletes and
// re-creates it within one transaction. DDL is transactional on both SQLite
// and PostgreSQL, so no other connection ever sees the table without its
// trigger: if any step fails, the trigger, the rows and the anchor all stay
// as they were. On PostgreSQL the DROP also takes an exclusive lock on
// audit_log until commit, so nothing is appended meanwhile.
func Purge(ctx context.Context, d *db.DB, now time.Time, retentionDays int) (*PurgeResult, error) {
	if retentionDays < MinRetentionDays {
		err := core.Invalid("retention_days", fmt.Sprintf(
			"审计日志至少保留%d天（网络安全法要求不少于六个月），不能按%d天清理", MinRetentionDays, retentionDays))
		if lerr := Log(ctx, d, now, Event{Action: "audit.purge", ObjectType: "audit_log", Outcome: Failure,
			Detail: fmt.Sprintf("refused: retention of %d days is under the minimum of %d", retentionDays, MinRetentionDays)}); lerr != nil {
			return nil, lerr
		}
		return nil, err
	}
	res := &PurgeResult{Cutoff: now.UTC().Truncate(time.Second).AddDate(0, 0, -retentionDays)}
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		if d.Engine == db.Postgres {
			// The same lock Record takes, first, so that a purge and an
			// append never wait on each other in opposite orders.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7310001)`); err != nil {
				return fmt.Errorf("audit: purge: lock: %w", err)
			}
		}
		broken, _, err := Verify(ctx, tx)
		if err != nil {
			return err
		}
		if broken != 0 {
			return core.Errorf(core.ECONFLICT, "审计日志哈希链在第%d条记录处校验失败，可能已被篡改；为保留证据，本次不清理。请先运行 liandong audit verify 并调查", broken)
		}
		// The first row young enough to keep; everything before it goes.
		var keepFrom sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(id) FROM audit_log WHERE at >= $1`,
			res.Cutoff.Unix()).Scan(&keepFrom); err != nil {
			return fmt.Errorf("audit: purge: cutoff: %w", err)
		}
		var first, last sql.NullInt64
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT MIN(id), MAX(id), COUNT(*) FROM audit_log
			WHERE (CAST($1 AS BIGINT) = 0 OR id < CAST($1 AS BIGINT))`, keepFrom.Int64).Scan(&first, &last, &n); err != nil {
			return fmt.Errorf("audit: purge: range: %w", err)
		}
		res.Deleted, res.FirstID, res.LastID = n, first.Int64, last.Int64
		if n > 0 {
			if err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log WHERE id = $1`, res.LastID).Scan(&res.Anchor); err != nil {
				return fmt.Errorf("audit: purge: anchor: %w", err)
			}
		}
		// The purge is recorded before the rows go, so the log is never
		// empty afterwards (SQLite would then hand out id 1 again) and the
		// record chains onto the newest row like any other.
		err = Record(ctx, tx, d.Engine, now, Event{Action: "audit.purge", ObjectType: "audit_log",
			Before: map[string]any{"rows": n, "first_id": res.FirstID, "last_id": res.LastID},
			After:  map[string]any{"retention_days": retentionDays, "cutoff": res.Cutoff.Format(time.RFC3339), "chain_anchor": res.Anchor},
			Detail: fmt.Sprintf("purged %d rows older than %s (retention %d days)", n, FormatTime(res.Cutoff), retentionDays)})
		if err != nil || n == 0 {
			return err
		}
		return deleteThrough(ctx, tx, d.Engine, res.LastID, res.Anchor, now)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// deleteThrough deletes the rows with id <= last, with the delete trigger
// lifted for this statement only, and stores anchor as the chain anchor.
func deleteThrough(ctx context.Context, tx *sql.Tx, engine db.Engine, last int64, anchor string, now time.Time) error {
	drop, create := sqliteDropDeleteTrigger, sqliteCreateDeleteTrigger
	if engine == db.Postgres {
		drop, create = pgDropDeleteTrigger, pgCreateDeleteTrigger
	}
	if _, err := tx.ExecContext(ctx, drop); err != nil {
		return fmt.Errorf("audit: purge: drop trigger: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE id <= $1`, last); err != nil {
		return fmt.Errorf("audit: purge: delete: %w", err)
	}
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("audit: purge: re-create trigger: %w", err)
	}
	var by any
	if a := core.ActorFrom(ctx); a != nil && a.UserID != 0 {
		by = a.UserID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		anchorKey, anchor, now.Unix(), by)
	if err != nil {
		return fmt.Errorf("audit: purge: store anchor: %w", err)
	}
	return nil
}
