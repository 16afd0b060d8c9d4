package org

import (
	"context"
	"fmt"

	"liandong/internal/core"
	"liandong/internal/db"
)

// Overview is one body at a glance for the work bench (工作台): its size
// today, and the member units that have no active liaison — the gap an
// office most often has to chase, since reports and data calls go to the
// liaison.
type Overview struct {
	Body         Body
	MemberUnits  int
	Seats        int
	Liaisons     int
	Subordinates int
	NoLiaison    []MemberUnit // current member units without an active liaison
}

// Overviews returns the overview of every body the actor acts in (not the
// subordinate bodies it may also read), in id order.
func (s *Service) Overviews(ctx context.Context) ([]Overview, error) {
	var out []Overview
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if !business(a) {
			return nil
		}
		today := Today(s.Clock)
		for _, id := range a.BodyIDs {
			b, err := FindBodyByID(ctx, q, id)
			if err != nil {
				return err
			}
			o := Overview{Body: *b}
			if err := q.QueryRowContext(ctx, `SELECT
				(SELECT COUNT(*) FROM member_units WHERE body_id = $1 AND joined_on <= $2 AND (left_on IS NULL OR left_on > $2)),
				(SELECT COUNT(*) FROM members WHERE body_id = $1 AND term_start <= $2 AND (term_end IS NULL OR term_end > $2)),
				(SELECT COUNT(*) FROM liaisons WHERE body_id = $1 AND active),
				(SELECT COUNT(*) FROM bodies WHERE parent_id = $1)`, id, today).
				Scan(&o.MemberUnits, &o.Seats, &o.Liaisons, &o.Subordinates); err != nil {
				return fmt.Errorf("org: overview of body %d: %w", id, err)
			}
			current, err := FindMemberUnitsOn(ctx, q, id, today)
			if err != nil {
				return err
			}
			covered, err := unitsWithLiaison(ctx, q, id)
			if err != nil {
				return err
			}
			for _, m := range current {
				if !covered[m.UnitID] {
					o.NoLiaison = append(o.NoLiaison, m)
				}
			}
			out = append(out, o)
		}
		return nil
	})
	return out, err
}

func unitsWithLiaison(ctx context.Context, q db.Querier, bodyID int64) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT unit_id FROM liaisons WHERE body_id = $1 AND active`, bodyID)
	if err != nil {
		return nil, fmt.Errorf("org: units with a liaison: %w", err)
	}
	defer rows.Close()
	m := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		m[id] = true
	}
	return m, rows.Err()
}
