package org

import (
	"context"
	"database/sql"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// ---- liaisons ----

// ListLiaisons returns the body's liaisons. Phone numbers and e-mail
// addresses are masked unless the actor is the body's office or belongs to
// the liaison's own unit.
func (s *Service) ListLiaisons(ctx context.Context, bodyID int64) ([]Liaison, error) {
	var out []Liaison
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readableBody(ctx, q, a, bodyID, "list liaisons"); err != nil {
			return err
		}
		var err error
		if out, err = FindLiaisons(ctx, q, bodyID); err != nil {
			return err
		}
		for i := range out {
			maskFor(a, &out[i])
		}
		return nil
	})
	return out, err
}

// GetLiaison returns liaison entry id, masked as in ListLiaisons.
func (s *Service) GetLiaison(ctx context.Context, id int64) (*Liaison, error) {
	var l *Liaison
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if l, err = FindLiaisonByID(ctx, q, id); err != nil {
			return err
		}
		if !CanRead(a, l.BodyID) {
			return denied("联络员", "liaison", id, "get liaison")
		}
		maskFor(a, l)
		return nil
	})
	return l, err
}

// CreateLiaison adds a liaison for a current member unit of the actor's body.
func (s *Service) CreateLiaison(ctx context.Context, bodyID int64, in LiaisonInput) (*Liaison, error) {
	var l *Liaison
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := writableBody(ctx, tx, core.ActorFrom(ctx), bodyID, "create liaison"); err != nil {
			return err
		}
		var err error
		if l, err = InsertLiaison(ctx, tx, now, bodyID, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "liaison.create", ObjectType: "liaison", ObjectID: l.ID, After: l})
	})
	return l, err
}

// UpdateLiaison changes liaison entry id if in.Version is still current.
// The office may change any entry of its body; a liaison only the entries
// of their own unit, and then neither the unit nor the active flag: those
// are kept whatever the request says (SECURITY.md B4). Any other entry is
// ENOTFOUND.
func (s *Service) UpdateLiaison(ctx context.Context, id int64, in LiaisonInput) (*Liaison, error) {
	var l *Liaison
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		a := core.ActorFrom(ctx)
		before, err := FindLiaisonByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if !CanEditLiaison(a, before) {
			return denied("联络员", "liaison", id, "update liaison")
		}
		if !CanWrite(a, before.BodyID) {
			in.UnitID, in.Active = before.UnitID, before.Active
		}
		if l, err = UpdateLiaison(ctx, tx, now, before, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "liaison.update", ObjectType: "liaison", ObjectID: id, Before: before, After: l})
	})
	return l, err
}

// ---- duties ----

// ListDuties returns the body's duty lists in display order.
func (s *Service) ListDuties(ctx context.Context, bodyID int64) ([]DutyList, error) {
	var out []DutyList
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readableBody(ctx, q, a, bodyID, "list duties"); err != nil {
			return err
		}
		ds, err := FindDuties(ctx, q, bodyID)
		out = GroupDuties(ds)
		return err
	})
	return out, err
}

// GetDuty returns duty id if the actor may read its body.
func (s *Service) GetDuty(ctx context.Context, id int64) (*Duty, error) {
	var d *Duty
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if d, err = FindDutyByID(ctx, q, id); err != nil {
			return err
		}
		if !CanRead(a, d.BodyID) {
			return denied("职责", "duty", id, "get duty")
		}
		return nil
	})
	return d, err
}

// AddDuty appends a duty to one of the actor's body's lists.
func (s *Service) AddDuty(ctx context.Context, bodyID int64, in DutyInput) (*Duty, error) {
	var d *Duty
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := writableBody(ctx, tx, core.ActorFrom(ctx), bodyID, "add duty"); err != nil {
			return err
		}
		var err error
		if d, err = InsertDuty(ctx, tx, bodyID, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "duty.create", ObjectType: "duty", ObjectID: d.ID, After: d})
	})
	return d, err
}

// writableDuty loads duty id inside tx if the actor may change its body.
func writableDuty(ctx context.Context, q db.Querier, id int64, op string) (*Duty, error) {
	d, err := FindDutyByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !CanWrite(core.ActorFrom(ctx), d.BodyID) {
		return nil, denied("职责", "duty", id, op)
	}
	return d, nil
}

// UpdateDuty changes a duty's text if in.Version is still current.
func (s *Service) UpdateDuty(ctx context.Context, id int64, in DutyUpdate) (*Duty, error) {
	var d *Duty
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		before, err := writableDuty(ctx, tx, id, "update duty")
		if err != nil {
			return err
		}
		if d, err = UpdateDuty(ctx, tx, id, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "duty.update", ObjectType: "duty", ObjectID: id, Before: before, After: d})
	})
	return d, err
}

// DeleteDuty removes a duty (if version is current) and renumbers its list.
func (s *Service) DeleteDuty(ctx context.Context, id int64, version int64) error {
	return s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		before, err := writableDuty(ctx, tx, id, "delete duty")
		if err != nil {
			return err
		}
		if err := DeleteDuty(ctx, tx, before, version); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "duty.delete", ObjectType: "duty", ObjectID: id, Before: before})
	})
}

// ReorderDuties numbers one list of the actor's body (scope, and the unit
// for a unit's list) in the order of ids, which must be exactly that
// list's duties.
func (s *Service) ReorderDuties(ctx context.Context, bodyID int64, scope DutyScope, unitID int64, ids []int64) error {
	return s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := writableBody(ctx, tx, core.ActorFrom(ctx), bodyID, "reorder duties"); err != nil {
			return err
		}
		if !scope.Valid() {
			return core.Invalid("scope", "职责类别无效")
		}
		return s.reorder(ctx, tx, now, bodyID, scope, unitID, ids)
	})
}

func (s *Service) reorder(ctx context.Context, tx *sql.Tx, now time.Time, bodyID int64, scope DutyScope, unitID int64, ids []int64) error {
	before, err := dutyListIDs(ctx, tx, bodyID, scope, unitID)
	if err != nil {
		return err
	}
	if err := ReorderDuties(ctx, tx, bodyID, scope, unitID, ids); err != nil {
		return err
	}
	return s.record(ctx, tx, now, audit.Event{Action: "duty.reorder", ObjectType: "body", ObjectID: bodyID,
		Before: before, After: ids, Detail: string(scope)})
}

// MoveDuty moves duty id one place up (delta -1) or down (+1) in its list;
// at either end it stays put. version is the duty row the user saw.
func (s *Service) MoveDuty(ctx context.Context, id int64, delta int, version int64) error {
	return s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		d, err := writableDuty(ctx, tx, id, "move duty")
		if err != nil {
			return err
		}
		if d.Version != version {
			return stale("该职责")
		}
		ids, err := dutyListIDs(ctx, tx, d.BodyID, d.Scope, d.UnitID)
		if err != nil {
			return err
		}
		i := -1
		for k, x := range ids {
			if x == id {
				i = k
			}
		}
		j := i + delta
		if i < 0 || (delta != -1 && delta != 1) || j < 0 || j >= len(ids) {
			return nil
		}
		ids[i], ids[j] = ids[j], ids[i]
		return s.reorder(ctx, tx, now, d.BodyID, d.Scope, d.UnitID, ids)
	})
}

// GetLiaisonForChange returns liaison entry id if the actor may edit it
// (the office of its body, or a liaison of its unit), unmasked: ENOTFOUND
// otherwise, audited as a denial.
func (s *Service) GetLiaisonForChange(ctx context.Context, id int64) (*Liaison, error) {
	var l *Liaison
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if l, err = FindLiaisonByID(ctx, q, id); err != nil {
			return err
		}
		if !CanEditLiaison(a, l) {
			return denied("联络员", "liaison", id, "open liaison form")
		}
		return nil
	})
	return l, err
}
