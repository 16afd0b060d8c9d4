package source

import (
	"reflect"
	"strings"
	"testing"

	"liandong/internal/plan/extract"
)

// planBody is a plan of our own writing in the styles of the seeds: headings
// in prose, "(牵头单位:…)" on a section, "(责任单位:…)" on tasks, and a
// decomposition table whose category cell is merged vertically.
func planBody() string {
	return p("2020年某市全民科学素质行动实施方案") + p("一、总体要求") + p("到2025年，全市公民具备科学素质的比例达到12%。") +
		p("二、重点任务") + p("（一）青少年科学素质提升行动。（牵头单位：市教育局）") +
		p("1.加强学校科学教育。每年培训100名科技辅导员。（责任单位：市教育局、市科协）") +
		p("2.开展科普进校园活动，每年不少于50场次。（责任单位：市科协，各县〔市〕政府）") +
		p("三、任务分解") + p("附表：重点任务分解表") +
		table(
			row(cell("", "工作任务"), cell("", "主要内容"), cell("", "牵头单位"), cell("", "责任单位"), cell("", "开展时间")),
			row(cell("restart", "（一）实施科普活动工程"), cell("", "1.举办科技活动周。开展系列科技活动。"), cell("", "市科技局"), cell("", "市委宣传部、教育局、科协"), cell("", "5月中下旬")),
			row(cell("continue", "（一）实施科普活动工程"), cell("", "2.举办全国科普日活动。", "组织50场以上科普活动。"), cell("", "市科协"), cell("", "领导小组各成员单位"), cell("", "9月")),
			row(cell("restart", "（二）实施基层科普工程"), cell("", "1.开展科普大篷车下乡。"), cell("", "市科协"), cell("", "市农业农村局"), cell("", "1-12月")),
		) + p("四、保障措施") + p("各单位要加强组织领导。")
}

// task finds the item with the given path in an extraction result.
func task(t *testing.T, r extract.Result, path ...string) extract.Item {
	t.Helper()
	for _, it := range r.Items {
		if reflect.DeepEqual(it.Path, path) {
			return it
		}
	}
	t.Fatalf("no item %v in %+v", path, r.Items)
	return extract.Item{}
}

func TestDOCXPlanExtracts(t *testing.T) {
	d := mustRead(t, "实施方案.docx", makeDOCX(t, planBody()))
	if d.Format != FormatDOCX || d.Name != "实施方案.docx" {
		t.Fatalf("format %q name %q", d.Format, d.Name)
	}
	// The merged cell's continuation is a bare tab line, and a second
	// paragraph of a cell continues it without a tab.
	if !strings.Contains(d.Text, "\t5月中下旬\n\n\t\n\t2.举办全国科普日活动。\n组织50场以上科普活动。\n\t市科协\n") {
		t.Errorf("table not in tab-cell form:\n%s", d.Text)
	}
	r := extract.Extract(d.Text)
	if len(r.Goals) != 1 || r.Goals[0].Value != 12 || r.Goals[0].Year != 2025 {
		t.Errorf("goals = %+v", r.Goals)
	}
	t1 := task(t, r, "二、", "(一)", "1.")
	if !reflect.DeepEqual(t1.Lead, []string{"市教育局"}) || !reflect.DeepEqual(t1.Responsible, []string{"市教育局", "市科协"}) {
		t.Errorf("prose task 1: lead %q responsible %q", t1.Lead, t1.Responsible)
	}
	if len(t1.Targets) != 1 || t1.Targets[0].Value != 100 || t1.Targets[0].Unit != "名" {
		t.Errorf("prose task 1 targets = %+v", t1.Targets)
	}
	t2 := task(t, r, "二、", "(一)", "2.")
	if !reflect.DeepEqual(t2.Responsible, []string{"市科协", "各县〔市〕政府"}) {
		t.Errorf("prose task 2 responsible %q", t2.Responsible)
	}
	row1 := task(t, r, "(一)", "1.")
	if !reflect.DeepEqual(row1.Lead, []string{"市科技局"}) || !reflect.DeepEqual(row1.Responsible, []string{"市委宣传部", "市教育局", "市科协"}) || row1.Schedule != "5月中下旬" {
		t.Errorf("table row 1 = %+v", row1)
	}
	// The second row sits under the merged category, not on its own.
	row2 := task(t, r, "(一)", "2.")
	if !reflect.DeepEqual(row2.Lead, []string{"市科协"}) || !reflect.DeepEqual(row2.Responsible, []string{"领导小组各成员单位"}) || row2.Schedule != "9月" {
		t.Errorf("table row 2 = %+v", row2)
	}
	if len(row2.Targets) != 1 || row2.Targets[0].Value != 50 {
		t.Errorf("table row 2 targets = %+v", row2.Targets)
	}
	row3 := task(t, r, "(二)", "1.")
	if row3.Schedule != "1-12月" || !reflect.DeepEqual(row3.Responsible, []string{"市农业农村局"}) {
		t.Errorf("table row 3 = %+v", row3)
	}
	// The text after the table is the document again.
	task(t, r, "四、")
}

const numberingXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="0">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
 <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
 <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="(%4)"/><w:suff w:val="space"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1">
 <w:lvl w:ilvl="0"><w:start w:val="9"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%1"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
<w:num w:numId="3"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
</w:numbering>`

const stylesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Sub"><w:name w:val="sub"/><w:basedOn w:val="1"/><w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>
</w:styles>`

func numbered(numID, ilvl, text string) string {
	return `<w:p><w:pPr><w:numPr><w:ilvl w:val="` + ilvl + `"/><w:numId w:val="` + numID + `"/></w:numPr></w:pPr><w:r><w:t>` + text + `</w:t></w:r></w:p>`
}

func styled(style, text string) string {
	return `<w:p><w:pPr><w:pStyle w:val="` + style + `"/></w:pPr><w:r><w:t>` + text + `</w:t></w:r></w:p>`
}

// Word's automatic numbering is rendered as the text a reader sees, so the
// extractor finds the heading levels of a plan numbered by Word.
func TestDOCXNumbering(t *testing.T) {
	body := numbered("1", "0", "总体要求") + numbered("1", "0", "重点任务") + numbered("1", "1", "青少年行动") +
		numbered("1", "2", "加强科学教育") + numbered("1", "3", "细项") + numbered("1", "2", "开展活动") +
		numbered("1", "1", "农民行动") + numbered("1", "2", "培训农民") +
		numbered("2", "0", "圆圈") + numbered("1", "0", "") + styled("1", "保障措施") + styled("Sub", "组织保障") +
		numbered("3", "0", "重新编号") + p("没有编号")
	d := mustRead(t, "n.docx", makeDOCX(t, body,
		entry{name: "word/numbering.xml", data: []byte(numberingXML)},
		entry{name: "word/styles.xml", data: []byte(stylesXML)}))
	want := "一、总体要求\n二、重点任务\n（一）青少年行动\n1.加强科学教育\n(1) 细项\n2.开展活动\n（二）农民行动\n1.培训农民\n⑨ 圆圈\n\n" +
		"四、保障措施\n（一）组织保障\n一、重新编号\n没有编号\n"
	if d.Text != want {
		t.Errorf("numbering:\n got %s\nwant %s", dump(d.Text), dump(want))
	}
	r := extract.Extract(d.Text)
	task(t, r, "二、", "(二)", "1.")
}

func TestFormatNumber(t *testing.T) {
	cases := []struct {
		v    int
		f    string
		want string
	}{
		{1, "chineseCounting", "一"}, {10, "chineseCounting", "十"}, {11, "chineseCountingThousand", "十一"},
		{20, "chineseCounting", "二十"}, {105, "chineseCounting", "一百零五"}, {110, "chineseCounting", "一百一十"},
		{3, "chineseLegalSimplified", "叁"}, {2, "ideographTraditional", "乙"}, {12, "ideographDigital", "一二"},
		{3, "decimalEnclosedParen", "⑶"}, {21, "decimalEnclosedCircle", "21"}, {2, "decimalEnclosedFullstop", "⒉"},
		{28, "upperLetter", "BB"}, {4, "lowerRoman", "iv"}, {7, "decimalZero", "07"}, {5, "decimalFullWidth", "５"},
		{1000, "chineseCounting", "1000"}, {3, "unknownFormat", "3"},
	}
	for _, c := range cases {
		if got := formatNumber(c.v, c.f); got != c.want {
			t.Errorf("formatNumber(%d, %s) = %q, want %q", c.v, c.f, got, c.want)
		}
	}
}

// What Word does not print is not read: deleted revisions, hidden runs,
// field codes, the fallback copy of a text box, a generated table of
// contents, and headers, footers and comments (other parts).
func TestDOCXLeavesOutWhatIsNotPrinted(t *testing.T) {
	body := `<w:p><w:r><w:t>保留</w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>删除的</w:delText></w:r></w:del><w:ins w:id="2" w:author="a"><w:r><w:t>插入的</w:t></w:r></w:ins></w:p>` +
		`<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏的</w:t></w:r><w:r><w:rPr><w:vanish w:val="false"/></w:rPr><w:t>显示的</w:t></w:r></w:p>` +
		`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>页码结果</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>` +
		`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> TOC \o "1-3" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>一、目录条目</w:t></w:r><w:r><w:tab/><w:t>3</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>二、目录条目</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>` +
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框副本</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>正文</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t><w:noBreakHyphen/><w:t>丁</w:t></w:r></w:p>` +
		`<w:p><w:r><w:tab/><w:t>缩进的段落</w:t></w:r></w:p>`
	d := mustRead(t, "x.docx", makeDOCX(t, body,
		entry{name: "word/header1.xml", data: []byte(`<w:hdr xmlns:w="` + nsW + `">` + p("页眉文字") + `</w:hdr>`)},
		entry{name: "word/comments.xml", data: []byte(`<w:comments xmlns:w="` + nsW + `">` + p("批注文字") + `</w:comments>`)}))
	want := "保留插入的\n显示的\n页码结果\n文本框\n正文\n甲\t乙\n丙-丁\n  缩进的段落\n"
	if d.Text != want {
		t.Errorf("got %s\nwant %s", dump(d.Text), dump(want))
	}
}

// Cells with several paragraphs, empty cells, a table inside a cell and a
// strict-OOXML namespace all come out in the tab-cell form.
func TestDOCXTableShapes(t *testing.T) {
	inner := table(row(cell("", "内表甲"), cell("", "内表乙")))
	body := table(
		row(cell("", "A"), cell(""), cell("", "B1", "", "\tB2")),
		row(`<w:tc><w:p><w:r><w:t>C</w:t></w:r></w:p>`+inner+`</w:tc>`, `<w:tc><w:tcPr><w:hMerge/></w:tcPr><w:p/></w:tc>`),
	) + p("表后")
	d := mustRead(t, "t.docx", makeDOCX(t, body))
	want := "\tA\n\t\n\tB1\nB2\n\n\tC\n内表甲\n内表乙\n\n表后\n"
	if d.Text != want {
		t.Errorf("got %s\nwant %s", dump(d.Text), dump(want))
	}

	strict := strings.ReplaceAll(docHead+p("严格格式")+docTail, nsW, nsWStrict)
	b := makeZip(t, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, entry{name: "word/document.xml", data: []byte(strict)})
	if d := mustRead(t, "s.docx", b); d.Text != "严格格式\n" {
		t.Errorf("strict OOXML: %s", dump(d.Text))
	}
}
