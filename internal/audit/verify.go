package audit

import (
	"context"
	"fmt"
	"time"

	"liandong/internal/db"
)

// Verify walks the whole chain in id order and returns the id of the first
// row whose hash does not match its content or whose link to the previous
// row is broken; 0 means the chain is intact.
func Verify(ctx context.Context, q db.Querier) (brokenID int64, checked int, err error) {
	prev, err := anchor(ctx, q)
	if err != nil {
		return 0, 0, fmt.Errorf("audit: anchor: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+entryColumns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, 0, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return 0, checked, err
		}
		checked++
		if e.PrevHash != prev || e.chainHash() != e.Hash {
			return e.ID, checked, nil
		}
		prev = e.Hash
	}
	return 0, checked, rows.Err()
}

const entryColumns = `id, at, COALESCE(actor_id, 0), actor_name, actor_role, COALESCE(actor_unit_id, 0), ip, request_id,
	action, object_type, object_id, outcome, before_json, after_json, detail, prev_hash, hash`

func scanEntry(row interface{ Scan(...any) error }) (*Entry, error) {
	var e Entry
	var at int64
	err := row.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.ActorRole, &e.ActorUnitID, &e.IP, &e.RequestID,
		&e.Action, &e.ObjectType, &e.ObjectID, &e.Outcome, &e.BeforeJSON, &e.AfterJSON, &e.Detail, &e.PrevHash, &e.Hash)
	if err != nil {
		return nil, err
	}
	e.At = time.Unix(at, 0).UTC()
	return &e, nil
}
