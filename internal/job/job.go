// Package job runs scheduled work kept in the database: each job is a row
// with a due time, claimed atomically by one server instance, so that work
// survives a restart and runs once even with several instances running.
package job

import (
	"liandong/internal/core"
	"liandong/internal/db"
)

// Queue schedules, claims and runs jobs.
type Queue struct {
	DB    *db.DB
	Clock core.Clock
}
