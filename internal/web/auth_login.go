package web

import (
	"net/http"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

func (s *Server) authRoutes() []httpx.Route {
	return append([]httpx.Route{
		{Pattern: "GET /login", Perm: auth.PermPublic, Handler: s.showLoginPage},
		{Pattern: "POST /login", Perm: auth.PermPublic, Handler: s.login},
		{Pattern: "POST /logout", Perm: auth.PermLogin, Handler: s.logout},
		{Pattern: "GET /setup", Perm: auth.PermPublic, Handler: s.showSetupPage},
		{Pattern: "POST /setup", Perm: auth.PermPublic, Handler: s.setup},
		{Pattern: "GET /mfa", Perm: auth.PermLogin, Handler: s.showMFAPage},
		{Pattern: "POST /mfa", Perm: auth.PermLogin, Handler: s.verifyMFA},
		{Pattern: "GET /mfa/setup", Perm: auth.PermLogin, Handler: s.showMFASetupPage},
		{Pattern: "POST /mfa/setup", Perm: auth.PermLogin, Handler: s.confirmMFASetup},
	}, s.heldRoutes()...)
}

type loginPage struct {
	Base
	Username   string
	Next       string
	NeedsSetup bool // no account exists yet: point to the setup page
}

// preLoginCSRF makes sure the browser holds a CSRF cookie for the login
// form and returns its value.
func (s *Server) preLoginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(httpx.PreLoginCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	t := auth.NewToken()
	http.SetCookie(w, &http.Cookie{Name: httpx.PreLoginCookie, Value: t, Path: "/", HttpOnly: true,
		Secure: s.Guard.Secure, SameSite: http.SameSiteStrictMode})
	return t
}

func (s *Server) newLoginPage(w http.ResponseWriter, r *http.Request, username, next string) *loginPage {
	p := &loginPage{Base: s.base(r, "登录"), Username: username, Next: next}
	p.CSRF = s.preLoginCSRF(w, r)
	p.Nav = nil
	p.NeedsSetup, _ = auth.NeedsSetup(r.Context(), s.DB.R())
	return p
}

func (s *Server) showLoginPage(w http.ResponseWriter, r *http.Request) {
	if core.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "auth/login", s.newLoginPage(w, r, "", safeNext(r.URL.Query().Get("next"))))
}

// login checks the password and opens a new session. The second factor
// and an owed password change are enforced on the next request by the
// guard (httpx gate), which sends the browser to /mfa or /account/password.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	next := safeNext(r.PostFormValue("next"))
	fail := func(err error) {
		p := s.newLoginPage(w, r, username, next)
		p.Error = core.ErrorMessage(err)
		s.render(w, r, httpx.Status(err), "auth/login", p)
	}
	if err := s.Guard.AllowAttempt(w, r); err != nil {
		fail(err)
		return
	}
	token, u, err := s.Auth.Login(r.Context(), username, r.PostFormValue("password"), httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		fail(err)
		return
	}
	// A new token on every login: a session id fixed before login is never
	// promoted (SECURITY.md A8).
	s.Guard.SetSession(w, token)
	// Content posted after the last session timed out comes first (I10);
	// the gate still puts a second factor or a password change before it.
	if n, err := s.Auth.CountHeld(r.Context(), u.ID); err != nil {
		s.Log.Error("count held requests", "request_id", httpx.RequestID(r.Context()), "err", err.Error())
	} else if n > 0 {
		next = "/held"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.Guard.SessionCookie()); err == nil {
		if err := s.Auth.Logout(r.Context(), c.Value); err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
	}
	s.Guard.ClearSession(w)
	w.Header().Set("Clear-Site-Data", `"cookies", "storage"`)
	http.Redirect(w, r, "/login?flash=loggedout", http.StatusSeeOther)
}

// safeNext keeps post-login redirects on this site: a local path only.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	return next
}

// authFormErrors puts err on the page: field errors beside their fields, any
// other message at the top of the form.
func authFormErrors(b *Base, err error) {
	if f := core.FieldErrors(err); len(f) > 0 {
		b.Errors = f
		b.Error = "请按提示修改后重新提交。"
		return
	}
	b.Error = core.ErrorMessage(err)
}

// authFlash adds ?flash=key (or &flash=key) to a local path.
func authFlash(path, key string) string {
	if strings.Contains(path, "?") {
		return path + "&flash=" + key
	}
	return path + "?flash=" + key
}
