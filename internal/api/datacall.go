package api

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/file"
	"liandong/internal/httpx"
)

// callRoutes are the API of data calls: the same use cases as the pages,
// through datacall.Service, which answers 404 outside the actor's scope
// (B3), 403 to a reader who may not take the step, 409 to an illegal step
// or a stale version (B5, I3), and 422 with one message per field.
func (s *Server) callRoutes() []httpx.Route {
	read, submit, manage := auth.PermCallRead, auth.PermCallSubmit, auth.PermCallManage
	return []httpx.Route{
		{Pattern: "GET /api/v1/calls", Perm: read, Handler: s.listCalls},
		{Pattern: "POST /api/v1/calls", Perm: manage, Handler: change(s, http.StatusCreated, s.createCall)},
		{Pattern: "GET /api/v1/calls/{id}", Perm: read, Handler: get(s, s.getCall)},
		{Pattern: "PUT /api/v1/calls/{id}", Perm: manage, Handler: change(s, http.StatusOK, s.updateCall)},
		{Pattern: "POST /api/v1/calls/{id}/open", Perm: manage, Handler: change(s, http.StatusOK, s.openCall)},
		{Pattern: "POST /api/v1/calls/{id}/close", Perm: manage, Handler: change(s, http.StatusOK, s.closeCall)},
		{Pattern: "GET /api/v1/calls/{id}/board", Perm: read, Handler: get(s, s.getBoard)},
		{Pattern: "GET /api/v1/calls/{id}/zip", Perm: read, Handler: s.getCallZIP, Limit: httpx.LimitExport},
		{Pattern: "GET /api/v1/me/calls", Perm: read, Handler: s.listInbox},
		{Pattern: "GET /api/v1/calls/{id}/submission", Perm: submit, Handler: get(s, s.getMySubmission)},
		{Pattern: "PUT /api/v1/calls/{id}/submission", Perm: submit, Handler: change(s, http.StatusOK, s.saveDraft)},
		{Pattern: "POST /api/v1/calls/{id}/submission/submit", Perm: submit, Handler: change(s, http.StatusOK, s.submitCall)},
		{Pattern: "POST /api/v1/calls/{id}/uploads", Perm: submit, Handler: s.uploadForCall, MaxBody: fileMaxBody, Stream: true, Limit: httpx.LimitUpload},
		{Pattern: "GET /api/v1/submissions/{id}", Perm: read, Handler: get(s, s.getSubmission)},
		{Pattern: "POST /api/v1/submissions/{id}/review", Perm: manage, Handler: change(s, http.StatusOK, s.reviewSubmission)},
		{Pattern: "GET /api/v1/submissions/{id}/files/{file}", Perm: read, Handler: s.getSubmissionFile},
	}
}

// VersionIn is the body of a step that only needs the version seen.
type VersionIn struct {
	Version int64 `json:"version"`
}

// listCalls lists the calls of ?body= (the office's and leaders' list).
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) {
	id, err := queryID(r, "body", "机构编号")
	var list []datacall.Summary
	if err == nil {
		list, err = s.Calls.List(r.Context(), id)
	}
	s.reply(w, r, http.StatusOK, paged(r, orEmpty(list)), err)
}

func (s *Server) createCall(ctx context.Context, _ int64, in datacall.CallInput) (*datacall.Call, error) {
	return s.Calls.Create(ctx, in)
}

func (s *Server) getCall(r *http.Request, id int64) (*datacall.Call, error) {
	return s.Calls.Get(r.Context(), id)
}

func (s *Server) updateCall(ctx context.Context, id int64, in datacall.CallInput) (*datacall.Call, error) {
	return s.Calls.Update(ctx, id, in)
}

func (s *Server) openCall(ctx context.Context, id int64, in VersionIn) (*datacall.Call, error) {
	if err := s.Calls.Open(ctx, id, in.Version); err != nil {
		return nil, err
	}
	return s.Calls.Get(ctx, id)
}

func (s *Server) closeCall(ctx context.Context, id int64, in VersionIn) (*datacall.Call, error) {
	if err := s.Calls.Close(ctx, id, in.Version); err != nil {
		return nil, err
	}
	return s.Calls.Get(ctx, id)
}

func (s *Server) getBoard(r *http.Request, id int64) (*datacall.Board, error) {
	st := datacall.State(r.URL.Query().Get("state"))
	if st != "" && st.Label() == "" {
		return nil, core.Invalid("state", "状态只能是 not_yet、submitted、late、resubmitted、returned 或 accepted")
	}
	return s.Calls.Board(r.Context(), id, st)
}

func (s *Server) listInbox(w http.ResponseWriter, r *http.Request) {
	list, err := s.Calls.Inbox(r.Context())
	s.reply(w, r, http.StatusOK, paged(r, orEmpty(list)), err)
}

func (s *Server) getMySubmission(r *http.Request, id int64) (*datacall.Mine, error) {
	return s.Calls.MySubmission(r.Context(), id)
}

func (s *Server) saveDraft(ctx context.Context, id int64, in datacall.DraftInput) (*datacall.Submission, error) {
	return s.Calls.SaveDraft(ctx, id, in)
}

// submitCall submits; the same token again answers the same submission
// and changes nothing.
func (s *Server) submitCall(ctx context.Context, id int64, in datacall.DraftInput) (*datacall.Submission, error) {
	return s.Calls.Submit(ctx, id, in)
}

func (s *Server) getSubmission(r *http.Request, id int64) (*datacall.Mine, error) {
	return s.Calls.Submission(r.Context(), id)
}

func (s *Server) reviewSubmission(ctx context.Context, id int64, in datacall.Review) (*datacall.Mine, error) {
	if err := s.Calls.ReviewSubmission(ctx, id, in); err != nil {
		return nil, err
	}
	return s.Calls.Submission(ctx, id)
}

// uploadForCall stores one file (multipart field "file") for the caller's
// submission to call {id}, recording the type it was uploaded as (a
// JPG-only item checks it), and answers it (201).
func (s *Server) uploadForCall(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.Calls.MySubmission(r.Context(), id) // an addressee of an open or closed call only
	}
	var got *file.File
	if err == nil {
		err = httpx.ReadOneFile(r, func(name string, body io.Reader, fields url.Values) error {
			accept, err := file.ParseKinds(r.URL.Query().Get("kind"), fields.Get("kind"))
			if err != nil {
				return err
			}
			got, err = s.Calls.Upload(r.Context(), name, body, accept...)
			return err
		})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, got)
}

func (s *Server) getSubmissionFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var fid int64
	if err == nil {
		fid, err = pathID(r, "file")
	}
	v := file.Original
	if r.URL.Query().Get("thumb") == "1" {
		v = file.Thumb
	}
	var f *file.File
	var rc io.ReadCloser
	if err == nil {
		f, rc, err = s.Calls.OpenFile(r.Context(), id, fid, v)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	d := httpx.Download{Name: f.Name, ContentType: f.ContentType, Size: f.Size}
	if v == file.Thumb {
		d = httpx.Download{Name: f.Name, ContentType: "image/jpeg", Inline: true}
	}
	httpx.ServeFile(w, r, d, rc)
}

// getCallZIP streams every submission of call {id} as one ZIP (E6).
func (s *Server) getCallZIP(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var ex *datacall.Export
	if err == nil {
		ex, err = s.Calls.PrepareZIP(r.Context(), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", httpx.ContentDisposition("attachment", ex.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	if err := s.Calls.WriteZIP(r.Context(), ex, w); err != nil && s.Log != nil {
		s.Log.Error("call zip cut short", "call", id, "err", err)
	}
}
