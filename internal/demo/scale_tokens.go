package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/db"
)

// Liaison accounts for load tests: scripts/load-deadline plays a deadline
// day in which every member unit of the scale data submits a report, each
// as its own liaison. Thousands of accounts cannot go through
// auth.CreateUser (an argon2 hash each, ~50 ms), and they need no password:
// they are written here in bulk with a password hash no password matches,
// marked demo (so they work only while the server runs with --demo), and
// each is given a fresh API token.

// LoadLiaisonPrefix begins the username of every load-test liaison; the
// unit's id follows ("load-liaison-1234").
const LoadLiaisonPrefix = "load-liaison-"

// noPassword is stored as the password hash of the load-test liaisons: it
// is not an argon2id encoding, so auth.CheckPassword rejects every password
// and the accounts can be used only through their API tokens.
const noPassword = "!token-only"

// LiaisonToken is one load-test liaison account and its new API token.
type LiaisonToken struct {
	Username string
	Token    string
	UnitID   int64
	BodyID   int64
}

// LiaisonTokens makes sure every member unit of the bodies of one scale's
// synthetic data (LoadScale) has a load-test liaison account in its body,
// and issues each of these accounts a new API token, in one transaction.
// Running it again adds no accounts, only tokens; the earlier tokens stay
// valid. It returns the accounts ordered by unit.
func LiaisonTokens(ctx context.Context, d *db.DB, scale string, now time.Time) ([]LiaisonToken, error) {
	spec, err := scaleSpecs(scale)
	if err != nil {
		return nil, err
	}
	var out []LiaisonToken
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		type member struct {
			body, unit int64
			name       string
		}
		var ms []member
		for _, p := range spec.prefixes {
			// A unit may sit in one body only in the scale data; the
			// liaison's name is the one the roster gives the unit.
			rows, err := tx.QueryContext(ctx, `SELECT mu.body_id, mu.unit_id, COALESCE(MIN(l.name), '')
				FROM member_units mu JOIN bodies b ON b.id = mu.body_id JOIN regions r ON r.id = b.region_id
				LEFT JOIN liaisons l ON l.body_id = mu.body_id AND l.unit_id = mu.unit_id
				WHERE r.code LIKE $1 AND mu.left_on IS NULL
				GROUP BY mu.body_id, mu.unit_id ORDER BY mu.unit_id, mu.body_id`, fmt.Sprintf("%02d%%", p))
			if err != nil {
				return fmt.Errorf("member units: %w", err)
			}
			for rows.Next() {
				var m member
				if err := rows.Scan(&m.body, &m.unit, &m.name); err != nil {
					rows.Close()
					return err
				}
				if len(ms) > 0 && ms[len(ms)-1].unit == m.unit {
					continue // one account per unit: its first body
				}
				ms = append(ms, m)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		if len(ms) == 0 {
			return fmt.Errorf("no member units of the %s scale: load it first (liandong demo --scale %s)", scale, scale)
		}
		existing, err := loadLiaisons(ctx, tx)
		if err != nil {
			return err
		}
		ts := now.Unix()
		var users [][]any
		for _, m := range ms {
			name := LoadLiaisonPrefix + strconv.FormatInt(m.unit, 10)
			if _, ok := existing[name]; ok {
				continue
			}
			display := m.name
			if display == "" {
				display = "联络员" + strconv.FormatInt(m.unit, 10)
			}
			users = append(users, []any{name, display, "liaison", m.unit, noPassword, ts, false, true, ts, ts})
		}
		if err := insertMany(ctx, tx, "users", "username, display_name, role, unit_id, password_hash, "+
			"password_changed_at, must_change_password, demo, created_at, updated_at", users); err != nil {
			return fmt.Errorf("users: %w", err)
		}
		added := len(users)
		if existing, err = loadLiaisons(ctx, tx); err != nil {
			return err
		}
		var bodies, tokens [][]any
		for _, m := range ms {
			name := LoadLiaisonPrefix + strconv.FormatInt(m.unit, 10)
			id := existing[name]
			if id == 0 {
				return fmt.Errorf("user %s was not written", name)
			}
			tok := "ld_" + auth.NewToken()
			out = append(out, LiaisonToken{Username: name, Token: tok, UnitID: m.unit, BodyID: m.body})
			tokens = append(tokens, []any{id, auth.HashToken(tok), "load-deadline", ts})
			bodies = append(bodies, []any{id, m.body})
		}
		// New accounts get their body; the others have it already.
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_bodies WHERE user_id IN
			(SELECT id FROM users WHERE username LIKE $1)`, LoadLiaisonPrefix+"%"); err != nil {
			return db.Normalize(err)
		}
		if err := insertMany(ctx, tx, "user_bodies", "user_id, body_id", bodies); err != nil {
			return fmt.Errorf("user bodies: %w", err)
		}
		if err := insertMany(ctx, tx, "api_tokens", "user_id, token_hash, name, created_at", tokens); err != nil {
			return fmt.Errorf("tokens: %w", err)
		}
		return audit.Record(ctx, tx, d.Engine, now, audit.Event{Action: "demo.scale", ObjectType: "user",
			Detail: fmt.Sprintf("合成数据：压力测试联络员账号新增%d个，签发访问令牌%d个", added, len(tokens))})
	})
	if err != nil {
		return nil, fmt.Errorf("demo: liaison tokens: %w", err)
	}
	return out, nil
}

// loadLiaisons maps the load-test liaisons' usernames to their ids.
func loadLiaisons(ctx context.Context, tx *sql.Tx) (map[string]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, username FROM users WHERE username LIKE $1`, LoadLiaisonPrefix+"%")
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		m[name] = id
	}
	return m, rows.Err()
}
