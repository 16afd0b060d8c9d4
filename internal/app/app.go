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
	"time"

	"liandong/internal/api"
	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/httpx"
	"liandong/internal/web"
)

// Config is everything the application is started with.
type Config struct {
	Addr    string // listen address, 127.0.0.1:8080 by default
	DataDir string // holds liandong.db (SQLite) and uploaded files
	DSN     string // postgres://... selects PostgreSQL; empty means SQLite in DataDir
	Demo    bool   // load the demo data into an empty database, and allow demo logins
	Secure  bool   // served over TLS or behind a TLS proxy: Secure cookies, HSTS
	// Clock is the time source; nil means the system clock.
	Clock core.Clock
	// AllowNonDurable accepts a PostgreSQL server without fsync (tests only).
	AllowNonDurable bool
	Log             *slog.Logger
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
}

// Open opens the database, applies pending migrations (after a backup),
// loads the demo data when asked, and builds the handlers.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
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
	guard := &httpx.Guard{DB: d, Auth: a.Auth, Clock: cfg.Clock, Log: cfg.Log, Secure: cfg.Secure}
	ws, err := web.New(d, a.Auth, guard, cfg.Clock, cfg.Log)
	if err != nil {
		d.Close()
		return nil, err
	}
	as := &api.Server{DB: d, Auth: a.Auth, Guard: guard, Clock: cfg.Clock, Log: cfg.Log}
	health := []httpx.Route{{Pattern: "GET /healthz", Perm: auth.PermPublic, Handler: a.healthz}}
	a.Handler = guard.Handler(health, ws.Routes(), as.Routes())
	return a, nil
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
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	_ = audit.Log(ctx, a.DB, a.Auth.Clock.Now(), audit.Event{Action: "system.start", Detail: ln.Addr().String()})
	a.Log.Info("listening", "addr", ln.Addr().String(), "engine", a.DB.Engine, "demo", a.Config.Demo)
	if ready != nil {
		ready(ln.Addr().String())
	}
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
