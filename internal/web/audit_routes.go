package web

import (
	"liandong/internal/auth"
	"liandong/internal/httpx"
)

// auditRoutes: the audit administrator reads and exports the whole log; the
// security administrator reviews the audit administrator's own actions
// (三员分立, SECURITY.md C7). Every read is itself audited.
func (s *Server) auditRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /audit", Perm: auth.PermAuditRead, Handler: s.showAuditList},
		{Pattern: "GET /audit/export.xlsx", Perm: auth.PermAuditRead, Handler: s.exportAudit, Limit: httpx.LimitExport},
		{Pattern: "GET /audit/{id}", Perm: auth.PermAuditRead, Handler: s.showAuditEntry},
		{Pattern: "GET /audit/auditors", Perm: auth.PermAuditOfAudits, Handler: s.showAuditorActions},
		{Pattern: "GET /audit/auditors/export.xlsx", Perm: auth.PermAuditOfAudits, Handler: s.exportAuditorActions, Limit: httpx.LimitExport},
		{Pattern: "GET /audit/auditors/{id}", Perm: auth.PermAuditOfAudits, Handler: s.showAuditorEntry},
	}
}
