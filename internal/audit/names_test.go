package audit

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every action the product records is shown to the audit administrator in
// Chinese: a new action without a name would appear as its code.
func TestEveryRecordedActionHasAChineseName(t *testing.T) {
	re := regexp.MustCompile(`(?:Action:\s*|action\s*=\s*)"([a-z_]+\.[a-z_]+)"`)
	seen := map[string]string{}
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 20 {
		t.Fatalf("found only %d recorded actions; the pattern no longer matches the code", len(seen))
	}
	for a, file := range seen {
		if ActionName(a) == a {
			t.Errorf("action %q (recorded in %s) has no Chinese name", a, file)
		}
	}
}
