package source

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// planOf35KB is a .docx of our own writing whose text is about 35 KB, the
// size of seed 002: prose sections with units in parentheses, automatic
// numbering, and a decomposition table with merged category cells.
func planOf35KB(t testing.TB) ([]byte, int) {
	var body strings.Builder
	cn := []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}
	for s := 0; body.Len() < 48<<10; s++ {
		body.WriteString(p(fmt.Sprintf("（%s）第%d项重点行动。（牵头单位：市科协）", cn[s%10], s+1)))
		for k := 1; k <= 4; k++ {
			body.WriteString(numbered("1", "2", fmt.Sprintf("组织开展第%d类科普活动，每年举办不少于%d场，覆盖人群%d万人次以上。（责任单位：市教育局、科技局、卫生健康委，各县〔市〕政府）", k, 10*k, k)))
		}
	}
	var rows []string
	rows = append(rows, row(cell("", "工作任务"), cell("", "主要内容"), cell("", "牵头单位"), cell("", "责任单位"), cell("", "开展时间")))
	for c := 0; c < 8; c++ {
		for k := 1; k <= 4; k++ {
			merge := "continue"
			if k == 1 {
				merge = "restart"
			}
			rows = append(rows, row(cell(merge, fmt.Sprintf("（%s）实施第%d项工程", cn[c], c+1)), cell("", fmt.Sprintf("%d.开展专项活动，全年不少于%d场。", k, 5*k)),
				cell("", "市科协"), cell("", "市委宣传部、教育局、科技局"), cell("", "1-12月")))
		}
	}
	b := makeDOCX(t, body.String()+table(rows...), entry{name: "word/numbering.xml", data: []byte(numberingXML)})
	d, err := Read("bench.docx", bytes.NewReader(b), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return b, len(d.Text)
}

func BenchmarkReadDOCX35KB(b *testing.B) {
	data, n := planOf35KB(b)
	if n < 30<<10 || n > 40<<10 {
		b.Fatalf("text is %d bytes, want about 35 KB", n)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read("bench.docx", bytes.NewReader(data), DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadXLSX(b *testing.B) {
	data := makeXLSX(b, false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read("table.xlsx", bytes.NewReader(data), DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}
