// Package app wires Liandong together: configuration → database →
// migrations → services → HTTP handlers. cmd/liandong calls it, and so do
// the end-to-end tests, which start the real application in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"liandong/internal/api"
	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/httpx"
	"liandong/internal/job"
	"liandong/internal/notify"
	"liandong/internal/org"
	"liandong/internal/plan"
	"liandong/internal/report"
	"liandong/internal/web"
)

// Config is everything the application is started with.
type Config struct {
	Addr    string // listen address, 127.0.0.1:8080 by default
	DataDir string // holds liandong.db (SQLite) and uploaded files
	DSN     string // postgres://... selects PostgreSQL; empty means SQLite in DataDir
	Demo    bool   // load the demo data into an empty database, and allow demo logins
	// FileStore keeps uploaded files: "fs" (default) under DataDir/files,
	// or "db" in the database.
	FileStore string
	Secure    bool // served over TLS or behind a TLS proxy: Secure cookies, HSTS
	// Clock is the time source; nil means the system clock.
	Clock core.Clock
	// AllowNonDurable accepts a PostgreSQL server without fsync (tests only).
	AllowNonDurable bool
	Log             *slog.Logger
	// TestClock runs the application on a clock that POST /test/clock
	// moves forward (browser tests of timeouts; demo mode only).
	TestClock bool
	// Limits replaces the default rate limits of uploads and exports
	// (SECURITY.md D7); nil keeps httpx.DefaultLimits.
	Limits map[httpx.LimitClass]*httpx.Throttle
	// HTTP server timeouts (SECURITY.md D9); zero means the default:
	// ReadHeaderTimeout 10 s, ReadTimeout 2 min, WriteTimeout 5 min,
	// IdleTimeout 2 min. Tests shorten them.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
}

// Default HTTP server timeouts.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 2 * time.Minute
	DefaultWriteTimeout      = 5 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
)

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// DatabaseDSN returns the DSN the config selects.
func (c *Config) DatabaseDSN() string {
	if c.DSN != "" {
		return c.DSN
	}
	return filepath.Join(c.DataDir, "liandong.db")
}

// App is a running application.
type App struct {
	Config  Config
	DB      *db.DB
	Auth    *auth.Service
	Handler http.Handler
	Log     *slog.Logger
	// Jobs is the database job queue; Serve runs its worker (reminders,
	// e-mail, digests, the file sweeper).
	Jobs    *job.Queue
	notes   *notify.Service
	reports *report.Service
	routes  [][]httpx.Route
}

// Routes returns every route the Handler serves, each with its permission,
// so that tests can walk the whole URL space (SECURITY.md B2, D5).
func (a *App) Routes() []httpx.Route {
	var rs []httpx.Route
	for _, t := range a.routes {
		rs = append(rs, t...)
	}
	return rs
}

// Open opens the database, applies pending migrations (after a backup),
// loads the demo data when asked, and builds the handlers.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	var testClock advancer
	if cfg.TestClock {
		var err error
		if testClock, err = testClockSetup(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = core.SystemClock{}
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "data"
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: data dir: %w", err)
	}
	d, err := db.Open(ctx, cfg.DatabaseDSN(), db.Options{AllowNonDurable: cfg.AllowNonDurable})
	if err != nil {
		cfg.Log.Error("open database", "err", err.Error())
		return nil, err
	}
	if err := checkDurable(ctx, d, cfg); err != nil {
		d.Close()
		return nil, err
	}
	applied, err := d.Migrate(ctx, filepath.Join(cfg.DataDir, "backups"))
	if err != nil {
		d.Close()
		return nil, err
	}
	if len(applied) > 0 {
		cfg.Log.Info("migrated", "applied", applied)
	}
	a := &App{Config: cfg, DB: d, Log: cfg.Log}
	a.Auth = &auth.Service{DB: d, Clock: cfg.Clock, Argon: auth.DefaultArgon2, DemoMode: cfg.Demo}
	if cfg.Demo {
		if err := loadDemo(ctx, a); err != nil {
			d.Close()
			return nil, err
		}
	}
	// After an upgrade to the unit search index (migration 0005), index
	// the units written before it; the demo data is indexed here too.
	if n, err := org.ReindexUnits(ctx, d); err != nil {
		cfg.Log.Error("reindex units", "err", err.Error())
		d.Close()
		return nil, err
	} else if n > 0 {
		cfg.Log.Info("indexed units for search", "units", n)
	}
	guard := &httpx.Guard{DB: d, Auth: a.Auth, Clock: cfg.Clock, Log: cfg.Log, Secure: cfg.Secure, Limits: cfg.Limits}
	orgs := &org.Service{DB: d, Clock: cfg.Clock}
	plans := &plan.Service{DB: d, Clock: cfg.Clock}
	ws, err := web.New(d, a.Auth, orgs, guard, cfg.Clock, cfg.Log)
	if err != nil {
		d.Close()
		return nil, err
	}
	ws.Plan = plans
	a.Jobs = &job.Queue{DB: d, Clock: cfg.Clock, Log: cfg.Log}
	store, err := openFileStore(cfg, d)
	if err != nil {
		d.Close()
		return nil, err
	}
	files := &file.Service{DB: d, Store: store, Clock: cfg.Clock, Log: cfg.Log, Jobs: a.Jobs}
	notes := &notify.Service{DB: d, Clock: cfg.Clock, Jobs: a.Jobs}
	files.Notify = notes
	files.Register(a.Jobs) // the deferred full decode of uploaded photos (file.verify)
	a.notes = notes
	a.registerJobs(notes, files)
	reports := &report.Service{DB: d, Clock: cfg.Clock, Files: files, Notify: notes}
	reports.Register(a.Jobs) // progress-report reminders (report.remind)
	a.reports = reports
	calls := &datacall.Service{DB: d, Clock: cfg.Clock, Files: files, Notify: notes, Jobs: a.Jobs}
	calls.Register(a.Jobs) // data-call reminders (call.remind)
	ws.Files, ws.Reports, ws.Calls, ws.Notify = files, reports, calls, notes
	as := &api.Server{DB: d, Auth: a.Auth, Guard: guard, Clock: cfg.Clock, Log: cfg.Log, Org: orgs, Plan: plans,
		Files: files, Reports: reports, Calls: calls, Notify: notes}
	health := []httpx.Route{{Pattern: "GET /healthz", Perm: auth.PermPublic, Handler: a.healthz}}
	a.routes = [][]httpx.Route{health, ws.Routes(), as.Routes()}
	if testClock != nil {
		a.routes = append(a.routes, a.testClockRoutes(testClock))
	}
	a.Handler = guard.Handler(a.routes...)
	return a, nil
}

// checkDurable is the start-up self-check of SECURITY.md I2: the database
// must run with durable settings. SQLite settings are ours to choose, so a
// deviation is always refused; PostgreSQL ones are the operator's, and only
// tests may accept them (db.Open refuses them otherwise).
func checkDurable(ctx context.Context, d *db.DB, cfg Config) error {
	bad, err := d.NonDurableSettings(ctx)
	if err != nil {
		cfg.Log.Error("durability self-check", "err", err.Error())
		return err
	}
	if len(bad) == 0 {
		return nil
	}
	if d.Engine == db.Postgres && cfg.AllowNonDurable {
		cfg.Log.Warn("database runs without durability (allowed for tests)", "settings", bad)
		return nil
	}
	err = fmt.Errorf("app: the %s database runs without durability (%s); refusing to start", d.Engine, strings.Join(bad, ", "))
	cfg.Log.Error("durability self-check", "err", err.Error())
	return err
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		a.Log.Error("healthz", "err", err.Error())
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// Serve listens on cfg.Addr until ctx is cancelled, then shuts down
// gracefully, letting requests in flight finish. The server's timeouts cut
// off slow clients (SECURITY.md D9).
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("app: listen: %w", err)
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: orDefault(a.Config.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       orDefault(a.Config.ReadTimeout, DefaultReadTimeout),
		WriteTimeout:      orDefault(a.Config.WriteTimeout, DefaultWriteTimeout),
		IdleTimeout:       orDefault(a.Config.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	_ = audit.Log(ctx, a.DB, a.Auth.Clock.Now(), audit.Event{Action: "system.start", Detail: ln.Addr().String()})
	a.Log.Info("listening", "addr", ln.Addr().String(), "engine", a.DB.Engine, "demo", a.Config.Demo)
	if ready != nil {
		ready(ln.Addr().String())
	}
	stopJobs := a.startJobs(ctx, a.notes)
	defer stopJobs()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	_ = audit.Log(context.Background(), a.DB, a.Auth.Clock.Now(), audit.Event{Action: "system.stop"})
	a.Log.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
