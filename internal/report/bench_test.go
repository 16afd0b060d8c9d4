package report_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/demo"
	"liandong/internal/report"
	"liandong/internal/testkit"
)

// The deadline day (issue 4, scripts/load-deadline): every liaison first
// reads its tasks and report slots (GET /api/v1/me/reports, Service.Mine),
// and every step after a change answers the report as read back
// (Service.Get). These benchmarks time the two service calls on both
// engines and report p50/p95/p99 in milliseconds and the number of
// database queries one call makes.
//
// By default they run on the city scale, loaded afresh. With
// LIANDONG_BENCH_SCALE=province (or national) they run on that scale,
// kept between runs: an SQLite file in $LIANDONG_BENCH_DIR (default: the
// system's temporary directory) and a database liandong_reportbench_<scale>
// on the LIANDONG_TEST_PG server (loading is idempotent).
//
//	. /tmp/pgenv; LIANDONG_BENCH_SCALE=province go test -run '^$' -bench . -benchtime 500x ./internal/report/

type benchData struct {
	d      *db.DB
	svc    *report.Service
	mine   context.Context // the liaison whose unit carries the most tasks
	report int64           // the report with the most figures, read by its unit
	reader context.Context
}

func benchScale() string {
	if s := os.Getenv("LIANDONG_BENCH_SCALE"); s != "" {
		return s
	}
	return "city"
}

func loadBench(b *testing.B, e db.Engine) *benchData {
	b.Helper()
	ctx := context.Background()
	scale := benchScale()
	var d *db.DB
	if scale == "city" {
		d = testkit.OpenDB(b, e)
	} else {
		d = openPersistent(b, e, scale)
	}
	if _, err := demo.LoadScale(ctx, d, scale); err != nil {
		b.Fatal(err)
	}
	bd := &benchData{d: d, svc: &report.Service{DB: d, Clock: core.SystemClock{}}}
	q := d.R()
	// A liaison of unit in every body where it carries a task (the scale
	// has no liaison accounts: they are made by --liaison-tokens).
	actor := func(unit int64) context.Context {
		a := &core.Actor{UserID: 2, Username: "bench-liaison", Role: core.RoleLiaison, UnitID: unit}
		rows, err := q.QueryContext(ctx, `SELECT DISTINCT body_id FROM assignments WHERE unit_id = $1 ORDER BY body_id`, unit)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				b.Fatal(err)
			}
			a.BodyIDs = append(a.BodyIDs, id)
		}
		a.ScopeIDs = a.BodyIDs
		return core.WithActor(ctx, a)
	}
	var busiest int64
	if err := q.QueryRowContext(ctx, `SELECT unit_id FROM assignments GROUP BY unit_id
		ORDER BY COUNT(*) DESC, unit_id LIMIT 1`).Scan(&busiest); err != nil {
		b.Fatalf("the busiest unit: %v", err)
	}
	bd.mine = actor(busiest)
	var unit int64
	if err := q.QueryRowContext(ctx, `SELECT r.id, r.unit_id FROM reports r JOIN report_figures f ON f.report_id = r.id
		GROUP BY r.id, r.unit_id ORDER BY COUNT(*) DESC, r.id LIMIT 1`).Scan(&bd.report, &unit); err != nil {
		b.Fatalf("a report with figures: %v", err)
	}
	bd.reader = actor(unit)
	return bd
}

// openPersistent opens (creating if needed) the kept database of a scale.
func openPersistent(b *testing.B, e db.Engine, scale string) *db.DB {
	b.Helper()
	ctx := context.Background()
	var dsn string
	switch e {
	case db.SQLite:
		dir := os.Getenv("LIANDONG_BENCH_DIR")
		if dir == "" {
			dir = os.TempDir()
		}
		dsn = filepath.Join(dir, "liandong-reportbench-"+scale+".db")
	default:
		base := os.Getenv("LIANDONG_TEST_PG")
		if base == "" {
			b.Skip("PostgreSQL not available: set LIANDONG_TEST_PG")
		}
		name := "liandong_reportbench_" + scale
		admin, err := sql.Open("pgx", base)
		if err != nil {
			b.Fatal(err)
		}
		defer admin.Close()
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
				b.Fatal(err)
			}
		}
		u, err := url.Parse(base)
		if err != nil {
			b.Fatal(err)
		}
		u.Path = "/" + name
		dsn = u.String()
	}
	d, err := db.Open(ctx, dsn, db.Options{AllowNonDurable: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx, ""); err != nil {
		b.Fatal(err)
	}
	return d
}

// timed runs fn b.N times and reports the percentiles of its durations.
func timed(b *testing.B, fn func() (int, error)) {
	b.Helper()
	durations := make([]time.Duration, 0, b.N)
	rows := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		n, err := fn()
		durations = append(durations, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	b.StopTimer()
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(rows), "rows")
}

func eachEngine(b *testing.B, fn func(b *testing.B, bd *benchData)) {
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			if e == db.Postgres && os.Getenv("LIANDONG_TEST_PG") == "" {
				b.Skip("PostgreSQL not available: set LIANDONG_TEST_PG")
			}
			fn(b, loadBench(b, e))
		})
	}
}

// BenchmarkMine is GET /api/v1/me/reports for the liaison with the most
// tasks; rows is the number of task rows answered.
func BenchmarkMine(b *testing.B) {
	eachEngine(b, func(b *testing.B, bd *benchData) {
		timed(b, func() (int, error) {
			blocks, err := bd.svc.Mine(bd.mine)
			n := 0
			for _, bl := range blocks {
				n += len(bl.Tasks)
			}
			if err == nil && n == 0 {
				b.Fatal("the busiest liaison has no tasks")
			}
			return n, err
		})
	})
}

// BenchmarkGet is GET /api/v1/reports/{id} of a report with figures, by
// its unit's liaison; rows is the number of figures.
func BenchmarkGet(b *testing.B) {
	eachEngine(b, func(b *testing.B, bd *benchData) {
		timed(b, func() (int, error) {
			r, _, err := bd.svc.Get(bd.reader, bd.report)
			if err != nil {
				return 0, err
			}
			return len(r.Figures), nil
		})
	})
}
