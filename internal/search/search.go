// Package search makes the text of the full-text indexes that find a
// substring of Chinese text on both engines (shared/STACK.md, "Chinese
// search"). Chinese has no spaces between words, and most words are two
// characters long, so text is indexed as overlapping character bigrams:
// 教育局 is indexed as "教育 育局". SQLite's FTS5 (unicode61 tokenizer) and
// PostgreSQL's to_tsvector('simple', …) then see each bigram as one word,
// and a substring query becomes a phrase of its own bigrams, which matches
// wherever the bigrams stand next to each other in the same order.
//
// The index is a filter, not the answer: a phrase can also match across
// the border of two runs or two texts (…X教 育局… for 教育局), so callers
// confirm each candidate with the exact substring test (LIKE). What the
// index must never do is miss a row that contains the query; Terms and
// Phrase are built so that it cannot (see TestPhraseOfEverySubstringMatches).
package search

import "strings"

// indexed reports whether r takes part in bigrams. The set is kept to
// characters that both engines' tokenizers surely treat as word
// characters, whatever their Unicode tables: ASCII letters and digits
// (folded to lower case first) and the CJK ideograph blocks of Unicode 3.1
// (the basic block, extension A and extension B). Anything else, such as
// punctuation, spaces, LIKE wildcards or a fullwidth digit, ends a run on
// both sides of the comparison, so it cannot cause a miss: a query's run
// always lies inside one run of any text that contains the query.
func indexed(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' ||
		r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF || r >= 0x20000 && r <= 0x2A6DF
}

// fold lowers ASCII letters: queries match ASCII case-insensitively. Other
// letters are not indexed, so no other folding is needed.
func fold(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + ('a' - 'A')
	}
	return r
}

// runs returns the maximal runs of indexed characters in s, folded.
func runs(s string) [][]rune {
	var out [][]rune
	var cur []rune
	for _, r := range s {
		if r = fold(r); indexed(r) {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// appendBigrams writes the run's overlapping bigrams, space-separated.
func appendBigrams(b *strings.Builder, run []rune) {
	for i := 0; i+1 < len(run); i++ {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(run[i])
		b.WriteRune(run[i+1])
	}
}

// Terms returns the index text of texts (a unit's name, short name and
// aliases, say): the bigrams of every run of indexed characters, separated
// by spaces. A run of one character gives nothing, since only queries of
// two or more characters use the index.
func Terms(texts ...string) string {
	var b strings.Builder
	for _, t := range texts {
		for _, run := range runs(t) {
			appendBigrams(&b, run)
		}
	}
	return b.String()
}

// Phrase returns the phrase to look up for a substring query q: the
// bigrams of q's longest run of indexed characters. Any text containing q
// contains that run, hence that phrase. It returns false when q has no run
// of two characters (a one-character query, or one made of punctuation):
// the index cannot narrow such a search, and the caller must scan.
//
// The phrase is bare words; SQLite's MATCH wants it in double quotes, and
// PostgreSQL's phraseto_tsquery('simple', …) takes it as it is. It never
// contains a quote or any other character either syntax treats specially.
func Phrase(q string) (string, bool) {
	var best []rune
	for _, run := range runs(q) {
		if len(run) > len(best) {
			best = run
		}
	}
	if len(best) < 2 {
		return "", false
	}
	var b strings.Builder
	appendBigrams(&b, best)
	return b.String(), true
}
