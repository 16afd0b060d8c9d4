package app

import (
	"context"

	"liandong/internal/datacall"
	"liandong/internal/demo"
	"liandong/internal/file"
	"liandong/internal/job"
	"liandong/internal/notify"
	"liandong/internal/report"
)

// loadDemo fills an empty database with the demo data; a database that
// already holds data is left as it is. The collecting loop (a data call,
// progress reports) is played through the services, built here on their
// own because the demo loads before the server's are.
func loadDemo(ctx context.Context, a *App) error {
	if err := demo.Load(ctx, a.DB, a.Auth); err != nil {
		return err
	}
	store, err := openFileStore(a.Config, a.DB)
	if err != nil {
		return err
	}
	clock := a.Config.Clock
	q := &job.Queue{DB: a.DB, Clock: clock, Log: a.Log}
	notes := &notify.Service{DB: a.DB, Clock: clock, Jobs: q}
	files := &file.Service{DB: a.DB, Store: store, Clock: clock, Log: a.Log}
	return demo.LoadActivity(ctx, a.DB, demo.Services{Files: files, Notify: notes,
		Reports: &report.Service{DB: a.DB, Clock: clock, Files: files, Notify: notes},
		Calls:   &datacall.Service{DB: a.DB, Clock: clock, Files: files, Notify: notes, Jobs: q}})
}
