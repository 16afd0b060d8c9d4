package web

import (
	"fmt"
	"net/http"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// passwordPage is the change-password form. When the guard sent the user
// here (expired, or set by an administrator) it says why.
type passwordPage struct {
	Base
	Next   string
	Reason string
	Rules  []string
}

func (s *Server) newPasswordPage(r *http.Request) (*passwordPage, error) {
	pol, err := auth.LoadPolicy(r.Context(), s.DB.R())
	if err != nil {
		return nil, err
	}
	p := &passwordPage{Base: s.base(r, "修改密码"), Next: safeNext(r.FormValue("next"))}
	if sess := httpx.SessionFrom(r.Context()); sess != nil && sess.PasswordChangeRequired {
		p.Nav = nil // nothing else is reachable until the password is changed
		if sess.PasswordExpired {
			p.Reason = fmt.Sprintf("您的密码已超过%d天未修改，按安全策略须设置新密码后才能继续使用。", pol.MaxAgeDays)
		} else {
			p.Reason = "您的密码是管理员设置的初始密码或重置密码，请先设置只有您自己知道的新密码。"
		}
	}
	p.Rules = []string{
		fmt.Sprintf("长度至少%d个字符（最多%d个，欢迎使用较长的词组）", pol.MinLength, auth.MaxPasswordRunes),
		fmt.Sprintf("包含大写字母、小写字母、数字、符号中的至少%d类", pol.MinClasses),
		"不能包含用户名、手机号码、姓名、单位名称，以及“科协”“科普”“liandong”等常见词",
		"不能是常见弱密码（如 123456、password、woaini 及其变形）",
	}
	if pol.HistoryCount > 0 {
		p.Rules = append(p.Rules, fmt.Sprintf("不能与最近%d次使用过的密码相同", pol.HistoryCount))
	}
	if pol.MaxAgeDays > 0 {
		p.Rules = append(p.Rules, fmt.Sprintf("密码有效期%d天，到期须更换", pol.MaxAgeDays))
	}
	return p, nil
}

func (s *Server) showPasswordPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.newPasswordPage(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.render(w, r, http.StatusOK, "account/password", p)
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	p, err := s.newPasswordPage(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	sess := httpx.SessionFrom(r.Context())
	if sess == nil {
		// An API token cannot stand in for the current password's session.
		s.Guard.Error(w, r, http.StatusForbidden, core.Forbidden())
		return
	}
	if err := s.Guard.AllowAttempt(w, r); err != nil {
		authFormErrors(&p.Base, err)
		s.render(w, r, http.StatusTooManyRequests, "account/password", p)
		return
	}
	err = s.Auth.ChangePassword(r.Context(), sess, auth.PasswordChange{Current: r.PostFormValue("current_password"),
		New: r.PostFormValue("password"), Confirm: r.PostFormValue("password2")})
	if core.ErrorCode(err) == core.ELOCKED {
		// The lock ended this session.
		s.Guard.ClearSession(w)
		p.CSRF = ""
	}
	if err != nil {
		authFormErrors(&p.Base, err)
		s.render(w, r, httpx.Status(err), "account/password", p)
		return
	}
	next := p.Next
	if next == "/" {
		next = "/account"
	}
	http.Redirect(w, r, authFlash(next, "password"), http.StatusSeeOther)
}
