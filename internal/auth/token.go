package auth

import (
	"context"
	"database/sql"
	"fmt"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// CreateToken issues an API token for the user and returns it. Only its hash
// is stored; the token itself is shown once.
func (s *Service) CreateToken(ctx context.Context, username, name string) (string, error) {
	now := s.Clock.Now()
	token := "ld_" + NewToken()
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		u, err := FindUserByUsername(ctx, tx, username)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, token_hash, name, created_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, u.ID, HashToken(token), name, now.Unix()).Scan(&id); err != nil {
			return db.Normalize(err)
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "token.create", ObjectType: "api_token",
			ObjectID: id, After: map[string]any{"user_id": u.ID, "name": name}})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// TokenUser returns the user owning an API token. Revoked tokens, disabled
// users and demo users outside demo mode are refused.
func (s *Service) TokenUser(ctx context.Context, token string) (*User, error) {
	bad := core.Errorf(core.EUNAUTHORIZED, "访问令牌无效或已撤销")
	var userID int64
	err := s.DB.R().QueryRowContext(ctx, `SELECT user_id FROM api_tokens WHERE token_hash = $1 AND NOT revoked`,
		HashToken(token)).Scan(&userID)
	if err == sql.ErrNoRows {
		return nil, bad
	} else if err != nil {
		return nil, fmt.Errorf("auth: token: %w", err)
	}
	u, err := FindUserByID(ctx, s.DB.R(), userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled || (u.Demo && !s.DemoMode) {
		return nil, bad
	}
	return u, nil
}
