package report_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	d                                      *db.DB
	w                                      *orgtest.World
	clock                                  *core.FakeClock
	svc                                    *report.Service
	plans                                  *plan.Service
	plan                                   *plan.Plan
	a, b                                   plan.Item
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

// Scope (B3): who reads which report; outside scope is 404 and audited.
func TestScopeTable(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		x := setup(t, d)
		city, liucheng := x.w.City.ID, x.w.LiuchengBody.ID
		reports := map[string]int64{
			"keji":         x.start(t, x.keji, x.a, city, x.w.Keji.ID, "2021-Q3", report.UnitReport).ID,
			"edu":          x.start(t, x.edu, x.a, city, x.w.Edu.ID, "2021-Q3", report.UnitReport).ID,
			"consolidated": x.start(t, x.edu, x.a, city, x.w.Edu.ID, "2021-Q3", report.Consolidated).ID,
			"finance-b":    x.start(t, x.finance, x.b, city, x.w.Finance.ID, "2021-Q3", report.UnitReport).ID,
			"county":       x.start(t, x.liuchengEdu, x.a, liucheng, x.w.LiuchengEdu.ID, "2021-Q3", report.UnitReport).ID,
		}
		// Which actors read each report, and whether they may write or
		// review it: "" = 404, "r" = read, "w" = write, "v" = review.
		want := map[string]map[string]string{
			"keji":         {"keji": "w", "edu": "v", "finance": "", "kexie": "", "office": "v", "leader": "r", "county": "", "liuchengEdu": ""},
			"edu":          {"keji": "", "edu": "w", "finance": "", "kexie": "", "office": "v", "leader": "r", "county": "", "liuchengEdu": ""},
			"consolidated": {"keji": "", "edu": "w", "finance": "", "kexie": "", "office": "v", "leader": "r", "county": "", "liuchengEdu": ""},
			"finance-b":    {"keji": "v", "edu": "", "finance": "w", "kexie": "", "office": "v", "leader": "r", "county": "", "liuchengEdu": ""},
			"county":       {"keji": "", "edu": "", "finance": "", "kexie": "", "office": "r", "leader": "", "county": "v", "liuchengEdu": "w"},
		}
		ctxOf := map[string]context.Context{"keji": x.keji, "edu": x.edu, "finance": x.finance, "kexie": x.kexie,
			"office": x.office, "leader": x.leader, "county": x.county, "liuchengEdu": x.liuchengEdu}
		for rep, byActor := range want {
			for who, w := range byActor {
				_, acc, err := x.svc.Get(ctxOf[who], reports[rep])
				got := ""
				switch {
				case err != nil && code(err) != core.ENOTFOUND:
					t.Fatalf("%s reading %s: %v", who, rep, err)
				case err != nil:
				case acc.Write:
					got = "w"
				case acc.Review:
					got = "v"
				default:
					got = "r"
				}
				if got != w {
					t.Errorf("%s on report %s: got %q, want %q", who, rep, got, w)
				}
			}
		}
		// Refusals are audited.
		var n int
		if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied'
			AND object_type = 'report'`).Scan(&n); err != nil || n < 10 {
			t.Errorf("report refusals audited: %d %v", n, err)
		}
		// A unit cannot start another unit's report, nor a report on a
		// task it does not carry; a responsible unit no consolidated one.
		for _, c := range []struct {
			ctx  context.Context
			key  report.Key
			want string
		}{
			{x.keji, report.Key{BodyID: city, ItemID: x.a.ID, UnitID: x.w.Edu.ID, Period: "2021-Q1"}, core.ENOTFOUND},
			{x.finance, report.Key{BodyID: city, ItemID: x.a.ID, UnitID: x.w.Finance.ID, Period: "2021-Q1"}, core.ENOTFOUND},
			{x.keji, report.Key{BodyID: city, ItemID: x.a.ID, UnitID: x.w.Keji.ID, Period: "2021-Q1", Kind: report.Consolidated}, core.EFORBIDDEN},
			{x.office, report.Key{BodyID: city, ItemID: x.a.ID, UnitID: x.w.Keji.ID, Period: "2021-Q1"}, core.EFORBIDDEN},
			{x.keji, report.Key{BodyID: city, ItemID: x.a.ID, UnitID: x.w.Keji.ID, Period: "2022-Q1"}, core.EINVALID},
			{x.keji, report.Key{BodyID: city, ItemID: x.a.ID, UnitID: x.w.Keji.ID, Period: "2021-12"}, core.EINVALID},
			{x.county, report.Key{BodyID: city, ItemID: x.a.ID, UnitID: x.w.Keji.ID, Period: "2021-Q1"}, core.ENOTFOUND},
		} {
			if _, _, err := x.svc.Start(c.ctx, c.key); code(err) != c.want {
				t.Errorf("start %+v: %v, want %s", c.key, err, c.want)
			}
		}
		// The office's own unit (科协) is a responsible unit: its staff
		// write its report, but do not review what they submitted.
		r := x.start(t, x.office, x.a, city, x.w.Kexie.ID, "2021-Q3", report.UnitReport)
		r, err := x.svc.Submit(x.office, r.ID, draft(r.Version, "科协已培训", 20))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.svc.Accept(x.office, r.ID, r.Version); code(err) != core.EFORBIDDEN {
			t.Errorf("self-approval: %v", err)
		}
	})
}

// Two saves from the same version: one wins, the other is a 409 whose
// text is kept for its author and only for its author (I3).
func TestAutosaveConflictKeepsTheLosingText(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		x := setup(t, d)
		// Two people of the science bureau: the liaison and a colleague.
		colleague := orgtest.As(context.Background(), orgtest.Actor(t, d, core.RoleLiaison, x.w.Keji.ID, x.w.City))
		r := x.start(t, x.keji, x.a, x.w.City.ID, x.w.Keji.ID, "2021-Q4", report.UnitReport)
		if again := x.start(t, colleague, x.a, x.w.City.ID, x.w.Keji.ID, "2021-Q4", report.UnitReport); again.ID != r.ID {
			t.Fatalf("starting twice made two reports: %d %d", r.ID, again.ID)
		}
		won, err := x.svc.Save(x.keji, r.ID, draft(r.Version, "第一位的文字", 10))
		if err != nil {
			t.Fatal(err)
		}
		_, err = x.svc.Save(colleague, r.ID, draft(r.Version, "第二位的文字", 12))
		var c *report.Conflict
		if code(err) != core.ECONFLICT || !errors.As(err, &c) {
			t.Fatalf("second save: %v", err)
		}
		if got := x.state(t, r.ID); got.Narrative != "第一位的文字" || got.Version != won.Version {
			t.Fatalf("the winner was overwritten: %+v", got)
		}
		rev, err := x.svc.Revision(colleague, r.ID, c.RevisionID)
		if err != nil || rev.Input.Narrative != "第二位的文字" || *rev.Input.Figures[0].Value != 12 || rev.Kind != "conflict" {
			t.Fatalf("losing text: %+v %v", rev, err)
		}
		if _, err := x.svc.Revision(x.keji, r.ID, c.RevisionID); code(err) != core.ENOTFOUND {
			t.Errorf("another user read the conflict copy: %v", err)
		}
		// The colleague takes it back: a save from the current version.
		if _, err := x.svc.Save(colleague, r.ID, rev.Input.WithVersion(won.Version)); err != nil {
			t.Fatal(err)
		}
		if got := x.state(t, r.ID); got.Narrative != "第二位的文字" {
			t.Errorf("restored: %q", got.Narrative)
		}
	})
}

// The same submission twice (a double click, a resent form) stores one
// revision and one audit record, and answers the same report.
func TestSubmitIsIdempotent(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		x := setup(t, d)
		r := x.start(t, x.keji, x.a, x.w.City.ID, x.w.Keji.ID, "2021-Q2", report.UnitReport)
		in := draft(r.Version, "二季度培训30名", 30)
		first, err := x.svc.Submit(x.keji, r.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		second, err := x.svc.Submit(x.keji, r.ID, in)
		if err != nil {
			t.Fatalf("replayed submission: %v", err)
		}
		if second.Revision != 1 || second.Version != first.Version || second.State != report.Submitted {
			t.Errorf("replay changed the report: %+v → %+v", first, second)
		}
		revs, err := x.svc.Revisions(x.keji, r.ID)
		if err != nil || len(revs) != 1 || revs[0].Input.Narrative != "二季度培训30名" {
			t.Errorf("revisions: %+v %v", revs, err)
		}
		var n int
		if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'report.submit'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("audit rows for the submission: %d %v", n, err)
		}
		// Submitting needs a narrative and a caption on every photo.
		r2 := x.start(t, x.keji, x.a, x.w.City.ID, x.w.Keji.ID, "2021-Q1", report.UnitReport)
		_, err = x.svc.Submit(x.keji, r2.ID, report.DraftInput{Version: r2.Version})
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Code != core.EINVALID || ce.Field != "narrative" {
			t.Errorf("empty submission: %v", err)
		}
		if got := x.state(t, r2.ID); got.State != report.Draft {
			t.Errorf("an empty submission left %s", got.State)
		}
	})
}

// Figures add up per target, year and unit: accepted and submitted apart;
// the consolidation view sums the units' figures; the goal on the same
// metric counts the accepted ones; the office's grid counts the states.
func TestRollup(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		x := setup(t, d)
		city := x.w.City.ID
		submit := func(ctx context.Context, unit int64, period string, v float64) *report.Report {
			body := city
			if unit == x.w.LiuchengEdu.ID {
				body = x.w.LiuchengBody.ID
			}
			r := x.start(t, ctx, x.a, body, unit, period, report.UnitReport)
			r, err := x.svc.Submit(ctx, r.ID, draft(r.Version, "进展", v))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		k1 := submit(x.keji, x.w.Keji.ID, "2021-Q1", 60)
		if _, err := x.svc.Accept(x.edu, k1.ID, k1.Version); err != nil {
			t.Fatal(err)
		}
		submit(x.kexie, x.w.Kexie.ID, "2021-Q1", 25)
		submit(x.keji, x.w.Keji.ID, "2021-Q2", 50)
		x.start(t, x.edu, x.a, city, x.w.Edu.ID, "2021-Q1", report.UnitReport) // a draft counts nothing
		submit(x.liuchengEdu, x.w.LiuchengEdu.ID, "2021-Q1", 1000)             // another body's

		ru, err := x.svc.Rollup(x.office, x.plan.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		ip := ru.Items[x.a.ID]
		if len(ip.Targets) != 1 {
			t.Fatalf("targets: %+v", ip)
		}
		ty := ip.Targets[0]
		if ty.Year != 2021 || ty.Goal != 100 || ty.Accepted != 60 || ty.Submitted != 75 || ty.Reached() {
			t.Errorf("target year: %+v", ty)
		}
		if len(ty.Units) != 2 || ip.Units != 3 || ip.Reported != 2 {
			t.Errorf("units: %+v", ip)
		}
		if ru.Tasks != 2 || ru.OnTrack != 1 || len(ru.Goals) != 1 || ru.Goals[0].Reported != 60 || ru.Goals[0].Met {
			t.Errorf("plan: %+v", ru)
		}
		c, err := x.svc.Consolidate(x.edu, x.a.ID, city, "2021-Q1")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Units) != 3 || !c.CanWrite || c.Sums[0].Value == nil || *c.Sums[0].Value != 85 {
			t.Errorf("consolidation: %+v", c)
		}
		if _, err := x.svc.Consolidate(x.finance, x.a.ID, city, "2021-Q1"); code(err) != core.ENOTFOUND {
			t.Errorf("another unit's consolidation: %v", err)
		}
		if c, err := x.svc.Consolidate(x.keji, x.a.ID, city, "2021-Q1"); code(err) != core.ENOTFOUND {
			t.Errorf("a responsible unit read the consolidation: %+v %v", c, err)
		}
		o, err := x.svc.Overview(x.office, x.plan.ID, 0, "2021-Q1")
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Rows) != 2 || o.Counts["submitted"] != 1 || o.Counts["accepted"] != 1 || o.Counts["draft"] != 1 || o.Counts[""] != 2 {
			t.Errorf("overview: %+v", o.Counts)
		}
		if _, err := x.svc.Overview(x.keji, x.plan.ID, 0, ""); code(err) != core.ENOTFOUND {
			t.Errorf("a liaison read the overview: %v", err)
		}
		// The county's own roll-up holds its figure, read by both offices.
		cr, err := x.svc.Rollup(x.county, x.plan.ID, x.w.LiuchengBody.ID)
		if err != nil || cr.Items[x.a.ID].Targets[0].Submitted != 1000 {
			t.Errorf("county rollup: %+v %v", cr, err)
		}
	})
}

// Files: a report holds only files its author uploaded, serves only the
// files it holds, and a photo must be a photo.
func TestReportFiles(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		x := setup(t, d)
		ingest := func(ctx context.Context, name string) *file.File {
			f, err := x.svc.Files.Ingest(ctx, core.ActorFrom(ctx), name, bytes.NewReader(jpegOf(t, 90)), file.Photo)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		mine, mine2, theirs := ingest(x.keji, "培训现场.jpg"), ingest(x.keji, "合影.jpg"), ingest(x.edu, "教育局.jpg")
		r := x.start(t, x.keji, x.a, x.w.City.ID, x.w.Keji.ID, "2021-Q3", report.UnitReport)
		in := draft(r.Version, "附照片", 5)
		in.Photos = []report.FileInput{{FileID: mine.ID, Caption: "培训现场"}, {FileID: theirs.ID, Caption: "别人的"}}
		_, err := x.svc.Save(x.keji, r.ID, in)
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Code != core.EINVALID || ce.Field != "photos" {
			t.Fatalf("another user's file: %v", err)
		}
		in.Photos = []report.FileInput{{FileID: mine.ID, Caption: "培训现场"}, {FileID: mine2.ID, Caption: "合影"}}
		r, err = x.svc.Save(x.keji, r.ID, in)
		if err != nil || len(r.Photos) != 2 || r.Photos[1].Caption != "合影" || !r.Photos[0].HasThumb {
			t.Fatalf("photos: %+v %v", r, err)
		}
		// The lead unit reads the photo through the report; the file of
		// another report, or another unit reading, is not found.
		f, rc, err := x.svc.OpenFile(x.edu, r.ID, mine.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if f.ContentType != "image/jpeg" {
			t.Errorf("thumb type %s", f.ContentType)
		}
		if _, _, err := x.svc.OpenFile(x.keji, r.ID, theirs.ID, false); code(err) != core.ENOTFOUND {
			t.Errorf("a file the report does not hold: %v", err)
		}
		if _, _, err := x.svc.OpenFile(x.finance, r.ID, mine.ID, false); code(err) != core.ENOTFOUND {
			t.Errorf("another unit read the photo: %v", err)
		}
		// A file held by one report cannot be attached to another.
		r2 := x.start(t, x.keji, x.a, x.w.City.ID, x.w.Keji.ID, "2021-Q2", report.UnitReport)
		in2 := draft(r2.Version, "重复使用", 1)
		in2.Attachments = []report.FileInput{{FileID: mine.ID}}
		if _, err := x.svc.Save(x.keji, r2.ID, in2); code(err) != core.EINVALID {
			t.Errorf("a file of another report: %v", err)
		}
	})
}

// Saves racing from the same version: exactly one wins, every other gets
// the conflict and its text is kept, on both engines.
func TestConcurrentSavesKeepEveryText(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		x := setup(t, d)
		r := x.start(t, x.keji, x.a, x.w.City.ID, x.w.Keji.ID, "2021-Q4", report.UnitReport)
		const n = 6
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func(i int) {
				_, err := x.svc.Save(x.keji, r.ID, draft(r.Version, fmt.Sprintf("第%d位的文字", i), float64(i)))
				errs <- err
			}(i)
		}
		won, lost := 0, 0
		for i := 0; i < n; i++ {
			err := <-errs
			var c *report.Conflict
			switch {
			case err == nil:
				won++
			case errors.As(err, &c):
				lost++
			default:
				// SQLite may refuse a writer that waited too long; that
				// save is refused whole, which is not a silent overwrite.
				if code(err) != core.ECONFLICT {
					t.Errorf("save: %v", err)
				}
			}
		}
		revs, err := x.svc.Revisions(x.keji, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if won != 1 || len(revs) != lost || lost == 0 {
			t.Errorf("%d won, %d lost with %d kept", won, lost, len(revs))
		}
	})
}
