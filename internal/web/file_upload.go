package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/file"
	"liandong/internal/httpx"
)

// UploadMaxBody is the body limit of a route that takes one file: the file
// limit plus room for the form's other fields and the multipart framing.
// Routes taking several files (a report with photos) set n × the file
// limit plus this slack.
var UploadMaxBody = file.DefaultLimits.MaxBytes + UploadSlack

// UploadSlack is the room a multipart body needs beyond its files.
const UploadSlack = 256 << 10

func (s *Server) fileRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "POST /files", Perm: auth.PermWork, Handler: s.postFile, MaxBody: UploadMaxBody, Stream: true, Limit: httpx.LimitUpload},
	}
}

// Upload is one file of a multipart form, ingested.
type Upload struct {
	Field string // the form field it came in
	File  *file.File
}

// readUploads streams a multipart form (the route must set Stream and a
// MaxBody): text fields are returned, each file is checked and stored by
// Files.Ingest as it arrives, so nothing touches the temporary directory.
// Files stored before a later error in the same request stay without a
// row that uses them, and the sweeper removes them (SECURITY.md I4).
func (s *Server) readUploads(w http.ResponseWriter, r *http.Request, accept ...file.Kind) (url.Values, []Upload, error) {
	a := core.ActorFrom(r.Context())
	var ups []Upload
	vals, err := httpx.ReadMultipart(r, httpx.MultipartLimits{}, func(field, name string, body io.Reader, _ url.Values) error {
		f, err := s.Files.Ingest(r.Context(), a, name, body, accept...)
		if err != nil {
			if ce, ok := err.(*core.Error); ok && ce.Field == "file" && field != "file" {
				ce.Field = field
			}
			return err
		}
		ups = append(ups, Upload{Field: field, File: f})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return vals, ups, nil
}

// postFile takes one file (field "file"; "kind" photo or document, as a
// field before the file or in the query) for the pages' scripts and
// answers the stored file as JSON (201).
func (s *Server) postFile(w http.ResponseWriter, r *http.Request) {
	a := core.ActorFrom(r.Context())
	var got *file.File
	_, err := httpx.ReadMultipart(r, httpx.MultipartLimits{MaxFiles: 1}, func(field, name string, body io.Reader, fields url.Values) error {
		if field != "file" {
			return core.Invalid(field, "未知的文件字段")
		}
		accept, err := kindsOf(r.URL.Query().Get("kind"), fields.Get("kind"))
		if err != nil {
			return err
		}
		got, err = s.Files.Ingest(r.Context(), a, name, body, accept...)
		return err
	})
	if err == nil && got == nil {
		err = core.Invalid("file", "请选择要上传的文件")
	}
	if err != nil {
		status, err := uploadError(err)
		httpx.WriteJSONError(w, r, status, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, got)
}

// uploadError is the status and error of a failed upload answered as
// JSON: the body limit is 413 with a Chinese message, like Guard.Error
// says it on pages.
func uploadError(err error) (int, error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, &core.Error{Code: core.ETOOLARGE, Field: "file",
			Message: fmt.Sprintf("上传的内容过大（上限 %d MB），请压缩后重试", mbe.Limit>>20), Err: err}
	}
	return httpx.Status(err), err
}

// kindsOf reads the optional kind (query or field); empty accepts both.
func kindsOf(vals ...string) ([]file.Kind, error) {
	for _, v := range vals {
		switch v {
		case "":
			continue
		case string(file.Photo):
			return []file.Kind{file.Photo}, nil
		case string(file.Document):
			return []file.Kind{file.Document}, nil
		default:
			return nil, core.Invalid("kind", "文件类别只能是 photo（照片）或 document（文档）")
		}
	}
	return nil, nil
}
