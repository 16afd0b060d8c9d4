package extract

import (
	"regexp"
	"strings"
)

// Window is a schedule as dates: from From to To, both inclusive. A zero
// year means the year of the plan, not stated in the text ("5-9月"); a zero
// From (all three fields) means no start is stated ("年底前": by the end of
// the year); a zero To means no end is stated ("2024年起"). Recurring says
// the window comes back every year of the plan ("每年3月").
type Window struct {
	FromYear  int  `json:"from_year"`
	FromMonth int  `json:"from_month"`
	FromDay   int  `json:"from_day"`
	ToYear    int  `json:"to_year"`
	ToMonth   int  `json:"to_month"`
	ToDay     int  `json:"to_day"`
	Recurring bool `json:"recurring"`
}

// From returns the start as "YYYY-MM-DD", or "MM-DD" when the year is the
// plan's, or "" when no start is stated.
func (w Window) From() string { return dateText(w.FromYear, w.FromMonth, w.FromDay) }

// To returns the end as From does.
func (w Window) To() string { return dateText(w.ToYear, w.ToMonth, w.ToDay) }

func dateText(y, m, d int) string {
	if m == 0 {
		return ""
	}
	two := func(n int) string {
		if n < 10 {
			return "0" + itoa(n)
		}
		return itoa(n)
	}
	s := two(m) + "-" + two(d)
	if y > 0 {
		s = itoa(y) + "-" + s
	}
	return s
}

// ParseSchedule reads a schedule as plans write it and returns its window;
// ok is false when the text names no time ("长期", "持续推进", "常态化", or
// nothing recognisable). year is the plan's year, used where the text gives
// none (0 leaves those years 0). The rules:
//
//   - "5月" is the whole month; "5月上旬" days 1–10, "中旬" 11–20, "下旬"
//     21 to the month's end, "上中旬" 1–20, "中下旬" 11 to the end, "初"
//     1–10, "中" 11–20, "底"/"末" 21 to the end; "5月20日" one day.
//   - "5-9月", "5月至9月", "3月1日—4月15日": from the start of the first to
//     the end of the second; the dash may be -, —, –, ~, 至 or 到.
//   - "2023年" is the whole year; "2022至2025年", "2022年—2025年底" span from
//     1 January of the first to 31 December of the last; "2023年3月-2024年6月".
//   - "上半年" January–June, "下半年" July–December, "一季度"/"第一季度"
//     January–March and so on; "全年", "年内", "1-12月" the whole year.
//   - A trailing 前/以前/之前, and 年底/年末 of a year, make a deadline: no
//     start, the end of what they follow ("年底前", "12月底前", "2025年底前",
//     "6月30日前"). A trailing 起/以来 makes a start with no end.
//   - 每年 makes it Recurring ("每年3月"; "每年" alone is the whole year,
//     recurring). "“十四五”期间" is 2021–2025 (十三五 2016–2020, 十五五
//     2026–2030).
//   - With the year unknown, February is taken to have 29 days, so that a
//     window is never cut short.
//
// The first time expression in the text is the one read.
func ParseSchedule(text string, year int) (Window, bool) {
	s := foldSchedule(text)
	if s == "" {
		return Window{}, false
	}
	w := Window{Recurring: strings.Contains(s, "每年")}
	for _, p := range []struct {
		word     string
		from, to int
	}{{"十三五", 2016, 2020}, {"十四五", 2021, 2025}, {"十五五", 2026, 2030}} {
		if strings.Contains(s, p.word) {
			return span(w, p.from, 1, 1, p.to, 12, 31)
		}
	}
	d := strings.IndexAny(s, "0123456789")
	wm := wordRe.FindStringIndex(s)
	switch {
	case d < 0 && wm == nil:
		if w.Recurring {
			return span(w, year, 1, 1, year, 12, 31) // 每年
		}
		return Window{}, false
	case wm != nil && (d < 0 || wm[0] < d):
		return wordWindow(w, s[wm[0]:wm[1]], year)
	}
	a, i := readPoint(s, d)
	if a.half != "" {
		return wordWindow(w, a.half, a.y)
	}
	if i < len(s) && s[i] == '-' {
		b, j := readPoint(s, i+1)
		if b.y == 0 && b.m == 0 && b.d == 0 {
			return Window{}, false
		}
		suffix := suffixAt(s[j:])
		// A bare first number takes its unit from the second: "5-9月",
		// "2022-2025年", "3月1-15日".
		if a.bare > 0 {
			switch {
			case b.m > 0 && b.y == 0 && a.bare <= 12:
				a.m = a.bare
			case b.y > 0 && b.m == 0 && a.bare >= 1000:
				a.y = a.bare
			case b.d > 0 && b.m == 0 && a.m > 0:
				a.d = a.bare
			default:
				return Window{}, false
			}
			a.bare = 0
		}
		// Each side takes from the other what it leaves out.
		if b.m == 0 && b.d > 0 {
			b.y, b.m = a.y, a.m
		}
		if b.y == 0 && b.m > 0 {
			b.y = a.y
		}
		if a.y == 0 && a.m > 0 && b.y > 0 {
			a.y = b.y
		}
		fy, fm, fd, ok1 := a.start(year)
		ty, tm, td, ok2 := b.end(year)
		if !ok1 || !ok2 {
			return Window{}, false
		}
		if suffix == "起" || suffix == "以来" {
			ty, tm, td = 0, 0, 0
		}
		return span(w, fy, fm, fd, ty, tm, td)
	}
	if a.bare > 0 || a.y == 0 && a.m == 0 {
		return Window{}, false // a number, or a day, with nothing to place it
	}
	return pointWindow(w, a, suffixAt(s[i:]), year)
}

// readPoint reads one date at s[i:] (which starts with a digit): "2024年",
// "2024年3月", "5月中下旬", "6月30日", "2025年底", "2024年上半年", or a bare
// number. It returns the point and where reading stopped.
func readPoint(s string, i int) (datePoint, int) {
	var p datePoint
	num := func() (int, int) { // value and digit count at i
		j := i
		for j < len(s) && j-i < 4 && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		v := atoi(s[i:j])
		n := j - i
		i = j
		return v, n
	}
	v, n := num()
	if n == 0 {
		return p, i
	}
	if n == 4 && strings.HasPrefix(s[i:], "年") {
		p.y = v
		i += len("年")
		for _, h := range []string{"上半年", "下半年", "底", "末"} {
			if strings.HasPrefix(s[i:], h) {
				if h == "底" || h == "末" {
					p.part = h
				} else {
					p.half = h
				}
				return p, i + len(h)
			}
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			if q := strings.Index(s[i:min(len(s), i+12)], "季度"); q >= 0 {
				p.half = s[i : i+q+len("季度")]
			}
			return p, i
		}
		if v, n = num(); n == 0 {
			return p, i
		}
	}
	switch {
	case n <= 2 && strings.HasPrefix(s[i:], "月"):
		p.m = v
		i += len("月")
		if j := i; j < len(s) && s[j] >= '0' && s[j] <= '9' {
			d, dn := num()
			switch {
			case dn <= 2 && strings.HasPrefix(s[i:], "日"):
				p.d = d
				i += len("日")
			case dn <= 2 && strings.HasPrefix(s[i:], "-"):
				p.bare = d // "3月1-15日": the day's unit comes after the dash
			default:
				i = j
			}
			return p, i
		}
		for _, part := range []string{"上中旬", "中下旬", "上旬", "中旬", "下旬", "初", "中", "底", "末"} {
			if strings.HasPrefix(s[i:], part) {
				p.part = part
				i += len(part)
				break
			}
		}
	case n <= 2 && strings.HasPrefix(s[i:], "日"):
		p.d = v
		i += len("日")
	default:
		p.bare = v
	}
	return p, i
}

// suffixAt returns the suffix that turns a point into a deadline or a start.
func suffixAt(s string) string {
	for _, x := range []string{"以前", "之前", "前", "以来", "起"} {
		if strings.HasPrefix(s, x) {
			return x
		}
	}
	return ""
}

// datePoint is one side of a schedule: a year, a month, a day or a part
// of a month, or a bare number whose unit the other side gives.
type datePoint struct {
	y, m, d int
	bare    int    // a number with no unit of its own
	part    string // 上旬 中下旬 底 …
	half    string // 上半年, 下半年, 一季度 after a year
}

// start returns the first day of the point.
func (p datePoint) start(year int) (y, m, d int, ok bool) {
	y = p.y
	if y == 0 {
		y = year
	}
	switch {
	case p.m == 0 && p.y > 0:
		return y, 1, 1, true
	case p.m == 0:
		return 0, 0, 0, false
	case p.d > 0:
		return y, p.m, p.d, true
	}
	from, _ := partDays(p.part)
	return y, p.m, from, true
}

// end returns the last day of the point.
func (p datePoint) end(year int) (y, m, d int, ok bool) {
	y = p.y
	if y == 0 {
		y = year
	}
	switch {
	case p.m == 0 && p.y > 0:
		return y, 12, 31, true
	case p.m == 0:
		return 0, 0, 0, false
	case p.d > 0:
		return y, p.m, p.d, true
	}
	_, to := partDays(p.part)
	if to == 0 {
		to = daysIn(y, p.m)
	}
	return y, p.m, to, true
}

// partDays returns the days of a part of a month; to 0 is the month's end.
func partDays(part string) (from, to int) {
	switch part {
	case "上旬", "初":
		return 1, 10
	case "中旬", "中":
		return 11, 20
	case "下旬", "底", "末":
		return 21, 0
	case "上中旬":
		return 1, 20
	case "中下旬":
		return 11, 0
	}
	return 1, 0
}

// pointWindow is the window of a single point, with its suffix.
func pointWindow(w Window, a datePoint, suffix string, year int) (Window, bool) {
	fy, fm, fd, ok1 := a.start(year)
	ty, tm, td, ok2 := a.end(year)
	if !ok1 || !ok2 {
		return Window{}, false
	}
	deadline := suffix == "前" || suffix == "以前" || suffix == "之前"
	if a.m == 0 && (a.part == "底" || a.part == "末") {
		deadline = true // 2025年底: by the end of 2025
	}
	if deadline {
		fy, fm, fd = 0, 0, 0
	}
	if suffix == "起" || suffix == "以来" {
		ty, tm, td = 0, 0, 0
	}
	return span(w, fy, fm, fd, ty, tm, td)
}

// wordWindow reads a schedule written in words: 上半年, 一季度, 年底前, 全年.
func wordWindow(w Window, word string, year int) (Window, bool) {
	switch {
	case strings.HasPrefix(word, "上半年"):
		return span(w, year, 1, 1, year, 6, 30)
	case strings.HasPrefix(word, "下半年"):
		return span(w, year, 7, 1, year, 12, 31)
	case strings.Contains(word, "季度"):
		q := 0
		for i, c := range []string{"一", "二", "三", "四"} {
			if strings.Contains(word, c) || strings.Contains(word, itoa(i+1)) {
				q = i + 1
				break
			}
		}
		if q == 0 {
			return Window{}, false
		}
		return span(w, year, 3*q-2, 1, year, 3*q, daysIn(year, 3*q))
	case strings.HasPrefix(word, "年底") || strings.HasPrefix(word, "年末"):
		return span(w, 0, 0, 0, year, 12, 31)
	}
	return span(w, year, 1, 1, year, 12, 31) // 全年, 年内
}

// span fills and checks a window: months and days in range, the start not
// after the end.
func span(w Window, fy, fm, fd, ty, tm, td int) (Window, bool) {
	w.FromYear, w.FromMonth, w.FromDay = fy, fm, fd
	w.ToYear, w.ToMonth, w.ToDay = ty, tm, td
	if w.FromMonth == 0 {
		w.FromYear, w.FromDay = 0, 0
	}
	if w.ToMonth == 0 {
		w.ToYear, w.ToDay = 0, 0
	}
	if w.FromMonth == 0 && w.ToMonth == 0 {
		return Window{}, false
	}
	for _, d := range [][3]int{{w.FromYear, w.FromMonth, w.FromDay}, {w.ToYear, w.ToMonth, w.ToDay}} {
		if d[1] == 0 {
			continue
		}
		if d[0] != 0 && (d[0] < 1900 || d[0] > 2200) || d[1] < 1 || d[1] > 12 || d[2] < 1 || d[2] > daysIn(d[0], d[1]) {
			return Window{}, false
		}
	}
	if w.FromMonth > 0 && w.ToMonth > 0 {
		a := [3]int{w.FromYear, w.FromMonth, w.FromDay}
		b := [3]int{w.ToYear, w.ToMonth, w.ToDay}
		if (a[0] == 0) == (b[0] == 0) && (a[0] > b[0] || a[0] == b[0] && (a[1] > b[1] || a[1] == b[1] && a[2] > b[2])) {
			return Window{}, false
		}
	}
	return w, true
}

// daysIn returns the days of a month; an unknown year (0) is taken as a
// leap year.
func daysIn(y, m int) int {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y == 0 || y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

var (
	wordRe = regexp.MustCompile(`上半年|下半年|第?[一二三四1-4]季度|年底前?|年末前?|全年|年内`)
	dashRe = regexp.MustCompile(`([\d年月日旬底末初])\s*(?:-|—|–|~|至|到)+\s*(\d)`)
)

// foldSchedule prepares a schedule for reading: half-width digits, no
// spaces, one kind of dash between two dates.
func foldSchedule(text string) string {
	if len(text) > 200 {
		text = text[:runeStart(text, 200)]
	}
	var b strings.Builder
	for _, r := range text {
		switch {
		case r >= 0xFF10 && r <= 0xFF19:
			b.WriteRune(r - 0xFEE0)
		case r == '－' || r == '～':
			b.WriteByte('-')
		case r == ' ' || r == '\t' || r == '\n' || r == '\u3000' || r == '“' || r == '”' || r == '"':
		default:
			b.WriteRune(r)
		}
	}
	return dashRe.ReplaceAllString(strings.ReplaceAll(b.String(), "份", ""), "$1-$2")
}
