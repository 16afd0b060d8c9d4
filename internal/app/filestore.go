package app

import (
	"fmt"
	"path/filepath"

	"liandong/internal/db"
	"liandong/internal/file"
)

// File store choices for Config.FileStore.
const (
	FileStoreFS = "fs" // files under DataDir/files (default)
	FileStoreDB = "db" // files in the database, for instances sharing PostgreSQL alone
)

// openFileStore opens the store the config selects. The filesystem store
// lives under the data directory, never under a directory served as
// static files (SECURITY.md E4).
func openFileStore(cfg Config, d *db.DB) (file.Store, error) {
	switch cfg.FileStore {
	case "", FileStoreFS:
		return file.NewFSStore(filepath.Join(cfg.DataDir, "files"))
	case FileStoreDB:
		return file.NewDBStore(d), nil
	}
	return nil, fmt.Errorf("app: unknown file store %q (want %q or %q)", cfg.FileStore, FileStoreFS, FileStoreDB)
}
