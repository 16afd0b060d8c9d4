package xlsx_test

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"liandong/internal/xlsx"
)

func TestWriteOpensBackWithTextCellsAndNoFormulas(t *testing.T) {
	var buf bytes.Buffer
	err := xlsx.Write(&buf, xlsx.Table{Sheet: "名单", Title: "柳州市全民科学素质工作领导小组成员名单",
		Headers: []string{"职务", "姓名", "单位及职务"},
		Rows: [][]any{
			{"组长", "侯刚", "市委常委、副市长"},
			{"成员", "=HYPERLINK(\"http://x\")", "@SUM(A1)"},
			{"成员", "-1+1", 42},
		}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("名单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "柳州市全民科学素质工作领导小组成员名单" || rows[2][1] != "侯刚" {
		t.Fatalf("rows = %q", rows)
	}
	for _, cell := range []string{"B4", "C4", "B5"} {
		if fm, _ := f.GetCellFormula("名单", cell); fm != "" {
			t.Errorf("%s holds formula %q", cell, fm)
		}
		v, _ := f.GetCellValue("名单", cell)
		if v[0] != '\'' {
			t.Errorf("%s = %q, want a leading apostrophe", cell, v)
		}
	}
	if v, _ := f.GetCellValue("名单", "C5"); v != "42" {
		t.Errorf("number cell = %q", v)
	}
}

func TestWriteLaysOutSpansAndPrintSetup(t *testing.T) {
	long := strings.Repeat("开展科普活动，", 30)
	tab := xlsx.Table{Sheet: "分解表", Title: "重点任务分解表",
		Headers: []string{"工作任务", "主要内容", "开展时间"},
		Widths:  []float64{12, 30, 10},
		Rows: [][]any{
			{"（一）实施科普工程", "1.短任务", "5月"},
			{"", long, "1-12月"},
			{"（二）一个很长很长很长很长很长很长很长很长很长的类别名称", "1.短任务", "全年"},
			{"合计", "", ""},
		},
		Spans:   []xlsx.Span{{Row: 0, Col: 0, Rows: 2, Cols: 1}, {Row: 3, Col: 0, Rows: 1, Cols: 3}},
		Page:    &xlsx.Page{Landscape: true, FitWidth: true, RepeatHeader: true},
		FitRows: true,
	}
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, tab); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	merges, err := f.GetMergeCells("分解表")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range merges {
		got = append(got, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	slices.Sort(got)
	if want := []string{"A1:C1", "A3:A4", "A6:C6"}; !slices.Equal(got, want) {
		t.Errorf("merged ranges = %v, want %v", got, want)
	}
	lay, err := f.GetPageLayout("分解表")
	if err != nil || lay.Orientation == nil || *lay.Orientation != "landscape" || lay.Size == nil || *lay.Size != 9 ||
		lay.FitToWidth == nil || *lay.FitToWidth != 1 || lay.FitToHeight == nil || *lay.FitToHeight != 0 {
		t.Errorf("page layout = %+v, %v", lay, err)
	}
	if props, err := f.GetSheetProps("分解表"); err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Errorf("fit to page not set: %+v %v", props, err)
	}
	var titles string
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == "分解表" {
			titles = dn.RefersTo
		}
	}
	if titles != "'分解表'!$2:$2" {
		t.Errorf("print titles = %q, want the header row", titles)
	}
	if p, err := f.GetPanes("分解表"); err != nil || !p.Freeze || p.YSplit != 2 {
		t.Errorf("panes = %+v %v, want the header frozen", p, err)
	}
	// The long content wraps to many lines; the long category in a narrow
	// column needs more than its single row; a short row keeps the default.
	h4, _ := f.GetRowHeight("分解表", 4)
	h5, _ := f.GetRowHeight("分解表", 5)
	h6, _ := f.GetRowHeight("分解表", 6)
	if h4 < 8*15 || h5 < 4*15 || h6 > 15 {
		t.Errorf("row heights 4, 5, 6 = %v, %v, %v", h4, h5, h6)
	}
}

func TestWriteRefusesOverlappingSpans(t *testing.T) {
	tab := xlsx.Table{Headers: []string{"a", "b"}, Rows: [][]any{{"1", "2"}, {"3", "4"}},
		Spans: []xlsx.Span{{Row: 0, Col: 0, Rows: 2, Cols: 1}, {Row: 1, Col: 0, Rows: 1, Cols: 2}}}
	if err := xlsx.Write(io.Discard, tab); err == nil {
		t.Error("overlapping spans were written")
	}
	tab.Spans = []xlsx.Span{{Row: 1, Col: 0, Rows: 2, Cols: 1}}
	if err := xlsx.Write(io.Discard, tab); err == nil {
		t.Error("a span below the table was written")
	}
}
