// Package audit keeps the audit log: who did what to which object, when, from
// where, with the values before and after. Rows are written in the same
// transaction as the change they describe (SECURITY.md C3), are never updated
// or deleted by the product (database triggers refuse it, C4), and carry a
// SHA-256 hash chain so that tampering is detectable.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
)

// Outcomes of an audited event.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Event is one audited action. Before and After are marshalled to JSON; pass
// nil where there is nothing (a creation has no Before).
type Event struct {
	Action     string // dotted verb: "unit.create", "auth.login", "member.replace"
	ObjectType string
	ObjectID   any
	Outcome    string // Success unless set
	Before     any
	After      any
	Detail     string
}

// Entry is a stored audit row.
type Entry struct {
	ID          int64
	At          time.Time
	ActorID     int64
	ActorName   string
	ActorRole   string
	ActorUnitID int64
	IP          string
	RequestID   string
	Action      string
	ObjectType  string
	ObjectID    string
	Outcome     string
	BeforeJSON  string
	AfterJSON   string
	Detail      string
	PrevHash    string
	Hash        string
	// ActorDisplayName is the actor's name as the account has it now. It
	// is not part of the stored row (nor of its hash): Find and Get join it
	// in so that a person can be searched for and shown by name.
	ActorDisplayName string
}

// Record appends ev to the audit log inside tx, taking the actor, address
// and request id from ctx. now is the event time. If Record fails the caller
// must fail the transaction: a change never commits without its record.
func Record(ctx context.Context, tx *sql.Tx, engine db.Engine, now time.Time, ev Event) error {
	e := Entry{
		At:         now.UTC().Truncate(time.Second),
		Action:     ev.Action,
		ObjectType: ev.ObjectType,
		Outcome:    ev.Outcome,
		Detail:     sanitize(ev.Detail),
	}
	if e.Outcome == "" {
		e.Outcome = Success
	}
	if ev.ObjectID != nil {
		e.ObjectID = fmt.Sprint(ev.ObjectID)
	}
	if a := core.ActorFrom(ctx); a != nil {
		e.ActorID, e.ActorName, e.ActorRole, e.ActorUnitID = a.UserID, a.Username, string(a.Role), a.UnitID
		e.IP, e.RequestID = a.IP, a.RequestID
	} else if m := MetaFrom(ctx); m != nil {
		e.IP, e.RequestID = m.IP, m.RequestID
	}
	var err error
	if e.BeforeJSON, err = marshal(ev.Before); err != nil {
		return err
	}
	if e.AfterJSON, err = marshal(ev.After); err != nil {
		return err
	}
	if engine == db.Postgres {
		// Serialise appends so concurrent transactions cannot both chain
		// onto the same predecessor. The lock is released at commit.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7310001)`); err != nil {
			return fmt.Errorf("audit: lock: %w", err)
		}
	}
	err = tx.QueryRowContext(ctx, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&e.PrevHash)
	if err == sql.ErrNoRows {
		e.PrevHash, err = anchor(ctx, tx)
	}
	if err != nil {
		return fmt.Errorf("audit: previous hash: %w", err)
	}
	e.Hash = e.chainHash()
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, actor_role, actor_unit_id,
		ip, request_id, action, object_type, object_id, outcome, before_json, after_json, detail, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		e.At.Unix(), nullID(e.ActorID), e.ActorName, e.ActorRole, nullID(e.ActorUnitID),
		e.IP, e.RequestID, e.Action, e.ObjectType, e.ObjectID, e.Outcome,
		e.BeforeJSON, e.AfterJSON, e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("audit: insert: %w", err)
	}
	return nil
}

// Log records ev in a transaction of its own: for events that change nothing
// else, such as a failed login or a denied request.
func Log(ctx context.Context, d *db.DB, now time.Time, ev Event) error {
	return d.InTx(ctx, func(tx *sql.Tx) error { return Record(ctx, tx, d.Engine, now, ev) })
}

// anchorKey is the settings key holding the hash of the last purged row,
// from which the chain continues after a retention purge.
const anchorKey = "audit.chain_anchor"

func anchor(ctx context.Context, q db.Querier) (string, error) {
	var h string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, anchorKey).Scan(&h)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return h, err
}

// chainHash is SHA-256 over the previous hash and every field of the row,
// length-prefixed so that no two different rows hash alike.
func (e *Entry) chainHash() string {
	h := sha256.New()
	for _, f := range []string{
		e.PrevHash, strconv.FormatInt(e.At.Unix(), 10), strconv.FormatInt(e.ActorID, 10), e.ActorName,
		e.ActorRole, strconv.FormatInt(e.ActorUnitID, 10), e.IP, e.RequestID, e.Action, e.ObjectType,
		e.ObjectID, e.Outcome, e.BeforeJSON, e.AfterJSON, e.Detail,
	} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func marshal(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit: marshal: %w", err)
	}
	return string(b), nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Meta carries the address and request id of an anonymous request (a login
// attempt has no actor yet).
type Meta struct {
	IP        string
	RequestID string
}

type metaKey struct{}

// WithMeta returns ctx carrying m.
func WithMeta(ctx context.Context, m *Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request metadata in ctx, or nil.
func MetaFrom(ctx context.Context) *Meta { m, _ := ctx.Value(metaKey{}).(*Meta); return m }

// sanitize keeps control characters out of free text stored in the log.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
