// Package db opens Liandong's database on either engine, runs the embedded
// migrations, and gives every domain package the same two things: a Querier
// to read with and InTx to change data in one transaction. SQL is written
// once, with $n placeholders, in the subset both engines share (STYLE.md §1.3).
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver (pure Go, no cgo)
)

// Engine names the database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Querier is what store code reads and writes through: a *sql.DB or a *sql.Tx.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database. On SQLite, writes go through one connection that
// begins every transaction with BEGIN IMMEDIATE (so a read-then-write
// transaction never hits SQLITE_BUSY without the busy handler running), and
// reads through a small pool of read-only connections; on PostgreSQL both are
// one pool.
type DB struct {
	Engine Engine
	write  *sql.DB
	read   *sql.DB
	path   string // SQLite file path
}

// Options tune Open.
type Options struct {
	// SynchronousNormal opts SQLite out of synchronous=FULL. FULL is the
	// default because in WAL mode NORMAL may roll back committed transactions
	// after a power loss (SECURITY.md I2).
	SynchronousNormal bool
	// AllowNonDurable lets Open accept a PostgreSQL server running with
	// fsync, synchronous_commit or full_page_writes off. Only tests set it.
	AllowNonDurable bool
}

// Open opens dsn: a postgres:// or postgresql:// URL, or otherwise the path
// of an SQLite file (created if missing).
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn, opt)
	}
	return openSQLite(ctx, dsn, opt)
}

func openSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	path = strings.TrimPrefix(path, "sqlite://")
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	sync := "FULL"
	if opt.SynchronousNormal {
		sync = "NORMAL"
	}
	// busy_timeout comes first: setting WAL may itself need to wait for a
	// lock held by another process.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "secure_delete(ON)")
	q.Set("_time_format", "sqlite")
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	write, err := sql.Open("sqlite", "file:"+abs+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", abs, err)
	}
	rq := url.Values{}
	for k, v := range q {
		rq[k] = v
	}
	rq.Add("_pragma", "query_only(ON)")
	read, err := sql.Open("sqlite", "file:"+abs+"?"+rq.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("db: open sqlite reader: %w", err)
	}
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)
	return &DB{Engine: SQLite, write: write, read: read, path: abs}, nil
}

func openPostgres(ctx context.Context, dsn string, opt Options) (*DB, error) {
	// Two pools, as on SQLite: writers queue on the audit chain's lock
	// until their commit is on disk, and on a deadline day they would
	// otherwise hold every connection while reads (a liaison opening her
	// task list) wait for one. Sixteen connections in all, as before.
	open := func(n int) (*sql.DB, error) {
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("db: open postgres: %w", err)
		}
		pool.SetMaxOpenConns(n)
		pool.SetMaxIdleConns(n)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		if err := pool.PingContext(ctx); err != nil {
			pool.Close()
			return nil, fmt.Errorf("db: connect postgres: %w", err)
		}
		return pool, nil
	}
	write, err := open(8)
	if err != nil {
		return nil, err
	}
	read, err := open(8)
	if err != nil {
		write.Close()
		return nil, err
	}
	d := &DB{Engine: Postgres, write: write, read: read}
	if !opt.AllowNonDurable {
		if bad, err := d.NonDurableSettings(ctx); err != nil {
			d.Close()
			return nil, err
		} else if len(bad) > 0 {
			d.Close()
			return nil, fmt.Errorf("db: postgres runs without durability (%s); refusing to start", strings.Join(bad, ", "))
		}
	}
	return d, nil
}

// NonDurableSettings lists the durability settings that are off: on SQLite
// anything but WAL with synchronous=FULL and foreign keys on; on PostgreSQL
// fsync, synchronous_commit or full_page_writes off (SECURITY.md I2).
func (d *DB) NonDurableSettings(ctx context.Context) ([]string, error) {
	var bad []string
	if d.Engine == SQLite {
		var mode string
		var syncLevel, fk int
		if err := d.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			return nil, fmt.Errorf("db: pragma: %w", err)
		}
		if err := d.write.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncLevel); err != nil {
			return nil, fmt.Errorf("db: pragma: %w", err)
		}
		if err := d.write.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			return nil, fmt.Errorf("db: pragma: %w", err)
		}
		if mode != "wal" {
			bad = append(bad, "journal_mode="+mode)
		}
		if syncLevel < 2 {
			bad = append(bad, fmt.Sprintf("synchronous=%d", syncLevel))
		}
		if fk != 1 {
			bad = append(bad, "foreign_keys=off")
		}
		return bad, nil
	}
	for _, name := range []string{"fsync", "synchronous_commit", "full_page_writes"} {
		var v string
		if err := d.write.QueryRowContext(ctx, "SHOW "+name).Scan(&v); err != nil {
			return nil, fmt.Errorf("db: show %s: %w", name, err)
		}
		if v == "off" {
			bad = append(bad, name+"=off")
		}
	}
	return bad, nil
}

// Close closes all connections.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// R returns the handle to read with outside a transaction.
func (d *DB) R() Querier { return d.read }

// Path returns the SQLite file path ("" on PostgreSQL).
func (d *DB) Path() string { return d.path }

// Ping checks that the database answers (used by /healthz).
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// InTx runs fn in one write transaction: committed if fn returns nil,
// rolled back otherwise (and on panic). Every multi-row change and its
// audit record go through here.
func (d *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", Normalize(err))
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", Normalize(err))
	}
	return nil
}

// Backup writes a consistent copy of a live SQLite database to dst with
// VACUUM INTO, which reads one snapshot while writers go on.
func (d *DB) Backup(ctx context.Context, dst string) error {
	if d.Engine != SQLite {
		return errors.New("db: backup of PostgreSQL is done with pg_dump -Fc")
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	// A connection of its own: readers are query_only, and the writer must
	// stay free for the requests that go on during the copy.
	c, err := sql.Open("sqlite", "file:"+d.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "VACUUM INTO $1", abs); err != nil {
		return fmt.Errorf("db: vacuum into %s: %w", abs, err)
	}
	return nil
}

// Scanner is what a row scanner reads from: a *sql.Row or *sql.Rows.
type Scanner interface{ Scan(...any) error }

// Collect reads every row of rows with scan, closes rows, and returns the
// values with the iteration error, if any.
func Collect[T any](rows *sql.Rows, scan func(Scanner) (*T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}
