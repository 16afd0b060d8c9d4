// Package source reads an uploaded plan document (.txt, .docx or an .xlsx
// decomposition table) into plain text for the extractor in
// internal/plan/extract and for showing beside its result.
//
// Uploaded files are untrusted (SECURITY.md D1, E1, E2). The format is
// decided by content, never by the name alone; every archive entry is counted
// while it is decompressed, never trusting the sizes in its header; XML is
// read as a token stream with a depth bound, a tag-length bound and no DTD;
// and every refusal is a *core.Error with a Chinese message the user can act
// on. The package does no I/O of its own besides reading r.
package source

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"liandong/internal/core"
)

// Formats of Document.
const (
	FormatText = "txt"
	FormatDOCX = "docx"
	FormatXLSX = "xlsx"
)

// Field is the form field named in the errors of Read, so the upload form can
// show the message beside its file input.
const Field = "file"

// Document is the text of an uploaded plan, ready for extract.Extract and for
// showing beside the result. Text is valid UTF-8 with "\n" line ends; a table
// is rendered as the tab-cell lines extract reads (see docx.go).
type Document struct {
	Name   string // the uploaded file's base name, cleaned for display
	Format string // FormatText, FormatDOCX or FormatXLSX
	Text   string
}

// Limits bound the work an uploaded file may cause (SECURITY.md D1, E1, E2).
// A zero field takes its value from DefaultLimits.
type Limits struct {
	MaxFile     int64 // bytes of the uploaded file itself
	MaxUnzipped int64 // bytes decompressed from an archive, all entries together, counted while reading
	MaxEntries  int   // entries in an archive
	MaxRatio    int   // uncompressed/compressed size of any entry that inflates beyond ratioFloor
	MaxText     int   // bytes of the resulting text
}

// DefaultLimits fit published plans with room to spare: seed plans are tens
// of kilobytes of text, and a .docx with a few photos stays well under 10 MB.
var DefaultLimits = Limits{MaxFile: 10 << 20, MaxUnzipped: 50 << 20, MaxEntries: 2000, MaxRatio: 100, MaxText: 4 << 20}

func (l Limits) withDefaults() Limits {
	if l.MaxFile <= 0 {
		l.MaxFile = DefaultLimits.MaxFile
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultLimits.MaxUnzipped
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultLimits.MaxRatio
	}
	if l.MaxText <= 0 {
		l.MaxText = DefaultLimits.MaxText
	}
	return l
}

// Read reads one uploaded file. The format is decided by content (a zip with
// [Content_Types].xml and word/document.xml is a .docx, one with
// xl/workbook.xml an .xlsx, valid text a .txt) and must agree with the file
// name's extension when it has one. Anything else — .doc, .wps, .pdf, .ofd,
// web pages, images, executables, archives that are not Office documents — is
// refused with a *core.Error: EINVALID, or ETOOLARGE for a size limit.
func Read(name string, r io.Reader, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	name = cleanName(name)
	ext := extOf(name)

	// E2: never read more than the limit (+1 byte to know it was exceeded).
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxFile+1))
	if err != nil {
		return nil, &core.Error{Code: core.EINVALID, Field: Field, Op: "source.Read", Message: "文件读取失败，请重新上传。", Err: err}
	}
	if int64(len(data)) > lim.MaxFile {
		return nil, tooLarge(fmt.Sprintf("文件超过 %s 的上限，请删去图片等无关内容后重新上传。", sizeText(lim.MaxFile)), nil)
	}
	if len(data) == 0 {
		return nil, invalid("文件是空的，请选择要导入的方案文件。", nil)
	}

	kind := sniff(data)
	if kind.refuse != "" {
		return nil, invalid(kind.refuse, fmt.Errorf("refused content %s", kind.format))
	}
	format := kind.format
	var (
		text string
		a    *archive
	)
	if format == formatZip {
		a, format, err = openOOXML(data, lim)
		if err != nil {
			return nil, err
		}
	}
	if err := agree(ext, format); err != nil {
		return nil, err
	}
	switch format {
	case FormatDOCX:
		text, err = readDOCX(a, lim)
	case FormatXLSX:
		text, err = readXLSX(a, data, lim)
	default:
		text, err = readText(data, lim)
	}
	if err != nil {
		return nil, err
	}
	if len(text) > lim.MaxText {
		return nil, textTooLarge(lim)
	}
	if strings.TrimSpace(text) == "" {
		return nil, invalid("文件中没有可读取的文字。", nil)
	}
	return &Document{Name: name, Format: format, Text: text}, nil
}

func invalid(msg string, cause error) *core.Error {
	return &core.Error{Code: core.EINVALID, Field: Field, Op: "source.Read", Message: msg, Err: cause}
}

func tooLarge(msg string, cause error) *core.Error {
	return &core.Error{Code: core.ETOOLARGE, Field: Field, Op: "source.Read", Message: msg, Err: cause}
}

// sizeText writes a byte count for a message: "10 MB", "512 KB".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	if n >= 1<<10 {
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

// cleanName keeps the base name of an uploaded file for display: browsers
// may send a full Windows path, and the name is untrusted text.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return -1 // controls and bidi overrides would disguise the name
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 255 {
		name = string([]rune(name)[:255])
	}
	return name
}

// extOf returns the lower-case extension of name, or "" when the name has
// none: "方案2020.12.1" or "v1.2" end in a version, not a file type.
func extOf(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	ext := strings.ToLower(name[i+1:])
	if len(ext) > 5 {
		return ""
	}
	letter := false
	for _, c := range []byte(ext) {
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return ""
		}
	}
	if !letter {
		return ""
	}
	return "." + ext
}

// What a file's extension says, for the messages of agree.
var extKinds = map[string]string{
	".doc": "旧版 Word 文档", ".wps": "WPS 文字文档", ".docm": "含宏的 Word 文档", ".dotx": "Word 模板", ".rtf": "RTF 文档",
	".odt": "OpenDocument 文档", ".xls": "旧版 Excel 表格", ".et": "WPS 表格", ".xlsm": "含宏的 Excel 表格", ".ods": "OpenDocument 表格",
	".csv": "CSV 表格", ".pdf": "PDF 文件", ".ofd": "OFD 版式文件", ".htm": "网页", ".html": "网页", ".mht": "网页", ".mhtml": "网页",
	".ppt": "演示文稿", ".pptx": "演示文稿", ".dps": "演示文稿", ".zip": "压缩包", ".rar": "压缩包", ".7z": "压缩包",
	".jpg": "图片", ".jpeg": "图片", ".png": "图片", ".gif": "图片", ".bmp": "图片", ".tif": "图片", ".tiff": "图片", ".webp": "图片", ".heic": "图片", ".svg": "图片",
	".exe": "程序", ".dll": "程序", ".bat": "脚本", ".cmd": "脚本", ".js": "脚本", ".vbs": "脚本", ".ps1": "脚本", ".sh": "脚本",
}

var formatNames = map[string]string{FormatText: "纯文本（.txt）", FormatDOCX: "Word 文档（.docx）", FormatXLSX: "Excel 表格（.xlsx）"}

const acceptedText = "请上传 Word 文档（.docx）、Excel 分解表（.xlsx）或纯文本（.txt）。"

// agree checks that the extension, when there is one, names the format the
// content has (SECURITY.md E1: the type is decided by content, and a
// disagreeing name is refused rather than silently trusted either way).
func agree(ext, format string) error {
	if ext == "" || ext == "."+format {
		return nil
	}
	if ext == ".text" && format == FormatText {
		return nil
	}
	if k, ok := extKinds[ext]; ok {
		if ext == ".doc" || ext == ".wps" {
			return invalid(fmt.Sprintf("文件扩展名是 %s（%s），但内容是%s；请确认选择的文件，或将扩展名改为 .%s 后重新上传。", ext, k, formatNames[format], format), fmt.Errorf("extension %s, content %s", ext, format))
		}
		return invalid(fmt.Sprintf("不支持%s（%s）。%s", k, ext, acceptedText), fmt.Errorf("extension %s, content %s", ext, format))
	}
	switch ext {
	case ".txt", ".docx", ".xlsx":
		return invalid(fmt.Sprintf("文件扩展名是 %s，但内容是%s，两者不符。请确认选择的文件后重新上传。", ext, formatNames[format]), fmt.Errorf("extension %s, content %s", ext, format))
	}
	return invalid(fmt.Sprintf("不支持扩展名为 %s 的文件。%s", ext, acceptedText), fmt.Errorf("extension %s, content %s", ext, format))
}

const formatZip = "zip"

type sniffed struct {
	format string // FormatText or formatZip when accepted; a label otherwise
	refuse string // the Chinese message when the content is refused
}

// sniff decides what the bytes are by their first bytes (SECURITY.md E1).
func sniff(b []byte) sniffed {
	has := func(p string) bool { return bytes.HasPrefix(b, []byte(p)) }
	switch {
	case has("PK\x03\x04") || has("PK\x05\x06"):
		return sniffed{format: formatZip}
	case has("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"):
		return sniffed{format: "ole", refuse: "这是旧版 Office 或 WPS 文件（.doc、.xls、.wps、.et 等），或是设置了密码的文档，无法读取。请先取消密码，在 Word 或 WPS 中“另存为” .docx 格式后再上传。"}
	case has("%PDF-"):
		return sniffed{format: "pdf", refuse: "不支持 PDF 文件：PDF 中的文字无法可靠地还原段落和表格。" + acceptedText}
	case has("{\\rtf"):
		return sniffed{format: "rtf", refuse: "这是 RTF 格式的文档。请在 Word 或 WPS 中“另存为” .docx 格式后再上传。"}
	case has("\x89PNG\r\n\x1a\n"), has("\xFF\xD8\xFF"), has("GIF87a"), has("GIF89a"), has("BM") && len(b) > 14 && b[6] == 0 && b[7] == 0,
		has("II*\x00"), has("MM\x00*"), has("RIFF") && len(b) >= 12 && string(b[8:12]) == "WEBP",
		len(b) >= 12 && string(b[4:8]) == "ftyp":
		return sniffed{format: "image", refuse: "这是图片或视频文件，无法从中读取方案文字。" + acceptedText}
	case has("MZ"), has("\x7fELF"), has("\xCF\xFA\xED\xFE"), has("\xCA\xFE\xBA\xBE"), has("#!"):
		return sniffed{format: "executable", refuse: "这是程序或脚本文件，不能作为方案导入。" + acceptedText}
	case has("Rar!\x1a\x07"), has("7z\xBC\xAF\x27\x1C"), has("\x1F\x8B"), has("BZh"), has("\xFD7zXZ\x00"):
		return sniffed{format: "archive", refuse: "这是压缩包。请解压后上传其中的 Word 文档（.docx）、Excel 分解表（.xlsx）或纯文本（.txt）。"}
	}
	if markup(b) {
		return sniffed{format: "html", refuse: "这是网页、XML 或 SVG 文件，不是方案文档。网页上的方案请复制文字后粘贴导入，或在 Word 中另存为 .docx 后上传。"}
	}
	return sniffed{format: FormatText}
}

// markup reports whether b starts, after a byte-order mark and white space,
// like a whole web page, an XML file, an SVG image or a saved web archive
// (Word's "save as web page" .doc is one of these). Stray tags inside plain
// text are left to the extractor, which removes them.
func markup(b []byte) bool {
	head := b[:min(len(b), 1024)]
	for _, bom := range []string{"\xEF\xBB\xBF", "\xFF\xFE", "\xFE\xFF"} {
		if bytes.HasPrefix(head, []byte(bom)) {
			head = head[len(bom):]
			if bom != "\xEF\xBB\xBF" {
				head = bytes.ReplaceAll(head, []byte{0}, nil) // UTF-16: look at the ASCII bytes
			}
			break
		}
	}
	head = bytes.ToLower(bytes.TrimLeft(head, " \t\r\n"))
	if bytes.HasPrefix(head, []byte("mime-version:")) {
		return true
	}
	for _, p := range []string{"<!doctype", "<html", "<head", "<body", "<?xml", "<svg", "<script"} {
		if bytes.HasPrefix(head, []byte(p)) {
			return true
		}
	}
	return false
}
