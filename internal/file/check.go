package file

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"liandong/internal/core"
)

// The content types of what is accepted.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// checked is an upload that passed its checks, ready to be stored.
type checked struct {
	kind          Kind
	name          string
	contentType   string
	data          []byte // what is stored: re-encoded or stripped for photos
	thumb         []byte
	width, height int
	// pending: an upright JPEG checked only by its structure; its full
	// decode and thumbnail come later (see preparePhoto).
	pending bool
}

// sniffed is what the first bytes of an upload say it is.
type sniffed struct {
	contentType string // one of the accepted types, or ""
	what        string // a Chinese name of what was found, for messages
}

// sniff recognizes an upload by its magic bytes; it never looks at the name.
func sniff(b []byte) sniffed {
	has := func(p string) bool { return bytes.HasPrefix(b, []byte(p)) }
	switch {
	case has("\xff\xd8\xff"):
		return sniffed{TypeJPEG, "JPG 图片"}
	case has("\x89PNG\r\n\x1a\n"):
		return sniffed{TypePNG, "PNG 图片"}
	case has("%PDF-"):
		return sniffed{TypePDF, "PDF 文档"}
	case has("PK\x03\x04"):
		return sniffed{"zip", "ZIP 压缩包"}
	case has("GIF87a"), has("GIF89a"):
		return sniffed{"", "GIF 图片"}
	case has("MZ"), has("\x7fELF"), has("\xfe\xed\xfa"), has("\xcf\xfa\xed\xfe"), has("#!"):
		return sniffed{"", "可执行程序"}
	case has("RIFF") && len(b) >= 12 && string(b[8:12]) == "WEBP":
		return sniffed{"", "WebP 图片"}
	case has("BM"):
		return sniffed{"", "BMP 图片"}
	case has("II*\x00"), has("MM\x00*"):
		return sniffed{"", "TIFF 图片"}
	case has("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return sniffed{"", "旧版 Office 文档（.doc/.xls）"}
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		switch string(b[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif":
			return sniffed{"", "HEIC/HEIF 图片"}
		}
		return sniffed{"", "视频或 ISO 媒体文件"}
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && t[0] == '<' {
		low := bytes.ToLower(t[:min(len(t), 512)])
		if bytes.Contains(low, []byte("<svg")) {
			return sniffed{"", "SVG 图形"}
		}
		return sniffed{"", "网页或 XML 文件"}
	}
	return sniffed{"", "未知类型的文件"}
}

// extensions are the file name extensions that agree with each type.
var extensions = map[string][]string{
	TypeJPEG: {".jpg", ".jpeg"},
	TypePNG:  {".png"},
	TypePDF:  {".pdf"},
	TypeDOCX: {".docx"},
	TypeXLSX: {".xlsx"},
}

// knownExts are the extensions that claim a type; a name without one of
// them (or without an extension) gets the right one appended.
var knownExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".pdf": true, ".docx": true, ".xlsx": true,
	".gif": true, ".svg": true, ".html": true, ".htm": true, ".heic": true, ".heif": true, ".webp": true, ".bmp": true,
	".tif": true, ".tiff": true, ".doc": true, ".xls": true, ".zip": true, ".exe": true}

func refuse(msg string) *core.Error {
	return &core.Error{Code: core.EINVALID, Field: "file", Message: msg}
}

func acceptText(accept []Kind) string {
	p, d := false, false
	for _, k := range accept {
		p = p || k == Photo
		d = d || k == Document
	}
	switch {
	case p && d:
		return "只接受 JPG、PNG 照片和 PDF、DOCX、XLSX 文档"
	case p:
		return "只接受 JPG、PNG 照片"
	default:
		return "只接受 PDF、DOCX、XLSX 文档"
	}
}

func accepts(accept []Kind, k Kind) bool {
	for _, a := range accept {
		if a == k {
			return true
		}
	}
	return false
}

// check decides what data is by its content, refuses what is not allowed,
// and prepares what is stored (SECURITY.md E1, E3).
func check(data []byte, name string, accept []Kind, lim Limits) (*checked, error) {
	s := sniff(data)
	ct := s.contentType
	if ct == "zip" {
		var err error
		if ct, err = checkOOXML(data); err != nil {
			return nil, err
		}
		s.what = map[string]string{TypeDOCX: "DOCX 文档", TypeXLSX: "XLSX 文档"}[ct]
	}
	if ct == "" {
		return nil, refuse(fmt.Sprintf("不支持的文件类型（%s），%s", s.what, acceptText(accept)))
	}
	kind := Document
	if ct == TypeJPEG || ct == TypePNG {
		kind = Photo
	}
	if !accepts(accept, kind) {
		return nil, refuse(fmt.Sprintf("此处不接受%s，%s", s.what, acceptText(accept)))
	}
	ext := strings.ToLower(path.Ext(name))
	if knownExts[ext] {
		ok := false
		for _, e := range extensions[ct] {
			ok = ok || e == ext
		}
		if !ok {
			return nil, refuse(fmt.Sprintf("文件内容（%s）与扩展名“%s”不符，请检查后重新上传", s.what, ext))
		}
	} else {
		name += extensions[ct][0]
	}
	c := &checked{kind: kind, name: name, contentType: ct, data: data}
	switch ct {
	case TypeJPEG, TypePNG:
		if err := preparePhoto(c, lim); err != nil {
			return nil, err
		}
	case TypePDF:
		if err := checkPDF(data); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// checkPDF checks the header version and the end-of-file marker: a file
// cut short or something else wearing a PDF header is refused.
func checkPDF(b []byte) error {
	if len(b) < 16 || !(bytes.HasPrefix(b, []byte("%PDF-1.")) || bytes.HasPrefix(b, []byte("%PDF-2."))) {
		return refuse("PDF 文件头无效，文件可能已损坏")
	}
	tail := b[max(0, len(b)-1024):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return refuse("PDF 文件不完整（缺少结束标记），请重新导出后上传")
	}
	return nil
}

// OOXML limits: a DOCX or XLSX with more parts or more declared bytes than
// these is refused as a possible ZIP bomb without inflating anything.
const (
	maxZipEntries      = 10_000
	maxZipUncompressed = 200 << 20
	maxContentTypes    = 1 << 20
)

// The main-part content types of a Word document and an Excel workbook;
// their macro-enabled cousins have other types and are refused.
const (
	mainDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	mainXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
)

// checkOOXML decides whether a ZIP is a DOCX or an XLSX by its structure:
// [Content_Types].xml must declare the main part, and that part must exist.
func checkOOXML(data []byte) (string, error) {
	notOffice := refuse("ZIP 压缩包不是有效的 DOCX 或 XLSX 文档（缺少 [Content_Types].xml 或主文档），请另存为 DOCX/XLSX 后上传")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", refuse("文档已损坏，无法读取（ZIP 结构无效）")
	}
	if len(zr.File) > maxZipEntries {
		return "", refuse("文档包含的部件过多，无法接受")
	}
	var total uint64
	var ctf *zip.File
	names := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > maxZipUncompressed {
			return "", refuse("文档解压后过大，可能是压缩炸弹，无法接受")
		}
		if f.Name == "" || strings.HasPrefix(f.Name, "/") || strings.Contains(f.Name, `\`) || strings.Contains("/"+f.Name+"/", "/../") {
			return "", refuse("文档包含非法的部件路径，无法接受")
		}
		names[f.Name] = true
		if f.Name == "[Content_Types].xml" {
			ctf = f
		}
	}
	if ctf == nil || ctf.UncompressedSize64 > maxContentTypes {
		return "", notOffice
	}
	rc, err := ctf.Open()
	if err != nil {
		return "", notOffice
	}
	defer rc.Close()
	var types struct {
		Overrides []struct {
			PartName    string `xml:"PartName,attr"`
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Override"`
	}
	if err := xml.NewDecoder(io.LimitReader(rc, maxContentTypes)).Decode(&types); err != nil {
		return "", notOffice
	}
	for _, o := range types.Overrides {
		var ct string
		switch o.ContentType {
		case mainDOCX:
			ct = TypeDOCX
		case mainXLSX:
			ct = TypeXLSX
		default:
			continue
		}
		if names[strings.TrimPrefix(o.PartName, "/")] {
			return ct, nil
		}
	}
	return "", notOffice
}
