// Package search makes the text of the full-text indexes that find a
// substring of Chinese text on both engines (shared/STACK.md, "Chinese
// search"). Chinese has no spaces between words, and most words are two
// characters long, so text is indexed as overlapping character bigrams:
// 教育局 is indexed as "教育 育局". SQLite's FTS5 (unicode61 tokenizer) and
// PostgreSQL's to_tsvector('simple', …) then see each bigram as one word,
// and a substring query becomes a phrase of its own bigrams, which matches
// wherever the bigrams stand next to each other in the same order.
//
// Between runs (and between texts) Terms puts a one-character word, which
// no query phrase contains, so that a phrase cannot match across the
// border of two runs: without it, "X教育 育局Y" (the texts X教育 and 育局Y)
// would match the phrase of 教育局. With it, a query made only of
// ideographs and digits matches exactly the texts that contain it
// (Query.Exact); other queries (with Latin letters, which match
// case-insensitively, or with punctuation) match at least those texts,
// and callers confirm each candidate with the exact substring test (LIKE).
// What the index must never do is miss a text that contains the query;
// Terms and ParseQuery are built so that it cannot (see
// TestPhraseOfEverySubstringMatches).
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// barrier is the word between runs. Query phrases are made of bigrams
// only, so a word of one character never occurs in one; both tokenizers
// keep a lone digit as a word.
const barrier = "0"

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

// fold lowers letters before indexed decides: queries with Latin letters
// match case-insensitively, and PostgreSQL's LOWER() turns a few other
// letters into ASCII ones (the Kelvin sign K into k), which the index must
// see as k too.
func fold(r rune) rune { return unicode.ToLower(r) }

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
// by spaces, with the barrier word between runs. A run of one character
// gives no bigram, since only queries of two or more characters use the
// index.
func Terms(texts ...string) string {
	var b strings.Builder
	for _, t := range texts {
		for _, run := range runs(t) {
			if len(run) < 2 {
				continue
			}
			if b.Len() > 0 {
				b.WriteString(" " + barrier)
			}
			appendBigrams(&b, run)
		}
	}
	return b.String()
}

// Query is a substring query prepared for the index.
type Query struct {
	// Phrase is the bigrams of the query's longest run of indexed
	// characters. Any text containing the query contains that run, hence
	// the phrase. It is bare words: SQLite's MATCH wants it in double
	// quotes, PostgreSQL's phraseto_tsquery('simple', …) takes it as it is.
	// It never contains a quote or any other character either syntax
	// treats specially.
	Phrase string
	// Exact reports that the phrase matches exactly the texts that contain
	// the query, as LIKE '%query%' would find them: the query is one run
	// of ideographs and digits. A query with Latin letters (matched
	// case-insensitively) or other characters needs the candidates
	// confirmed.
	Exact bool
}

// ParseQuery returns the index query for a substring query q, and false when
// q has no run of two indexed characters (a one-character query, or one
// made of punctuation): the index cannot narrow such a search, and the
// caller must scan.
func ParseQuery(q string) (Query, bool) {
	rs := runs(q)
	var best []rune
	for _, run := range rs {
		if len(run) > len(best) {
			best = run
		}
	}
	if len(best) < 2 {
		return Query{}, false
	}
	var b strings.Builder
	appendBigrams(&b, best)
	exact := len(rs) == 1 && len(best) == utf8.RuneCountInString(q) &&
		!strings.ContainsFunc(q, func(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) || fold(r) != r })
	return Query{Phrase: b.String(), Exact: exact}, true
}
