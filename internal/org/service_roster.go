package org

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// ---- member units ----

// ListMemberUnits returns every membership of the body, past ones too.
func (s *Service) ListMemberUnits(ctx context.Context, bodyID int64) ([]MemberUnit, error) {
	var out []MemberUnit
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readableBody(ctx, q, a, bodyID, "list member units"); err != nil {
			return err
		}
		var err error
		out, err = FindMemberUnits(ctx, q, bodyID)
		return err
	})
	return out, err
}

// GetMemberUnit returns membership id if the actor may read its body.
func (s *Service) GetMemberUnit(ctx context.Context, id int64) (*MemberUnit, error) {
	var m *MemberUnit
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if m, err = FindMemberUnitByID(ctx, q, id); err != nil {
			return err
		}
		if !CanRead(a, m.BodyID) {
			return denied("成员单位", "member_unit", id, "get member unit")
		}
		return nil
	})
	return m, err
}

// AddMemberUnit makes a unit a member of the actor's body from
// in.JoinedOn. A unit already a member on that date (or later) is refused.
func (s *Service) AddMemberUnit(ctx context.Context, bodyID int64, in MemberUnitInput) (*MemberUnit, error) {
	var m *MemberUnit
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := writableBody(ctx, tx, core.ActorFrom(ctx), bodyID, "add member unit"); err != nil {
			return err
		}
		var err error
		if m, err = InsertMemberUnit(ctx, tx, bodyID, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "member_unit.add", ObjectType: "member_unit", ObjectID: m.ID, After: m})
	})
	return m, err
}

// EndMembership ends a unit's membership: leftOn is the first day it is no
// longer a member. Its liaison entries in the body are made inactive in the
// same transaction, since a liaison acts for a member unit.
func (s *Service) EndMembership(ctx context.Context, memberUnitID int64, leftOn string) (*MemberUnit, error) {
	var m *MemberUnit
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		before, err := FindMemberUnitByID(ctx, tx, memberUnitID)
		if err != nil {
			return err
		}
		if !CanWrite(core.ActorFrom(ctx), before.BodyID) {
			return denied("成员单位", "member_unit", memberUnitID, "end membership")
		}
		after := *before
		if err := EndMemberUnit(ctx, tx, &after, leftOn); err != nil {
			return err
		}
		n, err := deactivateLiaisons(ctx, tx, now, before.BodyID, before.UnitID)
		if err != nil {
			return err
		}
		m = &after
		return s.record(ctx, tx, now, audit.Event{Action: "member_unit.end", ObjectType: "member_unit", ObjectID: m.ID,
			Before: before, After: m, Detail: fmt.Sprintf("%d liaison entries deactivated", n)})
	})
	return m, err
}

// ---- members (seats) ----

// GetMember returns seat row id if the actor may read its body.
func (s *Service) GetMember(ctx context.Context, id int64) (*Member, error) {
	var m *Member
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if m, err = FindMemberByID(ctx, q, id); err != nil {
			return err
		}
		if !CanRead(a, m.BodyID) {
			return denied("成员", "member", id, "get member")
		}
		return nil
	})
	return m, err
}

// AddMember seats a person in the actor's body.
func (s *Service) AddMember(ctx context.Context, bodyID int64, in MemberInput) (*Member, error) {
	var m *Member
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		if _, err := writableBody(ctx, tx, core.ActorFrom(ctx), bodyID, "add member"); err != nil {
			return err
		}
		var err error
		if m, err = InsertMember(ctx, tx, bodyID, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "member.add", ObjectType: "member", ObjectID: m.ID, After: m})
	})
	return m, err
}

// ReplaceMember puts a new person into seat memberID from in.OnDate: the
// current holder's term ends that day and a new row, linked to the old one,
// starts. Nothing is overwritten, so the body as it stood on any earlier
// date can still be shown. A stale in.Version is ECONFLICT.
func (s *Service) ReplaceMember(ctx context.Context, memberID int64, in Replacement) (*Member, error) {
	var m *Member
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		old, err := FindMemberByID(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if !CanWrite(core.ActorFrom(ctx), old.BodyID) {
			return denied("成员", "member", memberID, "replace member")
		}
		before := *old
		if m, err = ReplaceMember(ctx, tx, old, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "member.replace", ObjectType: "member", ObjectID: memberID,
			Before: before, After: map[string]any{"ended": old, "successor": m}})
	})
	return m, err
}

// EndMember ends seat memberID's term on onDate with no successor.
func (s *Service) EndMember(ctx context.Context, memberID int64, onDate string, version int64) (*Member, error) {
	var m *Member
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		old, err := FindMemberByID(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if !CanWrite(core.ActorFrom(ctx), old.BodyID) {
			return denied("成员", "member", memberID, "end member")
		}
		before := *old
		if err := EndMember(ctx, tx, old, onDate, version); err != nil {
			return err
		}
		m = old
		return s.record(ctx, tx, now, audit.Event{Action: "member.end", ObjectType: "member", ObjectID: memberID, Before: before, After: m})
	})
	return m, err
}

// UpdateMember corrects seat row memberID (spelling, position title,
// order) if in.Version is still current. A change of person is a
// replacement, not an update.
func (s *Service) UpdateMember(ctx context.Context, memberID int64, in MemberUpdate) (*Member, error) {
	var m *Member
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		before, err := FindMemberByID(ctx, tx, memberID)
		if err != nil {
			return err
		}
		if !CanWrite(core.ActorFrom(ctx), before.BodyID) {
			return denied("成员", "member", memberID, "update member")
		}
		if m, err = UpdateMember(ctx, tx, memberID, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "member.update", ObjectType: "member", ObjectID: memberID, Before: before, After: m})
	})
	return m, err
}

// Roster returns the body as it stood on asOf (YYYY-MM-DD; empty means
// today in China): leader, deputies and members in order, the office's
// unit and department, its director, and the member units.
func (s *Service) Roster(ctx context.Context, bodyID int64, asOf string) (*Roster, error) {
	asOf, err := s.asOfDate(asOf)
	if err != nil {
		return nil, err
	}
	var r *Roster
	err = s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readableBody(ctx, q, a, bodyID, "roster"); err != nil {
			return err
		}
		var err error
		r, err = LoadRoster(ctx, q, bodyID, asOf)
		return err
	})
	return r, err
}

// MemberHistory returns every seat of the body with the people who held
// it, in order, and who replaced whom. Office and leaders only.
func (s *Service) MemberHistory(ctx context.Context, bodyID int64) ([]Seat, error) {
	var out []Seat
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := FindBodyByID(ctx, q, bodyID); err != nil {
			return err
		}
		if !CanReadHistory(a, bodyID) {
			return denied("机构", "body", bodyID, "member history")
		}
		rows, err := FindMembers(ctx, q, bodyID)
		if err != nil {
			return err
		}
		out = SeatHistory(rows)
		return nil
	})
	return out, err
}
