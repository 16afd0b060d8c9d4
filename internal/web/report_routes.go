package web

import (
	"fmt"
	"net/http"

	"liandong/internal/auth"
	"liandong/internal/file"
	"liandong/internal/httpx"
)

// reportFormMaxBody bounds the report form: its text, and up to
// reportFormFiles new files of the file limit each.
const reportFormFiles = 8

var reportFormMaxBody = reportFormFiles*file.DefaultLimits.MaxBytes + UploadSlack

// reportRoutes are the pages of progress reports. Reading needs
// report.read, writing and reviewing report.write; the report service
// decides scope (404 outside it), role (403) and state (409).
func (s *Server) reportRoutes() []httpx.Route {
	read, write := auth.PermReportRead, auth.PermReportWrite
	return []httpx.Route{
		{Pattern: "GET /reports", Perm: read, Handler: s.showMyReports},
		{Pattern: "POST /reports/start", Perm: write, Handler: s.startReport},
		{Pattern: "GET /reports/{id}", Perm: read, Handler: s.showReport},
		{Pattern: "POST /reports/{id}", Perm: write, Handler: s.postReport, MaxBody: reportFormMaxBody, Stream: true, Limit: httpx.LimitUpload},
		{Pattern: "POST /reports/{id}/autosave", Perm: write, Handler: s.autosaveReport},
		{Pattern: "POST /reports/{id}/review", Perm: write, Handler: s.reviewReport},
		{Pattern: "GET /reports/{id}/revisions", Perm: read, Handler: s.showReportRevisions},
		{Pattern: "GET /reports/{id}/files/{file}", Perm: read, Handler: s.serveReportFile},
		{Pattern: "GET /tasks/{id}/reports", Perm: read, Handler: s.showConsolidation},
		{Pattern: "GET /plans/{id}/reports", Perm: read, Handler: s.showReportOverview},
	}
}

// reportURL is a report's page, optionally with a flash notice.
func reportURL(id int64, flash string) string {
	u := fmt.Sprintf("/reports/%d", id)
	if flash != "" {
		u += "?flash=" + flash
	}
	return u
}

// reportFlashes are the notices of the report pages (see flashMessages).
var reportFlashes = map[string]string{
	"submitted": "报告已提交，等待审核；提交后报告锁定，不能再修改。",
	"accepted":  "报告已采纳。",
	"returned":  "报告已退回，填报单位将收到退回原因。",
}

// reportBase is base() plus the report pages' notices.
func (s *Server) reportBase(r *http.Request, title string) Base {
	b := s.base(r, title)
	if b.Flash == "" {
		if f := r.URL.Query().Get("flash"); f != "" {
			b.Flash = reportFlashes[f]
		}
	}
	return b
}
