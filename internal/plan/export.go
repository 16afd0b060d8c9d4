package plan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"liandong/internal/audit"
	"liandong/internal/xlsx"
)

// The decomposition table (重点任务分解表) is exported in the layout of the
// tables plans publish as an annex (seed 003, 附件2): a title row, then
// 工作任务 / 主要内容 / 牵头单位 / 责任单位 / 开展时间, with each task's
// category in the first column, merged down beside its tasks.
//
// The file must also read back through internal/plan/source and
// internal/plan/extract, so that an office can export a plan, edit it in
// Excel or WPS and import it again. That reader takes a table's cells by
// what they contain, not by their column, so the layout keeps to what it
// recognises:
//
//   - a category cell starts with a category marker ("(一)" or "一、") and a
//     task cell with a task marker ("1." or "(1)"). Where the plan's own
//     markers do not fit (a task numbered "(一)" directly under "四、", a
//     section numbered "1."), the table numbers itself, categories (一),
//     (二)… and tasks 1., 2.… within each category, as annexed tables do;
//   - category markers are unique in the table, because the reader takes a
//     category cell that repeats the marker of the one before it for the
//     same category (as a category repeated after a page break is);
//   - every row's time cell holds a time: the reader ends a row at it, and
//     without one would read the cells to its right as more unit names. A
//     task with no time of its own runs for the whole plan, and its row
//     says so with the plan's period ("2021—2025年").
//
// Headings above a task's own category ("二、重点任务" above "(一)…") are
// not rows of their own, as in the published annexes: the reader would take
// such a row for a task with no units.

// Columns of the exported table. 量化指标 and 状态 are added at the right of
// the five published columns: the office tracks every task against its
// targets and sees at a glance what is done or cancelled, while the five
// columns keep the published order, so the sheet still reads like the
// annex and its first columns can be pasted into a document. On import the
// reader has finished a row at its time cell and passes over these two;
// targets are found again in the task's own text.
var tableHeaders = []string{"工作任务", "主要内容", "牵头单位", "责任单位", "开展时间", "量化指标", "状态"}

// tableWidths fit the seven columns across A4 landscape at about 90%
// (the print setup scales them onto the page width).
var tableWidths = []float64{16, 48, 18, 30, 11, 24, 10}

var (
	taskMarkerRe     = regexp.MustCompile(`^(?:\d{1,3}[.．、]|[(（]\d{1,3}[)）])$`)
	categoryMarkerRe = regexp.MustCompile(`^(?:[(（][一二三四五六七八九十百〇零两]{1,4}[)）]|[一二三四五六七八九十]{1,5}、)$`)
)

// WriteTable writes t as the decomposition table: one XLSX sheet, A4
// landscape, the header repeated on every printed page. Every text cell is
// formula-safe (internal/xlsx). WriteTable neither checks access nor
// audits: ExportTable does both.
func WriteTable(w io.Writer, t *Table) error {
	if t == nil || t.Plan == nil {
		return fmt.Errorf("plan: write table: no plan")
	}
	rows, spans := tableRows(t)
	return xlsx.Write(w, xlsx.Table{
		Sheet:   "重点任务分解表",
		Title:   tableTitle(t.Plan.Title),
		Headers: tableHeaders,
		Widths:  tableWidths,
		Rows:    rows,
		Spans:   spans,
		Page:    &xlsx.Page{Landscape: true, FitWidth: true, RepeatHeader: true},
		FitRows: true,
	})
}

// ExportTable writes plan planID's decomposition table, narrowed by f, as
// XLSX to w. Table checks that the actor may read the plan (and audits a
// refusal); the export itself is audited before the file leaves, and
// nothing is written to w unless the workbook was made and the export
// recorded (SECURITY.md H2).
func (s *Service) ExportTable(ctx context.Context, planID int64, f Filter, w io.Writer) error {
	t, err := s.Table(ctx, planID, f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, t); err != nil {
		return fmt.Errorf("plan: export table: %w", err)
	}
	tasks := 0
	for _, it := range t.Items {
		if it.Kind == Task {
			tasks++
		}
	}
	detail := fmt.Sprintf("%d tasks", tasks)
	if f.Active() {
		detail += fmt.Sprintf("; filter unit=%d audience=%q status=%q", f.UnitID, f.Audience, f.Status)
	}
	if err := audit.Log(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "export.plan", ObjectType: "plan",
		ObjectID: planID, Detail: detail}); err != nil {
		return err
	}
	_, err = buf.WriteTo(w)
	return err
}

// tableTitle is "《title》重点任务分解表", without doubling the title's own
// book-title marks.
func tableTitle(title string) string {
	title = strings.TrimSpace(title)
	if !strings.HasPrefix(title, "《") || !strings.HasSuffix(title, "》") {
		title = "《" + title + "》"
	}
	return title + "重点任务分解表"
}

// taskRow is a task with the category it is listed under.
type taskRow struct {
	item     *Item
	category *Item // nil: a task under no heading
}

// tableRows lays out the tasks of t: one row per task in document order,
// each category cell merged down over the run of rows under it.
func tableRows(t *Table) ([][]any, []xlsx.Span) {
	byID := make(map[int64]*Item, len(t.Items))
	for i := range t.Items {
		byID[t.Items[i].ID] = &t.Items[i]
	}
	var tasks []taskRow
	for i := range t.Items {
		it := &t.Items[i]
		if it.Kind != Task {
			continue
		}
		// The category is the nearest heading above the task; a task under
		// another task (added by hand) is listed under that task's heading.
		var cat *Item
		for p := byID[it.ParentID]; p != nil; p = byID[p.ParentID] {
			if p.Kind != Task {
				cat = p
				break
			}
		}
		tasks = append(tasks, taskRow{item: it, category: cat})
	}
	catMarkers := categoryMarkers(tasks)
	taskMarkers := taskMarkersOf(tasks)
	period := PeriodText(t.Plan.YearFrom, t.Plan.YearTo)

	rows := make([][]any, 0, len(tasks))
	var spans []xlsx.Span
	runStart := 0
	for i, tr := range tasks {
		it := tr.item
		cat := ""
		if tr.category != nil {
			cat = joinMarker(catMarkers[tr.category.ID], tr.category.Title)
		}
		first := i == 0 || tasks[i-1].category != tr.category
		if !first {
			cat = "" // under the merged cell above
		} else if i > 0 {
			spans = appendRun(spans, tasks, runStart, i)
			runStart = i
		}
		schedule := oneLine(it.Schedule)
		if schedule == "" {
			schedule = period
		}
		rows = append(rows, []any{
			cat,
			taskText(taskMarkers[it.ID], it),
			unitList(it.Units(t.Plan.BodyID, Lead), it.CascadeText(Lead)),
			unitList(it.Units(t.Plan.BodyID, Responsible), it.CascadeText(Responsible)),
			schedule,
			targetsText(it.Targets),
			statusText(it),
		})
	}
	if len(tasks) > 0 {
		spans = appendRun(spans, tasks, runStart, len(tasks))
	}
	return rows, spans
}

// appendRun merges the category cells of rows [from, to) when they share
// a category.
func appendRun(spans []xlsx.Span, tasks []taskRow, from, to int) []xlsx.Span {
	if to-from < 2 || tasks[from].category == nil {
		return spans
	}
	return append(spans, xlsx.Span{Row: from, Col: 0, Rows: to - from, Cols: 1})
}

// categoryMarkers keeps the categories' own markers when every one is a
// category marker and no two categories share one; otherwise it numbers
// them (一), (二)… in order of first appearance.
func categoryMarkers(tasks []taskRow) map[int64]string {
	var order []*Item
	seen := map[int64]bool{}
	for _, tr := range tasks {
		if c := tr.category; c != nil && !seen[c.ID] {
			seen[c.ID] = true
			order = append(order, c)
		}
	}
	out := make(map[int64]string, len(order))
	own := true
	used := map[string]bool{}
	for _, c := range order {
		m := normMarker(c.Marker)
		if !categoryMarkerRe.MatchString(c.Marker) || used[m] {
			own = false
			break
		}
		used[m] = true
	}
	for i, c := range order {
		if own {
			out[c.ID] = c.Marker
		} else {
			out[c.ID] = "(" + chineseNumeral(i+1) + ")"
		}
	}
	return out
}

// taskMarkersOf keeps the tasks' own markers in each run of tasks under one
// category when all of them are task markers; otherwise it numbers the run
// 1., 2.….
func taskMarkersOf(tasks []taskRow) map[int64]string {
	out := make(map[int64]string, len(tasks))
	for from := 0; from < len(tasks); {
		to := from + 1
		for to < len(tasks) && tasks[to].category == tasks[from].category {
			to++
		}
		own := true
		for _, tr := range tasks[from:to] {
			if !taskMarkerRe.MatchString(tr.item.Marker) {
				own = false
				break
			}
		}
		for k, tr := range tasks[from:to] {
			if own {
				out[tr.item.ID] = tr.item.Marker
			} else {
				out[tr.item.ID] = strconv.Itoa(k+1) + "."
			}
		}
		from = to
	}
	return out
}

// normMarker folds full-width brackets so that "（一）" and "(一)" compare
// equal, as the reader folds them.
func normMarker(m string) string {
	return strings.NewReplacer("（", "(", "）", ")").Replace(strings.TrimSpace(m))
}

// chineseNumeral writes n (1–999) in Chinese numerals as headings number:
// 一, 十, 十一, 二十, 一百零五.
func chineseNumeral(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	if n <= 0 || n >= 1000 {
		return strconv.Itoa(n)
	}
	var b strings.Builder
	h, t, u := n/100, n/10%10, n%10
	if h > 0 {
		b.WriteString(digits[h] + "百")
		if t == 0 && u > 0 {
			b.WriteString("零")
		}
	}
	if t > 0 {
		if t > 1 || h > 0 {
			b.WriteString(digits[t])
		}
		b.WriteString("十")
	}
	if u > 0 {
		b.WriteString(digits[u])
	}
	return b.String()
}

// oneLine folds a text's line breaks into spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// joinMarker writes a heading as the plan prints it: "(一)青少年科学素质提升行动".
func joinMarker(marker, title string) string {
	return strings.TrimSpace(marker) + oneLine(title)
}

// taskText is the 主要内容 cell: the marker and title, then the task's
// text, as "1.举办科技活动周。开展系列科技活动。". The title ends at the
// first full stop, which is where the reader ends it again. An imported
// task's text begins with its title, which is not repeated. A task with no
// text of its own has its targets stand in for it, so that they are read
// again on import.
func taskText(marker string, it *Item) string {
	s := joinMarker(marker, it.Title)
	content := strings.TrimSpace(it.Content)
	if rest, ok := strings.CutPrefix(content, strings.TrimSpace(it.Title)); ok {
		content = strings.TrimLeft(rest, "。；;，,:： ")
	}
	if content == "" {
		content = targetsText(it.Targets)
		if content != "" {
			content += "。"
		}
	}
	if content == "" || content == strings.TrimSpace(it.Title) {
		return s
	}
	if r, _ := utf8.DecodeLastRuneInString(s); !strings.ContainsRune("。！？；：.!?;:", r) {
		s += "。"
	}
	return s + content
}

// unitList joins unit names with 、 and appends the cascade's collective
// name ("各县(区)人民政府") when the task is handed down in that role.
func unitList(names []string, cascade string) string {
	if cascade != "" {
		names = append(names, cascade)
	}
	return strings.Join(names, "、")
}

// targetsText lists the quantitative targets on one line: a line of its
// own that begins like a time ("2025年达到…") would end the table for the
// reader.
func targetsText(ts []Target) string {
	lines := make([]string, 0, len(ts))
	for _, t := range ts {
		if s := oneLine(t.Text); s != "" {
			lines = append(lines, s)
		}
	}
	return strings.Join(lines, "；")
}

// statusText is the task's status with the reason it was closed or
// cancelled: "已取消：并入第1项".
func statusText(it *Item) string {
	s := it.Status.Label()
	if s == "" {
		s = Open.Label()
	}
	if r := oneLine(it.StatusReason); r != "" && it.Status != Open {
		s += "：" + r
	}
	return s
}
