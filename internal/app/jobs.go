package app

import (
	"context"
	"database/sql"
	"time"

	"liandong/internal/file"
	"liandong/internal/job"
	"liandong/internal/notify"
)

// Background work run by the job queue in the database: e-mail, reminders
// and digests (notify), data-call reminders (datacall registers its own),
// and the daily sweep of orphaned upload bytes.

// KindFileSweep is the job that removes stored bytes no file row refers
// to, once they are older than fileSweepGrace (SECURITY.md I4: bytes are
// written before their row, so a crash in between leaves orphans).
const KindFileSweep = "file.sweep"

const (
	fileSweepGrace = 24 * time.Hour
	jobInterval    = 5 * time.Second
)

// registerJobs registers the handlers every instance runs.
func (a *App) registerJobs(notes *notify.Service, files *file.Service) {
	notes.Register(a.Jobs)
	a.Jobs.Handle(KindFileSweep, func(ctx context.Context, j job.Job) error {
		n, err := files.Sweep(ctx, fileSweepGrace)
		if err != nil {
			return err
		}
		if n > 0 {
			a.Log.Info("swept orphaned upload bytes", "count", n)
		}
		next := a.Jobs.Clock.Now().Add(24 * time.Hour)
		return a.DB.InTx(ctx, func(tx *sql.Tx) error {
			return a.Jobs.Schedule(ctx, tx, KindFileSweep, "daily", next, "")
		})
	})
}

// startJobs sets up the recurring jobs (a no-op when another instance or
// an earlier start already did) and runs the worker until ctx ends; the
// returned function stops the worker and waits for the job in hand.
func (a *App) startJobs(ctx context.Context, notes *notify.Service) func() {
	if err := notes.Start(ctx); err != nil {
		a.Log.Error("schedule digest", "err", err.Error())
	}
	if err := a.DB.InTx(ctx, func(tx *sql.Tx) error {
		return a.Jobs.Ensure(ctx, tx, KindFileSweep, "daily", a.Jobs.Clock.Now().Add(time.Hour), "")
	}); err != nil {
		a.Log.Error("schedule file sweep", "err", err.Error())
	}
	jctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Jobs.Run(jctx, jobInterval)
	}()
	return func() { cancel(); <-done }
}
