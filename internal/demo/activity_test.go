package demo_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/db"
	"liandong/internal/demo"
	"liandong/internal/file"
	"liandong/internal/job"
	"liandong/internal/notify"
	"liandong/internal/report"
	"liandong/internal/testkit"
)

func services(d *db.DB, clock core.Clock) demo.Services {
	q := &job.Queue{DB: d, Clock: clock, Log: testkit.Logger(nil)}
	notes := &notify.Service{DB: d, Clock: clock, Jobs: q}
	files := &file.Service{DB: d, Store: file.NewDBStore(d), Clock: clock}
	return demo.Services{Files: files, Notify: notes,
		Reports: &report.Service{DB: d, Clock: clock, Files: files, Notify: notes},
		Calls:   &datacall.Service{DB: d, Clock: clock, Files: files, Notify: notes, Jobs: q}}
}

// asUser acts as a demo account.
func asUser(t *testing.T, d *db.DB, username string) context.Context {
	t.Helper()
	ctx := context.Background()
	u, err := auth.FindUserByUsername(ctx, d.R(), username)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.ActorFor(ctx, d.R(), u)
	if err != nil {
		t.Fatal(err)
	}
	return core.WithActor(ctx, a)
}

// The demo shows the collecting loop: seed 003's call as it ran in 2020
// (closed, with its ZIP), the same call open this year with its
// reminders scheduled, and progress reports in every state.
func TestDemoActivityShowsTheCollectingLoop(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := service(d, true) // 2 March 2026, 09:00 UTC
		if err := demo.Load(ctx, d, a); err != nil {
			t.Fatal(err)
		}
		s := services(d, a.Clock)
		if err := demo.LoadActivity(ctx, d, s); err != nil {
			t.Fatal(err)
		}
		office := asUser(t, d, "office")
		body, _, _, _, _ := liuzhouBody(t, d)
		list, err := s.Calls.List(office, body)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("%d calls in the demo, want 2", len(list))
		}
		var old, cur *datacall.Call
		for _, sm := range list {
			c, err := s.Calls.Get(office, sm.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.NoticeNumber == "柳全科组办发〔2020〕8号" {
				old = c
			} else {
				cur = c
			}
		}
		if old == nil || cur == nil {
			t.Fatalf("calls: %+v", list)
		}

		// 2020: as the notice has it, closed, three answers accepted.
		if old.Status != datacall.Closed || old.DeadlineText() != "2020-12-04 23:59" || len(old.Items) != 3 ||
			old.Items[2].MinCount != 1 || old.Items[2].MaxCount != 2 || !old.Items[2].JPEGOnly || !old.Items[2].CaptionRequired ||
			strings.Join(old.Reminders, ",") != "-3d,-1d,+1d" {
			t.Errorf("2020 call: status %s, deadline %s, items %+v, reminders %v", old.Status, old.DeadlineText(), old.Items, old.Reminders)
		}
		board, err := s.Calls.Board(office, old.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if board.Counts[datacall.StAccepted] != 3 || board.Counts[datacall.NotYet] != board.Total-3 {
			t.Errorf("2020 board: %v of %d", board.Counts, board.Total)
		}
		ex, err := s.Calls.PrepareZIP(office, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.Calls.WriteZIP(office, ex, &buf); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		pdfs, jpgs, index := 0, 0, 0
		for _, f := range zr.File {
			switch {
			case strings.HasSuffix(f.Name, ".pdf"):
				pdfs++
			case strings.HasSuffix(f.Name, ".jpg"):
				jpgs++
			case strings.HasSuffix(f.Name, ".xlsx"):
				index++
			}
		}
		// Education 2 photos, science (resubmitted) 2, Liujiang 2.
		if pdfs != 6 || jpgs != 6 || index != 1 {
			t.Errorf("2020 ZIP: %d PDFs, %d JPGs, %d index files in %d entries", pdfs, jpgs, index, len(zr.File))
		}

		// This year: open, due a week after today, reminders pending.
		today := a.Clock.Now().In(time.FixedZone("CST", 8*3600))
		if cur.Status != datacall.Open || cur.DeadlineText() != today.AddDate(0, 0, 7).Format(time.DateOnly)+" 23:59" {
			t.Errorf("this year's call: %s, due %s", cur.Status, cur.DeadlineText())
		}
		if n := count(t, d, `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status = 'pending' AND key LIKE $2`,
			datacall.KindRemind, "call:"+itoa(cur.ID)+":%"); n != 3 {
			t.Errorf("%d reminders pending for this year's call, want 3", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND status = 'pending' AND key LIKE $2`,
			datacall.KindRemind, "call:"+itoa(old.ID)+":%"); n != 0 {
			t.Errorf("%d reminders pending for the closed 2020 call", n)
		}
		board, err = s.Calls.Board(office, cur.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if board.Counts[datacall.OnTime] != 1 || board.Counts[datacall.NotYet] != board.Total-1 {
			t.Errorf("this year's board: %v of %d", board.Counts, board.Total)
		}
		m, err := s.Calls.MySubmission(asUser(t, d, "liaison-kjj"), cur.ID)
		if err != nil || m.Submission == nil || m.Submission.Status != datacall.SubDraft {
			t.Errorf("science bureau's draft: %+v, %v", m, err)
		}

		// Reports on the action plan's third quarter in every state.
		states := map[string]int{}
		rows, err := d.R().QueryContext(ctx, `SELECT state, return_reason FROM reports WHERE period = '2020-Q3'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var st, reason string
			if err := rows.Scan(&st, &reason); err != nil {
				t.Fatal(err)
			}
			states[st]++
			if (st == "returned") != (reason != "") {
				t.Errorf("report %s with reason %q", st, reason)
			}
		}
		rows.Close()
		if states["accepted"] != 1 || states["returned"] != 1 || states["submitted"] != 1 || states["draft"] != 1 {
			t.Errorf("report states %v, want one of each", states)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM report_files WHERE role = 'photo' AND caption <> ''`); n != 4 {
			t.Errorf("%d captioned report photos, want 4", n)
		}

		// Once only.
		calls, reports := count(t, d, `SELECT COUNT(*) FROM calls`), count(t, d, `SELECT COUNT(*) FROM reports`)
		if err := demo.LoadActivity(ctx, d, s); err != nil {
			t.Fatal(err)
		}
		if count(t, d, `SELECT COUNT(*) FROM calls`) != calls || count(t, d, `SELECT COUNT(*) FROM reports`) != reports {
			t.Error("a second LoadActivity added calls or reports")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
