package source

import (
	"archive/zip"
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"liandong/internal/core"

	"liandong/internal/plan/extract"
)

// makeXLSX builds a workbook with a cover sheet and a decomposition table in
// the layout of seed 003's 附件2: a merged title row, a header, and category
// cells merged down the rows of their tasks.
func makeXLSX(t testing.TB, storeMergedValues bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "说明"))
	must(f.SetCellValue("说明", "A1", "本表由市科协汇总，请各单位核对。"))
	_, err := f.NewSheet("分解表")
	must(err)
	s := "分解表"
	rows := [][]any{
		{"《2020年某市全民科学素质行动攻坚方案》重点任务分解表"},
		{"工作任务", "主要内容", "牵头单位", "责任单位", "开展时间"},
		{"（一）实施科普活动工程", "1.举办科技活动周。开展系列科技活动。", "市科技局", "市委宣传部、教育局、科协", "5月中下旬"},
		{"", "2.举办全国科普日活动。\n组织50场以上科普活动。", "市科协", "领导小组各成员单位", "9月"},
		{"（二）实施少年强科普教育工程", "1.提高校内科学教育质量。", "市教育局", "市科协、科技局", "1-12月"},
		{"", "2.开展校外科学教育活动，全年不少于20场。", "市教育局、科协", "市委宣传部、卫生健康委等", "1-12月"},
		{"", "3.整合社会科普资源。", "市科协", "市教育局", "2020至2021年"},
		{},
		{"（三）实施基层科普工程", "1.开展科普大篷车下乡。", "市科协", "市农业农村局", "全年"},
	}
	for i, r := range rows {
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		must(f.SetSheetRow(s, cellName, &r))
	}
	must(f.MergeCell(s, "A1", "E1"))
	must(f.MergeCell(s, "A3", "A4"))
	must(f.MergeCell(s, "A5", "A7"))
	var buf bytes.Buffer
	must(f.Write(&buf))
	if !storeMergedValues {
		return buf.Bytes()
	}
	// Some generators keep the value in every cell of a merged range;
	// excelize will not write that, so put the cells into the sheet's XML.
	return rewriteZip(t, buf.Bytes(), "xl/worksheets/sheet2.xml", func(x string) string {
		for _, c := range []struct{ row, v string }{{"4", "（一）实施科普活动工程"}, {"6", "（二）实施少年强科普教育工程"}} {
			i := strings.Index(x, `<row r="`+c.row+`"`)
			j := i + strings.Index(x[i:], ">") + 1
			if i < 0 || strings.Contains(x[j:j+12], `r="A`+c.row) {
				t.Fatalf("row %s not as expected in %s", c.row, x)
			}
			x = x[:j] + `<c r="A` + c.row + `" t="inlineStr"><is><t>` + c.v + `</t></is></c>` + x[j:]
		}
		return x
	})
}

// rewriteZip returns the zip with one entry's text changed by edit.
func rewriteZip(t testing.TB, data []byte, name string, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var es []entry
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			b, found = []byte(edit(string(b))), true
		}
		es = append(es, entry{name: f.Name, data: b})
	}
	if !found {
		t.Fatalf("no entry %s", name)
	}
	return makeZip(t, es...)
}

func TestXLSXDecompositionTable(t *testing.T) {
	for _, stored := range []bool{false, true} {
		d := mustRead(t, "分解表.xlsx", makeXLSX(t, stored))
		if d.Format != FormatXLSX {
			t.Fatalf("format %q", d.Format)
		}
		if !strings.HasPrefix(d.Text, "《2020年某市全民科学素质行动攻坚方案》重点任务分解表\n\t工作任务\n\t主要内容\n") {
			t.Errorf("title and header:\n%s", d.Text)
		}
		// A merged category is written in its first row only.
		if !strings.Contains(d.Text, "\t5月中下旬\n\n\t\n\t2.举办全国科普日活动。\n组织50场以上科普活动。\n") {
			t.Errorf("merged category or multi-line cell (stored values %v):\n%s", stored, d.Text)
		}
		if strings.Count(d.Text, "实施科普活动工程") != 1 {
			t.Errorf("merged value repeated (stored values %v):\n%s", stored, d.Text)
		}
		if strings.Contains(d.Text, "请各单位核对") {
			t.Errorf("the cover sheet was read:\n%s", d.Text)
		}
		r := extract.Extract(d.Text)
		got := map[string]extract.Item{}
		for _, it := range r.Items {
			got[strings.Join(it.Path, "")] = it
		}
		want := []struct {
			path, schedule    string
			lead, responsible []string
		}{
			{"(一)1.", "5月中下旬", []string{"市科技局"}, []string{"市委宣传部", "市教育局", "市科协"}},
			{"(一)2.", "9月", []string{"市科协"}, []string{"领导小组各成员单位"}},
			{"(二)1.", "1-12月", []string{"市教育局"}, []string{"市科协", "市科技局"}},
			{"(二)2.", "1-12月", []string{"市教育局", "市科协"}, []string{"市委宣传部", "市卫生健康委"}},
			{"(二)3.", "2020至2021年", []string{"市科协"}, []string{"市教育局"}},
			{"(三)1.", "全年", []string{"市科协"}, []string{"市农业农村局"}},
		}
		for _, w := range want {
			it, ok := got[w.path]
			if !ok {
				t.Errorf("task %s missing; items %+v", w.path, r.Items)
				continue
			}
			if it.Kind != extract.KindTask || it.Schedule != w.schedule || !reflect.DeepEqual(it.Lead, w.lead) || !reflect.DeepEqual(it.Responsible, w.responsible) {
				t.Errorf("task %s = %+v, want schedule %q lead %q responsible %q", w.path, it, w.schedule, w.lead, w.responsible)
			}
		}
		if it := got["(一)2."]; len(it.Targets) != 1 || it.Targets[0].Value != 50 {
			t.Errorf("targets of (一)2. = %+v", it.Targets)
		}
		if it := got["(二)"]; it.Kind != extract.KindSection || it.Title != "实施少年强科普教育工程" {
			t.Errorf("category (二) = %+v", it)
		}
	}
}

func TestXLSXWithoutDecompositionHeader(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetCellValue("Sheet1", "A1", "姓名")
	_ = f.SetCellValue("Sheet1", "B1", "单位")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, err := Read("名单.xlsx", bytes.NewReader(buf.Bytes()), DefaultLimits)
	if ce := refused(t, err, core.EINVALID); !strings.Contains(ce.Message, "牵头单位") {
		t.Errorf("message %q does not say what header is expected", ce.Message)
	}
}
