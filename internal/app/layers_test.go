package app

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The import direction ARCHITECTURE.md describes: HTTP packages never
// write SQL, and domain packages never speak HTTP or render HTML, nor reach
// up into the layers that call them.
func TestLayersImportOneWay(t *testing.T) {
	rules := map[string][]string{
		"web":          {"database/sql"},
		"api":          {"database/sql"},
		"org":          {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app"},
		"region":       {"net/http", "html/template", "liandong/internal/org", "liandong/internal/httpx", "liandong/internal/app"},
		"auth":         {"net/http", "html/template", "liandong/internal/org", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app"},
		"audit":        {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app"},
		"demo":         {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app"},
		"plan":         {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app"},
		"plan/extract": {"net/http", "html/template", "database/sql", "liandong/internal/db"},
		"plan/source":  {"net/http", "html/template", "database/sql", "liandong/internal/db"},
		"report":       {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app", "liandong/internal/datacall"},
		"datacall":     {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app", "liandong/internal/report"},
		"file":         {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app", "liandong/internal/report", "liandong/internal/datacall", "liandong/internal/plan"},
		"notify":       {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app", "liandong/internal/report", "liandong/internal/datacall"},
		"job":          {"net/http", "html/template", "liandong/internal/web", "liandong/internal/api", "liandong/internal/httpx", "liandong/internal/app", "liandong/internal/report", "liandong/internal/datacall", "liandong/internal/notify"},
		"search":       {"net/http", "database/sql", "liandong/internal/db"},
		"db":           {"net/http", "liandong/internal/org", "liandong/internal/auth", "liandong/internal/audit"},
		"core":         {"database/sql", "net/http", "liandong/internal/db"},
	}
	for dir, forbidden := range rules {
		files, err := filepath.Glob(filepath.Join("..", dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("package %s: no files (%v)", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range af.Imports {
				path, _ := strconv.Unquote(im.Path.Value)
				for _, bad := range forbidden {
					if path == bad {
						t.Errorf("%s imports %s, against the layering in ARCHITECTURE.md", f, path)
					}
				}
			}
		}
	}
}
