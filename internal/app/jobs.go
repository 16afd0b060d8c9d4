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

// KindPrune is the daily job that deletes finished jobs after 30 days and
// sent or failed mail copies after 90.
const KindPrune = "job.prune"

const (
	jobRetention   = 30 * 24 * time.Hour
	mailRetention  = 90 * 24 * time.Hour
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
	a.Jobs.Handle(KindPrune, func(ctx context.Context, j job.Job) error {
		now := a.Jobs.Clock.Now()
		if _, err := a.Jobs.Prune(ctx, now.Add(-jobRetention)); err != nil {
			return err
		}
		if _, err := notes.PruneMail(ctx, now.Add(-mailRetention)); err != nil {
			return err
		}
		return a.DB.InTx(ctx, func(tx *sql.Tx) error {
			return a.Jobs.Schedule(ctx, tx, KindPrune, "daily", now.Add(24*time.Hour), "")
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
	if err := a.reports.ScheduleReminders(ctx, a.Jobs); err != nil {
		a.Log.Error("schedule report reminders", "err", err.Error())
	}
	if err := a.DB.InTx(ctx, func(tx *sql.Tx) error {
		now := a.Jobs.Clock.Now()
		if err := a.Jobs.Ensure(ctx, tx, KindFileSweep, "daily", now.Add(time.Hour), ""); err != nil {
			return err
		}
		return a.Jobs.Ensure(ctx, tx, KindPrune, "daily", now.Add(2*time.Hour), "")
	}); err != nil {
		a.Log.Error("schedule daily jobs", "err", err.Error())
	}
	jctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Jobs.Run(jctx, jobInterval)
	}()
	return func() { cancel(); <-done }
}
