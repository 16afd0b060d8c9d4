package db_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"liandong/internal/db"
	"liandong/internal/testkit"
)

// withExtraMigration returns the embedded migrations plus one more, named
// name, for both engines: the next release's upgrade, as far as this
// binary is concerned.
func withExtraMigration(t *testing.T, name, sqliteSQL, pgSQL string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(db.EmbeddedMigrations, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.EmbeddedMigrations, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m["migrations/sqlite/"+name+".sql"] = &fstest.MapFile{Data: []byte(sqliteSQL)}
	m["migrations/postgres/"+name+".sql"] = &fstest.MapFile{Data: []byte(pgSQL)}
	return m
}

func tableExists(t *testing.T, q db.Querier, engine db.Engine, table string) bool {
	t.Helper()
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if engine == db.Postgres {
		query = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = $1`
	}
	var n int
	if err := q.QueryRowContext(context.Background(), query, table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func appliedNames(t *testing.T, d *db.DB) string {
	t.Helper()
	names, err := d.Applied(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, ",")
}

// openCurrent opens a fresh database migrated to this binary's schema and
// holding one region, so that an upgrade has something to lose.
func openCurrent(t *testing.T, engine db.Engine, backups string) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, testkit.NewDSN(t, engine), db.Options{AllowNonDurable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx, backups); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(backups); len(files) != 0 {
		t.Errorf("a fresh database was backed up before its first migration: %v", files)
	}
	if err := d.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO regions (code, name, level) VALUES ('450200', '柳州市', 'city')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestUpgradeBacksUpFirst applies a pending migration to a database that
// holds data: on SQLite a backup of the database as it stood before the
// upgrade is written first, and the upgrade itself is one transaction
// (SECURITY.md I8).
func TestUpgradeBacksUpFirst(t *testing.T) {
	ctx := context.Background()
	const probe = "9990_upgrade_probe"
	upgrade := withExtraMigration(t, probe,
		`CREATE TABLE upgrade_probe (id INTEGER PRIMARY KEY);
		ALTER TABLE regions ADD COLUMN probe TEXT NOT NULL DEFAULT 'x';`,
		`CREATE TABLE upgrade_probe (id INTEGER PRIMARY KEY);
		ALTER TABLE regions ADD COLUMN probe TEXT NOT NULL DEFAULT 'x';`)
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			backups := filepath.Join(t.TempDir(), "backups")
			d := openCurrent(t, engine, backups)
			before := appliedNames(t, d)

			db.SetMigrationsForTest(t, upgrade)
			applied, err := d.Migrate(ctx, backups)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(applied, ",") != probe {
				t.Fatalf("applied %v, want only %s", applied, probe)
			}
			if !tableExists(t, d.R(), engine, "upgrade_probe") {
				t.Error("the upgrade did not run")
			}
			files, _ := filepath.Glob(filepath.Join(backups, "pre-migrate-*.db"))
			if engine == db.Postgres {
				// PostgreSQL is backed up by the operator with pg_dump.
				if len(files) != 0 {
					t.Errorf("unexpected SQLite backups for PostgreSQL: %v", files)
				}
				return
			}
			if len(files) != 1 {
				t.Fatalf("pre-migration backups: %v, want one", files)
			}
			b, err := db.Open(ctx, files[0], db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			var check, name string
			if err := b.R().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
				t.Errorf("backup integrity_check = %q, %v", check, err)
			}
			if err := b.R().QueryRowContext(ctx, `SELECT name FROM regions WHERE code = '450200'`).Scan(&name); err != nil || name != "柳州市" {
				t.Errorf("backup lacks the data: %q, %v", name, err)
			}
			// Taken before anything changed: the old schema, the old list.
			if tableExists(t, b.R(), engine, "upgrade_probe") {
				t.Error("the backup already has the upgrade's table")
			}
			if got := appliedNames(t, b); got != before {
				t.Errorf("backup records migrations %s, want %s", got, before)
			}
		})
	}
}

// TestFailedUpgradeChangesNothing: a migration that fails half-way leaves
// neither its first statements nor its record behind, and the data stays.
func TestFailedUpgradeChangesNothing(t *testing.T) {
	ctx := context.Background()
	const broken = "9991_broken"
	bad := `CREATE TABLE half_done (id INTEGER PRIMARY KEY);
		INSERT INTO half_done (id) VALUES (1);
		INSERT INTO no_such_table (id) VALUES (1);`
	upgrade := withExtraMigration(t, broken, bad, bad)
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			backups := filepath.Join(t.TempDir(), "backups")
			d := openCurrent(t, engine, backups)
			before := appliedNames(t, d)
			db.SetMigrationsForTest(t, upgrade)
			if _, err := d.Migrate(ctx, backups); err == nil || !strings.Contains(err.Error(), broken) {
				t.Fatalf("Migrate with a broken migration: %v, want an error naming it", err)
			}
			if tableExists(t, d.R(), engine, "half_done") {
				t.Error("the failed migration's first statement stayed")
			}
			if got := appliedNames(t, d); got != before {
				t.Errorf("migrations recorded: %s, want %s", got, before)
			}
			var n int
			if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM regions`).Scan(&n); err != nil || n != 1 {
				t.Errorf("regions after the failed upgrade: %d, %v", n, err)
			}
			// A retry at once fails the same way, with a backup of its own
			// rather than a clash with the first one's file name.
			if _, err := d.Migrate(ctx, backups); err == nil || !strings.Contains(err.Error(), broken) {
				t.Fatalf("retried Migrate: %v, want an error naming %s", err, broken)
			}
			if files, _ := filepath.Glob(filepath.Join(backups, "pre-migrate-*.db")); engine == db.SQLite && len(files) != 2 {
				t.Errorf("pre-migration backups: %v, want two", files)
			}
		})
	}
}
