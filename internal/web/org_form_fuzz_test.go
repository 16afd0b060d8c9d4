package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"liandong/internal/core"
	"liandong/internal/org"
)

// FuzzOrgFormDecoders posts arbitrary bodies and query strings to the
// decoders that turn the registry's HTML forms into input structs
// (SECURITY.md D1): unitForm, liaisonForm and the number, id and alias
// helpers. They must never panic; they read only the posted body, never
// the query string; numbers come through exactly or as the value the
// domain refuses; and an input that validates holds exactly what was
// typed, trimmed.
func FuzzOrgFormDecoders(f *testing.F) {
	seeds := []struct{ body, query, pathID string }{
		{"name=柳州市教育局&short_name=市教育局&kind=government&region_id=3&aliases=教育局%0A市教育局&version=2", "", "7"},
		{"unit_id=4&name=蒋文&post=科员&phone=0772-2625843转801&email=jw%40example.cn&active=1", "name=evil", "12"},
		{"name=%3Cscript%3Ealert(1)%3C%2Fscript%3E&kind=other&region_id=+1+&sort_order=-0", "", "0"},
		{"name=a&name=b&region_id=9223372036854775808&sort_order=1e3&version=0x10", "region_id=5", "-1"},
		{"aliases=a、b，c,d%0D%0Ae%0D%0A%0D%0A&name=a&kind=party&region_id=1", "", "9223372036854775807"},
		{"name=%ZZ&%=&&=&kind", "%zz=1&name=q", "１"},
		{"name=%00&post=%E2%80%AE&phone=%2B1%2B1&email=%3D1%2B1%40evil.cn&active=true&unit_id=%091", "", " 1"},
		{"sort_order=+12+&unit_id=007", "", "007"},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.query, s.pathID)
	}
	f.Fuzz(func(t *testing.T, body []byte, query, pathID string) {
		r := formRequest(body, query)
		bodyOnly := formRequest(body, "")
		posted, _ := url.ParseQuery(string(body))

		unit := unitForm(r)
		if u2 := unitForm(bodyOnly); !sameUnitInput(unit, u2) {
			t.Errorf("the query string changed the unit form: %+v vs %+v", unit, u2)
		}
		for _, a := range unit.Aliases {
			if a == "" || strings.ContainsAny(a, "\n\r、,，") {
				t.Errorf("alias %q is empty or still holds a separator", a)
			}
		}
		checkInt(t, "region_id", posted, unit.RegionID)
		checkInt(t, "version", posted, unit.Version)
		if err := unit.Validate(); err == nil {
			if unit.Name != strings.TrimSpace(posted.Get("name")) || unit.Kind != org.UnitKind(posted.Get("kind")) {
				t.Errorf("accepted unit %+v is not what was posted: %v", unit, posted)
			}
			for _, a := range unit.Aliases {
				if !strings.Contains(posted.Get("aliases"), a) {
					t.Errorf("alias %q was not posted", a)
				}
			}
		}

		l := liaisonForm(r)
		if l2 := liaisonForm(bodyOnly); l != l2 {
			t.Errorf("the query string changed the liaison form: %+v vs %+v", l, l2)
		}
		if l.Active != (posted.Get("active") == "1") {
			t.Errorf("active = %v for %q", l.Active, posted.Get("active"))
		}
		checkInt(t, "unit_id", posted, l.UnitID)
		if err := l.Validate(); err == nil {
			for field, got := range map[string]string{"name": l.Name, "post": l.Post, "phone": l.Phone, "email": l.Email} {
				if got != strings.TrimSpace(posted.Get(field)) {
					t.Errorf("accepted liaison %s = %q, posted %q", field, got, posted.Get(field))
				}
			}
		}

		// An order that is not a number must reach the domain as one it
		// refuses, so the form names the field instead of reordering.
		so := formSortOrder(r)
		switch typed := strings.TrimSpace(posted.Get("sort_order")); {
		case typed == "":
			if so != 0 {
				t.Errorf("empty sort order decoded as %d", so)
			}
		default:
			n, err := strconv.ParseInt(typed, 10, 64)
			if err != nil && so != -1 || err == nil && so != n {
				t.Errorf("sort order %q decoded as %d", typed, so)
			}
		}

		if id := orgParseID(query); id < 0 {
			t.Errorf("orgParseID(%q) = %d", query, id)
		}
		r.SetPathValue("id", pathID)
		id, err := orgPathID(r, "id")
		if err != nil && (core.ErrorCode(err) != core.ENOTFOUND || id != 0) || err == nil && id <= 0 {
			t.Errorf("orgPathID(%q) = %d, %v", pathID, id, err)
		}
		if err == nil && strconv.FormatInt(id, 10) != strings.TrimLeft(pathID, "+0") {
			// Leading zeros and a plus sign are the only spellings
			// ParseInt forgives; anything else is a different page.
			t.Errorf("path id %q read as %d", pathID, id)
		}
	})
}

// formRequest is a POST of an urlencoded body to a URL with query.
func formRequest(body []byte, query string) *http.Request {
	r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// checkInt: an integer field comes through exactly when it is a decimal
// number, else as 0, which the domain reports as "please choose".
func checkInt(t *testing.T, field string, posted url.Values, got int64) {
	t.Helper()
	want, err := strconv.ParseInt(strings.TrimSpace(posted.Get(field)), 10, 64)
	if err != nil {
		want = 0
	}
	if got != want {
		t.Errorf("%s %q decoded as %d", field, posted.Get(field), got)
	}
}

func sameUnitInput(a, b org.UnitInput) bool {
	return a.RegionID == b.RegionID && a.Name == b.Name && a.ShortName == b.ShortName && a.Kind == b.Kind &&
		a.Version == b.Version && strings.Join(a.Aliases, "\x00") == strings.Join(b.Aliases, "\x00")
}
