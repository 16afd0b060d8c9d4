package auth

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// PasswordChange is the form a user fills in to change their own password.
type PasswordChange struct {
	Current string // the password now in use
	New     string
	Confirm string // New typed again
}

// ChangePassword changes the password of the session's user (SECURITY.md
// A2, A3). The current password must be given (a wrong one counts toward
// the lock, A5, and the lock ends this session); the new one must satisfy the policy, differ from the
// current one and from the last HistoryCount ones. Every other session of
// the user ends (A8); the one making the change stays.
func (s *Service) ChangePassword(ctx context.Context, sess *Session, pc PasswordChange) error {
	now := s.Clock.Now()
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return err
	}
	u, err := FindUserByID(ctx, s.DB.R(), sess.UserID)
	if err != nil {
		return err
	}
	if pc.Current == "" {
		return core.Invalid("current_password", "请填写当前密码")
	}
	if ok, _ := CheckPassword(u.PasswordHash, pc.Current, s.Argon); !ok {
		var locked bool
		err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			if locked, err = s.countFailure(ctx, tx, u, pol, now); err != nil {
				return err
			}
			if locked {
				// Someone at an unattended session guessing the password:
				// that session ends with the lock.
				if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, sess.TokenHash); err != nil {
					return err
				}
			}
			return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.password_change", ObjectType: "user",
				ObjectID: u.ID, Outcome: audit.Failure, Detail: "wrong current password"})
		})
		if err != nil {
			return err
		}
		if locked {
			return lockedError(u.LockedUntil)
		}
		return core.Invalid("current_password", "当前密码不正确")
	}
	if pc.New != pc.Confirm {
		return core.Invalid("password2", "两次输入的新密码不一致")
	}
	words, err := passwordContext(ctx, s.DB.R(), u.DisplayName, u.UnitID)
	if err != nil {
		return err
	}
	if err := ValidatePassword(pol, pc.New, u.Username, u.Phone, words...); err != nil {
		return err
	}
	if pc.New == pc.Current {
		return core.Invalid("password", "新密码不能与当前密码相同")
	}
	if pol.HistoryCount > 0 {
		used, err := recentlyUsed(ctx, s.DB.R(), u.ID, pc.New, pol.HistoryCount, s.Argon)
		if err != nil {
			return err
		}
		if used {
			return core.Invalid("password", fmt.Sprintf("不能使用最近%d次用过的密码", pol.HistoryCount))
		}
	}
	hash, err := HashPassword(pc.New, s.Argon)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, password_changed_at = $2,
			must_change_password = FALSE, updated_at = $2 WHERE id = $3`, hash, now.Unix(), u.ID); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, u.ID, hash, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, u.ID, sess.TokenHash)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "user.password_change", ObjectType: "user",
			ObjectID: u.ID, Detail: fmt.Sprintf("%d other session(s) ended", n)})
	})
}

// recentlyUsed reports whether pw matches one of the user's last n hashes.
func recentlyUsed(ctx context.Context, q db.Querier, userID int64, pw string, n int, p Argon2Params) (bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, userID, n)
	if err != nil {
		return false, fmt.Errorf("auth: password history: %w", err)
	}
	defer rows.Close()
	var hashes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return false, err
		}
		hashes = append(hashes, h)
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, h := range hashes {
		if ok, _ := CheckPassword(h, pw, p); ok {
			return true, nil
		}
	}
	return false, nil
}

// SessionInfo describes one of a user's sessions for "my sessions".
type SessionInfo struct {
	ID         string // public identifier (SessionID), never the token
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	MFADone    bool
	Current    bool // the session asking
}

// ListSessions returns the user's sessions that have not timed out, newest
// first; currentHash marks the one asking ("" for none).
func (s *Service) ListSessions(ctx context.Context, userID int64, currentHash string) ([]SessionInfo, error) {
	now := s.Clock.Now()
	pol, err := LoadPolicy(ctx, s.DB.R())
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.R().QueryContext(ctx, `SELECT token_hash, ip, user_agent, created_at, last_seen_at, mfa_done
		FROM sessions WHERE user_id = $1 AND last_seen_at >= $2 AND created_at >= $3
		ORDER BY created_at DESC, token_hash`, userID,
		now.Add(-time.Duration(pol.IdleMinutes)*time.Minute).Unix(),
		now.Add(-time.Duration(pol.AbsoluteHours)*time.Hour).Unix())
	if err != nil {
		return nil, fmt.Errorf("auth: list sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionInfo
	for rows.Next() {
		var si SessionInfo
		var h string
		var created, seen int64
		if err := rows.Scan(&h, &si.IP, &si.UserAgent, &created, &seen, &si.MFADone); err != nil {
			return nil, err
		}
		si.ID, si.CreatedAt, si.LastSeenAt, si.Current = SessionID(h), unix(created), unix(seen), h == currentHash
		out = append(out, si)
	}
	return out, rows.Err()
}

// EndSession ends one of the user's own sessions by its public id. A
// session of another user, or none, is ENOTFOUND.
func (s *Service) EndSession(ctx context.Context, userID int64, id string) error {
	if !validSessionID(id) {
		return core.NotFound("会话")
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND substr(token_hash, 1, 16) = $2`, userID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.NotFound("会话")
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "auth.session_end", ObjectType: "session", ObjectID: id})
	})
}

func validSessionID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}
