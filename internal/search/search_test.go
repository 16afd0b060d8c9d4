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
		{[]string{"柳州市教育局", "市教育局"}, "柳州 州市 市教 教育 育局 市教 教育 育局"},
		// ASCII is folded; punctuation and spaces end a run; a run of one
		// character gives nothing.
		{[]string{"EDU-Center 科协（筹）"}, "ed du ce en nt te er 科协"},
		{[]string{"100%_中心"}, "10 00 中心"},
		{[]string{"X", "（筹）", ""}, ""},
		// Fullwidth letters are not indexed (see indexed).
		{[]string{"ＡＢ科普"}, "科普"},
		// Extension B ideographs are.
		{[]string{"𠮷野家"}, "𠮷野 野家"},
	} {
		if got := Terms(c.in...); got != c.want {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPhraseIsTheLongestRun(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"教育局", "教育 育局", true},
		{"科普", "科普", true},
		{"局", "", false},
		{"Edu", "ed du", true},
		{"A科技", "a科 科技", true},
		{"科协（筹委会）", "筹委 委会", true},
		{"100%", "10 00", true},
		{`%_\`, "", false},
		{"a b c", "", false},
		{"", "", false},
	} {
		got, ok := Phrase(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Phrase(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestPhraseOfEverySubstringMatches checks the property the index rests
// on: for every substring q of a text, in any ASCII case, the words of
// Phrase(q) stand next to each other, in order, among the words of
// Terms(text). (The engines' phrase queries ask exactly that.)
func TestPhraseOfEverySubstringMatches(t *testing.T) {
	texts := []string{
		"柳州市科学技术协会", "中共柳州市委组织部", "柳州市科协", "丙市第十二区教育局",
		"EDU-Center 教育中心", "100%科普_Lab", `C:\科技馆\2021`, "科普（筹）Ｂ座", "𠮷野家科普馆", "aaaa", "Science Hub",
	}
	for _, text := range texts {
		words := strings.Fields(Terms("前置", text, "后置"))
		rs := []rune(text)
		for i := range rs {
			for j := i + 1; j <= len(rs); j++ {
				for _, q := range []string{string(rs[i:j]), strings.ToUpper(string(rs[i:j])), strings.ToLower(string(rs[i:j]))} {
					p, ok := Phrase(q)
					if !ok {
						continue
					}
					if !containsRun(words, strings.Fields(p)) {
						t.Errorf("%q contains %q, but phrase %q is not in its terms %q", text, q, p, words)
					}
				}
			}
		}
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
