package datacall

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/xlsx"
)

// MaxZipBytes bounds the files of one ZIP download (SECURITY.md E6): a
// call whose files add up to more is refused before a byte is sent.
var MaxZipBytes int64 = 2 << 30

// IndexName is the index workbook's name at the archive's root.
const IndexName = "汇总索引.xlsx"

// Export is a planned ZIP download: what goes where, checked before
// streaming starts, so a refusal is still an ordinary error response.
type Export struct {
	Call    *Call
	Name    string // the archive's download name
	entries []zipEntry
	index   []byte
}

type zipEntry struct {
	name   string
	fileID int64
	data   []byte // generated content (form answers) instead of a file
}

// Names returns the entry names in order (the index last).
func (e *Export) Names() []string {
	out := make([]string, 0, len(e.entries)+1)
	for _, z := range e.entries {
		out = append(out, z.name)
	}
	return append(out, IndexName)
}

// PrepareZIP plans the ZIP of call id for its office (and those who may
// read the board): a folder per addressee that has submitted, its files
// named by unit, item, photo number and caption, form answers as a small
// workbook, and an index workbook of every addressee. Every name is built
// from sanitized server data and made unique.
func (s *Service) PrepareZIP(ctx context.Context, id int64) (*Export, error) {
	var ex *Export
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		c, err := loadCall(ctx, q, id)
		if err != nil {
			return err
		}
		if !canOversee(a, c) || !canRead(a, c) {
			return denied(id, "call.zip")
		}
		subs, err := submissionsOf(ctx, q, id)
		if err != nil {
			return err
		}
		if ex, err = s.plan(ctx, c, subs); err != nil {
			return err
		}
		// Who took every unit's material away is worth knowing later.
		return audit.Log(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "call.download", ObjectType: "call", ObjectID: id,
			After: map[string]any{"entries": len(ex.entries) + 1}})
	})
	return ex, err
}

func (s *Service) plan(ctx context.Context, c *Call, subs map[int64]*Submission) (*Export, error) {
	ex := &Export{Call: c, Name: SafeName(c.Title, 60) + ".zip"}
	var ids []int64
	for _, sub := range subs {
		if sub.Status == SubDraft {
			continue
		}
		for _, f := range sub.Files {
			ids = append(ids, f.FileID)
		}
	}
	files, err := s.filesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	var total int64
	used := map[string]bool{strings.ToLower(IndexName): true}
	folders := map[string]bool{}
	index := xlsx.Table{Sheet: "汇总", Title: c.Title + " 报送情况",
		Headers: []string{"序号", "报送单位", "类别", "状态", "报送时间", "是否逾期", "退回原因", "文件"}}
	for i, ad := range c.Addressees {
		sub := subs[ad.ID]
		st := StateOf(sub)
		row := []any{i + 1, ad.Name, map[string]string{ToUnit: "成员单位", ToOffice: "下级办公室"}[ad.Kind], st.Label(), "", "", "", ""}
		if sub == nil || sub.Status == SubDraft {
			index.Rows = append(index.Rows, row)
			continue
		}
		row[4] = sub.SubmittedAt.In(cst).Format("2006-01-02 15:04")
		row[5] = map[bool]string{true: "逾期", false: "否"}[sub.Late]
		row[6] = sub.ReturnReason
		unit := SafeName(ad.Name, 40)
		folder := unique(folders, unit, "")
		var names []string
		add := func(base, ext string, fileID int64, data []byte) {
			name := unique(used, folder+"/"+base, ext)
			ex.entries = append(ex.entries, zipEntry{name: name, fileID: fileID, data: data})
			names = append(names, name)
		}
		for _, it := range c.Items {
			label := SafeName(it.Label, 40)
			switch it.Kind {
			case Form:
				var buf bytes.Buffer
				t := xlsx.Table{Sheet: "表单", Title: ad.Name + " " + it.Label, Headers: []string{"项目", "填写内容"}}
				for _, fd := range it.Fields {
					t.Rows = append(t.Rows, []any{fd.Label, sub.Answer(it.ID, fd.Key)})
				}
				if err := xlsx.Write(&buf, t); err != nil {
					return nil, err
				}
				total += int64(buf.Len())
				add(unit+"-"+label, ".xlsx", 0, buf.Bytes())
			default:
				for _, sf := range sub.FilesOf(it.ID) {
					f := files[sf.FileID]
					if f == nil {
						return nil, fmt.Errorf("datacall: zip: file %d of submission %d is missing", sf.FileID, sub.ID)
					}
					if f.Check == file.CheckDamaged {
						// A photo that failed its deferred decode is never
						// served; the index says so instead of the archive
						// failing half-way for every other unit.
						names = append(names, "（已损坏，未打包）"+f.Name)
						continue
					}
					total += f.Size
					base := unit + "-" + label
					if it.Kind == Photos {
						base += "-" + strconv.Itoa(sf.Seq)
						if sf.Caption != "" {
							base += "-" + SafeName(sf.Caption, 40)
						}
					}
					add(base, extOf(f), f.ID, nil)
				}
			}
		}
		if total > MaxZipBytes {
			return nil, &core.Error{Code: core.ETOOLARGE, Message: fmt.Sprintf("材料总量超过 %d MB，无法打包下载，请按单位分别下载", MaxZipBytes>>20)}
		}
		row[7] = strings.Join(names, "\n")
		index.Rows = append(index.Rows, row)
	}
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, index); err != nil {
		return nil, err
	}
	ex.index = buf.Bytes()
	return ex, nil
}

// WriteZIP streams the planned archive to w, verifying each file's checksum
// as the file store opens it.
func (s *Service) WriteZIP(ctx context.Context, ex *Export, w io.Writer) error {
	zw := zip.NewWriter(w)
	now := s.Clock.Now().In(cst)
	put := func(name string, r io.Reader) error {
		// NonUTF8 false and a non-ASCII name make archive/zip set the
		// UTF-8 flag, so Chinese names open correctly everywhere.
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		_, err = io.Copy(fw, r)
		return err
	}
	for _, e := range ex.entries {
		if e.data != nil {
			if err := put(e.name, bytes.NewReader(e.data)); err != nil {
				return err
			}
			continue
		}
		_, rc, err := s.Files.Open(ctx, e.fileID, file.Original)
		if err != nil {
			return err
		}
		err = put(e.name, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	if err := put(IndexName, bytes.NewReader(ex.index)); err != nil {
		return err
	}
	return zw.Close()
}

var typeExt = map[string]string{
	file.TypeJPEG: ".jpg", file.TypePNG: ".png", file.TypePDF: ".pdf", file.TypeDOCX: ".docx", file.TypeXLSX: ".xlsx",
}

// extOf is the extension of a stored file, from its checked content type
// when known, else from its name if that is short and plain.
func extOf(f *file.File) string {
	if e, ok := typeExt[f.ContentType]; ok {
		return e
	}
	e := strings.ToLower(path.Ext(f.Name))
	if len(e) >= 2 && len(e) <= 6 && SafeName(e, 6) == e {
		return e
	}
	return ""
}

// reserved are names Windows will not create, with or without extension.
var reserved = map[string]bool{"con": true, "prn": true, "aux": true, "nul": true}

func init() {
	for i := 1; i <= 9; i++ {
		reserved["com"+strconv.Itoa(i)] = true
		reserved["lpt"+strconv.Itoa(i)] = true
	}
}

// SafeName makes s one path element that is safe on every system: no
// separators, control or format characters, characters Windows forbids,
// leading or trailing dots and spaces, or a reserved device name; at most
// max runes; never empty.
func SafeName(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		case strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.Join(strings.Fields(b.String()), " ")
	if r := []rune(out); len(r) > max {
		out = string(r[:max])
	}
	out = strings.Trim(out, ". ")
	if out == "" {
		return "_"
	}
	stem := strings.ToLower(out)
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		stem = stem[:i]
	}
	if reserved[strings.TrimSpace(stem)] {
		out = "_" + out
	}
	return out
}

// unique returns base+ext, or base(2)+ext …, whichever is not yet in used
// (compared without case, as Windows and macOS do), and marks it used.
func unique(used map[string]bool, base, ext string) string {
	name := base + ext
	for n := 2; used[strings.ToLower(name)] || !filepath.IsLocal(name); n++ {
		name = fmt.Sprintf("%s(%d)%s", base, n, ext)
	}
	used[strings.ToLower(name)] = true
	return name
}
