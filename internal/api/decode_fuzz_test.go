package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"liandong/internal/core"
)

// decodeTargets are the request structs the API decodes, one per kind of
// body a client can send.
var decodeTargets = []func() any{
	func() any { return &RegionCreate{} }, func() any { return &RegionRename{} },
	func() any { return &BodyCreate{} }, func() any { return &BodyPatch{} },
	func() any { return &MemberUnitCreate{} }, func() any { return &MemberUnitEnd{} },
	func() any { return &MemberCreate{} }, func() any { return &MemberPatch{} },
	func() any { return &MemberReplace{} }, func() any { return &MemberEnd{} },
	func() any { return &LiaisonCreate{} }, func() any { return &LiaisonPatch{} },
	func() any { return &DutyCreate{} }, func() any { return &DutyPatch{} }, func() any { return &DutyReorder{} },
	func() any { return &UnitCreate{} }, func() any { return &UnitPatch{} },
	func() any { return &CreateUserRequest{} }, func() any { return &UpdateUserRequest{} },
}

// FuzzDecode sends arbitrary bodies to decode() for every request struct
// (SECURITY.md D1, B4). It must never panic; a refusal is a Chinese
// EINVALID error; and a body it accepts is exactly one JSON value whose
// every member is a field the struct declares, so that nothing a client
// adds, before or after the object, slips past the check.
func FuzzDecode(f *testing.F) {
	for i, s := range []string{
		`{"name":"柳州市教育局","kind":"government","region_id":3,"aliases":["市教育局"]}`,
		`{"name":"x","role":"system_admin"}`,
		`{"version":1}{"role":"system_admin"}`,
		`{"version":1} trailing`,
		`{"Name":"大小写","NAME":"再来"}`,
		`{"text":"\u0000\ud800"}`,
		`{"ids":[1,2,3],"scope":"unit","unit_id":1e400}`,
		`{"version":null,"name":null}`,
		`null`, `[]`, `"x"`, ``, `{`, `{"a":`, "{\"name\":\"\xff\"}",
		`{"person_name":"<script>alert(1)</script>","term_start":"2020-08-06","sort_order":-1}`,
		`{"body_ids":[1,-1],"password":"P@ssw0rd!","display_name":"王芳","unit_id":"1"}`,
		`  {"left_on":"2024-01-01"}  ` + "\n",
		`{"ſcope":"common","text":"Unicode case folding"}`,
	} {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		v := decodeTargets[int(which)%len(decodeTargets)]()
		r, _ := http.NewRequest(http.MethodPost, "/api/v1/x", bytes.NewReader(body))
		err := decode(r, v)
		if err != nil {
			var e *core.Error
			if !errors.As(err, &e) || e.Code != core.EINVALID ||
				!strings.ContainsFunc(e.Message, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Fatalf("decode refused with %#v, want a Chinese EINVALID error", err)
			}
			if e.Field != "" && !strings.Contains(e.Message, e.Field) {
				t.Errorf("refusal of field %q does not name it: %s", e.Field, e.Message)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("decode accepted %q, which is not exactly one JSON value", body)
		}
		var members map[string]json.RawMessage
		if json.Unmarshal(body, &members) != nil {
			return // null: nothing set
		}
		fields := declaredJSON(reflect.TypeOf(v).Elem())
		for name := range members {
			known := false
			for _, f := range fields {
				known = known || strings.EqualFold(name, f)
			}
			if !known {
				t.Errorf("decode into %T accepted the undeclared field %q", v, name)
			}
		}
	})
}

// declaredJSON lists the JSON names of t's fields.
func declaredJSON(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" {
			name = t.Field(i).Name
		}
		out = append(out, name)
	}
	return out
}
