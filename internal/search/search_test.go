package search

import (
	"slices"
	"strings"
	"testing"
)

func TestTermsAreBigramsOfEachRun(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"柳州市教育局"}, "柳州 州市 市教 教育 育局"},
		// A barrier word between runs and texts.
		{[]string{"柳州市教育局", "市教育局"}, "柳州 州市 市教 教育 育局 0 市教 教育 育局"},
		// Letters are folded; punctuation and spaces end a run; a run of
		// one character gives nothing.
		{[]string{"EDU-Center 科协（筹）"}, "ed du 0 ce en nt te er 0 科协"},
		{[]string{"100%_中心"}, "10 00 0 中心"},
		{[]string{"X", "（筹）", ""}, ""},
		// Fullwidth letters are not indexed (see indexed).
		{[]string{"ＡＢ科普"}, "科普"},
		// Extension B ideographs are.
		{[]string{"𠮷野家"}, "𠮷野 野家"},
		// The Kelvin sign is a k to PostgreSQL's LOWER().
		{[]string{"\u212AB"}, "kb"},
	} {
		if got := Terms(c.in...); got != c.want {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseQueryTakesTheLongestRun(t *testing.T) {
	for _, c := range []struct {
		in    string
		want  string
		exact bool
		ok    bool
	}{
		{"教育局", "教育 育局", true, true},
		{"科普", "科普", true, true},
		{"2021年", "20 02 21 1年", true, true},
		{"局", "", false, false},
		{"Edu", "ed du", false, true},
		{"edu", "ed du", false, true},
		{"A科技", "a科 科技", false, true},
		{"科协（筹委会）", "筹委 委会", false, true},
		{"教育 局", "教育", false, true},
		{"100%", "10 00", false, true},
		{`%_\`, "", false, false},
		{"a b c", "", false, false},
		{"", "", false, false},
	} {
		got, ok := ParseQuery(c.in)
		if got.Phrase != c.want || got.Exact != c.exact || ok != c.ok {
			t.Errorf("ParseQuery(%q) = %+v, %v; want %q, exact %v, %v", c.in, got, ok, c.want, c.exact, c.ok)
		}
	}
}

var propertyTexts = []string{
	"柳州市科学技术协会", "中共柳州市委组织部", "柳州市科协", "丙市第十二区教育局", "X教育", "育局Y",
	"EDU-Center 教育中心", "100%科普_Lab", `C:\科技馆\2021`, "科普（筹）Ｂ座", "𠮷野家科普馆", "aaaa", "Science Hub",
	"教育（育局）", "\u212Aelvin", "1212", "第一百二十一县",
}

// substrings calls fn with every substring of every text, in upper, lower
// and original case.
func substrings(fn func(q string)) {
	for _, text := range propertyTexts {
		rs := []rune(text)
		for i := range rs {
			for j := i + 1; j <= len(rs); j++ {
				for _, q := range []string{string(rs[i:j]), strings.ToUpper(string(rs[i:j])), strings.ToLower(string(rs[i:j]))} {
					fn(q)
				}
			}
		}
	}
}

// TestPhraseOfEverySubstringMatches checks the property the index rests
// on: for every substring q of a text, in any case, the words of q's
// phrase stand next to each other, in order, among the words of the
// text's terms. (The engines' phrase queries ask exactly that.)
func TestPhraseOfEverySubstringMatches(t *testing.T) {
	for _, text := range propertyTexts {
		words := strings.Fields(Terms("前置", text, "后置"))
		rs := []rune(text)
		for i := range rs {
			for j := i + 1; j <= len(rs); j++ {
				for _, q := range []string{string(rs[i:j]), strings.ToUpper(string(rs[i:j])), strings.ToLower(string(rs[i:j]))} {
					p, ok := ParseQuery(q)
					if ok && !containsRun(words, strings.Fields(p.Phrase)) {
						t.Errorf("%q contains %q, but phrase %q is not in its terms %q", text, q, p.Phrase, words)
					}
				}
			}
		}
	}
}

// TestExactPhrasesMatchOnlyTextsThatContainTheQuery checks the other
// direction where ParseQuery promises it: an exact phrase is in the terms of
// a list of texts only if one of the texts contains the query. Every
// substring of every text is tried against every pair of texts, whose
// borders are where a phrase could straddle.
func TestExactPhrasesMatchOnlyTextsThatContainTheQuery(t *testing.T) {
	exact := 0
	substrings(func(q string) {
		p, ok := ParseQuery(q)
		if !ok || !p.Exact {
			return
		}
		exact++
		for _, a := range propertyTexts {
			for _, b := range propertyTexts {
				in := containsRun(strings.Fields(Terms(a, b)), strings.Fields(p.Phrase))
				if want := strings.Contains(a, q) || strings.Contains(b, q); in != want {
					t.Errorf("query %q, texts %q and %q: phrase %q in terms %v, contained %v", q, a, b, p.Phrase, in, want)
				}
			}
		}
	})
	if exact < 100 {
		t.Errorf("only %d exact queries tried", exact)
	}
}

func containsRun(words, run []string) bool {
	for i := 0; i+len(run) <= len(words); i++ {
		if slices.Equal(words[i:i+len(run)], run) {
			return true
		}
	}
	return false
}
