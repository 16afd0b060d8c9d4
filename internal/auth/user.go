// Package auth holds accounts, passwords, sessions, API tokens, the security
// policy, and the one place where authorization by role is decided
// (permission.go). Object scope by unit and body is decided by each domain
// service with the Actor this package builds.
package auth

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
)

// User is an account.
type User struct {
	ID                 int64
	Username           string
	DisplayName        string
	Role               core.Role
	UnitID             int64
	Phone              string
	Email              string
	PasswordHash       string
	PasswordChangedAt  time.Time
	MustChangePassword bool
	Disabled           bool
	Demo               bool
	FailedLogins       int
	FirstFailedAt      time.Time
	LockedUntil        time.Time
	LastLoginAt        time.Time
	TOTPSecret         string
	TOTPLastStep       int64
	BodyIDs            []int64
}

const userColumns = `id, username, display_name, role, COALESCE(unit_id, 0), phone, email, password_hash,
	password_changed_at, must_change_password, disabled, demo, failed_logins, first_failed_at, locked_until,
	last_login_at, totp_secret, totp_last_step`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var changed, firstFail, locked, last int64
	var role string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.UnitID, &u.Phone, &u.Email, &u.PasswordHash,
		&changed, &u.MustChangePassword, &u.Disabled, &u.Demo, &u.FailedLogins, &firstFail, &locked,
		&last, &u.TOTPSecret, &u.TOTPLastStep)
	if err != nil {
		return nil, err
	}
	u.Role = core.Role(role)
	u.PasswordChangedAt, u.FirstFailedAt = unix(changed), unix(firstFail)
	u.LockedUntil, u.LastLoginAt = unix(locked), unix(last)
	return &u, nil
}

func unix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// FindUserByID returns the user, ENOTFOUND if there is none.
func FindUserByID(ctx context.Context, q db.Querier, id int64) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return nil, db.Normalize(err)
	}
	u.BodyIDs, err = userBodies(ctx, q, id)
	return u, err
}

// FindUserByUsername returns the user, ENOTFOUND if there is none.
func FindUserByUsername(ctx context.Context, q db.Querier, username string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
	if err != nil {
		return nil, db.Normalize(err)
	}
	u.BodyIDs, err = userBodies(ctx, q, u.ID)
	return u, err
}

func userBodies(ctx context.Context, q db.Querier, userID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT body_id FROM user_bodies WHERE user_id = $1 ORDER BY body_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("auth: user bodies: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ActorFor builds the Actor of u: its bodies, and for office staff also
// every body below them, since an office sees its subordinate bodies.
func ActorFor(ctx context.Context, q db.Querier, u *User) (*core.Actor, error) {
	a := &core.Actor{UserID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role,
		UnitID: u.UnitID, BodyIDs: u.BodyIDs}
	a.ScopeIDs = append([]int64(nil), u.BodyIDs...)
	if u.Role != core.RoleOffice {
		return a, nil
	}
	// One recursive query down the body tree from the user's bodies: a
	// province office reaches ~100 bodies, and this runs on every request.
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE sub(id) AS (
			SELECT b.id FROM bodies b JOIN user_bodies ub ON ub.body_id = b.parent_id WHERE ub.user_id = $1
			UNION
			SELECT b.id FROM bodies b JOIN sub ON b.parent_id = sub.id
		) SELECT id FROM sub ORDER BY id`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: subordinate bodies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !slices.Contains(u.BodyIDs, id) {
			a.ScopeIDs = append(a.ScopeIDs, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: subordinate bodies: %w", err)
	}
	return a, nil
}

// insertUser stores a new user with its bodies inside tx.
func insertUser(ctx context.Context, tx *sql.Tx, u *User, now time.Time) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, role, unit_id, phone, email,
		password_hash, password_changed_at, must_change_password, demo, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		u.Username, u.DisplayName, string(u.Role), nullID(u.UnitID), u.Phone, u.Email, u.PasswordHash,
		now.Unix(), u.MustChangePassword, u.Demo, now.Unix()).Scan(&u.ID)
	if err != nil {
		return db.Normalize(err)
	}
	for _, b := range u.BodyIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_bodies (user_id, body_id) VALUES ($1, $2)`, u.ID, b); err != nil {
			return db.Normalize(err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO password_history (user_id, hash, created_at) VALUES ($1, $2, $3)`,
		u.ID, u.PasswordHash, now.Unix())
	return db.Normalize(err)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
