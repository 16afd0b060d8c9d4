package source

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"liandong/internal/core"
)

// bombOf100MB returns a .docx whose word/document.xml inflates to 100 MB of fill
// inside one w:t (about 100 KB compressed); built once, it takes a moment.
var bombOnce = map[byte]*sync.Once{'0': {}, 0: {}}
var bombs = map[byte][]byte{}

func bombOf100MB(t testing.TB, fill byte) []byte {
	bombOnce[fill].Do(func() {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range []entry{{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, {name: "_rels/.rels", data: []byte(rootRels)}} {
			w, _ := zw.Create(e.name)
			w.Write(e.data)
		}
		w, err := zw.Create("word/document.xml")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, docHead+"<w:p><w:r><w:t>")
		io.Copy(w, io.LimitReader(repeatReader(fill), 100<<20))
		io.WriteString(w, "</w:t></w:r></w:p>"+docTail)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		bombs[fill] = buf.Bytes()
	})
	return bombs[fill]
}

// A zip bomb is refused after inflating a bounded amount, and reading it
// allocates far less than its 100 MB.
func TestZipBombBounded(t *testing.T) {
	// Either fill is one text run: it is cut off at MaxText, before the
	// ratio bound (and, for NUL, before encoding/xml looks at the characters).
	for _, fill := range []byte{'0', 0} {
		b := bombOf100MB(t, fill)
		if len(b) > 1<<20 {
			t.Fatalf("bomb is %d bytes compressed", len(b))
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Read("bomb.docx", bytes.NewReader(b), DefaultLimits)
		runtime.ReadMemStats(&after)
		refused(t, err, core.ETOOLARGE)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
			t.Errorf("fill %q: reading the bomb allocated %d MB", fill, alloc>>20)
		}
		// Count what was inflated: never more than the ratio allows.
		a, _, err := openOOXML(b, DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = readDOCX(a, DefaultLimits)
		limit := int64(a.files["word/document.xml"].CompressedSize64)*int64(DefaultLimits.MaxRatio) + 64<<10
		if a.used > limit || a.used > DefaultLimits.MaxUnzipped {
			t.Errorf("fill %q: inflated %d bytes, limit %d", fill, a.used, limit)
		}
	}
}

// An upload over MaxFile is refused having read no more than the limit.
func TestUploadOverMaxFile(t *testing.T) {
	c := &uploadCounter{r: repeatReader('a')}
	_, err := Read("big.txt", c, DefaultLimits)
	ce := refused(t, err, core.ETOOLARGE)
	if !strings.Contains(ce.Message, "10 MB") {
		t.Errorf("message %q does not name the limit", ce.Message)
	}
	if c.n > DefaultLimits.MaxFile+64<<10 {
		t.Errorf("read %d bytes of an endless upload", c.n)
	}
}

func TestRefusals(t *testing.T) {
	deep := func(n int) []byte {
		return makeDOCX(t, strings.Repeat("<a>", n)+strings.Repeat("</a>", n))
	}
	var manyEntries []entry
	manyEntries = append(manyEntries, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, entry{name: "word/document.xml", data: []byte(docHead + docTail)})
	for i := range 10_000 {
		manyEntries = append(manyEntries, entry{name: fmt.Sprintf("word/media/image%d.png", i)})
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>` +
		`<w:document xmlns:w="` + nsW + `"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>`
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	ole := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 504)...)
	docx := makeDOCX(t, p("一、总体要求"))
	xlsx := makeXLSX(t, false)
	stored3MB := makeZip(t, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)},
		entry{name: "word/document.xml", data: []byte(docHead + p(strings.Repeat("科", 1<<20)) + docTail), stored: true})

	cases := []struct {
		what, name string
		data       []byte
		lim        Limits
		code, msg  string
	}{
		{"empty file", "a.txt", nil, Limits{}, core.EINVALID, "空"},
		{"ratio bomb of empty paragraphs", "a.docx", makeDOCX(t, strings.Repeat("<w:p/>", 3<<20)), Limits{}, core.EINVALID, "压缩比"},
		{"10,000 entries", "a.docx", makeZip(t, manyEntries...), Limits{}, core.EINVALID, "条目过多"},
		{"nesting 100,000 deep", "a.docx", deep(100_000), Limits{}, core.EINVALID, "结构异常"},
		{"nesting just over the bound", "a.docx", deep(maxDepth), Limits{}, core.EINVALID, "结构异常"},
		{"billion laughs", "a.docx", makeZip(t, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, entry{name: "word/document.xml", data: []byte(laughs)}), Limits{}, core.EINVALID, "结构异常"},
		{"DOCTYPE in [Content_Types].xml", "a.docx", makeZip(t, entry{name: "[Content_Types].xml", data: []byte(`<!DOCTYPE x SYSTEM "file:///etc/passwd"><Types/>`)}, entry{name: "word/document.xml", data: []byte(docHead + docTail)}), Limits{}, core.EINVALID, "结构异常"},
		{"one huge tag", "a.docx", makeDOCX(t, `<w:p`+strings.Repeat(` a="1"`, 20_000)+`/>`), Limits{}, core.EINVALID, "结构异常"},
		{"HTML renamed .docx", "a.docx", []byte("<!DOCTYPE html><html><body><p>一、总体要求</p></body></html>"), Limits{}, core.EINVALID, "网页"},
		{"Word web page saved as .doc", "a.doc", []byte("MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n"), Limits{}, core.EINVALID, "网页"},
		{"PNG renamed .txt", "a.txt", png, Limits{}, core.EINVALID, "图片"},
		{"zip without [Content_Types].xml", "a.docx", makeZip(t, entry{name: "word/document.xml", data: []byte(docHead + docTail)}), Limits{}, core.EINVALID, "[Content_Types].xml"},
		{"plain zip", "a.zip", makeZip(t, entry{name: "a.txt", data: []byte("x")}), Limits{}, core.EINVALID, "压缩包"},
		{"OLE .doc", "a.doc", ole, Limits{}, core.EINVALID, "另存为"},
		{"OLE renamed .docx", "a.docx", ole, Limits{}, core.EINVALID, "旧版"},
		{"PDF", "a.pdf", []byte("%PDF-1.7\n"), Limits{}, core.EINVALID, "PDF"},
		{"RTF", "a.doc", []byte(`{\rtf1\ansi 一}`), Limits{}, core.EINVALID, "RTF"},
		{"executable", "a.txt", []byte("MZ\x90\x00\x03"), Limits{}, core.EINVALID, "程序"},
		{"gzip", "a.txt", []byte("\x1f\x8b\x08\x00"), Limits{}, core.EINVALID, "压缩包"},
		{"SVG", "a.txt", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), Limits{}, core.EINVALID, "SVG"},
		{"OpenDocument", "a.odt", makeZip(t, entry{name: "mimetype", data: []byte("application/vnd.oasis.opendocument.text")}, entry{name: "content.xml", data: []byte("<x/>")}), Limits{}, core.EINVALID, "OpenDocument"},
		{"OFD", "a.ofd", makeZip(t, entry{name: "OFD.xml", data: []byte("<x/>")}), Limits{}, core.EINVALID, "OFD"},
		{"UTF-16 without a mark", "a.txt", []byte("\x7d\x72\x34\x59\x0a\x00"), Limits{}, core.EINVALID, "二进制"},
		{"binary without NUL", "a.txt", bytes.Repeat([]byte{0x01, 0x02, 0x03, 0x1b, 0x7f}, 40), Limits{}, core.EINVALID, "不是文本"},
		{"docx named .xlsx", "a.xlsx", docx, Limits{}, core.EINVALID, "不符"},
		{"xlsx named .docx", "a.docx", xlsx, Limits{}, core.EINVALID, "不符"},
		{"text named .docx", "a.docx", []byte("一、总体要求"), Limits{}, core.EINVALID, "不符"},
		{"docx named .doc", "a.doc", docx, Limits{}, core.EINVALID, ".docx"},
		{"text named .pdf", "a.pdf", []byte("一、总体要求"), Limits{}, core.EINVALID, "PDF"},
		{"unknown extension", "a.abc", []byte("一、总体要求"), Limits{}, core.EINVALID, ".abc"},
		{"unsafe entry name", "a.docx", makeZip(t, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, entry{name: "word/document.xml", data: []byte(docHead + docTail)}, entry{name: "../../evil.xml"}), Limits{}, core.EINVALID, "不安全"},
		{"duplicate entry", "a.docx", makeZip(t, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, entry{name: "word/document.xml", data: []byte(docHead + docTail)}, entry{name: "Word/Document.xml"}), Limits{}, core.EINVALID, "重名"},
		{"corrupt zip", "a.docx", []byte("PK\x03\x04garbage"), Limits{}, core.EINVALID, "损坏"},
		{"not UTF-8 XML", "a.docx", makeZip(t, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, entry{name: "word/document.xml", data: []byte(`<?xml version="1.0" encoding="GB2312"?><w:document/>`)}), Limits{}, core.EINVALID, "损坏"},
		{"truncated XML", "a.docx", makeZip(t, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, entry{name: "word/document.xml", data: []byte(docHead + "<w:p><w:r><w:t>一")}), Limits{}, core.EINVALID, "损坏"},
		{"inflated total over MaxUnzipped", "a.docx", stored3MB, Limits{MaxUnzipped: 2 << 20}, core.ETOOLARGE, "解压后超过 2 MB"},
		{"text over MaxText", "a.docx", stored3MB, Limits{MaxText: 1 << 20}, core.ETOOLARGE, "1 MB"},
		{"plain text over MaxText", "a.txt", bytes.Repeat([]byte("科"), 1<<20), Limits{MaxText: 1 << 20}, core.ETOOLARGE, "1 MB"},
		{"empty document", "a.docx", makeDOCX(t, p(" ")), Limits{}, core.EINVALID, "没有可读取的文字"},
		{"xlsx: DOCTYPE in shared strings", "a.xlsx", rewriteZip(t, xlsx, "xl/sharedStrings.xml", func(s string) string {
			return strings.Replace(s, "<sst", `<!DOCTYPE sst [<!ENTITY x "y">]><sst`, 1)
		}), Limits{}, core.EINVALID, "结构异常"},
		{"xlsx: bomb in a part excelize would read", "a.xlsx", addEntry(t, xlsx, entry{name: "xl/media/image1.png", data: make([]byte, 8<<20)}), Limits{}, core.EINVALID, "压缩比"},
		{"xlsx: too many merged ranges", "a.xlsx", rewriteZip(t, xlsx, "xl/worksheets/sheet2.xml", func(s string) string {
			return strings.Replace(s, "<mergeCells", "<mergeCells>"+strings.Repeat(`<mergeCell ref="H1:H2"/>`, maxMerges+1)+"</mergeCells><x", 1)
		}), Limits{}, core.ETOOLARGE, "过多"},
		{"xlsx: no worksheet data", "a.xlsx", makeZip(t, entry{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)}, entry{name: "xl/workbook.xml", data: []byte(`<workbook/>`)}), Limits{}, core.EINVALID, ""},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			d, err := Read(c.name, bytes.NewReader(c.data), c.lim)
			if err == nil {
				t.Fatalf("accepted as %s: %s", d.Format, dump(d.Text[:min(len(d.Text), 200)]))
			}
			ce := refused(t, err, c.code)
			if !strings.Contains(ce.Message, c.msg) {
				t.Errorf("message %q lacks %q", ce.Message, c.msg)
			}
		})
	}
}

// addEntry returns the zip with one more entry.
func addEntry(t testing.TB, data []byte, e entry) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create(e.name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(e.data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Reading a workbook leaves nothing in the temporary directory: excelize
// is told to keep every part in memory (SECURITY.md E2).
func TestXLSXLeavesNoTempFiles(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	big := rewriteZip(t, makeXLSX(t, false), "xl/worksheets/sheet2.xml", func(s string) string {
		// Pad the sheet past excelize's own in-memory default (16 MB would
		// be slow to build; its threshold is what UnzipXMLSizeLimit sets).
		return strings.Replace(s, "</sheetData>", strings.Repeat(`<row r="9999"/>`, 1)+"</sheetData>", 1)
	})
	if _, err := Read("a.xlsx", bytes.NewReader(big), Limits{MaxUnzipped: 4 << 20}); err != nil {
		t.Fatal(err)
	}
	if _, err := Read("bad.xlsx", bytes.NewReader([]byte("PK\x03\x04")), DefaultLimits); err == nil {
		t.Fatal("corrupt workbook accepted")
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("left in TMPDIR: %v", left)
	}
}
