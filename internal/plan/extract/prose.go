package extract

import (
	"strings"
	"unicode/utf8"
)

// Heading levels, outermost first.
const (
	lvlChinese  = iota + 1 // 一、
	lvlParenCN             // (一)
	lvlArabic              // 1.  1、
	lvlParenNum            // (1)
)

// heading is one numbered heading found in running text.
type heading struct {
	start, end int // byte span of the marker
	level      int
	marker     string // normalised: "一、" "(一)" "1." "(1)"
}

// proseParser keeps the open heading path across prose segments.
type proseParser struct {
	stack []heading
}

func (p *proseParser) reset() { p.stack = p.stack[:0] }

const cnDigits = "一二三四五六七八九十百〇零两"

// matchMarker reports the heading marker at the start of s, if any.
func matchMarker(s string) (level int, marker string, n int) {
	if s == "" {
		return 0, "", 0
	}
	if s[0] == '(' {
		// (一) or (1)
		j := 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' && j <= 3 {
			j++
		}
		if j > 1 && j < len(s) && s[j] == ')' {
			return lvlParenNum, s[:j+1], j + 1
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
			return lvlParenCN, s[:j+1], j + 1
		}
		return 0, "", 0
	}
	if s[0] >= '0' && s[0] <= '9' {
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > 3 || j >= len(s) {
			return 0, "", 0
		}
		w := 0
		switch {
		case s[j] == '.':
			w = 1
		case strings.HasPrefix(s[j:], "、"):
			w = len("、")
		default:
			return 0, "", 0
		}
		rest := s[j+w:]
		if rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return 0, "", 0 // a decimal such as 1.5, not a heading
		}
		return lvlArabic, s[:j] + ".", j + w
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
		return lvlChinese, s[:j] + "、", j + len("、")
	}
	return 0, "", 0
}

// findHeadings returns the headings of seg. A marker counts at the start of
// a line, or right after a full stop or a closing parenthesis: text pasted
// without line breaks still has its numbering there.
func findHeadings(seg string) []heading {
	var hs []heading
	atBoundary := true
	for i := 0; i < len(seg); {
		if atBoundary {
			// skip spaces
			k := i
			for k < len(seg) && (seg[k] == ' ' || seg[k] == '\t') {
				k++
			}
			if lvl, m, n := matchMarker(seg[k:]); lvl != 0 {
				hs = append(hs, heading{start: k, end: k + n, level: lvl, marker: m})
				i = k + n
				atBoundary = false
				continue
			}
			if k > i {
				i = k // spaces were looked at once; do not scan them again
				continue
			}
		}
		r, w := utf8.DecodeRuneInString(seg[i:])
		i += w
		switch r {
		case '\n', '。', ')', ';', '；':
			atBoundary = true
		case ' ', '\t':
			// keep the boundary state across spaces
		default:
			atBoundary = false
		}
	}
	return hs
}

// parse turns a prose segment into items.
func (p *proseParser) parse(seg string) []Item {
	hs := findHeadings(seg)
	items := make([]Item, 0, len(hs))
	for k, h := range hs {
		end := len(seg)
		if k+1 < len(hs) {
			end = hs[k+1].start
		}
		body := seg[h.end:end]
		for len(p.stack) > 0 && p.stack[len(p.stack)-1].level >= h.level {
			p.stack = p.stack[:len(p.stack)-1]
		}
		path := make([]string, 0, len(p.stack)+1)
		for _, a := range p.stack {
			path = append(path, a.marker)
		}
		path = append(path, h.marker)
		p.stack = append(p.stack, h)
		items = append(items, buildItem(path, body))
	}
	return items
}

// buildItem reads one heading's text: title, assignments, targets, schedule.
func buildItem(path []string, body string) Item {
	it := Item{Path: path}
	rest, lead, resp := takeAssignments(body)
	it.Title = titleOf(rest)
	it.Lead = lead
	it.Responsible = resp
	it.Targets = findTargets(rest)
	it.Schedule = findSchedule(rest)
	return it
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
