// Package testkit gives tests real databases on both engines and a running
// application. SQLite always runs; PostgreSQL runs when LIANDONG_TEST_PG
// names a server (scripts/test starts a throwaway one). With CI=true a
// missing PostgreSQL fails the test instead of skipping it.
package testkit

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liandong/internal/db"
)

// Engines runs fn once per engine as subtests "sqlite" and "postgres", each
// on a fresh, migrated database.
func Engines(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			fn(t, OpenDB(t, e))
		})
	}
}

// EachEngine runs fn once per engine with the DSN of a fresh, empty
// database, for tests that start the whole application.
func EachEngine(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			fn(t, NewDSN(t, e))
		})
	}
}

// OpenDB opens a fresh migrated database on engine e, closed at cleanup.
func OpenDB(t testing.TB, e db.Engine) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), NewDSN(t, e), db.Options{AllowNonDurable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	return d
}

// NewDSN returns the DSN of a fresh empty database on engine e: a file in a
// temporary directory, or a new PostgreSQL database dropped at cleanup.
func NewDSN(t testing.TB, e db.Engine) string {
	t.Helper()
	if e == db.SQLite {
		return filepath.Join(t.TempDir(), "test.db")
	}
	base := os.Getenv("LIANDONG_TEST_PG")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LIANDONG_TEST_PG is not set: with CI=true PostgreSQL tests must run (use scripts/test)")
		}
		t.Skip("PostgreSQL not available: set LIANDONG_TEST_PG or run scripts/test")
	}
	name := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, pgSeq.Add(1))
	admin := pgAdmin(t, base)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

var (
	pgSeq     atomic.Int64
	adminOnce sync.Once
	adminDB   *sql.DB
	adminErr  error
)

func pgAdmin(t testing.TB, base string) *sql.DB {
	adminOnce.Do(func() {
		adminDB, adminErr = sql.Open("pgx", base)
		if adminErr == nil {
			adminErr = adminDB.Ping()
		}
	})
	if adminErr != nil {
		t.Fatalf("connect to LIANDONG_TEST_PG: %v", adminErr)
	}
	return adminDB
}

// Logger returns a JSON logger writing to w (io.Discard when nil).
func Logger(w io.Writer) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// EngineOf reports the engine of a DSN.
func EngineOf(dsn string) db.Engine {
	if strings.HasPrefix(dsn, "postgres") {
		return db.Postgres
	}
	return db.SQLite
}
