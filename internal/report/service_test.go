package report_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/org"
	"liandong/internal/org/orgtest"
	"liandong/internal/plan"
	"liandong/internal/report"
	"liandong/internal/testkit"
)

// world is a published 2021 plan of Liuzhou's group, reported quarterly:
//
//   - task A, led by the education bureau, with the science bureau and the
//     科协 responsible, one target (100 tutors a year), handed down to the
//     county groups, where Liucheng's office assigns it to its education
//     bureau;
//   - task B, led by the science bureau with finance responsible.
//
// It is 15 November 2021: Q1 to Q4 have begun.
type world struct {
	d      *db.DB
	w      *orgtest.World
	clock  *core.FakeClock
	svc    *report.Service
	plans  *plan.Service
	plan   *plan.Plan
	a, b   plan.Item
	office, county, leader                 context.Context
	edu, keji, finance, kexie, liuchengEdu context.Context
	actors                                 map[string]*core.Actor
}

func setup(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	clock := core.NewFakeClock(time.Date(2021, 11, 15, 2, 0, 0, 0, time.UTC))
	w, err := orgtest.Build(ctx, d, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	x := &world{d: d, w: w, clock: clock, plans: &plan.Service{DB: d, Clock: clock}, actors: map[string]*core.Actor{}}
	files := &file.Service{DB: d, Store: file.NewDBStore(d), Clock: clock}
	x.svc = &report.Service{DB: d, Clock: clock, Files: files}
	as := func(name string, role core.Role, unit int64, bodies ...*org.Body) context.Context {
		a := orgtest.Actor(t, d, role, unit, bodies...)
		x.actors[name] = a
		return orgtest.As(ctx, a)
	}
	x.office = as("office", core.RoleOffice, w.Kexie.ID, w.City)
	x.county = as("county", core.RoleOffice, w.LiuchengKexie.ID, w.LiuchengBody)
	x.leader = as("leader", core.RoleLeader, w.Government.ID, w.City)
	x.edu = as("edu", core.RoleLiaison, w.Edu.ID, w.City)
	x.keji = as("keji", core.RoleLiaison, w.Keji.ID, w.City)
	x.finance = as("finance", core.RoleLiaison, w.Finance.ID, w.City)
	x.kexie = as("kexie", core.RoleLiaison, w.Kexie.ID, w.City)
	x.liuchengEdu = as("liuchengEdu", core.RoleLiaison, w.LiuchengEdu.ID, w.LiuchengBody)

	p, err := x.plans.CreatePlan(x.office, plan.PlanInput{BodyID: w.City.ID, Kind: plan.Action, Title: "2021年科学素质攻坚方案",
		YearFrom: 2021, YearTo: 2021, Cadence: plan.Quarterly})
	if err != nil {
		t.Fatal(err)
	}
	a, err := x.plans.AddItem(x.office, p.ID, plan.ItemInput{Title: "培训科技辅导员", Lead: []int64{w.Edu.ID},
		Responsible: []int64{w.Keji.ID, w.Kexie.ID}, Cascade: plan.Responsible, CascadeText: "各县区",
		Targets: []plan.Target{plan.ParseTarget("每年培训科技辅导员100名")}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := x.plans.AddItem(x.office, p.ID, plan.ItemInput{Title: "举办科技活动周", Lead: []int64{w.Keji.ID},
		Responsible: []int64{w.Finance.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.plans.AddGoal(x.office, p.ID, plan.Goal{Metric: a.Targets[0].Metric, Comparator: ">=", Value: 100, Unit: "名", Year: 2021}); err != nil {
		t.Fatal(err)
	}
	if x.plan, err = x.plans.SetStatus(x.office, p.ID, p.Version, plan.Published); err != nil {
		t.Fatal(err)
	}
	in, err := x.plans.Inbound(x.county, w.LiuchengBody.ID)
	if err != nil || len(in) != 1 {
		t.Fatalf("inbound: %v %v", in, err)
	}
	if _, err := x.plans.AssignCascade(x.county, in[0].Cascade.ID, nil, []int64{w.LiuchengEdu.ID}); err != nil {
		t.Fatal(err)
	}
	x.a, x.b = *a, *b
	return x
}

// start opens a unit report of task it for period as ctx.
func (x *world) start(t *testing.T, ctx context.Context, it plan.Item, body, unit int64, period string, kind report.Kind) *report.Report {
	t.Helper()
	r, _, err := x.svc.Start(ctx, report.Key{BodyID: body, ItemID: it.ID, UnitID: unit, Period: period, Kind: kind})
	if err != nil {
		t.Fatalf("start %s: %v", period, err)
	}
	return r
}

// exec runs a statement the product never runs (a test's reset).
func (x *world) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	err := x.d.InTx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), q, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func num(v float64) *float64 { return &v }

// draft is a complete report's fields, from version v.
func draft(v int64, text string, tutors float64) report.DraftInput {
	return report.DraftInput{Version: v, Progress: report.OnTrack, Narrative: text,
		Figures: []report.FigureInput{{Seq: 1, Value: num(tutors), Note: "含乡村教师"}}}
}

func code(err error) string {
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	if err == nil {
		return ""
	}
	return "other"
}

func (x *world) state(t *testing.T, id int64) *report.Report {
	t.Helper()
	r, _, err := x.svc.Get(x.office, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// jpegOf is a small real JPEG.
func jpegOf(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{shade, uint8(x * 4), uint8(y * 5), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPeriods(t *testing.T) {
	p := &plan.Plan{YearFrom: 2025, YearTo: 2026, Cadence: plan.Quarterly}
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	ps := report.Periods(p, now)
	if len(ps) != 8 || ps[7].Key != "2026-Q4" || ps[7].Label != "2026年第四季度" || ps[7].End != "2026-12-31" || ps[7].Due != "2027-01-10" {
		t.Fatalf("quarters: %+v", ps)
	}
	for _, c := range []struct {
		cadence plan.Cadence
		key     string
		ok      bool
		due     string
	}{
		{plan.Monthly, "2026-11", true, "2026-12-10"},
		{plan.Monthly, "2026-12", false, ""}, // not begun
		{plan.Monthly, "2026-13", false, ""},
		{plan.HalfYearly, "2026-H2", true, "2027-01-10"},
		{plan.HalfYearly, "2026-H1", true, "2026-07-10"},
		{plan.Yearly, "2026", true, "2027-01-10"},
		{plan.Yearly, "2024", false, ""}, // before the plan
		{plan.Quarterly, "2026-11", false, ""},
		{plan.Quarterly, "2025-Q2", true, "2025-07-10"},
	} {
		p.Cadence = c.cadence
		per, err := report.ParsePeriod(p, c.key, now)
		if (err == nil) != c.ok || (c.ok && per.Due != c.due) {
			t.Errorf("%s %s: %+v %v", c.cadence, c.key, per, err)
		}
		if err != nil && code(err) != core.EINVALID {
			t.Errorf("%s: %v is not a validation error", c.key, err)
		}
	}
}

// The workflow (B5): every action in every state by every role. A refused
// action is 409 for the state, 403 for a reader's role, 404 outside scope,
// and changes nothing.
func TestWorkflowTable(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		x := setup(t, d)
		city := x.w.City.ID
		// One report of the science bureau on task A per state.
		mk := func(period string, to report.State) int64 {
			r := x.start(t, x.keji, x.a, city, x.w.Keji.ID, period, report.UnitReport)
			if to == report.Draft {
				return r.ID
			}
			r, err := x.svc.Submit(x.keji, r.ID, draft(r.Version, "已培训", 30))
			if err != nil {
				t.Fatal(err)
			}
			switch to {
			case report.Returned:
				_, err = x.svc.Return(x.office, r.ID, r.Version, "数字与台账不符")
			case report.Accepted:
				_, err = x.svc.Accept(x.office, r.ID, r.Version)
			}
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		type action string
		do := func(ctx context.Context, act action, id int64) error {
			v := x.state(t, id).Version
			var err error
			switch act {
			case "save":
				_, err = x.svc.Save(ctx, id, draft(v, "改过的进展", 40))
			case "submit":
				_, err = x.svc.Submit(ctx, id, draft(v, "改过的进展", 40))
			case "return":
				_, err = x.svc.Return(ctx, id, v, "请补充照片")
			case "accept":
				_, err = x.svc.Accept(ctx, id, v)
			}
			return err
		}
		ok, conflict, forbidden, notFound := "", core.ECONFLICT, core.EFORBIDDEN, core.ENOTFOUND
		states := []report.State{report.Draft, report.Submitted, report.Returned, report.Accepted}
		// want[role][action] lists the answer per state, in states' order.
		want := map[string]map[action][4]string{
			"keji": { // the author
				"save":   {ok, conflict, ok, conflict},
				"submit": {ok, conflict, ok, conflict},
				"return": {forbidden, forbidden, forbidden, forbidden},
				"accept": {forbidden, forbidden, forbidden, forbidden},
			},
			"office": {
				"save":   {forbidden, forbidden, forbidden, forbidden},
				"submit": {forbidden, forbidden, forbidden, forbidden},
				"return": {conflict, ok, conflict, conflict},
				"accept": {conflict, ok, conflict, conflict},
			},
			"edu": { // the task's lead unit
				"save":   {forbidden, forbidden, forbidden, forbidden},
				"submit": {forbidden, forbidden, forbidden, forbidden},
				"return": {conflict, ok, conflict, conflict},
				"accept": {conflict, ok, conflict, conflict},
			},
			"leader": {
				"save":   {forbidden, forbidden, forbidden, forbidden},
				"submit": {forbidden, forbidden, forbidden, forbidden},
				"return": {forbidden, forbidden, forbidden, forbidden},
				"accept": {forbidden, forbidden, forbidden, forbidden},
			},
			"finance": { // another unit: the report does not exist for it
				"save":   {notFound, notFound, notFound, notFound},
				"submit": {notFound, notFound, notFound, notFound},
				"return": {notFound, notFound, notFound, notFound},
				"accept": {notFound, notFound, notFound, notFound},
			},
		}
		ctxOf := map[string]context.Context{"keji": x.keji, "office": x.office, "edu": x.edu, "leader": x.leader, "finance": x.finance}
		for role, acts := range want {
			for act, codes := range acts {
				for i, st := range states {
					// A fresh report per case, brought to its state through
					// the workflow itself.
					x.exec(t, `DELETE FROM reports`)
					id := mk("2021-Q3", st)
					before := x.state(t, id)
					err := do(ctxOf[role], act, id)
					if got := code(err); got != codes[i] {
						t.Errorf("%s %s on %s: got %q (%v), want %q", role, act, st, got, err, codes[i])
					}
					after := x.state(t, id)
					if err != nil && (after.State != before.State || after.Version != before.Version || after.Narrative != before.Narrative) {
						t.Errorf("%s %s on %s: refused but changed: %+v → %+v", role, act, st, before, after)
					}
				}
			}
		}
	})
}
