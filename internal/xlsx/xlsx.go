// Package xlsx writes the spreadsheets users export (rosters, liaison
// lists, the audit log) with excelize, the maintained pure-Go XLSX library.
// Every cell is written as text or number, never as a formula: a value a
// user typed that begins with = + - @ is prefixed with ' so that no
// spreadsheet program evaluates it (SECURITY.md D3).
package xlsx

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Table is one sheet: a title row (optional), a header row, and data rows.
type Table struct {
	Sheet   string
	Title   string
	Headers []string
	Rows    [][]any
	// Widths are column widths in characters; missing ones are estimated.
	Widths []float64
	// Spans merge blocks of data cells, such as a category cell that runs
	// down beside its tasks; they may not overlap.
	Spans []Span
	// Page sets the sheet up for printing; nil keeps Excel's defaults.
	Page *Page
	// FitRows gives every row the height its wrapped text needs. Excel sizes
	// a row for its text when someone edits it, not when it opens a
	// generated file, and never for merged cells, so a long cell would
	// otherwise show (and print) one line only.
	FitRows bool
}

// Span merges Rows×Cols data cells from Rows[Row][Col] (0-based, counted
// in Table.Rows, not in sheet rows); the value of that first cell shows.
type Span struct {
	Row, Col   int
	Rows, Cols int
}

// Page is how a sheet prints: always on A4, the paper of Chinese offices.
type Page struct {
	Landscape bool // the long edge across, for wide tables
	FitWidth  bool // scale every column onto the width of one page
	// RepeatHeader prints the header row at the top of every page and
	// keeps it in view while scrolling.
	RepeatHeader bool
}

// a4 is the paper size code of A4 in SpreadsheetML.
const a4 = 9

// lineHeight is the height in points of one wrapped line of the default
// 11-point font, leading included; rowPadding is added once per row.
const (
	lineHeight = 15.0
	rowPadding = 3.0
	maxHeight  = 409.0 // Excel's largest row height
)

// Write writes the tables as one workbook to w.
func Write(w io.Writer, tables ...Table) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, t := range tables {
		name := t.Sheet
		if name == "" {
			name = fmt.Sprintf("Sheet%d", i+1)
		}
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := writeTable(f, name, t); err != nil {
			return err
		}
	}
	_, err := f.WriteTo(w)
	return err
}

func writeTable(f *excelize.File, sheet string, t Table) error {
	if err := checkSpans(t); err != nil {
		return err
	}
	// Page settings live in the worksheet part the stream writer starts
	// from, so they are set before it.
	if err := setPage(f, sheet, t); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Border: borders()})
	titleAlign := &excelize.Alignment{Horizontal: "center"}
	if t.FitRows {
		titleAlign = &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	}
	titleStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: titleAlign})
	cell, _ := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: borders()})
	widths := estimateWidths(t)
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if t.Page != nil && t.Page.RepeatHeader {
		// The stream writer takes panes before the first row.
		hdrRow := 1
		if t.Title != "" {
			hdrRow = 2
		}
		below, _ := excelize.CoordinatesToCellName(1, hdrRow+1)
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: hdrRow, TopLeftCell: below, ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
			RefersTo: fmt.Sprintf("'%s'!$%d:$%d", strings.ReplaceAll(sheet, "'", "''"), hdrRow, hdrRow)}); err != nil {
			return err
		}
	}
	var heights []float64
	if t.FitRows {
		heights = rowHeights(t, widths)
	}
	row := 1
	if t.Title != "" {
		var opts []excelize.RowOpts
		if t.FitRows {
			// 14-point bold: about 1.4 times as wide and tall as the body text.
			n := lines(t.Title, sum(widths)/1.4)
			opts = append(opts, excelize.RowOpts{Height: min(maxHeight, float64(n)*lineHeight*1.4+2*rowPadding)})
		}
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleStyle, Value: Safe(t.Title)}}, opts...); err != nil {
			return err
		}
		if len(t.Headers) > 1 {
			last, _ := excelize.CoordinatesToCellName(len(t.Headers), 1)
			if err := sw.MergeCell("A1", last); err != nil {
				return err
			}
		}
		row++
	}
	hdr := make([]any, len(t.Headers))
	for i, h := range t.Headers {
		hdr[i] = excelize.Cell{StyleID: bold, Value: Safe(h)}
	}
	axis, _ := excelize.CoordinatesToCellName(1, row)
	if err := sw.SetRow(axis, hdr); err != nil {
		return err
	}
	row++
	first := row // the sheet row of Rows[0]
	for i, r := range t.Rows {
		vals := make([]any, len(r))
		for i, v := range r {
			if s, ok := v.(string); ok {
				v = Safe(s)
			}
			vals[i] = excelize.Cell{StyleID: cell, Value: v}
		}
		var opts []excelize.RowOpts
		if heights != nil && heights[i] > 0 {
			opts = append(opts, excelize.RowOpts{Height: heights[i]})
		}
		axis, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(axis, vals, opts...); err != nil {
			return err
		}
		row++
	}
	for _, sp := range t.Spans {
		if sp.Rows*sp.Cols == 1 {
			continue
		}
		from, _ := excelize.CoordinatesToCellName(sp.Col+1, first+sp.Row)
		to, _ := excelize.CoordinatesToCellName(sp.Col+sp.Cols, first+sp.Row+sp.Rows-1)
		if err := sw.MergeCell(from, to); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// checkSpans refuses spans outside the table or over one another: Excel
// reports a workbook with overlapping merged cells as damaged.
func checkSpans(t Table) error {
	if len(t.Spans) == 0 {
		return nil
	}
	taken := map[[2]int]bool{}
	for _, sp := range t.Spans {
		if sp.Row < 0 || sp.Col < 0 || sp.Rows < 1 || sp.Cols < 1 || sp.Row+sp.Rows > len(t.Rows) || sp.Col+sp.Cols > len(t.Headers) {
			return fmt.Errorf("xlsx: span %+v outside the %d×%d table", sp, len(t.Rows), len(t.Headers))
		}
		for r := sp.Row; r < sp.Row+sp.Rows; r++ {
			for c := sp.Col; c < sp.Col+sp.Cols; c++ {
				if taken[[2]int{r, c}] {
					return fmt.Errorf("xlsx: span %+v overlaps another", sp)
				}
				taken[[2]int{r, c}] = true
			}
		}
	}
	return nil
}

// setPage sets paper, orientation, scaling, margins and a page-number
// footer ("第 1 页，共 3 页").
func setPage(f *excelize.File, sheet string, t Table) error {
	p := t.Page
	if p == nil {
		return nil
	}
	size, orient := a4, "portrait"
	if p.Landscape {
		orient = "landscape"
	}
	lay := &excelize.PageLayoutOptions{Size: &size, Orientation: &orient}
	if p.FitWidth {
		wide, tall := 1, 0 // one page wide, as many pages tall as it takes
		lay.FitToWidth, lay.FitToHeight = &wide, &tall
		fit := true
		if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
			return err
		}
	}
	if err := f.SetPageLayout(sheet, lay); err != nil {
		return err
	}
	side, edge, hf := 0.4, 0.6, 0.3 // inches
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &edge,
		Bottom: &edge, Header: &hf, Footer: &hf}); err != nil {
		return err
	}
	return f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"})
}

// rowHeights estimates the height of every data row from its wrapped text
// (0: the default height will do). A merged block that needs more height
// than its rows give gets the rest on its last row.
func rowHeights(t Table, widths []float64) []float64 {
	spanAt := map[[2]int]Span{}
	inSpan := map[[2]int]bool{}
	for _, sp := range t.Spans {
		spanAt[[2]int{sp.Row, sp.Col}] = sp
		for r := sp.Row; r < sp.Row+sp.Rows; r++ {
			for c := sp.Col; c < sp.Col+sp.Cols; c++ {
				inSpan[[2]int{r, c}] = true
			}
		}
	}
	need := func(v any, width float64) float64 {
		s, _ := v.(string)
		if s == "" {
			return 0
		}
		return min(maxHeight, float64(lines(s, width))*lineHeight+rowPadding)
	}
	hs := make([]float64, len(t.Rows))
	for i, r := range t.Rows {
		for c, v := range r {
			if c >= len(widths) {
				break
			}
			w := widths[c]
			if sp, ok := spanAt[[2]int{i, c}]; ok {
				if sp.Rows > 1 {
					continue // a block over several rows: below
				}
				w = sum(widths[c:min(len(widths), c+sp.Cols)])
			} else if inSpan[[2]int{i, c}] {
				continue // hidden under a block
			}
			hs[i] = max(hs[i], need(v, w))
		}
	}
	for _, sp := range t.Spans {
		if sp.Rows == 1 || sp.Row >= len(t.Rows) || sp.Col >= len(t.Rows[sp.Row]) {
			continue
		}
		want := need(t.Rows[sp.Row][sp.Col], sum(widths[sp.Col:min(len(widths), sp.Col+sp.Cols)]))
		have := 0.0
		for r := sp.Row; r < sp.Row+sp.Rows; r++ {
			have += max(hs[r], lineHeight)
		}
		if last := sp.Row + sp.Rows - 1; want > have {
			hs[last] = min(maxHeight, max(hs[last], lineHeight)+want-have)
		}
	}
	for i, h := range hs {
		if h <= lineHeight+rowPadding {
			hs[i] = 0 // one line: Excel's default height
		}
	}
	return hs
}

// lines counts the lines s wraps to in a column width characters wide. A
// Chinese character takes about two widths of "0", a little more in the
// fonts Chinese offices use, hence the margin.
func lines(s string, width float64) int {
	usable := max(width-1, 1)
	n := 0
	for para := range strings.SplitSeq(s, "\n") {
		n += max(1, int(math.Ceil(displayWidth(para)*1.1/usable)))
	}
	return n
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

func borders() []excelize.Border {
	var bs []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		bs = append(bs, excelize.Border{Type: side, Color: "999999", Style: 1})
	}
	return bs
}

func estimateWidths(t Table) []float64 {
	ws := make([]float64, len(t.Headers))
	for i := range ws {
		if i < len(t.Widths) && t.Widths[i] > 0 {
			ws[i] = t.Widths[i]
			continue
		}
		max := displayWidth(t.Headers[i])
		for _, r := range t.Rows {
			if i < len(r) {
				if w := displayWidth(fmt.Sprint(r[i])); w > max {
					max = w
				}
			}
		}
		ws[i] = min(max+2, 60)
	}
	return ws
}

// displayWidth counts CJK characters as two columns.
func displayWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r > 0x2E80 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

// Safe neutralises a string a spreadsheet could take for a formula or
// control sequence by prefixing it with an apostrophe.
func Safe(s string) string {
	if s == "" {
		return s
	}
	r, _ := utf8.DecodeRuneInString(s)
	if strings.ContainsRune("=+-@\t\r\x00", r) {
		return "'" + s
	}
	return s
}
