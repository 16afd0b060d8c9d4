package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"liandong/internal/core"
	"liandong/internal/org"
	"liandong/internal/region"
)

// rosterView lays a roster out the way a membership notice does: each
// post's label once, then one line per person with their position, then
// where the office is set up and who directs it.
type rosterView struct {
	BodyID      int64
	Name        string
	AsOf        string
	Groups      []rosterGroup
	Office      string
	Directors   string
	MemberUnits []org.MemberUnit
}

type rosterGroup struct {
	Label string
	Lines []rosterLine
}

type rosterLine struct {
	Name     string
	Position string
}

func newRosterView(r *org.Roster) rosterView {
	v := rosterView{BodyID: r.Body.ID, Name: r.Body.Name, AsOf: r.AsOf, Office: r.Body.Office(), MemberUnits: r.MemberUnits}
	for _, g := range []struct {
		role  org.SeatRole
		seats []org.Member
	}{{org.SeatLeader, r.Leaders}, {org.SeatDeputy, r.Deputies}, {org.SeatMember, r.Members}} {
		if len(g.seats) == 0 {
			continue
		}
		grp := rosterGroup{Label: org.PadName(g.role.Label(r.Body.Kind)) + "："}
		for _, m := range g.seats {
			pos := m.Position
			if pos == "" {
				pos = m.UnitName
			}
			grp.Lines = append(grp.Lines, rosterLine{Name: org.PadName(m.PersonName), Position: pos})
		}
		v.Groups = append(v.Groups, grp)
	}
	var ds []string
	for _, d := range r.OfficeDirectors {
		ds = append(ds, d.PersonName)
	}
	v.Directors = strings.Join(ds, "、")
	return v
}

// ---- GET /org/bodies/{id}/roster: printable roster ----

type rosterPage struct {
	Base
	Roster    rosterView
	Date      string
	DateInput string
}

func (s *Server) showRoster(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &rosterPage{Base: s.base(r, "成员名单")}
	p.Date, p.DateInput = s.asOfParam(r, &p.Base)
	roster, err := s.orgService().Roster(r.Context(), id, p.Date)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Title = roster.Body.Name + "成员名单"
	p.Roster = newRosterView(roster)
	status := http.StatusOK
	if p.Errors["date"] != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "org/roster", p)
}

// ---- GET /org/bodies/{id}/roster.xlsx and liaisons.xlsx ----

func (s *Server) exportRoster(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	date := strings.TrimSpace(r.URL.Query().Get("date"))
	var buf bytes.Buffer
	if err := s.orgService().ExportRoster(r.Context(), &buf, id, date); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if date == "" {
		date = org.Today(s.Clock)
	}
	sendXLSX(w, fmt.Sprintf("roster-%d-%s.xlsx", id, date), fmt.Sprintf("成员名单-%d-%s.xlsx", id, date), &buf)
}

func (s *Server) exportLiaisons(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	var buf bytes.Buffer
	if err := s.orgService().ExportLiaisons(r.Context(), &buf, id); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	today := org.Today(s.Clock)
	sendXLSX(w, fmt.Sprintf("liaisons-%d-%s.xlsx", id, today), fmt.Sprintf("联络员名单-%d-%s.xlsx", id, today), &buf)
}

// ---- GET /org/bodies/{id}/history: who held which seat when ----

type historySeat struct {
	Label   string
	Holders []historyHolder
}

type historyHolder struct {
	org.Member
	ReplacedBy string // the successor's name
	Replaces   string // the predecessor's name
}

type historyPage struct {
	Base
	Body  *org.Body
	Seats []historySeat
}

func (s *Server) showSeatHistory(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	svc := s.orgService()
	b, err := svc.GetBody(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	seats, err := svc.MemberHistory(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &historyPage{Base: s.base(r, b.Name+"任职历史"), Body: b}
	for _, seat := range seats {
		hs := historySeat{Label: seat.Role.Label(b.Kind)}
		for i, m := range seat.Holders {
			h := historyHolder{Member: m}
			if i > 0 {
				h.Replaces = seat.Holders[i-1].PersonName
			}
			if i+1 < len(seat.Holders) {
				h.ReplacedBy = seat.Holders[i+1].PersonName
			}
			hs.Holders = append(hs.Holders, h)
		}
		p.Seats = append(p.Seats, hs)
	}
	s.render(w, r, http.StatusOK, "org/history", p)
}

// ---- GET /org/bodies/{id}/subordinates ----

type subordinatesPage struct {
	Base
	CanAdd    bool
	Body      *org.Body
	Rosters   []rosterView
	Date      string
	DateInput string
}

func (s *Server) showSubordinates(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	svc := s.orgService()
	b, err := svc.GetBody(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &subordinatesPage{Base: s.base(r, b.Name+"下级机构"), Body: b, CanAdd: org.CanWrite(core.ActorFrom(r.Context()), id)}
	p.Date, p.DateInput = s.asOfParam(r, &p.Base)
	rosters, err := svc.Subordinates(r.Context(), id, p.Date)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	for i := range rosters {
		p.Rosters = append(p.Rosters, newRosterView(&rosters[i]))
	}
	status := http.StatusOK
	if p.Errors["date"] != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "org/subordinates", p)
}

// ---- GET/POST /org/bodies/{id}/subordinates/new: set up a body below ----

type subordinateNewPage struct {
	Base
	Parent  *org.Body
	Form    org.BodyInput
	Kinds   []orgChoice
	Regions []orgChoice
	Units   []orgChoice
}

func (s *Server) showSubordinateNewPage(w http.ResponseWriter, r *http.Request) {
	s.subordinateNew(w, r, false)
}

func (s *Server) createSubordinate(w http.ResponseWriter, r *http.Request) {
	s.subordinateNew(w, r, true)
}

func (s *Server) subordinateNew(w http.ResponseWriter, r *http.Request, save bool) {
	parent, ok := s.formBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	p := &subordinateNewPage{Base: s.base(r, "新建下级机构"), Parent: parent, Form: org.BodyInput{Kind: org.LeadingGroup, ParentID: parent.ID}}
	var err error
	if save {
		p.Form = org.BodyInput{Kind: org.BodyKind(r.PostFormValue("kind")), Name: r.PostFormValue("name"), RegionID: formInt(r, "region_id"),
			ParentID: parent.ID, OfficeUnitID: formInt(r, "office_unit_id"), OfficeDept: r.PostFormValue("office_dept"),
			DocPrefix: r.PostFormValue("doc_prefix")}
		var b *org.Body
		if b, err = svc.CreateBody(ctx, p.Form); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "created", ""), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	regions, rerr := svc.WritableRegions(ctx)
	units, uerr := svc.UnitChoices(ctx, parent.ID)
	if rerr != nil || uerr != nil {
		s.Guard.Error(w, r, 0, errors.Join(rerr, uerr))
		return
	}
	p.Regions = regionChoices(regionsUnder(regions, parent.RegionID), p.Form.RegionID, "请选择行政区划")
	p.Units = unitChoices(units, p.Form.OfficeUnitID, "（暂不设置）")
	for _, k := range org.BodyKinds {
		p.Kinds = append(p.Kinds, orgChoice{Value: string(k), Label: k.Label(), Selected: k == p.Form.Kind})
	}
	s.renderForm(w, r, err, "org/subordinate_form", p)
}

// regionsUnder keeps the regions of rs that are root or lie below it; rs
// is in tree order (by code), so a parent comes before its children.
func regionsUnder(rs []region.Region, root int64) []region.Region {
	in := map[int64]bool{root: true}
	var out []region.Region
	for _, r := range rs {
		if in[r.ID] || in[r.ParentID] {
			in[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}
