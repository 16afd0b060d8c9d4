package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// The system administrator's account pages (SECURITY.md B1): list, create,
// edit the profile, disable and enable, reset the password. Roles are
// granted on the security administrator's page, not here.

// adminOption is one <option> of a select.
type adminOption struct {
	Value, Label string
	Selected     bool
}

// adminRoleOptions lists the role filter: any, waiting for a role, each role.
func adminRoleOptions(selected string) []adminOption {
	opts := []adminOption{{Value: "", Label: "全部角色"}, {Value: string(auth.RolePending), Label: "待授权"}}
	for _, r := range core.Roles {
		opts = append(opts, adminOption{Value: string(r), Label: core.RoleNames[r]})
	}
	for i := range opts {
		opts[i].Selected = opts[i].Value == selected
	}
	return opts
}

func adminStatusOptions(selected string) []adminOption {
	opts := []adminOption{{"", "全部状态", false}, {"active", "启用", false}, {"disabled", "已停用", false}, {"locked", "已锁定", false}}
	for i := range opts {
		opts[i].Selected = opts[i].Value == selected
	}
	return opts
}

// adminUserRow is one account in a list.
type adminUserRow struct {
	ID          int64
	Username    string
	DisplayName string
	Role        core.Role
	RoleName    string
	UnitName    string
	State       string
	StateClass  string
	LastLogin   time.Time
	MFA         bool
	Locked      bool
}

func adminRows(us []*auth.User, units map[int64]string, now time.Time) []adminUserRow {
	rows := make([]adminUserRow, 0, len(us))
	for _, u := range us {
		row := adminUserRow{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role,
			RoleName: acctRoleName(u.Role), UnitName: units[u.UnitID], LastLogin: u.LastLoginAt, MFA: u.HasTOTP(),
			State: "启用", StateClass: "ok"}
		switch {
		case u.Disabled:
			row.State, row.StateClass = "已停用", "bad"
		case now.Before(u.LockedUntil):
			row.State, row.StateClass, row.Locked = "已锁定（至 "+u.LockedUntil.In(cst).Format("15:04")+"）", "warn", true
		case u.Role == "":
			row.State, row.StateClass = "待授权", "warn"
		}
		rows = append(rows, row)
	}
	return rows
}

// adminUserQuery is a user filter as typed, with its pagination.
type adminUserQuery struct {
	Q, Role, Status string
	Offset          int
}

func parseAdminUserQuery(r *http.Request) (adminUserQuery, auth.UserFilter, error) {
	q := r.URL.Query()
	f := adminUserQuery{Q: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), Status: q.Get("status")}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	var es core.Errors
	if utf8.RuneCountInString(f.Q) > 100 {
		es.Add("q", "查询内容不能超过100个字符")
	}
	if f.Role != "" && f.Role != string(auth.RolePending) && !core.Role(f.Role).Valid() {
		es.Add("role", "请选择有效的角色")
	}
	switch f.Status {
	case "", "active", "disabled", "locked":
	default:
		es.Add("status", "请选择有效的状态")
	}
	filter := auth.UserFilter{Query: f.Q, Role: core.Role(f.Role), Status: f.Status,
		Page: core.Page{Offset: f.Offset, Limit: 50}.Normalize()}
	return f, filter, es.Err()
}

// url renders the query with another offset, for the pager.
func (f adminUserQuery) url(path string, offset int) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "role": f.Role, "status": f.Status} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// adminPager is the "第 N / M 页" line and its links.
type adminPager struct {
	Total, PageNo, Pages int
	PrevURL, NextURL     string
}

func newAdminPager(f adminUserQuery, path string, p core.Page, total int) adminPager {
	pg := adminPager{Total: total, PageNo: p.Offset/p.Limit + 1, Pages: (total + p.Limit - 1) / p.Limit}
	if p.Offset > 0 {
		pg.PrevURL = f.url(path, max(0, p.Offset-p.Limit))
	}
	if p.Offset+p.Limit < total {
		pg.NextURL = f.url(path, p.Offset+p.Limit)
	}
	return pg
}

type userListPage struct {
	Base
	Query    adminUserQuery
	Roles    []adminOption
	Statuses []adminOption
	Rows     []adminUserRow
	Pager    adminPager
}

func (s *Server) showUserList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fq, filter, ferr := parseAdminUserQuery(r)
	p := &userListPage{Base: s.base(r, "用户管理"), Query: fq, Roles: adminRoleOptions(fq.Role),
		Statuses: adminStatusOptions(fq.Status)}
	status := http.StatusOK
	if ferr != nil {
		authFormErrors(&p.Base, ferr)
		status = http.StatusUnprocessableEntity
		filter = auth.UserFilter{Page: core.Page{Limit: 50}}
	}
	us, total, err := auth.FindUsers(ctx, s.DB.R(), filter, s.Clock.Now())
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	units, err := auth.UnitChoices(ctx, s.DB.R())
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Rows = adminRows(us, auth.ChoiceNames(units), s.Clock.Now())
	p.Pager = newAdminPager(fq, "/admin/users", filter.Page, total)
	s.render(w, r, status, "admin/users", p)
}

// userForm is the account form as typed.
type userForm struct {
	Username    string
	DisplayName string
	UnitID      int64
	BodyIDs     map[int64]bool
	Phone       string
	Email       string
}

func (f userForm) bodyList() []int64 {
	var ids []int64
	for id, on := range f.BodyIDs {
		if on {
			ids = append(ids, id)
		}
	}
	return ids
}

// parseUserForm reads the profile fields; unit and bodies must be numbers.
func parseUserForm(r *http.Request) (userForm, error) {
	f := userForm{Username: strings.TrimSpace(r.PostFormValue("username")), DisplayName: r.PostFormValue("display_name"),
		Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"), BodyIDs: map[int64]bool{}}
	var es core.Errors
	if s := strings.TrimSpace(r.PostFormValue("unit_id")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			es.Add("unit_id", "请选择有效的单位")
		}
		f.UnitID = id
	}
	for _, s := range r.PostForm["body_ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			es.Add("body_ids", "请选择有效的领导小组或联席会议")
			continue
		}
		f.BodyIDs[id] = true
	}
	return f, es.Err()
}

type userFormPage struct {
	Base
	New      bool
	User     *auth.User // nil when creating
	Row      adminUserRow
	Form     userForm
	Units    []auth.Choice
	Bodies   []auth.Choice
	Disabled bool
}

func (s *Server) newUserFormPage(r *http.Request, u *auth.User) (*userFormPage, error) {
	title := "新建账户"
	if u != nil {
		title = "编辑账户：" + u.DisplayName
	}
	p := &userFormPage{Base: s.base(r, title), New: u == nil, User: u, Form: userForm{BodyIDs: map[int64]bool{}}}
	var err error
	if p.Units, err = auth.UnitChoices(r.Context(), s.DB.R()); err != nil {
		return nil, err
	}
	if p.Bodies, err = auth.BodyChoices(r.Context(), s.DB.R()); err != nil {
		return nil, err
	}
	if u != nil {
		p.Row = adminRows([]*auth.User{u}, auth.ChoiceNames(p.Units), s.Clock.Now())[0]
		p.Disabled = u.Disabled
		p.Form = userForm{Username: u.Username, DisplayName: u.DisplayName, UnitID: u.UnitID, Phone: u.Phone,
			Email: u.Email, BodyIDs: map[int64]bool{}}
		for _, b := range u.BodyIDs {
			p.Form.BodyIDs[b] = true
		}
	}
	return p, nil
}

func (s *Server) showNewUserPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.newUserFormPage(r, nil)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin/user_form", p)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	p, err := s.newUserFormPage(r, nil)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	form, err := parseUserForm(r)
	p.Form = form
	n := auth.NewUser{Username: form.Username, DisplayName: form.DisplayName, UnitID: form.UnitID,
		BodyIDs: form.bodyList(), Phone: form.Phone, Email: form.Email, Password: r.PostFormValue("password")}
	// Every problem of the form at once: the fields, the password, the repeat.
	var es core.Errors
	es = adminFieldErrors(es, err)
	es = adminFieldErrors(es, s.Auth.CheckNewUser(r.Context(), &n))
	if r.PostFormValue("password") != r.PostFormValue("password2") {
		es.Add("password2", "两次输入的密码不一致")
	}
	var u *auth.User
	if err = es.Err(); err == nil {
		u, err = s.Auth.CreateAccount(r.Context(), n)
	}
	if err != nil {
		authFormErrors(&p.Base, err)
		s.render(w, r, httpx.Status(err), "admin/user_form", p)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?flash=created", u.ID), http.StatusSeeOther)
}

// adminUser loads the account named in the path; a bad id is 404.
func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) *auth.User {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.Guard.Error(w, r, http.StatusNotFound, core.NotFound("账户"))
		return nil
	}
	u, err := auth.FindUserByID(r.Context(), s.DB.R(), id)
	if core.ErrorCode(err) == core.ENOTFOUND {
		err = core.NotFound("账户")
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil
	}
	return u
}

func (s *Server) showUserEditPage(w http.ResponseWriter, r *http.Request) {
	u := s.adminUser(w, r)
	if u == nil {
		return
	}
	p, err := s.newUserFormPage(r, u)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin/user_form", p)
}

// renderUserEdit shows the edit page again with err, keeping form when given.
func (s *Server) renderUserEdit(w http.ResponseWriter, r *http.Request, u *auth.User, form *userForm, err error) {
	p, perr := s.newUserFormPage(r, u)
	if perr != nil {
		s.Guard.Error(w, r, 0, perr)
		return
	}
	if form != nil {
		form.Username = u.Username
		p.Form = *form
	}
	authFormErrors(&p.Base, err)
	s.render(w, r, httpx.Status(err), "admin/user_form", p)
}

func (s *Server) saveUser(w http.ResponseWriter, r *http.Request) {
	u := s.adminUser(w, r)
	if u == nil {
		return
	}
	form, err := parseUserForm(r)
	if err == nil {
		bodies := form.bodyList()
		_, err = s.Auth.UpdateUser(r.Context(), u.ID, auth.UserUpdate{DisplayName: &form.DisplayName, UnitID: &form.UnitID,
			BodyIDs: &bodies, Phone: &form.Phone, Email: &form.Email})
	}
	if err != nil {
		s.renderUserEdit(w, r, u, &form, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?flash=saved", u.ID), http.StatusSeeOther)
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) { s.setUserDisabled(w, r, true) }
func (s *Server) enableUser(w http.ResponseWriter, r *http.Request)  { s.setUserDisabled(w, r, false) }

func (s *Server) setUserDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	u := s.adminUser(w, r)
	if u == nil {
		return
	}
	if err := s.Auth.SetDisabled(r.Context(), u.ID, disabled); err != nil {
		s.renderUserEdit(w, r, u, nil, err)
		return
	}
	flash := "enabled"
	if disabled {
		flash = "disabled"
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?flash=%s", u.ID, flash), http.StatusSeeOther)
}

func (s *Server) resetUserPassword(w http.ResponseWriter, r *http.Request) {
	u := s.adminUser(w, r)
	if u == nil {
		return
	}
	var err error
	if r.PostFormValue("password") != r.PostFormValue("password2") {
		err = core.Invalid("password2", "两次输入的密码不一致")
	} else {
		err = s.Auth.ResetPassword(r.Context(), u.ID, r.PostFormValue("password"))
	}
	if err != nil {
		s.renderUserEdit(w, r, u, nil, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/users/%d?flash=reset", u.ID), http.StatusSeeOther)
}

// adminFieldErrors appends the field errors of err to es; an error that is
// not about fields replaces them (it is shown at the top instead).
func adminFieldErrors(es core.Errors, err error) core.Errors {
	if err == nil {
		return es
	}
	var list core.Errors
	if errors.As(err, &list) {
		return append(es, list...)
	}
	if f := core.ErrorField(err); f != "" && core.ErrorCode(err) == core.EINVALID {
		return append(es, core.Invalid(f, core.ErrorMessage(err)))
	}
	return es
}
