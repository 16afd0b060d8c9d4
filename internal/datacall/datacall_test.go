package datacall_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/job"
	"liandong/internal/notify"
	"liandong/internal/org/orgtest"
	"liandong/internal/testkit"
)

type fixture struct {
	d       *db.DB
	w       *orgtest.World
	clock   *core.FakeClock
	svc     *datacall.Service
	jobs    *job.Queue
	office  context.Context // the city office
	county  context.Context // Liucheng's office
	edu     context.Context // the education bureau's liaison
	keji    context.Context // the science bureau's liaison
	leader  context.Context
	ids     map[string]int64 // user ids by the names above
	luzhai  context.Context  // Luzhai's office
	finance context.Context
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	// 25 November 2020, 09:00 in Liuzhou: the day seed 003's notice is dated.
	clock := core.NewFakeClock(time.Date(2020, 11, 25, 1, 0, 0, 0, time.UTC))
	w, err := orgtest.Build(ctx, d, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	q := &job.Queue{DB: d, Clock: clock, Log: testkit.Logger(nil)}
	notes := &notify.Service{DB: d, Clock: clock, Jobs: q}
	files := &file.Service{DB: d, Store: file.NewDBStore(d), Clock: clock}
	svc := &datacall.Service{DB: d, Clock: clock, Files: files, Notify: notes, Jobs: q}
	svc.Register(q)
	f := &fixture{d: d, w: w, clock: clock, svc: svc, jobs: q, ids: map[string]int64{}}
	as := func(name string, role core.Role, unit int64, body ...any) context.Context {
		a := orgtest.Actor(t, d, role, unit, w.City)
		if len(body) > 0 {
			a = orgtest.Actor(t, d, role, unit, w.LiuchengBody)
			if body[0] == "luzhai" {
				a = orgtest.Actor(t, d, role, unit, w.LuzhaiBody)
			}
		}
		f.ids[name] = a.UserID
		return orgtest.As(ctx, a)
	}
	f.office = as("office", core.RoleOffice, w.Kexie.ID)
	f.county = as("county", core.RoleOffice, w.LiuchengKexie.ID, "liucheng")
	f.luzhai = as("luzhai", core.RoleOffice, w.LuzhaiKexie.ID, "luzhai")
	f.edu = as("edu", core.RoleLiaison, w.Edu.ID)
	f.keji = as("keji", core.RoleLiaison, w.Keji.ID)
	f.finance = as("finance", core.RoleLiaison, w.Finance.ID)
	f.leader = as("leader", core.RoleLeader, w.Government.ID)
	return f
}

// seed003 is seed 003's first notice as a call: a 2020 summary, a 2021
// plan, 1–2 captioned JPG photos, due 4 December 2020, to every member
// unit and every county office.
func (f *fixture) seed003() datacall.CallInput {
	return datacall.CallInput{
		BodyID: f.w.City.ID, Title: "上报2020年全民科学素质工作总结和2021年工作计划",
		NoticeNumber: "柳全科组办发〔2020〕8号", NoticeTitle: "关于上报2020年全民科学素质工作总结和2021年工作计划的通知",
		DeadlineDate: "2020-12-04", ContactName: "陈琰琰", ContactPhone: "2625843、13877246160",
		ContactEmail: "lzkxkpb@163.com", Reminders: "-3d, -1d, +1d",
		Items: []datacall.Item{
			{Kind: datacall.Document, Label: "2020年工作总结", Required: true},
			{Kind: datacall.Document, Label: "2021年工作计划", Required: true},
			{Kind: datacall.Photos, Label: "重点行动或特色活动图片", MinCount: 1, MaxCount: 2, JPEGOnly: true, CaptionRequired: true},
		},
		AllMembers: true, AllOffices: true,
	}
}

func (f *fixture) openSeed003(t *testing.T) *datacall.Call {
	t.Helper()
	c, err := f.svc.Create(f.office, f.seed003())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Open(f.office, c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	if c, err = f.svc.Get(f.office, c.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

func photo(t *testing.T, asPNG bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		img.Set(x, x%30, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pdf(text string) []byte {
	return []byte("%PDF-1.4\n% " + text + "\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
}

func (f *fixture) upload(t *testing.T, ctx context.Context, name string, data []byte) int64 {
	t.Helper()
	got, err := f.svc.Upload(ctx, name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return got.ID
}

// complete is a full answer to seed 003's call by ctx.
func (f *fixture) complete(t *testing.T, ctx context.Context, c *datacall.Call, who string) datacall.DraftInput {
	t.Helper()
	return datacall.DraftInput{Files: []datacall.SubFile{
		{ItemID: c.Items[0].ID, FileID: f.upload(t, ctx, who+"总结.pdf", pdf(who+"总结"))},
		{ItemID: c.Items[1].ID, FileID: f.upload(t, ctx, who+"计划.pdf", pdf(who+"计划"))},
		{ItemID: c.Items[2].ID, FileID: f.upload(t, ctx, "1.jpg", photo(t, false)), Caption: "科技活动周现场"},
		{ItemID: c.Items[2].ID, FileID: f.upload(t, ctx, "2.jpg", photo(t, false)), Caption: "科普讲座"},
	}, Token: who + "-1"}
}

func fields(err error) map[string]string { return core.FieldErrors(err) }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if core.ErrorCode(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.d.R().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSeed003IsExpressedExactly(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.openSeed003(t)
		if c.Status != datacall.Open || c.NoticeNumber != "柳全科组办发〔2020〕8号" || c.ContactEmail != "lzkxkpb@163.com" {
			t.Fatalf("call: %+v", c)
		}
		// Due 4 December: the end of that day in Beijing time.
		if want := time.Date(2020, 12, 4, 23, 59, 59, 0, time.FixedZone("CST", 8*3600)); !c.Deadline.Equal(want) {
			t.Fatalf("deadline %v, want %v", c.Deadline, want)
		}
		if len(c.Items) != 3 {
			t.Fatalf("items: %+v", c.Items)
		}
		doc1, doc2, ph := c.Items[0], c.Items[1], c.Items[2]
		if doc1.Kind != datacall.Document || doc1.Label != "2020年工作总结" || !doc1.Required ||
			doc2.Kind != datacall.Document || doc2.Label != "2021年工作计划" || !doc2.Required {
			t.Fatalf("documents: %+v %+v", doc1, doc2)
		}
		if ph.Kind != datacall.Photos || ph.MinCount != 1 || ph.MaxCount != 2 || !ph.JPEGOnly || !ph.CaptionRequired {
			t.Fatalf("photos: %+v", ph)
		}
		// Five member units and both county offices, one row each.
		var units, offices int
		for _, a := range c.Addressees {
			if a.Kind == datacall.ToUnit {
				units++
			} else {
				offices++
			}
		}
		if units != 5 || offices != 2 {
			t.Fatalf("addressees: %d units, %d offices: %+v", units, offices, c.Addressees)
		}

		// Empty: one message per required item, nothing saved.
		_, err := f.svc.Submit(f.edu, c.ID, datacall.DraftInput{Token: "t0"})
		fe := fields(err)
		for _, it := range c.Items {
			if fe[fmt.Sprintf("item_%d", it.ID)] == "" {
				t.Errorf("no message for %s: %v", it.Label, fe)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM call_submissions`); n != 0 {
			t.Fatalf("%d submissions saved by a refused submit", n)
		}

		in := f.complete(t, f.edu, c, "教育局")
		// A PNG is not a JPG, even though the store keeps photos as JPEG.
		pngIn := in
		pngIn.Files = append([]datacall.SubFile{}, in.Files[:3]...)
		pngIn.Files = append(pngIn.Files, datacall.SubFile{ItemID: ph.ID, FileID: f.upload(t, f.edu, "3.png", photo(t, true)), Caption: "图"})
		_, err = f.svc.Submit(f.edu, c.ID, pngIn)
		if msg := fields(err)[fmt.Sprintf("item_%d", ph.ID)]; !strings.Contains(msg, "JPG") {
			t.Fatalf("PNG for a JPG-only item: %v", err)
		}
		// Three photos where two at most are asked for.
		three := in
		three.Files = append(append([]datacall.SubFile{}, in.Files...), datacall.SubFile{ItemID: ph.ID,
			FileID: f.upload(t, f.edu, "3.jpg", photo(t, false)), Caption: "第三张"})
		if _, err = f.svc.Submit(f.edu, c.ID, three); !strings.Contains(fields(err)[fmt.Sprintf("item_%d", ph.ID)], "最多 2 张") {
			t.Fatalf("three photos: %v", err)
		}
		// A photo without its caption.
		nocap := in
		nocap.Files = append([]datacall.SubFile{}, in.Files...)
		nocap.Files[3].Caption = " "
		if _, err = f.svc.Submit(f.edu, c.ID, nocap); fields(err)[fmt.Sprintf("caption_%d_2", ph.ID)] == "" {
			t.Fatalf("missing caption: %v", err)
		}
		// A photo where a document is asked for.
		swapped := in
		swapped.Files = append([]datacall.SubFile{}, in.Files...)
		swapped.Files[0].FileID = f.upload(t, f.edu, "x.jpg", photo(t, false))
		if _, err = f.svc.Submit(f.edu, c.ID, swapped); fields(err)[fmt.Sprintf("item_%d", doc1.ID)] == "" {
			t.Fatalf("photo as a document: %v", err)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM call_submissions`); n != 0 {
			t.Fatalf("%d submissions saved by refused submits", n)
		}
		sub, err := f.svc.Submit(f.edu, c.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if datacall.StateOf(sub) != datacall.OnTime || len(sub.Files) != 4 || sub.Files[2].Caption != "科技活动周现场" {
			t.Fatalf("submitted: %+v", sub)
		}
	})
}

func TestSubmitTwiceAndConcurrentDrafts(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.openSeed003(t)
		in := f.complete(t, f.edu, c, "教育局")
		first, err := f.svc.Submit(f.edu, c.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Submit(f.edu, c.ID, in) // the same form, posted again
		if err != nil {
			t.Fatalf("same form again: %v", err)
		}
		if again.ID != first.ID || again.Revision != 1 || again.Version != first.Version {
			t.Fatalf("second submit changed something: %+v vs %+v", again, first)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'call.submit'`); n != 1 {
			t.Fatalf("%d submit audit records, want 1", n)
		}
		// A different form once submitted: locked until returned.
		in2 := in
		in2.Token, in2.Version = "other", first.Version
		if _, err := f.svc.Submit(f.edu, c.ID, in2); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("resubmit while submitted: %v", err)
		}

		// Two people of the science bureau edit one draft.
		kejiAlso := orgtest.As(context.Background(), orgtest.Actor(t, d, core.RoleLiaison, f.w.Keji.ID, f.w.City))
		d1, err := f.svc.SaveDraft(f.keji, c.ID, datacall.DraftInput{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveDraft(kejiAlso, c.ID, datacall.DraftInput{Version: d1.Version}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SaveDraft(f.keji, c.ID, datacall.DraftInput{Version: d1.Version})
		wantCode(t, err, core.ECONFLICT)
		if !strings.Contains(core.ErrorMessage(err), "刷新") {
			t.Fatalf("conflict message: %q", core.ErrorMessage(err))
		}
		// A first save by someone who did not know of the draft conflicts too.
		_, err = f.svc.SaveDraft(f.keji, c.ID, datacall.DraftInput{Version: 0})
		wantCode(t, err, core.ECONFLICT)
	})
}

func TestDeadline(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.openSeed003(t)
		strict := f.complete(t, f.edu, c, "教育局")
		f.clock.Advance(10 * 24 * time.Hour) // 5 December: past the deadline
		_, err := f.svc.Submit(f.edu, c.ID, strict)
		wantCode(t, err, core.ECONFLICT)
		if msg := core.ErrorMessage(err); !strings.Contains(msg, "截止时间") || !strings.Contains(msg, "2625843") {
			t.Fatalf("late message: %q", msg)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM call_submissions`); n != 0 {
			t.Fatal("a refused late submission was saved")
		}
		// The office allows late submission: accepted, marked late.
		in := f.seed003()
		in.LateAllowed, in.Version = true, c.Version
		if _, err := f.svc.Update(f.office, c.ID, in); err != nil {
			t.Fatal(err)
		}
		sub, err := f.svc.Submit(f.edu, c.ID, strict)
		if err != nil {
			t.Fatal(err)
		}
		if !sub.Late || datacall.StateOf(sub) != datacall.Late {
			t.Fatalf("late submission: %+v", sub)
		}
		// Closed: nothing more.
		c, _ = f.svc.Get(f.office, c.ID)
		if err := f.svc.Close(f.office, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Submit(f.keji, c.ID, f.complete(t, f.keji, c, "科技局"))
		wantCode(t, err, core.ECONFLICT)
	})
}

// B3 and B5: who sees and does what to a submission in each state.
func TestScopeAndReview(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		c := f.openSeed003(t)
		sub, err := f.svc.Submit(f.edu, c.ID, f.complete(t, f.edu, c, "教育局"))
		if err != nil {
			t.Fatal(err)
		}
		cs, err := f.svc.Submit(f.county, c.ID, f.complete(t, f.county, c, "柳城县"))
		if err != nil {
			t.Fatalf("county office submits for its body: %v", err)
		}
		// Another unit's submission by id: not found, audited.
		before := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied'`)
		for name, ctx := range map[string]context.Context{"keji": f.keji, "luzhai": f.luzhai, "county": f.county} {
			if _, err := f.svc.Submission(ctx, sub.ID); core.ErrorCode(err) != core.ENOTFOUND {
				t.Errorf("%s reads the education bureau's submission: %v", name, err)
			}
		}
		if after := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied'`); after != before+3 {
			t.Errorf("refusals audited: %d, want %d", after-before, 3)
		}
		// The board is the office's and the leaders'; addressees do not see it.
		for name, ctx := range map[string]context.Context{"edu": f.edu, "county": f.county} {
			if _, err := f.svc.Board(ctx, c.ID, ""); core.ErrorCode(err) != core.ENOTFOUND {
				t.Errorf("%s reads the board: %v", name, err)
			}
		}
		if _, err := f.svc.Board(f.leader, c.ID, ""); err != nil {
			t.Errorf("leader reads the board: %v", err)
		}
		// An addressee sees its own submission and not the list of others.
		if m, err := f.svc.Submission(f.county, cs.ID); err != nil || len(m.Call.Addressees) != 1 && m.Addressee.Kind != datacall.ToOffice {
			t.Errorf("county reads its own: %v", err)
		}
		if g, err := f.svc.Get(f.keji, c.ID); err != nil || len(g.Addressees) != 1 {
			t.Errorf("keji reads the call: %v %+v", err, g)
		}
		// A unit that is not addressed does not see the call.
		other := orgtest.As(context.Background(), orgtest.Actor(t, d, core.RoleLiaison, f.w.Government.ID, f.w.City))
		if _, err := f.svc.Get(other, c.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("unaddressed unit: %v", err)
		}
		// Review: leaders read but do not decide; a reason is required to return.
		wantCode(t, f.svc.ReviewSubmission(f.leader, sub.ID, datacall.Review{Version: sub.Version, Accept: true}), core.EFORBIDDEN)
		wantCode(t, f.svc.ReviewSubmission(f.edu, sub.ID, datacall.Review{Version: sub.Version, Accept: true}), core.ENOTFOUND)
		err = f.svc.ReviewSubmission(f.office, sub.ID, datacall.Review{Version: sub.Version})
		if fields(err)["reason"] == "" {
			t.Fatalf("return without reason: %v", err)
		}
		if err := f.svc.ReviewSubmission(f.office, sub.ID, datacall.Review{Version: sub.Version, Reason: "照片与活动无关"}); err != nil {
			t.Fatal(err)
		}
		m, err := f.svc.MySubmission(f.edu, c.ID)
		if err != nil || m.State != datacall.StReturned || m.Submission.ReturnReason != "照片与活动无关" {
			t.Fatalf("returned: %v %+v", err, m)
		}
		// A returned submission is neither accepted nor returned again.
		wantCode(t, f.svc.ReviewSubmission(f.office, sub.ID, datacall.Review{Version: m.Submission.Version, Accept: true}), core.ECONFLICT)
		// The liaison revises and resubmits.
		in := f.complete(t, f.edu, c, "教育局")
		in.Token, in.Version = "edu-2", m.Submission.Version
		re, err := f.svc.Submit(f.edu, c.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if datacall.StateOf(re) != datacall.Resubmitted || re.Revision != 2 {
			t.Fatalf("resubmitted: %+v", re)
		}
		if err := f.svc.ReviewSubmission(f.office, re.ID, datacall.Review{Version: re.Version, Accept: true}); err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Board(f.office, c.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if b.Counts[datacall.StAccepted] != 1 || b.Counts[datacall.OnTime] != 1 || b.Counts[datacall.NotYet] != 5 || b.Total != 7 {
			t.Fatalf("board counts: %v", b.Counts)
		}
		fb, _ := f.svc.Board(f.office, c.ID, datacall.NotYet)
		if len(fb.Rows) != 5 {
			t.Fatalf("filtered board: %d rows", len(fb.Rows))
		}
		// The addressee was told of the return and of the acceptance.
		if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind IN ('call.returned', 'call.accepted')`, f.ids["edu"]); n != 2 {
			t.Fatalf("%d review notes to the liaison, want 2", n)
		}
	})
}

func TestReminders(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		c := f.openSeed003(t)
		remind := func(user string) int {
			return f.count(t, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'call.remind'`, f.ids[user])
		}
		// Opening told every addressee once.
		for _, u := range []string{"edu", "keji", "finance", "county", "luzhai"} {
			if n := f.count(t, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'call.new'`, f.ids[u]); n != 1 {
				t.Fatalf("%s got %d call.new notes", u, n)
			}
		}
		if _, err := f.svc.Submit(f.edu, c.ID, f.complete(t, f.edu, c, "教育局")); err != nil {
			t.Fatal(err)
		}
		// 1 December 23:59:59 (-3d) and a little after: the first reminder.
		f.clock.Advance(6*24*time.Hour + 16*time.Hour)
		if _, err := f.jobs.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if remind("edu") != 0 || remind("keji") != 1 || remind("county") != 1 || remind("luzhai") != 1 || remind("finance") != 1 {
			t.Fatalf("after -3d: edu %d keji %d county %d luzhai %d", remind("edu"), remind("keji"), remind("county"), remind("luzhai"))
		}
		if _, err := f.jobs.RunDue(ctx); err != nil { // nothing due twice
			t.Fatal(err)
		}
		if remind("keji") != 1 {
			t.Fatal("a reminder was sent twice")
		}
		// The county submits; the deadline moves a week later: -1d is re-timed.
		if _, err := f.svc.Submit(f.county, c.ID, f.complete(t, f.county, c, "柳城县")); err != nil {
			t.Fatal(err)
		}
		c, _ = f.svc.Get(f.office, c.ID)
		in := f.seed003()
		in.DeadlineDate, in.Version = "2020-12-11", c.Version
		if _, err := f.svc.Update(f.office, c.ID, in); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * 24 * time.Hour) // past the old -1d and the old deadline
		if _, err := f.jobs.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if remind("keji") != 1 {
			t.Fatalf("a reminder of the old deadline ran: keji has %d", remind("keji"))
		}
		f.clock.Advance(7 * 24 * time.Hour) // 11 December 01:00, after the new -1d
		if _, err := f.jobs.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if remind("keji") != 2 || remind("county") != 1 || remind("edu") != 0 {
			t.Fatalf("after the new -1d: keji %d county %d edu %d", remind("keji"), remind("county"), remind("edu"))
		}
		// Closed: the +1d reminder never comes.
		c, _ = f.svc.Get(f.office, c.ID)
		if err := f.svc.Close(f.office, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(5 * 24 * time.Hour)
		if _, err := f.jobs.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if remind("keji") != 2 {
			t.Fatalf("reminded after close: %d", remind("keji"))
		}
	})
}

// E6: whatever the units and captions are called, the archive's names are
// local, unique, without backslashes or control characters.
func TestZipNames(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			for id, name := range map[int64]string{f.w.Edu.ID: "../x", f.w.Keji.ID: `a\b`, f.w.Finance.ID: "CON"} {
				if _, err := tx.ExecContext(ctx, `UPDATE units SET name = $1 WHERE id = $2`, name, id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		in := f.seed003()
		in.Items = append(in.Items, datacall.Item{Kind: datacall.Form, Label: "基本情况", Fields: []datacall.Field{
			{Label: "参与人次", Type: datacall.Integer, Required: true}, {Label: "备注", Type: datacall.Text}}})
		c, err := f.svc.Create(f.office, in)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Open(f.office, c.ID, c.Version); err != nil {
			t.Fatal(err)
		}
		c, _ = f.svc.Get(f.office, c.ID)
		formID := fmt.Sprint(c.Items[3].ID)
		files := 0
		for i, ctx := range []context.Context{f.edu, f.keji, f.finance} {
			sub := f.complete(t, ctx, c, "单位")
			sub.Files[2].Caption, sub.Files[3].Caption = "../x", `a\b`
			if i == 2 {
				sub.Files[2].Caption, sub.Files[3].Caption = "CON", "\x01\u202e夜间 观测\t"
			}
			sub.Answers = map[string]map[string]string{formID: {"f1": "120"}}
			if _, err := f.svc.Submit(ctx, c.ID, sub); err != nil {
				t.Fatal(err)
			}
			files += len(sub.Files) + 1 // and the form's workbook
		}
		// An integer field refuses words.
		bad := f.complete(t, f.county, c, "柳城")
		bad.Answers = map[string]map[string]string{formID: {"f1": "一百二十"}}
		if _, err := f.svc.Submit(f.county, c.ID, bad); fields(err)["item_"+formID+"_f1"] == "" {
			t.Fatalf("integer field: %v", err)
		}
		ex, err := f.svc.PrepareZIP(f.office, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.svc.WriteZIP(ctx, ex, &buf); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != files+1 {
			t.Fatalf("%d entries, want %d files and the index", len(zr.File), files+1)
		}
		seen := map[string]bool{}
		for _, zf := range zr.File {
			n := zf.Name
			if !filepath.IsLocal(n) || strings.ContainsAny(n, `\:`) || strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u202e' }) {
				t.Errorf("unsafe name %q", n)
			}
			for _, el := range strings.Split(n, "/") {
				if strings.EqualFold(strings.SplitN(el, ".", 2)[0], "CON") || el == ".." || el == "" {
					t.Errorf("bad element %q in %q", el, n)
				}
			}
			if seen[strings.ToLower(n)] {
				t.Errorf("duplicate name %q", n)
			}
			seen[strings.ToLower(n)] = true
			if zf.NonUTF8 || (zf.Flags&0x800 == 0 && strings.ContainsFunc(n, func(r rune) bool { return r > 0x7f })) {
				t.Errorf("%q lacks the UTF-8 flag", n)
			}
			if _, err := zf.Open(); err != nil {
				t.Errorf("open %q: %v", n, err)
			}
		}
		if !seen[strings.ToLower(datacall.IndexName)] {
			t.Fatalf("no index: %v", seen)
		}
		if !seen["_con/_con-重点行动或特色活动图片-1-_con.jpg"] {
			t.Errorf("names: %v", seen)
		}
		// Bounded: over the cap, refused before anything is sent.
		old := datacall.MaxZipBytes
		datacall.MaxZipBytes = 100
		defer func() { datacall.MaxZipBytes = old }()
		if _, err := f.svc.PrepareZIP(f.office, c.ID); core.ErrorCode(err) != core.ETOOLARGE {
			t.Fatalf("over the cap: %v", err)
		}
		datacall.MaxZipBytes = old
		// A photo whose deferred decode failed is left out and named in the
		// index; the other units' files still arrive.
		if err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE files SET checked = 'damaged'
				WHERE id = (SELECT MIN(file_id) FROM call_submission_files)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ex, err = f.svc.PrepareZIP(f.office, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := f.svc.WriteZIP(ctx, ex, &buf); err != nil {
			t.Fatalf("zip with a damaged photo: %v", err)
		}
		if zr, err = zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil || len(zr.File) != files {
			t.Fatalf("with a damaged photo: %d entries, want %d (%v)", len(zr.File), files, err)
		}
		// Only those who oversee the call download it.
		if _, err := f.svc.PrepareZIP(f.edu, c.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("liaison downloads the ZIP: %v", err)
		}
	})
}
