package source

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"liandong/internal/core"
)

// The fuzz targets (SECURITY.md D1) check one invariant: Read never panics
// and returns either a Document whose Text is valid UTF-8 within MaxText, or
// a *core.Error EINVALID/ETOOLARGE naming the file field with a Chinese
// message. Seed corpora live in testdata/fuzz/<Name>/ and are replayed by
// every `go test`; `go test -run TestWriteFuzzCorpus -write-corpus`
// rewrites them from the builders in these tests. Inputs are kilobytes, so
// run with a short -fuzzminimizetime (such as 5s) or minimising each new
// input takes the default minute.
//
// A zip's entries are checked by CRC, so mutating whole archives rarely
// reaches the XML readers. The DOCX and XLSX targets therefore fuzz the XML
// parts and wrap them in a valid archive; an input that itself starts with
// "PK" is read as the whole file instead, so archive-level corpora work too.

// fuzzLimits keep each execution small and fast.
var fuzzLimits = Limits{MaxFile: 1 << 20, MaxUnzipped: 4 << 20, MaxEntries: 64, MaxRatio: 100, MaxText: 256 << 10}

func checkInvariant(t *testing.T, d *Document, err error) {
	if err != nil {
		var ce *core.Error
		if !errors.As(err, &ce) {
			t.Fatalf("not a *core.Error: %#v", err)
		}
		if (ce.Code != core.EINVALID && ce.Code != core.ETOOLARGE) || ce.Field != Field || !hasHan(ce.Message) {
			t.Fatalf("bad error: code %s field %q message %q (%v)", ce.Code, ce.Field, ce.Message, ce.Err)
		}
		return
	}
	if d == nil || !utf8.ValidString(d.Text) || len(d.Text) > fuzzLimits.MaxText || strings.TrimSpace(d.Text) == "" {
		t.Fatalf("bad document: %+v", d)
	}
	if d.Format != FormatText && d.Format != FormatDOCX && d.Format != FormatXLSX {
		t.Fatalf("format %q", d.Format)
	}
}

func docxOf(doc, numbering []byte) []byte {
	if bytes.HasPrefix(doc, []byte("PK")) {
		return doc
	}
	// Stored, not deflated: a flate writer per execution would dominate.
	es := []entry{
		{name: "[Content_Types].xml", data: []byte(contentTypesDOCX), stored: true},
		{name: "word/document.xml", data: doc, stored: true},
		{name: "word/styles.xml", data: []byte(stylesXML), stored: true},
	}
	if len(numbering) > 0 {
		es = append(es, entry{name: "word/numbering.xml", data: numbering, stored: true})
	}
	return makeZip(nopTB{}, es...)
}

func FuzzReadDOCX(f *testing.F) {
	f.Add([]byte(docHead+planBody()+docTail), []byte(numberingXML))
	f.Fuzz(func(t *testing.T, doc, numbering []byte) {
		d, err := Read("f.docx", bytes.NewReader(docxOf(doc, numbering)), fuzzLimits)
		checkInvariant(t, d, err)
	})
}

// The workbook around a fuzzed sheet and shared-string table: one sheet.
const (
	xlsxTypes    = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`
	xlsxRootRels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	xlsxWorkbook = `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="分解表" sheetId="1" r:id="rId1"/></sheets></workbook>`
	xlsxWBRels   = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`
)

func xlsxOf(sheet, shared []byte) []byte {
	if bytes.HasPrefix(sheet, []byte("PK")) {
		return sheet
	}
	return makeZip(nopTB{},
		entry{name: "[Content_Types].xml", data: []byte(xlsxTypes), stored: true},
		entry{name: "_rels/.rels", data: []byte(xlsxRootRels), stored: true},
		entry{name: "xl/workbook.xml", data: []byte(xlsxWorkbook), stored: true},
		entry{name: "xl/_rels/workbook.xml.rels", data: []byte(xlsxWBRels), stored: true},
		entry{name: "xl/worksheets/sheet1.xml", data: sheet, stored: true},
		entry{name: "xl/sharedStrings.xml", data: shared, stored: true},
	)
}

func FuzzReadXLSX(f *testing.F) {
	f.Add([]byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>1.任务</t></is></c></row></sheetData><mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells></worksheet>`),
		[]byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>牵头单位</t></si><si><t>责任单位</t></si><si><t>完成时间</t></si></sst>`))
	f.Fuzz(func(t *testing.T, sheet, shared []byte) {
		d, err := Read("f.xlsx", bytes.NewReader(xlsxOf(sheet, shared)), fuzzLimits)
		checkInvariant(t, d, err)
	})
}

func FuzzReadText(f *testing.F) {
	f.Add([]byte("一、总体要求\r\n（一）目标"), "方案.txt")
	f.Fuzz(func(t *testing.T, b []byte, name string) {
		d, err := Read(name, bytes.NewReader(b), fuzzLimits)
		checkInvariant(t, d, err)
	})
}

// nopTB lets the archive builders run inside fuzz functions, where a build
// failure cannot happen (the writer is in memory).
type nopTB struct{ testing.TB }

func (nopTB) Helper()               {}
func (nopTB) Fatal(args ...any)     { panic(fmt.Sprint(args...)) }
func (nopTB) Fatalf(string, ...any) { panic("zip build failed") }

var writeCorpus = flag.Bool("write-corpus", false, "rewrite testdata/fuzz seed corpora from the builders")

// TestWriteFuzzCorpus rewrites the committed seed corpora; it does nothing
// unless -write-corpus is given.
func TestWriteFuzzCorpus(t *testing.T) {
	if !*writeCorpus {
		t.Skip("run with -write-corpus to rewrite testdata/fuzz")
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	xlsx := makeXLSX(t, true)
	sheet, shared := zipEntry(t, xlsx, "xl/worksheets/sheet2.xml"), zipEntry(t, xlsx, "xl/sharedStrings.xml")
	laughs := `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><w:document xmlns:w="` + nsW + `"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>`
	corpora := map[string][][]any{
		"FuzzReadDOCX": {
			{[]byte(docHead + planBody() + docTail), []byte(numberingXML)},
			{[]byte(docHead + numbered("1", "0", "总体要求") + numbered("1", "1", "目标") + numbered("2", "0", "圆圈") + styled("Sub", "样式编号") + docTail), []byte(numberingXML)},
			{[]byte(docHead + `<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>目录</w:t></w:r></w:p><w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐</w:t></w:r><w:del><w:r><w:delText>删</w:delText></w:r></w:del></w:p>` + docTail), []byte{}},
			{[]byte(docHead + table(row(cell("restart", "（一）类别"), cell("", "1.任务")), row(cell("continue"), cell("", "2.任务", "续行"))) + docTail), []byte{}},
			{[]byte(docHead + strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300) + docTail), []byte{}},
			{[]byte(laughs), []byte{}},
			{read("lo-plan.docx"), []byte{}},
		},
		"FuzzReadXLSX": {
			{sheet, shared},
			{[]byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>牵头责任时间</t></is></c></row></sheetData><mergeCells><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>`), shared},
			{makeXLSX(t, false), []byte{}},
		},
		"FuzzReadText": {
			{read("gb18030.txt"), "gb18030.txt"},
			{read("utf16le.txt"), "utf16le.txt"},
			{[]byte("\xEF\xBB\xBF二、重点任务\r\n1.开展活动。（责任单位：市科协）"), "bom.txt"},
			{[]byte(strings.Repeat("科学", 20) + "\xff\xfe"), "damaged.txt"},
			{[]byte("\x89PNG\r\n\x1a\n\x00\x00"), "a.txt"},
			{[]byte("<!DOCTYPE html><p>一、总体要求</p>"), "a.html"},
			{[]byte("\t工作任务\n\t牵头单位\n\t责任单位\n\t开展时间\n\n\t（一）类别\n\t1.任务\n\t市科协\n\t\n\t1-12月\n"), "表.txt"},
		},
	}
	for name, seeds := range corpora {
		dir := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, args := range seeds {
			var b strings.Builder
			b.WriteString("go test fuzz v1\n")
			for _, a := range args {
				switch a := a.(type) {
				case []byte:
					fmt.Fprintf(&b, "[]byte(%q)\n", a)
				case string:
					fmt.Fprintf(&b, "string(%q)\n", a)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%02d", i)), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func zipEntry(t testing.TB, data []byte, name string) []byte {
	t.Helper()
	var got []byte
	rewriteZip(t, data, name, func(s string) string { got = []byte(s); return s })
	return got
}
