package api

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

// fileMaxBody is the body limit of the upload route: one file at the
// file limit, plus room for the multipart framing and the kind field.
var fileMaxBody = file.DefaultLimits.MaxBytes + 256<<10

func (s *Server) fileRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "POST /api/v1/files", Perm: auth.PermWork, Handler: s.postFile, MaxBody: fileMaxBody, Stream: true, Limit: httpx.LimitUpload},
	}
}

// postFile stores one uploaded file (multipart field "file"; optional
// "kind", photo or document, in the query or as a field before the file)
// and answers it (201). Reports and data-call submissions then refer to
// it by id.
func (s *Server) postFile(w http.ResponseWriter, r *http.Request) {
	a := core.ActorFrom(r.Context())
	var got *file.File
	_, err := httpx.ReadMultipart(r, httpx.MultipartLimits{MaxFiles: 1}, func(field, name string, body io.Reader, fields url.Values) error {
		if field != "file" {
			return core.Invalid(field, "未知的文件字段，文件应放在 file 字段")
		}
		accept, err := fileKinds(r.URL.Query().Get("kind"), fields.Get("kind"))
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
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &core.Error{Code: core.ETOOLARGE, Field: "file", Message: fmt.Sprintf("上传的内容过大（上限 %d MB），请压缩后重试", mbe.Limit>>20), Err: err}
		}
		httpx.WriteJSONError(w, r, httpx.Status(err), err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, got)
}

// fileKinds reads the optional kind; empty accepts photos and documents.
func fileKinds(vals ...string) ([]file.Kind, error) {
	for _, v := range vals {
		switch v {
		case "":
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
