package source

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
	"testing"
	"unicode"

	"liandong/internal/core"
)

// entry is one file of a zip built by a test.
type entry struct {
	name   string
	data   []byte
	stored bool // no compression
}

func makeZip(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.stored {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const contentTypesDOCX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

const rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`

const docHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><w:body>`

const docTail = `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>`

// makeDOCX builds a .docx whose body is the given WordprocessingML, with
// optional extra parts (numbering, styles, headers).
func makeDOCX(t testing.TB, body string, extra ...entry) []byte {
	t.Helper()
	es := []entry{
		{name: "[Content_Types].xml", data: []byte(contentTypesDOCX)},
		{name: "_rels/.rels", data: []byte(rootRels)},
		{name: "word/document.xml", data: []byte(docHead + body + docTail)},
	}
	return makeZip(t, append(es, extra...)...)
}

// p is a paragraph of plain text.
func p(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + html.EscapeString(text) + `</w:t></w:r></w:p>`
}

// cell is a table cell; merge is "", "restart" or "continue".
func cell(merge string, paras ...string) string {
	var b strings.Builder
	b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="1000" w:type="dxa"/>`)
	switch merge {
	case "restart":
		b.WriteString(`<w:vMerge w:val="restart"/>`)
	case "continue":
		b.WriteString(`<w:vMerge/>`)
	}
	b.WriteString(`</w:tcPr>`)
	if len(paras) == 0 {
		b.WriteString(`<w:p/>`)
	}
	for _, t := range paras {
		b.WriteString(p(t))
	}
	b.WriteString(`</w:tc>`)
	return b.String()
}

func row(cells ...string) string { return `<w:tr>` + strings.Join(cells, "") + `</w:tr>` }

func table(rows ...string) string {
	return `<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="1000"/></w:tblGrid>` + strings.Join(rows, "") + `</w:tbl>`
}

// refused asserts that err is a *core.Error with the code, naming the file
// field, with a Chinese message.
func refused(t *testing.T, err error, code string) *core.Error {
	t.Helper()
	var ce *core.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *core.Error %s, got %v", code, err)
	}
	if ce.Code != code {
		t.Fatalf("code = %s, want %s (message %q, cause %v)", ce.Code, code, ce.Message, ce.Err)
	}
	if ce.Field != Field {
		t.Errorf("field = %q, want %q", ce.Field, Field)
	}
	if !hasHan(ce.Message) {
		t.Errorf("message %q is not Chinese", ce.Message)
	}
	return ce
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func mustRead(t testing.TB, name string, b []byte) *Document {
	t.Helper()
	d, err := Read(name, bytes.NewReader(b), DefaultLimits)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return d
}

// uploadCounter counts the bytes Read takes from the upload.
type uploadCounter struct {
	r io.Reader
	n int64
}

func (c *uploadCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader is an endless source of one byte.
type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func dump(s string) string { return fmt.Sprintf("%q", s) }
