package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"liandong/internal/report"
)

// TestReportSchemasMatchTheTypes: each request schema documents exactly
// the fields the API decodes, and is closed (B4); the report's schema
// names exactly its JSON fields.
func TestReportSchemasMatchTheTypes(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	for name, v := range map[string]any{"ReportKey": report.Key{}, "ReportDraft": report.DraftInput{}, "ReportFigureInput": report.FigureInput{},
		"ReportFileInput": report.FileInput{}, "ReportReview": ReviewIn{}, "Report": report.Report{}, "ReportFigure": report.Figure{},
		"ReportAttach": report.Attach{}, "ReportRevision": report.Revision{}, "ReportAccess": report.Access{}} {
		var s schemaDoc
		if err := json.Unmarshal(doc.Components.Schemas[name], &s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for k := range s.Properties {
			got = append(got, k)
		}
		slices.Sort(got)
		if want := flatJSONFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("%s documents %v, the type has %v", name, got, want)
		}
		request := name == "ReportKey" || name == "ReportDraft" || name == "ReportFigureInput" || name == "ReportFileInput" || name == "ReportReview"
		if request && (s.AdditionalProperties == nil || *s.AdditionalProperties) {
			t.Errorf("request schema %s is not closed", name)
		}
	}
}
