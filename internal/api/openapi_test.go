package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEveryRouteIsDescribed: openapi.json describes every API route with
// its method, and nothing that is not a route.
func TestEveryRouteIsDescribed(t *testing.T) {
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapiJSON, &spec); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	routes := map[string]bool{}
	for _, rt := range (&Server{}).Routes() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			t.Errorf("route %q is not under /api/v1/", rt.Pattern)
			continue
		}
		path = strings.TrimPrefix(path, "/api/v1")
		key := strings.ToLower(method) + " " + path
		routes[key] = true
		if _, ok := spec.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("openapi.json does not describe %s", rt.Pattern)
		}
	}
	for path, ops := range spec.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			if !routes[method+" "+path] {
				t.Errorf("openapi.json describes %s %s, which is not a route", strings.ToUpper(method), path)
			}
		}
	}
}
