package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"liandong/internal/core"
	"liandong/internal/plan"
)

// DueDays is how long after a period ends its reports are due: the one
// place the rule lives (the pages, the API and the reminders read Due).
const DueDays = 10

// China keeps UTC+8 without daylight saving; "today" and "the current
// period" are decided on the offices' calendar, not the server's.
var china = time.FixedZone("CST", 8*3600)

// Period is one reporting period of a plan's cadence.
type Period struct {
	Key   string `json:"key"`   // 2026-11, 2026-Q4, 2026-H2, 2026
	Label string `json:"label"` // 2026年11月, 2026年第四季度, 2026年下半年, 2026年度
	Start string `json:"start"` // first day, YYYY-MM-DD
	End   string `json:"end"`   // last day
	Due   string `json:"due"`   // DueDays after End
	Year  int    `json:"year"`
}

var quarterNames = []string{"", "第一季度", "第二季度", "第三季度", "第四季度"}

// periodOf builds the period of cadence c that starts in month m of year y
// (m is the first month of the period).
func periodOf(c plan.Cadence, y, m int) Period {
	var months int
	p := Period{Year: y}
	switch c {
	case plan.Monthly:
		months = 1
		p.Key = fmt.Sprintf("%04d-%02d", y, m)
		p.Label = fmt.Sprintf("%d年%d月", y, m)
	case plan.Quarterly:
		months = 3
		q := (m-1)/3 + 1
		p.Key = fmt.Sprintf("%04d-Q%d", y, q)
		p.Label = fmt.Sprintf("%d年%s", y, quarterNames[q])
	case plan.HalfYearly:
		months = 6
		h := (m-1)/6 + 1
		p.Key = fmt.Sprintf("%04d-H%d", y, h)
		p.Label = fmt.Sprintf("%d年上半年", y)
		if h == 2 {
			p.Label = fmt.Sprintf("%d年下半年", y)
		}
	default:
		months = 12
		p.Key = strconv.Itoa(y)
		p.Label = fmt.Sprintf("%d年度", y)
	}
	start := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, months, -1)
	p.Start, p.End = start.Format(time.DateOnly), end.Format(time.DateOnly)
	p.Due = end.AddDate(0, 0, DueDays).Format(time.DateOnly)
	return p
}

func step(c plan.Cadence) int {
	switch c {
	case plan.Monthly:
		return 1
	case plan.Quarterly:
		return 3
	case plan.HalfYearly:
		return 6
	}
	return 12
}

// Periods lists the periods of a plan's cadence within its years that
// have begun by now (the current one can be reported), oldest first.
func Periods(p *plan.Plan, now time.Time) []Period {
	today := now.In(china).Format(time.DateOnly)
	c := p.Cadence
	var out []Period
	for y := p.YearFrom; y <= p.YearTo; y++ {
		for m := 1; m <= 12; m += step(c) {
			per := periodOf(c, y, m)
			if per.Start > today {
				return out
			}
			out = append(out, per)
		}
	}
	return out
}

// ParsePeriod reads a period key of the plan's cadence, and checks that it
// lies within the plan's years and has begun by now.
func ParsePeriod(p *plan.Plan, key string, now time.Time) (Period, error) {
	bad := core.Invalid("period", "报告期“"+key+"”不是该计划的报告期（应为"+p.Period()+"内已开始的"+p.Cadence.Label()+"报告期）")
	key = strings.TrimSpace(key)
	if len(key) < 4 {
		return Period{}, bad
	}
	y, err := strconv.Atoi(key[:4])
	if err != nil {
		return Period{}, bad
	}
	m := 1
	rest := key[4:]
	switch p.Cadence {
	case plan.Monthly:
		n, err := strconv.Atoi(strings.TrimPrefix(rest, "-"))
		if err != nil || !strings.HasPrefix(rest, "-") || len(rest) != 3 || n < 1 || n > 12 {
			return Period{}, bad
		}
		m = n
	case plan.Quarterly:
		n, err := strconv.Atoi(strings.TrimPrefix(rest, "-Q"))
		if err != nil || !strings.HasPrefix(rest, "-Q") || len(rest) != 3 || n < 1 || n > 4 {
			return Period{}, bad
		}
		m = (n-1)*3 + 1
	case plan.HalfYearly:
		n, err := strconv.Atoi(strings.TrimPrefix(rest, "-H"))
		if err != nil || !strings.HasPrefix(rest, "-H") || len(rest) != 3 || n < 1 || n > 2 {
			return Period{}, bad
		}
		m = (n-1)*6 + 1
	default:
		if rest != "" {
			return Period{}, bad
		}
	}
	if y < p.YearFrom || y > p.YearTo {
		return Period{}, bad
	}
	per := periodOf(p.Cadence, y, m)
	if per.Start > now.In(china).Format(time.DateOnly) {
		return Period{}, core.Invalid("period", per.Label+"尚未开始，不能填报")
	}
	return per, nil
}

// LabelOf renders a stored period key for people, whatever its cadence.
func LabelOf(key string) string {
	if len(key) < 4 {
		return key
	}
	y, err := strconv.Atoi(key[:4])
	if err != nil {
		return key
	}
	rest := key[4:]
	switch {
	case rest == "":
		return fmt.Sprintf("%d年度", y)
	case strings.HasPrefix(rest, "-Q"):
		if n, err := strconv.Atoi(rest[2:]); err == nil && n >= 1 && n <= 4 {
			return fmt.Sprintf("%d年%s", y, quarterNames[n])
		}
	case rest == "-H1":
		return fmt.Sprintf("%d年上半年", y)
	case rest == "-H2":
		return fmt.Sprintf("%d年下半年", y)
	default:
		if n, err := strconv.Atoi(strings.TrimPrefix(rest, "-")); err == nil && n >= 1 && n <= 12 {
			return fmt.Sprintf("%d年%d月", y, n)
		}
	}
	return key
}

// yearOf is the year a period key belongs to.
func yearOf(key string) int {
	if len(key) < 4 {
		return 0
	}
	y, _ := strconv.Atoi(key[:4])
	return y
}
