package web

import (
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/org"
)

// formBody loads the body of a change form: 404 when it is missing, out
// of scope, or readable but not the user's to change.
func (s *Server) formBody(w http.ResponseWriter, r *http.Request) (*org.Body, bool) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil, false
	}
	b, err := s.orgService().GetBodyForChange(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil, false
	}
	return b, true
}

// sortOrderText shows the order field back as typed.
func sortOrderText(r *http.Request, n int64) string {
	if r.Method == http.MethodPost {
		return strings.TrimSpace(r.PostFormValue("sort_order"))
	}
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// ---- member units ----

type memberUnitNewPage struct {
	Base
	Body      *org.Body
	Form      org.MemberUnitInput
	SortOrder string
	Units     []orgChoice
}

func (s *Server) showMemberUnitNewPage(w http.ResponseWriter, r *http.Request) {
	s.memberUnitNew(w, r, false)
}

func (s *Server) addMemberUnit(w http.ResponseWriter, r *http.Request) {
	s.memberUnitNew(w, r, true)
}

func (s *Server) memberUnitNew(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	p := &memberUnitNewPage{Base: s.base(r, "添加成员单位"), Body: b, Form: org.MemberUnitInput{JoinedOn: org.Today(s.Clock)}}
	var err error
	if save {
		p.Form = org.MemberUnitInput{UnitID: formInt(r, "unit_id"), JoinedOn: r.PostFormValue("joined_on"), SortOrder: formSortOrder(r)}
		if _, err = svc.AddMemberUnit(ctx, b.ID, p.Form); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "created", "units"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	p.SortOrder = sortOrderText(r, p.Form.SortOrder)
	units, uerr := svc.UnitChoices(ctx, b.ID)
	if uerr != nil {
		s.Guard.Error(w, r, 0, uerr)
		return
	}
	p.Units = unitChoices(units, p.Form.UnitID, "请选择单位")
	s.renderForm(w, r, err, "org/member_unit_form", p)
}

type membershipEndPage struct {
	Base
	Body       *org.Body
	Membership *org.MemberUnit
	LeftOn     string
}

func (s *Server) showMembershipEndPage(w http.ResponseWriter, r *http.Request) {
	s.membershipEnd(w, r, false)
}

func (s *Server) endMembership(w http.ResponseWriter, r *http.Request) {
	s.membershipEnd(w, r, true)
}

func (s *Server) membershipEnd(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	mid, err := orgPathID(r, "mid")
	var m *org.MemberUnit
	if err == nil {
		m, err = svc.GetMemberUnit(ctx, mid)
	}
	if err == nil && m.BodyID != b.ID {
		err = core.NotFound("成员单位")
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &membershipEndPage{Base: s.base(r, "成员单位退出"), Body: b, Membership: m, LeftOn: org.Today(s.Clock)}
	if save {
		p.LeftOn = r.PostFormValue("left_on")
		if _, err = svc.EndMembership(ctx, mid, p.LeftOn); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "saved", "units"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	s.renderForm(w, r, err, "org/member_unit_end", p)
}

// ---- seats ----

type seatNewPage struct {
	Base
	Body      *org.Body
	Form      org.MemberInput
	SortOrder string
	Roles     []orgChoice
	Units     []orgChoice
}

func seatRoleChoices(k org.BodyKind, selected org.SeatRole) []orgChoice {
	out := []orgChoice{{Value: "", Label: "请选择职务", Selected: selected == ""}}
	for _, role := range org.SeatRoles {
		out = append(out, orgChoice{Value: string(role), Label: role.Label(k), Selected: role == selected})
	}
	return out
}

func (s *Server) showSeatNewPage(w http.ResponseWriter, r *http.Request) { s.seatNew(w, r, false) }

func (s *Server) addSeat(w http.ResponseWriter, r *http.Request) { s.seatNew(w, r, true) }

func (s *Server) seatNew(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	p := &seatNewPage{Base: s.base(r, "添加成员"), Body: b,
		Form: org.MemberInput{Role: org.SeatRole(r.URL.Query().Get("role")), TermStart: org.Today(s.Clock)}}
	var err error
	if save {
		p.Form = org.MemberInput{Role: org.SeatRole(r.PostFormValue("role")), PersonName: r.PostFormValue("person_name"),
			Position: r.PostFormValue("position"), UnitID: formInt(r, "unit_id"), TermStart: r.PostFormValue("term_start"),
			SortOrder: formSortOrder(r)}
		if _, err = svc.AddMember(ctx, b.ID, p.Form); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "created", "seats"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	p.SortOrder = sortOrderText(r, p.Form.SortOrder)
	units, uerr := svc.UnitChoices(ctx, b.ID)
	if uerr != nil {
		s.Guard.Error(w, r, 0, uerr)
		return
	}
	p.Roles = seatRoleChoices(b.Kind, p.Form.Role)
	p.Units = unitChoices(units, p.Form.UnitID, "（不指定）")
	s.renderForm(w, r, err, "org/seat_form", p)
}

// seatOf loads seat {mid} of the form's body.
func (s *Server) seatOf(w http.ResponseWriter, r *http.Request, b *org.Body) (*org.Member, bool) {
	mid, err := orgPathID(r, "mid")
	var m *org.Member
	if err == nil {
		m, err = s.orgService().GetMember(r.Context(), mid)
	}
	if err == nil && m.BodyID != b.ID {
		err = core.NotFound("成员")
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil, false
	}
	return m, true
}

type seatReplacePage struct {
	Base
	Body  *org.Body
	Seat  *org.Member
	Label string
	Form  org.Replacement
	Units []orgChoice
}

func (s *Server) showSeatReplacePage(w http.ResponseWriter, r *http.Request) {
	s.seatReplace(w, r, false)
}

func (s *Server) replaceSeat(w http.ResponseWriter, r *http.Request) { s.seatReplace(w, r, true) }

func (s *Server) seatReplace(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	m, ok := s.seatOf(w, r, b)
	if !ok {
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	p := &seatReplacePage{Base: s.base(r, "更换人员"), Body: b, Seat: m, Label: m.Role.Label(b.Kind),
		Form: org.Replacement{Position: m.Position, UnitID: m.UnitID, OnDate: org.Today(s.Clock), Version: m.Version}}
	var err error
	if save {
		p.Form = org.Replacement{PersonName: r.PostFormValue("person_name"), Position: r.PostFormValue("position"),
			UnitID: formInt(r, "unit_id"), OnDate: r.PostFormValue("on_date"), Version: formInt(r, "version")}
		if _, err = svc.ReplaceMember(ctx, m.ID, p.Form); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "saved", "seats"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	units, uerr := svc.UnitChoices(ctx, b.ID)
	if uerr != nil {
		s.Guard.Error(w, r, 0, uerr)
		return
	}
	p.Units = unitChoices(units, p.Form.UnitID, "（不指定）")
	s.renderForm(w, r, err, "org/seat_replace", p)
}

type seatEndPage struct {
	Base
	Body    *org.Body
	Seat    *org.Member
	Label   string
	OnDate  string
	Version int64
}

func (s *Server) showSeatEndPage(w http.ResponseWriter, r *http.Request) { s.seatEnd(w, r, false) }

func (s *Server) endSeat(w http.ResponseWriter, r *http.Request) { s.seatEnd(w, r, true) }

func (s *Server) seatEnd(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	m, ok := s.seatOf(w, r, b)
	if !ok {
		return
	}
	p := &seatEndPage{Base: s.base(r, "免去职务"), Body: b, Seat: m, Label: m.Role.Label(b.Kind),
		OnDate: org.Today(s.Clock), Version: m.Version}
	var err error
	if save {
		p.OnDate, p.Version = r.PostFormValue("on_date"), formInt(r, "version")
		if _, err = s.orgService().EndMember(r.Context(), m.ID, p.OnDate, p.Version); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "saved", "seats"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	s.renderForm(w, r, err, "org/seat_end", p)
}

// ---- GET/POST /org/bodies/{id}/members/{mid}/edit: correct a seat row ----

type seatEditPage struct {
	Base
	Body      *org.Body
	Seat      *org.Member
	Label     string
	Form      org.MemberUpdate
	SortOrder string
	Units     []orgChoice
}

func (s *Server) showSeatEditPage(w http.ResponseWriter, r *http.Request) { s.seatEdit(w, r, false) }

func (s *Server) saveSeat(w http.ResponseWriter, r *http.Request) { s.seatEdit(w, r, true) }

func (s *Server) seatEdit(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	m, ok := s.seatOf(w, r, b)
	if !ok {
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	p := &seatEditPage{Base: s.base(r, "修改任职信息"), Body: b, Seat: m, Label: m.Role.Label(b.Kind),
		Form: org.MemberUpdate{PersonName: m.PersonName, Position: m.Position, UnitID: m.UnitID, SortOrder: m.SortOrder, Version: m.Version}}
	var err error
	if save {
		p.Form = org.MemberUpdate{PersonName: r.PostFormValue("person_name"), Position: r.PostFormValue("position"),
			UnitID: formInt(r, "unit_id"), SortOrder: formSortOrder(r), Version: formInt(r, "version")}
		if _, err = svc.UpdateMember(ctx, m.ID, p.Form); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "saved", "seats"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	p.SortOrder = sortOrderText(r, p.Form.SortOrder)
	units, uerr := svc.UnitChoices(ctx, b.ID)
	if uerr != nil {
		s.Guard.Error(w, r, 0, uerr)
		return
	}
	p.Units = unitChoices(units, p.Form.UnitID, "（不指定）")
	s.renderForm(w, r, err, "org/seat_edit", p)
}
