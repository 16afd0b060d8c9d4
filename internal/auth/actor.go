package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"liandong/internal/core"
	"liandong/internal/db"
)

// requirePerm refuses the action unless the actor in ctx holds p. Routes
// check the permission first; the services check again so that no other
// caller (the API, a future job) can skip it (SECURITY.md B2).
func requirePerm(ctx context.Context, p Permission) error {
	if !Allowed(core.ActorFrom(ctx), p) {
		return core.Forbidden()
	}
	return nil
}

// actorUserID returns the acting user's id for updated_by columns, or nil.
func actorUserID(ctx context.Context) any {
	if a := core.ActorFrom(ctx); a != nil && a.UserID != 0 {
		return a.UserID
	}
	return nil
}

// validUsername reports whether s could be a username: lower-case ASCII
// letters, digits and - _ ., 1 to 64 of them.
func validUsername(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// passwordContext returns the words tied to an account that its password
// must not contain: its real name and its unit's name, short name and
// aliases (SECURITY.md A2: 单位名).
func passwordContext(ctx context.Context, q db.Querier, displayName string, unitID int64) ([]string, error) {
	words := []string{displayName}
	if unitID == 0 {
		return words, nil
	}
	var name, short string
	err := q.QueryRowContext(ctx, `SELECT name, short_name FROM units WHERE id = $1`, unitID).Scan(&name, &short)
	if errors.Is(err, sql.ErrNoRows) {
		return words, nil
	} else if err != nil {
		return nil, fmt.Errorf("auth: unit names: %w", err)
	}
	words = append(words, name, short)
	rows, err := q.QueryContext(ctx, `SELECT alias FROM unit_aliases WHERE unit_id = $1`, unitID)
	if err != nil {
		return nil, fmt.Errorf("auth: unit aliases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		words = append(words, a)
	}
	return words, rows.Err()
}

// prefixFields renames the fields of a validation error (username →
// sys_username) for forms that hold several accounts.
func prefixFields(err error, prefix string) error {
	var es core.Errors
	if errors.As(err, &es) {
		out := make(core.Errors, 0, len(es))
		for _, e := range es {
			out = append(out, core.Invalid(prefix+e.Field, e.Message))
		}
		return out
	}
	var e *core.Error
	if errors.As(err, &e) && e.Code == core.EINVALID && e.Field != "" {
		return core.Invalid(prefix+e.Field, e.Message)
	}
	return err
}
