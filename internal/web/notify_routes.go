package web

import (
	"liandong/internal/auth"
	"liandong/internal/httpx"
)

// notifyRoutes: every user's notifications and digest opt-in, and the
// system administrator's mail settings (SECURITY.md B1: settings are the
// system administrator's).
func (s *Server) notifyRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /notifications", Perm: auth.PermLogin, Handler: s.showNotifications},
		{Pattern: "POST /notifications/read", Perm: auth.PermLogin, Handler: s.markNotificationsRead},
		{Pattern: "POST /notifications/{id}/open", Perm: auth.PermLogin, Handler: s.openNotification},
		{Pattern: "POST /account/notify", Perm: auth.PermLogin, Handler: s.saveNotifyPrefs},

		{Pattern: "GET /admin/mail", Perm: auth.PermSystem, Handler: s.showMailSettings},
		{Pattern: "POST /admin/mail", Perm: auth.PermSystem, Handler: s.saveMailSettings},
		{Pattern: "POST /admin/mail/test", Perm: auth.PermSystem, Handler: s.sendTestMail},
	}
}
