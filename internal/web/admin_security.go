package web

import (
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// The security administrator's page (SECURITY.md A2–A8, B1): the security
// policy, locked accounts, and each account's role, sessions and second
// factor.

// policyForm is the policy as typed: numbers stay text so that a wrong
// entry is shown back as it was.
type policyForm struct {
	MinLength, MinClasses, MaxAgeDays, HistoryCount         string
	LockThreshold, LockWindowMinutes, LockMinutes           string
	IdleMinutes, AbsoluteHours, MaxSessions, AuditRetention string
	AdminMFA                                                bool
	BlockedWords                                            string
}

func policyFormOf(p auth.Policy) policyForm {
	i := strconv.Itoa
	return policyForm{MinLength: i(p.MinLength), MinClasses: i(p.MinClasses), MaxAgeDays: i(p.MaxAgeDays),
		HistoryCount: i(p.HistoryCount), LockThreshold: i(p.LockThreshold), LockWindowMinutes: i(p.LockWindowMinutes),
		LockMinutes: i(p.LockMinutes), IdleMinutes: i(p.IdleMinutes), AbsoluteHours: i(p.AbsoluteHours),
		MaxSessions: i(p.MaxSessions), AuditRetention: i(p.AuditRetentionDays), AdminMFA: p.AdminMFA,
		BlockedWords: strings.Join(p.BlockedWords, "，")}
}

// parsePolicyForm reads the form into a policy; a field that is not a whole
// number is a field error.
func parsePolicyForm(r *http.Request) (policyForm, auth.Policy, error) {
	v := r.PostFormValue
	f := policyForm{MinLength: v("min_length"), MinClasses: v("min_classes"), MaxAgeDays: v("max_age_days"),
		HistoryCount: v("history_count"), LockThreshold: v("lock_threshold"), LockWindowMinutes: v("lock_window_minutes"),
		LockMinutes: v("lock_minutes"), IdleMinutes: v("idle_minutes"), AbsoluteHours: v("absolute_hours"),
		MaxSessions: v("max_sessions"), AuditRetention: v("audit_retention_days"), AdminMFA: v("admin_mfa") == "on",
		BlockedWords: v("blocked_words")}
	var es core.Errors
	num := func(field, s string, dst *int) {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			es.Add(field, "请填写整数")
			return
		}
		*dst = n
	}
	var p auth.Policy
	num("min_length", f.MinLength, &p.MinLength)
	num("min_classes", f.MinClasses, &p.MinClasses)
	num("max_age_days", f.MaxAgeDays, &p.MaxAgeDays)
	num("history_count", f.HistoryCount, &p.HistoryCount)
	num("lock_threshold", f.LockThreshold, &p.LockThreshold)
	num("lock_window_minutes", f.LockWindowMinutes, &p.LockWindowMinutes)
	num("lock_minutes", f.LockMinutes, &p.LockMinutes)
	num("idle_minutes", f.IdleMinutes, &p.IdleMinutes)
	num("absolute_hours", f.AbsoluteHours, &p.AbsoluteHours)
	num("max_sessions", f.MaxSessions, &p.MaxSessions)
	num("audit_retention_days", f.AuditRetention, &p.AuditRetentionDays)
	p.AdminMFA = f.AdminMFA
	p.BlockedWords = strings.FieldsFunc(f.BlockedWords, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == '\n' || r == '\r' || r == ' ' || r == '\t'
	})
	return f, p, es.Err()
}

type securityPage struct {
	Base
	Policy     policyForm
	Locked     []adminUserRow
	Query      adminUserQuery
	Roles      []adminOption
	Statuses   []adminOption
	GrantRoles []adminOption
	Rows       []adminUserRow
	Pager      adminPager
	Back       string // this page with its filter, for the row forms to return to
}

// newSecurityPage builds the page with the account list filtered as the
// query string asks.
func (s *Server) newSecurityPage(r *http.Request) (*securityPage, int, error) {
	ctx := r.Context()
	pol, err := auth.LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return nil, 0, err
	}
	fq, filter, ferr := parseAdminUserQuery(r)
	p := &securityPage{Base: s.base(r, "安全管理"), Policy: policyFormOf(pol), Query: fq,
		Roles: adminRoleOptions(fq.Role), Statuses: adminStatusOptions(fq.Status), Back: fq.url("/admin/security", fq.Offset)}
	for _, role := range core.Roles {
		p.GrantRoles = append(p.GrantRoles, adminOption{Value: string(role), Label: core.RoleNames[role]})
	}
	status := http.StatusOK
	if ferr != nil {
		authFormErrors(&p.Base, ferr)
		status = http.StatusUnprocessableEntity
		filter = auth.UserFilter{Page: core.Page{Limit: 50}}
	}
	units, err := auth.UnitChoices(ctx, s.DB.R())
	if err != nil {
		return nil, 0, err
	}
	names := auth.ChoiceNames(units)
	now := s.Clock.Now()
	locked, err := auth.ListLocked(ctx, s.DB.R(), now)
	if err != nil {
		return nil, 0, err
	}
	p.Locked = adminRows(locked, names, now)
	us, total, err := auth.FindUsers(ctx, s.DB.R(), filter, now)
	if err != nil {
		return nil, 0, err
	}
	p.Rows = adminRows(us, names, now)
	p.Pager = newAdminPager(fq, "/admin/security", filter.Page, total)
	return p, status, nil
}

func (s *Server) showSecurityPage(w http.ResponseWriter, r *http.Request) {
	p, status, err := s.newSecurityPage(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.render(w, r, status, "admin/security", p)
}

// securityFailed shows the page again with err at the top (or beside the
// policy field it names).
func (s *Server) securityFailed(w http.ResponseWriter, r *http.Request, err error, prefix string, form *policyForm) {
	p, _, perr := s.newSecurityPage(r)
	if perr != nil {
		s.Guard.Error(w, r, 0, perr)
		return
	}
	if form != nil {
		p.Policy = *form
		authFormErrors(&p.Base, err)
	} else {
		p.Error = prefix + core.ErrorMessage(err)
	}
	s.render(w, r, httpx.Status(err), "admin/security", p)
}

func (s *Server) savePolicy(w http.ResponseWriter, r *http.Request) {
	form, pol, err := parsePolicyForm(r)
	if err == nil {
		err = s.Auth.SavePolicy(r.Context(), pol)
	}
	if err != nil {
		s.securityFailed(w, r, err, "", &form)
		return
	}
	http.Redirect(w, r, "/admin/security?flash=saved", http.StatusSeeOther)
}

// securityBack is where a row action returns to: the list as it was
// filtered, never another site or page.
func securityBack(r *http.Request, flash string) string {
	back := r.PostFormValue("back")
	if back != "/admin/security" && !strings.HasPrefix(back, "/admin/security?") {
		back = "/admin/security"
	}
	return authFlash(back, flash)
}

// securityAction runs one row action on the account in the path.
func (s *Server) securityAction(w http.ResponseWriter, r *http.Request, flash string, act func(u *auth.User) error) {
	u := s.adminUser(w, r)
	if u == nil {
		return
	}
	if err := act(u); err != nil {
		s.securityFailed(w, r, err, "账户 "+u.Username+"（"+u.DisplayName+"）：", nil)
		return
	}
	http.Redirect(w, r, securityBack(r, flash), http.StatusSeeOther)
}

func (s *Server) grantRole(w http.ResponseWriter, r *http.Request) {
	s.securityAction(w, r, "role", func(u *auth.User) error {
		return s.Auth.GrantRole(r.Context(), u.ID, core.Role(r.PostFormValue("role")))
	})
}

func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) {
	s.securityAction(w, r, "unlocked", func(u *auth.User) error { return s.Auth.Unlock(r.Context(), u.ID) })
}

func (s *Server) endUserSessions(w http.ResponseWriter, r *http.Request) {
	s.securityAction(w, r, "ended", func(u *auth.User) error {
		_, err := s.Auth.EndUserSessions(r.Context(), u.ID)
		return err
	})
}

func (s *Server) resetUserMFA(w http.ResponseWriter, r *http.Request) {
	s.securityAction(w, r, "mfareset", func(u *auth.User) error { return s.Auth.ResetTOTP(r.Context(), u.ID) })
}

// policyField is one number of the policy form.
type policyField struct {
	Name, Label, Value, Hint, Error string
}

// PolicyGroup returns the policy form's number fields of one fieldset, with
// what was typed and any error.
func (p *securityPage) PolicyGroup(group string) []policyField {
	f := p.Policy
	var fs []policyField
	add := func(name, label, value, hint string) {
		fs = append(fs, policyField{Name: name, Label: label, Value: value, Hint: hint, Error: p.Errors[name]})
	}
	switch group {
	case "password":
		add("min_length", "最小长度（字符）", f.MinLength, "8–64")
		add("min_classes", "至少包含的字符类别数", f.MinClasses, "1–4：大写、小写、数字、符号")
		add("max_age_days", "有效期（天）", f.MaxAgeDays, "0 表示不过期")
		add("history_count", "不可重复使用的历史密码个数", f.HistoryCount, "0–24")
	case "lock":
		add("lock_threshold", "连续失败次数", f.LockThreshold, "达到后锁定账户")
		add("lock_window_minutes", "统计时段（分钟）", f.LockWindowMinutes, "失败次数在此时段内累计")
		add("lock_minutes", "锁定时长（分钟）", f.LockMinutes, "到期自动解锁")
	case "session":
		add("idle_minutes", "空闲超时（分钟）", f.IdleMinutes, "无操作超过此时间自动退出")
		add("absolute_hours", "最长会话（小时）", f.AbsoluteHours, "登录后超过此时间须重新登录")
		add("max_sessions", "每个账户的并发会话数", f.MaxSessions, "0 表示不限；超出时结束最早的会话")
	case "audit":
		add("audit_retention_days", "审计日志保留天数", f.AuditRetention, "不少于180天")
	}
	return fs
}
