package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/httpx"
	"liandong/internal/org"
)

// ---- liaisons ----

// LiaisonCreate is the body of POST /bodies/{id}/liaisons: a contact
// person for a current member unit. A new entry is active.
type LiaisonCreate struct {
	UnitID int64  `json:"unit_id"`
	Name   string `json:"name"`
	Post   string `json:"post"`
	Phone  string `json:"phone"`
	Email  string `json:"email"`
}

// LiaisonPatch is the body of PATCH /liaisons/{id}. A liaison editing
// their own unit's entry cannot move it to another unit or deactivate it:
// the service keeps unit_id and active whatever is sent (B4).
type LiaisonPatch struct {
	UnitID  *int64  `json:"unit_id"`
	Name    *string `json:"name"`
	Post    *string `json:"post"`
	Phone   *string `json:"phone"`
	Email   *string `json:"email"`
	Active  *bool   `json:"active"`
	Version *int64  `json:"version"`
}

func (s *Server) listLiaisons(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ls, err := s.Org.ListLiaisons(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, paged(r, ls))
}

func (s *Server) createLiaison(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in LiaisonCreate
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := s.Org.CreateLiaison(r.Context(), id, org.LiaisonInput{UnitID: in.UnitID, Name: in.Name, Post: in.Post,
		Phone: in.Phone, Email: in.Email, Active: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	created(w, fmt.Sprintf("/api/v1/liaisons/%d", l.ID), l)
}

func (s *Server) getLiaison(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := s.Org.GetLiaison(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, l)
}

func (s *Server) updateLiaison(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in LiaisonPatch
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := version(in.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The unmasked entry, and only for someone who may edit it: the
	// fields the request leaves out are kept as they are, never masked.
	cur, err := s.Org.GetLiaisonForChange(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l, err := s.Org.UpdateLiaison(r.Context(), id, org.LiaisonInput{UnitID: pick(in.UnitID, cur.UnitID),
		Name: pick(in.Name, cur.Name), Post: pick(in.Post, cur.Post), Phone: pick(in.Phone, cur.Phone),
		Email: pick(in.Email, cur.Email), Active: pick(in.Active, cur.Active), Version: v})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, l)
}

// ---- duties ----

// DutyCreate is the body of POST /bodies/{id}/duties: the duty goes at the
// end of its list. unit_id names the unit of a unit's specific duties.
type DutyCreate struct {
	Scope  org.DutyScope `json:"scope"`
	UnitID int64         `json:"unit_id"`
	Text   string        `json:"text"`
}

// DutyPatch is the body of PATCH /duties/{id}.
type DutyPatch struct {
	Text    string `json:"text"`
	Version *int64 `json:"version"`
}

// DutyReorder is the body of POST /bodies/{id}/duties/reorder: ids are
// exactly the duties of one list (scope, and unit_id for a unit's list) in
// their new order.
type DutyReorder struct {
	Scope  org.DutyScope `json:"scope"`
	UnitID int64         `json:"unit_id"`
	IDs    []int64       `json:"ids"`
}

// listDuties lists the body's duties in display order: by list (common,
// office, liaison, each unit's), then by number within the list.
func (s *Server) listDuties(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lists, err := s.Org.ListDuties(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var all []org.Duty
	for _, l := range lists {
		all = append(all, l.Duties...)
	}
	httpx.WriteJSON(w, http.StatusOK, paged(r, all))
}

func (s *Server) addDuty(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in DutyCreate
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.Org.AddDuty(r.Context(), id, org.DutyInput{Scope: in.Scope, UnitID: in.UnitID, Text: in.Text})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	created(w, "", d)
}

func (s *Server) updateDuty(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in DutyPatch
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := version(in.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.Org.UpdateDuty(r.Context(), id, org.DutyUpdate{Text: in.Text, Version: v})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d)
}

// deleteDuty takes the version as ?version=, since a DELETE has no body;
// the rest of the list is renumbered.
func (s *Server) deleteDuty(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var vp *int64
	if q := strings.TrimSpace(r.URL.Query().Get("version")); q != "" {
		if n, err := strconv.ParseInt(q, 10, 64); err == nil {
			vp = &n
		}
	}
	v, err := version(vp)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Org.DeleteDuty(r.Context(), id, v); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) reorderDuties(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in DutyReorder
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Org.ReorderDuties(r.Context(), id, in.Scope, in.UnitID, in.IDs); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ---- units ----

// UnitCreate is the body of POST /units: a unit in one of the regions of
// the actor's bodies.
type UnitCreate struct {
	RegionID  int64        `json:"region_id"`
	Name      string       `json:"name"`
	ShortName string       `json:"short_name"`
	Kind      org.UnitKind `json:"kind"`
	Aliases   []string     `json:"aliases"`
}

// UnitPatch is the body of PATCH /units/{id}; aliases, when sent, replace
// the whole list.
type UnitPatch struct {
	RegionID  *int64        `json:"region_id"`
	Name      *string       `json:"name"`
	ShortName *string       `json:"short_name"`
	Kind      *org.UnitKind `json:"kind"`
	Aliases   *[]string     `json:"aliases"`
	Version   *int64        `json:"version"`
}

// unitOut gives a unit's aliases as an array, never null.
func unitOut(u *org.Unit) *org.Unit {
	if u.Aliases == nil {
		u.Aliases = []string{}
	}
	return u
}

// listUnits searches the units registry: ?q= matches the name, short name
// or an alias; ?kind= and ?region_id= narrow it. It pages in the database.
func (s *Server) listUnits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	regionID, err := queryID(r, "region_id", "行政区划编号")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := org.UnitFilter{Query: q.Get("q"), Kind: org.UnitKind(strings.TrimSpace(q.Get("kind"))), RegionID: regionID, Page: page(r)}
	us, total, err := s.Org.ListUnits(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := List[org.Unit]{Items: make([]org.Unit, 0, len(us)), Total: total, Offset: f.Page.Offset, Limit: f.Page.Limit}
	for i := range us {
		out.Items = append(out.Items, *unitOut(&us[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) createUnit(w http.ResponseWriter, r *http.Request) {
	var in UnitCreate
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Org.CreateUnit(r.Context(), org.UnitInput{RegionID: in.RegionID, Name: in.Name, ShortName: in.ShortName,
		Kind: in.Kind, Aliases: in.Aliases})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	created(w, fmt.Sprintf("/api/v1/units/%d", u.ID), unitOut(u))
}

func (s *Server) getUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Org.GetUnit(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, unitOut(u))
}

func (s *Server) updateUnit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in UnitPatch
	if err := decode(r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := version(in.Version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.Org.GetUnit(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.Org.UpdateUnit(r.Context(), id, org.UnitInput{RegionID: pick(in.RegionID, cur.RegionID),
		Name: pick(in.Name, cur.Name), ShortName: pick(in.ShortName, cur.ShortName), Kind: pick(in.Kind, cur.Kind),
		Aliases: pick(in.Aliases, cur.Aliases), Version: v})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, unitOut(u))
}
