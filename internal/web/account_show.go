package web

import (
	"net/http"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// accountPage is "账户与安全": the user's profile, password state, second
// factor and sessions.
type accountPage struct {
	Base
	User            *auth.User
	RoleName        string
	UnitName        string
	BodyNames       []string
	PasswordChanged time.Time
	PasswordExpires time.Time // zero when passwords do not expire
	MFARequired     bool
	Sessions        []auth.SessionInfo
	Bearer          bool // the request came with an API token, not a session
	// Digest is the user's daily digest opt-in; MailOn says whether e-mail
	// is configured at all (notify_*.go).
	Digest bool
	MailOn bool
}

func (s *Server) showAccountPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := httpx.UserFrom(ctx)
	pol, err := auth.LoadPolicy(ctx, s.DB.R())
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &accountPage{Base: s.base(r, "账户与安全"), User: u, RoleName: acctRoleName(u.Role),
		PasswordChanged: u.PasswordChangedAt, MFARequired: auth.MFARequired(pol, u)}
	if pol.MaxAgeDays > 0 {
		p.PasswordExpires = u.PasswordChangedAt.AddDate(0, 0, pol.MaxAgeDays)
	}
	if u.UnitID != 0 || len(u.BodyIDs) > 0 {
		units, err := auth.UnitChoices(ctx, s.DB.R())
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
		bodies, err := auth.BodyChoices(ctx, s.DB.R())
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
		p.UnitName = auth.ChoiceNames(units)[u.UnitID]
		bn := auth.ChoiceNames(bodies)
		for _, id := range u.BodyIDs {
			p.BodyNames = append(p.BodyNames, bn[id])
		}
	}
	current := ""
	if sess := httpx.SessionFrom(ctx); sess != nil {
		current = sess.TokenHash
	} else {
		p.Bearer = true
	}
	if p.Sessions, err = s.Auth.ListSessions(ctx, u.ID, current); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if s.Notify != nil {
		prefs, err := s.Notify.LoadPrefs(ctx, u.ID)
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
		set, err := s.Notify.LoadSettings(ctx)
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
		p.Digest, p.MailOn = prefs.Digest, set.Configured()
	}
	s.render(w, r, http.StatusOK, "account/show", p)
}

// acctRoleName names a role for pages, including an account still
// waiting for one.
func acctRoleName(r core.Role) string {
	if r == "" {
		return "待授权"
	}
	return core.RoleNames[r]
}

func (s *Server) endOwnSession(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := core.ActorFrom(ctx)
	id := r.PathValue("id")
	if err := s.Auth.EndSession(ctx, a.UserID, id); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if sess := httpx.SessionFrom(ctx); sess != nil && sess.ID() == id {
		// Ending the session in use is logging out.
		s.Guard.ClearSession(w)
		http.Redirect(w, r, "/login?flash=loggedout", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?flash=ended#sessions", http.StatusSeeOther)
}
