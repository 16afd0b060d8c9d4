package app

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"liandong/internal/db"
)

// The start-up self-check refuses an SQLite database that runs without
// synchronous=FULL, and says so in the log (SECURITY.md I2). db.Open's
// SynchronousNormal opt-in stands in for any deviation.
func TestStartupRefusesNonDurableSQLite(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "x.db"), db.Options{SynchronousNormal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var logs bytes.Buffer
	// AllowNonDurable is for test PostgreSQL clusters; it must not excuse SQLite.
	cfg := Config{Log: slog.New(slog.NewJSONHandler(&logs, nil)), AllowNonDurable: true}
	err = checkDurable(ctx, d, cfg)
	if err == nil || !strings.Contains(err.Error(), "synchronous=1") {
		t.Errorf("checkDurable on synchronous=NORMAL: %v, want a refusal naming it", err)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "synchronous=1") {
		t.Errorf("no error logged: %s", logs.String())
	}

	good, err := db.Open(ctx, filepath.Join(t.TempDir(), "y.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if err := checkDurable(ctx, good, cfg); err != nil {
		t.Errorf("checkDurable on the default settings: %v", err)
	}
}
