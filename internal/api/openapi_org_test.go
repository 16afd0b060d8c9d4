package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"liandong/internal/org"
	"liandong/internal/region"
)

// openAPIDoc is the part of an OpenAPI 3 document the tests read.
type openAPIDoc struct {
	OpenAPI    string `json:"openapi"`
	Info       struct{ Title, Version string }
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]json.RawMessage `json:"schemas"`
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"components"`
}

type openAPIOp struct {
	Parameters []struct {
		Name     string `json:"name"`
		In       string `json:"in"`
		Required bool   `json:"required"`
	} `json:"parameters"`
	Responses map[string]json.RawMessage `json:"responses"`
}

func loadOpenAPI(t *testing.T) (*openAPIDoc, map[string]any) {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(openapiJSON, &raw); err != nil {
		t.Fatal(err)
	}
	return &doc, raw
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// TestEveryAPIRouteIsDescribed walks the API's route table: each route's
// method and path (without /api/v1) is an operation of openapi.json, each
// documented operation is served, and the document is well-formed OpenAPI
// 3: every operation answers something, declares its path parameters, and
// every $ref points at a component that exists.
func TestEveryAPIRouteIsDescribed(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Error("info.title and info.version are required")
	}
	served := map[string]bool{}
	for _, rt := range (&Server{}).Routes() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		p, found := strings.CutPrefix(path, "/api/v1")
		if !ok || !found {
			t.Errorf("route %q is not under /api/v1", rt.Pattern)
			continue
		}
		key := strings.ToLower(method) + " " + p
		served[key] = true
		if _, ok := doc.Paths[p][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is not described in openapi.json (want paths[%q].%s)", rt.Pattern, p, strings.ToLower(method))
		}
	}
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	for p, item := range doc.Paths {
		for m, rawOp := range item {
			if !slices.Contains(methods, m) {
				continue // parameters, summary, …
			}
			name := m + " " + p
			if !served[name] {
				t.Errorf("openapi.json describes %s, which no route serves", name)
			}
			var op openAPIOp
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if len(op.Responses) == 0 {
				t.Errorf("%s: no responses", name)
			}
			success := false
			for code := range op.Responses {
				success = success || strings.HasPrefix(code, "2")
			}
			if !success {
				t.Errorf("%s: no 2xx response", name)
			}
			for _, m := range pathParam.FindAllStringSubmatch(p, -1) {
				declared := false
				for _, prm := range op.Parameters {
					declared = declared || (prm.In == "path" && prm.Name == m[1] && prm.Required)
				}
				if !declared {
					t.Errorf("%s: path parameter %q is not declared as a required path parameter", name, m[1])
				}
			}
		}
	}
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "$ref" && !refResolves(raw, s) {
					t.Errorf("%s: $ref %q does not resolve", where, s)
				}
				walk(where+"/"+k, x)
			}
		case []any:
			for _, x := range v {
				walk(where, x)
			}
		}
	}
	walk("#", raw)
}

// refResolves follows a local JSON pointer ("#/components/schemas/Body").
func refResolves(doc map[string]any, ref string) bool {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}

// jsonFields lists the JSON names of a struct type's fields.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// TestOrgSchemasMatchTheTypes keeps the registry's schemas honest: each
// documents exactly the JSON fields of the Go type the API decodes or
// encodes, and every request schema is closed (additionalProperties:
// false), as decode() refuses unknown fields (SECURITY.md B4).
func TestOrgSchemasMatchTheTypes(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	requests := map[string]any{
		"RegionCreate": RegionCreate{}, "RegionRename": RegionRename{}, "BodyCreate": BodyCreate{}, "BodyPatch": BodyPatch{},
		"MemberUnitCreate": MemberUnitCreate{}, "MemberUnitEnd": MemberUnitEnd{}, "MemberCreate": MemberCreate{},
		"MemberPatch": MemberPatch{}, "MemberReplace": MemberReplace{}, "MemberEnd": MemberEnd{},
		"LiaisonCreate": LiaisonCreate{}, "LiaisonPatch": LiaisonPatch{}, "DutyCreate": DutyCreate{},
		"DutyPatch": DutyPatch{}, "DutyReorder": DutyReorder{}, "UnitCreate": UnitCreate{}, "UnitPatch": UnitPatch{},
	}
	responses := map[string]any{
		"Region": region.Region{}, "Body": org.Body{}, "Unit": org.Unit{}, "MemberUnit": org.MemberUnit{},
		"Member": org.Member{}, "Seat": org.Seat{}, "Liaison": org.Liaison{}, "Duty": org.Duty{}, "Roster": org.Roster{},
	}
	check := func(name string, v any, closed bool) {
		rawSchema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s is missing", name)
			return
		}
		var s struct {
			Properties           map[string]json.RawMessage `json:"properties"`
			Required             []string                   `json:"required"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
		}
		if err := json.Unmarshal(rawSchema, &s); err != nil {
			t.Errorf("schema %s: %v", name, err)
			return
		}
		var documented []string
		for k := range s.Properties {
			documented = append(documented, k)
		}
		slices.Sort(documented)
		if want := jsonFields(reflect.TypeOf(v)); !slices.Equal(documented, want) {
			t.Errorf("schema %s documents %v; the type has %v", name, documented, want)
		}
		for _, r := range s.Required {
			if _, ok := s.Properties[r]; !ok {
				t.Errorf("schema %s requires %q, which it does not define", name, r)
			}
		}
		if closed && (s.AdditionalProperties == nil || *s.AdditionalProperties) {
			t.Errorf("request schema %s must say additionalProperties: false", name)
		}
	}
	for name, v := range requests {
		check(name, v, true)
	}
	for name, v := range responses {
		check(name, v, false)
	}
	// Every write of the registry documents its refusal codes.
	for _, rt := range (&Server{}).orgRoutes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if method == http.MethodGet {
			continue
		}
		var op openAPIOp
		_ = json.Unmarshal(doc.Paths[strings.TrimPrefix(path, "/api/v1")][strings.ToLower(method)], &op)
		for _, code := range []string{"401", "403", "422"} {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s does not document %s", rt.Pattern, code)
			}
		}
	}
}
