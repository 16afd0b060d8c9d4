package extract

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Comparators of targets and goals.
const (
	CmpEQ = "="
	CmpGE = ">="
	CmpGT = ">"
	CmpLE = "<="
	CmpLT = "<"
)

// countUnits are the measure words a quantitative target is counted in.
// Longer words come first so that 人次 wins over 人 and 场次 over 场.
const countUnits = `万人次|人次|场次|个百分点|名|人|场|项|次|个|所|座|家|期|篇|部|支|批|件|套|处|种|门|本|户|间|台|辆|册|份|小时|课时|学时|%`

var (
	targetRe = regexp.MustCompile(`(不少于|不低于|不超过|至少|超过|达到|突破|累计|力争)?\s*(\d+(?:\.\d+)?)\s*(万|千|百|亿)?\s*(` + countUnits + `)(以上|左右|以内|以下)?`)
	// "每两年举办一次": a count written in Chinese numerals after a period.
	cnTargetRe = regexp.MustCompile(`(每[一二两三四五]?(?:年|季度|月|周|半年))[^,，。;；]{0,20}?([一二两三四五六七八九十])(次|场|期|届)`)
	periodRe   = regexp.MustCompile(`每[一二两三四五]?(?:年|季度|月|周|半年)|年均|全年|年度|年内|\d{4}\s*年?\s*[-~至到—–]\s*\d{4}\s*年|\d{4}\s*年(?:底|前|内)?`)
	monthRe    = regexp.MustCompile(`(?:每年\s*)?(?:\d{4}\s*年\s*)?\d{1,2}\s*(?:[-~至到—–]\s*\d{1,2}\s*)?月(?:上中旬|中下旬|上旬|中旬|下旬|底|初|中|末|份)?(?:\s*\d{1,2}\s*日)?(?:以前|之前|前)?`)
	yearSpanRe = regexp.MustCompile(`\d{4}\s*年?\s*(?:[-~至到—–])\s*\d{4}\s*年(?:底|末)?(?:以前|之前|前)?`)
	// "2025年底前": a deadline year; "上半年", "一季度", "年底前": words.
	yearDeadlineRe = regexp.MustCompile(`\d{4}\s*年(?:底|末)?(?:以前|之前|前)`)
	wordSchedRe    = regexp.MustCompile(`上半年|下半年|年底前|年末前|第?[一二三四]季度`)
	goalRe         = regexp.MustCompile(`(达到|超过|不低于|提高到|提升到|提高至|提升至|力争达到|突破)\s*(\d+(?:\.\d+)?)\s*%`)
	yearRe         = regexp.MustCompile(`(\d{4})\s*年`)
)

// clauses splits text at clause punctuation, returning byte spans.
func clauses(s string) [][2]int {
	var out [][2]int
	start := 0
	for i, r := range s {
		switch r {
		case '。', ',', '，', ';', '；', '\n', ':', '!', '！', '?', '？':
			if i > start {
				out = append(out, [2]int{start, i})
			}
			start = i + len(string(r))
		}
	}
	if start < len(s) {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

// ParseTargets finds the quantitative targets in s, as Extract does in an
// item's text; a form uses it to read targets typed by hand.
func ParseTargets(s string) []Target {
	if len(s) > MaxInput {
		s = s[:MaxInput]
	}
	text, _ := normalize(s)
	return findTargets(text)
}

// findTargets returns the quantitative targets in s, one per number with a
// measure word, plus counts written in Chinese numerals after a period.
// Percentages of a goal sentence are goals, not targets.
func findTargets(s string) []Target {
	var out []Target
	for _, c := range clauses(s) {
		cl := s[c[0]:c[1]]
		if len(cl) > 3*maxClause {
			// No natural clause is this long; skipping keeps the work
			// linear on input without punctuation.
			continue
		}
		if strings.IndexAny(cl, "0123456789") < 0 && !strings.Contains(cl, "每") {
			continue // every target has a digit or a 每
		}
		if strings.Contains(cl, "比例") && goalRe.MatchString(cl) {
			continue
		}
		var ms [][]int
		if strings.IndexAny(cl, "0123456789") >= 0 {
			ms = targetRe.FindAllStringSubmatchIndex(cl, -1)
		}
		for _, m := range ms {
			// A number glued to a following 年/月 or a model number is
			// not a count: the regexp stops at the measure word, so only
			// check what precedes the number.
			if m[4] > 0 {
				prev := cl[m[4]-1]
				if prev >= '0' && prev <= '9' || prev == '.' || prev >= 'A' && prev <= 'z' || prev == '-' {
					continue
				}
			}
			num := cl[m[4]:m[5]]
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				continue
			}
			unit := cl[m[8]:m[9]]
			if m[6] >= 0 {
				v *= multiplier(cl[m[6]:m[7]])
			}
			if strings.HasPrefix(unit, "万") {
				v *= 10000
				unit = strings.TrimPrefix(unit, "万")
			}
			cmp := CmpEQ
			if m[2] >= 0 {
				cmp = comparatorOf(cl[m[2]:m[3]])
			} else if w := boundBefore(cl[:m[4]]); w != "" {
				cmp = comparatorOf(w) // "至少举办讲座2场"
			}
			if m[10] >= 0 {
				cmp = comparatorOf(cl[m[10]:m[11]])
			}
			t := makeTarget(cl, m[0], m[1], v, unit, cmp)
			if unit == "项" && (strings.HasSuffix(t.Metric, "行动") || strings.HasSuffix(t.Metric, "工程")) && strings.Contains(t.Metric, "实施") {
				// "实施5项重点工程" counts the plan's own parts, not work to do.
				continue
			}
			out = append(out, t)
		}
		if !strings.Contains(cl, "每") {
			continue
		}
		for _, m := range cnTargetRe.FindAllStringSubmatchIndex(cl, -1) {
			v := float64(strings.Index("一二三四五六七八九十", cl[m[4]:m[5]])/3 + 1)
			if cl[m[4]:m[5]] == "两" {
				v = 2
			}
			out = append(out, makeTarget(cl, m[4], m[1], v, cl[m[6]:m[7]], CmpEQ))
		}
	}
	return out
}

// boundBefore returns a bound word (至少, 不少于, 不低于, 不超过) standing a
// few characters before a number in its clause, with no other number
// between: "至少举办讲座2场" bounds the 2.
func boundBefore(s string) string {
	s = s[runeStart(s, len(s)-8*3):]
	best, bw := -1, ""
	for _, w := range []string{"至少", "不少于", "不低于", "不超过"} {
		if i := strings.LastIndex(s, w); i > best {
			best, bw = i, w
		}
	}
	if best < 0 || strings.IndexAny(s[best:], "0123456789") >= 0 {
		return ""
	}
	return bw
}

func makeTarget(cl string, ms, me int, v float64, unit, cmp string) Target {
	text := strings.TrimSpace(cl)
	period := ""
	if p := periodRe.FindStringIndex(cl); p != nil && p[1] <= ms+1 || p != nil && strings.HasPrefix(cl[p[0]:], "每") {
		period = strings.ReplaceAll(cl[p[0]:p[1]], " ", "")
	}
	metric := cl[:ms] + cl[me:]
	if period != "" {
		metric = strings.Replace(strings.ReplaceAll(metric, " ", ""), period, "", 1)
	}
	metric = squeeze(metric)
	if r, w := utf8.DecodeRuneInString(metric); strings.ContainsRune("一二三四五六七八九十", r) && strings.HasPrefix(metric[w:], "是") {
		metric = metric[w+len("是"):] // the marker of a sub-point, "三是…"
	}
	for _, w := range []string{"不少于", "不低于", "至少", "超过", "达到", "累计", "力争"} {
		metric = strings.TrimSuffix(metric, w)
	}
	return Target{Text: squeeze(text), Metric: strings.Trim(metric, "、的 "), Comparator: cmp, Value: v, Unit: unit, Period: period}
}

func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

func multiplier(s string) float64 {
	switch s {
	case "万":
		return 10000
	case "千":
		return 1000
	case "百":
		return 100
	case "亿":
		return 1e8
	}
	return 1
}

func comparatorOf(w string) string {
	switch w {
	case "不少于", "不低于", "至少", "以上", "达到", "力争", "累计", "突破",
		"提高到", "提升到", "提高至", "提升至", "力争达到":
		return CmpGE
	case "超过":
		return CmpGT
	case "不超过", "以内":
		return CmpLE
	case "以下":
		return CmpLT
	}
	return CmpEQ
}

// findSchedule returns the first schedule written in s: a month window
// ("5月中下旬", "5-9月", "每年3月", "12月底前"), a span of years
// ("2022至2025年"), a deadline ("2025年底前") or a part of the year
// ("上半年", "年底前"), outside a book title or a parenthesis (where a span
// names a plan's period). A full date with its year and day ("2021年9月10日")
// is the date of a document or an event, not a schedule, unless 前 follows.
func findSchedule(s string) string {
	best, bestEnd := -1, -1
	for _, x := range []struct {
		re   *regexp.Regexp
		must []string // the regexp cannot match without one of these: skip it cheaply
	}{
		{monthRe, []string{"月"}},
		{yearSpanRe, []string{"年"}},
		{yearDeadlineRe, []string{"前"}},
		{wordSchedRe, []string{"半年", "年底前", "年末前", "季度"}},
	} {
		if !containsAny(s, x.must...) {
			continue
		}
		re := x.re
		pos, depth := 0, 0
		for _, m := range re.FindAllStringIndex(s, -1) {
			if best >= 0 && m[0] >= best {
				break
			}
			depth = bracketDepth(s[pos:m[0]], depth)
			pos = m[0]
			if depth > 0 {
				continue
			}
			if m[0] > 0 && (s[m[0]-1] >= '0' && s[m[0]-1] <= '9') || strings.HasPrefix(s[m[1]:], "度") {
				continue // part of a longer number, or 年度 naming a period
			}
			t := s[m[0]:m[1]]
			if strings.HasSuffix(t, "日") && strings.Contains(t, "年") {
				continue
			}
			best, bestEnd = m[0], m[1]
			break
		}
	}
	if best < 0 {
		return ""
	}
	return squeeze(s[best:bestEnd])
}

// bracketDepth returns the nesting depth of 《》 and () after s, starting
// from depth.
func bracketDepth(s string, depth int) int {
	for _, r := range s {
		switch r {
		case '《', '(':
			depth++
		case '》', ')':
			if depth > 0 {
				depth--
			}
		}
	}
	return depth
}

// findGoals returns the percentage goals of a text: a clause naming a
// proportion (比例) with a comparator and a percentage, and the year the
// sentence names.
func findGoals(s string) []Goal {
	var out []Goal
	if !strings.Contains(s, "%") {
		return nil
	}
	for _, sent := range strings.Split(s, "。") {
		if !strings.Contains(sent, "%") {
			continue
		}
		for _, m := range goalRe.FindAllStringSubmatchIndex(sent, -1) {
			// Look back a bounded distance: the metric and year sit in
			// the same sentence, close to the number.
			base := runeStart(sent, m[0]-maxClause)
			sent := sent[base:]
			m := shift(m, base)
			before := sent[:m[0]]
			k := strings.LastIndex(before, "比例")
			if k < 0 {
				continue
			}
			metricEnd := k + len("比例")
			mstart := lastClauseStart(before[:metricEnd])
			year := 0
			if ys := yearRe.FindAllStringSubmatchIndex(sent[:m[0]], -1); len(ys) > 0 {
				y := ys[len(ys)-1]
				year, _ = strconv.Atoi(sent[y[2]:y[3]])
				if y[1] > mstart && y[1] <= metricEnd {
					mstart = y[1]
				}
			}
			metric := squeeze(before[mstart:metricEnd])
			for _, w := range []string{"完成", "实现", "确保", "全州", "全市", "全区", "全县", "全省", "我市", "我州", "我区", "我县"} {
				metric = strings.TrimPrefix(metric, w)
			}
			v, _ := strconv.ParseFloat(sent[m[4]:m[5]], 64)
			textStart := lastClauseStart(before[:mstart])
			if year > 0 {
				if ys := yearRe.FindAllStringIndex(sent[:m[0]], -1); len(ys) > 0 {
					if y := ys[len(ys)-1]; y[0] < textStart {
						textStart = y[0]
					}
				}
			}
			out = append(out, Goal{
				Text:       squeeze(sent[textStart:m[1]]),
				Metric:     metric,
				Comparator: comparatorOf(sent[m[2]:m[3]]),
				Value:      v,
				Unit:       "%",
				Year:       year,
			})
		}
	}
	return out
}

// shift moves submatch indexes left by base (unmatched groups stay -1).
func shift(m []int, base int) []int {
	out := make([]int, len(m))
	for i, v := range m {
		if v >= 0 {
			v -= base
		}
		out[i] = v
	}
	return out
}
