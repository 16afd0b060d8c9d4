package region_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"liandong/internal/core"
	"liandong/internal/region"
)

// FuzzRegion feeds arbitrary codes, names and levels to Validate and
// CheckParent (SECURITY.md D1). Neither may panic; a refusal names the
// field in Chinese; an accepted region has a six-digit GB/T 2260 code of
// the shape its level requires, a clean trimmed name, and a parent of the
// right level whose code it continues.
func FuzzRegion(f *testing.F) {
	seeds := []struct{ code, name, level, pcode, plevel string }{
		{"450200", "柳州市", "city", "450000", "province"},
		{"450222", "柳城县", "county", "450200", "city"},
		{"429004", "仙桃市", "county", "420000", "province"},
		{"450000", "广西壮族自治区", "province", "", ""},
		{"450200", "柳州市", "city", "", ""},
		{"460200", "三亚市", "city", "450000", "province"},
		{" 450222 ", " 柳城县\u3000", "county", "450200", "city"},
		{"４５０２００", "柳州市", "city", "450000", "province"},
		{"45020", "柳\x00州", "city", "4", "province"},
		{"450201", "<script>alert(1)</script>", "county", "450222", "county"},
		{"000000", "\xff", "province", "", ""},
		{"450200", strings.Repeat("区", 101), "省级", "450000", "province"},
	}
	for _, s := range seeds {
		f.Add(s.code, s.name, s.level, s.pcode, s.plevel)
	}
	f.Fuzz(func(t *testing.T, code, name, level, pcode, plevel string) {
		r := region.Region{Code: code, Name: name, Level: region.Level(level)}
		err := r.Validate()
		refused := fieldsOf(t, err)
		for f := range refused {
			if f != "code" && f != "name" && f != "level" {
				t.Errorf("Validate names field %q", f)
			}
		}
		if refused["level"] == region.Level(level).Valid() {
			t.Errorf("level %q: refused=%v", level, refused["level"])
		}
		tc, tn := strings.TrimSpace(code), strings.TrimSpace(name)
		codeOK := sixDigits(tc) && (!region.Level(level).Valid() || shape(tc, region.Level(level)))
		if refused["code"] == codeOK {
			t.Errorf("code %q (level %q): refused=%v", code, level, refused["code"])
		}
		nameOK := tn != "" && utf8.ValidString(tn) && !strings.ContainsFunc(tn, unicode.IsControl) &&
			utf8.RuneCountInString(tn) <= region.MaxNameLen
		if refused["name"] == nameOK {
			t.Errorf("name %q: refused=%v", name, refused["name"])
		}
		if err != nil {
			return
		}
		if r.Code != tc || r.Name != tn {
			t.Errorf("accepted region not trimmed: %q %q", r.Code, r.Name)
		}

		// A parent is read from the database, whose schema admits only
		// the three levels; any code may be stored there.
		var parent *region.Region
		if region.Level(plevel).Valid() {
			parent = &region.Region{Code: pcode, Level: region.Level(plevel)}
		}
		perr := region.CheckParent(&r, parent)
		for f := range fieldsOf(t, perr) {
			if f != "code" && f != "parent_id" {
				t.Errorf("CheckParent names field %q", f)
			}
		}
		if perr != nil {
			return
		}
		switch r.Level {
		case region.Province:
			if parent != nil {
				t.Errorf("province %s accepted under %+v", r.Code, parent)
			}
		case region.City:
			if parent == nil || parent.Level != region.Province || parent.Code[:2] != r.Code[:2] {
				t.Errorf("city %s accepted under %+v", r.Code, parent)
			}
		case region.County:
			ok := parent != nil && (parent.Level == region.Province && parent.Code[:2] == r.Code[:2] ||
				parent.Level == region.City && len(parent.Code) >= 4 && parent.Code[:4] == r.Code[:4])
			if !ok {
				t.Errorf("county %s accepted under %+v", r.Code, parent)
			}
		}
	})
}

// fieldsOf checks err is a validation refusal with Chinese messages and
// returns the fields it names.
func fieldsOf(t *testing.T, err error) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	if err == nil {
		return got
	}
	var es core.Errors
	var one *core.Error
	switch {
	case errors.As(err, &es):
	case errors.As(err, &one):
		es = core.Errors{one}
	default:
		t.Fatalf("refusal is %T: %v", err, err)
	}
	for _, e := range es {
		if e.Code != core.EINVALID || e.Field == "" ||
			!strings.ContainsFunc(e.Message, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("refusal %+v is not a Chinese EINVALID field error", e)
		}
		got[e.Field] = true
	}
	return got
}

func sixDigits(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// shape is GB/T 2260 written out: a province is NN0000, a city NNMM00
// with MM not 00, a county anything not ending in 00.
func shape(code string, l region.Level) bool {
	switch l {
	case region.Province:
		return code[:2] != "00" && code[2:] == "0000"
	case region.City:
		return code[2:4] != "00" && code[4:] == "00"
	default:
		return code[4:] != "00"
	}
}
