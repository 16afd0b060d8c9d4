package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/audit"
	"liandong/internal/db"
	"liandong/internal/testkit"
)

// TestBackupWhileWriting runs `liandong backup` while writers commit
// multi-row changes: the copy opens, passes integrity_check, is one
// consistent snapshot (every region whole, every audit record present, the
// chain intact), holds at least what was acknowledged before it started,
// is readable by its owner only, and the backup is audited (SECURITY.md I5).
func TestBackupWhileWriting(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	a, err := app.Open(ctx, app.Config{DataDir: dir, Log: testkit.Logger(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	const writers = 6
	var acked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := writeRegion(ctx, a.DB, time.Now()); err != nil {
					errs <- err
					return
				}
				acked.Add(1)
				// Think time between requests. Without it the server's one
				// write connection never lets go of the lock, and the backup
				// command's own audit write (a second connection, whose busy
				// handler polls) is starved: SQLite's locking is not fair.
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	// Let the writers get going, so that the copy runs among them.
	for acked.Load() < 300 {
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
			time.Sleep(5 * time.Millisecond)
		}
	}
	before := acked.Load()
	dst := filepath.Join(t.TempDir(), "liandong-backup.db")
	var stdout, stderr bytes.Buffer
	code := app.Main(ctx, []string{"backup", "--data", dir, dst}, &stdout, &stderr)
	duringBackup := acked.Load() - before
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	if code != 0 {
		t.Fatalf("backup exit %d: %s", code, stderr.String())
	}
	t.Logf("%d writes acknowledged before the backup, %d during it", before, duringBackup)

	st, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode %v, want 0600 (it holds password hashes)", st.Mode().Perm())
	}
	b, err := db.Open(ctx, dst, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var check string
	if err := b.R().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var regions, units, records, orphans int64
	if err := b.R().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM regions), (SELECT COUNT(*) FROM units),
		(SELECT COUNT(*) FROM audit_log WHERE action = 'region.create'),
		(SELECT COUNT(*) FROM units u LEFT JOIN regions r ON r.id = u.region_id WHERE r.id IS NULL)`).
		Scan(&regions, &units, &records, &orphans); err != nil {
		t.Fatal(err)
	}
	if regions < before {
		t.Errorf("the backup holds %d regions, fewer than the %d acknowledged before it started", regions, before)
	}
	if units != 2*regions || records != regions || orphans != 0 {
		t.Errorf("not one snapshot: %d regions, %d units (want %d), %d audit records, %d orphan units",
			regions, units, 2*regions, records, orphans)
	}
	if broken, n, err := audit.Verify(ctx, b.R()); err != nil || broken != 0 {
		t.Errorf("audit chain in the backup: broken at %d after %d rows (%v)", broken, n, err)
	}
	var total int64
	if err := a.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM regions`).Scan(&total); err != nil || total < regions {
		t.Errorf("live database has %d regions, the backup %d (%v)", total, regions, err)
	}

	// The backup is audited in the live database, naming the file.
	var outcome, objectID string
	if err := a.DB.R().QueryRowContext(ctx, `SELECT outcome, object_id FROM audit_log
		WHERE action = 'system.backup' ORDER BY id DESC LIMIT 1`).Scan(&outcome, &objectID); err != nil {
		t.Fatalf("no system.backup audit record: %v", err)
	}
	if outcome != audit.Success || objectID != dst {
		t.Errorf("system.backup record: outcome %q, object %q; want success, %q", outcome, objectID, dst)
	}
}

// TestBackupRefusesToOverwrite: an existing file is left untouched, the
// command fails with a Chinese message, and nothing is audited as done.
func TestBackupRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	if code := app.Main(ctx, []string{"migrate", "--data", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("migrate: %s", stderr.String())
	}
	for _, content := range []string{"yesterday's backup", ""} {
		dst := filepath.Join(t.TempDir(), "existing.db")
		if err := os.WriteFile(dst, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		stdout.Reset()
		stderr.Reset()
		code := app.Main(ctx, []string{"backup", "--data", dir, dst}, &stdout, &stderr)
		if code == 0 {
			t.Errorf("backup over an existing file (%d bytes) succeeded", len(content))
		}
		if !strings.Contains(stderr.String(), "已存在") {
			t.Errorf("message %q, want a Chinese refusal", stderr.String())
		}
		if got, _ := os.ReadFile(dst); string(got) != content {
			t.Errorf("the existing file was changed: %q", got)
		}
	}
	d, err := db.Open(ctx, filepath.Join(dir, "liandong.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'system.backup' AND outcome = 'success'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d successful backup records after refusals (%v)", n, err)
	}
}
