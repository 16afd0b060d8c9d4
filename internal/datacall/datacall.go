// Package datacall holds data calls (材料征集): the office asks named units
// or subordinate offices for documents, captioned photos and forms by a
// deadline; each addressee submits; the office follows a live board,
// accepts or returns each submission and downloads them all as one ZIP.
package datacall

import (
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/job"
	"liandong/internal/notify"
)

// Service is the data calls' domain service.
type Service struct {
	DB     *db.DB
	Clock  core.Clock
	Files  *file.Service
	Notify *notify.Service
	Jobs   *job.Queue
}
