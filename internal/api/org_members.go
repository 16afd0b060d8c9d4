package api

import (
	"net/http"
	"strings"

	"liandong/internal/httpx"
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

func (s *Server) listMemberUnits(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.Org.ListMemberUnits(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, paged(r, ms))
}

func (s *Server) addMemberUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in MemberUnitCreate
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Org.AddMemberUnit(r.Context(), id, org.MemberUnitInput{UnitID: in.UnitID, JoinedOn: in.JoinedOn, SortOrder: in.SortOrder})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	created(w, "", m)
}

func (s *Server) endMembership(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in MemberUnitEnd
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Org.EndMembership(r.Context(), id, in.LeftOn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
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
func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ro, err := s.Org.Roster(r.Context(), id, strings.TrimSpace(r.URL.Query().Get("date")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, paged(r, ro.Seats()))
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in MemberCreate
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Org.AddMember(r.Context(), id, org.MemberInput{Role: in.Role, PersonName: in.PersonName,
		Position: in.Position, UnitID: in.UnitID, TermStart: in.TermStart, SortOrder: in.SortOrder})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	created(w, "", m)
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in MemberPatch
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := version(in.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.Org.GetMember(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Org.UpdateMember(r.Context(), id, org.MemberUpdate{PersonName: pick(in.PersonName, cur.PersonName),
		Position: pick(in.Position, cur.Position), UnitID: pick(in.UnitID, cur.UnitID),
		SortOrder: pick(in.SortOrder, cur.SortOrder), Version: v})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

// replaceMember answers 201 with the successor's new seat row; the ended
// row keeps its id and shows replaced_by_id in the body's history.
func (s *Server) replaceMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in MemberReplace
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := version(in.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Org.ReplaceMember(r.Context(), id, org.Replacement{PersonName: in.PersonName, Position: in.Position,
		UnitID: in.UnitID, OnDate: in.OnDate, Version: v})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	created(w, "", m)
}

func (s *Server) endMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in MemberEnd
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := version(in.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.Org.EndMember(r.Context(), id, in.OnDate, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}
