package source

import (
	"encoding/xml"
	"io"
	"strings"
)

// A .docx becomes text the way Word's "save as plain text" writes it, which
// is what extract reads:
//
//   - each paragraph (w:p) is a line; w:tab is "\t", w:br and w:cr end a line
//     inside the paragraph; automatic list numbering is rendered as text
//     ("一、", "（二）", "3.") because plans number their headings with it;
//   - each table row (w:tr) writes its cells (w:tc) one after another, each
//     starting on a new line with "\t"; the further paragraphs of a cell follow
//     on their own lines without a tab; an empty cell is a bare "\t" line; the
//     row ends with an empty line. A cell continuing a vertical merge
//     (w:vMerge without "restart") is written empty, so the extractor's
//     "category cell repeated or blank" rule applies. A table nested in a cell
//     contributes its paragraphs to that cell.
//
// Headers, footers, comments and footnotes live in other parts and are not
// read. Deleted revisions, hidden text, field codes, the fallback copy of
// drawings (mc:Fallback) and generated tables of contents are left out, as
// Word leaves them out of the printed page.
//
// A body line that would start with a tab is indented with spaces instead:
// to the extractor a leading tab means a table cell.

// Namespaces of WordprocessingML (transitional and strict) and of markup
// compatibility.
const (
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsWStrict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
	nsMC      = "http://schemas.openxmlformats.org/markup-compatibility/2006"
)

// maxPartElems bounds the elements of the small parts read whole
// (numbering, styles, content types).
const maxPartElems = 200_000

func isW(n xml.Name) bool { return n.Space == nsW || n.Space == nsWStrict }

// attr returns the value of the w: attribute (or unqualified one) named local.
func attr(se xml.StartElement, local string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == local && (a.Name.Space == "" || a.Name.Space == nsW || a.Name.Space == nsWStrict) {
			return a.Value, true
		}
	}
	return "", false
}

// onOff reads an OOXML boolean property: present means on unless its value
// says otherwise.
func onOff(se xml.StartElement) bool {
	v, ok := attr(se, "val")
	return !ok || !(v == "0" || v == "false" || v == "off")
}

func readDOCX(a *archive, lim Limits) (string, error) {
	// [Content_Types].xml is only checked to be well-formed, safe XML.
	if err := a.scan("[content_types].xml", maxPartElems, lim.MaxText); err != nil {
		return "", a.fail(err)
	}
	styles, err := readStyles(a)
	if err != nil {
		return "", a.fail(err)
	}
	num, err := readNumbering(a)
	if err != nil {
		return "", a.fail(err)
	}
	rc, err := a.open("word/document.xml")
	if err != nil {
		return "", a.fail(err)
	}
	defer rc.Close()
	w := &docWalker{x: newXMLReader(rc, 0, lim.MaxText), max: lim.MaxText, styles: styles, num: num}
	if err := w.walk(); err != nil {
		return "", a.fail(err)
	}
	return w.out.String(), nil
}

// scan reads a part to its end through the bounded XML reader.
func (a *archive) scan(name string, maxElems, maxText int) error {
	rc, err := a.open(name)
	if err != nil || rc == nil {
		return err
	}
	defer rc.Close()
	x := newXMLReader(rc, maxElems, maxText)
	for {
		if _, err := x.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// para is a paragraph being read.
type para struct {
	text       strings.Builder
	style      string
	numID      string
	ilvl       int
	hasNumID   bool
	hasIlvl    bool
	suppressed bool // some of its text was in a table of contents
}

// field is an open complex field (w:fldChar begin … end).
type field struct {
	instr     strings.Builder
	separated bool
}

func (f *field) toc() bool {
	return strings.HasPrefix(strings.TrimSpace(f.instr.String()), "TOC")
}

type docWalker struct {
	x      *xmlReader
	out    strings.Builder
	max    int
	styles map[string]styleDef
	num    *numbering

	paras  []*para  // open paragraphs (a text box nests one in another)
	fields []*field // open complex fields
	hidden bool     // the current run is hidden (w:vanish)

	tblDepth  int
	cellFirst bool // no line of the current cell is written yet
	cellSkip  bool // the cell continues a vertical merge: written empty
	cellDrop  bool // the cell continues a legacy horizontal merge: not written
	inCell    bool
}

// textSize is the bytes written plus those held in open paragraphs.
func (w *docWalker) textSize() int {
	n := w.out.Len()
	for _, p := range w.paras {
		n += p.text.Len()
	}
	return n
}

func (w *docWalker) suppressing() bool {
	for _, f := range w.fields {
		if f.separated && f.toc() {
			return true
		}
	}
	return false
}

func (w *docWalker) walk() error {
	for {
		t, err := w.x.Token()
		if err == io.EOF {
			if w.x.depth != 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if err := w.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			w.end(t)
		}
		if w.textSize() > w.max {
			return errText
		}
	}
}

func (w *docWalker) start(se xml.StartElement) error {
	if se.Name.Space == nsMC && se.Name.Local == "Fallback" {
		return w.x.Skip()
	}
	if !isW(se.Name) {
		return nil
	}
	switch se.Name.Local {
	case "del", "moveFrom", "instrText", "delText", "delInstrText", "sectPr", "tblPr", "tblGrid", "trPr", "footnoteReference", "endnoteReference", "commentReference":
		if se.Name.Local == "instrText" && len(w.fields) > 0 {
			return w.readInto(&w.fields[len(w.fields)-1].instr)
		}
		return w.x.Skip()
	case "p":
		w.paras = append(w.paras, &para{})
	case "pPr":
		if len(w.paras) > 0 {
			return w.readPPr(w.paras[len(w.paras)-1])
		}
		return w.x.Skip()
	case "r":
		w.hidden = false
	case "rPr":
		return w.readRPr()
	case "t":
		if p := w.para(); p != nil && !w.hidden {
			if w.suppressing() {
				p.suppressed = true
				return w.x.Skip()
			}
			return w.readInto(&p.text)
		}
		return w.x.Skip()
	case "tab", "ptab":
		w.put("\t")
	case "br", "cr":
		w.put("\n")
	case "noBreakHyphen":
		w.put("-")
	case "fldChar":
		switch v, _ := attr(se, "fldCharType"); v {
		case "begin":
			if len(w.fields) < 64 {
				w.fields = append(w.fields, &field{})
			}
		case "separate":
			if len(w.fields) > 0 {
				w.fields[len(w.fields)-1].separated = true
			}
		case "end":
			if len(w.fields) > 0 {
				w.fields = w.fields[:len(w.fields)-1]
			}
		}
	case "fldSimple":
		if v, _ := attr(se, "instr"); strings.HasPrefix(strings.TrimSpace(v), "TOC") {
			return w.x.Skip()
		}
	case "tbl":
		w.tblDepth++
	case "tc":
		if w.tblDepth == 1 {
			w.inCell, w.cellFirst, w.cellSkip, w.cellDrop = true, true, false, false
		}
	case "tcPr":
		if w.tblDepth == 1 {
			return w.readTcPr()
		}
		return w.x.Skip()
	}
	return nil
}

func (w *docWalker) end(ee xml.EndElement) {
	if !isW(ee.Name) {
		return
	}
	switch ee.Name.Local {
	case "p":
		if n := len(w.paras); n > 0 {
			p := w.paras[n-1]
			w.paras = w.paras[:n-1]
			w.emit(p)
		}
	case "r":
		w.hidden = false
	case "tbl":
		if w.tblDepth > 0 {
			w.tblDepth--
		}
		if w.tblDepth == 0 {
			w.inCell = false
		}
	case "tc":
		if w.tblDepth == 1 {
			if !w.cellDrop && w.cellFirst {
				w.out.WriteString("\t\n")
			}
			w.inCell = false
		}
	case "tr":
		if w.tblDepth == 1 {
			w.out.WriteString("\n")
		}
	}
}

func (w *docWalker) para() *para {
	if len(w.paras) == 0 {
		return nil
	}
	return w.paras[len(w.paras)-1]
}

// put adds literal text to the open paragraph, unless it is hidden or part
// of a generated table of contents.
func (w *docWalker) put(s string) {
	if p := w.para(); p != nil && !w.hidden {
		if w.suppressing() {
			p.suppressed = true
			return
		}
		p.text.WriteString(s)
	}
}

// readInto appends the character data of the element just opened to b,
// with line breaks inside it turned to spaces and control characters
// dropped, and consumes its end tag.
func (w *docWalker) readInto(b *strings.Builder) error {
	for depth := 1; depth > 0; {
		t, err := w.x.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if b.Len()+len(t) > w.max {
				return errText // before copying it
			}
			for _, r := range string(t) {
				switch {
				case r == '\n' || r == '\r':
					b.WriteByte(' ')
				case r == '\t':
					b.WriteByte('\t')
				case r < 0x20 || r == 0x7f || r == '\ufeff':
				default:
					b.WriteRune(r)
				}
			}
		}
	}
	return nil
}

// readPPr reads a paragraph's properties: its style and list numbering.
func (w *docWalker) readPPr(p *para) error {
	for depth := 1; depth > 0; {
		t, err := w.x.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			depth++
			if !isW(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "pStyle":
				p.style, _ = attr(t, "val")
			case "numId":
				p.numID, p.hasNumID = attrOr(t, "val", "0"), true
			case "ilvl":
				p.ilvl, p.hasIlvl = atoi(attrOr(t, "val", "0")), true
			}
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// readRPr reads a run's properties: only whether it is hidden.
func (w *docWalker) readRPr() error {
	for depth := 1; depth > 0; {
		t, err := w.x.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			depth++
			if isW(t.Name) && t.Name.Local == "vanish" && depth == 2 {
				w.hidden = onOff(t)
			}
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// readTcPr reads a cell's merge state.
func (w *docWalker) readTcPr() error {
	for depth := 1; depth > 0; {
		t, err := w.x.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			depth++
			if !isW(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "vMerge":
				if v, _ := attr(t, "val"); v != "restart" {
					w.cellSkip = true
				}
			case "hMerge":
				if v, _ := attr(t, "val"); v != "restart" {
					w.cellDrop = true
				}
			}
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// emit writes a finished paragraph.
func (w *docWalker) emit(p *para) {
	text := p.text.String()
	if prefix := w.numberText(p); prefix != "" && strings.TrimSpace(text) != "" {
		text = prefix + text
	}
	if p.suppressed && strings.TrimSpace(text) == "" {
		return
	}
	if w.tblDepth == 0 || !w.inCell {
		for i, line := range strings.Split(text, "\n") {
			if i > 0 {
				w.out.WriteByte('\n')
			}
			w.out.WriteString(indent(line))
		}
		w.out.WriteByte('\n')
		return
	}
	if w.cellSkip || w.cellDrop {
		return
	}
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimLeft(line, " \t\u3000")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if w.cellFirst {
			w.out.WriteByte('\t')
			w.cellFirst = false
		}
		w.out.WriteString(line)
		w.out.WriteByte('\n')
	}
}

// indent turns the leading tabs of a body line into spaces.
func indent(line string) string {
	i := 0
	for i < len(line) && line[i] == '\t' {
		i++
	}
	if i == 0 {
		return line
	}
	return strings.Repeat("  ", i) + line[i:]
}

// numberText renders the automatic list number of a paragraph, if any.
func (w *docWalker) numberText(p *para) string {
	if w.num == nil {
		return ""
	}
	numID, ilvl, hasIlvl := p.numID, p.ilvl, p.hasIlvl
	style := p.style
	if !p.hasNumID || !hasIlvl {
		// Inherit from the paragraph style and the styles it is based on.
		for i := 0; i < 16 && style != ""; i++ {
			s, ok := w.styles[style]
			if !ok {
				break
			}
			if !p.hasNumID && s.hasNumID && numID == "" {
				numID = s.numID
			}
			if !hasIlvl && s.hasIlvl {
				ilvl, hasIlvl = s.ilvl, true
			}
			style = s.basedOn
		}
	}
	if numID == "" || numID == "0" {
		return ""
	}
	if !hasIlvl && p.style != "" {
		ilvl = w.num.levelOfStyle(numID, p.style)
	}
	return w.num.next(numID, ilvl)
}

func attrOr(se xml.StartElement, local, def string) string {
	if v, ok := attr(se, local); ok {
		return v
	}
	return def
}

// atoi reads a small non-negative decimal, or -1.
func atoi(s string) int {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 9 {
		return -1
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
