package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
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
	// MFAPending is set by Resume when the user must still pass the second
	// factor before anything else (SECURITY.md A7).
	MFAPending bool
	// PasswordChangeRequired is set by Resume when the password has expired
	// or an administrator set it: the user must choose a new one before
	// anything else (SECURITY.md A3).
	PasswordChangeRequired bool
	// PasswordExpired tells which of the two reasons applies.
	PasswordExpired bool
	// IdleTimeout is the policy's idle timeout, set by Resume, so that
	// pages can warn before it runs out (SECURITY.md I10).
	IdleTimeout time.Duration
	// AbsoluteTimeout is the policy's absolute timeout, set by Resume.
	AbsoluteTimeout time.Duration
}

// IdleLeft is how long the session has before its idle timeout, or its
// absolute one if that comes first, at now.
func (s *Session) IdleLeft(now time.Time) time.Duration {
	left := s.LastSeenAt.Add(s.IdleTimeout).Sub(now)
	if abs := s.CreatedAt.Add(s.AbsoluteTimeout).Sub(now); abs < left {
		left = abs
	}
	return max(left, 0)
}

// ID is the session's public identifier: the first 16 hex digits of the
// token's hash. It names a session in "end this session" without exposing
// anything that could be replayed as a cookie.
func (s *Session) ID() string { return SessionID(s.TokenHash) }

// SessionID returns the public identifier of the session with token hash h.
func SessionID(h string) string {
	if len(h) < 16 {
		return h
	}
	return h[:16]
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
// The session opened is new: a token the browser held before is never
// promoted (session fixation, A8).
func (s *Service) Login(ctx context.Context, username, password, ip, userAgent string) (token string, u *User, err error) {
	now := s.Clock.Now()
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return "", nil, err
	}
	if validUsername(username) {
		u, err = FindUserByUsername(ctx, s.DB.R(), username)
	} else {
		// Not a name any account can have: no need to ask the database
		// (which would refuse some bytes outright).
		err = core.NotFound("用户")
	}
	if core.ErrorCode(err) == core.ENOTFOUND {
		CheckPassword(dummyHash, password, s.Argon) // same work as a real check
		// A password typed into the username box must not end up in the
		// audit log (SECURITY.md C6, G1): only names that could be
		// usernames are recorded.
		who := "unknown user " + username
		if !validUsername(username) {
			who = "unknown user (not a valid username)"
		}
		_ = audit.Log(ctx, s.DB, now, audit.Event{Action: "auth.login", ObjectType: "user", Outcome: audit.Failure,
			Detail: who})
		return "", nil, errBadCredentials
	} else if err != nil {
		return "", nil, err
	}
	ok, stale := CheckPassword(u.PasswordHash, password, s.Argon)
	var result error
	switch {
	case now.Before(u.LockedUntil):
		result = lockedError(u.LockedUntil)
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
				if _, err := s.countFailure(actx, tx, u, pol, now); err != nil {
					return err
				}
			}
			return audit.Record(actx, tx, s.DB.Engine, now, audit.Event{Action: "auth.login", ObjectType: "user",
				ObjectID: u.ID, Outcome: audit.Failure, Detail: core.ErrorMessage(result)})
		}
		if stale {
			// The cost parameters were raised since this hash was made:
			// replace it now that the password is at hand (A4).
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
		if err := purgeExpiredSessions(ctx, tx, pol, now); err != nil {
			return err
		}
		if pol.MaxSessions > 0 {
			// Make room for the new session: keep only the newest
			// MaxSessions-1 of the user's others, so the login that was
			// just made always wins (A8).
			res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash NOT IN (
				SELECT token_hash FROM sessions WHERE user_id = $1
				ORDER BY created_at DESC, last_seen_at DESC, token_hash LIMIT $2)`, u.ID, pol.MaxSessions-1)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := audit.Record(actx, tx, s.DB.Engine, now, audit.Event{Action: "auth.session_limit",
					ObjectType: "user", ObjectID: u.ID,
					Detail: fmt.Sprintf("%d older session(s) ended: at most %d allowed", n, pol.MaxSessions)}); err != nil {
					return err
				}
			}
		}
		token = NewToken()
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, mfa_done, ip, user_agent,
			created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
			HashToken(token), u.ID, NewToken(), false, ip, truncate(userAgent, 300), now.Unix()); err != nil {
			return err
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

func lockedError(until time.Time) error {
	return core.Errorf(core.ELOCKED, "账户已锁定，请于%s后再试，或联系安全管理员解锁", until.In(cst).Format("15:04"))
}

// countFailure counts a failed password or code toward the lock, and locks
// the account when the threshold is reached within the window. It reports
// whether the account is now locked.
func (s *Service) countFailure(ctx context.Context, tx *sql.Tx, u *User, pol Policy, now time.Time) (bool, error) {
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
		return false, err
	}
	u.FailedLogins, u.FirstFailedAt = failed, first
	if lockedUntil > 0 {
		u.LockedUntil = unix(lockedUntil)
		return true, audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "auth.lock", ObjectType: "user", ObjectID: u.ID,
			Detail: fmt.Sprintf("locked for %d minutes after %d failed attempts", pol.LockMinutes, pol.LockThreshold)})
	}
	return false, nil
}

// PasswordExpired reports whether u's password is older than the policy's
// maximum age (SECURITY.md A3; a maximum of 0 turns expiry off).
func PasswordExpired(p Policy, u *User, now time.Time) bool {
	return p.MaxAgeDays > 0 && now.Sub(u.PasswordChangedAt) > time.Duration(p.MaxAgeDays)*24*time.Hour
}

// Resume finds the session of token, enforces the idle and absolute
// timeouts (deleting an expired session, SECURITY.md A6), touches it, and
// returns it with the user's current actor: roles and scope are read afresh
// on every request, so a change applies at once (B6). The session tells
// whether the second factor or a new password is still owed.
func (s *Service) Resume(ctx context.Context, token, ip string) (*Session, *User, error) {
	return s.resume(ctx, token, ip, true)
}

// Peek is Resume without touching the session: a page asking how long its
// session has left must not itself keep the session alive. It still ends
// a session that has timed out.
func (s *Service) Peek(ctx context.Context, token, ip string) (*Session, *User, error) {
	return s.resume(ctx, token, ip, false)
}

func (s *Service) resume(ctx context.Context, token, ip string, touch bool) (*Session, *User, error) {
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
		reason := "account disabled"
		switch {
		case idle:
			reason = "idle timeout"
		case expired:
			reason = "absolute timeout"
		case u.Demo && !s.DemoMode:
			reason = "demo account outside demo mode"
		}
		err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, sess.TokenHash)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another request ended it first
			}
			if idle || expired {
				// A form posted on this session from now on is held, not
				// lost (I10); a disabled account's is not.
				if err := recordSessionEnd(ctx, tx, sess.TokenHash, u.ID, sess.CSRFToken, now); err != nil {
					return err
				}
			}
			return audit.Record(core.WithActor(ctx, &core.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, IP: ip,
				RequestID: metaRequestID(ctx)}), tx, s.DB.Engine, now, audit.Event{Action: "auth.session_expire",
				ObjectType: "user", ObjectID: u.ID, Detail: reason})
		})
		if err != nil {
			return nil, nil, err
		}
		return nil, nil, core.Errorf(core.EUNAUTHORIZED, "登录已超时，请重新登录")
	}
	// Touch at most once a minute: a write per request would serialise all readers.
	if touch && now.Sub(sess.LastSeenAt) >= time.Minute {
		if err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2`, now.Unix(), sess.TokenHash)
			return err
		}); err != nil {
			return nil, nil, err
		}
		sess.LastSeenAt = now
	}
	sess.IdleTimeout = time.Duration(pol.IdleMinutes) * time.Minute
	sess.AbsoluteTimeout = time.Duration(pol.AbsoluteHours) * time.Hour
	sess.MFAPending = MFARequired(pol, u) && !sess.MFADone
	sess.PasswordExpired = PasswordExpired(pol, u, now)
	sess.PasswordChangeRequired = u.MustChangePassword || sess.PasswordExpired
	return &sess, u, nil
}

// purgeExpiredSessions deletes every session past its idle or absolute
// timeout, so that a session its user never came back to does not linger
// in the table (SECURITY.md G1). Each leaves a tombstone, so that a form
// its user posts late is still held (I10); held requests and tombstones
// past their time go too.
func purgeExpiredSessions(ctx context.Context, tx *sql.Tx, pol Policy, now time.Time) error {
	idleBefore := now.Add(-time.Duration(pol.IdleMinutes) * time.Minute).Unix()
	absBefore := now.Add(-time.Duration(pol.AbsoluteHours) * time.Hour).Unix()
	rows, err := tx.QueryContext(ctx, `SELECT token_hash, user_id, csrf_token, last_seen_at, created_at FROM sessions
		WHERE last_seen_at < $1 OR created_at < $2`, idleBefore, absBefore)
	if err != nil {
		return err
	}
	type ended struct {
		hash, csrf string
		user       int64
	}
	var ends []ended
	for rows.Next() {
		var e ended
		var seen, created int64
		if err := rows.Scan(&e.hash, &e.user, &e.csrf, &seen, &created); err != nil {
			rows.Close()
			return err
		}
		// When it timed out: a session that ended longer ago than a
		// request may be held needs no tombstone.
		endedAt := min(seen+int64(pol.IdleMinutes)*60, created+int64(pol.AbsoluteHours)*3600)
		if endedAt > now.Add(-HeldTTL).Unix() {
			ends = append(ends, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range ends {
		if err := recordSessionEnd(ctx, tx, e.hash, e.user, e.csrf, now); err != nil {
			return err
		}
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2`,
		idleBefore, absBefore); err != nil {
		return err
	}
	return purgeHeld(ctx, tx, now)
}

// rotateSession replaces the session oldHash by a new one with a new token
// and form token, keeping its start time (the absolute timeout still runs
// from the login). Used when the session gains privilege: the second factor
// passed (SECURITY.md A8).
func rotateSession(ctx context.Context, tx *sql.Tx, oldHash string, mfaDone bool, now time.Time) (string, error) {
	token := NewToken()
	res, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, mfa_done, ip, user_agent,
		created_at, last_seen_at) SELECT $1, user_id, $2, $3, ip, user_agent, created_at, $4
		FROM sessions WHERE token_hash = $5`, HashToken(token), NewToken(), mfaDone, now.Unix(), oldHash)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return "", core.Errorf(core.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, oldHash); err != nil {
		return "", err
	}
	return token, nil
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

// truncate cuts s to at most n bytes of valid UTF-8 without control
// characters: client-supplied text (a User-Agent) goes into the database,
// and PostgreSQL refuses invalid UTF-8 and NUL bytes.
func truncate(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// cst is the zone times are shown in.
var cst = time.FixedZone("CST", 8*3600)

// dummyHash is checked against when the user does not exist, so that the
// response takes as long as for a wrong password.
var dummyHash, _ = HashPassword("liandong-no-such-user", DefaultArgon2)
