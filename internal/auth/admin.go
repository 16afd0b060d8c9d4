package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// NewUser is what creating an account takes.
type NewUser struct {
	Username    string
	DisplayName string
	Role        core.Role
	UnitID      int64
	BodyIDs     []int64
	Phone       string
	Email       string
	Password    string
	// MustChange makes the user set their own password at first login
	// (an administrator set this one).
	MustChange bool
	Demo       bool
}

// Validate checks the fields of a new account.
func (n *NewUser) Validate() error {
	var es core.Errors
	n.Username = strings.TrimSpace(n.Username)
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	if n.Username == "" {
		es.Add("username", "请填写用户名")
	} else if len(n.Username) > 64 || strings.ContainsFunc(n.Username, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		es.Add("username", "用户名只能使用小写字母、数字和 - _ .，不超过64个字符")
	}
	if n.DisplayName == "" {
		es.Add("display_name", "请填写姓名")
	} else if utf8.RuneCountInString(n.DisplayName) > 50 {
		es.Add("display_name", "姓名不能超过50个字符")
	}
	if !n.Role.Valid() {
		es.Add("role", "请选择有效的角色")
	}
	if !n.Role.IsAdmin() && n.Role.Valid() && len(n.BodyIDs) == 0 {
		es.Add("body_ids", "业务账户须至少属于一个领导小组或联席会议")
	}
	if n.Role == core.RoleLiaison && n.UnitID == 0 {
		es.Add("unit_id", "联络员账户须指定所在单位")
	}
	return es.Err()
}

// CreateUser creates an account after checking its fields and the password
// policy. Only the argon2id hash of the password is stored.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(pol, n.Password, n.Username, n.Phone); err != nil {
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
		if err := insertUser(ctx, tx, u, now); err != nil {
			if core.ErrorCode(err) == core.ECONFLICT {
				return core.Invalid("username", "用户名“"+n.Username+"”已被使用")
			}
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.create", ObjectType: "user",
			ObjectID: u.ID, After: map[string]any{"username": u.Username, "display_name": u.DisplayName,
				"role": u.Role, "unit_id": u.UnitID, "body_ids": u.BodyIDs}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ListUsers returns every account, ordered by username.
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

// SetPassword sets a user's password as an administrator: the policy
// applies, and the user must change it at next login. Their sessions end.
func (s *Service) SetPassword(ctx context.Context, username, pw string) error {
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return err
	}
	u, err := FindUserByUsername(ctx, s.DB.R(), username)
	if err != nil {
		return err
	}
	if err := ValidatePassword(pol, pw, u.Username, u.Phone); err != nil {
		return err
	}
	hash, err := HashPassword(pw, s.Argon)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2,
			must_change_password = TRUE, updated_at = $2 WHERE id = $3`, hash, now.Unix(), u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (user_id, hash, created_at) VALUES ($1, $2, $3)`,
			u.ID, hash, now.Unix()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.password_reset", ObjectType: "user", ObjectID: u.ID})
	})
}
