package web

import (
	"liandong/internal/auth"
	"liandong/internal/httpx"
)

// callRoutes: data calls (材料征集). The office of a body creates, opens,
// follows and closes its calls and reviews submissions (call.manage);
// leaders read calls and boards (call.read); addressees — member units'
// liaisons and subordinate offices — submit (call.submit). Scope by body
// and unit is the service's (SECURITY.md B3).
func (s *Server) callRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /calls", Perm: auth.PermCallRead, Handler: s.showCalls},
		{Pattern: "GET /calls/new", Perm: auth.PermCallManage, Handler: s.newCall},
		{Pattern: "POST /calls", Perm: auth.PermCallManage, Handler: s.createCall},
		{Pattern: "GET /calls/{id}", Perm: auth.PermCallRead, Handler: s.showCall},
		{Pattern: "GET /calls/{id}/edit", Perm: auth.PermCallManage, Handler: s.editCall},
		{Pattern: "POST /calls/{id}", Perm: auth.PermCallManage, Handler: s.updateCall},
		{Pattern: "POST /calls/{id}/open", Perm: auth.PermCallManage, Handler: s.openCall},
		{Pattern: "POST /calls/{id}/close", Perm: auth.PermCallManage, Handler: s.closeCall},
		{Pattern: "GET /calls/{id}/zip", Perm: auth.PermCallRead, Handler: s.downloadCallZIP, Limit: httpx.LimitExport},
		{Pattern: "GET /calls/{id}/submission", Perm: auth.PermCallSubmit, Handler: s.showMySubmission},
		{Pattern: "POST /calls/{id}/submission", Perm: auth.PermCallSubmit, Handler: s.postMySubmission,
			MaxBody: 8*UploadMaxBody + UploadSlack, Stream: true, Limit: httpx.LimitUpload},
		{Pattern: "GET /submissions/{id}", Perm: auth.PermCallRead, Handler: s.showSubmission},
		{Pattern: "POST /submissions/{id}/review", Perm: auth.PermCallManage, Handler: s.reviewSubmission},
		{Pattern: "GET /submissions/{id}/files/{file}", Perm: auth.PermCallRead, Handler: s.submissionFile},
	}
}
