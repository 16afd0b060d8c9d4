package httpx

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"liandong/internal/core"
)

// csrfWantKey carries the form token a streamed upload must start with.
const csrfWantKey ctxKey = 100

// streamed reports whether r is a multipart body for a route that reads it
// with ReadMultipart.
func (g *Guard) streamed(r *http.Request) bool {
	if len(g.stream) == 0 || !strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/form-data") {
		return false
	}
	_, pattern := g.mux.Handler(r)
	return g.stream[pattern]
}

// MultipartLimits bound the text fields of a streamed form. Files are
// bounded by their consumer (file.Service.Ingest) and by the route's
// MaxBody.
type MultipartLimits struct {
	MaxFields     int   // text fields, 200 when 0
	MaxFieldBytes int64 // per text field, 64 KB when 0
	MaxFiles      int   // file parts with a file name, 20 when 0
}

// ReadMultipart streams a multipart/form-data body part by part with
// r.MultipartReader: nothing is buffered in a temporary file (SECURITY.md
// E2). Text fields are collected and returned; each file part with a file
// name is passed to onFile as it arrives, with the text fields that came
// before it (a part with an empty file name,
// an empty file input, is skipped). On a route marked Stream whose form
// token did not come in a header, the first part must be the csrf_token
// field. A body over the route's limit fails with the *http.MaxBytesError
// in the chain, which Guard.Error answers with 413.
func ReadMultipart(r *http.Request, lim MultipartLimits, onFile func(field, filename string, body io.Reader, fieldsSoFar url.Values) error) (url.Values, error) {
	if lim.MaxFields <= 0 {
		lim.MaxFields = 200
	}
	if lim.MaxFieldBytes <= 0 {
		lim.MaxFieldBytes = 64 << 10
	}
	if lim.MaxFiles <= 0 {
		lim.MaxFiles = 20
	}
	bad := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &core.Error{Code: core.EINVALID, Message: "提交的表单无法解析，请刷新页面后重试", Err: err}
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, bad(err)
	}
	want, _ := r.Context().Value(csrfWantKey).(string)
	checked := want == ""
	deny := core.Errorf(core.EFORBIDDEN, "请求来源校验失败，请刷新页面后重试")
	vals := url.Values{}
	fields, files := 0, 0
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bad(err)
		}
		name := p.FormName()
		if !checked {
			if name != "csrf_token" {
				return nil, deny
			}
			tok, err := io.ReadAll(io.LimitReader(p, 256))
			if err != nil {
				return nil, bad(err)
			}
			if !equalTokens(string(tok), want) {
				return nil, deny
			}
			checked = true
			continue
		}
		if _, isFile := partParams(p)["filename"]; isFile {
			if p.FileName() == "" {
				continue
			}
			if files++; files > lim.MaxFiles {
				return nil, &core.Error{Code: core.ETOOLARGE, Field: name, Message: fmt.Sprintf("一次最多上传 %d 个文件", lim.MaxFiles)}
			}
			rec := &recordingReader{r: p}
			if err := onFile(name, p.FileName(), rec, vals); err != nil {
				var mbe *http.MaxBytesError
				if rec.err != nil && errors.As(rec.err, &mbe) {
					return nil, rec.err
				}
				return nil, err
			}
			continue
		}
		if fields++; fields > lim.MaxFields {
			return nil, &core.Error{Code: core.ETOOLARGE, Message: "表单字段过多"}
		}
		v, err := io.ReadAll(io.LimitReader(p, lim.MaxFieldBytes+1))
		if err != nil {
			return nil, bad(err)
		}
		if int64(len(v)) > lim.MaxFieldBytes {
			return nil, &core.Error{Code: core.ETOOLARGE, Field: name, Message: fmt.Sprintf("填写的内容过长（上限 %d KB）", lim.MaxFieldBytes>>10)}
		}
		vals.Add(name, string(v))
	}
	if !checked {
		return nil, deny
	}
	return vals, nil
}

// partParams returns the Content-Disposition parameters of a part, to tell
// a file input (which has a filename parameter, possibly empty) from a
// text field.
func partParams(p *multipart.Part) map[string]string {
	_, params, _ := parseDisposition(p.Header.Get("Content-Disposition"))
	return params
}

// recordingReader keeps the read error, so that the body limit is
// recognized whatever the consumer wrapped it in.
type recordingReader struct {
	r   io.Reader
	err error
}

func (rr *recordingReader) Read(b []byte) (int, error) {
	n, err := rr.r.Read(b)
	if err != nil && err != io.EOF {
		rr.err = err
	}
	return n, err
}

// ReadOneFile streams a multipart form that carries one file in the field
// "file" and passes it to store with the text fields before it: the shape
// of every upload endpoint that answers the stored file as JSON. No file
// at all is a Chinese EINVALID; a body over the route's limit is
// UploadError's ETOOLARGE.
func ReadOneFile(r *http.Request, store func(filename string, body io.Reader, fields url.Values) error) error {
	stored := false
	_, err := ReadMultipart(r, MultipartLimits{MaxFiles: 1}, func(field, filename string, body io.Reader, fields url.Values) error {
		if field != "file" {
			return core.Invalid(field, "未知的文件字段，文件应放在 file 字段")
		}
		stored = true
		return store(filename, body, fields)
	})
	if err == nil && !stored {
		err = core.Invalid("file", "请选择要上传的文件")
	}
	return UploadError(err)
}

// UploadError turns a body that hit the route's MaxBody into ETOOLARGE
// (413) with a Chinese message naming the limit, for handlers that answer
// the error themselves (JSON, or a form shown again); other errors pass
// through unchanged.
func UploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &core.Error{Code: core.ETOOLARGE, Field: "file",
			Message: fmt.Sprintf("上传的内容过大（上限 %d MB），请压缩后重试", mbe.Limit>>20), Err: err}
	}
	return err
}
