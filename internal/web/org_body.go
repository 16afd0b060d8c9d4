package web

import (
	"net/http"
	"strings"

	"liandong/internal/core"
	"liandong/internal/org"
)

// ---- GET /org: the bodies the user can see, as a tree ----

type bodyTreePage struct {
	Base
	Tree []org.BodyNode
}

func (s *Server) showBodyTree(w http.ResponseWriter, r *http.Request) {
	tree, err := s.orgService().ListBodies(r.Context())
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.render(w, r, http.StatusOK, "org/index", &bodyTreePage{Base: s.base(r, "组织机构"), Tree: tree})
}

// ---- GET /org/bodies/{id}: the body page ----

type seatRow struct {
	org.Member
	Label string
}

type liaisonRow struct {
	org.Liaison
	CanEdit bool
}

type bodyPage struct {
	Base
	Body         *org.Body
	Date         string // the date the page shows the body as of
	DateInput    string // as typed into the date box
	Today        string
	Historic     bool
	Seats        []seatRow
	CurrentUnits []org.MemberUnit
	FormerUnits  []org.MemberUnit
	Liaisons     []liaisonRow
	Duties       []org.DutyList
	Office       string
	Directors    []org.Member
	CanWrite     bool
	CanHistory   bool
	IsOffice     bool
}

// asOfParam reads ?date=; a malformed date is reported on the date field
// and the page falls back to today.
func (s *Server) asOfParam(r *http.Request, b *Base) (date, typed string) {
	typed = strings.TrimSpace(r.URL.Query().Get("date"))
	today := org.Today(s.Clock)
	if typed == "" {
		return today, ""
	}
	if !org.ValidDate(typed) {
		b.Errors = map[string]string{"date": "日期格式应为YYYY-MM-DD，如 2020-08-06；下面显示的是今天的情况"}
		return today, typed
	}
	return typed, typed
}

func (s *Server) showBody(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	p := &bodyPage{Base: s.base(r, "机构"), Today: org.Today(s.Clock)}
	p.Date, p.DateInput = s.asOfParam(r, &p.Base)
	p.Historic = p.Date != p.Today
	roster, err := svc.Roster(ctx, id, p.Date) // checks scope first
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Body, p.Title = &roster.Body, roster.Body.Name
	a := core.ActorFrom(ctx)
	p.CanWrite, p.CanHistory = org.CanWrite(a, id), org.CanReadHistory(a, id)
	p.IsOffice = a.Role == core.RoleOffice
	for _, m := range roster.Seats() {
		p.Seats = append(p.Seats, seatRow{Member: m, Label: m.Role.Label(roster.Body.Kind)})
	}
	p.Office, p.Directors = roster.Body.Office(), roster.OfficeDirectors
	mus, err := svc.ListMemberUnits(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	for _, m := range mus {
		switch {
		case m.ActiveOn(p.Date):
			p.CurrentUnits = append(p.CurrentUnits, m)
		case m.LeftOn != "" && m.LeftOn <= p.Date:
			p.FormerUnits = append(p.FormerUnits, m)
		}
	}
	ls, err := svc.ListLiaisons(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	for _, l := range ls {
		p.Liaisons = append(p.Liaisons, liaisonRow{Liaison: l, CanEdit: org.CanEditLiaison(a, &l)})
	}
	if p.Duties, err = svc.ListDuties(ctx, id); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	status := http.StatusOK
	if p.Errors["date"] != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "org/body", p)
}

// ---- GET/POST /org/bodies/{id}/edit ----

type bodyEditPage struct {
	Base
	Body  *org.Body
	Form  org.BodyUpdate
	Units []orgChoice
}

func (s *Server) showBodyEditPage(w http.ResponseWriter, r *http.Request) {
	s.bodyEdit(w, r, false)
}

func (s *Server) saveBody(w http.ResponseWriter, r *http.Request) {
	s.bodyEdit(w, r, true)
}

func (s *Server) bodyEdit(w http.ResponseWriter, r *http.Request, save bool) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	b, err := svc.GetBodyForChange(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &bodyEditPage{Base: s.base(r, "编辑机构信息"), Body: b,
		Form: org.BodyUpdate{Name: b.Name, OfficeUnitID: b.OfficeUnitID, OfficeDept: b.OfficeDept, DocPrefix: b.DocPrefix, Version: b.Version}}
	if save {
		p.Form = org.BodyUpdate{Name: r.PostFormValue("name"), OfficeUnitID: formInt(r, "office_unit_id"),
			OfficeDept: r.PostFormValue("office_dept"), DocPrefix: r.PostFormValue("doc_prefix"), Version: formInt(r, "version")}
		_, err = svc.UpdateBody(ctx, id, p.Form)
		if err == nil {
			http.Redirect(w, r, bodyURL(id, "saved", ""), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	units, uerr := svc.UnitChoices(ctx, id)
	if uerr != nil {
		s.Guard.Error(w, r, 0, uerr)
		return
	}
	p.Units = unitChoices(units, p.Form.OfficeUnitID, "（未设置）")
	s.renderForm(w, r, err, "org/body_form", p)
}
