package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzExtract feeds arbitrary text to the extractor: it must not panic,
// must return valid UTF-8 everywhere, every path must be well formed, and
// every item's Source (and TableSource) must lie within the input, on the
// right line, and start with the item's heading marker when the input is
// sliced there. The seed corpus is in testdata/fuzz/FuzzExtract and replays
// in every `go test` run.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		"一、目标\n(一)行动(牵头单位:州科协)\n1.任务。(责任单位:州教育局、团州委,各县〔市〕政府)",
		"\t工作任务\n\t主要内容\n\t牵头单位\n\t责任单位\n\t开展时间\n\t(一)类\n\t1.事\n\t市科协\n\t教育局等\n\t5-9月\n",
		"<p>⒈甲</p>&nbsp;㈠乙⑴丙(牵头单位:",
		"区科协牵头，区财政局配合。2025年比例达到9%",
		"第一部分 总体要求\r\n第一章 目标\r\n第一节 指标\r\n一、甲\r\n①戊\r\n②己",
		"（一）提升素养。一是开展活动，由区教育局牵头，区科协参与；二是办好大赛，由区科协负责；三是编印手册1万册。",
		"二、重点工程㈠社区工程（牵头单位：市科协；配合单位：市民政局；联系人：黄某）⒈建设大学。第 3 页 共 12 页⒉开展活动。- 4 -⒊推广。（代章）",
		"1.甲\n牵头部门：区科协\n配合单位：区民政局、区文\n旅局\n完成时限：每年5月中下旬\n2.乙。（责任单位：市科协（牵头）、各县（市、区）人民政府）",
		"一、任务\n（一）工程\n1.举办活动周。\n\t工作任务\n\t主要内容\n\t牵头单位\n\t责任单位\n\t完成时间\n\t（一）工程\n\t1.举办活动周。\n\t市科技局\n\t教育局\n\t5月中下旬\n\t\n\t4.新任务。\n\t市科协\n\t市财政局\n\t2022至2025年\n",
		"&#x4E00;、甲&#12288;&#40;一&#41;乙\u200b1.丙\xff\xfe(2)丁",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		res := Extract(text)
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		for _, g := range res.Goals {
			for _, s := range []string{g.Text, g.Metric, g.Comparator, g.Unit} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in goal %q", s)
				}
			}
		}
		for _, it := range res.Items {
			if len(it.Path) == 0 || len(it.Path) > maxDepth {
				t.Fatalf("path %q", it.Path)
			}
			for _, m := range it.Path {
				if !wellFormedMarker(m) {
					t.Fatalf("bad marker %q in %q", m, it.Path)
				}
			}
			if it.Kind != KindSection && it.Kind != KindTask {
				t.Fatalf("kind %q", it.Kind)
			}
			if it.Lead == nil || it.Responsible == nil || it.Targets == nil || it.Points == nil {
				t.Fatalf("nil list in %+v", it)
			}
			strs := append([]string{it.Title, it.Schedule, it.Audience}, it.Lead...)
			strs = append(strs, it.Responsible...)
			for _, tg := range it.Targets {
				strs = append(strs, tg.Text, tg.Metric, tg.Unit, tg.Period, tg.Comparator)
			}
			for _, p := range it.Points {
				strs = append(append(append(strs, p.Marker, p.Text), p.Lead...), p.Responsible...)
			}
			for _, s := range strs {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 %q", s)
				}
			}
			for _, u := range append(append([]string{}, it.Lead...), it.Responsible...) {
				if u == "" {
					t.Fatalf("empty unit name in %+v", it)
				}
			}
			if it.Window != nil {
				if _, ok := ParseSchedule(it.Schedule, 0); !ok {
					t.Fatalf("window without a schedule: %+v", it)
				}
			}
		}
		if msg := checkSources(text, res); msg != "" {
			t.Fatal(msg)
		}
	})
}

// wellFormedMarker accepts exactly the normalised marker forms.
func wellFormedMarker(m string) bool {
	lvl, marker, n := matchMarker(m)
	return lvl != 0 && marker == m && n == len(m)
}

// benchInput builds a plan of about 35 KB from the fixtures (seed 002 and
// 003 are about that size; the fixtures are used so the benchmark runs
// without ../shared).
func benchInput(b *testing.B) string {
	files, _ := filepath.Glob("testdata/fixtures/*.txt")
	var sb strings.Builder
	for sb.Len() < 35<<10 {
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			sb.Write(src)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// BenchmarkExtract measures a 35 KB plan; the issue asks for under 20 ms.
func BenchmarkExtract(b *testing.B) {
	in := benchInput(b)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Extract(in)
	}
}

// BenchmarkExtractSeeds measures the seed documents themselves (seed 003 is
// 34 KB), when ../shared/seeds is present.
func BenchmarkExtractSeeds(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(seedsDir(), "00[123]_*.txt"))
	if len(files) == 0 {
		b.Skip("seed documents not found")
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(f)[:3], func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				Extract(string(src))
			}
		})
	}
}
