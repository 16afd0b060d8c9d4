package org_test

import (
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"liandong/internal/core"
	"liandong/internal/org"
)

// Fuzz targets for the registry's input validators (SECURITY.md D1). Each
// target feeds arbitrary strings and numbers to one Validate and checks:
//
//   - it never panics;
//   - a refusal is a list of core EINVALID errors, each naming a field of
//     the input and carrying a Chinese message;
//   - each free-text field is refused exactly when an independent oracle
//     says it breaks its documented rule (trimmed, valid UTF-8, no control
//     characters, within its length, present if required), so that the
//     validator neither lets bad text through nor refuses good text;
//   - an accepted input is normalised: every invariant holds, and
//     validating it again changes nothing.
//
// `go test` replays the seeds below and the corpus in testdata/fuzz;
// `go test -fuzz=FuzzUnitInput ./internal/org/` explores further.

// nasty are the seeds every text target starts from.
var nasty = []string{
	"", " ", "柳州市教育局", "  市科协\u3000", "<script>alert(1)</script>", "=HYPERLINK(\"http://evil\")",
	"a\x00b", "a\nb", "\xff\xfe", "\u202Eevil", "零\u200B宽", "\t缩进", strings.Repeat("长", 100),
	strings.Repeat("长", 101), "2020-08-06", "2020-02-30", " 2020-08-06 ", "１２３", "\r\n",
}

// refusal checks err is a validation refusal whose fields are all among
// fields, and returns the set of fields refused.
func refusal(t *testing.T, err error, fields ...string) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	if err == nil {
		return got
	}
	var es core.Errors
	if !errors.As(err, &es) {
		t.Fatalf("refusal is %T (%v), want core.Errors", err, err)
	}
	if len(es) == 0 {
		t.Fatal("refusal with no field errors")
	}
	for _, e := range es {
		if e.Code != core.EINVALID {
			t.Errorf("field %q: code %q, want %q", e.Field, e.Code, core.EINVALID)
		}
		known := false
		for _, f := range fields {
			known = known || e.Field == f
		}
		if !known {
			t.Errorf("error names field %q, not one of %v", e.Field, fields)
		}
		if !chinese(e.Message) {
			t.Errorf("field %q: message %q is not Chinese", e.Field, e.Message)
		}
		got[e.Field] = true
	}
	return got
}

// chinese reports whether s contains a Han character: every user-facing
// message is written in Chinese.
func chinese(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// lineOK is the oracle for one-line text: after trimming, raw must be
// valid UTF-8 without control characters, at most max characters, and
// present if required.
func lineOK(raw string, max int, required bool) bool {
	s := strings.TrimSpace(raw)
	if s == "" {
		return !required
	}
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r < 0xa0 {
			return false
		}
	}
	return utf8.RuneCountInString(s) <= max
}

// textOK is the oracle for paragraphs: like lineOK, but line feeds, CRLF
// and tabs are allowed, and the text is required.
func textOK(raw string, max int) bool {
	s := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r >= 0x7f && r < 0xa0 {
			return false
		}
	}
	return utf8.RuneCountInString(s) <= max
}

var dateShape = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// dateOK is the oracle for dates: empty if optional, else YYYY-MM-DD, a
// real calendar day between 1949 and 2100.
func dateOK(raw string, required bool) bool {
	s := strings.TrimSpace(raw)
	if s == "" {
		return !required
	}
	if !dateShape.MatchString(s) {
		return false
	}
	d, err := time.Parse("2006-01-02", s)
	return err == nil && d.Year() >= 1949 && d.Year() <= 2100
}

// agree fails when the validator's verdict on field differs from the
// oracle's.
func agree(t *testing.T, refused map[string]bool, field string, ok bool, raw string) {
	t.Helper()
	if refused[field] == ok {
		t.Errorf("field %s = %q: refused=%v, but the rule says valid=%v", field, raw, refused[field], ok)
	}
}

// normalLine checks an accepted one-line value is in normal form.
func normalLine(t *testing.T, field, s string, max int) {
	t.Helper()
	if s != strings.TrimSpace(s) || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) ||
		utf8.RuneCountInString(s) > max {
		t.Errorf("accepted %s %q is not trimmed, clean UTF-8 of at most %d characters", field, s, max)
	}
}

// normalDate checks an accepted date is a real day written YYYY-MM-DD.
func normalDate(t *testing.T, field, s string) {
	t.Helper()
	if !org.ValidDate(s) || !dateShape.MatchString(s) {
		t.Errorf("accepted %s %q is not a YYYY-MM-DD date", field, s)
	}
}

func addStrings(f *testing.F, n int, extra func(i int) []any) {
	for i := range nasty {
		args := make([]any, 0, n+2)
		for j := 0; j < n; j++ {
			args = append(args, nasty[(i+j*5)%len(nasty)])
		}
		f.Add(append(args, extra(i)...)...)
	}
}

func FuzzUnitInput(f *testing.F) {
	addStrings(f, 3, func(i int) []any { return []any{"government", int64(i - 1)} })
	f.Add("柳州市教育局", "市教育局", "教育局\n市教育局、教育局，柳州市教育局", "government", int64(1))
	f.Fuzz(func(t *testing.T, name, short, aliases, kind string, regionID int64) {
		raw := strings.Split(aliases, "\n")
		in := org.UnitInput{RegionID: regionID, Name: name, ShortName: short, Kind: org.UnitKind(kind), Aliases: raw}
		err := in.Validate()
		refused := refusal(t, err, "region_id", "name", "short_name", "kind", "aliases")
		agree(t, refused, "region_id", regionID > 0, "")
		agree(t, refused, "name", lineOK(name, org.MaxNameLen, true), name)
		agree(t, refused, "short_name", lineOK(short, org.MaxNameLen, false), short)
		agree(t, refused, "kind", org.UnitKind(kind).Valid(), kind)
		aliasesOK := true
		distinct := map[string]bool{strings.TrimSpace(name): true}
		for _, a := range raw {
			aliasesOK = aliasesOK && lineOK(a, org.MaxNameLen, false)
			if a = strings.TrimSpace(a); a != "" {
				distinct[a] = true
			}
		}
		aliasesOK = aliasesOK && len(distinct)-1 <= org.MaxAliases
		agree(t, refused, "aliases", aliasesOK, aliases)
		if err != nil {
			return
		}
		normalLine(t, "name", in.Name, org.MaxNameLen)
		normalLine(t, "short_name", in.ShortName, org.MaxNameLen)
		seen := map[string]bool{in.Name: true}
		for _, a := range in.Aliases {
			normalLine(t, "alias", a, org.MaxNameLen)
			if a == "" || seen[a] {
				t.Errorf("aliases %q keep an empty, repeated or name-equal alias %q", in.Aliases, a)
			}
			seen[a] = true
		}
		again := in
		again.Aliases = append([]string(nil), in.Aliases...)
		if err := again.Validate(); err != nil || !sameUnit(again, in) {
			t.Errorf("validating an accepted unit again: %v, %+v → %+v", err, in, again)
		}
	})
}

func sameUnit(a, b org.UnitInput) bool {
	return a.RegionID == b.RegionID && a.Name == b.Name && a.ShortName == b.ShortName && a.Kind == b.Kind &&
		strings.Join(a.Aliases, "\x00") == strings.Join(b.Aliases, "\x00")
}

func FuzzBodyInput(f *testing.F) {
	addStrings(f, 3, func(i int) []any { return []any{[]string{"leading_group", "joint_conference", "x"}[i%3], int64(i)} })
	f.Fuzz(func(t *testing.T, name, dept, prefix, kind string, regionID int64) {
		in := org.BodyInput{Kind: org.BodyKind(kind), Name: name, RegionID: regionID, OfficeDept: dept, DocPrefix: prefix}
		err := in.Validate()
		refused := refusal(t, err, "kind", "name", "region_id", "office_dept", "doc_prefix")
		agree(t, refused, "kind", org.BodyKind(kind).Valid(), kind)
		agree(t, refused, "region_id", regionID > 0, "")
		agree(t, refused, "name", lineOK(name, org.MaxNameLen, true), name)
		agree(t, refused, "office_dept", lineOK(dept, org.MaxNameLen, false), dept)
		agree(t, refused, "doc_prefix", lineOK(prefix, org.MaxPrefixLen, false), prefix)

		up := org.BodyUpdate{Name: name, OfficeDept: dept, DocPrefix: prefix}
		uerr := up.Validate()
		urefused := refusal(t, uerr, "name", "office_dept", "doc_prefix")
		for _, field := range []string{"name", "office_dept", "doc_prefix"} {
			if urefused[field] != refused[field] {
				t.Errorf("field %s: create and update disagree (%v, %v)", field, refused[field], urefused[field])
			}
		}
		if err != nil {
			return
		}
		normalLine(t, "name", in.Name, org.MaxNameLen)
		normalLine(t, "office_dept", in.OfficeDept, org.MaxNameLen)
		normalLine(t, "doc_prefix", in.DocPrefix, org.MaxPrefixLen)
		if again := in; again.Validate() != nil || again != in {
			t.Errorf("validating an accepted body again changed it: %+v", in)
		}
	})
}

func FuzzMemberInput(f *testing.F) {
	addStrings(f, 3, func(i int) []any {
		return []any{[]string{"leader", "deputy_leader", "member", "office_director", "组长"}[i%5], int64(i*100_000 - 1)}
	})
	f.Add("周建国", "副市长", "2020-08-06", "leader", int64(0))
	f.Add("周建国", "副市长", "1948-12-31", "leader", int64(1_000_001))
	f.Fuzz(func(t *testing.T, name, position, start, role string, order int64) {
		in := org.MemberInput{Role: org.SeatRole(role), PersonName: name, Position: position, TermStart: start, SortOrder: order}
		err := in.Validate()
		refused := refusal(t, err, "role", "person_name", "position", "term_start", "sort_order")
		agree(t, refused, "role", org.SeatRole(role).Valid(), role)
		agree(t, refused, "person_name", lineOK(name, org.MaxNameLen, true), name)
		agree(t, refused, "position", lineOK(position, org.MaxNameLen, false), position)
		agree(t, refused, "term_start", dateOK(start, true), start)
		agree(t, refused, "sort_order", order >= 0 && order <= org.MaxSortOrder, "")

		// A correction checks the same fields the same way.
		up := org.MemberUpdate{PersonName: name, Position: position, SortOrder: order}
		urefused := refusal(t, up.Validate(), "person_name", "position", "sort_order")
		for _, field := range []string{"person_name", "position", "sort_order"} {
			if urefused[field] != refused[field] {
				t.Errorf("field %s: seat and correction disagree (%v, %v)", field, refused[field], urefused[field])
			}
		}
		if err != nil {
			return
		}
		normalLine(t, "person_name", in.PersonName, org.MaxNameLen)
		normalLine(t, "position", in.Position, org.MaxNameLen)
		normalDate(t, "term_start", in.TermStart)
		if again := in; again.Validate() != nil || again != in {
			t.Errorf("validating an accepted seat again changed it: %+v", in)
		}
	})
}

func FuzzReplacement(f *testing.F) {
	addStrings(f, 3, func(i int) []any { return []any{int64(i)} })
	f.Add("吴晓东", "市教育局局长", "2024-02-29", int64(3))
	f.Fuzz(func(t *testing.T, name, position, onDate string, unitID int64) {
		in := org.Replacement{PersonName: name, Position: position, OnDate: onDate, UnitID: unitID, Version: 1}
		err := in.Validate()
		refused := refusal(t, err, "person_name", "position", "on_date")
		agree(t, refused, "person_name", lineOK(name, org.MaxNameLen, true), name)
		agree(t, refused, "position", lineOK(position, org.MaxNameLen, false), position)
		agree(t, refused, "on_date", dateOK(onDate, true), onDate)
		if err != nil {
			return
		}
		normalLine(t, "person_name", in.PersonName, org.MaxNameLen)
		normalLine(t, "position", in.Position, org.MaxNameLen)
		normalDate(t, "on_date", in.OnDate)
	})
}

func FuzzMemberUnitInput(f *testing.F) {
	for i, d := range nasty {
		f.Add(d, int64(i-2), int64(i*99_999))
	}
	f.Add("2016-06-01", int64(1), int64(0))
	f.Add("2100-12-31", int64(1), int64(1_000_000))
	f.Add("2101-01-01", int64(1), int64(-1))
	f.Fuzz(func(t *testing.T, joined string, unitID, order int64) {
		in := org.MemberUnitInput{UnitID: unitID, JoinedOn: joined, SortOrder: order}
		err := in.Validate()
		refused := refusal(t, err, "unit_id", "joined_on", "sort_order")
		agree(t, refused, "unit_id", unitID > 0, "")
		agree(t, refused, "joined_on", dateOK(joined, true), joined)
		agree(t, refused, "sort_order", order >= 0 && order <= org.MaxSortOrder, "")
		if err == nil {
			normalDate(t, "joined_on", in.JoinedOn)
		}
	})
}

func FuzzLiaisonInput(f *testing.F) {
	addStrings(f, 4, func(i int) []any { return []any{int64(i - 1)} })
	f.Add("蒋文", "科员", "0772-2625843转801", "jiangwen@example.cn", int64(1))
	f.Add("蒋文", "科员", "+86 138 0000 1111", "蒋文 <jiangwen@example.cn>", int64(1))
	f.Add("蒋文", "科员", "-2+3", "=1+1@evil.cn", int64(1))
	f.Fuzz(func(t *testing.T, name, post, phone, email string, unitID int64) {
		in := org.LiaisonInput{UnitID: unitID, Name: name, Post: post, Phone: phone, Email: email, Active: true}
		err := in.Validate()
		refused := refusal(t, err, "unit_id", "name", "post", "phone", "email")
		agree(t, refused, "unit_id", unitID > 0, "")
		agree(t, refused, "name", lineOK(name, org.MaxNameLen, true), name)
		agree(t, refused, "post", lineOK(post, org.MaxNameLen, false), post)
		phoneOK := lineOK(phone, org.MaxPhoneLen, false) && !strings.ContainsFunc(strings.TrimSpace(phone), func(r rune) bool {
			return !(r >= '0' && r <= '9' || strings.ContainsRune(" -+()、,，/转", r))
		})
		agree(t, refused, "phone", phoneOK, phone)
		if err != nil {
			if !lineOK(email, org.MaxEmailLen, false) && !refused["email"] {
				t.Errorf("email %q breaks the text rule but was not refused", email)
			}
			return
		}
		normalLine(t, "name", in.Name, org.MaxNameLen)
		normalLine(t, "post", in.Post, org.MaxNameLen)
		normalLine(t, "phone", in.Phone, org.MaxPhoneLen)
		normalLine(t, "email", in.Email, org.MaxEmailLen)
		if in.Email != "" {
			// A bare address only: no display name, no angle brackets, no
			// comments, so that what is shown and mailed is what was typed.
			a, perr := mail.ParseAddress(in.Email)
			if perr != nil || a.Address != in.Email || a.Name != "" || !strings.Contains(in.Email, "@") ||
				strings.ContainsAny(in.Email, "<> \"") {
				t.Errorf("accepted e-mail %q is not a bare address", in.Email)
			}
		}
		// Masking a stored phone never reveals a run of five digits.
		if m := org.MaskPhone(in.Phone); longDigitRun.MatchString(m) {
			t.Errorf("MaskPhone(%q) = %q shows five digits in a row", in.Phone, m)
		}
		if again := in; again.Validate() != nil || again != in {
			t.Errorf("validating an accepted liaison again changed it: %+v", in)
		}
	})
}

var longDigitRun = regexp.MustCompile(`[0-9]{5}`)

func FuzzDutyInput(f *testing.F) {
	for i, s := range nasty {
		f.Add(s, []string{"common", "office", "liaison", "unit", "其他"}[i%5], int64(i%3))
	}
	f.Add(strings.Repeat("职责", 1000), "common", int64(0))
	f.Add(strings.Repeat("职责", 1000)+"多", "unit", int64(2))
	f.Add("一、制定计划；\r\n二、报送总结。\t", "office", int64(0))
	f.Add("第一行\r第二行", "office", int64(0))
	f.Fuzz(func(t *testing.T, text, scope string, unitID int64) {
		in := org.DutyInput{Scope: org.DutyScope(scope), UnitID: unitID, Text: text}
		err := in.Validate()
		refused := refusal(t, err, "scope", "unit_id", "text")
		agree(t, refused, "scope", org.DutyScope(scope).Valid(), scope)
		agree(t, refused, "unit_id", !(org.DutyScope(scope) == org.DutyUnit && unitID <= 0), "")
		agree(t, refused, "text", textOK(text, org.MaxTextLen), text)
		urefused := refusal(t, (&org.DutyUpdate{Text: text, Version: 1}).Validate(), "text")
		if urefused["text"] != refused["text"] {
			t.Errorf("text %q: add and edit disagree", text)
		}
		if err != nil {
			return
		}
		if in.Text != strings.TrimSpace(in.Text) || !utf8.ValidString(in.Text) || strings.Contains(in.Text, "\r") ||
			utf8.RuneCountInString(in.Text) > org.MaxTextLen {
			t.Errorf("accepted duty text %q is not normalised", in.Text)
		}
		if (in.Scope == org.DutyUnit) != (in.UnitID > 0) {
			t.Errorf("accepted duty of scope %s has unit %d: the schema requires a unit exactly for unit duties", in.Scope, in.UnitID)
		}
	})
}

// FuzzMaskPhone: whatever a phone field holds, the masked form shows no
// run of five digits (SECURITY.md H2), and masking (phone or e-mail)
// never panics.
func FuzzMaskPhone(f *testing.F) {
	for _, s := range []string{"13877248000", "0772-2625843转801", "+86 13877248000", "1234567890123456789", "\xff1234567", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m := org.MaskPhone(s); longDigitRun.MatchString(m) {
			t.Errorf("MaskPhone(%q) = %q", s, m)
		}
		_ = org.MaskEmail(s)
	})
}
