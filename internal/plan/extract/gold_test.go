package extract

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldFile is a hand-checked labelling of one part of a seed document.
// The labels were drafted from an early extractor run and then checked
// against the seed text line by line, and by two independent scripts (the
// raw "(责任单位:…)" lists of seed 002, the tab cells of seed 003's table);
// a change that moves these numbers must be justified against the source.
type goldFile struct {
	Seed  string `json:"seed"`
	From  string `json:"from"` // the part starts at the first occurrence of From ("" = start)
	To    string `json:"to"`   // and ends before the next occurrence of To ("" = end)
	Note  string `json:"note"`
	Goals []struct {
		Metric     string  `json:"metric"`
		Comparator string  `json:"comparator"`
		Value      float64 `json:"value"`
		Year       int     `json:"year"`
	} `json:"goals"`
	Assignments []struct {
		Path string `json:"path"`
		Role string `json:"role"`
		Unit string `json:"unit"`
	} `json:"assignments"`
	Targets []struct {
		Path       string  `json:"path"`
		Text       string  `json:"text"`
		Comparator string  `json:"comparator"`
		Value      float64 `json:"value"`
		Unit       string  `json:"unit"`
		Period     string  `json:"period"`
	} `json:"targets"`
	Schedules []struct {
		Path     string `json:"path"`
		Schedule string `json:"schedule"`
	} `json:"schedules"`
}

// seedsDir finds the shared seed documents: $LIANDONG_SEEDS, or ../shared/seeds
// beside the repository. The gold test is skipped when they are absent.
func seedsDir() string {
	if d := os.Getenv("LIANDONG_SEEDS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "..", "shared", "seeds")
}

// minQuality is the bar: 95% precision and recall.
const minQuality = 0.95

// TestGold measures the extractor on the seed documents against the gold
// labels: precision and recall of (task, unit, role) assignments, of
// targets, of goals and (where labelled) of schedules, logged per document.
func TestGold(t *testing.T) {
	dir := seedsDir()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("seed documents not found at %s", dir)
	}
	files, err := filepath.Glob("testdata/gold/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no gold files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var g goldFile
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &g); err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(filepath.Join(dir, g.Seed))
			if err != nil {
				t.Skipf("seed %s: %v", g.Seed, err)
			}
			text := slice(t, string(src), g.From, g.To)
			res := Extract(text)

			want, got := set{}, set{}
			for _, a := range g.Assignments {
				want.add(a.Path, a.Role, a.Unit)
			}
			tw, tg := set{}, set{}
			for _, x := range g.Targets {
				tw.add(x.Path, x.Comparator, fmt.Sprint(x.Value), x.Unit, x.Period)
			}
			sw, sg := set{}, set{}
			for _, x := range g.Schedules {
				sw.add(x.Path, x.Schedule)
			}
			for _, it := range res.Items {
				p := strings.Join(it.Path, "/")
				for _, u := range it.Lead {
					got.add(p, "lead", u)
				}
				for _, u := range it.Responsible {
					got.add(p, "responsible", u)
				}
				for _, x := range it.Targets {
					tg.add(p, x.Comparator, fmt.Sprint(x.Value), x.Unit, x.Period)
				}
				if it.Kind == KindTask && len(g.Schedules) > 0 {
					sg.add(p, it.Schedule)
				}
			}
			gw, gg := set{}, set{}
			for _, x := range g.Goals {
				gw.add(x.Metric, x.Comparator, fmt.Sprint(x.Value), fmt.Sprint(x.Year))
			}
			for _, x := range res.Goals {
				gg.add(x.Metric, x.Comparator, fmt.Sprint(x.Value), fmt.Sprint(x.Year))
			}
			check(t, g.Seed+" assignments", want, got)
			check(t, g.Seed+" targets", tw, tg)
			check(t, g.Seed+" goals", gw, gg)
			check(t, g.Seed+" schedules", sw, sg)
		})
	}
}

func slice(t *testing.T, s, from, to string) string {
	if from != "" {
		i := strings.Index(s, from)
		if i < 0 {
			t.Fatalf("marker %q not in seed", from)
		}
		s = s[i:]
	}
	if to != "" {
		i := strings.Index(s, to)
		if i < 0 {
			t.Fatalf("marker %q not in seed", to)
		}
		s = s[:i]
	}
	return s
}

type set map[string]bool

func (s set) add(parts ...string) { s[strings.Join(parts, " | ")] = true }

// check logs precision and recall of got against want and fails below the bar.
func check(t *testing.T, what string, want, got set) {
	t.Helper()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	hit := 0
	for k := range got {
		if want[k] {
			hit++
		}
	}
	prec, rec := ratio(hit, len(got)), ratio(hit, len(want))
	t.Logf("%s: precision %.3f (%d/%d) recall %.3f (%d/%d)", what, prec, hit, len(got), rec, hit, len(want))
	if prec < minQuality || rec < minQuality {
		for k := range got {
			if !want[k] {
				t.Logf("  extra:   %s", k)
			}
		}
		for k := range want {
			if !got[k] {
				t.Logf("  missing: %s", k)
			}
		}
		t.Errorf("%s below %.0f%%", what, minQuality*100)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
