package demo_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/db"
	"liandong/internal/demo"
	"liandong/internal/testkit"
)

func TestLoadScaleCityBesideTheDemo(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, d, service(d, true)); err != nil {
			t.Fatal(err)
		}
		demoUnits := count(t, d, `SELECT COUNT(*) FROM units`)
		st, err := demo.LoadScale(ctx, d, "city")
		if err != nil {
			t.Fatal(err)
		}
		// 1 city body with 35 units, 12 county bodies with 25 each.
		// Plans: the city's of 300 tasks, every tenth of them (30)
		// handed down to the 12 counties; 100 tasks per county. The
		// assignments are random, checked in TestScalePlans.
		want := demo.Stats{Regions: 14, Bodies: 13, Units: 35 + 12*25, MemberUnits: 35 + 12*25,
			Members: 13*4 + 35 + 12*25, Liaisons: 35 + 12*25, Plans: 13, Tasks: 300 + 12*100, Cascades: 30 * 12,
			Assignments: st.Assignments, Reports: st.Reports, Calls: 13, Submissions: st.Submissions}
		got := st
		got.Samples = nil
		if got.String() != want.String() {
			t.Errorf("stats %s\n want %s", got, want)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM units`); n != demoUnits+want.Units {
			t.Errorf("units: %d, want %d demo + %d synthetic", n, demoUnits, want.Units)
		}
		// The rows the stats count are really there and hang together.
		if n := count(t, d, `SELECT COUNT(*) FROM bodies c JOIN bodies p ON p.id = c.parent_id
			JOIN regions r ON r.id = p.region_id WHERE r.code = '990100'`); n != 12 {
			t.Errorf("city body has %d county bodies, want 12", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM regions c JOIN regions p ON p.id = c.parent_id
			WHERE p.code = '990100' AND c.level = 'county' AND c.code LIKE '9901%'`); n != 12 {
			t.Errorf("city region has %d counties, want 12", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM member_units mu JOIN units u ON u.id = mu.unit_id
			JOIN bodies b ON b.id = mu.body_id WHERE u.region_id <> b.region_id`); n != 0 {
			t.Errorf("%d member units belong to another region's body", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM bodies b JOIN units u ON u.id = b.office_unit_id
			JOIN regions r ON r.id = b.region_id WHERE r.code LIKE '99%' AND u.short_name NOT LIKE '%科协'`); n != 0 {
			t.Errorf("%d bodies have their office outside the science association", n)
		}
		var name string
		if err := d.R().QueryRowContext(ctx, `SELECT name FROM regions WHERE code = '990103'`).Scan(&name); err != nil || name != "丙市第三区" {
			t.Errorf("region 990103 = %q, %v", name, err)
		}
		if len(st.Samples) != 2 || st.Samples[0].Level != "city" || st.Samples[1].Level != "county" {
			t.Errorf("samples %+v", st.Samples)
		}

		// New rows get fresh ids after the explicit ones (PostgreSQL's
		// identity sequences were moved past them).
		err = d.InTx(ctx, func(tx *sql.Tx) error {
			for _, q := range []string{
				`INSERT INTO regions (code, name, level) VALUES ('990200', '丙二市', 'city')`,
				`INSERT INTO units (region_id, name, kind, created_at, updated_at)
					SELECT id, '丙市新单位', 'other', 0, 0 FROM regions WHERE code = '990100'`,
				`INSERT INTO bodies (kind, name, region_id, created_at, updated_at)
					SELECT 'joint_conference', '丙市科普工作联席会议', id, 0, 0 FROM regions WHERE code = '990100'`,
			} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("insert after LoadScale: %v", err)
		}

		// Loading again adds nothing.
		again, err := demo.LoadScale(ctx, d, "city")
		if err != nil {
			t.Fatal(err)
		}
		if again.Units != 0 || again.Bodies != 0 {
			t.Errorf("second LoadScale added %s", again)
		}
	})
}

func TestLoadScaleProvince(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		st, err := demo.LoadScale(context.Background(), d, "province")
		if err != nil {
			t.Fatal(err)
		}
		if st.Regions != 1+15+110 || st.Bodies != 1+15+110 || st.Units < 3000 || st.Units > 4000 {
			t.Errorf("province scale: %s", st)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM units`); n != st.Units {
			t.Errorf("units in the database: %d, stats say %d", n, st.Units)
		}
		// Province-level bureaus are called 厅.
		if n := count(t, d, `SELECT COUNT(*) FROM units WHERE name = '乙省教育厅' AND short_name = '省教育厅'`); n != 1 {
			t.Errorf("乙省教育厅: %d", n)
		}
		// Every county body hangs under a city body, every city body under the province's.
		if n := count(t, d, `SELECT COUNT(*) FROM bodies b JOIN regions r ON r.id = b.region_id
			LEFT JOIN bodies p ON p.id = b.parent_id LEFT JOIN regions pr ON pr.id = p.region_id
			WHERE r.level <> 'province' AND (pr.id IS NULL OR pr.id <> r.parent_id)`); n != 0 {
			t.Errorf("%d bodies not under their parent region's body", n)
		}
	})
}

func TestLoadScaleRejectsUnknownScale(t *testing.T) {
	d := testkit.OpenDB(t, db.SQLite)
	if _, err := demo.LoadScale(context.Background(), d, "galaxy"); core.ErrorCode(err) != core.EINVALID {
		t.Errorf("scale galaxy: %v, want EINVALID", err)
	}
}

func TestLiaisonTokensOnePerMemberUnit(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := service(d, true)
		if _, err := demo.LoadScale(ctx, d, "city"); err != nil {
			t.Fatal(err)
		}
		list, err := demo.LiaisonTokens(ctx, d, "city", a.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 35+12*25 {
			t.Fatalf("%d accounts, want one per member unit (%d)", len(list), 35+12*25)
		}
		seen := map[int64]bool{}
		for _, lt := range list {
			if seen[lt.UnitID] {
				t.Fatalf("unit %d has two accounts", lt.UnitID)
			}
			seen[lt.UnitID] = true
		}
		// A token opens its account: a liaison of its unit in its body.
		for _, lt := range []demo.LiaisonToken{list[0], list[len(list)-1]} {
			u, err := a.TokenUser(ctx, lt.Token)
			if err != nil {
				t.Fatalf("token of %s: %v", lt.Username, err)
			}
			act, err := auth.ActorFor(ctx, d.R(), u)
			if err != nil {
				t.Fatal(err)
			}
			if act.Role != core.RoleLiaison || act.UnitID != lt.UnitID || !act.InBody(lt.BodyID) || !u.Demo {
				t.Errorf("%s: role %s unit %d bodies %v demo %v, want liaison of unit %d in body %d",
					lt.Username, act.Role, act.UnitID, act.BodyIDs, u.Demo, lt.UnitID, lt.BodyID)
			}
			// No password opens it, not even the demo password.
			if _, _, err := a.Login(ctx, lt.Username, demo.Password, "127.0.0.1", "test"); core.ErrorCode(err) != core.EUNAUTHORIZED {
				t.Errorf("login of %s with the demo password: %v, want EUNAUTHORIZED", lt.Username, err)
			}
		}
		// Outside demo mode the tokens are refused (the accounts are demo).
		if _, err := service(d, false).TokenUser(ctx, list[0].Token); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("token outside demo mode: %v, want EUNAUTHORIZED", err)
		}
		// Again: no new accounts, new tokens, the old ones still valid.
		users := count(t, d, `SELECT COUNT(*) FROM users`)
		again, err := demo.LiaisonTokens(ctx, d, "city", a.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM users`); n != users || len(again) != len(list) {
			t.Errorf("second run: %d users (was %d), %d tokens", n, users, len(again))
		}
		if again[0].Token == list[0].Token {
			t.Error("second run gave the same token")
		}
		for _, tok := range []string{list[0].Token, again[0].Token} {
			if _, err := a.TokenUser(ctx, tok); err != nil {
				t.Errorf("token after the second run: %v", err)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM user_bodies ub JOIN users u ON u.id = ub.user_id
			WHERE u.username LIKE 'load-liaison-%'`); n != len(list) {
			t.Errorf("%d user bodies, want %d", n, len(list))
		}
	})
}

// The scale data's reports and data calls are rows the services read as
// their own: states in realistic proportions, figures against targets.
func TestScaleReportsAndCalls(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st, err := demo.LoadScale(ctx, d, "city")
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM reports`); n != st.Reports || n < st.Assignments/2 || n > st.Assignments*6/10 {
			t.Errorf("%d reports (stats %d) on %d assignments, want ~55%%", n, st.Reports, st.Assignments)
		}
		for state, lo := range map[string]int{"accepted": 35, "submitted": 15, "returned": 4, "draft": 18} {
			n := count(t, d, `SELECT COUNT(*) FROM reports WHERE state = $1`, state)
			if n*100 < lo*st.Reports {
				t.Errorf("%d %s reports of %d, want at least %d%%", n, state, st.Reports, lo)
			}
		}
		// Every report is on an assignment of its unit; figures only on
		// tasks with a target; a revision per submission.
		if n := count(t, d, `SELECT COUNT(*) FROM reports r WHERE NOT EXISTS (SELECT 1 FROM assignments a
			WHERE a.item_id = r.item_id AND a.body_id = r.body_id AND a.unit_id = r.unit_id)`); n != 0 {
			t.Errorf("%d reports without their assignment", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM report_figures f JOIN reports r ON r.id = f.report_id
			WHERE NOT EXISTS (SELECT 1 FROM plan_targets t WHERE t.item_id = r.item_id)`); n != 0 {
			t.Errorf("%d figures on tasks without a target", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM reports r WHERE (r.state <> 'draft') <> EXISTS
			(SELECT 1 FROM report_revisions v WHERE v.report_id = r.id)`); n != 0 {
			t.Errorf("%d reports whose revisions do not match their state", n)
		}
		if st.Calls != 13 || count(t, d, `SELECT COUNT(*) FROM call_submissions`) != st.Submissions {
			t.Errorf("stats: %d calls, %d submissions", st.Calls, st.Submissions)
		}

		// Read through the services, as the city body's office.
		var city, unit, rep int64
		if err := d.R().QueryRowContext(ctx, `SELECT b.id FROM bodies b JOIN regions r ON r.id = b.region_id
			WHERE r.code = '990100'`).Scan(&city); err != nil {
			t.Fatal(err)
		}
		if err := d.R().QueryRowContext(ctx, `SELECT id, unit_id FROM reports WHERE body_id = $1 AND state = 'returned'
			ORDER BY id LIMIT 1`, city).Scan(&rep, &unit); err != nil {
			t.Fatal(err)
		}
		office := core.WithActor(ctx, &core.Actor{UserID: 1, Username: "office", Role: core.RoleOffice,
			UnitID: unit, BodyIDs: []int64{city}, ScopeIDs: []int64{city}})
		s := services(d, core.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)))
		r, acc, err := s.Reports.Get(office, rep)
		if err != nil || r.State != "returned" || r.ReturnReason == "" || r.Narrative == "" || !acc.Read {
			t.Errorf("returned report %d: %+v %+v %v", rep, r, acc, err)
		}
		list, err := s.Calls.List(office, city)
		if err != nil || len(list) != 1 {
			t.Fatalf("calls of the city body: %+v, %v", list, err)
		}
		board, err := s.Calls.Board(office, list[0].ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if board.Total != 35+12 || board.Counts[datacall.StAccepted] == 0 || board.Counts[datacall.NotYet] == 0 ||
			board.Counts[datacall.StReturned] == 0 || board.Counts[datacall.OnTime]+board.Counts[datacall.Late] == 0 {
			t.Errorf("board of %d: %v", board.Total, board.Counts)
		}
	})
}
