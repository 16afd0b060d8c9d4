package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

//go:embed migrations
var migrations embed.FS

// migrationFS is what Migrations reads; tests swap in a longer or shorter
// set to exercise an upgrade (SECURITY.md I8).
var migrationFS fs.FS = migrations

// Migration is one embedded schema change.
type Migration struct {
	Name string
	SQL  string
}

// Migrations returns the migrations for the engine, in order. Both engines
// have files of the same names (a test compares the resulting schemas).
func Migrations(e Engine) ([]Migration, error) {
	dir := "migrations/" + string(e)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, en := range entries {
		if !strings.HasSuffix(en.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, en.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Name: strings.TrimSuffix(en.Name(), ".sql"), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return strings.Compare(a.Name, b.Name) })
	return ms, nil
}

// Applied returns the names of the migrations recorded in the database.
func (d *DB) Applied(ctx context.Context) ([]string, error) {
	if _, err := d.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("db: schema_migrations: %w", err)
	}
	rows, err := d.write.QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("db: applied migrations: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// Pending returns the migrations not yet applied. It fails when the
// database holds a migration this binary does not know: the schema is newer
// than the program, and running would risk the data (SECURITY.md I8).
func (d *DB) Pending(ctx context.Context) ([]Migration, error) {
	all, err := Migrations(d.Engine)
	if err != nil {
		return nil, err
	}
	applied, err := d.Applied(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, m := range all {
		known[m.Name] = true
	}
	for _, n := range applied {
		if !known[n] {
			return nil, fmt.Errorf("db: the database has migration %q that this version of liandong does not know; it was written by a newer version, so upgrade liandong instead of running this one", n)
		}
	}
	var pending []Migration
	for _, m := range all {
		if !slices.Contains(applied, m.Name) {
			pending = append(pending, m)
		}
	}
	return pending, nil
}

// Migrate applies every pending migration, each in its own transaction.
// Before changing a non-empty SQLite database it writes a backup beside it
// (backupDir; "" skips), so a failed upgrade can be undone. It returns the
// names applied.
func (d *DB) Migrate(ctx context.Context, backupDir string) ([]string, error) {
	pending, err := d.Pending(ctx)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	applied, _ := d.Applied(ctx)
	if d.Engine == SQLite && backupDir != "" && len(applied) > 0 {
		dst, err := preMigratePath(backupDir)
		if err != nil {
			return nil, fmt.Errorf("db: pre-migration backup: %w", err)
		}
		if err := d.Backup(ctx, dst); err != nil {
			return nil, fmt.Errorf("db: pre-migration backup: %w", err)
		}
	}
	var done []string
	for _, m := range pending {
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("db: migration %s: %w", m.Name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`,
				m.Name, time.Now().Unix())
			return err
		})
		if err != nil {
			return done, err
		}
		done = append(done, m.Name)
	}
	return done, nil
}

// preMigratePath creates backupDir if needed (owner only: backups hold
// password hashes) and returns a file name in it that is not taken yet,
// even when an upgrade is retried within the same second.
func preMigratePath(backupDir string) (string, error) {
	if err := os.MkdirAll(backupDir, 0o700); err != nil {
		return "", err
	}
	base := filepath.Join(backupDir, "pre-migrate-"+time.Now().UTC().Format("20060102-150405"))
	dst := base + ".db"
	for i := 2; ; i++ {
		if _, err := os.Stat(dst); errors.Is(err, fs.ErrNotExist) {
			return dst, nil
		} else if err != nil {
			return "", err
		}
		dst = fmt.Sprintf("%s-%d.db", base, i)
	}
}
