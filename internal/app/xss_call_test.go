package app_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"path/filepath"
	"strconv"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/file"
)

// storeCalls writes payloads into a data call, as the city office: its
// title, notice, instructions, contact and item labels; the payload
// liaison's submission carries them in a photo caption and a form answer;
// a second submission, returned, carries one in the reason.
func (x *xssWorld) storeCalls() {
	t, ctx := x.t, x.ctx
	t.Helper()
	store, err := file.NewFSStore(filepath.Join(x.app.Config.DataDir, "files"))
	x.must("file store", err)
	svc := &datacall.Service{DB: x.app.DB, Clock: core.SystemClock{}, Files: &file.Service{DB: x.app.DB, Store: store}}
	n := len(xssPayloads)
	p := func(i, max int) string { return x.stored(fit(xssPayloads[i%n], max)) }
	c, err := svc.Create(ctx, datacall.CallInput{BodyID: x.bodies[0], Title: p(0, 200), NoticeNumber: p(1, 60),
		NoticeTitle: p(2, 200), Instructions: p(9, 5000), DeadlineDate: "2099-12-31", ContactName: p(3, 40),
		Reminders: "-1d", AllMembers: true, AllOffices: true,
		Items: []datacall.Item{
			{Kind: datacall.Photos, Label: p(4, 200), MinCount: 1, MaxCount: 2},
			{Kind: datacall.Form, Label: p(5, 200), Fields: []datacall.Field{{Label: p(6, 100), Type: datacall.Text, Required: true}}},
		}})
	x.must("call", err)
	x.must("open", svc.Open(ctx, c.ID, c.Version))
	x.calls = append(x.calls, c.ID)
	u, err := auth.FindUserByUsername(ctx, x.app.DB.R(), "xss-liaison")
	x.must("liaison", err)
	a, err := auth.ActorFor(ctx, x.app.DB.R(), u)
	x.must("liaison actor", err)
	lctx := core.WithActor(context.Background(), a)
	var img bytes.Buffer
	x.must("jpeg", jpeg.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)), nil))
	f, err := svc.Upload(lctx, fit(xssPayloads[1], 60)+".jpg", &img, file.Photo)
	x.must("upload", err)
	sub, err := svc.Submit(lctx, c.ID, datacall.DraftInput{Token: "xss",
		Files:   []datacall.SubFile{{ItemID: c.Items[0].ID, FileID: f.ID, Caption: p(7, 200)}},
		Answers: map[string]map[string]string{strconv.FormatInt(c.Items[1].ID, 10): {"f1": p(8, 2000)}}})
	x.must("submit", err)
	x.subs = append(x.subs, sub.ID)
	x.callFiles = append(x.callFiles, f.ID)
	x.must("return", svc.ReviewSubmission(ctx, sub.ID, datacall.Review{Version: sub.Version, Reason: p(10, 1000)}))
}
