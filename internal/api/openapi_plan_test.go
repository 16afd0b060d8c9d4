package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"liandong/internal/plan"
	"liandong/internal/plan/extract"
)

// flatJSONFields lists the JSON names of a struct type's fields, with the
// fields of embedded structs in place, as encoding/json writes them.
func flatJSONFields(t reflect.Type) []string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			out = append(out, flatJSONFields(f.Type)...)
			continue
		}
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

type schemaDoc struct {
	Properties           map[string]json.RawMessage `json:"properties"`
	Required             []string                   `json:"required"`
	AdditionalProperties *bool                      `json:"additionalProperties"`
}

// TestPlanSchemasMatchTheTypes keeps the plans' schemas honest: each
// documents exactly the JSON fields of the Go type the API decodes or
// encodes, every request schema is closed (decode() refuses unknown
// fields, B4), and every change documents its refusals. The extractor's
// item grows as it learns more: its schema must name only fields that
// exist and stay open.
func TestPlanSchemasMatchTheTypes(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	requests := map[string]any{
		"PlanCreate": PlanCreate{}, "PlanPatch": PlanPatch{}, "PlanTransition": PlanTransition{},
		"ItemCreate": ItemCreate{}, "ItemPut": ItemPut{}, "ItemStatusChange": ItemStatusChange{}, "Target": plan.Target{},
		"PhaseSet": PhaseSet{}, "PhaseInput": PhaseInput{}, "GoalCreate": GoalCreate{}, "MeasureRecord": MeasureRecord{},
		"KeyPointsCreate": KeyPointsCreate{}, "PreviewRequest": PreviewRequest{}, "ReviewRequest": ReviewRequest{},
		"ImportRequest": ImportRequest{}, "ImportPlan": ImportPlan{}, "Mapping": plan.Mapping{}, "CascadeAssign": CascadeAssign{},
	}
	responses := map[string]any{
		"Plan": plan.Plan{}, "PlanDetail": PlanDetail{}, "Item": plan.Item{}, "Assignment": plan.Assignment{},
		"Cascade": plan.Cascade{}, "UnitRef": plan.UnitRef{}, "ItemTable": ItemTable{}, "Goal": plan.Goal{},
		"Measure": plan.Measure{}, "Phase": plan.Phase{}, "PhaseList": PhaseList{}, "Change": plan.Change{},
		"FieldChange": plan.FieldChange{}, "Inbound": plan.Inbound{}, "UnitTask": plan.UnitTask{}, "Match": plan.Match{},
		"Preview": plan.Preview{}, "PlanPreview": PlanPreview{}, "ExtractResult": extract.Result{},
		"ExtractGoal": extract.Goal{}, "ExtractTarget": extract.Target{}, "ExtractWindow": extract.Window{},
		"ExtractPoint": extract.Point{}, "ExtractSource": extract.Source{},
		"PlanList": List[plan.Plan]{}, "ChangeList": List[plan.Change]{}, "InboundList": List[plan.Inbound]{},
		"UnitTaskList": List[plan.UnitTask]{},
	}
	growing := map[string]any{"ExtractItem": extract.Item{}}
	load := func(name string) (*schemaDoc, []string) {
		raw, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s is missing", name)
			return nil, nil
		}
		var s schemaDoc
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Errorf("schema %s: %v", name, err)
			return nil, nil
		}
		var documented []string
		for k := range s.Properties {
			documented = append(documented, k)
		}
		slices.Sort(documented)
		for _, r := range s.Required {
			if _, ok := s.Properties[r]; !ok {
				t.Errorf("schema %s requires %q, which it does not define", name, r)
			}
		}
		return &s, documented
	}
	for name, v := range requests {
		if s, documented := load(name); s != nil {
			if want := flatJSONFields(reflect.TypeOf(v)); !slices.Equal(documented, want) {
				t.Errorf("schema %s documents %v; the type has %v", name, documented, want)
			}
			if s.AdditionalProperties == nil || *s.AdditionalProperties {
				t.Errorf("request schema %s must say additionalProperties: false", name)
			}
		}
	}
	for name, v := range responses {
		if s, documented := load(name); s != nil {
			if want := flatJSONFields(reflect.TypeOf(v)); !slices.Equal(documented, want) {
				t.Errorf("schema %s documents %v; the type has %v", name, documented, want)
			}
		}
	}
	for name, v := range growing {
		if s, documented := load(name); s != nil {
			have := flatJSONFields(reflect.TypeOf(v))
			for _, f := range documented {
				if !slices.Contains(have, f) {
					t.Errorf("schema %s documents %q, which %T does not have", name, f, v)
				}
			}
			if s.AdditionalProperties == nil || !*s.AdditionalProperties {
				t.Errorf("schema %s must stay open (additionalProperties: true): the extractor adds fields", name)
			}
		}
	}
	for _, rt := range (&Server{}).planRoutes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		var op openAPIOp
		_ = json.Unmarshal(doc.Paths[strings.TrimPrefix(path, "/api/v1")][strings.ToLower(method)], &op)
		codes := []string{"401", "403"}
		if method != http.MethodGet {
			codes = append(codes, "422")
		}
		if strings.Contains(path, "{") {
			codes = append(codes, "404")
		}
		if rt.MaxBody > 0 {
			codes = append(codes, "413")
		}
		for _, code := range codes {
			if _, ok := op.Responses[code]; !ok {
				t.Errorf("%s does not document %s", rt.Pattern, code)
			}
		}
	}
}
