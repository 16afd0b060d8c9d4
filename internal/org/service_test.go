package org_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/org/orgtest"
	"liandong/internal/region"
	"liandong/internal/testkit"
)

// city is the fixture plus a service and the actors tests act as.
type city struct {
	*orgtest.World
	d     *db.DB
	svc   *org.Service
	clock *core.FakeClock

	cityOffice, liuchengOffice, leader, liaisonEdu, liaisonFinance, sysAdmin *core.Actor
}

func newCity(t *testing.T, d *db.DB) *city {
	t.Helper()
	ctx := context.Background()
	clock := core.NewFakeClock(time.Date(2021, 6, 1, 2, 0, 0, 0, time.UTC))
	w, err := orgtest.Build(ctx, d, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := &city{World: w, d: d, svc: &org.Service{DB: d, Clock: clock}, clock: clock}
	q := d
	c.cityOffice = orgtest.Actor(t, q, core.RoleOffice, w.Kexie.ID, w.City)
	c.liuchengOffice = orgtest.Actor(t, q, core.RoleOffice, w.LiuchengKexie.ID, w.LiuchengBody)
	c.leader = orgtest.Actor(t, q, core.RoleLeader, w.Government.ID, w.City)
	c.liaisonEdu = orgtest.Actor(t, q, core.RoleLiaison, w.Edu.ID, w.City)
	c.liaisonFinance = orgtest.Actor(t, q, core.RoleLiaison, w.Finance.ID, w.City)
	c.sysAdmin = orgtest.Actor(t, q, core.RoleSystemAdmin, 0)
	return c
}

func as(a *core.Actor) context.Context { return orgtest.As(context.Background(), a) }

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := core.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want %q", what, err, got, code)
	}
}

// snapshot renders every row of the registry tables and the audit log, so
// that a test can assert that a refused request changed nothing at all.
func snapshot(t *testing.T, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"regions", "units", "unit_aliases", "bodies", "member_units", "members", "liaisons", "duties", "audit_log"} {
		rows, err := d.R().QueryContext(context.Background(), `SELECT * FROM `+table+` ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
		}
		rows.Close()
	}
	return b.String()
}

// denials counts audited scope refusals.
func denials(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND outcome = 'denied'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestScopeRules(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		svc := c.svc

		t.Run("liaison editing another unit's liaison by id gets not found and changes nothing", func(t *testing.T) {
			before := snapshot(t, d)
			_, err := svc.UpdateLiaison(as(c.liaisonEdu), c.LiaisonFinance.ID, org.LiaisonInput{UnitID: c.Finance.ID,
				Name: "冒名", Phone: "13000000000", Version: c.LiaisonFinance.Version})
			wantCode(t, "edu liaison edits finance liaison", err, core.ENOTFOUND)
			if got := core.ErrorMessage(err); got != "联络员不存在或无权访问" {
				t.Errorf("message %q", got)
			}
			// Only the audited denial was added.
			if after := snapshot(t, d); stripAudit(after) != stripAudit(before) {
				t.Errorf("the refused edit changed the registry")
			}
			l, _ := svc.GetLiaison(as(c.cityOffice), c.LiaisonFinance.ID)
			if l.Name != "王芳" || l.Phone != "0772-2600001" || l.Version != c.LiaisonFinance.Version {
				t.Errorf("finance liaison changed: %+v", l)
			}
		})

		t.Run("liaison edits own unit's entry but cannot move it or deactivate it", func(t *testing.T) {
			l, err := svc.UpdateLiaison(as(c.liaisonEdu), c.LiaisonEdu.ID, org.LiaisonInput{UnitID: c.Finance.ID,
				Name: "张华", Post: "科长", Phone: "13900009999", Email: "zh@example.cn", Active: false, Version: c.LiaisonEdu.Version})
			if err != nil {
				t.Fatal(err)
			}
			if l.UnitID != c.Edu.ID || !l.Active || l.Phone != "13900009999" || l.Post != "科长" {
				t.Errorf("after own edit: %+v", l)
			}
		})

		t.Run("denials are audited", func(t *testing.T) {
			n := denials(t, d)
			_, err := svc.GetBody(as(c.liuchengOffice), c.City.ID)
			wantCode(t, "county office reads city body", err, core.ENOTFOUND)
			if got := denials(t, d); got != n+1 {
				t.Errorf("denials %d → %d, want one more", n, got)
			}
			// A body that does not exist is not a denial.
			_, err = svc.GetBody(as(c.liuchengOffice), 999999)
			wantCode(t, "missing body", err, core.ENOTFOUND)
			if got := denials(t, d); got != n+1 {
				t.Errorf("missing body audited as a denial")
			}
		})

		t.Run("county office cannot write the city body", func(t *testing.T) {
			before := snapshot(t, d)
			ctx := as(c.liuchengOffice)
			_, err := svc.UpdateBody(ctx, c.City.ID, org.BodyUpdate{Name: "改名", Version: c.City.Version})
			wantCode(t, "update city body", err, core.ENOTFOUND)
			_, err = svc.AddMember(ctx, c.City.ID, org.MemberInput{Role: org.SeatMember, PersonName: "甲", TermStart: "2021-01-01"})
			wantCode(t, "add city seat", err, core.ENOTFOUND)
			_, err = svc.ReplaceMember(ctx, c.Leader.ID, org.Replacement{PersonName: "乙", OnDate: "2021-01-01", Version: c.Leader.Version})
			wantCode(t, "replace city leader", err, core.ENOTFOUND)
			_, err = svc.AddDuty(ctx, c.City.ID, org.DutyInput{Scope: org.DutyCommon, Text: "x"})
			wantCode(t, "add city duty", err, core.ENOTFOUND)
			_, err = svc.EndMembership(ctx, mustMemberUnit(t, c, c.City.ID, c.Edu.ID).ID, "2021-01-01")
			wantCode(t, "end city membership", err, core.ENOTFOUND)
			if after := snapshot(t, d); stripAudit(after) != stripAudit(before) {
				t.Errorf("refused writes changed the registry")
			}
		})

		t.Run("city office reads county bodies but writes only its own", func(t *testing.T) {
			ctx := as(c.cityOffice)
			r, err := svc.Roster(ctx, c.LiuchengBody.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Leaders) != 1 || r.Leaders[0].PersonName != "赵县长" {
				t.Errorf("county roster = %+v", r)
			}
			_, err = svc.UpdateBody(ctx, c.LiuchengBody.ID, org.BodyUpdate{Name: "改名", Version: c.LiuchengBody.Version})
			wantCode(t, "city office writes county body", err, core.ENOTFOUND)
			n := denials(t, d)
			_, err = svc.GetBodyForChange(ctx, c.LiuchengBody.ID)
			wantCode(t, "city office opens a county change form", err, core.ENOTFOUND)
			if denials(t, d) != n+1 {
				t.Errorf("opening a change form out of scope was not audited")
			}
			if _, err := svc.GetBodyForChange(ctx, c.City.ID); err != nil {
				t.Errorf("city office opens its own change form: %v", err)
			}
			_, err = svc.GetLiaisonForChange(as(c.liaisonEdu), c.LiaisonFinance.ID)
			wantCode(t, "liaison opens another unit's entry", err, core.ENOTFOUND)
			if l, err := svc.GetLiaisonForChange(as(c.liaisonEdu), c.LiaisonEdu.ID); err != nil || l.Masked {
				t.Errorf("liaison opens own entry: %+v %v", l, err)
			}
			subs, err := svc.Subordinates(ctx, c.City.ID, "")
			if err != nil || len(subs) != 2 {
				t.Fatalf("subordinates = %d, %v", len(subs), err)
			}
			tree, err := svc.ListBodies(ctx)
			if err != nil || len(tree) != 1 || tree[0].Body.ID != c.City.ID || len(tree[0].Children) != 2 {
				t.Errorf("city office tree = %+v, %v", tree, err)
			}
		})

		t.Run("county office sees only its own subtree", func(t *testing.T) {
			tree, err := svc.ListBodies(as(c.liuchengOffice))
			if err != nil || len(tree) != 1 || tree[0].Body.ID != c.LiuchengBody.ID || len(tree[0].Children) != 0 {
				t.Errorf("county office tree = %+v, %v", tree, err)
			}
			_, err = svc.Roster(as(c.liuchengOffice), c.LuzhaiBody.ID, "")
			wantCode(t, "sibling county roster", err, core.ENOTFOUND)
		})

		t.Run("leader reads own body only and writes nothing", func(t *testing.T) {
			ctx := as(c.leader)
			if _, err := svc.Roster(ctx, c.City.ID, ""); err != nil {
				t.Error(err)
			}
			if _, err := svc.MemberHistory(ctx, c.City.ID); err != nil {
				t.Error(err)
			}
			_, err := svc.Roster(ctx, c.LiuchengBody.ID, "")
			wantCode(t, "leader reads county", err, core.ENOTFOUND)
			_, err = svc.UpdateBody(ctx, c.City.ID, org.BodyUpdate{Name: "改名", Version: c.City.Version})
			wantCode(t, "leader writes", err, core.ENOTFOUND)
			subs, err := svc.Subordinates(ctx, c.City.ID, "")
			if err != nil || len(subs) != 0 {
				t.Errorf("leader subordinates = %d, %v", len(subs), err)
			}
		})

		t.Run("liaison sees other units' contacts masked and no seat history", func(t *testing.T) {
			ls, err := svc.ListLiaisons(as(c.liaisonFinance), c.City.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range ls {
				switch l.UnitID {
				case c.Finance.ID:
					if l.Masked || l.Phone != "0772-2600001" || l.Email != "wangfang@example.cn" {
						t.Errorf("own unit masked: %+v", l)
					}
				case c.Kexie.ID:
					if !l.Masked || l.Phone != "138****8000" || l.Email != "l***@example.cn" {
						t.Errorf("other unit not masked: %+v", l)
					}
				}
			}
			office, _ := svc.ListLiaisons(as(c.cityOffice), c.City.ID)
			for _, l := range office {
				if l.Masked || strings.Contains(l.Phone, "*") {
					t.Errorf("office sees masked entry %+v", l)
				}
			}
			_, err = svc.MemberHistory(as(c.liaisonFinance), c.City.ID)
			wantCode(t, "liaison history", err, core.ENOTFOUND)
			if _, err := svc.ListDuties(as(c.liaisonFinance), c.City.ID); err != nil {
				t.Error(err)
			}
		})

		t.Run("administrators see no business data", func(t *testing.T) {
			ctx := as(c.sysAdmin)
			_, err := svc.GetBody(ctx, c.City.ID)
			wantCode(t, "admin reads body", err, core.ENOTFOUND)
			tree, err := svc.ListBodies(ctx)
			if err != nil || len(tree) != 0 {
				t.Errorf("admin tree = %+v, %v", tree, err)
			}
			_, _, err = svc.ListUnits(ctx, org.UnitFilter{})
			wantCode(t, "admin lists units", err, core.EFORBIDDEN)
		})

		t.Run("units: office creates in its region or below, not elsewhere", func(t *testing.T) {
			u, err := svc.CreateUnit(as(c.cityOffice), org.UnitInput{RegionID: c.Liucheng.ID, Name: "柳城县科学技术局", Kind: org.UnitGovernment})
			if err != nil {
				t.Fatal(err)
			}
			if !svc.CanEditUnit(as(c.cityOffice), u) || svc.CanEditUnit(as(c.liuchengOffice), c.Edu) {
				t.Errorf("CanEditUnit wrong")
			}
			_, err = svc.CreateUnit(as(c.liuchengOffice), org.UnitInput{RegionID: c.Liuzhou.ID, Name: "柳州市新单位", Kind: org.UnitGovernment})
			wantCode(t, "county office creates city unit", err, core.EINVALID)
			_, err = svc.UpdateUnit(as(c.liuchengOffice), c.Edu.ID, org.UnitInput{RegionID: c.Liuzhou.ID, Name: "改名", Kind: org.UnitGovernment, Version: c.Edu.Version})
			wantCode(t, "county office edits city unit", err, core.ENOTFOUND)
			_, err = svc.CreateUnit(as(c.leader), org.UnitInput{RegionID: c.Liuzhou.ID, Name: "x", Kind: org.UnitGovernment})
			wantCode(t, "leader creates unit", err, core.EFORBIDDEN)
			// Everyone in business reads the registry.
			if _, n, err := svc.ListUnits(as(c.liaisonEdu), org.UnitFilter{}); err != nil || n == 0 {
				t.Errorf("liaison lists units: %d, %v", n, err)
			}
		})
	})
}

func stripAudit(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "audit_log ") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func mustMemberUnit(t *testing.T, c *city, bodyID, unitID int64) org.MemberUnit {
	t.Helper()
	mus, err := org.FindMemberUnits(context.Background(), c.d.R(), bodyID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mus {
		if m.UnitID == unitID && m.LeftOn == "" {
			return m
		}
	}
	t.Fatalf("unit %d is not a member of body %d", unitID, bodyID)
	return org.MemberUnit{}
}

func TestReplacementKeepsHistoryAndRosterAsOfDate(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := as(c.cityOffice)
		// 2021-03-01: the finance bureau sends a new member.
		m, err := c.svc.ReplaceMember(ctx, c.MemberFinance.ID, org.Replacement{PersonName: "新局长", Position: "市财政局副局长",
			UnitID: c.Finance.ID, OnDate: "2021-03-01", Version: c.MemberFinance.Version})
		if err != nil {
			t.Fatal(err)
		}
		if m.ReplacesID != c.MemberFinance.ID || m.TermStart != "2021-03-01" || m.SortOrder != c.MemberFinance.SortOrder {
			t.Errorf("successor = %+v", m)
		}
		old, _ := c.svc.GetMember(ctx, c.MemberFinance.ID)
		if old.TermEnd != "2021-03-01" || old.PersonName != "徐进辉" {
			t.Errorf("old row = %+v", old)
		}
		names := func(date string) string {
			r, err := c.svc.Roster(ctx, c.City.ID, date)
			if err != nil {
				t.Fatal(err)
			}
			var ns []string
			for _, s := range r.Seats() {
				ns = append(ns, s.PersonName)
			}
			return strings.Join(ns, ",")
		}
		if got, want := names("2021-02-28"), "侯刚,王颖,郑晓鸿,宋军,徐进辉,靳磊,程卓,任俊峰"; got != want {
			t.Errorf("roster 2021-02-28 = %s, want %s", got, want)
		}
		if got, want := names("2021-03-01"), "侯刚,王颖,郑晓鸿,宋军,新局长,靳磊,程卓,任俊峰"; got != want {
			t.Errorf("roster 2021-03-01 = %s, want %s", got, want)
		}
		if got := names("2020-08-05"); got != "" {
			t.Errorf("roster before the notice = %q, want nobody", got)
		}
		// Today (2021-06-01 in the fake clock) is the default.
		if got := names(""); !strings.Contains(got, "新局长") {
			t.Errorf("roster today = %s", got)
		}
		r, _ := c.svc.Roster(ctx, c.City.ID, "2021-03-01")
		if r.Body.Office() != "柳州市科学技术协会科普部" || len(r.OfficeDirectors) != 1 || r.OfficeDirectors[0].PersonName != "任俊峰" {
			t.Errorf("office = %q %+v", r.Body.Office(), r.OfficeDirectors)
		}
		if len(r.MemberUnits) != 5 {
			t.Errorf("member units = %d", len(r.MemberUnits))
		}

		seats, err := c.svc.MemberHistory(ctx, c.City.ID)
		if err != nil {
			t.Fatal(err)
		}
		var chain []org.Member
		for _, s := range seats {
			if s.Holders[0].ID == c.MemberFinance.ID {
				chain = s.Holders
			}
		}
		if len(chain) != 2 || chain[0].PersonName != "徐进辉" || chain[0].ReplacedByID != m.ID || chain[1].PersonName != "新局长" {
			t.Errorf("finance seat history = %+v", chain)
		}

		// The replaced row cannot be replaced again; replacing the
		// successor with the stale version of the old row is refused.
		_, err = c.svc.ReplaceMember(ctx, c.MemberFinance.ID, org.Replacement{PersonName: "再换", OnDate: "2021-05-01", Version: old.Version})
		wantCode(t, "replace an ended term", err, core.ECONFLICT)
		_, err = c.svc.ReplaceMember(ctx, m.ID, org.Replacement{PersonName: "再换", OnDate: "2021-02-01", Version: m.Version})
		if core.FieldErrors(err)["on_date"] == "" {
			t.Errorf("replacement dated before the term: %v", err)
		}

		// The change is audited with before and after.
		var n int
		if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'member.replace'
			AND object_id = $1 AND before_json LIKE '%徐进辉%' AND after_json LIKE '%新局长%'`, fmt.Sprint(c.MemberFinance.ID)).Scan(&n); err != nil || n != 1 {
			t.Errorf("member.replace audit rows = %d, %v", n, err)
		}
	})
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := as(c.cityOffice)
		svc := c.svc
		long := strings.Repeat("名", org.MaxNameLen+1)
		cases := []struct {
			name  string
			do    func() error
			field string
		}{
			{"empty unit name", func() error {
				_, err := svc.CreateUnit(ctx, org.UnitInput{RegionID: c.Liuzhou.ID, Name: "  ", Kind: org.UnitGovernment})
				return err
			}, "name"},
			{"duplicate unit name in a region", func() error {
				_, err := svc.CreateUnit(ctx, org.UnitInput{RegionID: c.Liuzhou.ID, Name: "柳州市教育局", Kind: org.UnitGovernment})
				return err
			}, "name"},
			{"renaming a unit onto another's name", func() error {
				_, err := svc.UpdateUnit(ctx, c.Keji.ID, org.UnitInput{RegionID: c.Liuzhou.ID, Name: "柳州市教育局", Kind: org.UnitGovernment, Version: c.Keji.Version})
				return err
			}, "name"},
			{"oversized unit name", func() error {
				_, err := svc.CreateUnit(ctx, org.UnitInput{RegionID: c.Liuzhou.ID, Name: long, Kind: org.UnitGovernment})
				return err
			}, "name"},
			{"invalid unit kind", func() error {
				_, err := svc.CreateUnit(ctx, org.UnitInput{RegionID: c.Liuzhou.ID, Name: "柳州市新局", Kind: "bureau"})
				return err
			}, "kind"},
			{"duplicate region code", func() error {
				_, err := svc.CreateRegion(ctx, region.Region{Code: "450222", Name: "重复县", Level: region.County, ParentID: c.Liuzhou.ID})
				return err
			}, "code"},
			{"malformed region code", func() error {
				_, err := svc.CreateRegion(ctx, region.Region{Code: "4502", Name: "城中区", Level: region.County, ParentID: c.Liuzhou.ID})
				return err
			}, "code"},
			{"unit made a member twice at once", func() error {
				_, err := svc.AddMemberUnit(ctx, c.City.ID, org.MemberUnitInput{UnitID: c.Edu.ID, JoinedOn: "2021-01-01"})
				return err
			}, "unit_id"},
			{"malformed join date", func() error {
				_, err := svc.AddMemberUnit(ctx, c.City.ID, org.MemberUnitInput{UnitID: c.Government.ID, JoinedOn: "2021-1-1"})
				return err
			}, "joined_on"},
			{"leaving before joining", func() error {
				_, err := svc.EndMembership(ctx, mustMemberUnit(t, c, c.City.ID, c.Edu.ID).ID, "2015-01-01")
				return err
			}, "left_on"},
			{"malformed leave date", func() error {
				_, err := svc.EndMembership(ctx, mustMemberUnit(t, c, c.City.ID, c.Edu.ID).ID, "明天")
				return err
			}, "left_on"},
			{"malformed term start", func() error {
				_, err := svc.AddMember(ctx, c.City.ID, org.MemberInput{Role: org.SeatMember, PersonName: "甲", TermStart: "2021-02-30"})
				return err
			}, "term_start"},
			{"empty person name", func() error {
				_, err := svc.AddMember(ctx, c.City.ID, org.MemberInput{Role: org.SeatMember, PersonName: "", TermStart: "2021-02-01"})
				return err
			}, "person_name"},
			{"invalid seat role", func() error {
				_, err := svc.AddMember(ctx, c.City.ID, org.MemberInput{Role: "secretary", PersonName: "甲", TermStart: "2021-02-01"})
				return err
			}, "role"},
			{"second leader", func() error {
				_, err := svc.AddMember(ctx, c.City.ID, org.MemberInput{Role: org.SeatLeader, PersonName: "甲", TermStart: "2021-02-01"})
				return err
			}, "role"},
			{"replacement before the term began", func() error {
				_, err := svc.ReplaceMember(ctx, c.Leader.ID, org.Replacement{PersonName: "乙", OnDate: "2020-01-01", Version: c.Leader.Version})
				return err
			}, "on_date"},
			{"seat ended before it began", func() error {
				_, err := svc.EndMember(ctx, c.MemberEdu.ID, "2020-08-06", c.MemberEdu.Version)
				return err
			}, "on_date"},
			{"liaison for a unit that is not a member", func() error {
				_, err := svc.CreateLiaison(ctx, c.City.ID, org.LiaisonInput{UnitID: c.Government.ID, Name: "甲"})
				return err
			}, "unit_id"},
			{"liaison with a malformed e-mail", func() error {
				_, err := svc.CreateLiaison(ctx, c.City.ID, org.LiaisonInput{UnitID: c.Edu.ID, Name: "甲", Email: "a@@b"})
				return err
			}, "email"},
			{"oversized duty", func() error {
				_, err := svc.AddDuty(ctx, c.City.ID, org.DutyInput{Scope: org.DutyCommon, Text: strings.Repeat("职", org.MaxTextLen+1)})
				return err
			}, "text"},
			{"invalid duty scope", func() error {
				_, err := svc.AddDuty(ctx, c.City.ID, org.DutyInput{Scope: "everyone", Text: "x"})
				return err
			}, "scope"},
			{"unit duty for a non-member", func() error {
				_, err := svc.AddDuty(ctx, c.City.ID, org.DutyInput{Scope: org.DutyUnit, UnitID: c.Government.ID, Text: "x"})
				return err
			}, "unit_id"},
			{"empty body name", func() error {
				_, err := svc.UpdateBody(ctx, c.City.ID, org.BodyUpdate{Name: "", Version: c.City.Version})
				return err
			}, "name"},
			{"body office in a missing unit", func() error {
				_, err := svc.UpdateBody(ctx, c.City.ID, org.BodyUpdate{Name: "x", OfficeUnitID: 999999, Version: c.City.Version})
				return err
			}, "office_unit_id"},
			{"malformed roster date", func() error {
				_, err := svc.Roster(ctx, c.City.ID, "2020-08-6")
				return err
			}, "date"},
		}
		for _, tc := range cases {
			before := snapshot(t, d)
			err := tc.do()
			if core.ErrorCode(err) != core.EINVALID {
				t.Errorf("%s: %v, want invalid", tc.name, err)
				continue
			}
			msg := core.FieldErrors(err)[tc.field]
			if msg == "" {
				t.Errorf("%s: field errors %v, want one on %s", tc.name, core.FieldErrors(err), tc.field)
			}
			if !strings.ContainsFunc(msg, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Errorf("%s: message %q is not Chinese", tc.name, msg)
			}
			if after := snapshot(t, d); after != before {
				t.Errorf("%s: the database changed", tc.name)
			}
		}
	})
}

func TestStaleVersionsConflict(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := as(c.cityOffice)
		svc := c.svc

		// Two people open the unit page; both save.
		first, err := svc.UpdateUnit(ctx, c.Keji.ID, org.UnitInput{RegionID: c.Liuzhou.ID, Name: "柳州市科学技术局", ShortName: "市科技局",
			Kind: org.UnitGovernment, Aliases: []string{"科技局"}, Version: c.Keji.Version})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.UpdateUnit(ctx, c.Keji.ID, org.UnitInput{RegionID: c.Liuzhou.ID, Name: "柳州市科技局（覆盖）",
			Kind: org.UnitGovernment, Version: c.Keji.Version})
		wantCode(t, "second unit save", err, core.ECONFLICT)
		if msg := core.ErrorMessage(err); !strings.Contains(msg, "已被他人修改") {
			t.Errorf("conflict message %q", msg)
		}
		got, _ := svc.GetUnit(ctx, c.Keji.ID)
		if got.Name != "柳州市科学技术局" || got.Version != first.Version || len(got.Aliases) != 1 || got.Aliases[0] != "科技局" {
			t.Errorf("unit after conflict = %+v", got)
		}

		_, err = svc.UpdateBody(ctx, c.City.ID, org.BodyUpdate{Name: c.City.Name, OfficeUnitID: c.Kexie.ID, OfficeDept: "科普部", Version: c.City.Version})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.UpdateBody(ctx, c.City.ID, org.BodyUpdate{Name: "覆盖", Version: c.City.Version})
		wantCode(t, "second body save", err, core.ECONFLICT)

		_, err = svc.UpdateLiaison(ctx, c.LiaisonKeji.ID, org.LiaisonInput{UnitID: c.Keji.ID, Name: "刘强", Phone: "13700002223", Active: true, Version: c.LiaisonKeji.Version})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.UpdateLiaison(as(c.cityOffice), c.LiaisonKeji.ID, org.LiaisonInput{UnitID: c.Keji.ID, Name: "覆盖", Active: true, Version: c.LiaisonKeji.Version})
		wantCode(t, "second liaison save", err, core.ECONFLICT)

		ds, _ := svc.ListDuties(ctx, c.City.ID)
		duty := ds[0].Duties[0]
		if _, err := svc.UpdateDuty(ctx, duty.ID, org.DutyUpdate{Text: "新内容", Version: duty.Version}); err != nil {
			t.Fatal(err)
		}
		_, err = svc.UpdateDuty(ctx, duty.ID, org.DutyUpdate{Text: "覆盖", Version: duty.Version})
		wantCode(t, "second duty save", err, core.ECONFLICT)

		_, err = svc.EndMember(ctx, c.MemberKeji.ID, "2021-01-01", c.MemberKeji.Version+5)
		wantCode(t, "end seat with a stale version", err, core.ECONFLICT)
	})
}

func TestDutiesAreNumberedAndReordered(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := as(c.cityOffice)
		svc := c.svc
		third, err := svc.AddDuty(ctx, c.City.ID, org.DutyInput{Scope: org.DutyCommon, Text: "第三条"})
		if err != nil {
			t.Fatal(err)
		}
		if third.Seq != 3 {
			t.Errorf("new duty numbered %d, want 3", third.Seq)
		}
		common := func() []org.Duty {
			ls, err := svc.ListDuties(ctx, c.City.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range ls {
				if l.Scope == org.DutyCommon {
					return l.Duties
				}
			}
			return nil
		}
		texts := func(ds []org.Duty) string {
			var s []string
			for _, d := range ds {
				s = append(s, fmt.Sprintf("%d.%s", d.Seq, d.Text))
			}
			return strings.Join(s, " ")
		}
		if err := svc.MoveDuty(ctx, third.ID, -1, third.Version); err != nil {
			t.Fatal(err)
		}
		if got, want := texts(common()), "1.制定本单位年度科学素质工作计划并组织实施。 2.第三条 3.按时报送本单位工作进展和年度总结。"; got != want {
			t.Errorf("after move up: %s", got)
		}
		cur := common()
		// A reorder naming a different set of duties is a conflict.
		err = svc.ReorderDuties(ctx, c.City.ID, org.DutyCommon, 0, []int64{cur[2].ID, cur[0].ID})
		wantCode(t, "reorder with a missing duty", err, core.ECONFLICT)
		if err := svc.ReorderDuties(ctx, c.City.ID, org.DutyCommon, 0, []int64{cur[2].ID, cur[1].ID, cur[0].ID}); err != nil {
			t.Fatal(err)
		}
		cur = common()
		if cur[0].Text != "按时报送本单位工作进展和年度总结。" || cur[2].Seq != 3 {
			t.Errorf("after reorder: %s", texts(cur))
		}
		if err := svc.DeleteDuty(ctx, cur[0].ID, cur[0].Version); err != nil {
			t.Fatal(err)
		}
		if got := texts(common()); got != "1.第三条 2.制定本单位年度科学素质工作计划并组织实施。" {
			t.Errorf("after delete: %s", got)
		}
		// The unit's list is its own numbering, headed by the unit's name.
		ls, _ := svc.ListDuties(ctx, c.City.ID)
		last := ls[len(ls)-1]
		if last.Scope != org.DutyUnit || last.Title() != "柳州市教育局具体职责" || len(last.Duties) != 2 || last.Duties[1].Seq != 2 {
			t.Errorf("unit list = %+v", last)
		}
	})
}

func TestEndMembershipDeactivatesTheUnitsLiaisons(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := as(c.cityOffice)
		mu := mustMemberUnit(t, c, c.City.ID, c.Keji.ID)
		ended, err := c.svc.EndMembership(ctx, mu.ID, "2021-05-01")
		if err != nil {
			t.Fatal(err)
		}
		if ended.LeftOn != "2021-05-01" {
			t.Errorf("ended = %+v", ended)
		}
		l, _ := c.svc.GetLiaison(ctx, c.LiaisonKeji.ID)
		if l.Active {
			t.Errorf("liaison of a unit that left is still active")
		}
		r, _ := c.svc.Roster(ctx, c.City.ID, "2021-04-30")
		r2, _ := c.svc.Roster(ctx, c.City.ID, "2021-05-01")
		if len(r.MemberUnits) != 5 || len(r2.MemberUnits) != 4 {
			t.Errorf("member units before/after = %d/%d", len(r.MemberUnits), len(r2.MemberUnits))
		}
		_, err = c.svc.EndMembership(ctx, mu.ID, "2021-06-01")
		wantCode(t, "ending twice", err, core.ECONFLICT)
		// It may join again from the day it left.
		if _, err := c.svc.AddMemberUnit(ctx, c.City.ID, org.MemberUnitInput{UnitID: c.Keji.ID, JoinedOn: "2021-05-01"}); err != nil {
			t.Errorf("rejoin: %v", err)
		}
	})
}

func TestUnitListFiltersAndPages(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := as(c.liaisonEdu)
		find := func(f org.UnitFilter) ([]string, int) {
			us, n, err := c.svc.ListUnits(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, u := range us {
				names = append(names, u.Name)
			}
			return names, n
		}
		if names, n := find(org.UnitFilter{Query: "科技局"}); n != 1 || names[0] != "柳州市科学技术局" {
			t.Errorf("alias search = %v %d", names, n)
		}
		if names, n := find(org.UnitFilter{Query: "科学技术协会"}); n != 3 || len(names) != 3 {
			t.Errorf("name search = %v %d", names, n)
		}
		if _, n := find(org.UnitFilter{Query: "100%"}); n != 0 {
			t.Errorf("LIKE wildcard not escaped: %d", n)
		}
		if names, n := find(org.UnitFilter{Kind: org.UnitParty}); n != 1 || names[0] != "中共柳州市委组织部" {
			t.Errorf("kind filter = %v", names)
		}
		if _, n := find(org.UnitFilter{RegionID: c.Liucheng.ID}); n != 2 {
			t.Errorf("region filter = %d", n)
		}
		page1, n := find(org.UnitFilter{Page: core.Page{Limit: 4}})
		page3, n3 := find(org.UnitFilter{Page: core.Page{Limit: 4, Offset: 8}})
		past, n4 := find(org.UnitFilter{Page: core.Page{Limit: 4, Offset: 40}})
		if n != 9 || len(page1) != 4 || n3 != 9 || len(page3) != 1 || n4 != 9 || len(past) != 0 {
			t.Errorf("paging: %d %v / %d %v / %d %v", n, page1, n3, page3, n4, past)
		}
		u, _, _ := c.svc.ListUnits(ctx, org.UnitFilter{Query: "市科协"})
		if len(u) != 1 || len(u[0].Aliases) != 1 || u[0].Aliases[0] != "柳州市科协" {
			t.Errorf("aliases on list = %+v", u)
		}
		_, _, err := c.svc.ListUnits(ctx, org.UnitFilter{Kind: "x"})
		wantCode(t, "bad kind filter", err, core.EINVALID)
	})
}

func TestCreateSubordinateBody(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		var cz region.Region
		r, err := c.svc.CreateRegion(as(c.cityOffice), region.Region{Code: "450202", Name: "城中区", Level: region.County, ParentID: c.Liuzhou.ID})
		if err != nil {
			t.Fatal(err)
		}
		cz = *r
		b, err := c.svc.CreateBody(as(c.cityOffice), org.BodyInput{Kind: org.LeadingGroup, Name: "城中区全民科学素质工作领导小组",
			RegionID: cz.ID, ParentID: c.City.ID})
		if err != nil {
			t.Fatal(err)
		}
		if b.ParentName != c.City.Name || b.RegionName != "城中区" {
			t.Errorf("body = %+v", b)
		}
		_, err = c.svc.CreateBody(as(c.cityOffice), org.BodyInput{Kind: org.LeadingGroup, Name: "重复", RegionID: cz.ID, ParentID: c.City.ID})
		if core.FieldErrors(err)["kind"] == "" {
			t.Errorf("second leading group in a region: %v", err)
		}
		_, err = c.svc.CreateBody(as(c.liuchengOffice), org.BodyInput{Kind: org.JointConference, Name: "联席会议", RegionID: c.Liuzhou.ID, ParentID: c.LiuchengBody.ID})
		if core.FieldErrors(err)["region_id"] == "" {
			t.Errorf("county creates a city-level body: %v", err)
		}
		_, err = c.svc.CreateBody(as(c.liuchengOffice), org.BodyInput{Kind: org.JointConference, Name: "联席会议", RegionID: c.Liuzhou.ID, ParentID: c.City.ID})
		wantCode(t, "county creates under the city", err, core.ENOTFOUND)
		_, err = c.svc.CreateRegion(as(c.liuchengOffice), region.Region{Code: "450203", Name: "鱼峰区", Level: region.County, ParentID: c.Liuzhou.ID})
		if core.FieldErrors(err)["parent_id"] == "" {
			t.Errorf("county office adds a region beside it: %v", err)
		}
	})
}

func TestRosterExportOpensBackInExcelize(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := as(c.leader)
		var buf bytes.Buffer
		if err := c.svc.ExportRoster(ctx, &buf, c.City.ID, "2021-01-01"); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("成员名单")
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "柳州市全民科学素质工作领导小组成员名单（2021-01-01）" {
			t.Errorf("title = %q", rows[0][0])
		}
		if strings.Join(rows[1], "|") != "序号|职务|姓名|单位及职务|所在单位|任职日期" {
			t.Errorf("headers = %q", rows[1])
		}
		if strings.Join(rows[2], "|") != "1|组长|侯刚|市委常委、副市长|柳州市人民政府|2020-08-06" {
			t.Errorf("first seat = %q", rows[2])
		}
		if len(rows) != 2+8+1 || rows[10][1] != "办公室设在" || rows[10][2] != "柳州市科学技术协会科普部" || rows[9][1] != "办公室主任" {
			t.Errorf("rows = %q", rows)
		}
		var n int
		if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'export.roster'
			AND object_id = $1 AND actor_role = 'leader'`, fmt.Sprint(c.City.ID)).Scan(&n); err != nil || n != 1 {
			t.Errorf("export.roster audit rows = %d, %v", n, err)
		}

		// A liaison's export of the liaison list is masked like the screen.
		buf.Reset()
		if err := c.svc.ExportLiaisons(as(c.liaisonEdu), &buf, c.City.ID); err != nil {
			t.Fatal(err)
		}
		f, err = excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		lrows, _ := f.GetRows("联络员名单")
		var sawOwn, sawMasked bool
		for _, r := range lrows[2:] {
			if r[1] == "柳州市教育局" && r[4] == "13900001111" {
				sawOwn = true
			}
			if r[1] == "柳州市科学技术协会" && r[4] == "138****8000" {
				sawMasked = true
			}
		}
		if !sawOwn || !sawMasked {
			t.Errorf("liaison export rows = %q", lrows)
		}
		// Out of scope: nothing exported, nothing recorded as exported.
		buf.Reset()
		err = c.svc.ExportRoster(as(c.liuchengOffice), &buf, c.City.ID, "")
		wantCode(t, "county exports city roster", err, core.ENOTFOUND)
		if buf.Len() != 0 {
			t.Errorf("bytes written on refusal")
		}
	})
}

func TestExportUnitsReadsEveryPage(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := context.Background()
		n := core.MaxPageSize + 20
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			for i := range n {
				if _, err := org.InsertUnit(ctx, tx, c.clock.Now(), org.UnitInput{RegionID: c.Liucheng.ID,
					Name: fmt.Sprintf("批量单位%04d", i), Kind: org.UnitOther}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := c.svc.ExportUnits(as(c.liaisonEdu), &buf, org.UnitFilter{Query: "批量"}); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("单位名录")
		if len(rows) != 2+n || rows[2][1] != "批量单位0000" || rows[len(rows)-1][1] != fmt.Sprintf("批量单位%04d", n-1) {
			t.Errorf("%d rows, first %q, last %q", len(rows), rows[2], rows[len(rows)-1])
		}
	})
}
