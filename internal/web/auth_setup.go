package web

import (
	"net/http"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// setupPage is the first-run page (SECURITY.md A1): it exists only while
// the database has no account, and creates the three administrators.
type setupPage struct {
	Base
	Token    string
	Accounts []setupAccount
}

// setupAccount is one of the three accounts on the setup form, with what
// was typed (never the password).
type setupAccount struct {
	Prefix      string // form field prefix: sys_, sec_, aud_
	RoleName    string
	Note        string
	Username    string
	DisplayName string
	Phone       string
}

func (s *Server) newSetupPage(w http.ResponseWriter, r *http.Request) *setupPage {
	p := &setupPage{Base: s.base(r, "系统初始化"), Token: r.FormValue("token")}
	p.CSRF = s.preLoginCSRF(w, r)
	p.Nav = nil
	for _, a := range []struct{ prefix, role, note string }{
		{"sys_", core.RoleNames[core.RoleSystemAdmin], "管理账户、系统配置与备份。初始化完成后用此账户登录。"},
		{"sec_", core.RoleNames[core.RoleSecurityAdmin], "授予角色、设置安全策略、解锁账户。首次登录时须修改此处设置的密码。"},
		{"aud_", core.RoleNames[core.RoleAuditAdmin], "查询和导出审计日志。首次登录时须修改此处设置的密码。"},
	} {
		p.Accounts = append(p.Accounts, setupAccount{Prefix: a.prefix, RoleName: a.role, Note: a.note,
			Username: r.PostFormValue(a.prefix + "username"), DisplayName: r.PostFormValue(a.prefix + "display_name"),
			Phone: r.PostFormValue(a.prefix + "phone")})
	}
	return p
}

// setupAvailable answers 404 once any account exists.
func (s *Server) setupAvailable(w http.ResponseWriter, r *http.Request) bool {
	need, err := auth.NeedsSetup(r.Context(), s.DB.R())
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return false
	}
	if !need {
		s.Guard.Error(w, r, http.StatusNotFound, core.Errorf(core.ENOTFOUND, "页面不存在"))
		return false
	}
	return true
}

func (s *Server) showSetupPage(w http.ResponseWriter, r *http.Request) {
	if !s.setupAvailable(w, r) {
		return
	}
	s.render(w, r, http.StatusOK, "auth/setup", s.newSetupPage(w, r))
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if !s.setupAvailable(w, r) {
		return
	}
	p := s.newSetupPage(w, r)
	if err := s.Guard.AllowAttempt(w, r); err != nil {
		authFormErrors(&p.Base, err)
		s.render(w, r, http.StatusTooManyRequests, "auth/setup", p)
		return
	}
	account := func(prefix string) auth.NewUser {
		return auth.NewUser{Username: r.PostFormValue(prefix + "username"), DisplayName: r.PostFormValue(prefix + "display_name"),
			Phone: r.PostFormValue(prefix + "phone"), Password: r.PostFormValue(prefix + "password")}
	}
	acc := auth.SetupAccounts{System: account("sys_"), Security: account("sec_"), Audit: account("aud_")}
	// Every problem of the form at once, then the token and the write.
	var es core.Errors
	es = adminFieldErrors(es, s.Auth.CheckSetup(r.Context(), &acc))
	for _, prefix := range []string{"sys_", "sec_", "aud_"} {
		if r.PostFormValue(prefix+"password") != r.PostFormValue(prefix+"password2") {
			es.Add(prefix+"password2", "两次输入的密码不一致")
		}
	}
	err := es.Err()
	if err == nil {
		err = s.Auth.Setup(r.Context(), r.PostFormValue("token"), acc)
	}
	if err != nil {
		authFormErrors(&p.Base, err)
		s.render(w, r, httpx.Status(err), "auth/setup", p)
		return
	}
	http.Redirect(w, r, "/login?flash=setup", http.StatusSeeOther)
}
