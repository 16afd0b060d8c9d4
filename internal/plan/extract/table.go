package extract

import "strings"

// A decomposition table (重点任务分解表) arrives as text with one cell per
// line-group: a cell starts with a tab, its text may continue on following
// lines without one, empty cells are a bare tab, and category cells are
// repeated or left blank from row to row. Cells are therefore read by what
// they contain, not by their position.

// tableHeader reports whether lines[i:] start a decomposition-table header
// (工作任务 / 主要内容 / 牵头单位 / 责任单位 / 开展时间, cells possibly
// broken across lines) and returns the index of the first body line.
func tableHeader(lines []string, i int) (int, bool) {
	if !strings.HasPrefix(lines[i], "\t") {
		return 0, false
	}
	var hdr strings.Builder
	j := i
	for ; j < len(lines) && j < i+16; j++ {
		l := strings.TrimSpace(lines[j])
		if utf8Len(l) > 12 { // "主要内容及工作措施", "责任单位（部门）"
			break
		}
		hdr.WriteString(l)
		h := hdr.String()
		if strings.Contains(h, "牵头") && containsAny(h, "责任", "配合", "参与", "协办") && containsAny(h, "时间", "时限", "进度") {
			// The header ends after the cell that mentions the time.
			return j + 1, true
		}
	}
	return 0, false
}

func utf8Len(s string) int { return len([]rune(s)) }

// cell is one table cell: its text and its byte span in the cleaned text.
type cell struct {
	text       string
	start, end int
}

// parseTable reads table rows from lines[start:] (offs[i] is where lines[i]
// starts in the cleaned text) and returns the items and the index of the
// first line after the table.
func parseTable(lines []string, offs []int, start int) ([]Item, int) {
	var (
		cells []cell
		cur   strings.Builder // the cell being read, possibly over several lines
		cs    cell
		open  bool
	)
	closeCell := func() {
		if open {
			cs.text = cur.String()
			cells = append(cells, cs)
			cur.Reset()
			open = false
		}
	}
	end := len(lines)
	for j := start; j < len(lines); j++ {
		l := lines[j]
		if strings.HasPrefix(l, "\t") {
			closeCell()
			t := strings.TrimSpace(l)
			cur.WriteString(t)
			lead := len(l) - len(strings.TrimLeft(l, " \t"))
			cs = cell{start: offs[j] + lead, end: offs[j] + lead + len(t)}
			open = true
			continue
		}
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if !open || cur.Len() <= 200 && isScheduleCell(cur.String()) {
			// Text after a row's time cell is the document again.
			end = j
			break
		}
		if cur.Len() == 0 {
			cs.start = offs[j] + len(l) - len(strings.TrimLeft(l, " \t"))
		}
		cur.WriteString(t) // a cell broken across lines
		cs.end = offs[j] + len(strings.TrimRight(l, " \t"))
	}
	closeCell()

	var (
		items   []Item
		catMark string
		row     struct {
			task, title, content string
			lists                [][]string
			schedule             string
			has                  bool
			start, end           int
		}
	)
	flush := func() {
		if !row.has {
			return
		}
		it := Item{Path: []string{row.task}, Title: row.title, Content: contentOf(row.content)}
		if catMark != "" {
			it.Path = []string{catMark, row.task}
		}
		if len(row.lists) > 0 {
			it.Lead = row.lists[0]
		}
		for _, l := range row.lists[min(1, len(row.lists)):] {
			lead, rest := liftLeads(l)
			it.Lead = appendUnique(it.Lead, lead...)
			it.Responsible = appendUnique(it.Responsible, rest...)
		}
		it.Targets = findTargets(row.content)
		it.Schedule = row.schedule
		it.Source = Source{Start: row.start, End: row.end}
		ts := it.Source
		it.TableSource = &ts
		items = append(items, it)
		row.task, row.title, row.content, row.lists, row.schedule, row.has = "", "", "", nil, "", false
	}
	for _, c := range cells {
		if c.text == "" {
			continue
		}
		lvl, marker, n := matchMarker(c.text)
		switch {
		case lvl == lvlParenCN || lvl == lvlChinese:
			flush()
			if marker != catMark {
				catMark = marker
				src := Source{Start: c.start, End: c.end}
				items = append(items, Item{Path: []string{marker}, Title: titleOf(c.text[n:]), Source: src, TableSource: &src})
			}
		case lvl == lvlArabic || lvl == lvlParenNum:
			flush()
			row.has = true
			row.task = marker
			row.content = c.text[n:]
			row.title = titleOf(c.text[n:])
			row.start, row.end = c.start, c.end
		case isScheduleCell(c.text):
			row.schedule = squeeze(c.text)
			row.end = max(row.end, c.end)
			flush()
		case row.has:
			carry := ""
			if len(row.lists) > 0 && len(row.lists[0]) > 0 {
				carry = prefixOf(row.lists[0][0])
			}
			row.lists = append(row.lists, parseUnits(c.text, carry, true))
			row.end = max(row.end, c.end)
		}
	}
	flush()
	return items, end
}

// isScheduleCell reports whether a whole cell is a time window: "5月中下旬",
// "1-12月", "2022至2025年", "全年", "长期".
func isScheduleCell(c string) bool {
	if len(c) > 200 {
		return false
	}
	c = squeeze(c)
	if c == "" || utf8Len(c) > 20 {
		return false
	}
	switch c {
	case "全年", "长期", "持续", "常态化", "长期坚持", "持续推进", "每年":
		return true
	}
	for _, re := range []interface{ FindStringIndex(string) []int }{monthRe, yearSpanRe, yearRe} {
		if m := re.FindStringIndex(c); m != nil && m[0] == 0 && (m[1] == len(c) || utf8Len(c[m[1]:]) <= 6) {
			return true
		}
	}
	return false
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
