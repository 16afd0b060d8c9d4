package xlsx_test

import (
	"bytes"
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
