package app_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"path/filepath"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/file"
	"liandong/internal/report"
)

// storeReports writes payloads into a progress report: the payload
// liaison's report on the first payload task carries them in its
// narrative, problems, a figure's note and a photo's caption; a draft save
// that lost to another is kept as a conflict copy with one more; the city
// office returns the report with a payload reason.
func (x *xssWorld) storeReports() {
	t, ctx := x.t, x.ctx
	t.Helper()
	store, err := file.NewFSStore(filepath.Join(x.app.Config.DataDir, "files"))
	x.must("file store", err)
	files := &file.Service{DB: x.app.DB, Store: store}
	svc := &report.Service{DB: x.app.DB, Clock: core.SystemClock{}, Files: files}
	n := len(xssPayloads)
	p := func(i, max int) string { return x.stored(fit(xssPayloads[i%n], max)) }
	u, err := auth.FindUserByUsername(ctx, x.app.DB.R(), "xss-liaison")
	x.must("liaison", err)
	a, err := auth.ActorFor(ctx, x.app.DB.R(), u)
	x.must("liaison actor", err)
	lctx := core.WithActor(context.Background(), a)
	task := x.items[1] // the first payload task, which the payload liaison's unit leads
	r, _, err := svc.Start(lctx, report.Key{BodyID: x.bodies[0], ItemID: task, UnitID: a.UnitID, Period: "2021-Q1"})
	x.must("report", err)
	var img bytes.Buffer
	x.must("jpeg", jpeg.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)), nil))
	f, err := files.Ingest(lctx, a, fit(xssPayloads[2], 60)+".jpg", &img, file.Photo)
	x.must("upload", err)
	v := 3.0
	in := report.DraftInput{Version: r.Version, Progress: report.AtRisk, Narrative: p(3, report.MaxTextLen), Problems: p(4, report.MaxTextLen),
		Figures: []report.FigureInput{{Seq: 1, Value: &v, Note: p(5, report.MaxCaptionLen)}},
		Photos:  []report.FileInput{{FileID: f.ID, Caption: p(6, report.MaxCaptionLen)}}}
	saved, err := svc.Save(lctx, r.ID, in)
	x.must("save", err)
	lost := in
	lost.Narrative = p(7, report.MaxTextLen)
	if _, err := svc.Save(lctx, r.ID, lost); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("a stale save: %v", err)
	}
	in.Version = saved.Version
	sub, err := svc.Submit(lctx, r.ID, in)
	x.must("submit", err)
	_, err = svc.Return(ctx, r.ID, sub.Version, p(8, report.MaxReasonLen))
	x.must("return", err)
	x.reports = append(x.reports, r.ID)
	x.reportFiles = append(x.reportFiles, f.ID)
	x.reportTasks = append(x.reportTasks, task)
}
