package db

import (
	"io/fs"
	"testing"
)

// SetMigrationsForTest makes Migrations read from f until the test ends.
func SetMigrationsForTest(t *testing.T, f fs.FS) {
	old := migrationFS
	migrationFS = f
	t.Cleanup(func() { migrationFS = old })
}

// EmbeddedMigrations is the migration tree built into the binary.
var EmbeddedMigrations fs.FS = migrations
