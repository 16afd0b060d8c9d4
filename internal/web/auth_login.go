package web

import (
	"net/http"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

func (s *Server) authRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /login", Perm: auth.PermPublic, Handler: s.showLoginPage},
		{Pattern: "POST /login", Perm: auth.PermPublic, Handler: s.login},
		{Pattern: "POST /logout", Perm: auth.PermLogin, Handler: s.logout},
	}
}

type loginPage struct {
	Base
	Username string
	Next     string
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

func (s *Server) showLoginPage(w http.ResponseWriter, r *http.Request) {
	if core.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p := &loginPage{Base: s.base(r, "登录"), Next: safeNext(r.URL.Query().Get("next"))}
	p.CSRF = s.preLoginCSRF(w, r)
	p.Nav = nil
	s.render(w, r, http.StatusOK, "auth/login", p)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	token, _, err := s.Auth.Login(r.Context(), username, password, httpx.ClientIP(r), r.UserAgent())
	if err != nil {
		p := &loginPage{Base: s.base(r, "登录"), Username: username, Next: next}
		p.CSRF = s.preLoginCSRF(w, r)
		p.Error = core.ErrorMessage(err)
		s.render(w, r, httpx.Status(err), "auth/login", p)
		return
	}
	// A new token on every login: a session id fixed before login is never
	// promoted (SECURITY.md A8).
	s.Guard.SetSession(w, token)
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
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
