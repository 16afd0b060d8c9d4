package source

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"liandong/internal/core"
)

// Bounds on the XML inside an archive. Office writes documents a few dozen
// elements deep with tags under a few kilobytes; these leave a wide margin
// and stop nesting bombs, attribute floods and DTD tricks.
const (
	ratioFloor = 1 << 20  // entries inflating to at most this are not held to MaxRatio
	maxDepth   = 256      // XML element nesting
	maxTag     = 64 << 10 // bytes of one tag, attributes included
)

// Errors found while reading an archive; asCore turns them into messages.
var (
	errUnzipped = errors.New("archive: decompressed data over MaxUnzipped")
	errRatio    = errors.New("archive: compression ratio over MaxRatio")
	errDepth    = errors.New("xml: nesting too deep")
	errDTD      = errors.New("xml: DTD or other directive")
	errTag      = errors.New("xml: tag too long")
	errElems    = errors.New("xml: too many elements")
	errText     = errors.New("text over MaxText")
)

// asCore turns an error met while reading an archive into the Chinese error
// the user sees; *core.Error passes through unchanged.
func asCore(err error, lim Limits) error {
	var ce *core.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return err
	case errors.Is(err, errUnzipped):
		return tooLarge(fmt.Sprintf("文件解压后超过 %s 的上限，无法读取。请删去图片等无关内容后重新上传。", sizeText(lim.MaxUnzipped)), err)
	case errors.Is(err, errText):
		return textTooLarge(lim)
	case errors.Is(err, errRatio):
		return invalid("文件的压缩比异常（可能是“压缩炸弹”），已拒绝读取。请在 Word 或 WPS 中重新保存后上传。", err)
	case errors.Is(err, errElems):
		return tooLarge("文件内容过多（元素数量超过上限），无法读取。请只保留任务分解表后重新上传。", err)
	case errors.Is(err, errDepth), errors.Is(err, errDTD), errors.Is(err, errTag):
		return invalid("文件的内部结构异常，已拒绝读取。请在 Word 或 WPS 中重新保存后上传。", err)
	}
	return invalid("文件已损坏或不是有效的 Office 文档，无法读取。请在 Word 或 WPS 中重新保存后上传。", err)
}

// archive is a zip already checked for entry count, safe names, duplicates
// and [Content_Types].xml; open counts every byte decompressed against the
// limits.
type archive struct {
	lim   Limits
	files map[string]*zip.File // by lower-case name: OPC part names ignore case
	used  int64                // bytes decompressed so far, all entries
	err   error                // the limit that stopped a read, if one did
}

// fail reports err, or the archive limit that caused it: a parser whose
// input was cut off by a limit reports something else (short text, a syntax
// error), but the limit is what the user must hear about.
func (a *archive) fail(err error) error {
	if a.err != nil && err != nil {
		return asCore(a.err, a.lim)
	}
	return asCore(err, a.lim)
}

// openOOXML checks the archive and decides whether it is a .docx or .xlsx.
func openOOXML(data []byte, lim Limits) (*archive, string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, "", asCore(err, lim)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, "", invalid(fmt.Sprintf("文件内部包含的条目过多（超过 %d 个），已拒绝读取。", lim.MaxEntries), fmt.Errorf("%d entries", len(zr.File)))
	}
	a := &archive{lim: lim, files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		name := strings.TrimSuffix(strings.ReplaceAll(f.Name, `\`, "/"), "/")
		if !fs.ValidPath(name) || name == "." || f.Mode()&fs.ModeSymlink != 0 {
			return nil, "", invalid("文件内部含有不安全的路径，已拒绝读取。", fmt.Errorf("entry name %q", f.Name))
		}
		if f.Flags&0x1 != 0 {
			return nil, "", invalid("文件已加密，无法读取。请先取消密码后重新上传。", fmt.Errorf("encrypted entry %q", f.Name))
		}
		key := strings.ToLower(name)
		if _, dup := a.files[key]; dup {
			return nil, "", invalid("文件内部有重名条目，结构异常，已拒绝读取。", fmt.Errorf("duplicate entry %q", f.Name))
		}
		a.files[key] = f
	}
	switch {
	case a.has("mimetype") && (a.has("content.xml") || a.has("meta.inf/manifest.xml")):
		return nil, "", invalid("这是 OpenDocument 格式（.odt、.ods）的文件。请在 WPS 或 Word 中“另存为” .docx 或 .xlsx 格式后再上传。", errors.New("OpenDocument"))
	case a.has("ofd.xml"):
		return nil, "", invalid("不支持 OFD 版式文件。"+acceptedText, errors.New("OFD"))
	case !a.has("[content_types].xml"):
		return nil, "", invalid("这是压缩包，或已损坏的 Office 文档（缺少 [Content_Types].xml），不是 Word 或 Excel 文档。"+acceptedText, errors.New("no [Content_Types].xml"))
	case a.has("word/document.xml"):
		return a, FormatDOCX, nil
	case a.has("xl/workbook.xml"):
		return a, FormatXLSX, nil
	case a.has("ppt/presentation.xml"):
		return nil, "", invalid("这是演示文稿（.pptx），不是方案文档。"+acceptedText, errors.New("pptx"))
	}
	return nil, "", invalid("这个压缩包不是 Word 或 Excel 文档。"+acceptedText, errors.New("zip without document part"))
}

func (a *archive) has(name string) bool { _, ok := a.files[name]; return ok }

// open returns a reader of the named entry (lower-case) that fails once the
// archive's total decompressed bytes pass MaxUnzipped or this entry passes
// MaxRatio times its compressed size (beyond ratioFloor). The compressed
// size is safe to use: archive/zip never reads past it. It returns nil, nil
// for a missing entry.
func (a *archive) open(name string) (io.ReadCloser, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	ratio := int64(ratioFloor)
	if c := f.CompressedSize64; c < 1<<40 && a.lim.MaxRatio < 1<<20 {
		ratio = max(ratio, int64(c)*int64(a.lim.MaxRatio))
	}
	return &countingReader{rc: rc, a: a, ratioMax: ratio}, nil
}

// readAll reads a whole (small) entry within the limits.
func (a *archive) readAll(name string) ([]byte, error) {
	rc, err := a.open(name)
	if err != nil || rc == nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// drain decompresses an entry only to count it, so the ratio and total limits
// hold for entries another library will read.
func (a *archive) drain(name string) error {
	rc, err := a.open(name)
	if err != nil || rc == nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

type countingReader struct {
	rc       io.ReadCloser
	a        *archive
	n        int64 // bytes of this entry so far
	ratioMax int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	// Ask for at most one byte past either limit, so the bytes inflated stay
	// bounded by the limits themselves, not by the caller's buffer.
	room := min(r.a.lim.MaxUnzipped-r.a.used, r.ratioMax-r.n) + 1
	if room <= 0 {
		room = 1
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := r.rc.Read(p)
	r.n += int64(n)
	r.a.used += int64(n)
	if r.a.used > r.a.lim.MaxUnzipped {
		r.a.err = errUnzipped
		return n, errUnzipped
	}
	if r.n > r.ratioMax {
		r.a.err = errRatio
		return n, errRatio
	}
	return n, err
}

func (r *countingReader) Close() error { return r.rc.Close() }

// xmlReader is an encoding/xml token stream with the bounds above. It reads
// tokens one at a time, never a whole tree, and refuses any <!DOCTYPE> or
// other directive outright: OOXML never has one, and refusing it removes
// entity-expansion tricks ("billion laughs") from consideration altogether.
type xmlReader struct {
	d        *xml.Decoder
	g        *tagGuard
	depth    int
	elems    int
	maxElems int
}

func newXMLReader(r io.Reader, maxElems, maxText int) *xmlReader {
	g := &tagGuard{r: r, maxText: maxText}
	d := xml.NewDecoder(g)
	d.Strict = true
	// CharsetReader stays nil: a part declared in any encoding other than
	// UTF-8 is refused by the decoder, as OOXML requires UTF-8 or UTF-16.
	return &xmlReader{d: d, g: g, maxElems: maxElems}
}

// Token returns the next token; CharData is only valid until the next call.
func (x *xmlReader) Token() (xml.Token, error) {
	t, err := x.d.Token()
	if x.g.err != nil {
		// The guard cut the input off; the decoder may have reported that
		// as a syntax error (a character cut in two), but the bound is the
		// cause.
		return nil, x.g.err
	}
	if err != nil {
		return nil, err
	}
	switch t.(type) {
	case xml.StartElement:
		x.depth++
		x.elems++
		if x.depth > maxDepth {
			return nil, errDepth
		}
		if x.maxElems > 0 && x.elems > x.maxElems {
			return nil, errElems
		}
	case xml.EndElement:
		x.depth--
	case xml.Directive:
		return nil, errDTD
	}
	return t, nil
}

// Skip skips the element whose start tag was just read.
func (x *xmlReader) Skip() error {
	for depth := 1; depth > 0; {
		t, err := x.Token()
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// tagGuard passes bytes through while measuring each markup tag and each
// run of text between tags. encoding/xml materialises every attribute of a
// start tag at once, so one huge tag would cost many times its size in
// memory: a tag longer than maxTag fails. It also buffers a whole text run
// before returning it: a run longer than maxText (the most text a document
// may yield anyway) fails. Quoted attribute values are followed so a ">"
// inside one does not end the tag early; comments, processing instructions
// and directives are measured too but without quote tracking.
type tagGuard struct {
	r       io.Reader
	state   byte // 0 text, 1 just after '<', 2 in tag, 3 in quoted value, 4 in <! or <?
	quote   byte
	n       int // bytes of the current tag
	text    int // bytes of the current text run
	maxText int
	err     error // the bound that was passed, once it is
}

func (g *tagGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		switch g.state {
		case 0:
			if c == '<' {
				g.state, g.n, g.text = 1, 0, 0
			} else if g.text++; g.maxText > 0 && g.text > g.maxText {
				g.err = errText
				return 0, errText
			}
			continue
		case 1:
			g.state = 2
			if c == '!' || c == '?' {
				g.state = 4
			}
		case 2:
			switch c {
			case '>':
				g.state = 0
			case '"', '\'':
				g.state, g.quote = 3, c
			}
		case 3:
			if c == g.quote {
				g.state = 2
			}
		case 4:
			if c == '>' {
				g.state = 0
			}
		}
		g.n++
		if g.n > maxTag {
			g.err = errTag
			return 0, errTag
		}
	}
	return n, err
}
