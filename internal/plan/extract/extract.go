// Package extract reads the text of a published plan document (实施方案,
// 工作要点, 攻坚方案 …) and finds its structure: numbered headings, the lead
// and responsible units of each task, quantitative targets, schedules and the
// plan's headline goals. It is a pure function over text: no I/O, no database,
// standard library only, so it can be fuzzed and run on untrusted input.
//
// The result is a proposal that a person reviews beside the source text
// before anything is saved; the extractor never drops a unit name it cannot
// place, it returns it as written (with a shared prefix expanded).
package extract

import (
	"strings"
	"unicode/utf8"
)

// Kinds of Item.
const (
	KindSection = "section"
	KindTask    = "task"
)

// Result is everything Extract found, in the JSON shape of
// `liandong plan extract` and of the import screen.
type Result struct {
	Goals []Goal `json:"goals"`
	Items []Item `json:"items"`
}

// Goal is a headline indicator of the plan, such as
// "公民具备科学素质的比例 2025年达到11%".
type Goal struct {
	Text       string  `json:"text"`
	Metric     string  `json:"metric"`
	Comparator string  `json:"comparator"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Year       int     `json:"year"`
}

// Target is a quantitative target of one item, such as "每年培训100名科技辅导员".
// Value is the number scaled by any 万/千 multiplier (2万人次 → 20000, 人次).
type Target struct {
	Text       string  `json:"text"`
	Metric     string  `json:"metric"`
	Comparator string  `json:"comparator"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Period     string  `json:"period"`
}

// Item is one numbered heading of the plan: a section (it has numbered
// children) or a task (it has none).
//
// Path holds the heading markers from the top, normalised to half-width
// forms: "二、", "(一)", "1.", "(1)" ("1、", "⒈", "㈠", "（一）" are read as
// the same levels). Rows of a decomposition table carry the markers of their
// category and task cells only (["(一)", "1."]), because the table is
// numbered on its own, independent of the text before it.
//
// Lead is inherited: a task that names no lead unit of its own receives the
// lead units of its nearest ancestor that names some, as the plan intends
// ("a section's lead unit applies to its tasks unless a task names its own").
// Responsible units are never inherited.
type Item struct {
	Path        []string `json:"path"`
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Lead        []string `json:"lead"`
	Responsible []string `json:"responsible"`
	Targets     []Target `json:"targets"`
	Schedule    string   `json:"schedule"`
}

// MaxInput is the largest text Extract reads; the rest is ignored. Plans are
// tens of kilobytes, so this only bounds the work an abusive input can cause.
const MaxInput = 4 << 20

// Extract reads a plan document and returns its goals and items in document
// order. It never fails: text it cannot read simply yields fewer items.
func Extract(text string) Result {
	if len(text) > MaxInput {
		text = text[:MaxInput]
	}
	text = normalize(text)
	lines := strings.Split(text, "\n")

	var (
		res   = Result{Goals: []Goal{}, Items: []Item{}}
		prose []string
		p     = &proseParser{}
	)
	flushProse := func() {
		if len(prose) == 0 {
			return
		}
		seg := strings.Join(prose, "\n")
		res.Goals = append(res.Goals, findGoals(seg)...)
		res.Items = append(res.Items, p.parse(seg)...)
		prose = prose[:0]
	}
	for i := 0; i < len(lines); {
		if start, ok := tableHeader(lines, i); ok {
			flushProse()
			items, next := parseTable(lines, start)
			res.Items = append(res.Items, items...)
			p.reset()
			i = next
			continue
		}
		if !isPageFurniture(lines[i]) {
			prose = append(prose, lines[i])
		}
		i++
	}
	flushProse()
	finish(res.Items)
	return res
}

// finish sets each item's kind from the tree and applies lead inheritance.
func finish(items []Item) {
	for i := range items {
		items[i].Kind = KindTask
		if i+1 < len(items) && isPrefix(items[i].Path, items[i+1].Path) {
			items[i].Kind = KindSection
		}
	}
	// Walk keeping, for each open ancestor, its effective lead.
	type open struct {
		path []string
		lead []string
	}
	var stack []open
	for i := range items {
		for len(stack) > 0 && !isPrefix(stack[len(stack)-1].path, items[i].Path) {
			stack = stack[:len(stack)-1]
		}
		if len(items[i].Lead) == 0 && len(stack) > 0 {
			if l := stack[len(stack)-1].lead; len(l) > 0 {
				items[i].Lead = append([]string(nil), l...)
			}
		}
		stack = append(stack, open{items[i].Path, items[i].Lead})
	}
	for i := range items {
		if items[i].Lead == nil {
			items[i].Lead = []string{}
		}
		if items[i].Responsible == nil {
			items[i].Responsible = []string{}
		}
		if items[i].Targets == nil {
			items[i].Targets = []Target{}
		}
	}
}

// isPrefix reports whether a is a proper prefix of b.
func isPrefix(a, b []string) bool {
	if len(a) >= len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// normalize makes the text uniform: valid UTF-8, \n line ends, web-page
// remnants removed, full-width ASCII punctuation and digits folded to
// half-width, enclosed numerals (⒈ ⑴ ㈠) spelled out. The Chinese comma,
// enumeration comma and full stop are kept: they carry meaning.
func normalize(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = stripMarkup(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case r == '\f' || r == '\v' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == '\ufeff' || r == '\u200b':
			// drop control characters and zero-width marks
		case r == '\u3000' || r == '\u00a0':
			b.WriteByte(' ')
		case r >= 0xFF01 && r <= 0xFF5E && r != '，' && r != '；' && r != '！' && r != '？':
			b.WriteRune(r - 0xFEE0)
		case r >= 0x2488 && r <= 0x249B: // ⒈..⒛
			b.WriteString(itoa(int(r-0x2488) + 1))
			b.WriteByte('.')
		case r >= 0x2474 && r <= 0x2487: // ⑴..⒇
			b.WriteByte('(')
			b.WriteString(itoa(int(r-0x2474) + 1))
			b.WriteByte(')')
		case r >= 0x3220 && r <= 0x3229: // ㈠..㈩
			b.WriteByte('(')
			b.WriteRune([]rune("一二三四五六七八九十")[r-0x3220])
			b.WriteByte(')')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripMarkup removes HTML tags, common entities and Word bookmark
// remnants left by copying a plan from a web page or a converter.
func stripMarkup(s string) string {
	if !strings.ContainsAny(s, "<&[") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			if j := strings.IndexByte(s[i:min(len(s), i+300)], '>'); j > 1 && isTag(s[i+1:i+j]) {
				tag := strings.ToLower(s[i+1 : i+j])
				if strings.HasPrefix(tag, "br") || strings.HasPrefix(tag, "p") || strings.HasPrefix(tag, "/p") ||
					strings.HasPrefix(tag, "div") || strings.HasPrefix(tag, "/div") || strings.HasPrefix(tag, "tr") ||
					strings.HasPrefix(tag, "/tr") || strings.HasPrefix(tag, "li") {
					b.WriteByte('\n')
				} else if strings.HasPrefix(tag, "td") || strings.HasPrefix(tag, "th") {
					b.WriteByte('\t')
				}
				i += j + 1
				continue
			}
		case '&':
			matched := false
			for _, e := range entities {
				if strings.HasPrefix(s[i:], e[0]) {
					b.WriteString(e[1])
					i += len(e[0])
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		case '[':
			if strings.HasPrefix(s[i:], "[bookmark:") {
				if j := strings.IndexByte(s[i:min(len(s), i+300)], ']'); j > 0 {
					i += j + 1
					continue
				}
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

var entities = [][2]string{{"&nbsp;", " "}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}, {"&#160;", " "}}

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
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d [20]byte
	i := len(d)
	for n > 0 {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return string(d[i:])
}

// isPageFurniture reports page-number lines such as "- 3 -" or "—12—" that
// a converted or printed document leaves between paragraphs.
func isPageFurniture(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" {
		return false
	}
	t = strings.Trim(t, "-—–一 ")
	if t == "" || len(t) > 4 || len(t) == len(strings.TrimSpace(line)) {
		return false
	}
	for _, c := range []byte(t) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
