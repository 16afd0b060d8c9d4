// Package web serves the HTML UI: server-rendered pages in Chinese, usable
// without JavaScript, printable. Handlers are thin: parse a form, call one
// domain service, render a typed page or redirect.
package web

import (
	"log/slog"
	"net/http"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/httpx"
	"liandong/internal/notify"
	"liandong/internal/org"
	"liandong/internal/plan"
	"liandong/internal/report"
)

// Server holds what the page handlers need.
type Server struct {
	DB   *db.DB
	Auth *auth.Service
	Org  *org.Service
	Plan *plan.Service
	// Files, Reports, Calls and Notify serve issue 4's pages: progress
	// reports, data calls, and notifications with their settings.
	Files   *file.Service
	Reports *report.Service
	Calls   *datacall.Service
	Notify  *notify.Service
	Guard   *httpx.Guard
	Clock   core.Clock
	Log     *slog.Logger
	tmpl    *templates
}

// New parses the embedded templates (failing at start-up, not at first use,
// if one is broken) and returns the server.
func New(d *db.DB, a *auth.Service, o *org.Service, g *httpx.Guard, clock core.Clock, log *slog.Logger) (*Server, error) {
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{DB: d, Auth: a, Org: o, Guard: g, Clock: clock, Log: log, tmpl: t}
	g.RenderError = s.renderError
	return s, nil
}

// Routes is the whole URL space of the UI, each route with its permission.
func (s *Server) Routes() []httpx.Route {
	var rs []httpx.Route
	rs = append(rs, s.baseRoutes()...)
	rs = append(rs, s.authRoutes()...)
	rs = append(rs, s.accountRoutes()...)
	rs = append(rs, s.adminRoutes()...)
	rs = append(rs, s.auditRoutes()...)
	rs = append(rs, s.orgRoutes()...)
	rs = append(rs, s.planRoutes()...)
	rs = append(rs, s.reportRoutes()...)
	rs = append(rs, s.callRoutes()...)
	rs = append(rs, s.notifyRoutes()...)
	rs = append(rs, s.fileRoutes()...)
	return rs
}

func (s *Server) baseRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /static/", Perm: auth.PermPublic, Handler: s.serveStatic},
		{Pattern: "GET /{$}", Perm: auth.PermLogin, Handler: s.showHome},
	}
}

// showHome is the work bench: for business users, each of their bodies at
// a glance with the gaps to close; for the three administrators, the way
// to their own pages.
func (s *Server) showHome(w http.ResponseWriter, r *http.Request) {
	p := &homePage{Base: s.base(r, "工作台")}
	a := p.Actor
	p.IsOffice = a.Role == core.RoleOffice
	if a.UserID != 0 {
		// Content held at a session timeout is offered right after login;
		// whoever went elsewhere first finds the way back here.
		p.Held, _ = s.Auth.HeldCount(r.Context(), a.UserID)
	}
	if !a.Role.IsAdmin() && a.Role != "" {
		var err error
		if p.Bodies, err = s.Org.Overviews(r.Context()); err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
		if p.Inbound, err = s.unassignedInbound(r.Context(), p.Bodies); err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "home", p)
}

type homePage struct {
	Base
	IsOffice bool
	Held     int // requests held at a session timeout, waiting to be submitted
	Bodies   []org.Overview
	Inbound  map[int64]int // body → tasks handed down and not yet assigned (plan_home.go)
}
