package api

import (
	"context"
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

func (s *Server) listLiaisons(r *http.Request, id int64) (List[org.Liaison], error) {
	ls, err := s.Org.ListLiaisons(r.Context(), id)
	return paged(r, ls), err
}

func (s *Server) createLiaison(ctx context.Context, id int64, in LiaisonCreate) (*org.Liaison, error) {
	return s.Org.CreateLiaison(ctx, id, org.LiaisonInput{UnitID: in.UnitID, Name: in.Name, Post: in.Post,
		Phone: in.Phone, Email: in.Email, Active: true})
}

func (s *Server) getLiaison(r *http.Request, id int64) (*org.Liaison, error) {
	return s.Org.GetLiaison(r.Context(), id)
}

func (s *Server) updateLiaison(ctx context.Context, id int64, in LiaisonPatch) (*org.Liaison, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	// The unmasked entry, and only for someone who may edit it: the
	// fields the request leaves out are kept as they are, never masked.
	cur, err := s.Org.GetLiaisonForChange(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Org.UpdateLiaison(ctx, id, org.LiaisonInput{UnitID: pick(in.UnitID, cur.UnitID),
		Name: pick(in.Name, cur.Name), Post: pick(in.Post, cur.Post), Phone: pick(in.Phone, cur.Phone),
		Email: pick(in.Email, cur.Email), Active: pick(in.Active, cur.Active), Version: v})
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
func (s *Server) listDuties(r *http.Request, id int64) (List[org.Duty], error) {
	lists, err := s.Org.ListDuties(r.Context(), id)
	var all []org.Duty
	for _, l := range lists {
		all = append(all, l.Duties...)
	}
	return paged(r, all), err
}

func (s *Server) addDuty(ctx context.Context, id int64, in DutyCreate) (*org.Duty, error) {
	return s.Org.AddDuty(ctx, id, org.DutyInput{Scope: in.Scope, UnitID: in.UnitID, Text: in.Text})
}

func (s *Server) updateDuty(ctx context.Context, id int64, in DutyPatch) (*org.Duty, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	return s.Org.UpdateDuty(ctx, id, org.DutyUpdate{Text: in.Text, Version: v})
}

// deleteDuty takes the version as ?version=, since a DELETE has no body;
// the rest of the list is renumbered.
func (s *Server) deleteDuty(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var vp *int64
	if n, perr := strconv.ParseInt(strings.TrimSpace(r.URL.Query().Get("version")), 10, 64); perr == nil {
		vp = &n
	}
	var v int64
	if err == nil {
		v, err = version(vp)
	}
	if err == nil {
		err = s.Org.DeleteDuty(r.Context(), id, v)
	}
	s.reply(w, r, http.StatusNoContent, nil, err)
}

func (s *Server) reorderDuties(ctx context.Context, id int64, in DutyReorder) (struct{}, error) {
	return struct{}{}, s.Org.ReorderDuties(ctx, id, in.Scope, in.UnitID, in.IDs)
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

func (s *Server) createUnit(ctx context.Context, _ int64, in UnitCreate) (*org.Unit, error) {
	u, err := s.Org.CreateUnit(ctx, org.UnitInput{RegionID: in.RegionID, Name: in.Name, ShortName: in.ShortName,
		Kind: in.Kind, Aliases: in.Aliases})
	if err != nil {
		return nil, err
	}
	return unitOut(u), nil
}

func (s *Server) getUnit(r *http.Request, id int64) (*org.Unit, error) {
	u, err := s.Org.GetUnit(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return unitOut(u), nil
}

func (s *Server) updateUnit(ctx context.Context, id int64, in UnitPatch) (*org.Unit, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	cur, err := s.Org.GetUnit(ctx, id)
	if err != nil {
		return nil, err
	}
	u, err := s.Org.UpdateUnit(ctx, id, org.UnitInput{RegionID: pick(in.RegionID, cur.RegionID),
		Name: pick(in.Name, cur.Name), ShortName: pick(in.ShortName, cur.ShortName), Kind: pick(in.Kind, cur.Kind),
		Aliases: pick(in.Aliases, cur.Aliases), Version: v})
	if err != nil {
		return nil, err
	}
	return unitOut(u), nil
}
