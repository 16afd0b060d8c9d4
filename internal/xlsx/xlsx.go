// Package xlsx writes the spreadsheets users export (rosters, liaison
// lists, the audit log) with excelize, the maintained pure-Go XLSX library.
// Every cell is written as text or number, never as a formula: a value a
// user typed that begins with = + - @ is prefixed with ' so that no
// spreadsheet program evaluates it (SECURITY.md D3).
package xlsx

import (
	"fmt"
	"io"
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
}

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
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
		Border: borders()})
	titleStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	cell, _ := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: borders()})
	widths := estimateWidths(t)
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	row := 1
	if t.Title != "" {
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleStyle, Value: Safe(t.Title)}}); err != nil {
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
	for _, r := range t.Rows {
		vals := make([]any, len(r))
		for i, v := range r {
			if s, ok := v.(string); ok {
				v = Safe(s)
			}
			vals[i] = excelize.Cell{StyleID: cell, Value: v}
		}
		axis, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(axis, vals); err != nil {
			return err
		}
		row++
	}
	return sw.Flush()
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
