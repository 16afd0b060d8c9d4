// Package report holds progress reports (进展报告): a unit's report on an
// assigned task for one period of its plan's cadence, its review by the
// office or the task's lead unit, its revisions, the lead unit's
// consolidated report, and the roll-up of reported figures against the
// task's targets and the plan's goals.
package report

import (
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/notify"
)

// Service is the progress reports' domain service.
type Service struct {
	DB     *db.DB
	Clock  core.Clock
	Files  *file.Service
	Notify *notify.Service
}
