package api

import (
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
	err := httpx.ReadOneFile(r, func(name string, body io.Reader, fields url.Values) error {
		accept, err := file.ParseKinds(r.URL.Query().Get("kind"), fields.Get("kind"))
		if err != nil {
			return err
		}
		got, err = s.Files.Ingest(r.Context(), a, name, body, accept...)
		return err
	})
	if err != nil {
		httpx.WriteJSONError(w, r, httpx.Status(err), err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, got)
}
