package api

import (
	"context"
	"net/http"
	"strings"

	"liandong/internal/org"
)

// ---- member units ----

// MemberUnitCreate is the body of POST /bodies/{id}/member-units.
type MemberUnitCreate struct {
	UnitID    int64  `json:"unit_id"`
	JoinedOn  string `json:"joined_on"`
	SortOrder int64  `json:"sort_order"`
}

// MemberUnitEnd is the body of POST /member-units/{id}/end: left_on is the
// first day the unit is no longer a member.
type MemberUnitEnd struct {
	LeftOn string `json:"left_on"`
}

func (s *Server) listMemberUnits(r *http.Request, id int64) (List[org.MemberUnit], error) {
	ms, err := s.Org.ListMemberUnits(r.Context(), id)
	return paged(r, ms), err
}

func (s *Server) addMemberUnit(ctx context.Context, id int64, in MemberUnitCreate) (*org.MemberUnit, error) {
	return s.Org.AddMemberUnit(ctx, id, org.MemberUnitInput{UnitID: in.UnitID, JoinedOn: in.JoinedOn, SortOrder: in.SortOrder})
}

func (s *Server) endMembership(ctx context.Context, id int64, in MemberUnitEnd) (*org.MemberUnit, error) {
	return s.Org.EndMembership(ctx, id, in.LeftOn)
}

// ---- members (seats) ----

// MemberCreate is the body of POST /bodies/{id}/members: seats a person.
type MemberCreate struct {
	Role       org.SeatRole `json:"role"`
	PersonName string       `json:"person_name"`
	Position   string       `json:"position"`
	UnitID     int64        `json:"unit_id"`
	TermStart  string       `json:"term_start"`
	SortOrder  int64        `json:"sort_order"`
}

// MemberPatch is the body of PATCH /members/{id}: corrects a seat row (a
// misspelt name, a new title). Putting another person in the seat is a
// replacement (POST /members/{id}/replace), which keeps the history.
type MemberPatch struct {
	PersonName *string `json:"person_name"`
	Position   *string `json:"position"`
	UnitID     *int64  `json:"unit_id"`
	SortOrder  *int64  `json:"sort_order"`
	Version    *int64  `json:"version"`
}

// MemberReplace is the body of POST /members/{id}/replace: the new holder
// takes the seat on on_date, the day the current holder's term ends.
type MemberReplace struct {
	PersonName string `json:"person_name"`
	Position   string `json:"position"`
	UnitID     int64  `json:"unit_id"`
	OnDate     string `json:"on_date"`
	Version    *int64 `json:"version"`
}

// MemberEnd is the body of POST /members/{id}/end: the term ends on
// on_date with no successor.
type MemberEnd struct {
	OnDate  string `json:"on_date"`
	Version *int64 `json:"version"`
}

// listMembers lists the seats held on ?date= (today by default) in roster
// order: leader, deputies, members, office director.
func (s *Server) listMembers(r *http.Request, id int64) (List[org.Member], error) {
	ro, err := s.Org.Roster(r.Context(), id, strings.TrimSpace(r.URL.Query().Get("date")))
	if err != nil {
		return List[org.Member]{}, err
	}
	return paged(r, ro.Seats()), nil
}

func (s *Server) addMember(ctx context.Context, id int64, in MemberCreate) (*org.Member, error) {
	return s.Org.AddMember(ctx, id, org.MemberInput{Role: in.Role, PersonName: in.PersonName,
		Position: in.Position, UnitID: in.UnitID, TermStart: in.TermStart, SortOrder: in.SortOrder})
}

func (s *Server) updateMember(ctx context.Context, id int64, in MemberPatch) (*org.Member, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	cur, err := s.Org.GetMember(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Org.UpdateMember(ctx, id, org.MemberUpdate{PersonName: pick(in.PersonName, cur.PersonName),
		Position: pick(in.Position, cur.Position), UnitID: pick(in.UnitID, cur.UnitID),
		SortOrder: pick(in.SortOrder, cur.SortOrder), Version: v})
}

// replaceMember answers 201 with the successor's new seat row; the ended
// row keeps its id and shows replaced_by_id in the body's history.
func (s *Server) replaceMember(ctx context.Context, id int64, in MemberReplace) (*org.Member, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	return s.Org.ReplaceMember(ctx, id, org.Replacement{PersonName: in.PersonName, Position: in.Position,
		UnitID: in.UnitID, OnDate: in.OnDate, Version: v})
}

func (s *Server) endMember(ctx context.Context, id int64, in MemberEnd) (*org.Member, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	return s.Org.EndMember(ctx, id, in.OnDate, v)
}
