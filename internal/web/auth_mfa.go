package web

import (
	"net/http"
	"net/url"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// The second factor for the three administrators (SECURITY.md A7): after
// the password, /mfa asks for the code of the authenticator app; an
// account without one is sent to /mfa/setup first.

type mfaPage struct {
	Base
	Next string
}

type mfaSetupPage struct {
	Base
	Next      string
	Secret    string // grouped for typing
	URI       string // otpauth:// for apps that take a link
	Issuer    string
	Account   string
	StepSecs  int
	CodeDigit int
}

// mfaSession returns the session when it still owes the second factor;
// otherwise it redirects onward and returns nil.
func (s *Server) mfaSession(w http.ResponseWriter, r *http.Request) *auth.Session {
	sess := httpx.SessionFrom(r.Context())
	if sess == nil || !sess.MFAPending {
		http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
		return nil
	}
	return sess
}

func (s *Server) showMFAPage(w http.ResponseWriter, r *http.Request) {
	if s.mfaSession(w, r) == nil {
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if u := httpx.UserFrom(r.Context()); u != nil && !u.HasTOTP() {
		http.Redirect(w, r, "/mfa/setup?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "auth/mfa", &mfaPage{Base: s.mfaBase(r, "双因素认证"), Next: next})
}

// mfaBase is the page base without navigation: nothing else is reachable yet.
func (s *Server) mfaBase(r *http.Request, title string) Base {
	b := s.base(r, title)
	b.Nav = nil
	return b
}

func (s *Server) verifyMFA(w http.ResponseWriter, r *http.Request) {
	sess := s.mfaSession(w, r)
	if sess == nil {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	p := &mfaPage{Base: s.mfaBase(r, "双因素认证"), Next: next}
	if err := s.Guard.AllowAttempt(w, r); err != nil {
		authFormErrors(&p.Base, err)
		s.render(w, r, http.StatusTooManyRequests, "auth/mfa", p)
		return
	}
	token, err := s.Auth.VerifyMFA(r.Context(), sess, r.PostFormValue("code"))
	if err != nil {
		s.mfaFailed(w, r, err, "auth/mfa", p, &p.Base)
		return
	}
	s.Guard.SetSession(w, token)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// mfaFailed shows a refused code. When the account got locked the
// half-open session is gone: the cookie is cleared and the page says so.
func (s *Server) mfaFailed(w http.ResponseWriter, r *http.Request, err error, page string, data any, b *Base) {
	if code := core.ErrorCode(err); code == core.ELOCKED || code == core.EUNAUTHORIZED {
		s.Guard.ClearSession(w)
		b.CSRF = ""
	}
	authFormErrors(b, err)
	s.render(w, r, httpx.Status(err), page, data)
}

func (s *Server) newMFASetupPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) (*mfaSetupPage, error) {
	secret, err := s.Auth.PendingTOTPSecret(r.Context(), sess)
	if err != nil {
		return nil, err
	}
	a := core.ActorFrom(r.Context())
	return &mfaSetupPage{Base: s.mfaBase(r, "设置双因素认证"), Next: safeNext(r.FormValue("next")),
		Secret: auth.FormatSecret(secret), URI: auth.TOTPURI(auth.MFAIssuer, a.Username, secret),
		Issuer: auth.MFAIssuer, Account: a.Username, StepSecs: 30, CodeDigit: auth.TOTPDigits}, nil
}

func (s *Server) showMFASetupPage(w http.ResponseWriter, r *http.Request) {
	sess := s.mfaSession(w, r)
	if sess == nil {
		return
	}
	p, err := s.newMFASetupPage(w, r, sess)
	if core.ErrorCode(err) == core.ECONFLICT {
		http.Redirect(w, r, "/mfa?next="+url.QueryEscape(safeNext(r.URL.Query().Get("next"))), http.StatusSeeOther)
		return
	} else if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.render(w, r, http.StatusOK, "auth/mfa_setup", p)
}

func (s *Server) confirmMFASetup(w http.ResponseWriter, r *http.Request) {
	sess := s.mfaSession(w, r)
	if sess == nil {
		return
	}
	p, err := s.newMFASetupPage(w, r, sess)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if err := s.Guard.AllowAttempt(w, r); err != nil {
		authFormErrors(&p.Base, err)
		s.render(w, r, http.StatusTooManyRequests, "auth/mfa_setup", p)
		return
	}
	token, err := s.Auth.ConfirmTOTP(r.Context(), sess, r.PostFormValue("code"))
	if err != nil {
		s.mfaFailed(w, r, err, "auth/mfa_setup", p, &p.Base)
		return
	}
	s.Guard.SetSession(w, token)
	http.Redirect(w, r, authFlash(p.Next, "mfa"), http.StatusSeeOther)
}
