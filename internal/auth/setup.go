package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// First run (SECURITY.md A1). A fresh database has no accounts and there
// are no built-in credentials. `liandong serve` on such a database prints a
// one-time setup link carrying a random token; the setup page, given that
// token, creates the three administrators (三员) with passwords chosen
// there. Only the token's hash is stored, it expires, and it is deleted when
// used. The page answers 404 as soon as any account exists.

const setupKey = "setup.token"

// SetupTokenTTL is how long a setup link is valid; each start prints a new one.
const SetupTokenTTL = 24 * time.Hour

type setupToken struct {
	Hash    string `json:"hash"`
	Expires int64  `json:"expires"`
}

// NeedsSetup reports whether the database has no account at all.
func NeedsSetup(ctx context.Context, q db.Querier) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM users LIMIT 1`).Scan(&one)
	if err == sql.ErrNoRows {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: any user: %w", err)
	}
	return false, nil
}

// PrepareSetup issues a new setup token when the database has no account,
// replacing any earlier one, and returns it ("" when accounts exist).
func (s *Service) PrepareSetup(ctx context.Context) (string, error) {
	need, err := NeedsSetup(ctx, s.DB.R())
	if err != nil || !need {
		return "", err
	}
	token := NewToken()
	now := s.Clock.Now()
	raw, _ := json.Marshal(setupToken{Hash: HashToken(token), Expires: now.Add(SetupTokenTTL).Unix()})
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			setupKey, string(raw), now.Unix())
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// SetupAccounts are the three administrators created at first run.
type SetupAccounts struct {
	System   NewUser // 系统管理员: logs in with the password chosen here
	Security NewUser // 安全管理员: must change the password at first login
	Audit    NewUser // 审计管理员: must change the password at first login
}

// Setup creates the first accounts, given the setup token. It runs in one
// transaction that first makes sure no account exists (serialised, so two
// browsers racing cannot both succeed), and deletes the token. Field errors
// name the form's fields (sys_username, sec_password, …). When accounts
// already exist the answer is ENOTFOUND.
func (s *Service) Setup(ctx context.Context, token string, acc SetupAccounts) error {
	if err := s.CheckSetup(ctx, &acc); err != nil {
		return err
	}
	parts := acc.parts()
	var err error
	var hashes [3]string
	for i, p := range parts {
		if hashes[i], err = HashPassword(p.n.Password, s.Argon); err != nil {
			return err
		}
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if s.DB.Engine == db.Postgres {
			// SQLite's BEGIN IMMEDIATE already serialises writers.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7310002)`); err != nil {
				return err
			}
		}
		need, err := NeedsSetup(ctx, tx)
		if err != nil {
			return err
		}
		if !need {
			return core.NotFound("页面")
		}
		var raw string
		var st setupToken
		err = tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, setupKey).Scan(&raw)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		_ = json.Unmarshal([]byte(raw), &st)
		if st.Hash == "" || now.Unix() > st.Expires ||
			subtle.ConstantTimeCompare([]byte(st.Hash), []byte(HashToken(token))) != 1 {
			return core.Invalid("token", "初始化口令不正确或已过期：请使用服务启动时在控制台输出的初始化链接（重启服务会生成新的链接）")
		}
		for i, p := range parts {
			u := &User{Username: p.n.Username, DisplayName: p.n.DisplayName, Role: p.n.Role, Phone: p.n.Phone,
				Email: p.n.Email, PasswordHash: hashes[i], MustChangePassword: p.n.MustChange}
			if err := insertUser(ctx, tx, u, now); err != nil {
				return prefixFields(err, p.prefix)
			}
			if err := audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.create", ObjectType: "user",
				ObjectID: u.ID, After: profileOf(u), Detail: "first-run setup"}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = $1`, setupKey); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "system.setup",
			Detail: "first system, security and audit administrators created"})
	})
}

// parts names the three accounts with their form field prefixes.
func (acc *SetupAccounts) parts() []struct {
	prefix string
	n      *NewUser
} {
	return []struct {
		prefix string
		n      *NewUser
	}{{"sys_", &acc.System}, {"sec_", &acc.Security}, {"aud_", &acc.Audit}}
}

// CheckSetup fixes the three accounts' roles and validates them, fields and
// passwords, returning every problem at once with the form's field names.
func (s *Service) CheckSetup(ctx context.Context, acc *SetupAccounts) error {
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return err
	}
	acc.System.Role, acc.Security.Role, acc.Audit.Role = core.RoleSystemAdmin, core.RoleSecurityAdmin, core.RoleAuditAdmin
	acc.System.MustChange, acc.Security.MustChange, acc.Audit.MustChange = false, true, true
	var es core.Errors
	seen := map[string]bool{}
	for _, p := range acc.parts() {
		p.n.Demo, p.n.UnitID, p.n.BodyIDs = false, 0, nil
		es = appendFieldErrors(es, prefixFields(p.n.Validate(), p.prefix))
		if p.n.Username != "" && seen[p.n.Username] {
			es.Add(p.prefix+"username", "三个账户的用户名不能相同")
		}
		seen[p.n.Username] = true
		es = appendFieldErrors(es, prefixFields(ValidatePassword(pol, p.n.Password, p.n.Username, p.n.Phone, p.n.DisplayName), p.prefix))
	}
	return es.Err()
}

// appendFieldErrors adds the field errors of err (nil adds nothing).
func appendFieldErrors(es core.Errors, err error) core.Errors {
	var list core.Errors
	var e *core.Error
	switch {
	case errors.As(err, &list):
		return append(es, list...)
	case errors.As(err, &e):
		return append(es, e)
	}
	return es
}
