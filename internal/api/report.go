package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/file"
	"liandong/internal/httpx"
	"liandong/internal/report"
)

// reportRoutes are the API of progress reports: the same use cases as the
// pages, through report.Service, which answers 404 outside the actor's
// scope (B3), 403 to a reader who may not take the step, and 409 to an
// illegal step of the workflow or a stale version (B5, I3).
func (s *Server) reportRoutes() []httpx.Route {
	read, write := auth.PermReportRead, auth.PermReportWrite
	return []httpx.Route{
		{Pattern: "GET /api/v1/me/reports", Perm: read, Handler: s.listMyReports},
		{Pattern: "POST /api/v1/reports", Perm: write, Handler: s.startReport},
		{Pattern: "GET /api/v1/reports/{id}", Perm: read, Handler: get(s, s.getReport)},
		{Pattern: "PUT /api/v1/reports/{id}", Perm: write, Handler: s.saveReport},
		{Pattern: "POST /api/v1/reports/{id}/submit", Perm: write, Handler: change(s, http.StatusOK, s.submitReport)},
		{Pattern: "POST /api/v1/reports/{id}/return", Perm: write, Handler: change(s, http.StatusOK, s.returnReport)},
		{Pattern: "POST /api/v1/reports/{id}/accept", Perm: write, Handler: change(s, http.StatusOK, s.acceptReport)},
		{Pattern: "GET /api/v1/reports/{id}/revisions", Perm: read, Handler: get(s, s.listRevisions)},
		{Pattern: "GET /api/v1/reports/{id}/revisions/{rev}", Perm: read, Handler: get(s, s.getRevision)},
		{Pattern: "GET /api/v1/reports/{id}/files/{file}", Perm: read, Handler: s.getReportFile},
		{Pattern: "GET /api/v1/tasks/{id}/reports", Perm: read, Handler: get(s, s.getConsolidation)},
		{Pattern: "GET /api/v1/plans/{id}/reports", Perm: read, Handler: get(s, s.getReportOverview)},
		{Pattern: "GET /api/v1/plans/{id}/rollup", Perm: read, Handler: get(s, s.getRollup)},
	}
}

// ReportOut is a report with what the caller may do with it.
type ReportOut struct {
	Report *report.Report `json:"report"`
	Access report.Access  `json:"access"`
}

// ReviewIn is the body of the return and accept steps.
type ReviewIn struct {
	Version *int64 `json:"version"`
	Reason  string `json:"reason"`
}

func (s *Server) listMyReports(w http.ResponseWriter, r *http.Request) {
	blocks, err := s.Reports.Mine(r.Context())
	s.reply(w, r, http.StatusOK, paged(r, orEmpty(blocks)), err)
}

// startReport opens the report a key names: 201 when it was created now,
// 200 when it existed (starting is safe to repeat).
func (s *Server) startReport(w http.ResponseWriter, r *http.Request) {
	var k report.Key
	err := decode(r, &k)
	var rep *report.Report
	created := false
	if err == nil {
		rep, created, err = s.Reports.Start(r.Context(), k)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		if rep != nil {
			w.Header().Set("Location", "/api/v1/reports/"+strconv.FormatInt(rep.ID, 10))
		}
	}
	s.reply(w, r, status, rep, err)
}

func (s *Server) getReport(r *http.Request, id int64) (ReportOut, error) {
	rep, acc, err := s.Reports.Get(r.Context(), id)
	return ReportOut{Report: rep, Access: acc}, err
}

// ConflictOut is the 409 of a stale draft save: the error, and the
// revision under which the text that lost was kept.
type ConflictOut struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Fields    map[string]string `json:"fields,omitempty"`
		RequestID string            `json:"request_id,omitempty"`
		Revision  int64             `json:"conflict_revision"`
	} `json:"error"`
}

// saveReport saves a draft from the version the client read; a stale
// version or a report submitted meanwhile is 409 with the revision that
// keeps the client's text (I3).
func (s *Server) saveReport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in report.DraftInput
	if err == nil {
		err = decode(r, &in)
	}
	var rep *report.Report
	if err == nil {
		rep, err = s.Reports.Save(r.Context(), id, in)
	}
	var c *report.Conflict
	if errors.As(err, &c) {
		var out ConflictOut
		out.Error.Code, out.Error.Message = core.ECONFLICT, core.ErrorMessage(err)
		out.Error.Fields = core.FieldErrors(err)
		out.Error.RequestID = httpx.RequestID(r.Context())
		out.Error.Revision = c.RevisionID
		httpx.WriteJSON(w, http.StatusConflict, out)
		return
	}
	s.reply(w, r, http.StatusOK, rep, err)
}

func (s *Server) submitReport(ctx context.Context, id int64, in report.DraftInput) (*report.Report, error) {
	return s.Reports.Submit(ctx, id, in)
}

func (s *Server) returnReport(ctx context.Context, id int64, in ReviewIn) (*report.Report, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	return s.Reports.Return(ctx, id, v, in.Reason)
}

func (s *Server) acceptReport(ctx context.Context, id int64, in ReviewIn) (*report.Report, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	if in.Reason != "" {
		return nil, core.Invalid("reason", "采纳报告不需要填写原因")
	}
	return s.Reports.Accept(ctx, id, v)
}

func (s *Server) listRevisions(r *http.Request, id int64) (List[report.Revision], error) {
	revs, err := s.Reports.Revisions(r.Context(), id)
	return paged(r, orEmpty(revs)), err
}

func (s *Server) getRevision(r *http.Request, id int64) (*report.Revision, error) {
	rev, err := pathID(r, "rev")
	if err != nil {
		return nil, err
	}
	return s.Reports.Revision(r.Context(), id, rev)
}

// getReportFile sends a file of a report (?thumb=1: a photo's thumbnail),
// only through a report that holds it, with the download headers of E5.
func (s *Server) getReportFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var fid int64
	if err == nil {
		fid, err = pathID(r, "file")
	}
	var f *file.File
	var rc io.ReadCloser
	if err == nil {
		f, rc, err = s.Reports.OpenFile(r.Context(), id, fid, r.URL.Query().Get("thumb") == "1")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	httpx.ServeFile(w, r, httpx.Download{Name: f.Name, ContentType: f.ContentType, Size: f.Size}, rc)
}

func (s *Server) getConsolidation(r *http.Request, id int64) (*report.Consolidation, error) {
	body, err := queryID(r, "body", "机构编号")
	if err != nil {
		return nil, err
	}
	return s.Reports.Consolidate(r.Context(), id, body, r.URL.Query().Get("period"))
}

func (s *Server) getReportOverview(r *http.Request, id int64) (*report.Overview, error) {
	body, err := queryID(r, "body", "机构编号")
	if err != nil {
		return nil, err
	}
	return s.Reports.Overview(r.Context(), id, body, r.URL.Query().Get("period"))
}

func (s *Server) getRollup(r *http.Request, id int64) (*report.Rollup, error) {
	body, err := queryID(r, "body", "机构编号")
	if err != nil {
		return nil, err
	}
	return s.Reports.Rollup(r.Context(), id, body)
}
