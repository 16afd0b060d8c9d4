package extract

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// The extractor reads a cleaned copy of the text (normalize, then
// dropFurniture) but reports where each item came from in the text AS GIVEN.
// Each cleaning pass therefore records an offset map from its output back to
// its input, and the two maps are applied in turn.

// piece is one stretch of output produced from one stretch of input. When
// the lengths are equal the stretch was copied (or replaced byte for byte)
// and offsets inside it map one to one; otherwise it is a replacement (a
// full-width character folded, a tag turned into a line break) and offsets
// inside it map to its ends.
type piece struct {
	out, in, outN, inN int32
}

// offsetMap maps offsets in a pass's output to offsets in its input. Input
// that produced no output (dropped tags, control characters, invalid bytes)
// has no piece: it lies between two pieces.
type offsetMap struct {
	p []piece
}

func (m *offsetMap) add(out, in, outN, inN int) {
	if outN == 0 {
		return
	}
	if n := len(m.p); n > 0 && outN == inN {
		l := &m.p[n-1]
		if l.outN == l.inN && int(l.out+l.outN) == out && int(l.in+l.inN) == in {
			l.outN += int32(outN)
			l.inN += int32(inN)
			return
		}
	}
	m.p = append(m.p, piece{int32(out), int32(in), int32(outN), int32(inN)})
}

// start maps an output offset where something begins to the input offset
// where the input producing it begins.
func (m *offsetMap) start(o int) int {
	k := sort.Search(len(m.p), func(i int) bool { return int(m.p[i].out) > o }) - 1
	if k < 0 {
		if len(m.p) > 0 {
			return int(m.p[0].in)
		}
		return 0
	}
	p := m.p[k]
	switch {
	case o >= int(p.out+p.outN):
		return int(p.in + p.inN)
	case p.outN == p.inN:
		return int(p.in) + o - int(p.out)
	}
	return int(p.in)
}

// end maps an exclusive output end offset to the input offset just after
// the input that produced the byte before it, so that input dropped after
// the end (a closing tag) is not included.
func (m *offsetMap) end(o int) int {
	if o <= 0 {
		return m.start(0)
	}
	k := sort.Search(len(m.p), func(i int) bool { return int(m.p[i].out) >= o }) - 1
	if k < 0 {
		return 0
	}
	p := m.p[k]
	if p.outN == p.inN {
		return int(p.in) + min(o-int(p.out), int(p.outN))
	}
	return int(p.in + p.inN)
}

// normalize makes the text uniform: valid UTF-8, \n line ends, web-page
// remnants (tags, entities, Word bookmarks) removed, full-width ASCII
// punctuation and digits folded to half-width. The Chinese comma,
// enumeration comma and full stop are kept: they carry meaning. Enclosed
// numerals (⒈ ⑴ ㈠ ①) are kept as they are: a heading numbered with one is
// certain to be a heading wherever it stands, which matters in text whose
// line breaks were lost, and matchMarker reads them.
func normalize(s string) (string, *offsetMap) {
	m := &offsetMap{}
	var b strings.Builder
	b.Grow(len(s))
	emit := func(in, inN int, str string) {
		m.add(b.Len(), in, len(str), inN)
		b.WriteString(str)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '<':
				if j := strings.IndexByte(s[i:min(len(s), i+300)], '>'); j > 1 && isTag(s[i+1:i+j]) {
					emit(i, j+1, tagText(s[i+1:i+j]))
					i += j + 1
					continue
				}
			case c == '&':
				if rep, n := entity(s[i:]); n > 0 {
					emit(i, n, rep)
					i += n
					continue
				}
			case c == '[':
				if strings.HasPrefix(s[i:], "[bookmark:") {
					if j := strings.IndexByte(s[i:min(len(s), i+300)], ']'); j > 0 {
						i += j + 1
						continue
					}
				}
			case c == '\r':
				if i+1 < len(s) && s[i+1] == '\n' {
					i++ // the \n that follows is the line end
					continue
				}
				emit(i, 1, "\n")
				i++
				continue
			case c == '\f' || c == '\v':
				emit(i, 1, "\n")
				i++
				continue
			case c == '\t' || c == '\n':
			case c < 0x20 || c == 0x7f:
				i++ // control characters are dropped
				continue
			}
			// Copy a run of plain ASCII at once.
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < utf8.RuneSelf && s[j] != '<' && s[j] != '&' && s[j] != '[' && s[j] != 0x7f {
				j++
			}
			emit(i, j-i, s[i:j])
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			// invalid byte: dropped
		case r == '\u2028' || r == '\u2029':
			emit(i, n, "\n")
		case r == '\ufeff' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060':
			// zero-width marks: dropped
		case r == '\u3000' || r == '\u00a0':
			emit(i, n, " ")
		case r >= 0xFF01 && r <= 0xFF5E && r != '，' && r != '；' && r != '！' && r != '？':
			emit(i, n, string(r-0xFEE0))
		default:
			emit(i, n, s[i:i+n])
		}
		i += n
	}
	return b.String(), m
}

// tagText is what an HTML tag leaves in the text: a line break for block
// tags, a tab for table cells (so that a pasted table reads as one), and
// nothing for inline tags.
func tagText(tag string) string {
	t := strings.ToLower(strings.TrimPrefix(tag, "/"))
	for _, p := range []string{"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article"} {
		if strings.HasPrefix(t, p) && (len(t) == len(p) || !isASCIILetter(t[len(p)])) {
			return "\n"
		}
	}
	for _, p := range []string{"td", "th"} {
		if strings.HasPrefix(t, p) && (len(t) == len(p) || !isASCIILetter(t[len(p)])) && !strings.HasPrefix(tag, "/") {
			return "\t"
		}
	}
	return ""
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isTag reports whether the text between < and > looks like an HTML tag
// rather than a comparison or a book title.
func isTag(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if c == '/' || c == '!' {
		return true
	}
	return isASCIILetter(c)
}

var entities = [][2]string{
	{"&nbsp;", " "}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""},
	{"&ensp;", " "}, {"&emsp;", " "}, {"&mdash;", "—"}, {"&ndash;", "–"},
	{"&ldquo;", "“"}, {"&rdquo;", "”"}, {"&lsquo;", "‘"}, {"&rsquo;", "’"}, {"&middot;", "·"}, {"&hellip;", "…"},
}

// entity decodes the HTML entity at the start of s: a named one from the
// list, or a numeric one (&#160; &#x3000;). It returns the replacement and
// the length read, or 0.
func entity(s string) (string, int) {
	for _, e := range entities {
		if strings.HasPrefix(s, e[0]) {
			return e[1], len(e[0])
		}
	}
	if len(s) < 4 || s[1] != '#' {
		return "", 0
	}
	base, j := 10, 2
	if s[2] == 'x' || s[2] == 'X' {
		base, j = 16, 3
	}
	v, k := 0, j
	for ; k < len(s) && k < j+7; k++ {
		d := hexDigit(s[k])
		if d < 0 || d >= base {
			break
		}
		v = v*base + d
	}
	if k == j || k >= len(s) || s[k] != ';' || v == 0 || v > utf8.MaxRune || v < 0x20 && v != '\t' && v != '\n' {
		return "", 0
	}
	r := rune(v)
	switch {
	case r == '\u00a0' || r == '\u3000':
		return " ", k + 1
	case r >= 0xFF01 && r <= 0xFF5E && r != '，' && r != '；' && r != '！' && r != '？':
		r -= 0xFEE0
	case !utf8.ValidRune(r):
		return "", 0
	}
	return string(r), k + 1
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

var (
	// "第 3 页 共 12 页", "共12页 第3页": a page footer left in the text.
	pageOfRe = regexp.MustCompile(`第\s*\d{1,4}\s*页\s*[,，/]?\s*共\s*\d{1,4}\s*页|共\s*\d{1,4}\s*页\s*[,，/]?\s*第\s*\d{1,4}\s*页`)
)

// dropFurniture removes page furniture: lines that are only a page number
// ("- 3 -", "—12—", "第 3 页 共 12 页") and the same remnants inside a line.
// Dropping them (rather than blanking) lets a unit list broken by a page
// break join up again.
func dropFurniture(s string) (string, *offsetMap) {
	type cut struct{ a, b int }
	var cuts []cut
	for pos := 0; pos < len(s); {
		j := strings.IndexByte(s[pos:], '\n')
		end := len(s)
		if j >= 0 {
			end = pos + j
		}
		if isPageFurniture(s[pos:end]) {
			cuts = append(cuts, cut{pos, min(end+1, len(s))})
		}
		pos = end + 1
	}
	// The footer regexp is only run around each 页: it has no literal
	// prefix, and scanning the whole text with it is slow.
	for off := 0; off < len(s); {
		j := strings.Index(s[off:], "页")
		if j < 0 {
			break
		}
		j += off
		w0 := max(off, runeStart(s, j-30))
		w1 := runeStart(s, j+40)
		if m := pageOfRe.FindStringIndex(s[w0:w1]); m != nil {
			cuts = append(cuts, cut{w0 + m[0], w0 + m[1]})
			off = w0 + m[1]
			continue
		}
		off = j + len("页")
	}
	for off := 0; off < len(s); {
		j := strings.IndexAny(s[off:], "-—–")
		if j < 0 {
			break
		}
		a := off + j
		if b := pageDashAt(s, a); b > a {
			cuts = append(cuts, cut{a, b})
			off = b
			continue
		}
		_, w := utf8.DecodeRuneInString(s[a:])
		off = a + w
	}
	m := &offsetMap{}
	if len(cuts) == 0 {
		m.add(0, 0, len(s), len(s))
		return s, m
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].a < cuts[j].a })
	var b strings.Builder
	b.Grow(len(s))
	pos := 0
	for _, c := range cuts {
		if c.a < pos {
			c.a = pos
		}
		if c.b <= c.a {
			continue
		}
		m.add(b.Len(), pos, c.a-pos, c.a-pos)
		b.WriteString(s[pos:c.a])
		pos = c.b
	}
	m.add(b.Len(), pos, len(s)-pos, len(s)-pos)
	b.WriteString(s[pos:])
	return b.String(), m
}

// pageDashAt reports a page number "- 3 -" or "—12—" starting with the dash
// at s[a:] inside a line: after the start, a line break, a full stop or a
// closing parenthesis (spaces between allowed), and not followed by another
// dash or by 年/月/日/% (a range such as "2022—2025年"). It returns the end
// of the page number with the spaces after it, or a.
func pageDashAt(s string, a int) int {
	k := a
	for k > 0 && (s[k-1] == ' ' || s[k-1] == '\t') {
		k--
	}
	if k > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:k])
		if !strings.ContainsRune("\n。)；;", r) {
			return a
		}
	}
	isDash := func(i int) int {
		for _, d := range []string{"-", "—", "–"} {
			if strings.HasPrefix(s[i:], d) {
				return len(d)
			}
		}
		return 0
	}
	spaces := func(i int) int {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		return i
	}
	i := spaces(a + isDash(a))
	d := i
	for i < len(s) && i-d < 3 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == d || i < len(s) && s[i] >= '0' && s[i] <= '9' {
		return a
	}
	i = spaces(i)
	n := isDash(i)
	if n == 0 {
		return a
	}
	i = spaces(i + n)
	if i < len(s) && (isDash(i) > 0 || strings.HasPrefix(s[i:], "年") || strings.HasPrefix(s[i:], "月") || strings.HasPrefix(s[i:], "日") || s[i] == '%') {
		return a
	}
	return i
}

// isPageFurniture reports page-number lines such as "- 3 -", "—12—" or
// "第 3 页 共 12 页" that a converted or printed document leaves between
// paragraphs.
func isPageFurniture(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" {
		return false
	}
	if strings.HasSuffix(t, "页") && len(t) < 40 {
		if m := pageOfRe.FindStringIndex(t); m != nil && m[0] == 0 && m[1] == len(t) {
			return true
		}
	}
	u := strings.Trim(t, "-—–一 ")
	if u == "" || len(u) > 4 || len(u) == len(t) {
		return false
	}
	for _, c := range []byte(u) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// lineIndex answers 1-based line numbers of offsets in the original text.
// A line ends at \n, or at a \r not followed by \n.
type lineIndex []int

func newLineIndex(s string) lineIndex {
	var ends lineIndex
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			ends = append(ends, i)
		case '\r':
			if i+1 >= len(s) || s[i+1] != '\n' {
				ends = append(ends, i)
			}
		}
	}
	return ends
}

// line returns the line number of offset o.
func (l lineIndex) line(o int) int {
	return sort.SearchInts(l, o) + 1
}
