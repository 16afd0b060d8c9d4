package source

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"liandong/internal/plan/extract"
)

// Seed 003 is the text Word's "save as plain text" wrote for a real plan
// with a decomposition table. Rebuilt as a .docx — its tab-cell lines as
// table cells, an empty category cell as a vertical-merge continuation —
// and read back, it must give the extractor the same tasks and units: the
// DOCX reader writes tables as Word does. Skipped without ../shared/seeds
// (or $LIANDONG_SEEDS).
func TestSeed003AsDOCX(t *testing.T) {
	dir := os.Getenv("LIANDONG_SEEDS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "seeds")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "003_*.txt"))
	if len(files) == 0 {
		t.Skip("seed 003 not found beside the repository")
	}
	src, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), "\r\n", "\n")

	// Paragraphs outside the table stay paragraphs; each run of tab-cell
	// lines up to a blank line becomes a table row.
	var body strings.Builder
	var cells [][]string // the row being built: each cell's paragraphs
	var rows []string
	flushRow := func() {
		if len(cells) == 0 {
			return
		}
		var cs []string
		for i, c := range cells {
			if len(c) == 1 && c[0] == "" {
				merge := ""
				if i == 0 {
					merge = "continue" // a blank category cell: merged from above
				}
				cs = append(cs, cell(merge))
				continue
			}
			cs = append(cs, cell("", c...))
		}
		rows = append(rows, row(cs...))
		cells = nil
	}
	flushTable := func() {
		flushRow()
		if len(rows) > 0 {
			body.WriteString(table(rows...))
			rows = nil
		}
	}
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "\t"):
			cells = append(cells, []string{strings.TrimSpace(l)})
		case strings.TrimSpace(l) == "":
			if len(cells) > 0 {
				flushRow()
			} else if len(rows) == 0 {
				body.WriteString(p(""))
			}
		case len(cells) > 0 && !isScheduleLike(cells[len(cells)-1]):
			c := cells[len(cells)-1]
			cells[len(cells)-1] = append(c, strings.TrimSpace(l))
		default:
			flushTable()
			body.WriteString(p(l))
		}
	}
	flushTable()

	d := mustRead(t, "003.docx", makeDOCX(t, body.String()))
	want, got := extract.Extract(text), extract.Extract(d.Text)
	tasks := func(r extract.Result) map[string]extract.Item {
		m := map[string]extract.Item{}
		for _, it := range r.Items {
			if it.Kind == extract.KindTask && len(it.Lead)+len(it.Responsible) > 0 {
				// Positions are in two different texts (the DOCX reader
				// writes fewer blank lines); everything else must agree.
				it.Source, it.TableSource = extract.Source{}, nil
				m[strings.Join(it.Path, "")+it.Title] = it
			}
		}
		return m
	}
	w, g := tasks(want), tasks(got)
	if len(w) < 10 {
		t.Fatalf("only %d tasks with units in the seed text", len(w))
	}
	for k, it := range w {
		if !reflect.DeepEqual(it, g[k]) {
			t.Errorf("task %s\n from text: %+v\n from docx: %+v", k, it, g[k])
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			t.Errorf("task %s only from docx: %+v", k, g[k])
		}
	}
}

// isScheduleLike reports whether a cell is a short time cell, after which a
// line without a tab is the document again, not a continuation.
func isScheduleLike(c []string) bool {
	last := c[len(c)-1]
	return len([]rune(last)) <= 12 && strings.ContainsAny(last, "月年") && len(c) == 1
}
