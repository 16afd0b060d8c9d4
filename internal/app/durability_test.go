package app_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/audit"
	"liandong/internal/db"
	"liandong/internal/testkit"
)

// writeRegion commits one multi-row change: a region, two units in it, and
// the audit record, all in one transaction. It returns the region id.
func writeRegion(ctx context.Context, d *db.DB, now time.Time) (int64, error) {
	var id int64
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM regions`).Scan(&next); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO regions (code, name, level) VALUES ($1, $2, 'city') RETURNING id`,
			fmt.Sprintf("%06d", next), fmt.Sprintf("测试市%d", next)).Scan(&id); err != nil {
			return err
		}
		for _, name := range []string{"科学技术协会", "教育局"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO units (region_id, name, kind, created_at, updated_at)
				VALUES ($1, $2, 'government', $3, $3)`, id, name, now.Unix()); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, d.Engine, now, audit.Event{Action: "region.create", ObjectType: "region", ObjectID: id})
	})
	return id, err
}

// TestCrashHelper is the child of TestCrashDurability, not a test of its
// own: it writes regions in a loop and prints each id once its transaction
// has committed, until it is killed.
func TestCrashHelper(t *testing.T) {
	if os.Getenv("GO_WANT_HELPER_PROCESS") != "1" {
		t.Skip("helper process for TestCrashDurability")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, os.Getenv("LIANDONG_CRASH_DB"), db.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	if _, err := d.Migrate(ctx, ""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	for {
		id, err := writeRegion(ctx, d, time.Now())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		// Only now is the write acknowledged, as a response would be.
		fmt.Fprintf(os.Stdout, "ack %d\n", id)
	}
}

// TestCrashDurability SIGKILLs a writing process at random moments, then
// checks that the database is intact, that every acknowledged write
// survived whole, and that the audit chain still verifies (SECURITY.md I1).
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("crash loop skipped in -short mode")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	acked := map[int64]bool{}
	const kills = 25
	start := time.Now()
	for i := 0; i < kills; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GO_WANT_HELPER_PROCESS=1", "LIANDONG_CRASH_DB="+path)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a random number of acknowledged writes, then after a
		// random delay, so that kills land at every point of a transaction
		// (and sometimes during start-up).
		want := rand.IntN(40)
		got := 0
		for got < want {
			l, ok := <-lines
			if !ok {
				break
			}
			if record(t, acked, l) {
				got++
			}
		}
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		for l := range lines {
			record(t, acked, l)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("run %d: the child was not killed but ended by itself (%v): %s", i, err, stderr.String())
		}
	}
	t.Logf("%d kills, %d acknowledged writes, %s", kills, len(acked), time.Since(start).Round(time.Millisecond))
	if len(acked) == 0 {
		t.Fatal("no write was ever acknowledged")
	}

	ctx := context.Background()
	d, err := db.Open(ctx, path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var check string
	if err := d.R().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	present := map[int64]bool{}
	rows, err := d.R().QueryContext(ctx, `SELECT r.id, (SELECT COUNT(*) FROM units u WHERE u.region_id = r.id),
		(SELECT COUNT(*) FROM audit_log a WHERE a.object_type = 'region' AND a.object_id = CAST(r.id AS TEXT))
		FROM regions r`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, units, audits int64
		if err := rows.Scan(&id, &units, &audits); err != nil {
			t.Fatal(err)
		}
		present[id] = true
		if units != 2 || audits != 1 {
			t.Errorf("region %d has %d units and %d audit records, want 2 and 1: a transaction was torn", id, units, audits)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for id := range acked {
		if !present[id] {
			t.Errorf("acknowledged region %d is missing", id)
		}
	}
	var orphans int
	if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM units u LEFT JOIN regions r ON r.id = u.region_id
		WHERE r.id IS NULL`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d units without their region (%v)", orphans, err)
	}
	broken, n, err := audit.Verify(ctx, d.R())
	if err != nil || broken != 0 {
		t.Errorf("audit chain: broken at %d after %d rows (%v)", broken, n, err)
	}
}

// record notes an "ack N" line; it reports whether the line was one.
func record(t *testing.T, acked map[int64]bool, line string) bool {
	s, ok := strings.CutPrefix(line, "ack ")
	if !ok {
		return false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("bad ack line %q", line)
	}
	acked[id] = true
	return true
}

// TestOpenRunsDurable: the application as started runs SQLite with WAL,
// synchronous=FULL and foreign keys on (SECURITY.md I2).
func TestOpenRunsDurable(t *testing.T) {
	a, _ := testkit.StartApp(t, testkit.NewDSN(t, db.SQLite), app.Config{})
	bad, err := a.DB.NonDurableSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("app.Open runs SQLite with non-durable settings: %v", bad)
	}
}
