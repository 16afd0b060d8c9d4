package auth

import (
	"context"
	"database/sql"

	"liandong/internal/audit"
	"liandong/internal/core"
)

// MFAIssuer names the site in authenticator apps.
const MFAIssuer = "联动"

// MFARequired reports whether u must pass a second factor after the
// password: the three administrators, when the policy asks for it
// (SECURITY.md A7).
func MFARequired(p Policy, u *User) bool {
	return p.AdminMFA && u.Role.IsAdmin()
}

// PendingTOTPSecret returns the secret offered to the session's user for
// enrolment, creating it on first call. It is kept with the session (not
// in the page's form, where it could be swapped) until a code confirms it.
// An account that already has a second factor gets ECONFLICT: replacing it
// is the security administrator's job (ResetTOTP).
func (s *Service) PendingTOTPSecret(ctx context.Context, sess *Session) (string, error) {
	u, err := FindUserByID(ctx, s.DB.R(), sess.UserID)
	if err != nil {
		return "", err
	}
	if u.TOTPSecret != "" {
		return "", core.Errorf(core.ECONFLICT, "动态验证码已设置；如需更换（例如手机丢失），请联系安全管理员重置")
	}
	var secret string
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT totp_pending FROM sessions WHERE token_hash = $1`,
			sess.TokenHash).Scan(&secret); err != nil {
			return core.Errorf(core.EUNAUTHORIZED, "登录已失效，请重新登录")
		}
		if secret != "" {
			return nil
		}
		secret = NewTOTPSecret()
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET totp_pending = $1 WHERE token_hash = $2`, secret, sess.TokenHash)
		return err
	})
	return secret, err
}

// ConfirmTOTP completes enrolment: code must come from the pending secret.
// The secret becomes the account's second factor, the step of the code is
// used up, and the session is replaced by a new one that has passed the
// second factor; its token is returned for the cookie (A8: a new token on
// gaining privilege). A wrong code counts toward the lock (A5, A7).
func (s *Service) ConfirmTOTP(ctx context.Context, sess *Session, code string) (string, error) {
	return s.secondFactor(ctx, sess, code, true)
}

// VerifyMFA checks the second factor of a session that has passed the
// password: a code of the account's secret, within ±1 step, not used before.
// On success the session is replaced by a new one marked as having passed
// the second factor, and its token returned. Wrong codes count toward the
// account lock; a locked account's half-open session is ended (A7).
func (s *Service) VerifyMFA(ctx context.Context, sess *Session, code string) (string, error) {
	return s.secondFactor(ctx, sess, code, false)
}

func (s *Service) secondFactor(ctx context.Context, sess *Session, code string, enrol bool) (string, error) {
	now := s.Clock.Now()
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return "", err
	}
	var token string
	var result error
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		u, err := FindUserByID(ctx, tx, sess.UserID)
		if err != nil {
			return err
		}
		if now.Before(u.LockedUntil) {
			result = lockedError(u.LockedUntil)
			_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, sess.TokenHash)
			return err
		}
		secret, action := u.TOTPSecret, "auth.mfa"
		if enrol {
			action = "auth.mfa_enroll"
			if u.TOTPSecret != "" {
				result = core.Errorf(core.ECONFLICT, "动态验证码已设置，请直接输入验证码登录")
				return nil
			}
			if err := tx.QueryRowContext(ctx, `SELECT totp_pending FROM sessions WHERE token_hash = $1`,
				sess.TokenHash).Scan(&secret); err != nil {
				result = core.Errorf(core.EUNAUTHORIZED, "登录已失效，请重新登录")
				return nil
			}
		} else if secret == "" {
			result = core.Errorf(core.ECONFLICT, "尚未设置动态验证码，请先完成设置")
			return nil
		}
		if secret == "" {
			result = core.Invalid("code", "设置已过期，请刷新页面后重新扫描")
			return nil
		}
		step, ok := VerifyTOTP(secret, code, now, u.TOTPLastStep)
		if !ok {
			locked, err := s.countFailure(ctx, tx, u, pol, now)
			if err != nil {
				return err
			}
			if locked {
				result = lockedError(u.LockedUntil)
				if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, sess.TokenHash); err != nil {
					return err
				}
			} else {
				result = core.Invalid("code", "动态验证码不正确或已使用过，请输入手机上显示的最新6位数字")
			}
			return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: action, ObjectType: "user",
				ObjectID: u.ID, Outcome: audit.Failure, Detail: "wrong or reused code"})
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_last_step = $2, failed_logins = 0,
			first_failed_at = 0 WHERE id = $3`, secret, step, u.ID); err != nil {
			return err
		}
		if token, err = rotateSession(ctx, tx, sess.TokenHash, true, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: action, ObjectType: "user", ObjectID: u.ID})
	})
	if err != nil {
		return "", err
	}
	if result != nil {
		return "", result
	}
	return token, nil
}

// HasTOTP reports whether the user has set up a second factor.
func (u *User) HasTOTP() bool { return u.TOTPSecret != "" }
