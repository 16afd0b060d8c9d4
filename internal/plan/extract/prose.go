package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Heading levels, outermost first.
const (
	lvlPart     = iota + 1 // 第一部分
	lvlChapter             // 第一章
	lvlSection             // 第一节
	lvlChinese             // 一、
	lvlParenCN             // (一)
	lvlArabic              // 1.  1、 ⒈
	lvlParenNum            // (1) ⑴
	lvlCircled             // ①
)

// maxDepth is the deepest a path can be: one marker per level.
const maxDepth = lvlCircled

const cnDigits = "一二三四五六七八九十百〇零两"

// marker is a heading marker read at the start of some text.
type marker struct {
	level  int
	num    int    // its number: 一、 → 1, (十二) → 12
	text   string // normalised: "第一部分" "一、" "(一)" "1." "(1)" "①"
	n      int    // bytes read
	strong bool   // an enclosed numeral (⒈ ⑴ ㈠): a heading wherever it stands
}

// matchMarker reports the heading marker at the start of s, if any.
func matchMarker(s string) (level int, text string, n int) {
	m, ok := readMarker(s)
	if !ok {
		return 0, "", 0
	}
	return m.level, m.text, m.n
}

// readMarker reads the heading marker at the start of s.
func readMarker(s string) (marker, bool) {
	if s == "" {
		return marker{}, false
	}
	c := s[0]
	switch {
	case c == '(':
		// (一) or (1)
		j := 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' && j <= 3 {
			j++
		}
		if j > 1 && j < len(s) && s[j] == ')' {
			return marker{level: lvlParenNum, num: atoi(s[1:j]), text: s[:j+1], n: j + 1}, true
		}
		j = 1
		for j < len(s) {
			r, w := utf8.DecodeRuneInString(s[j:])
			if !strings.ContainsRune(cnDigits, r) || j > 12 {
				break
			}
			j += w
		}
		if j > 1 && j < len(s) && s[j] == ')' {
			return marker{level: lvlParenCN, num: cnValue(s[1:j]), text: s[:j+1], n: j + 1}, true
		}
		return marker{}, false
	case c >= '0' && c <= '9':
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > 3 || j >= len(s) {
			return marker{}, false
		}
		w := 0
		switch {
		case s[j] == '.':
			w = 1
		case strings.HasPrefix(s[j:], "、"):
			w = len("、")
		default:
			return marker{}, false
		}
		rest := s[j+w:]
		if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return marker{}, false // a decimal such as 1.5, not a heading
		}
		return marker{level: lvlArabic, num: atoi(s[:j]), text: s[:j] + ".", n: j + w}, true
	case c < utf8.RuneSelf:
		return marker{}, false
	}
	r, w := utf8.DecodeRuneInString(s)
	switch {
	case r >= 0x2488 && r <= 0x249B: // ⒈..⒛
		k := int(r-0x2488) + 1
		return marker{level: lvlArabic, num: k, text: itoa(k) + ".", n: w, strong: true}, true
	case r >= 0x2474 && r <= 0x2487: // ⑴..⒇
		k := int(r-0x2474) + 1
		return marker{level: lvlParenNum, num: k, text: "(" + itoa(k) + ")", n: w, strong: true}, true
	case r >= 0x3220 && r <= 0x3229: // ㈠..㈩
		k := int(r-0x3220) + 1
		return marker{level: lvlParenCN, num: k, text: "(" + cnNumeral(k) + ")", n: w, strong: true}, true
	}
	if k := circledValue(r); k > 0 {
		return marker{level: lvlCircled, num: k, text: string(rune(0x2460 + k - 1)), n: w}, true
	}
	if r == '第' {
		j := w
		for j < len(s) && j < w+12 {
			r2, w2 := utf8.DecodeRuneInString(s[j:])
			if !strings.ContainsRune(cnDigits, r2) && (r2 < '0' || r2 > '9') {
				break
			}
			j += w2
		}
		if j == w {
			return marker{}, false
		}
		num := s[w:j]
		for _, x := range [...]struct {
			suffix string
			level  int
		}{{"部分", lvlPart}, {"章", lvlChapter}, {"节", lvlSection}} {
			if strings.HasPrefix(s[j:], x.suffix) {
				v := cnValue(num)
				if num[0] >= '0' && num[0] <= '9' {
					v = atoi(num)
				}
				return marker{level: x.level, num: v, text: s[:j+len(x.suffix)], n: j + len(x.suffix)}, true
			}
		}
		return marker{}, false
	}
	j := 0
	for j < len(s) {
		r, w := utf8.DecodeRuneInString(s[j:])
		if !strings.ContainsRune("一二三四五六七八九十", r) || j > 9 {
			break
		}
		j += w
	}
	if j > 0 && strings.HasPrefix(s[j:], "、") {
		return marker{level: lvlChinese, num: cnValue(s[:j]), text: s[:j] + "、", n: j + len("、")}, true
	}
	return marker{}, false
}

// circledValue returns the number of a circled numeral (① ❶ ➀ ➊ ⓵), or 0.
func circledValue(r rune) int {
	switch {
	case r >= 0x2460 && r <= 0x2473: // ①..⑳
		return int(r-0x2460) + 1
	case r >= 0x2776 && r <= 0x277F: // ❶..❿
		return int(r-0x2776) + 1
	case r >= 0x2780 && r <= 0x2789: // ➀..➉
		return int(r-0x2780) + 1
	case r >= 0x278A && r <= 0x2793: // ➊..➓
		return int(r-0x278A) + 1
	case r >= 0x24F5 && r <= 0x24FE: // ⓵..⓾
		return int(r-0x24F5) + 1
	}
	return 0
}

// cnValue reads a Chinese numeral up to the hundreds (十二 → 12, 二十 → 20).
func cnValue(s string) int {
	total, cur := 0, 0
	for _, r := range s {
		switch r {
		case '十':
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
		case '百':
			if cur == 0 {
				cur = 1
			}
			total += cur * 100
			cur = 0
		case '两':
			cur = 2
		default:
			if i := strings.IndexRune("〇一二三四五六七八九", r); i >= 0 {
				cur = i / 3
			} else if r == '零' {
				cur = 0
			}
		}
	}
	return total + cur
}

// cnNumeral writes 1..99 as a Chinese numeral.
func cnNumeral(k int) string {
	d := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case k < 10:
		return d[k]
	case k < 20:
		return "十" + d[k%10]
	}
	return d[k/10%10] + "十" + d[k%10]
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			break
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// heading is one numbered heading found in running text.
type heading struct {
	start, end int // byte span of the marker
	marker
	path []string
}

// proseParser keeps the open heading path across prose segments.
type proseParser struct {
	stack []marker
}

func (p *proseParser) reset() { p.stack = p.stack[:0] }

// push opens a heading and returns its path.
func (p *proseParser) push(m marker) []string {
	for len(p.stack) > 0 && p.stack[len(p.stack)-1].level >= m.level {
		p.stack = p.stack[:len(p.stack)-1]
	}
	path := make([]string, 0, len(p.stack)+1)
	for _, a := range p.stack {
		path = append(path, a.text)
	}
	path = append(path, m.text)
	p.stack = append(p.stack, m)
	return path
}

// expected reports whether m continues the numbering in force: the next
// sibling of an open heading of its level, or the first child of the
// innermost open heading.
func (p *proseParser) expected(m marker) bool {
	for _, a := range p.stack {
		if a.level == m.level {
			return m.num == a.num+1
		}
	}
	if m.level == lvlChinese {
		return false // "统一、协调": a lone 一、 inside a sentence is a word
	}
	return m.num == 1 && len(p.stack) > 0 && m.level > p.stack[len(p.stack)-1].level
}

// notBeforeMarker are characters after which a number inside a sentence is
// a reference or a count, not a heading: 第(一)项, 附件1., 表2, 1、2、3月.
const notBeforeMarker = "第件表图至到、~/-.《“\"号条款项级年月日"

// accept decides whether a marker found in running text is a heading.
func (p *proseParser) accept(m marker, atBoundary, lineStart bool, prev rune) bool {
	switch {
	case m.level == lvlCircled:
		return lineStart // inside a paragraph ① numbers a sub-point
	case m.level <= lvlSection:
		return atBoundary
	case atBoundary || m.strong:
		return true
	}
	if prev < utf8.RuneSelf && (prev >= '0' && prev <= '9' || isASCIILetter(byte(prev))) || strings.ContainsRune(notBeforeMarker, prev) {
		return false
	}
	return p.expected(m)
}

// headings returns the headings of seg with their paths. A marker counts
// at the start of a line, or right after a full stop or a closing
// parenthesis; an enclosed numeral, or a marker that continues the
// numbering in force, counts anywhere (see the package documentation).
func (p *proseParser) headings(seg string) []heading {
	var hs []heading
	atBoundary, lineStart := true, true
	prev := rune(0)
	for i := 0; i < len(seg); {
		c := seg[i]
		if c == ' ' || c == '\t' {
			i++ // spaces keep the state
			continue
		}
		if c == '(' || c >= '0' && c <= '9' || c >= utf8.RuneSelf {
			if m, ok := readMarker(seg[i:]); ok && p.accept(m, atBoundary, lineStart, prev) {
				hs = append(hs, heading{start: i, end: i + m.n, marker: m, path: p.push(m)})
				i += m.n
				atBoundary, lineStart = false, false
				prev, _ = utf8.DecodeLastRuneInString(m.text)
				continue
			}
		}
		r, w := utf8.DecodeRuneInString(seg[i:])
		i += w
		switch r {
		case '\n':
			atBoundary, lineStart = true, true
			prev = 0
			continue
		case '。', ')', ';', '；':
			atBoundary = true
		default:
			atBoundary = false
		}
		lineStart = false
		prev = r
	}
	return hs
}

// parse turns a prose segment into items; base is the segment's offset in
// the cleaned text, for the items' Source.
func (p *proseParser) parse(seg string, base int) []Item {
	hs := p.headings(seg)
	items := make([]Item, 0, len(hs))
	for k, h := range hs {
		end := len(seg)
		if k+1 < len(hs) {
			end = hs[k+1].start
		}
		it := buildItem(h.path, seg[h.end:end])
		it.Source = Source{Start: base + h.start, End: base + h.start + len(strings.TrimRight(seg[h.start:end], " \t\n"))}
		items = append(items, it)
	}
	return items
}

// buildItem reads one heading's text: title, assignments, sub-points,
// targets, schedule.
func buildItem(path []string, body string) Item {
	it := Item{Path: path}
	rest, lead, resp := explicitRoles(body)
	pts := findPoints(body)
	if len(pts) == 0 {
		sl, sr := sentenceRoles(rest)
		lead, resp = appendUnique(lead, sl...), appendUnique(resp, sr...)
	} else {
		// Each sub-point is read on its own (its 负责 follows its own 牵头);
		// the item keeps the units of all of them and of its other words.
		outside := body[:pts[0].start] + "。" + body[pts[len(pts)-1].end:]
		orest, _, _ := explicitRoles(outside)
		sl, sr := sentenceRoles(orest)
		lead, resp = appendUnique(lead, sl...), appendUnique(resp, sr...)
		it.Points = make([]Point, 0, len(pts))
		for _, ps := range pts {
			prest, pl, pr := takeAssignments(body[ps.start:ps.end])
			lead = appendUnique(lead, pl...)
			resp = appendUnique(resp, pr...)
			if pl == nil {
				pl = []string{}
			}
			if pr == nil {
				pr = []string{}
			}
			it.Points = append(it.Points, Point{Marker: ps.marker, Text: tidy(prest), Lead: pl, Responsible: pr})
		}
	}
	it.Title = titleOf(rest)
	it.Content = contentOf(rest)
	it.Lead = lead
	it.Responsible = resp
	it.Targets = findTargets(rest)
	it.Schedule = scheduleOf(rest)
	return it
}

// contentOf is an item's text as the decomposition table shows it (主要内容):
// its words after the marker, the assignments taken out, one line.
func contentOf(s string) string {
	var b strings.Builder
	for _, f := range strings.Fields(s) {
		// A line break inside Chinese text is no space ("市科\n协"); keep one
		// between Latin words and numbers ("5G 网络" stays apart from "5G").
		if b.Len() > 0 && asciiAlnum(lastRune(b.String())) && asciiAlnum([]rune(f)[0]) {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	return strings.TrimRight(b.String(), "；;，, ")
}

func asciiAlnum(r rune) bool { return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

func lastRune(s string) rune { r, _ := utf8.DecodeLastRuneInString(s); return r }

// tidy trims a sub-point's text of spaces and the punctuation that
// separated it from the next.
func tidy(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRight(s, "；;，,。、 ")
}

// pointSpan is one sub-point of a paragraph: its marker and the byte span
// of its text.
type pointSpan struct {
	marker     string
	start, end int
}

// findPoints returns the sub-points of a paragraph: "一是…二是…" or
// "①…②…", numbered in order from one, at least two of them. Each runs to
// the next; the last runs to the end of its sentence.
func findPoints(s string) []pointSpan {
	if !strings.Contains(s, "是") && !containsCircled(s) {
		return nil
	}
	var (
		pts      []pointSpan
		circled  bool
		boundary = true
	)
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		next := len(pts) + 1
		if k := circledValue(r); k > 0 && k == next && (next == 1 || circled) {
			if next == 1 {
				circled = true
			}
			if len(pts) > 0 {
				pts[len(pts)-1].end = i
			}
			pts = append(pts, pointSpan{marker: string(r), start: i + w})
			i += w
			boundary = false
			continue
		}
		if boundary && !circled && next <= 10 && strings.HasPrefix(s[i+w:], "是") && r == []rune("一二三四五六七八九十")[next-1] {
			if len(pts) > 0 {
				pts[len(pts)-1].end = i
			}
			pts = append(pts, pointSpan{marker: string(r) + "是", start: i + w + len("是")})
			i += w + len("是")
			boundary = false
			continue
		}
		switch r {
		case '\n', '。', '；', ';', '，', ',', ':', ' ', '\t':
			boundary = true
		default:
			boundary = false
		}
		i += w
	}
	if len(pts) < 2 {
		return nil
	}
	last := &pts[len(pts)-1]
	last.end = len(s)
	if j := strings.Index(s[last.start:], "。"); j >= 0 {
		last.end = last.start + j + len("。")
	}
	return pts
}

func containsCircled(s string) bool {
	for _, r := range s {
		if circledValue(r) > 0 {
			return true
		}
	}
	return false
}

// scheduleLabelRe finds a labelled schedule: "完成时限：每年3月".
var scheduleLabelRe = regexp.MustCompile(`(?:完成时限|完成时间|完成期限|时间安排|进度安排|时限要求|实施时间|开展时间|时间节点|时限)\s*:\s*([^\n。；;]{1,90})`)

// scheduleOf returns the item's schedule: the text of a schedule label as
// written ("长期" included), or else the first time window in the text.
func scheduleOf(s string) string {
	if strings.Contains(s, "时") {
		if m := scheduleLabelRe.FindStringSubmatch(s); m != nil {
			v := strings.TrimRight(squeeze(m[1]), ",，、)")
			if v != "" && utf8.RuneCountInString(v) <= 30 {
				return v
			}
		}
	}
	return findSchedule(s)
}

// titleOf returns the heading's own words: the first sentence of its first
// line, shortened where a heading runs straight into its paragraph.
func titleOf(s string) string {
	s = strings.TrimLeft(s, " \t\n")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "。"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 15 {
		// Only the first 30 characters can hold the cut; looking no
		// further keeps this linear on a line without full stops.
		head := s[:runeStart(s, 30*utf8.UTFMax)]
		// "(一)青少年科学素质提升行动激发青少年……": a heading that runs
		// straight into its paragraph ends at its first 行动 or 工程 outside
		// quotation marks, when a real sentence follows.
		best := -1
		for _, w := range []string{"行动", "工程"} {
			for off := 0; ; {
				i := strings.Index(head[off:], w)
				if i < 0 {
					break
				}
				i += off
				off = i + len(w)
				if strings.Count(head[:i], "“") != strings.Count(head[:i], "”") || strings.Count(head[:i], "《") != strings.Count(head[:i], "》") {
					continue
				}
				if utf8.RuneCountInString(s[:i]) < 30 && utf8.RuneCountInString(s[off:]) > 5 && (best < 0 || off < best) {
					best = off
				}
				break
			}
		}
		if best > 0 {
			s = s[:best]
		}
	}
	return strings.TrimRight(s, ":;,，、；。 ")
}
