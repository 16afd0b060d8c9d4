package auth

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// NewUser is what creating an account takes.
type NewUser struct {
	Username    string
	DisplayName string
	// Role is empty for an account the system administrator creates: it
	// waits for the security administrator to grant a role (三员分立,
	// SECURITY.md B1).
	Role     core.Role
	UnitID   int64
	BodyIDs  []int64
	Phone    string
	Email    string
	Password string
	// MustChange makes the user set their own password at first login
	// (an administrator set this one).
	MustChange bool
	Demo       bool
}

// Validate checks the fields of a new account.
func (n *NewUser) Validate() error {
	var es core.Errors
	n.Username = strings.TrimSpace(n.Username)
	if n.Username == "" {
		es.Add("username", "请填写用户名")
	} else if !validUsername(n.Username) {
		es.Add("username", "用户名只能使用小写字母、数字和 - _ .，不超过64个字符")
	}
	if n.Role != "" && !n.Role.Valid() {
		es.Add("role", "请选择有效的角色")
	}
	validateProfile(&es, n.Role, &n.DisplayName, n.UnitID, n.BodyIDs, &n.Phone, &n.Email)
	return es.Err()
}

// validateProfile checks the fields an account's profile shares between
// creation and editing, trimming the text ones.
func validateProfile(es *core.Errors, role core.Role, name *string, unitID int64, bodyIDs []int64, phone, email *string) {
	*name, *phone, *email = strings.TrimSpace(*name), strings.TrimSpace(*phone), strings.TrimSpace(*email)
	if *name == "" {
		es.Add("display_name", "请填写姓名")
	} else if utf8.RuneCountInString(*name) > 50 {
		es.Add("display_name", "姓名不能超过50个字符")
	} else if !cleanText(*name) {
		// A NUL or broken UTF-8 would fail in PostgreSQL as a 500; a line
		// break would split the name in logs and exports.
		es.Add("display_name", "姓名含有不允许的字符")
	}
	if *phone != "" && !validPhone(*phone) {
		es.Add("phone", "电话号码只能包含数字、空格和 + - ( )，7到20位")
	}
	if *email != "" && !validEmail(*email) {
		es.Add("email", "电子邮箱格式不正确")
	}
	if role.Valid() && !role.IsAdmin() && len(bodyIDs) == 0 {
		es.Add("body_ids", "业务账户须至少属于一个领导小组或联席会议")
	}
	if role == core.RoleLiaison && unitID == 0 {
		es.Add("unit_id", "联络员账户须指定所在单位")
	}
}

// cleanText refuses broken UTF-8 and control characters in one-line text.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-()", r):
		default:
			return false
		}
	}
	return digits >= 7 && len(s) <= 20
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return len(s) <= 100 && cleanText(s) && at > 0 && at == strings.LastIndexByte(s, '@') && at < len(s)-3 &&
		strings.Contains(s[at:], ".") && !strings.ContainsAny(s, " \t<>\"'")
}

// CreateUser creates an account after checking its fields and the password
// policy. Only the argon2id hash of the password is stored. It checks no
// permission: the command line, the demo loader and first-run setup call
// it; requests go through CreateAccount.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	if err := s.CheckNewUser(ctx, &n); err != nil {
		return nil, err
	}
	hash, err := HashPassword(n.Password, s.Argon)
	if err != nil {
		return nil, err
	}
	u := &User{Username: n.Username, DisplayName: n.DisplayName, Role: n.Role, UnitID: n.UnitID, BodyIDs: n.BodyIDs,
		Phone: n.Phone, Email: n.Email, PasswordHash: hash, MustChangePassword: n.MustChange, Demo: n.Demo}
	now := s.Clock.Now()
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := checkRefs(ctx, tx, n.UnitID, n.BodyIDs); err != nil {
			return err
		}
		if err := insertUser(ctx, tx, u, now); err != nil {
			if core.ErrorCode(err) == core.ECONFLICT {
				return core.Invalid("username", "用户名“"+n.Username+"”已被使用")
			}
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.create", ObjectType: "user",
			ObjectID: u.ID, After: profileOf(u)})
	})
	if err != nil {
		return nil, err
	}
	u.PasswordChangedAt = unix(now.Unix())
	return u, nil
}

// CheckNewUser validates a new account completely, its fields and its
// password against the policy, and returns every problem at once (so a
// form can show them all). It trims n's text fields.
func (s *Service) CheckNewUser(ctx context.Context, n *NewUser) error {
	var es core.Errors
	es = appendFieldErrors(es, n.Validate())
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return err
	}
	words, err := passwordContext(ctx, s.DB.R(), n.DisplayName, n.UnitID)
	if err != nil {
		return err
	}
	es = appendFieldErrors(es, ValidatePassword(pol, n.Password, n.Username, n.Phone, words...))
	return es.Err()
}

// CreateAccount is the system administrator creating an account (B1): the
// account gets the profile and a first password, which its holder must
// change at first login, but no role: a role is granted by the security
// administrator (GrantRole).
func (s *Service) CreateAccount(ctx context.Context, n NewUser) (*User, error) {
	if err := requirePerm(ctx, PermUserManage); err != nil {
		return nil, err
	}
	n.Role, n.MustChange, n.Demo = "", true, false
	return s.CreateUser(ctx, n)
}

// profileOf is what the audit log records of an account: never its
// password hash or TOTP secret.
func profileOf(u *User) map[string]any {
	return map[string]any{"username": u.Username, "display_name": u.DisplayName, "role": u.Role,
		"unit_id": u.UnitID, "body_ids": u.BodyIDs, "phone": u.Phone, "email": u.Email, "disabled": u.Disabled}
}

// checkRefs turns a unit or body that does not exist into a field error
// rather than a foreign-key failure.
func checkRefs(ctx context.Context, q db.Querier, unitID int64, bodyIDs []int64) error {
	var es core.Errors
	var one int
	if unitID != 0 {
		if err := q.QueryRowContext(ctx, `SELECT 1 FROM units WHERE id = $1`, unitID).Scan(&one); err == sql.ErrNoRows {
			es.Add("unit_id", "所选单位不存在")
		} else if err != nil {
			return err
		}
	}
	for _, b := range bodyIDs {
		if err := q.QueryRowContext(ctx, `SELECT 1 FROM bodies WHERE id = $1`, b).Scan(&one); err == sql.ErrNoRows {
			es.Add("body_ids", "所选领导小组或联席会议不存在")
			break
		} else if err != nil {
			return err
		}
	}
	return es.Err()
}

// ListUsers returns every account, ordered by username (for the command
// line; pages use FindUsers).
func ListUsers(ctx context.Context, q db.Querier) ([]*User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	defer rows.Close()
	var us []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// UserFilter selects accounts for the administrators' lists.
type UserFilter struct {
	Query  string    // part of the username or the real name
	Role   core.Role // "" any; RolePending for accounts without a role
	Status string    // "" any, "active", "disabled", "locked"
	Page   core.Page
}

// RolePending selects, in a UserFilter, the accounts still waiting for a role.
const RolePending core.Role = "pending"

// FindUsers returns one page of the accounts matching f, ordered by
// username, and how many match in all. now decides who is locked.
func FindUsers(ctx context.Context, q db.Querier, f UserFilter, now time.Time) ([]*User, int, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if s := strings.TrimSpace(f.Query); s != "" {
		p := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s)) + "%"
		n := arg(p)
		where = append(where, `(LOWER(username) LIKE `+n+` ESCAPE '\' OR display_name LIKE `+n+` ESCAPE '\')`)
	}
	switch {
	case f.Role == RolePending:
		where = append(where, `role = ''`)
	case f.Role != "":
		where = append(where, `role = `+arg(string(f.Role)))
	}
	switch f.Status {
	case "active":
		where = append(where, `NOT disabled`)
	case "disabled":
		where = append(where, `disabled`)
	case "locked":
		where = append(where, `locked_until > `+arg(now.Unix()))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("auth: count users: %w", err)
	}
	p := f.Page.Normalize()
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users`+cond+` ORDER BY username LIMIT `+
		arg(p.Limit)+` OFFSET `+arg(p.Offset), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("auth: find users: %w", err)
	}
	defer rows.Close()
	var us []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	for _, u := range us {
		if u.BodyIDs, err = userBodies(ctx, q, u.ID); err != nil {
			return nil, 0, err
		}
	}
	return us, total, nil
}

// UserUpdate holds the profile fields the system administrator may change;
// nil leaves a field as it is. The role is not among them (GrantRole).
type UserUpdate struct {
	DisplayName *string
	UnitID      *int64
	BodyIDs     *[]int64
	Phone       *string
	Email       *string
}

// UpdateUser changes an account's profile as the system administrator. The
// values before and after are audited.
func (s *Service) UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error) {
	if err := requirePerm(ctx, PermUserManage); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var out *User
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		u, err := FindUserByID(ctx, tx, id)
		if err != nil {
			return userNotFound(err)
		}
		before := profileOf(u)
		if upd.DisplayName != nil {
			u.DisplayName = *upd.DisplayName
		}
		if upd.UnitID != nil {
			u.UnitID = *upd.UnitID
		}
		if upd.BodyIDs != nil {
			u.BodyIDs = dedupe(*upd.BodyIDs)
		}
		if upd.Phone != nil {
			u.Phone = *upd.Phone
		}
		if upd.Email != nil {
			u.Email = *upd.Email
		}
		var es core.Errors
		validateProfile(&es, u.Role, &u.DisplayName, u.UnitID, u.BodyIDs, &u.Phone, &u.Email)
		if err := es.Err(); err != nil {
			return err
		}
		if err := checkRefs(ctx, tx, u.UnitID, u.BodyIDs); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name = $1, unit_id = $2, phone = $3, email = $4,
			updated_at = $5 WHERE id = $6`, u.DisplayName, nullID(u.UnitID), u.Phone, u.Email, now.Unix(), u.ID); err != nil {
			return db.Normalize(err)
		}
		if upd.BodyIDs != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM user_bodies WHERE user_id = $1`, u.ID); err != nil {
				return err
			}
			for _, b := range u.BodyIDs {
				if _, err := tx.ExecContext(ctx, `INSERT INTO user_bodies (user_id, body_id) VALUES ($1, $2)`, u.ID, b); err != nil {
					return db.Normalize(err)
				}
			}
		}
		out = u
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.update", ObjectType: "user",
			ObjectID: u.ID, Before: before, After: profileOf(u)})
	})
	return out, err
}

func dedupe(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// userNotFound words a missing account for the administrators' pages.
func userNotFound(err error) error {
	if core.ErrorCode(err) == core.ENOTFOUND {
		return core.NotFound("账户")
	}
	return err
}

// SetDisabled disables or re-enables an account as the system
// administrator. Disabling ends every session of the account at once
// (SECURITY.md A8, B6); its API tokens stop working with it. Nobody can
// disable their own account, nor the last enabled system or security
// administrator (the site could no longer be administered).
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	if err := requirePerm(ctx, PermUserManage); err != nil {
		return err
	}
	if a := core.ActorFrom(ctx); a.UserID == id {
		return core.Invalid("user", "不能停用或启用自己的账户")
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		u, err := FindUserByID(ctx, tx, id)
		if err != nil {
			return userNotFound(err)
		}
		if u.Disabled == disabled {
			return nil
		}
		if disabled {
			if err := keepOneAdmin(ctx, tx, u); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3`,
			disabled, now.Unix(), id); err != nil {
			return err
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: action, ObjectType: "user", ObjectID: id,
			Before: map[string]any{"disabled": u.Disabled}, After: map[string]any{"disabled": disabled}})
	})
}

// keepOneAdmin refuses to take away the last enabled system or security
// administrator.
func keepOneAdmin(ctx context.Context, tx *sql.Tx, u *User) error {
	if u.Role != core.RoleSystemAdmin && u.Role != core.RoleSecurityAdmin {
		return nil
	}
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = $1 AND NOT disabled AND id <> $2`,
		string(u.Role), u.ID).Scan(&others); err != nil {
		return err
	}
	if others == 0 {
		return core.Invalid("user", "这是唯一启用的"+core.RoleNames[u.Role]+"账户，不能停用；请先为接任者建立并授权新账户")
	}
	return nil
}

// GrantRole sets an account's role as the security administrator (三员分立,
// SECURITY.md B1). Each account holds exactly one role, and an account that
// holds one of the three administrator roles keeps it: it can never be
// turned into another administrator or a business account, so no account
// ever holds two of the three. Nobody changes their own role. A business
// role needs the profile it works in (bodies; a liaison also a unit). The
// change ends the account's sessions, so it applies at once (A8).
func (s *Service) GrantRole(ctx context.Context, id int64, role core.Role) error {
	if err := requirePerm(ctx, PermSecurity); err != nil {
		return err
	}
	if !role.Valid() {
		return core.Invalid("role", "请选择有效的角色")
	}
	if a := core.ActorFrom(ctx); a.UserID == id {
		return core.Invalid("role", "不能修改自己的角色")
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		u, err := FindUserByID(ctx, tx, id)
		if err != nil {
			return userNotFound(err)
		}
		if u.Role == role {
			return nil
		}
		if u.Role.IsAdmin() {
			return core.Invalid("role", "该账户已担任"+core.RoleNames[u.Role]+
				"，三员账户不能再授予其他角色（任何账户不得兼任两种管理员角色）。如人员调整，请停用该账户并另建账户。")
		}
		switch {
		case !role.IsAdmin() && len(u.BodyIDs) == 0:
			return core.Invalid("role", "该账户尚未设置所属领导小组或联席会议，请先由系统管理员补充后再授予业务角色")
		case role == core.RoleLiaison && u.UnitID == 0:
			return core.Invalid("role", "该账户尚未设置所在单位，请先由系统管理员补充后再授予联络员角色")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = $1, updated_at = $2 WHERE id = $3`,
			string(role), now.Unix(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.role", ObjectType: "user", ObjectID: id,
			Before: map[string]any{"role": u.Role}, After: map[string]any{"role": role}})
	})
}

// Unlock lifts a login lock as the security administrator (A5), audited.
func (s *Service) Unlock(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, PermSecurity); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		u, err := FindUserByID(ctx, tx, id)
		if err != nil {
			return userNotFound(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, first_failed_at = 0, locked_until = 0
			WHERE id = $1`, id); err != nil {
			return err
		}
		var was int64
		if !u.LockedUntil.IsZero() {
			was = u.LockedUntil.Unix()
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "auth.unlock", ObjectType: "user", ObjectID: id,
			Before: map[string]any{"locked_until": was, "failed_logins": u.FailedLogins}})
	})
}

// ListLocked returns the accounts locked at now, for the security
// administrator's page.
func ListLocked(ctx context.Context, q db.Querier, now time.Time) ([]*User, error) {
	us, _, err := FindUsers(ctx, q, UserFilter{Status: "locked", Page: core.Page{Limit: core.MaxPageSize}}, now)
	return us, err
}

// EndUserSessions ends every session of an account as the security
// administrator (A8) and returns how many there were.
func (s *Service) EndUserSessions(ctx context.Context, id int64) (int, error) {
	if err := requirePerm(ctx, PermSecurity); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var n int64
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := FindUserByID(ctx, tx, id); err != nil {
			return userNotFound(err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "auth.sessions_end", ObjectType: "user",
			ObjectID: id, Detail: fmt.Sprintf("%d session(s) ended by the security administrator", n)})
	})
	return int(n), err
}

// ResetTOTP removes an account's second factor as the security
// administrator (a lost phone): the holder sets up a new one at next login.
// Their sessions end.
func (s *Service) ResetTOTP(ctx context.Context, id int64) error {
	if err := requirePerm(ctx, PermSecurity); err != nil {
		return err
	}
	if a := core.ActorFrom(ctx); a.UserID == id {
		return core.Invalid("user", "不能重置自己的动态验证码，请联系另一位安全管理员")
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := FindUserByID(ctx, tx, id); err != nil {
			return userNotFound(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = '', totp_last_step = 0, updated_at = $1
			WHERE id = $2`, now.Unix(), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "auth.mfa_reset", ObjectType: "user", ObjectID: id})
	})
}

// ResetPassword sets a new first password for an account as the system
// administrator; the holder must change it at next login, and the
// account's sessions end. Administrators change their own password on
// their account page instead.
func (s *Service) ResetPassword(ctx context.Context, id int64, pw string) error {
	if err := requirePerm(ctx, PermUserManage); err != nil {
		return err
	}
	if a := core.ActorFrom(ctx); a.UserID == id {
		return core.Invalid("password", "请在“账户与安全”页面修改自己的密码")
	}
	u, err := FindUserByID(ctx, s.DB.R(), id)
	if err != nil {
		return userNotFound(err)
	}
	return s.setPasswordByAdmin(ctx, u, pw)
}

// SetPassword sets a user's password as an administrator at the command
// line: the policy applies, and the user must change it at next login.
// Their sessions end.
func (s *Service) SetPassword(ctx context.Context, username, pw string) error {
	u, err := FindUserByUsername(ctx, s.DB.R(), username)
	if err != nil {
		return userNotFound(err)
	}
	return s.setPasswordByAdmin(ctx, u, pw)
}

func (s *Service) setPasswordByAdmin(ctx context.Context, u *User, pw string) error {
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return err
	}
	words, err := passwordContext(ctx, s.DB.R(), u.DisplayName, u.UnitID)
	if err != nil {
		return err
	}
	if err := ValidatePassword(pol, pw, u.Username, u.Phone, words...); err != nil {
		return err
	}
	hash, err := HashPassword(pw, s.Argon)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2,
			must_change_password = TRUE, failed_logins = 0, first_failed_at = 0, locked_until = 0, updated_at = $2
			WHERE id = $3`, hash, now.Unix(), u.ID); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, u.ID, hash, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.password_reset", ObjectType: "user", ObjectID: u.ID})
	})
}

// historyKept is how many old hashes are kept per account: the largest
// HistoryCount the policy allows. Older ones are deleted (SECURITY.md G1).
const historyKept = 24

func addHistory(ctx context.Context, tx *sql.Tx, userID int64, hash string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (user_id, hash, created_at) VALUES ($1, $2, $3)`,
		userID, hash, now.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM password_history WHERE user_id = $1 AND id NOT IN (
		SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)`, userID, historyKept)
	return err
}
