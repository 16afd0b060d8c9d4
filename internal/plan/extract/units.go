package extract

import (
	"strings"
	"unicode/utf8"
)

// Role words as plans write them, followed by a colon. Lead words come
// first where one is a prefix of another (总牵头部门 before 牵头部门).
var leadWords = []string{"总牵头单位", "总牵头部门", "牵头单位", "牵头部门", "牵头处室", "主办单位", "主办部门", "主责单位", "主责部门", "总牵头", "牵头", "主办"}

// respWords are read as responsible units: the schema has two roles, and a
// co-operating unit (配合/协办/参与) carries the task with the lead.
var respWords = []string{"责任单位", "责任部门", "配合单位", "配合部门", "协办单位", "协办部门", "承办单位", "参与单位", "参与部门", "参加单位", "参加部门", "协作单位", "协作部门", "协同单位",
	"责任分工", "配合", "参与", "参加", "协办", "承办"}

// roleAt reports the role word at the start of s used as a label:
// followed by a colon ("牵头单位:", "配合:"), or in brackets ("【牵头单位】").
// A bare 牵头 or 配合 without a colon is a verb, read by sentenceRoles.
func roleAt(s string) (lead bool, n int) {
	if len(s) < 6 {
		return false, 0
	}
	// Every role word starts with one of these: most positions are
	// rejected by one look.
	if r, _ := utf8.DecodeRuneInString(s); !strings.ContainsRune("总牵主责配协承参【[", r) {
		return false, 0
	}
	open, close := "", ""
	switch {
	case strings.HasPrefix(s, "【"):
		open, close = "【", "】"
	case s[0] == '[':
		open, close = "[", "]"
	}
	t := s[len(open):]
	for _, set := range [2][]string{leadWords, respWords} {
		for _, w := range set {
			if !strings.HasPrefix(t, w) {
				continue
			}
			k := len(open) + len(w)
			if open != "" {
				if strings.HasPrefix(s[k:], close) {
					return set[0] == leadWords[0], k + len(close)
				}
				continue
			}
			for k < len(s) && s[k] == ' ' {
				k++
			}
			if k < len(s) && s[k] == ':' {
				return set[0] == leadWords[0], k + 1
			}
		}
	}
	return false, 0
}

// isRoleWord reports a role word standing for a unit ("牵头单位要…"): it
// names no unit.
func isRoleWord(s string) bool {
	for _, set := range [2][]string{leadWords, respWords} {
		for _, w := range set {
			if s == w {
				return true
			}
		}
	}
	return false
}

// takeAssignments finds lead and responsible units in a block of prose:
// labelled lists, then roles written as sentences in the rest.
func takeAssignments(body string) (rest string, lead, resp []string) {
	rest, lead, resp = explicitRoles(body)
	sl, sr := sentenceRoles(rest)
	return rest, appendUnique(lead, sl...), appendUnique(resp, sr...)
}

// explicitRoles finds labelled unit lists in a block of prose: in a
// parenthesis "(责任单位:A、B)", on a line "牵头单位:X", or inside a line
// after the end of a sentence ("…。主办单位:X;协办单位:Y。"). It returns the
// block with the lists removed, so that targets are not read from unit
// lists; text in a list's span that is not a unit list (联系人:…, 完成时限:…,
// a sentence after the list's full stop) is kept, at the end.
func explicitRoles(body string) (rest string, lead, resp []string) {
	var (
		b    strings.Builder
		tail []string // text kept from lists' spans, put after the rest so that it is not read as the title
	)
	b.Grow(len(body))
	boundary := true
	for i := 0; i < len(body); {
		c := body[i]
		if c == '(' {
			if _, n := roleAt(strings.TrimLeft(body[i+1:], " ")); n > 0 {
				end := matchParen(body, i)
				l, r, other := splitRoles(body[i+1 : end])
				lead = appendUnique(lead, l...)
				resp = appendUnique(resp, r...)
				if other != "" {
					tail = append(tail, other)
				}
				i = end
				if i < len(body) {
					i++ // the closing parenthesis
				}
				boundary = true
				continue
			}
		}
		if boundary {
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
				l, r, other := splitRoles(body[k:end])
				lead = appendUnique(lead, l...)
				resp = appendUnique(resp, r...)
				if other != "" {
					tail = append(tail, other)
				}
				i = end
				boundary = false
				continue
			}
		}
		r, w := utf8.DecodeRuneInString(body[i:])
		switch r {
		case '\n', ' ', '\t', '。', '；', ';', '，', ',':
			boundary = true
		default:
			boundary = false
		}
		b.WriteString(body[i : i+w])
		i += w
	}
	if len(tail) > 0 {
		b.WriteString("\n" + strings.Join(tail, "\n"))
	}
	return b.String(), lead, resp
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

// splitRoles reads "牵头单位:X;责任单位:A、B" (one or more role words). A
// list ends at the next role word, at a full stop, or at a label that is
// not a role ("联系人:", "完成时限:"); the text from there to the next role
// word is returned as other.
func splitRoles(s string) (lead, resp []string, other string) {
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
	var (
		prefix string
		others []string
	)
	for _, p := range parts {
		list := s[p.start:p.end]
		if cut := min(listEnd(list), sentenceStart(list)); cut < len(list) {
			if o := strings.Trim(list[cut:], " \t\n;；,，。"); o != "" {
				others = append(others, o)
			}
			list = list[:cut]
		}
		names := parseUnits(list, prefix, false)
		if len(names) > 0 && prefix == "" {
			prefix = prefixOf(names[0])
		}
		if p.lead {
			lead = appendUnique(lead, names...)
		} else {
			l, r := liftLeads(names)
			lead = appendUnique(lead, l...)
			resp = appendUnique(resp, r...)
		}
	}
	return lead, resp, strings.Join(others, "；")
}

// listEnd returns where a unit list stops: at a full stop, or at a label
// ("联系人:") that starts after a separator.
func listEnd(s string) int {
	end := len(s)
	if i := strings.Index(s, "。"); i >= 0 {
		end = i
	}
	for off := 0; off < end; {
		j := strings.IndexByte(s[off:end], ':')
		if j < 0 {
			break
		}
		j += off
		// Walk back over the label's characters to the separator before it.
		k := j
		for k > 0 && j-k <= 8*3 {
			r, w := utf8.DecodeLastRuneInString(s[:k])
			if strings.ContainsRune("、,，;； \t\n", r) {
				break
			}
			k -= w
		}
		if j-k <= 8*3 {
			return k
		}
		off = j + 1
	}
	return end
}

// leadMarks mark the lead inside a list of responsible units:
// "责任单位:市科协(牵头)、市教育局".
var leadMarks = []string{"(牵头)", "(牵头单位)", "(牵头部门)", "(总牵头)", "(牵头负责)", "〔牵头〕", "[牵头]", "【牵头】"}

// liftLeads splits the names marked as lead out of a list of responsible
// units, without their mark.
func liftLeads(names []string) (lead, rest []string) {
	for _, n := range names {
		marked := false
		for _, m := range leadMarks {
			if strings.HasSuffix(n, m) && len(n) > len(m) {
				lead = append(lead, strings.TrimSuffix(n, m))
				marked = true
				break
			}
		}
		if !marked {
			rest = append(rest, n)
		}
	}
	return lead, rest
}

// roleVerbs are the verbs of roles written as sentences: a list item that
// holds one and is not a unit name is a sentence ("市科协负责指导").
var roleVerbs = []string{"负责", "牵头", "配合", "参与", "参加", "协办", "承办", "会同", "协助"}

// sentenceStart returns where a unit list runs into a sentence: the start of
// the first clause (after ，or ；) that holds a role verb and is not a unit
// name, or len(s). The sentence is then read by sentenceRoles.
func sentenceStart(s string) int {
	start := 0
	for i := 0; i <= len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if i == len(s) || strings.ContainsRune(",，;；", r) {
			seg := strings.TrimSpace(s[start:i])
			for _, m := range leadMarks {
				seg = strings.ReplaceAll(seg, m, "")
			}
			if seg != "" && containsAny(seg, roleVerbs...) && !looksLikeUnit(seg) {
				return start
			}
			start = i + w
		}
		if i == len(s) {
			break
		}
		i += w
	}
	return len(s)
}

// Verbs of roles written as sentences.
var (
	// followVerbs end the clause naming responsible units after a lead:
	// "由X牵头，Y、Z参与". Longer words first.
	followVerbs = []string{"按职责分工负责", "分工负责", "负责落实", "共同参与", "具体实施", "组织实施", "具体落实", "抓好落实", "参与", "参加", "配合", "协助", "协办", "承办", "负责"}
	headVerbs   = []string{"牵头", "主办", "负责"}
)

// sentenceRoles reads roles written as sentences: "由X、Y牵头，Z参加",
// "X、Y共同牵头，Z参与，W具体实施", "由X主办", "X负责", "X负责指导",
// "由X会同Y负责", "牵头单位为X，Y配合", "X为牵头单位". Only names that look like
// units are taken, so that 牵头 used as an ordinary verb does not produce
// assignments. "X负责" (负责 ending the clause, or followed only by a verb
// of oversight: 指导, 统筹, 协调 …) makes X the lead when the text names no
// 牵头, 主办 or 会同 unit, and responsible otherwise.
func sentenceRoles(s string) (lead, resp []string) {
	var (
		owners  []string
		hasLead bool
		next    [3]int // next occurrence of each head verb at or after off; -2: unknown
	)
	for k := range next {
		next[k] = -2
	}
	for off := 0; off < len(s); {
		// The nearest head verb, each searched for once per occurrence so
		// that the scan stays linear.
		vi, i := -1, len(s)
		for k, v := range headVerbs {
			if next[k] == -2 || next[k] >= 0 && next[k] < off {
				if j := strings.Index(s[off:], v); j >= 0 {
					next[k] = off + j
				} else {
					next[k] = -1
				}
			}
			if next[k] >= 0 && next[k] < i {
				vi, i = k, next[k]
			}
		}
		if vi < 0 {
			break
		}
		verb := headVerbs[vi]
		off = i + len(verb)
		after := s[off:]
		switch verb {
		case "负责":
			after = strings.TrimLeft(skipWords(after, oversightVerbs, 2), " ")
			if !endsClause(after) {
				continue
			}
		case "主办":
			if !endsClause(after) {
				continue
			}
		default:
			if strings.HasPrefix(after, "单位") || strings.HasPrefix(after, "部门") || strings.HasPrefix(after, "处室") {
				continue
			}
		}
		// The unit list is the clause before the verb (looking back a
		// bounded distance, so that text full of 牵头 stays linear).
		from := runeStart(s, i-maxClause)
		startCl := from + lastClauseStart(s[from:i])
		cl := strings.TrimSpace(s[startCl:i])
		cl = strings.TrimPrefix(strings.TrimPrefix(cl, "并"), "由")
		for _, adv := range []string{"共同", "联合", "分别", "具体", "牵头"} {
			cl = strings.TrimSuffix(cl, adv)
		}
		if k := strings.Index(cl, "会同"); k > 0 {
			// "由X会同Y负责": X leads, Y takes part.
			l := parseUnits(cl[:k], "", false)
			r := parseUnits(cl[k+len("会同"):], prefixOf(cl), false)
			if len(l) > 0 && allUnits(l) && len(r) > 0 && allUnits(r) {
				lead = appendUnique(lead, l...)
				resp = appendUnique(resp, r...)
				hasLead = true
			}
			continue
		}
		names := parseUnits(cl, "", false)
		if len(names) == 0 || !allUnits(names) {
			continue
		}
		if verb == "负责" {
			owners = appendUnique(owners, names...)
		} else {
			lead = appendUnique(lead, names...)
			hasLead = true
		}
		resp = appendUnique(resp, followers(after, prefixOf(names[0]))...)
	}
	// "牵头单位为X" and "X为牵头单位": a role word as the subject. Each 为
	// is looked at once, with the role words beside it.
	for off := 0; off < len(s); {
		j := strings.Index(s[off:], "为")
		if j < 0 {
			break
		}
		j += off
		off = j + len("为")
		var (
			names []string
			after string
			word  string
		)
		if w := roleWordAround(s[:j], true); w != "" {
			rest := s[off:]
			rest = rest[:runeStart(rest, maxClause)]
			e := clauseEnd(rest)
			names, after, word = parseUnits(rest[:e], "", false), rest[e:], w
		} else if w := roleWordAround(s[off:], false); w != "" {
			from := runeStart(s, j-maxClause)
			names, after, word = parseUnits(s[from+lastClauseStart(s[from:j]):j], "", false), s[off+len(w):], w
		}
		if len(names) == 0 || !allUnits(names) {
			continue
		}
		if isLeadWord(word) {
			lead = appendUnique(lead, names...)
			hasLead = true
			resp = appendUnique(resp, followers(after, prefixOf(names[0]))...)
		} else {
			resp = appendUnique(resp, names...)
		}
	}
	if hasLead {
		resp = appendUnique(resp, owners...)
	} else {
		lead = appendUnique(lead, owners...)
	}
	return lead, resp
}

// roleWordAround returns the full role word (ending in 单位, 部门 or 处室:
// the short labels are verbs here) that s ends with (before) or starts
// with (!before), or "".
func roleWordAround(s string, before bool) string {
	for _, set := range [2][]string{leadWords, respWords} {
		for _, w := range set {
			if !strings.HasSuffix(w, "单位") && !strings.HasSuffix(w, "部门") && !strings.HasSuffix(w, "处室") {
				continue
			}
			if before && strings.HasSuffix(s, w) || !before && strings.HasPrefix(s, w) {
				return w
			}
		}
	}
	return ""
}

func isLeadWord(w string) bool {
	for _, l := range leadWords {
		if l == w {
			return true
		}
	}
	return false
}

// oversightVerbs may follow 负责 in "X负责指导。" without making it an
// ordinary sentence ("区政府负责领导纲要的实施工作" is one).
var oversightVerbs = []string{"组织实施", "统筹", "协调", "指导", "督促", "督办", "落实", "实施", "推进", "牵头"}

// skipWords skips up to n of the words at the start of s.
func skipWords(s string, words []string, n int) string {
	for ; n > 0; n-- {
		found := false
		for _, w := range words {
			if strings.HasPrefix(s, w) {
				s = s[len(w):]
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return s
}

// followers reads the responsible units named after a lead: up to three
// clauses each ending in 参与/参加/配合/具体实施 … ("，Y参与，W具体实施").
// prefix is the lead's level prefix, for an abbreviated list.
func followers(after, prefix string) []string {
	var resp []string
	rest := strings.TrimLeft(after, ",，、 ")
	rest = rest[:runeStart(rest, maxClause)]
	for n := 0; n < 3 && rest != ""; n++ {
		endCl := clauseEnd(rest)
		cl2 := rest[:endCl]
		found := false
		for _, w := range followVerbs {
			if strings.HasSuffix(cl2, w) {
				cl2 = strings.TrimPrefix(strings.TrimSuffix(cl2, w), "由")
				for _, adv := range []string{"共同", "积极", "具体", "分别"} {
					cl2 = strings.TrimSuffix(cl2, adv)
				}
				r := parseUnits(cl2, prefix, false)
				if len(r) > 0 && allUnits(r) {
					resp = appendUnique(resp, r...)
					found = true
				}
				break
			}
		}
		if !found || !strings.HasPrefix(rest[endCl:], "，") && !strings.HasPrefix(rest[endCl:], ",") {
			break
		}
		rest = strings.TrimLeft(rest[endCl:], ",，、 ")
	}
	return resp
}

// endsClause reports whether s starts with the end of a clause: the verb
// before it closes its clause ("X负责。", "(X负责)", "由X主办，").
func endsClause(s string) bool {
	if s == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return strings.ContainsRune("。，,；;)\n、", r)
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
	if s == "" || utf8.RuneCountInString(s) > 30 || isRoleWord(s) || containsAny(s, roleVerbs...) {
		return false
	}
	// Collective names: 各街道, 各乡镇, 各县(市、区)人民政府.
	if strings.HasPrefix(s, "各") && utf8.RuneCountInString(s) <= 16 {
		for _, suf := range []string{"县", "区", "市", "乡", "镇", "街道", "旗", "单位", "部门", "政府", ")"} {
			if strings.HasSuffix(s, suf) {
				return true
			}
		}
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
