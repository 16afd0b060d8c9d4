package org_test

import (
	"strings"
	"testing"

	"liandong/internal/core"
	"liandong/internal/org"
)

func TestMaskPhoneHidesTheMiddleOfEachNumber(t *testing.T) {
	cases := map[string]string{
		"13877248000":             "138****8000",
		"+86 13877248000":         "+86 138****8000",
		"0772-2625843":            "0772-26****43",
		"2625843  13877246160":    "26****43  138****6160",
		"0772-2625843转801":        "0772-26****43转801",
		"12345":                   "****",
		"":                        "",
		"13877248000/13977248001": "138****8000/139****8001",
	}
	for in, want := range cases {
		if got := org.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
	if got := org.MaskEmail("lzkxkpb@163.com"); got != "l***@163.com" {
		t.Errorf("MaskEmail = %q", got)
	}
}

func TestValidDateWantsACalendarDateInFull(t *testing.T) {
	for d, want := range map[string]bool{
		"2020-08-06": true, "2020-02-29": true, "2021-02-29": false, "2020-8-6": false,
		"2020/08/06": false, "20200806": false, "": false, "1900-01-01": false, "2020-08-06T00:00": false,
	} {
		if got := org.ValidDate(d); got != want {
			t.Errorf("ValidDate(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestPadNameSpacesTwoCharacterNames(t *testing.T) {
	if got := org.PadName("侯刚"); got != "侯\u3000刚" {
		t.Errorf("PadName(侯刚) = %q", got)
	}
	if got := org.PadName("郑晓鸿"); got != "郑晓鸿" {
		t.Errorf("PadName(郑晓鸿) = %q", got)
	}
}

func TestSeatHistoryFollowsReplacements(t *testing.T) {
	rows := []org.Member{
		{ID: 1, Role: org.SeatMember, PersonName: "甲", TermStart: "2019-01-01", TermEnd: "2020-08-06", SortOrder: 20},
		{ID: 2, Role: org.SeatLeader, PersonName: "组长甲", TermStart: "2019-01-01", SortOrder: 10},
		{ID: 3, Role: org.SeatMember, PersonName: "乙", TermStart: "2020-08-06", TermEnd: "2021-03-01", ReplacesID: 1, SortOrder: 20},
		{ID: 4, Role: org.SeatMember, PersonName: "丁", TermStart: "2019-01-01", SortOrder: 10},
		{ID: 5, Role: org.SeatMember, PersonName: "丙", TermStart: "2021-03-01", ReplacesID: 3, SortOrder: 20},
	}
	seats := org.SeatHistory(rows)
	if len(seats) != 3 {
		t.Fatalf("seats = %+v", seats)
	}
	var got []string
	for _, s := range seats {
		var names []string
		for _, h := range s.Holders {
			names = append(names, h.PersonName)
		}
		got = append(got, string(s.Role)+":"+strings.Join(names, ">"))
	}
	if want := "leader:组长甲 member:丁 member:甲>乙>丙"; strings.Join(got, " ") != want {
		t.Errorf("seats = %q, want %q", strings.Join(got, " "), want)
	}
	chain := seats[2].Holders
	if chain[0].ReplacedByID != 3 || chain[1].ReplacedByID != 5 || chain[2].ReplacedByID != 0 {
		t.Errorf("replaced-by links: %d %d %d", chain[0].ReplacedByID, chain[1].ReplacedByID, chain[2].ReplacedByID)
	}
}

func TestBuildRosterKeepsOnlyWhoHeldTheSeatOnTheDate(t *testing.T) {
	seats := []org.Member{
		{ID: 1, Role: org.SeatLeader, PersonName: "旧组长", TermStart: "2019-01-01", TermEnd: "2020-08-06"},
		{ID: 2, Role: org.SeatLeader, PersonName: "新组长", TermStart: "2020-08-06", ReplacesID: 1},
		{ID: 3, Role: org.SeatDeputy, PersonName: "副组长", TermStart: "2021-01-01"},
	}
	before := org.BuildRoster(org.Body{}, "2020-08-05", seats, nil)
	on := org.BuildRoster(org.Body{}, "2020-08-06", seats, nil)
	if len(before.Leaders) != 1 || before.Leaders[0].PersonName != "旧组长" || len(before.Deputies) != 0 {
		t.Errorf("day before: %+v", before)
	}
	// The replacement date belongs to the successor.
	if len(on.Leaders) != 1 || on.Leaders[0].PersonName != "新组长" {
		t.Errorf("on the day: %+v", on)
	}
}

func TestBuildTreeNestsVisibleBodies(t *testing.T) {
	bodies := []org.Body{{ID: 1, Name: "市"}, {ID: 2, Name: "县甲", ParentID: 1}, {ID: 3, Name: "县乙", ParentID: 1}, {ID: 9, Name: "外县", ParentID: 7}}
	tree := org.BuildTree(bodies)
	if len(tree) != 2 || tree[0].Body.ID != 1 || len(tree[0].Children) != 2 || tree[1].Body.ID != 9 {
		t.Errorf("tree = %+v", tree)
	}
}

func TestInputValidationNamesTheField(t *testing.T) {
	long := strings.Repeat("长", org.MaxNameLen+1)
	cases := []struct {
		name  string
		err   error
		field string
	}{
		{"unit without name", (&org.UnitInput{RegionID: 1, Kind: org.UnitGovernment}).Validate(), "name"},
		{"unit name too long", (&org.UnitInput{RegionID: 1, Name: long, Kind: org.UnitGovernment}).Validate(), "name"},
		{"unit bad kind", (&org.UnitInput{RegionID: 1, Name: "市教育局", Kind: "ministry"}).Validate(), "kind"},
		{"unit without region", (&org.UnitInput{Name: "市教育局", Kind: org.UnitGovernment}).Validate(), "region_id"},
		{"body bad kind", (&org.BodyInput{Kind: "committee", Name: "x", RegionID: 1}).Validate(), "kind"},
		{"seat bad role", (&org.MemberInput{Role: "chair", PersonName: "甲", TermStart: "2020-01-01"}).Validate(), "role"},
		{"seat bad date", (&org.MemberInput{Role: org.SeatMember, PersonName: "甲", TermStart: "2020-13-01"}).Validate(), "term_start"},
		{"replacement without date", (&org.Replacement{PersonName: "乙"}).Validate(), "on_date"},
		{"liaison bad email", (&org.LiaisonInput{UnitID: 1, Name: "甲", Email: "not-an-address"}).Validate(), "email"},
		{"liaison bad phone", (&org.LiaisonInput{UnitID: 1, Name: "甲", Phone: "call me"}).Validate(), "phone"},
		{"duty without unit", (&org.DutyInput{Scope: org.DutyUnit, Text: "x"}).Validate(), "unit_id"},
		{"duty too long", (&org.DutyInput{Scope: org.DutyCommon, Text: strings.Repeat("责", org.MaxTextLen+1)}).Validate(), "text"},
		{"duty control char", (&org.DutyInput{Scope: org.DutyCommon, Text: "a\x00b"}).Validate(), "text"},
	}
	for _, c := range cases {
		if core.ErrorCode(c.err) != core.EINVALID || core.FieldErrors(c.err)[c.field] == "" {
			t.Errorf("%s: %v, want invalid on %s", c.name, c.err, c.field)
		}
	}
	// A multi-line duty is fine.
	ok := org.DutyInput{Scope: org.DutyCommon, Text: "第一行\r\n第二行"}
	if err := ok.Validate(); err != nil || ok.Text != "第一行\n第二行" {
		t.Errorf("multi-line duty: %v %q", err, ok.Text)
	}
}
