package web

import (
	"liandong/internal/auth"
	"liandong/internal/httpx"
)

// adminRoutes: the system administrator's accounts pages and the security
// administrator's policy and role pages, kept apart (三员分立, SECURITY.md
// B1): each administrator works only through their own pages.
func (s *Server) adminRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /admin/users", Perm: auth.PermUserManage, Handler: s.showUserList},
		{Pattern: "GET /admin/users/new", Perm: auth.PermUserManage, Handler: s.showNewUserPage},
		{Pattern: "POST /admin/users", Perm: auth.PermUserManage, Handler: s.createUser},
		{Pattern: "GET /admin/users/{id}", Perm: auth.PermUserManage, Handler: s.showUserEditPage},
		{Pattern: "POST /admin/users/{id}", Perm: auth.PermUserManage, Handler: s.saveUser},
		{Pattern: "POST /admin/users/{id}/disable", Perm: auth.PermUserManage, Handler: s.disableUser},
		{Pattern: "POST /admin/users/{id}/enable", Perm: auth.PermUserManage, Handler: s.enableUser},
		{Pattern: "POST /admin/users/{id}/password", Perm: auth.PermUserManage, Handler: s.resetUserPassword},

		{Pattern: "GET /admin/security", Perm: auth.PermSecurity, Handler: s.showSecurityPage},
		{Pattern: "POST /admin/security/policy", Perm: auth.PermSecurity, Handler: s.savePolicy},
		{Pattern: "POST /admin/security/users/{id}/role", Perm: auth.PermSecurity, Handler: s.grantRole},
		{Pattern: "POST /admin/security/users/{id}/unlock", Perm: auth.PermSecurity, Handler: s.unlockUser},
		{Pattern: "POST /admin/security/users/{id}/sessions/end", Perm: auth.PermSecurity, Handler: s.endUserSessions},
		{Pattern: "POST /admin/security/users/{id}/mfa/reset", Perm: auth.PermSecurity, Handler: s.resetUserMFA},
	}
}
