package web

import (
	"liandong/internal/auth"
	"liandong/internal/httpx"
)

// accountRoutes: every logged-in user's own account: profile, password,
// and sessions (SECURITY.md A3, A8).
func (s *Server) accountRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /account", Perm: auth.PermLogin, Handler: s.showAccountPage},
		{Pattern: "GET /account/password", Perm: auth.PermLogin, Handler: s.showPasswordPage},
		{Pattern: "POST /account/password", Perm: auth.PermLogin, Handler: s.changePassword},
		{Pattern: "POST /account/sessions/{id}/end", Perm: auth.PermLogin, Handler: s.endOwnSession},
	}
}
