// Package file keeps uploaded files: photos and attachments of progress
// reports and data-call submissions. It checks each upload by its content,
// re-encodes photos without their metadata, and stores the bytes behind one
// interface (the filesystem under --data, or the database) with a checksum
// that is verified whenever a file is served.
package file

import (
	"liandong/internal/core"
	"liandong/internal/db"
)

// Service saves, checks and serves files.
type Service struct {
	DB    *db.DB
	Store Store
	Clock core.Clock
}

// Store holds the bytes of files under server-generated keys.
type Store interface{}
