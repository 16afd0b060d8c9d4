package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/testkit"
)

func TestMigrationsHaveTheSameNamesOnBothEngines(t *testing.T) {
	s, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) == 0 || len(s) != len(p) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(s), len(p))
	}
	for i := range s {
		if s[i].Name != p[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, s[i].Name, p[i].Name)
		}
	}
}

// columns lists "table.column nullable" for every column of every regular
// table, read from each engine's own catalogue. That leaves out the
// full-text indexes, which each engine keeps its own way (searchIndexes
// compares them): on SQLite an FTS5 virtual table and the shadow tables it
// keeps its index in, on PostgreSQL a generated tsvector column with a GIN
// index.
func columns(t *testing.T, d *db.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	if d.Engine == db.SQLite {
		rows, err := d.R().QueryContext(ctx, `SELECT m.name, p.name, p."notnull" FROM pragma_table_list m
			JOIN pragma_table_info(m.name) p WHERE m.schema = 'main' AND m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var tbl, col string
			var notnull bool
			if err := rows.Scan(&tbl, &col, &notnull); err != nil {
				t.Fatal(err)
			}
			out = append(out, tbl+"."+col+map[bool]string{true: " not null", false: ""}[notnull])
		}
	} else {
		rows, err := d.R().QueryContext(ctx, `SELECT table_name, column_name, is_nullable FROM information_schema.columns
			WHERE table_schema = 'public' AND NOT (data_type = 'tsvector' AND is_generated = 'ALWAYS')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var tbl, col, nullable string
			if err := rows.Scan(&tbl, &col, &nullable); err != nil {
				t.Fatal(err)
			}
			out = append(out, tbl+"."+col+map[bool]string{true: " not null", false: ""}[nullable == "NO"])
		}
	}
	slices.Sort(out)
	return out
}

func TestSchemasMatchAcrossEngines(t *testing.T) {
	lite := columns(t, testkit.OpenDB(t, db.SQLite))
	pg := columns(t, testkit.OpenDB(t, db.Postgres))
	// SQLite reports INTEGER PRIMARY KEY columns as nullable; normalise ids.
	norm := func(cs []string) []string {
		var r []string
		for _, c := range cs {
			if strings.HasSuffix(c, ".id") {
				c += " not null"
			}
			r = append(r, c)
		}
		return r
	}
	if a, b := strings.Join(norm(lite), "\n"), strings.Join(norm(pg), "\n"); a != b {
		t.Errorf("schemas differ:\nsqlite:\n%s\n\npostgres:\n%s", a, b)
	}
}

// searchIndexes lists "table: column" for every text column that has a
// full-text index: on SQLite, the content table and column of each FTS5
// table; on PostgreSQL, each GIN-indexed column generated as
// to_tsvector('simple', column).
func searchIndexes(t *testing.T, d *db.DB) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	query := `SELECT sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE % USING fts5%'`
	pattern := regexp.MustCompile(`(?s)fts5\s*\(\s*(\w+).*content\s*=\s*'(\w+)'`)
	if d.Engine == db.Postgres {
		query = `SELECT c.table_name || ': ' || COALESCE(c.generation_expression, '') FROM information_schema.columns c
			WHERE c.table_schema = 'public' AND c.data_type = 'tsvector' AND EXISTS (SELECT 1 FROM pg_indexes i
			WHERE i.schemaname = 'public' AND i.tablename = c.table_name AND i.indexdef LIKE '%USING gin (' || c.column_name || ')')`
		pattern = regexp.MustCompile(`^(\w+): to_tsvector\('simple'::regconfig, (\w+)\)$`)
	}
	rows, err := d.R().QueryContext(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			t.Fatal(err)
		}
		m := pattern.FindStringSubmatch(def)
		if m == nil {
			t.Errorf("%s: a full-text index of unknown shape: %s", d.Engine, def)
			continue
		}
		if d.Engine == db.SQLite {
			out = append(out, m[2]+": "+m[1]) // fts5(column, ..., content = 'table')
		} else {
			out = append(out, m[1]+": "+m[2])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestSearchIndexesMatchAcrossEngines(t *testing.T) {
	lite := searchIndexes(t, testkit.OpenDB(t, db.SQLite))
	pg := searchIndexes(t, testkit.OpenDB(t, db.Postgres))
	if !slices.Contains(lite, "unit_search: terms") {
		t.Errorf("sqlite has no FTS5 index on unit_search.terms: %v", lite)
	}
	if !slices.Equal(lite, pg) {
		t.Errorf("full-text indexes differ:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
}

func TestDurableSettings(t *testing.T) {
	d := testkit.OpenDB(t, db.SQLite)
	bad, err := d.NonDurableSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("SQLite opened with non-durable settings: %v", bad)
	}
	// The test PostgreSQL cluster runs with fsync=off, so without the test
	// opt-in Open must refuse it (SECURITY.md I2).
	dsn := testkit.NewDSN(t, db.Postgres)
	if _, err := db.Open(context.Background(), dsn, db.Options{}); err == nil || !strings.Contains(err.Error(), "fsync=off") {
		t.Errorf("Open on a cluster with fsync=off: err = %v, want a refusal naming fsync", err)
	}
}

func TestConstraintErrorsAreNormalized(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insert := func() error {
			return d.InTx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO regions (code, name, level) VALUES ('450200', '柳州市', 'city')`)
				return db.Normalize(err)
			})
		}
		if err := insert(); err != nil {
			t.Fatal(err)
		}
		if got := core.ErrorCode(insert()); got != core.ECONFLICT {
			t.Errorf("duplicate code: %q, want conflict", got)
		}
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO regions (code, name, level, parent_id) VALUES ('450202', '城中区', 'county', 9999)`)
			return db.Normalize(err)
		})
		if got := core.ErrorCode(err); got != core.EINVALID {
			t.Errorf("dangling parent: %q, want invalid", got)
		}
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future', 0)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Migrate(ctx, ""); err == nil || !strings.Contains(err.Error(), "newer version") {
			t.Errorf("Migrate on a newer schema: %v, want a refusal", err)
		}
	})
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	d := testkit.OpenDB(t, db.SQLite)
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO regions (code, name, level) VALUES ('450200', '柳州市', 'city')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := d.Backup(ctx, dst); err != nil {
		t.Fatal(err)
	}
	c, err := db.Open(ctx, dst, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var name, check string
	if err := c.R().QueryRowContext(ctx, `SELECT name FROM regions WHERE code = '450200'`).Scan(&name); err != nil || name != "柳州市" {
		t.Errorf("backup row: %q, %v", name, err)
	}
	if err := c.R().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
}
