package web

import (
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
