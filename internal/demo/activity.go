package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/notify"
	"liandong/internal/plan"
	"liandong/internal/report"
)

// The collecting loop in the Liuzhou demo, played through the services as
// the demo users would: seed 003's first notice as a data call, and
// progress reports on the 2020 action plan's tasks in every state.
//
// Seed 003's call was due on 4 December 2020, which has long passed when
// the demo runs. It is therefore played at its own dates (a clock set to
// the notice's day) and closed, as a historical call with its submissions
// and ZIP; beside it the same call for this year is open, due a week after
// the demo is loaded, with its reminders (3 days and 1 day before, 1 day
// after) scheduled in the job queue, so a person opening the demo sees a
// live board, an inbox and reminders to come. The reports are on the 2020
// plan's third quarter, written in early October 2020 (the fourth quarter
// is left for a person trying the demo, and for the browser tests).

// Services are the use-case services the demo activity runs through. Their
// clock is "now" for the open call; the historical parts run on copies
// with a clock set to their dates.
type Services struct {
	Files   *file.Service
	Notify  *notify.Service
	Reports *report.Service
	Calls   *datacall.Service
}

// demoReportPeriod is the quarter of the demo's reports.
const demoReportPeriod = "2020-Q3"

// chinaTime is Beijing time, the offices' calendar.
var chinaTime = time.FixedZone("CST", 8*3600)

// at is a moment on Beijing's calendar.
func at(date string, hour, minute int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, date, chinaTime)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

// player runs services on a clock of its own as the demo users.
type player struct {
	d      *db.DB
	clock  *core.FakeClock
	files  *file.Service
	calls  *datacall.Service
	report *report.Service
	as     map[string]context.Context // username → context acting as that user
}

func newPlayer(ctx context.Context, d *db.DB, s Services, clock core.Clock, fake *core.FakeClock) (*player, error) {
	if fake != nil {
		clock = fake
	}
	files := *s.Files
	files.Clock = clock
	notes := *s.Notify
	notes.Clock = clock
	calls := *s.Calls
	calls.Clock, calls.Files, calls.Notify = clock, &files, &notes
	reports := *s.Reports
	reports.Clock, reports.Files, reports.Notify = clock, &files, &notes
	p := &player{d: d, clock: fake, files: &files, calls: &calls, report: &reports, as: map[string]context.Context{}}
	for _, acc := range demoAccounts() {
		u, err := auth.FindUserByUsername(ctx, d.R(), acc.Username)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", acc.Username, err)
		}
		a, err := auth.ActorFor(ctx, d.R(), u)
		if err != nil {
			return nil, err
		}
		a.IP, a.RequestID = "127.0.0.1", "demo"
		p.as[acc.Username] = core.WithActor(ctx, a)
	}
	return p, nil
}

// to moves the player's clock to t (never back).
func (p *player) to(t time.Time) {
	if d := t.Sub(p.clock.Now()); d > 0 {
		p.clock.Advance(d)
	}
}

// LoadActivity plays the collecting loop into the Liuzhou demo once: when
// the demo has no data call yet, the calls; when it has no report yet, the
// reports. Like Load it leaves a database with real accounts alone.
func LoadActivity(ctx context.Context, d *db.DB, s Services) error {
	var real, calls, reports int
	body, err := bodyID(ctx, d.R(), "450200", "leading_group")
	if err != nil || body == 0 {
		return fmt.Errorf("demo: activity: Liuzhou's body: %v", err)
	}
	if err := d.R().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users WHERE NOT demo),
		(SELECT COUNT(*) FROM calls WHERE body_id = $1), (SELECT COUNT(*) FROM reports WHERE body_id = $1)`, body).
		Scan(&real, &calls, &reports); err != nil {
		return fmt.Errorf("demo: activity: %w", err)
	}
	if real > 0 {
		return nil
	}
	if calls == 0 {
		if err := loadCalls(ctx, d, s, body); err != nil {
			return fmt.Errorf("demo: data calls: %w", err)
		}
	}
	if reports == 0 {
		if err := loadReports(ctx, d, s, body); err != nil {
			return fmt.Errorf("demo: reports: %w", err)
		}
	}
	return nil
}

// seed003Call is seed 003's first notice as a call for the year y's
// summary and the next year's plan, due on date. The 2020 call carries the
// notice's number and title; a later one is numbered like it.
func seed003Call(body int64, y int, number, date string) datacall.CallInput {
	ys, next := fmt.Sprint(y), fmt.Sprint(y+1)
	return datacall.CallInput{
		BodyID:       body,
		Title:        "上报" + ys + "年全民科学素质工作总结和" + next + "年工作计划",
		NoticeNumber: number,
		NoticeTitle:  "关于上报" + ys + "年全民科学素质工作总结和" + next + "年工作计划的通知",
		Instructions: "请各成员单位和各县区科协对照本年度方案梳理工作，总结写明主要做法、成效和问题，计划写明下一年的重点任务；" +
			"另附一至两张能体现重点行动或特色活动的JPG照片，每张配文字说明。",
		DeadlineDate: date, ContactName: "陈琰琰", ContactPhone: "0772-0000000",
		ContactEmail: "kpb-lz@example.gov.cn", Reminders: "-3d, -1d, +1d",
		Items: []datacall.Item{
			{Kind: datacall.Document, Label: ys + "年工作总结", Required: true},
			{Kind: datacall.Document, Label: next + "年工作计划", Required: true},
			{Kind: datacall.Photos, Label: "重点行动或特色活动图片", MinCount: 1, MaxCount: 2, JPEGOnly: true, CaptionRequired: true},
		},
		AllMembers: true, AllOffices: true,
	}
}

// answer uploads who's documents and photos for call c and returns them as
// a submission.
func (p *player) answer(ctx context.Context, c *datacall.Call, who, unit string, y int, photos int, token string) (datacall.DraftInput, error) {
	in := datacall.DraftInput{Token: token}
	docs := []string{fmt.Sprintf("%d summary", y), fmt.Sprintf("%d plan", y+1)}
	names := []string{fmt.Sprintf("%s%d年工作总结.pdf", unit, y), fmt.Sprintf("%s%d年工作计划.pdf", unit, y+1)}
	for i := range 2 {
		f, err := p.calls.Upload(ctx, names[i], bytes.NewReader(demoPDF("Liuzhou demo: "+docs[i]+" ("+who+")")))
		if err != nil {
			return in, err
		}
		in.Files = append(in.Files, datacall.SubFile{ItemID: c.Items[i].ID, FileID: f.ID})
	}
	captions := []string{"科技活动周主场活动现场", "科普讲座进校园"}
	for i := range photos {
		f, err := p.calls.Upload(ctx, fmt.Sprintf("活动照片%d.jpg", i+1), bytes.NewReader(demoPhoto(len(who)*7+i)))
		if err != nil {
			return in, err
		}
		in.Files = append(in.Files, datacall.SubFile{ItemID: c.Items[2].ID, FileID: f.ID, Caption: unit + captions[i]})
	}
	return in, nil
}

// submissionOf is the id and version of who's submission to call id.
func (p *player) submissionOf(who string, id int64) (int64, int64, error) {
	m, err := p.calls.MySubmission(p.as[who], id)
	if err != nil {
		return 0, 0, err
	}
	if m.Submission == nil {
		return 0, 0, fmt.Errorf("%s has no submission to call %d", who, id)
	}
	return m.Submission.ID, m.Submission.Version, nil
}

func (p *player) review(id int64, who string, accept bool, reason string) error {
	sid, v, err := p.submissionOf(who, id)
	if err != nil {
		return err
	}
	return p.calls.ReviewSubmission(p.as["office"], sid, datacall.Review{Version: v, Accept: accept, Reason: reason})
}

func loadCalls(ctx context.Context, d *db.DB, s Services, body int64) error {
	// Seed 003's call at its own dates: sent on 25 November 2020, due
	// 4 December; the education bureau answers early and is accepted, the
	// science bureau is returned once and resubmits in time, Liujiang's
	// office answers on the last day; the office closes the call on
	// 10 December. Everyone else never answered, as happens.
	p, err := newPlayer(ctx, d, s, nil, core.NewFakeClock(at("2020-11-25", 9, 30)))
	if err != nil {
		return err
	}
	c, err := p.calls.Create(p.as["office"], seed003Call(body, 2020, "柳全科组办发〔2020〕8号", "2020-12-04"))
	if err != nil {
		return err
	}
	if err := p.calls.Open(p.as["office"], c.ID, c.Version); err != nil {
		return err
	}
	if c, err = p.calls.Get(p.as["office"], c.ID); err != nil {
		return err
	}
	steps := []struct {
		when time.Time
		do   func() error
	}{
		{at("2020-12-01", 10, 12), func() error { return p.submit(c, "liaison-jyj", "市教育局", 2020, 2, "jyj-2020") }},
		{at("2020-12-01", 16, 40), func() error { return p.review(c.ID, "liaison-jyj", true, "") }},
		{at("2020-12-02", 9, 5), func() error { return p.submit(c, "liaison-kjj", "市科技局", 2020, 1, "kjj-2020-1") }},
		{at("2020-12-02", 15, 20), func() error {
			return p.review(c.ID, "liaison-kjj", false, "工作总结缺少科技活动周的参与人数，请补充后重新报送。")
		}},
		{at("2020-12-03", 11, 0), func() error { return p.submit(c, "liaison-kjj", "市科技局", 2020, 2, "kjj-2020-2") }},
		{at("2020-12-04", 17, 45), func() error { return p.submit(c, "county", "柳江区科协", 2020, 2, "county-2020") }},
		{at("2020-12-07", 9, 30), func() error { return p.review(c.ID, "liaison-kjj", true, "") }},
		{at("2020-12-07", 9, 40), func() error { return p.review(c.ID, "county", true, "") }},
		{at("2020-12-10", 10, 0), func() error {
			cur, err := p.calls.Get(p.as["office"], c.ID)
			if err != nil {
				return err
			}
			return p.calls.Close(p.as["office"], c.ID, cur.Version)
		}},
	}
	for _, st := range steps {
		p.to(st.when)
		if err := st.do(); err != nil {
			return fmt.Errorf("2020 call at %s: %w", st.when.Format(time.DateTime), err)
		}
	}

	// This year's call, open now and due a week from today: the education
	// bureau has submitted (awaiting review), the science bureau has a
	// draft, Liujiang's office has not started.
	now, err := newPlayer(ctx, d, s, s.Calls.Clock, nil)
	if err != nil {
		return err
	}
	today := s.Calls.Clock.Now().In(chinaTime)
	y := today.Year()
	due := today.AddDate(0, 0, 7).Format(time.DateOnly)
	cur, err := now.calls.Create(now.as["office"], seed003Call(body, y, fmt.Sprintf("柳全科组办发〔%d〕8号", y), due))
	if err != nil {
		return err
	}
	if err := now.calls.Open(now.as["office"], cur.ID, cur.Version); err != nil {
		return err
	}
	if cur, err = now.calls.Get(now.as["office"], cur.ID); err != nil {
		return err
	}
	if err := now.submit(cur, "liaison-jyj", "市教育局", y, 2, fmt.Sprintf("jyj-%d", y)); err != nil {
		return fmt.Errorf("%d call: %w", y, err)
	}
	draft, err := now.answer(now.as["liaison-kjj"], cur, "liaison-kjj", "市科技局", y, 0, "")
	if err != nil {
		return err
	}
	draft.Files = draft.Files[:1] // the summary only, so far
	if _, err := now.calls.SaveDraft(now.as["liaison-kjj"], cur.ID, draft); err != nil {
		return fmt.Errorf("%d call: draft: %w", y, err)
	}
	return nil
}

// submit answers call c completely as who and submits.
func (p *player) submit(c *datacall.Call, who, unit string, y, photos int, token string) error {
	ctx := p.as[who]
	in, err := p.answer(ctx, c, who, unit, y, photos, token)
	if err != nil {
		return err
	}
	if m, err := p.calls.MySubmission(ctx, c.ID); err == nil && m.Submission != nil {
		in.Version = m.Submission.Version
	}
	_, err = p.calls.Submit(ctx, c.ID, in)
	return err
}

// loadReports writes third-quarter 2020 reports on the action plan's
// tasks in early October 2020: the education bureau's first report is
// accepted and its second still a draft; the science bureau's first is
// returned with a reason and its second awaits review.
func loadReports(ctx context.Context, d *db.DB, s Services, body int64) error {
	p, err := newPlayer(ctx, d, s, nil, core.NewFakeClock(at("2020-10-05", 9, 0)))
	if err != nil {
		return err
	}
	pick := func(who string) ([]plan.UnitTask, error) {
		a := core.ActorFrom(p.as[who])
		ts, err := plan.FindUnitTasks(ctx, d.R(), a.UnitID, body)
		if err != nil {
			return nil, err
		}
		var out []plan.UnitTask
		for _, t := range ts {
			if t.PlanTitle == liuzhouPlanTitle && t.Item.Kind == plan.Task && t.Item.Status == plan.Open {
				out = append(out, t)
			}
		}
		if len(out) < 2 {
			return nil, fmt.Errorf("%s carries %d open tasks of the action plan, want 2", who, len(out))
		}
		return out, nil
	}
	jyj, err := pick("liaison-jyj")
	if err != nil {
		return err
	}
	kjj, err := pick("liaison-kjj")
	if err != nil {
		return err
	}
	type step struct {
		who    string
		task   plan.UnitTask
		submit bool
	}
	for i, st := range []step{
		{"liaison-jyj", jyj[0], true}, // accepted below
		{"liaison-kjj", kjj[0], true}, // returned below
		{"liaison-kjj", kjj[1], true}, // awaiting review
		{"liaison-jyj", jyj[1], false},
	} {
		p.to(at("2020-10-05", 9, 0).Add(time.Duration(i) * 47 * time.Minute))
		if err := p.writeReport(body, st.who, st.task, st.submit, i); err != nil {
			return fmt.Errorf("%s on %q: %w", st.who, st.task.Item.Title, err)
		}
	}
	// The office reviews two days later.
	p.to(at("2020-10-09", 15, 0))
	rows, err := d.R().QueryContext(ctx, `SELECT id, version, unit_id, item_id FROM reports WHERE body_id = $1 AND state = 'submitted' ORDER BY id`, body)
	if err != nil {
		return err
	}
	type sub struct{ id, version, unit, item int64 }
	subs, err := db.Collect(rows, func(r db.Scanner) (*sub, error) {
		var x sub
		return &x, r.Scan(&x.id, &x.version, &x.unit, &x.item)
	})
	if err != nil {
		return err
	}
	unitOf := func(who string) int64 { return core.ActorFrom(p.as[who]).UnitID }
	for _, x := range subs {
		switch {
		case x.unit == unitOf("liaison-jyj") && x.item == jyj[0].Item.ID:
			_, err = p.report.Accept(p.as["office"], x.id, x.version)
		case x.unit == unitOf("liaison-kjj") && x.item == kjj[0].Item.ID:
			_, err = p.report.Return(p.as["office"], x.id, x.version, "请补充各县区活动场次的分项数字，并为第二张照片写明活动地点。")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeReport starts who's report on task t for 2020's third quarter,
// fills it in with figures near the targets and, for the first two, two
// captioned photos, and submits it when asked.
func (p *player) writeReport(body int64, who string, t plan.UnitTask, submit bool, n int) error {
	ctx := p.as[who]
	a := core.ActorFrom(ctx)
	r, _, err := p.report.Start(ctx, report.Key{BodyID: body, ItemID: t.Item.ID, UnitID: a.UnitID, Period: demoReportPeriod, Kind: report.UnitReport})
	if err != nil {
		return err
	}
	in := r.Input()
	in.Progress = report.OnTrack
	if n == 0 {
		in.Progress = report.Done
	}
	in.Narrative = "第三季度围绕“" + t.Item.Title + "”组织了专题活动和集中宣传，活动覆盖城区和各县区，全年任务按期推进。"
	in.Problems = "部分县区活动场地和讲解人员不足，需要协调科普教育基地支持。"
	for i, f := range r.Figures {
		v := f.Goal * (0.9 + 0.15*float64((n+i)%3))
		v = float64(int64(v + 0.5))
		in.Figures = append(in.Figures, report.FigureInput{Seq: f.Seq, Value: &v})
	}
	if n < 2 {
		for i, caption := range []string{"活动现场", "参与群众合影"} {
			f, err := p.files.Ingest(ctx, a, fmt.Sprintf("现场%d.jpg", i+1), bytes.NewReader(demoPhoto(100+n*2+i)), file.Photo)
			if err != nil {
				return err
			}
			in.Photos = append(in.Photos, report.FileInput{FileID: f.ID, Caption: caption})
		}
	}
	saved, err := p.report.Save(ctx, r.ID, in)
	if err != nil {
		return err
	}
	if !submit {
		return nil
	}
	in.Version = saved.Version
	_, err = p.report.Submit(ctx, r.ID, in)
	return err
}

// demoPhoto is a small picture (640×480) for the demo's photo items: a
// gradient sky over a green field with a sun placed by n, so the photos
// differ.
func demoPhoto(n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	sx, sy := 80+(n*97)%480, 60+(n*53)%120
	for y := range 480 {
		for x := range 640 {
			c := color.RGBA{uint8(90 + y/4), uint8(150 + y/6), 235, 255}
			if y > 300 {
				c = color.RGBA{uint8(40 + (x*y)%30), uint8(130 + (x+y)%40), 50, 255}
			}
			if dx, dy := x-sx, y-sy; dx*dx+dy*dy < 900 {
				c = color.RGBA{250, 200, 60, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err) // an in-memory encode of a valid image does not fail
	}
	return b.Bytes()
}

// demoPDF is a one-page PDF showing text (ASCII: the built-in fonts have
// no Chinese), with a correct cross-reference table.
func demoPDF(text string) []byte {
	text = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(text)
	stream := "BT /F1 14 Tf 72 760 Td (" + text + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
