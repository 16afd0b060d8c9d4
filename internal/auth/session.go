package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// Service runs logins and sessions.
type Service struct {
	DB    *db.DB
	Clock core.Clock
	Argon Argon2Params
	// DemoMode allows logins to accounts created by the demo loader. Outside
	// demo mode they are refused (SECURITY.md A1).
	DemoMode bool
}

// Session is a server-side login session. The browser holds the token; the
// database holds only its SHA-256.
type Session struct {
	TokenHash  string
	UserID     int64
	CSRFToken  string
	MFADone    bool
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// NewToken returns 256 bits from the CSPRNG, URL-safe.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of a session or API token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

var errBadCredentials = core.Errorf(core.EUNAUTHORIZED, "用户名或密码错误")

// Login checks username and password and opens a session. Unknown user and
// wrong password give the same answer, and take the same time. Failures
// count toward a temporary lock (SECURITY.md A5). Every outcome is audited.
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (token string, u *User, err error) {
	now := s.Clock.Now()
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return "", nil, err
	}
	u, err = FindUserByUsername(ctx, s.DB.R(), username)
	if core.ErrorCode(err) == core.ENOTFOUND {
		CheckPassword(dummyHash, password, s.Argon) // same work as a real check
		_ = audit.Log(ctx, s.DB, now, audit.Event{Action: "auth.login", ObjectType: "user", Outcome: audit.Failure,
			Detail: "unknown user " + username})
		return "", nil, errBadCredentials
	} else if err != nil {
		return "", nil, err
	}
	ok, stale := CheckPassword(u.PasswordHash, password, s.Argon)
	var result error
	switch {
	case now.Before(u.LockedUntil):
		result = core.Errorf(core.ELOCKED, "账户已锁定，请于%s后再试，或联系安全管理员解锁", u.LockedUntil.In(cst).Format("15:04"))
	case !ok:
		result = errBadCredentials
	case u.Disabled:
		result = core.Errorf(core.EFORBIDDEN, "账户已停用，请联系系统管理员")
	case u.Demo && !s.DemoMode:
		result = core.Errorf(core.EFORBIDDEN, "演示账户仅在演示模式下可用")
	}
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		actx := core.WithActor(ctx, &core.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, UnitID: u.UnitID,
			IP: ip, RequestID: metaRequestID(ctx)})
		if result != nil {
			if !ok && !now.Before(u.LockedUntil) {
				if err := s.countFailure(actx, tx, u, pol, now); err != nil {
					return err
				}
			}
			return audit.Record(actx, tx, s.DB.Engine, now, audit.Event{Action: "auth.login", ObjectType: "user",
				ObjectID: u.ID, Outcome: audit.Failure, Detail: core.ErrorMessage(result)})
		}
		if stale {
			if h, err := HashPassword(password, s.Argon); err == nil {
				if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, h, u.ID); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, first_failed_at = 0, locked_until = 0,
			last_login_at = $1 WHERE id = $2`, now.Unix(), u.ID); err != nil {
			return err
		}
		token = NewToken()
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, mfa_done, ip, user_agent,
			created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
			HashToken(token), u.ID, NewToken(), false, ip, truncate(userAgent, 300), now.Unix()); err != nil {
			return err
		}
		if pol.MaxSessions > 0 {
			// Keep only the newest MaxSessions sessions of the user.
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash NOT IN (
				SELECT token_hash FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, token_hash LIMIT $2)`,
				u.ID, pol.MaxSessions); err != nil {
				return err
			}
		}
		return audit.Record(actx, tx, s.DB.Engine, now, audit.Event{Action: "auth.login", ObjectType: "user", ObjectID: u.ID})
	})
	if err != nil {
		return "", nil, err
	}
	if result != nil {
		return "", nil, result
	}
	return token, u, nil
}

func (s *Service) countFailure(ctx context.Context, tx *sql.Tx, u *User, pol Policy, now time.Time) error {
	window := time.Duration(pol.LockWindowMinutes) * time.Minute
	failed, first := u.FailedLogins+1, u.FirstFailedAt
	if first.IsZero() || now.Sub(first) > window {
		failed, first = 1, now
	}
	var lockedUntil int64
	if failed >= pol.LockThreshold {
		lockedUntil = now.Add(time.Duration(pol.LockMinutes) * time.Minute).Unix()
		failed, first = 0, time.Time{}
	}
	var firstUnix int64
	if !first.IsZero() {
		firstUnix = first.Unix()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = $1, first_failed_at = $2,
		locked_until = CASE WHEN $3 > 0 THEN $3 ELSE locked_until END WHERE id = $4`,
		failed, firstUnix, lockedUntil, u.ID); err != nil {
		return err
	}
	if lockedUntil > 0 {
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "auth.lock", ObjectType: "user", ObjectID: u.ID,
			Detail: fmt.Sprintf("locked for %d minutes after %d failed logins", pol.LockMinutes, pol.LockThreshold)})
	}
	return nil
}

// Resume finds the session of token, enforces the idle and absolute
// timeouts (deleting an expired session, SECURITY.md A6), touches it, and
// returns it with the user's current actor: roles and scope are read afresh
// on every request, so a change applies at once (B6).
func (s *Service) Resume(ctx context.Context, token, ip string) (*Session, *User, error) {
	if token == "" {
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "请先登录")
	}
	now := s.Clock.Now()
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return nil, nil, err
	}
	var sess Session
	var created, seen int64
	sess.TokenHash = HashToken(token)
	err = s.DB.R().QueryRowContext(ctx, `SELECT user_id, csrf_token, mfa_done, created_at, last_seen_at
		FROM sessions WHERE token_hash = $1`, sess.TokenHash).Scan(&sess.UserID, &sess.CSRFToken, &sess.MFADone, &created, &seen)
	if err == sql.ErrNoRows {
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "登录已失效，请重新登录")
	} else if err != nil {
		return nil, nil, fmt.Errorf("auth: session: %w", err)
	}
	sess.CreatedAt, sess.LastSeenAt = unix(created), unix(seen)
	idle := now.Sub(sess.LastSeenAt) > time.Duration(pol.IdleMinutes)*time.Minute
	expired := now.Sub(sess.CreatedAt) > time.Duration(pol.AbsoluteHours)*time.Hour
	u, err := FindUserByID(ctx, s.DB.R(), sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	if idle || expired || u.Disabled || (u.Demo && !s.DemoMode) {
		err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, sess.TokenHash)
			if err != nil {
				return err
			}
			return audit.Record(core.WithActor(ctx, &core.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, IP: ip,
				RequestID: metaRequestID(ctx)}), tx, s.DB.Engine, now, audit.Event{Action: "auth.session_expire",
				ObjectType: "user", ObjectID: u.ID, Detail: map[bool]string{true: "idle timeout", false: "ended"}[idle]})
		})
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "登录已超时，请重新登录")
	}
	// Touch at most once a minute: a write per request would serialise all readers.
	if now.Sub(sess.LastSeenAt) >= time.Minute {
		if err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now.Unix(), sess.TokenHash)
			return err
		}); err != nil {
			return nil, nil, err
		}
		sess.LastSeenAt = now
	}
	return &sess, u, nil
}

// Logout deletes the session (not merely expires it, SECURITY.md G1).
func (s *Service) Logout(ctx context.Context, token string) error {
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, HashToken(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "auth.logout", ObjectType: "user",
			ObjectID: actorID(ctx)})
	})
}

func actorID(ctx context.Context) any {
	if a := core.ActorFrom(ctx); a != nil {
		return a.UserID
	}
	return nil
}

func metaRequestID(ctx context.Context) string {
	if m := audit.MetaFrom(ctx); m != nil {
		return m.RequestID
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// cst is the zone times are shown in.
var cst = time.FixedZone("CST", 8*3600)

// dummyHash is checked against when the user does not exist, so that the
// response takes as long as for a wrong password.
var dummyHash, _ = HashPassword("liandong-no-such-user", DefaultArgon2)
