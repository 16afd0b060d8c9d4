package api

import (
	"net/http"
	"strconv"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// userRoutes: accounts for the system administrator, and every user's own
// sessions. Roles are not set here: the security administrator grants them
// (三员分立, SECURITY.md B1), so the request types carry no role field and
// a client sending one is refused (unknown fields, B4).
func (s *Server) userRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /api/v1/users", Perm: auth.PermUserManage, Handler: s.listUsers},
		{Pattern: "POST /api/v1/users", Perm: auth.PermUserManage, Handler: s.createUser},
		{Pattern: "GET /api/v1/users/{id}", Perm: auth.PermUserManage, Handler: s.getUser},
		{Pattern: "PATCH /api/v1/users/{id}", Perm: auth.PermUserManage, Handler: s.updateUser},
		{Pattern: "POST /api/v1/users/{id}/disable", Perm: auth.PermUserManage, Handler: s.disableUser},
		{Pattern: "POST /api/v1/users/{id}/enable", Perm: auth.PermUserManage, Handler: s.enableUser},
		{Pattern: "GET /api/v1/me/sessions", Perm: auth.PermLogin, Handler: s.listMySessions},
		{Pattern: "DELETE /api/v1/me/sessions/{id}", Perm: auth.PermLogin, Handler: s.endMySession},
	}
}

// User is an account as the API shows it: never its password hash or
// second-factor secret.
type User struct {
	ID                 int64      `json:"id"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	Role               core.Role  `json:"role"` // "" until the security administrator grants one
	UnitID             int64      `json:"unit_id,omitempty"`
	BodyIDs            []int64    `json:"body_ids"`
	Phone              string     `json:"phone"`
	Email              string     `json:"email"`
	Disabled           bool       `json:"disabled"`
	LockedUntil        *time.Time `json:"locked_until,omitempty"`
	MustChangePassword bool       `json:"must_change_password"`
	MFA                bool       `json:"mfa"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
}

func userJSON(u *auth.User, now time.Time) User {
	out := User{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, UnitID: u.UnitID,
		BodyIDs: u.BodyIDs, Phone: u.Phone, Email: u.Email, Disabled: u.Disabled,
		MustChangePassword: u.MustChangePassword, MFA: u.HasTOTP()}
	if out.BodyIDs == nil {
		out.BodyIDs = []int64{}
	}
	if now.Before(u.LockedUntil) {
		t := u.LockedUntil
		out.LockedUntil = &t
	}
	if !u.LastLoginAt.IsZero() {
		t := u.LastLoginAt
		out.LastLoginAt = &t
	}
	return out
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := auth.UserFilter{Query: q.Get("q"), Role: core.Role(q.Get("role")), Status: q.Get("status"), Page: page(r)}
	var es core.Errors
	if f.Role != "" && f.Role != auth.RolePending && !f.Role.Valid() {
		es.Add("role", "角色无效：可用 pending 或 "+rolesText())
	}
	switch f.Status {
	case "", "active", "disabled", "locked":
	default:
		es.Add("status", "状态无效：可用 active、disabled、locked")
	}
	if err := es.Err(); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	now := s.Clock.Now()
	us, total, err := auth.FindUsers(r.Context(), s.DB.R(), f, now)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	out := List[User]{Items: make([]User, 0, len(us)), Total: total, Offset: f.Page.Offset, Limit: f.Page.Limit}
	for _, u := range us {
		out.Items = append(out.Items, userJSON(u, now))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func rolesText() string {
	s := ""
	for i, r := range core.Roles {
		if i > 0 {
			s += "、"
		}
		s += string(r)
	}
	return s
}

// CreateUserRequest is the body of POST /users. The account gets no role
// and must change the password at first login.
type CreateUserRequest struct {
	Username    string  `json:"username"`
	DisplayName string  `json:"display_name"`
	UnitID      int64   `json:"unit_id"`
	BodyIDs     []int64 `json:"body_ids"`
	Phone       string  `json:"phone"`
	Email       string  `json:"email"`
	Password    string  `json:"password"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var req CreateUserRequest
	if err := decode(r, &req); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	u, err := s.Auth.CreateAccount(r.Context(), auth.NewUser{Username: req.Username, DisplayName: req.DisplayName,
		UnitID: req.UnitID, BodyIDs: req.BodyIDs, Phone: req.Phone, Email: req.Email, Password: req.Password})
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	httpx.WriteJSON(w, http.StatusCreated, userJSON(u, s.Clock.Now()))
}

// apiUser loads the account in the path.
func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) *auth.User {
	id, err := pathID(r, "id")
	if err == nil {
		var u *auth.User
		if u, err = auth.FindUserByID(r.Context(), s.DB.R(), id); err == nil {
			return u
		}
		if core.ErrorCode(err) == core.ENOTFOUND {
			err = core.NotFound("账户")
		}
	}
	s.Guard.Error(w, r, 0, err)
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	if u := s.apiUser(w, r); u != nil {
		httpx.WriteJSON(w, http.StatusOK, userJSON(u, s.Clock.Now()))
	}
}

// UpdateUserRequest is the body of PATCH /users/{id}: absent fields stay.
type UpdateUserRequest struct {
	DisplayName *string  `json:"display_name"`
	UnitID      *int64   `json:"unit_id"`
	BodyIDs     *[]int64 `json:"body_ids"`
	Phone       *string  `json:"phone"`
	Email       *string  `json:"email"`
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	u := s.apiUser(w, r)
	if u == nil {
		return
	}
	var req UpdateUserRequest
	if err := decode(r, &req); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	out, err := s.Auth.UpdateUser(r.Context(), u.ID, auth.UserUpdate{DisplayName: req.DisplayName, UnitID: req.UnitID,
		BodyIDs: req.BodyIDs, Phone: req.Phone, Email: req.Email})
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, userJSON(out, s.Clock.Now()))
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) { s.setDisabled(w, r, true) }
func (s *Server) enableUser(w http.ResponseWriter, r *http.Request)  { s.setDisabled(w, r, false) }

// setDisabled disables (ending the account's sessions) or enables an account.
func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	u := s.apiUser(w, r)
	if u == nil {
		return
	}
	if err := s.Auth.SetDisabled(r.Context(), u.ID, disabled); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.getUser(w, r)
}

// Session is one of the caller's sessions. ID is public (the start of the
// token's hash), never the token.
type Session struct {
	ID         string    `json:"id"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Current    bool      `json:"current"`
}

func (s *Server) listMySessions(w http.ResponseWriter, r *http.Request) {
	current := ""
	if sess := httpx.SessionFrom(r.Context()); sess != nil {
		current = sess.TokenHash
	}
	ss, err := s.Auth.ListSessions(r.Context(), core.ActorFrom(r.Context()).UserID, current)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	out := List[Session]{Items: make([]Session, 0, len(ss)), Total: len(ss), Limit: len(ss)}
	for _, x := range ss {
		out.Items = append(out.Items, Session{ID: x.ID, IP: x.IP, UserAgent: x.UserAgent, CreatedAt: x.CreatedAt,
			LastSeenAt: x.LastSeenAt, Current: x.Current})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) endMySession(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.EndSession(r.Context(), core.ActorFrom(r.Context()).UserID, r.PathValue("id")); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
