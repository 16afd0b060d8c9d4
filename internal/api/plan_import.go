package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"liandong/internal/core"
	"liandong/internal/plan"
	"liandong/internal/plan/extract"
	"liandong/internal/plan/source"
)

// Importing a published plan takes three calls, like the import screen:
// preview the text (or an uploaded .txt/.docx/.xlsx) to get the
// extraction and how each unit name matched; review an edited extraction
// as often as needed; import the result with the name decisions. Nothing
// is kept on the server between the calls: the client carries the text
// and the result.

// PreviewRequest is the JSON body of POST /bodies/{id}/plans/preview: the
// plan's full text. A file is sent as multipart/form-data instead, in a
// part named "file".
type PreviewRequest struct {
	Text string `json:"text"`
}

// ReviewRequest is the body of POST /bodies/{id}/plans/review: an
// extraction the user corrected, to match its unit names again.
type ReviewRequest struct {
	Result extract.Result `json:"result"`
}

// ImportPlan is the new plan's own fields in an import. A unit work plan
// is written, not imported, so there is no unit_id.
type ImportPlan struct {
	BodyID    int64        `json:"body_id"`
	Kind      plan.Kind    `json:"kind"`
	Title     string       `json:"title"`
	DocNumber string       `json:"doc_number"`
	YearFrom  int          `json:"year_from"`
	YearTo    int          `json:"year_to"`
	ParentID  int64        `json:"parent_id"`
	Cadence   plan.Cadence `json:"cadence"`
}

// ImportRequest is the body of POST /plans/import: the plan's fields, the
// source text and its file name (kept to show beside the plan), the
// reviewed extraction, and a decision for every name that did not match.
type ImportRequest struct {
	Plan       ImportPlan     `json:"plan"`
	SourceName string         `json:"source_name"`
	Text       string         `json:"text"`
	Result     extract.Result `json:"result"`
	Mappings   []plan.Mapping `json:"mappings"`
}

// PlanPreview is the answer of a preview: the extraction, each unit name
// with how it matched, and the units a name can be mapped to. For an
// uploaded file it also gives the file's name, format and the text read
// from it, which the client sends back with the import.
type PlanPreview struct {
	*plan.Preview
	SourceName string `json:"source_name,omitempty"`
	Format     string `json:"format,omitempty"`
	Text       string `json:"text,omitempty"`
}

// previewPlan answers a preview of a JSON {text} or a multipart upload.
// The route raises the body limit to what source.Read accepts; the upload
// is streamed part by part into source.Read, so no temporary file is
// written.
func (s *Server) previewPlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var out *PlanPreview
	if err == nil {
		out, err = s.preview(r, id)
	}
	s.reply(w, r, http.StatusOK, out, err)
}

func (s *Server) preview(r *http.Request, bodyID int64) (*PlanPreview, error) {
	out := &PlanPreview{}
	var text string
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		doc, err := readUpload(r)
		if err != nil {
			return nil, err
		}
		text, out.SourceName, out.Format, out.Text = doc.Text, doc.Name, doc.Format, doc.Text
	} else {
		var in PreviewRequest
		if err := decode(r, &in); err != nil {
			return nil, err
		}
		text = in.Text
	}
	pv, err := s.Plan.Preview(r.Context(), bodyID, text)
	if err != nil {
		if out.Format != "" && core.ErrorCode(err) == core.EINVALID {
			// The service names the pasted text; an upload's user
			// chose a file.
			return nil, &core.Error{Code: core.EINVALID, Field: source.Field, Message: "文件中没有可识别的文字，请检查文件内容", Err: err}
		}
		return nil, err
	}
	out.Preview = previewOut(pv)
	return out, nil
}

// seenErr remembers the error a request body's reader returned, so that
// a body over the limit is answered 413 whatever the multipart reader
// made of the error on its way up.
type seenErr struct {
	r   io.ReadCloser
	err error
}

func (s *seenErr) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

func (s *seenErr) Close() error { return s.r.Close() }

// readUpload reads the one part named "file" of a multipart body with
// source.Read; any other part is refused (B4), as are a second file and a
// body without one.
func readUpload(r *http.Request) (doc *source.Document, err error) {
	body := &seenErr{r: r.Body}
	r.Body = body
	defer func() {
		var tooLarge *http.MaxBytesError
		if err != nil && errors.As(body.err, &tooLarge) {
			err = &core.Error{Code: core.ETOOLARGE, Field: source.Field, Err: tooLarge,
				Message: fmt.Sprintf("文件超过%d MB的上限，请删去图片等无关内容后重新上传", source.DefaultLimits.MaxFile>>20)}
		}
	}()
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &core.Error{Code: core.EINVALID, Field: source.Field, Message: "上传内容无法解析，请重新选择文件上传", Err: err}
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &core.Error{Code: core.EINVALID, Field: source.Field, Message: "上传内容不完整，请重新上传", Err: err}
		}
		name := part.FormName()
		switch {
		case name != source.Field:
			_ = part.Close()
			name = strings.ToValidUTF8(name, "")
			if utf8.RuneCountInString(name) > 50 {
				name = string([]rune(name)[:50])
			}
			return nil, &core.Error{Code: core.EINVALID, Field: name, Message: "不允许提交字段“" + name + "”，只能上传一个名为file的文件"}
		case doc != nil:
			_ = part.Close()
			return nil, core.Invalid(source.Field, "一次只能上传一个文件")
		}
		doc, err = source.Read(part.FileName(), part, source.DefaultLimits)
		_ = part.Close()
		if err != nil {
			return nil, err
		}
	}
	if doc == nil {
		return nil, core.Invalid(source.Field, "请选择要导入的方案文件")
	}
	return doc, nil
}

// previewOut gives every list of a preview an array, never null.
func previewOut(pv *plan.Preview) *plan.Preview {
	pv.Result.Items = orEmpty(pv.Result.Items)
	pv.Result.Goals = orEmpty(pv.Result.Goals)
	pv.Names = orEmpty(pv.Names)
	pv.Units = orEmpty(pv.Units)
	for i := range pv.Names {
		pv.Names[i].Candidates = orEmpty(pv.Names[i].Candidates)
	}
	return pv
}

func (s *Server) reviewPlan(ctx context.Context, id int64, in ReviewRequest) (*plan.Preview, error) {
	pv, err := s.Plan.Review(ctx, id, in.Result)
	if err != nil {
		return nil, err
	}
	return previewOut(pv), nil
}

func (s *Server) importPlan(ctx context.Context, _ int64, in ImportRequest) (*plan.Plan, error) {
	p := in.Plan
	return s.Plan.Import(ctx, plan.ImportInput{Plan: plan.PlanInput{BodyID: p.BodyID, Kind: p.Kind, Title: p.Title,
		DocNumber: p.DocNumber, YearFrom: p.YearFrom, YearTo: p.YearTo, ParentID: p.ParentID, Cadence: p.Cadence},
		SourceName: in.SourceName, Text: in.Text, Result: in.Result, Mappings: in.Mappings})
}
