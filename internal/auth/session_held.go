package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// Requests held across an expired session (SECURITY.md I10). A form posted
// after the user's session timed out is neither committed nor dropped: the
// guard hands it to Hold, which keeps it encrypted for the user of the
// expired session for HeldTTL. After the user logs in again, the held
// request is listed for that user only, and committed only when the user
// submits it (TakeHeld), at most once.

// HeldTTL is how long a held request is kept. Long enough for a user who
// went to a meeting to come back and log in; short enough that forgotten
// content does not pile up.
const HeldTTL = 2 * time.Hour

// HeldMaxBytes bounds the body of a held request; bodies above it are not
// held (the route's own body limit is normally lower).
const HeldMaxBytes = 20 << 20

// HeldMaxPerUser bounds how many requests one user may have held at once,
// so that a stolen expired cookie cannot fill the database.
const HeldMaxPerUser = 20

// heldKeySetting is the settings row that keeps the AES-256 key held
// requests are sealed with. It is in the database, not the data directory,
// so that several instances sharing one PostgreSQL open each other's held
// requests.
const heldKeySetting = "held.key"

// HeldRequest is one request held for its user.
type HeldRequest struct {
	ID          int64
	UserID      int64
	Method      string
	URI         string // path and query as posted
	ContentType string
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// sealedRequest is what is encrypted: everything the user sent.
type sealedRequest struct {
	Method      string `json:"m"`
	URI         string `json:"u"`
	ContentType string `json:"c"`
	Body        []byte `json:"b"`
}

// recordSessionEnd leaves a tombstone for a session that timed out: its
// token's hash, its user and the hash of its form token, enough to tell
// whose a late form is and that it came from that session's page.
func recordSessionEnd(ctx context.Context, tx *sql.Tx, tokenHash string, userID int64, csrf string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO session_ends (token_hash, user_id, csrf_hash, ended_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (token_hash) DO NOTHING`, tokenHash, userID, HashToken(csrf), now.Unix())
	return err
}

// purgeHeld deletes held requests past their time and tombstones no held
// request can need any more.
func purgeHeld(ctx context.Context, tx *sql.Tx, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM held_requests WHERE expires_at <= $1`, now.Unix()); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM session_ends WHERE ended_at <= $1`, now.Add(-HeldTTL).Unix())
	return err
}

// Hold keeps req for the user whose session token timed out, if csrfSent is
// that session's form token: a form from the session's own page, not one
// forged elsewhere (the session is gone, so the token is checked against
// its tombstone). It returns the held request's id.
//
// Errors: EUNAUTHORIZED when token names no session that timed out within
// HeldTTL (logged out, ended by an administrator, never existed): the
// request is then not held and is refused as any request without a
// session; EFORBIDDEN when the form token does not match; ETOOMANY when the
// user already has HeldMaxPerUser requests held; ETOOLARGE above
// HeldMaxBytes.
func (s *Service) Hold(ctx context.Context, token, csrfSent string, req HeldRequest) (int64, error) {
	now := s.Clock.Now()
	if len(req.Body) > HeldMaxBytes {
		return 0, core.Errorf(core.ETOOLARGE, "提交的内容过大，无法暂存")
	}
	var userID int64
	var csrfHash string
	err := s.DB.R().QueryRowContext(ctx, `SELECT user_id, csrf_hash FROM session_ends
		WHERE token_hash = $1 AND ended_at > $2`, HashToken(token), now.Add(-HeldTTL).Unix()).Scan(&userID, &csrfHash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, core.Errorf(core.EUNAUTHORIZED, "登录已失效，请重新登录")
	} else if err != nil {
		return 0, fmt.Errorf("auth: session end: %w", err)
	}
	if csrfSent == "" || subtle.ConstantTimeCompare([]byte(HashToken(csrfSent)), []byte(csrfHash)) != 1 {
		return 0, core.Errorf(core.EFORBIDDEN, "请求来源校验失败，请刷新页面后重试")
	}
	u, err := FindUserByID(ctx, s.DB.R(), userID)
	if err != nil {
		return 0, err
	}
	if u.Disabled {
		return 0, core.Errorf(core.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	key, err := s.heldKey(ctx)
	if err != nil {
		return 0, err
	}
	plain, err := json.Marshal(sealedRequest{Method: req.Method, URI: req.URI, ContentType: req.ContentType, Body: req.Body})
	if err != nil {
		return 0, err
	}
	sealed, err := seal(key, userID, plain)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := purgeHeld(ctx, tx, now); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM held_requests WHERE user_id = $1`, userID).Scan(&n); err != nil {
			return err
		}
		if n >= HeldMaxPerUser {
			return core.Errorf(core.ETOOMANY, "暂存的未提交内容已达%d项上限，本次内容未能暂存；请重新登录后处理已暂存的内容", HeldMaxPerUser)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO held_requests (user_id, method, path, sealed, size, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, userID, req.Method, pathOf(req.URI), sealed, len(req.Body),
			now.Unix(), now.Add(HeldTTL).Unix()).Scan(&id); err != nil {
			return err
		}
		actx := core.WithActor(ctx, &core.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName,
			Role: u.Role, UnitID: u.UnitID, IP: metaIP(ctx), RequestID: metaRequestID(ctx)})
		return audit.Record(actx, tx, s.DB.Engine, now, audit.Event{Action: "session.hold", ObjectType: "held_request",
			ObjectID: id, Detail: req.Method + " " + pathOf(req.URI)})
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// HeldCount is how many held requests wait for the user, without opening
// them: the work bench's reminder that they are there.
func (s *Service) HeldCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM held_requests WHERE user_id = $1 AND expires_at > $2`,
		userID, s.Clock.Now().Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("auth: held requests: %w", err)
	}
	return n, nil
}

// HeldFor lists the requests held for userID, oldest first, decrypted.
func (s *Service) HeldFor(ctx context.Context, userID int64) ([]HeldRequest, error) {
	key, err := s.heldKey(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.R().QueryContext(ctx, `SELECT id, sealed, created_at, expires_at FROM held_requests
		WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at, id`, userID, s.Clock.Now().Unix())
	if err != nil {
		return nil, fmt.Errorf("auth: held requests: %w", err)
	}
	defer rows.Close()
	var out []HeldRequest
	for rows.Next() {
		var sealed []byte
		var created, expires int64
		h := HeldRequest{UserID: userID}
		if err := rows.Scan(&h.ID, &sealed, &created, &expires); err != nil {
			return nil, err
		}
		if err := openInto(key, userID, sealed, &h); err != nil {
			return nil, err
		}
		h.CreatedAt, h.ExpiresAt = unix(created), unix(expires)
		out = append(out, h)
	}
	return out, rows.Err()
}

// CountHeld reports how many requests are held for userID.
func (s *Service) CountHeld(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM held_requests WHERE user_id = $1 AND expires_at > $2`,
		userID, s.Clock.Now().Unix()).Scan(&n)
	return n, err
}

// TakeHeld removes the held request id of the actor in ctx and returns it
// for the caller to submit: removed first, in its own audited
// transaction, so that two clicks cannot both submit it (it is committed
// at most once). Someone else's held request is refused as not found and
// the refusal audited.
func (s *Service) TakeHeld(ctx context.Context, id int64) (*HeldRequest, error) {
	return s.removeHeld(ctx, id, "session.held_submit")
}

// DiscardHeld deletes the held request id of the actor in ctx, unsent.
func (s *Service) DiscardHeld(ctx context.Context, id int64) error {
	_, err := s.removeHeld(ctx, id, "session.held_discard")
	return err
}

func (s *Service) removeHeld(ctx context.Context, id int64, action string) (*HeldRequest, error) {
	a := core.ActorFrom(ctx)
	if a == nil {
		return nil, core.Errorf(core.EUNAUTHORIZED, "请先登录")
	}
	now := s.Clock.Now()
	key, err := s.heldKey(ctx)
	if err != nil {
		return nil, err
	}
	h := &HeldRequest{ID: id, UserID: a.UserID}
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		var owner, created, expires int64
		var sealed []byte
		err := tx.QueryRowContext(ctx, `SELECT user_id, sealed, created_at, expires_at FROM held_requests WHERE id = $1`,
			id).Scan(&owner, &sealed, &created, &expires)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return core.Errorf(core.ENOTFOUND, "该暂存内容不存在，可能已提交、已放弃或已过期")
		case err != nil:
			return err
		case owner != a.UserID:
			return audit.OutOfScope("暂存内容", "held_request", id, action)
		case expires <= now.Unix():
			return core.Errorf(core.ENOTFOUND, "该暂存内容已过期（暂存%d小时），已被清除", int(HeldTTL.Hours()))
		}
		if err := openInto(key, owner, sealed, h); err != nil {
			return err
		}
		h.CreatedAt, h.ExpiresAt = unix(created), unix(expires)
		res, err := tx.ExecContext(ctx, `DELETE FROM held_requests WHERE id = $1 AND user_id = $2`, id, a.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return core.Errorf(core.ENOTFOUND, "该暂存内容不存在，可能已提交、已放弃或已过期")
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: action, ObjectType: "held_request",
			ObjectID: id, Detail: h.Method + " " + pathOf(h.URI)})
	})
	if err != nil {
		audit.LogRefusal(ctx, s.DB, now, err)
		return nil, err
	}
	return h, nil
}

// RestoreHeld holds h again for the actor in ctx, keeping its expiry: its
// submission failed on the server's side (the change was rolled back), so
// the content must not be lost. It returns the new id.
func (s *Service) RestoreHeld(ctx context.Context, h *HeldRequest) (int64, error) {
	a := core.ActorFrom(ctx)
	if a == nil || a.UserID != h.UserID {
		return 0, core.Errorf(core.EUNAUTHORIZED, "请先登录")
	}
	key, err := s.heldKey(ctx)
	if err != nil {
		return 0, err
	}
	plain, err := json.Marshal(sealedRequest{Method: h.Method, URI: h.URI, ContentType: h.ContentType, Body: h.Body})
	if err != nil {
		return 0, err
	}
	sealed, err := seal(key, h.UserID, plain)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var id int64
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO held_requests (user_id, method, path, sealed, size, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, h.UserID, h.Method, pathOf(h.URI), sealed, len(h.Body),
			h.CreatedAt.Unix(), h.ExpiresAt.Unix()).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "session.hold", ObjectType: "held_request",
			ObjectID: id, Detail: "kept again after its submission failed: " + h.Method + " " + pathOf(h.URI)})
	})
	return id, err
}

// heldKey returns the sealing key, creating it on first use. Two instances
// creating it at once agree on the first one stored.
func (s *Service) heldKey(ctx context.Context) ([]byte, error) {
	read := func(q db.Querier) ([]byte, error) {
		var v string
		if err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, heldKeySetting).Scan(&v); err != nil {
			return nil, err
		}
		k, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("auth: the %s setting is not a 256-bit key", heldKeySetting)
		}
		return k, nil
	}
	k, err := read(s.DB.R())
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return k, err
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO NOTHING`, heldKeySetting, base64.StdEncoding.EncodeToString(fresh), s.Clock.Now().Unix())
		return err
	})
	if err != nil {
		return nil, err
	}
	return read(s.DB.R())
}

// seal encrypts plain with AES-256-GCM; the user id is authenticated data,
// so a sealed request moved to another user's row does not open.
func seal(key []byte, userID int64, plain []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, plain, heldAAD(userID)), nil
}

func openInto(key []byte, userID int64, sealed []byte, h *HeldRequest) error {
	gcm, err := newGCM(key)
	if err != nil {
		return err
	}
	if len(sealed) < gcm.NonceSize() {
		return errors.New("auth: held request: sealed data too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], heldAAD(userID))
	if err != nil {
		return fmt.Errorf("auth: held request %d does not open: %w", h.ID, err)
	}
	var r sealedRequest
	if err := json.Unmarshal(plain, &r); err != nil {
		return fmt.Errorf("auth: held request %d: %w", h.ID, err)
	}
	h.Method, h.URI, h.ContentType, h.Body = r.Method, r.URI, r.ContentType, r.Body
	return nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func heldAAD(userID int64) []byte {
	return []byte("liandong held request for user " + strconv.FormatInt(userID, 10))
}

// pathOf is the path of a request URI, without its query.
func pathOf(uri string) string {
	for i := 0; i < len(uri); i++ {
		if uri[i] == '?' {
			return uri[:i]
		}
	}
	return uri
}

func metaIP(ctx context.Context) string {
	if m := audit.MetaFrom(ctx); m != nil {
		return m.IP
	}
	return ""
}
