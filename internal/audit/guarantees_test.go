package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/testkit"
)

// exec runs statements in one write transaction.
func exec(t *testing.T, d *db.DB, stmts ...string) {
	t.Helper()
	err := d.InTx(context.Background(), func(tx *sql.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(context.Background(), s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// failAuditOf makes every insert of an audit row with the given action fail,
// as a full disk or a broken audit table would: fault injection for C3.
func failAuditOf(t *testing.T, d *db.DB, action string) {
	t.Helper()
	if d.Engine == db.SQLite {
		exec(t, d, fmt.Sprintf(`CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log WHEN NEW.action = '%s'
			BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END`, action))
		return
	}
	exec(t, d, `CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected audit failure'; END; $$`,
		fmt.Sprintf(`CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log FOR EACH ROW
			WHEN (NEW.action = '%s') EXECUTE FUNCTION test_fail_audit()`, action))
}

// dropAppendOnly removes the append-only triggers, as an attacker with
// database access could.
func dropAppendOnly(t *testing.T, d *db.DB) {
	t.Helper()
	if d.Engine == db.SQLite {
		exec(t, d, `DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`)
		return
	}
	exec(t, d, `DROP TRIGGER audit_log_no_update ON audit_log`, `DROP TRIGGER audit_log_no_truncate ON audit_log`)
}

// triggerDefs returns the definitions of the triggers on audit_log.
func triggerDefs(t *testing.T, d *db.DB) string {
	t.Helper()
	q := `SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log' ORDER BY name`
	if d.Engine == db.Postgres {
		q = `SELECT tgname || ': ' || pg_get_triggerdef(oid) FROM pg_trigger
			WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal ORDER BY tgname`
	}
	rows, err := d.R().QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var defs []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		defs = append(defs, s)
	}
	return strings.Join(defs, "\n")
}

// tryWrite runs one statement in a transaction and returns its error.
func tryWrite(d *db.DB, stmt string, args ...any) error {
	return d.InTx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), stmt, args...)
		return err
	})
}

// assertAppendOnly checks that rows cannot be edited or removed with SQL.
func assertAppendOnly(t *testing.T, d *db.DB) {
	t.Helper()
	before := count(t, d, `SELECT COUNT(*) FROM audit_log`)
	if err := tryWrite(d, `UPDATE audit_log SET detail = 'rewritten'`); err == nil {
		t.Error("UPDATE of audit_log must fail")
	}
	if err := tryWrite(d, `DELETE FROM audit_log`); err == nil {
		t.Error("DELETE from audit_log must fail")
	}
	if d.Engine == db.Postgres {
		if err := tryWrite(d, `TRUNCATE audit_log`); err == nil {
			t.Error("TRUNCATE of audit_log must fail")
		}
	}
	if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE detail = 'rewritten'`); n != 0 {
		t.Errorf("%d rows rewritten", n)
	}
	if after := count(t, d, `SELECT COUNT(*) FROM audit_log`); after != before {
		t.Errorf("rows: %d before, %d after", before, after)
	}
}

// openDSN opens and migrates the database behind dsn.
func openDSN(t *testing.T, dsn string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dsn, db.Options{AllowNonDurable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	return d
}

// cliRuns reports whether the command line can open this database: it
// refuses, by design (SECURITY.md I2), a PostgreSQL server that runs with
// fsync off, as the throwaway test server does.
func cliRuns(t *testing.T, d *db.DB) bool {
	bad, err := d.NonDurableSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Logf("command line not run: the test server is not durable (%v) and liandong refuses it", bad)
	}
	return len(bad) == 0
}

// TestAuditIsPartOfTheChange is SECURITY.md C3 at the service level: when
// the audit row cannot be written, the change it describes is rolled back.
func TestAuditIsPartOfTheChange(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		svc := &auth.Service{DB: d, Clock: core.NewFakeClock(t0), Argon: auth.DefaultArgon2}
		failAuditOf(t, d, "user.create")
		ctx := actorCtx(1, "sysadmin", core.RoleSystemAdmin, 0)
		_, err := svc.CreateUser(ctx, auth.NewUser{Username: "wangfang", DisplayName: "王芳",
			Role: core.RoleAuditAdmin, Password: "Xq7#pLm2vR9k"})
		if err == nil || core.ErrorCode(err) != core.EINTERNAL {
			t.Fatalf("creating a user whose audit row fails must fail as an internal error, got %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM users WHERE username = 'wangfang'`); n != 0 {
			t.Fatal("the user was created without its audit row")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM password_history`); n != 0 {
			t.Fatal("part of the change committed without its audit row")
		}
		// Other actions are audited as usual, and the same change succeeds
		// once the audit insert works again.
		exec(t, d, map[db.Engine]string{db.SQLite: `DROP TRIGGER test_fail_audit`,
			db.Postgres: `DROP TRIGGER test_fail_audit ON audit_log`}[d.Engine])
		if _, err := svc.CreateUser(ctx, auth.NewUser{Username: "wangfang", DisplayName: "王芳",
			Role: core.RoleAuditAdmin, Password: "Xq7#pLm2vR9k"}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.create' AND object_id =
			(SELECT CAST(id AS TEXT) FROM users WHERE username = 'wangfang')`); n != 1 {
			t.Fatalf("user.create rows: %d", n)
		}
	})
}

// TestAppendOnlyAndTamperEvident is SECURITY.md C4.
func TestAppendOnlyAndTamperEvident(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		d := openDSN(t, dsn)
		ctx := actorCtx(7, "office", core.RoleOffice, 3)
		for i := 1; i <= 5; i++ {
			record(t, d, ctx, t0.Add(time.Duration(i)*time.Minute), audit.Event{Action: "unit.update",
				ObjectType: "unit", ObjectID: i, Before: map[string]any{"name": "旧"}, After: map[string]any{"name": "新"}})
		}
		assertAppendOnly(t, d)
		if n := mustVerify(t, d); n != 5 {
			t.Fatalf("verified %d rows", n)
		}
		runCLI := cliRuns(t, d)
		verifyCLI := func() (int, string) {
			var out, errb bytes.Buffer
			code := app.Main(context.Background(), []string{"audit", "verify", "--data", t.TempDir(), "--db", dsn}, &out, &errb)
			return code, out.String() + errb.String()
		}
		if runCLI {
			if code, out := verifyCLI(); code != 0 || !strings.Contains(out, "5 rows verified") {
				t.Fatalf("liandong audit verify on an intact log: exit %d: %s", code, out)
			}
		}

		// Someone with database access lifts the triggers and edits row 3.
		dropAppendOnly(t, d)
		var id3 int64
		if err := d.R().QueryRowContext(context.Background(), `SELECT id FROM audit_log WHERE object_id = '3'`).Scan(&id3); err != nil {
			t.Fatal(err)
		}
		if err := tryWrite(d, `UPDATE audit_log SET detail = 'nothing happened' WHERE id = $1`, id3); err != nil {
			t.Fatal(err)
		}
		broken, _, err := audit.Verify(context.Background(), d.R())
		if err != nil || broken != id3 {
			t.Fatalf("verify must name row %d, got %d (%v)", id3, broken, err)
		}
		if runCLI {
			code, out := verifyCLI()
			if code == 0 || !strings.Contains(out, fmt.Sprintf("row %d ", id3)) {
				t.Fatalf("liandong audit verify must exit non-zero naming row %d: exit %d: %s", id3, code, out)
			}
		}

		// Deleting a row (and even re-hashing the edited one) is caught too:
		// the next row's link no longer matches.
		if err := tryWrite(d, `DELETE FROM audit_log WHERE object_id = '4'`); err != nil {
			t.Fatal(err)
		}
		if err := tryWrite(d, `UPDATE audit_log SET detail = '' WHERE id = $1`, id3); err != nil {
			t.Fatal(err)
		}
		broken, _, err = audit.Verify(context.Background(), d.R())
		if err != nil || broken != id3+2 {
			t.Fatalf("after deleting row %d verify must name row %d, got %d (%v)", id3+1, id3+2, broken, err)
		}
	})
}

// TestPurgeKeepsRetentionAndChain is SECURITY.md C5.
func TestPurgeKeepsRetentionAndChain(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		bg := context.Background()
		office := actorCtx(7, "office", core.RoleOffice, 3)
		day := 24 * time.Hour
		ages := []struct {
			name string
			age  time.Duration
		}{
			{"old1", 200 * day}, {"old2", 200 * day}, {"old3", 181 * day},
			{"kept1", 179 * day},
			// A row written later with an older time (a clock set wrong)
			// stays: only a leading run of the chain can be removed.
			{"skewed", 300 * day},
			{"recent", 10 * day},
		}
		for _, a := range ages {
			record(t, d, office, t0.Add(-a.age), audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: a.name})
		}
		var lastOldID int64
		var lastOldHash string
		if err := d.R().QueryRowContext(bg, `SELECT id, hash FROM audit_log WHERE object_id = 'old3'`).Scan(&lastOldID, &lastOldHash); err != nil {
			t.Fatal(err)
		}
		triggers := triggerDefs(t, d)
		if triggers == "" {
			t.Fatal("no append-only triggers found")
		}

		// A retention under six months is refused, and nothing goes.
		auditor := actorCtx(9, "auditor", core.RoleAuditAdmin, 0)
		_, err := audit.Purge(auditor, d, t0, 90)
		if core.ErrorCode(err) != core.EINVALID || !strings.Contains(core.FieldErrors(err)["retention_days"], "180天") {
			t.Fatalf("purge with 90 days must be refused naming 180 days: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'unit.update'`); n != len(ages) {
			t.Fatalf("refused purge removed rows: %d left", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'audit.purge' AND outcome = 'failure'`); n != 1 {
			t.Fatalf("the refused purge must be audited as a failure, %d rows", n)
		}

		res, err := audit.Purge(auditor, d, t0, 180)
		if err != nil {
			t.Fatal(err)
		}
		if res.Deleted != 3 || res.LastID != lastOldID || res.Anchor != lastOldHash {
			t.Fatalf("purge result: %+v", res)
		}
		var left []string
		rows, err := d.R().QueryContext(bg, `SELECT object_id FROM audit_log WHERE action = 'unit.update' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			left = append(left, s)
		}
		rows.Close()
		if strings.Join(left, ",") != "kept1,skewed,recent" {
			t.Fatalf("rows left: %v", left)
		}
		mustVerify(t, d)

		// The purge is audited with what it removed, by whom.
		es, _, err := audit.Find(bg, d.R(), audit.Filter{Action: "audit.purge", Outcome: audit.Success})
		if err != nil || len(es) != 1 || es[0].ActorName != "auditor" || !strings.Contains(es[0].Detail, "purged 3 rows") ||
			!strings.Contains(es[0].BeforeJSON, fmt.Sprintf(`"last_id":%d`, lastOldID)) {
			t.Fatalf("purge audit row: %+v %v", es, err)
		}
		// The anchor is kept where Verify reads it.
		var anchor string
		if err := d.R().QueryRowContext(bg, `SELECT value FROM settings WHERE key = 'audit.chain_anchor'`).Scan(&anchor); err != nil || anchor != lastOldHash {
			t.Fatalf("anchor %q, %v", anchor, err)
		}
		// The log is append-only again, with the very same triggers.
		if got := triggerDefs(t, d); got != triggers {
			t.Fatalf("triggers after purge:\n%s\nwant\n%s", got, triggers)
		}
		assertAppendOnly(t, d)

		// The chain goes on from there, and a second purge finds nothing.
		record(t, d, office, t0, audit.Event{Action: "unit.create", ObjectType: "unit", ObjectID: "new"})
		if res, err := audit.Purge(auditor, d, t0, 180); err != nil || res.Deleted != 0 {
			t.Fatalf("second purge: %+v %v", res, err)
		}
		mustVerify(t, d)

		// A year on, everything is old: the whole log goes except the
		// purge's own record, which chains onto the anchor; ids go on.
		maxID := count(t, d, `SELECT MAX(id) FROM audit_log`)
		later := t0.Add(400 * day)
		res, err = audit.Purge(auditor, d, later, 180)
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log`); n != 1 || res.Deleted != maxID-int(lastOldID) {
			t.Fatalf("after purging all: %d rows left, %+v", n, res)
		}
		if id := count(t, d, `SELECT id FROM audit_log`); id <= maxID {
			t.Fatalf("ids must not be reused: new row %d, old max %d", id, maxID)
		}
		mustVerify(t, d)
		assertAppendOnly(t, d)
	})
}

// TestPurgeRefusesBrokenChain: purging would destroy the evidence.
func TestPurgeRefusesBrokenChain(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		office := actorCtx(7, "office", core.RoleOffice, 3)
		for i := 0; i < 3; i++ {
			record(t, d, office, t0.Add(-300*24*time.Hour), audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: i})
		}
		dropAppendOnly(t, d)
		exec(t, d, `UPDATE audit_log SET actor_name = 'someone' WHERE object_id = '1'`)
		_, err := audit.Purge(actorCtx(9, "auditor", core.RoleAuditAdmin, 0), d, t0, 180)
		if core.ErrorCode(err) != core.ECONFLICT || !strings.Contains(core.ErrorMessage(err), "校验失败") {
			t.Fatalf("purge of a broken chain must be refused: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log`); n != 3 {
			t.Fatalf("%d rows left", n)
		}
	})
}

// TestPurgeCommand drives `liandong audit purge`, which keeps the security
// policy's retention unless --days says more.
func TestPurgeCommand(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		d := openDSN(t, dsn)
		if !cliRuns(t, d) {
			return
		}
		now := time.Now()
		office := actorCtx(7, "office", core.RoleOffice, 3)
		record(t, d, office, now.AddDate(0, 0, -200), audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: "old"})
		record(t, d, office, now.AddDate(0, 0, -100), audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: "young"})
		purge := func(args ...string) (int, string) {
			var out, errb bytes.Buffer
			args = append([]string{"audit", "purge", "--data", t.TempDir(), "--db", dsn}, args...)
			code := app.Main(context.Background(), args, &out, &errb)
			return code, out.String() + errb.String()
		}
		if code, out := purge("--days", "90"); code == 0 || !strings.Contains(out, "至少保留180天") {
			t.Fatalf("--days 90 must be refused: exit %d: %s", code, out)
		}
		if code, out := purge("--dry-run"); code != 0 || !strings.Contains(out, "up to 1 rows") {
			t.Fatalf("dry run: exit %d: %s", code, out)
		}
		if code, out := purge(); code != 0 || !strings.Contains(out, "purged 1 audit rows") {
			t.Fatalf("purge with the policy's 180 days: exit %d: %s", code, out)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE object_id = 'old'`); n != 0 {
			t.Fatal("the 200-day-old row is still there")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE object_id = 'young'`); n != 1 {
			t.Fatal("the 100-day-old row is gone")
		}
		es, _, _ := audit.Find(context.Background(), d.R(), audit.Filter{Action: "audit.purge", Outcome: audit.Success})
		if len(es) != 1 || !strings.HasPrefix(es[0].ActorName, "os:") || es[0].RequestID != "cli" {
			t.Fatalf("purge audit row: %+v", es)
		}
		mustVerify(t, d)
	})
}

// TestRetentionSettingFloor: the security administrator cannot set a
// retention under 180 days (SECURITY.md C5); the stored policy is kept.
func TestRetentionSettingFloor(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		svc := &auth.Service{DB: d, Clock: core.NewFakeClock(t0), Argon: auth.DefaultArgon2}
		sec := actorCtx(8, "secadmin", core.RoleSecurityAdmin, 0)
		for _, days := range []int{0, 90, 179} {
			p := auth.DefaultPolicy
			p.AuditRetentionDays = days
			err := svc.SavePolicy(sec, p)
			if core.ErrorCode(err) != core.EINVALID || core.FieldErrors(err)["audit_retention_days"] == "" {
				t.Fatalf("retention of %d days must be refused on its field: %v", days, err)
			}
		}
		p := auth.DefaultPolicy
		p.AuditRetentionDays = 365
		if err := svc.SavePolicy(sec, p); err != nil {
			t.Fatal(err)
		}
		if got, err := auth.LoadPolicy(context.Background(), d.R()); err != nil || got.AuditRetentionDays != 365 {
			t.Fatalf("stored retention: %d %v", got.AuditRetentionDays, err)
		}
		es, _, _ := audit.Find(context.Background(), d.R(), audit.Filter{Action: "policy.update"})
		if len(es) != 1 {
			t.Fatalf("policy.update rows: %d", len(es))
		}
		var changed []string
		for _, c := range audit.Diff(es[0].BeforeJSON, es[0].AfterJSON) {
			if c.Changed {
				changed = append(changed, c.Field+": "+c.Before+" → "+c.After)
			}
		}
		if strings.Join(changed, ";") != "audit_retention_days: 180 → 365" {
			t.Fatalf("the diff of the policy change: %v", changed)
		}
	})
}
