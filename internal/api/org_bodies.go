package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"liandong/internal/httpx"
	"liandong/internal/org"
	"liandong/internal/region"
)

// ---- regions ----

// RegionCreate is the body of POST /regions.
type RegionCreate struct {
	Code     string       `json:"code"`
	Name     string       `json:"name"`
	Level    region.Level `json:"level"`
	ParentID int64        `json:"parent_id"`
}

// RegionRename is the body of PATCH /regions/{id}: only the name changes;
// the code and level identify the region.
type RegionRename struct {
	Name    string `json:"name"`
	Version *int64 `json:"version"`
}

func (s *Server) listRegions(w http.ResponseWriter, r *http.Request) {
	rs, err := s.Org.ListRegions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, paged(r, rs))
}

func (s *Server) createRegion(ctx context.Context, _ int64, in RegionCreate) (*region.Region, error) {
	return s.Org.CreateRegion(ctx, region.Region{Code: in.Code, Name: in.Name, Level: in.Level, ParentID: in.ParentID})
}

func (s *Server) renameRegion(ctx context.Context, id int64, in RegionRename) (*region.Region, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	return s.Org.RenameRegion(ctx, id, in.Name, v)
}

// ---- bodies ----

// BodyCreate is the body of POST /bodies: a body under one of the actor's
// own bodies (a city office sets up a county's group).
type BodyCreate struct {
	Kind         org.BodyKind `json:"kind"`
	Name         string       `json:"name"`
	RegionID     int64        `json:"region_id"`
	ParentID     int64        `json:"parent_id"`
	OfficeUnitID int64        `json:"office_unit_id"`
	OfficeDept   string       `json:"office_dept"`
	DocPrefix    string       `json:"doc_prefix"`
}

// BodyPatch is the body of PATCH /bodies/{id}. Kind, region and parent
// decide who may see the body and cannot be changed here.
type BodyPatch struct {
	Name         *string `json:"name"`
	OfficeUnitID *int64  `json:"office_unit_id"`
	OfficeDept   *string `json:"office_dept"`
	DocPrefix    *string `json:"doc_prefix"`
	Version      *int64  `json:"version"`
}

// listBodies lists the bodies the actor may read, flattened from the
// service's trees in tree order (each body after its parent), so that the
// list pages like every other; parent_id rebuilds the tree.
func (s *Server) listBodies(w http.ResponseWriter, r *http.Request) {
	trees, err := s.Org.ListBodies(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var flat []org.Body
	var walk func([]org.BodyNode)
	walk = func(ns []org.BodyNode) {
		for _, n := range ns {
			flat = append(flat, n.Body)
			walk(n.Children)
		}
	}
	walk(trees)
	httpx.WriteJSON(w, http.StatusOK, paged(r, flat))
}

func (s *Server) createBody(ctx context.Context, _ int64, in BodyCreate) (*org.Body, error) {
	return s.Org.CreateBody(ctx, org.BodyInput{Kind: in.Kind, Name: in.Name, RegionID: in.RegionID,
		ParentID: in.ParentID, OfficeUnitID: in.OfficeUnitID, OfficeDept: in.OfficeDept, DocPrefix: in.DocPrefix})
}

func (s *Server) getBody(r *http.Request, id int64) (*org.Body, error) {
	return s.Org.GetBody(r.Context(), id)
}

func (s *Server) updateBody(ctx context.Context, id int64, in BodyPatch) (*org.Body, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	cur, err := s.Org.GetBodyForChange(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Org.UpdateBody(ctx, id, org.BodyUpdate{Name: pick(in.Name, cur.Name),
		OfficeUnitID: pick(in.OfficeUnitID, cur.OfficeUnitID), OfficeDept: pick(in.OfficeDept, cur.OfficeDept),
		DocPrefix: pick(in.DocPrefix, cur.DocPrefix), Version: v})
}

// ---- rosters ----

// rosterOut gives every group of the roster an array, never null, so that
// clients can iterate without a check.
func rosterOut(r *org.Roster) *org.Roster {
	for _, g := range []*[]org.Member{&r.Leaders, &r.Deputies, &r.Members, &r.OfficeDirectors} {
		if *g == nil {
			*g = []org.Member{}
		}
	}
	if r.MemberUnits == nil {
		r.MemberUnits = []org.MemberUnit{}
	}
	return r
}

func (s *Server) getRoster(r *http.Request, id int64) (*org.Roster, error) {
	ro, err := s.Org.Roster(r.Context(), id, strings.TrimSpace(r.URL.Query().Get("date")))
	if err != nil {
		return nil, err
	}
	return rosterOut(ro), nil
}

func (s *Server) getHistory(r *http.Request, id int64) (List[org.Seat], error) {
	seats, err := s.Org.MemberHistory(r.Context(), id)
	return paged(r, seats), err
}

func (s *Server) getSubordinates(r *http.Request, id int64) (List[org.Roster], error) {
	rs, err := s.Org.Subordinates(r.Context(), id, strings.TrimSpace(r.URL.Query().Get("date")))
	for i := range rs {
		rosterOut(&rs[i])
	}
	return paged(r, rs), err
}

// ---- exports ----

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// attachment sets the headers of an XLSX download named name.
func attachment(name string) func(http.Header) {
	return func(h http.Header) {
		h.Set("Content-Type", xlsxType)
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
}

func (s *Server) exportRoster(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	asOf := strings.TrimSpace(r.URL.Query().Get("date"))
	name := asOf
	if !org.ValidDate(name) {
		name = org.Today(s.Clock)
	}
	dw := &download{w: w, headers: attachment(fmt.Sprintf("roster-%d-%s.xlsx", id, name))}
	s.finishDownload(w, r, dw, s.Org.ExportRoster(r.Context(), dw, id, asOf))
}

func (s *Server) exportLiaisons(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	dw := &download{w: w, headers: attachment(fmt.Sprintf("liaisons-%d-%s.xlsx", id, org.Today(s.Clock)))}
	s.finishDownload(w, r, dw, s.Org.ExportLiaisons(r.Context(), dw, id))
}

// finishDownload reports an export's error: as the JSON envelope if no
// byte was sent yet, else only in the log, since the status line is gone.
func (s *Server) finishDownload(w http.ResponseWriter, r *http.Request, dw *download, err error) {
	if err == nil {
		return
	}
	if !dw.started {
		s.fail(w, r, err)
		return
	}
	s.Log.Error("export failed after the first byte", "request_id", httpx.RequestID(r.Context()), "err", err.Error())
}
