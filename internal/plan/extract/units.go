package extract

import (
	"strings"
	"unicode/utf8"
)

// Role words as plans write them. Lead words come first where one is a
// prefix of another (总牵头部门 before 牵头部门).
var leadWords = []string{"总牵头单位", "总牵头部门", "牵头单位", "牵头部门", "主办单位", "主责单位", "主责部门"}

// respWords are read as responsible units: the schema has two roles, and a
// co-operating unit (配合/协办/参与) carries the task with the lead.
var respWords = []string{"责任单位", "责任部门", "配合单位", "配合部门", "协办单位", "参与单位", "参加单位", "协作单位"}

// roleAt reports the role word at the start of s followed by a colon.
func roleAt(s string) (lead bool, n int) {
	for _, set := range [2][]string{leadWords, respWords} {
		for _, w := range set {
			if strings.HasPrefix(s, w) {
				k := len(w)
				for k < len(s) && s[k] == ' ' {
					k++
				}
				if k < len(s) && s[k] == ':' {
					return set[0] == leadWords[0], k + 1
				}
			}
		}
	}
	return false, 0
}

// takeAssignments finds lead and responsible units in a block of prose, in
// three styles: a parenthesis "(责任单位:A、B)", a line "牵头单位:X", and a
// sentence "X牵头,Y参与". It returns the block with the assignment text
// removed, so that targets are not read from unit lists.
func takeAssignments(body string) (rest string, lead, resp []string) {
	var b strings.Builder
	b.Grow(len(body))
	lineStart := true
	for i := 0; i < len(body); {
		c := body[i]
		if c == '(' {
			if _, n := roleAt(strings.TrimLeft(body[i+1:], " ")); n > 0 {
				end := matchParen(body, i)
				l, r := splitRoles(body[i+1 : end])
				lead = appendUnique(lead, l...)
				resp = appendUnique(resp, r...)
				i = end
				if i < len(body) {
					i++ // the closing parenthesis
				}
				continue
			}
		}
		if lineStart {
			k := i
			for k < len(body) && (body[k] == ' ' || body[k] == '\t') {
				k++
			}
			if _, n := roleAt(body[k:]); n > 0 {
				// The list runs to the end of the line, or on to the next
				// line when a name is broken after an enumeration comma.
				end := k
				for {
					j := strings.IndexByte(body[end:], '\n')
					if j < 0 {
						end = len(body)
						break
					}
					end += j
					line := strings.TrimRight(body[k:end], " \t")
					if strings.HasSuffix(line, ":") && end+1 < len(body) || strings.HasSuffix(line, "、") || strings.HasSuffix(line, ",") || strings.HasSuffix(line, "，") ||
						!strings.HasSuffix(line, "。") && continuesList(body[end+1:]) {
						end++
						continue
					}
					break
				}
				l, r := splitRoles(body[k:end])
				lead = appendUnique(lead, l...)
				resp = appendUnique(resp, r...)
				i = end
				continue
			}
		}
		lineStart = c == '\n'
		b.WriteByte(c)
		i++
	}
	rest = b.String()
	if len(lead) == 0 && len(resp) == 0 {
		l, r := sentenceRoles(rest)
		lead, resp = l, r
	}
	return rest, lead, resp
}

// matchParen returns the index of the parenthesis closing the one at open,
// or len(s) when it is never closed.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		case '\n':
			// An assignment may wrap, but not run into the next paragraph
			// that starts a new heading; stop at a blank line.
			if i+1 < len(s) && s[i+1] == '\n' {
				return i
			}
		}
	}
	return len(s)
}

// splitRoles reads "牵头单位:X;责任单位:A、B" (one or more role words).
func splitRoles(s string) (lead, resp []string) {
	type part struct {
		lead       bool
		start, end int
	}
	var parts []part
	for i := 0; i < len(s); {
		if isLead, n := roleAt(s[i:]); n > 0 {
			if len(parts) > 0 {
				parts[len(parts)-1].end = i
			}
			parts = append(parts, part{lead: isLead, start: i + n, end: len(s)})
			i += n
			continue
		}
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	var prefix string
	for _, p := range parts {
		names := parseUnits(s[p.start:p.end], prefix, false)
		if len(names) > 0 && prefix == "" {
			prefix = prefixOf(names[0])
		}
		if p.lead {
			lead = appendUnique(lead, names...)
		} else {
			resp = appendUnique(resp, names...)
		}
	}
	return lead, resp
}

// sentenceRoles reads "由X、Y牵头,Z参加" and "X牵头,Y参与" written as a
// sentence. Only names that look like units are taken, so that 牵头 used as
// an ordinary verb does not produce assignments.
func sentenceRoles(s string) (lead, resp []string) {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "牵头")
		if i < 0 {
			break
		}
		i += off
		off = i + len("牵头")
		after := s[off:]
		if strings.HasPrefix(after, "单位") || strings.HasPrefix(after, "部门") {
			continue
		}
		// The lead list is the clause before 牵头 (looking back a bounded
		// distance, so that text full of 牵头 stays linear).
		from := runeStart(s, i-maxClause)
		startCl := from + lastClauseStart(s[from:i])
		cl := strings.TrimPrefix(strings.TrimSpace(s[startCl:i]), "由")
		names := parseUnits(cl, "", false)
		if len(names) == 0 || !allUnits(names) {
			continue
		}
		lead = appendUnique(lead, names...)
		// The responsible list is the next clause ending in 参与/参加/配合.
		rest := strings.TrimLeft(after, ",，、 ")
		rest = rest[:runeStart(rest, maxClause)]
		endCl := clauseEnd(rest)
		cl2 := rest[:endCl]
		for _, w := range []string{"共同参与", "参与", "参加", "配合", "协助", "协办"} {
			if strings.HasSuffix(cl2, w) {
				r := parseUnits(strings.TrimSuffix(cl2, w), prefixOf(names[0]), false)
				if len(r) > 0 && allUnits(r) {
					resp = appendUnique(resp, r...)
				}
				break
			}
		}
	}
	return lead, resp
}

func lastClauseStart(s string) int {
	best := 0
	for _, d := range []string{"。", ",", "，", ";", "；", ":", "\n", "("} {
		if j := strings.LastIndex(s, d); j >= 0 && j+len(d) > best {
			best = j + len(d)
		}
	}
	return best
}

// clauseEnd returns where the clause at the start of s ends: at clause
// punctuation, or at a parenthesis that closes one opened before s.
func clauseEnd(s string) int {
	depth := 0
	for i, r := range s {
		switch r {
		case '。', ',', '，', ';', '；', '\n':
			return i
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return len(s)
}

// unitSuffixes end the names of government units and bodies.
var unitSuffixes = []string{"局", "委", "办", "部", "会", "院", "厅", "社", "联", "台", "站", "馆", "中心", "政府", "协", "团", "队", "所", "室", "校", "处", "司", "单位", "组", "署", "行", "公司", "集团"}

func looksLikeUnit(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 30 {
		return false
	}
	for _, suf := range unitSuffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}

func allUnits(names []string) bool {
	for _, n := range names {
		if !looksLikeUnit(n) {
			return false
		}
	}
	return true
}

// parseUnits splits a written list of units. Separators are 、 , ， ; ；
// outside parentheses; "等" closing the list and stray punctuation are
// removed; names broken across lines are joined; collective names written
// with 、 ("各区、县级市") are kept whole; and an abbreviated list sharing a
// prefix ("市委宣传部、发展改革委") is expanded. carry is the prefix of an
// earlier list in the same row, used when this list starts without one;
// table says the list is a table cell.
func parseUnits(s, carry string, table bool) []string {
	var raw []string
	depth := 0
	start := 0
	flush := func(end int) {
		raw = append(raw, s[start:end])
	}
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '(', '〔', '【', '[':
			depth++
		case ')', '〕', '】', ']':
			if depth > 0 {
				depth--
			}
		case '、', ',', '，', ';', '；', '。':
			if depth == 0 {
				flush(i)
				start = i + w
			}
		}
		i += w
	}
	flush(len(s))

	names := make([]string, 0, len(raw))
	for _, n := range raw {
		n = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\t' || r == ' ' || r == '"' || r == '“' || r == '”' {
				return -1
			}
			return r
		}, n)
		n = strings.TrimRight(n, ".:")
		if utf8.RuneCountInString(n) > 1 {
			n = strings.TrimSuffix(n, "等")
		}
		if strings.HasSuffix(n, "等单位") || strings.HasSuffix(n, "等部门") {
			n = strings.TrimSuffix(strings.TrimSuffix(n, "等单位"), "等部门")
		}
		if n == "" {
			continue
		}
		// "各区、县级市": a collective name that itself contains 、.
		if len(names) > 0 && strings.HasPrefix(names[len(names)-1], "各") && !strings.Contains(names[len(names)-1], "、") && isLevelWord(n) {
			names[len(names)-1] += "、" + n
			continue
		}
		names = append(names, n)
	}
	return expandPrefix(names, carry, table)
}

// isLevelWord reports names of administrative levels that follow 各… in a
// collective name ("各区、县级市", "各县、区").
func isLevelWord(s string) bool {
	switch strings.TrimSuffix(strings.TrimSuffix(s, "政府"), "人民") {
	case "县级市", "县", "区", "市", "旗", "乡", "镇", "乡镇", "街道", "县(市)", "县区", "市区", "开发区", "园区":
		return true
	}
	return false
}

// prefixOf returns the administrative-level prefix a unit name starts with
// (市委宣传部 → 市, 州教育局 → 州), or "".
func prefixOf(s string) string {
	if strings.HasPrefix(s, "市场") || strings.HasPrefix(s, "区域") || strings.HasPrefix(s, "县域") {
		return "" // 市场监管局 is abbreviated 市市场监管局, not prefixed
	}
	for _, p := range []string{"市", "州", "区", "县", "省", "盟", "旗"} {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}

// noExpand reports names that must never receive a prefix: collective
// names, youth-league committees (团市委) and names with their own level.
func noExpand(s string) bool {
	for _, p := range []string{"团", "共青团", "领导小组", "各", "全", "本", "其他", "其它", "有关", "相关", "中国", "国家"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return strings.Contains(s, "政府") || prefixOf(s) != ""
}

// expandPrefix expands an abbreviated list. The list is abbreviated when its
// first name has a level prefix and most of the others do not; a list
// written in full ("州教育局、州科协、黔南日报社") is left alone, so that
// names such as 黔南日报社 are not given a prefix they never had.
func expandPrefix(names []string, carry string, table bool) []string {
	if len(names) == 0 {
		return names
	}
	p := prefixOf(names[0])
	from := 1
	if p == "" {
		p, from = carry, 0
	}
	if p == "" {
		return names
	}
	// Count the names that could take the prefix: those that carry it
	// and those that lack it (collective names and 团市委 count as neither).
	with, without := 0, 0
	for _, n := range names[from:] {
		switch {
		case strings.HasPrefix(n, p) && prefixOf(n) == p:
			with++
		case !noExpand(n):
			without++
		}
	}
	// A tie is read as abbreviated in a table, where short names are the
	// rule, and as written in full in running text.
	if without == 0 || with > without || with == without && !table {
		return names
	}
	for i := from; i < len(names); i++ {
		if !noExpand(names[i]) {
			names[i] = p + names[i]
		}
	}
	return names
}

// maxClause bounds, in bytes, how far a clause is looked for around a match.
const maxClause = 600

// runeStart clamps i to [0, len(s)] and moves it back to a rune boundary.
func runeStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	if i >= len(s) {
		return len(s)
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

func appendUnique(dst []string, names ...string) []string {
	if len(dst)+len(names) > 32 {
		seen := make(map[string]bool, len(dst)+len(names))
		for _, d := range dst {
			seen[d] = true
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				dst = append(dst, n)
			}
		}
		return dst
	}
outer:
	for _, n := range names {
		for _, d := range dst {
			if d == n {
				continue outer
			}
		}
		dst = append(dst, n)
	}
	return dst
}

// continuesList reports whether the line at the start of s continues a unit
// list broken across lines ("区文" / "旅局、团区委。"): a short line that
// starts no heading, names no role and holds no other label.
func continuesList(s string) bool {
	line := s
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		line = s[:i]
	}
	line = strings.TrimSpace(line)
	if line == "" || utf8.RuneCountInString(line) > 20 || strings.ContainsAny(line, ":(") {
		return false
	}
	if i := strings.Index(line, "。"); i >= 0 && i+len("。") < len(line) {
		return false
	}
	if lvl, _, _ := matchMarker(line); lvl != 0 {
		return false
	}
	return true
}
