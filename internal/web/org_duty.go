package web

import (
	"net/http"

	"liandong/internal/core"
	"liandong/internal/org"
)

type dutyFormPage struct {
	Base
	Body   *org.Body
	Duty   *org.Duty // nil when adding
	Title  string    // the list the duty belongs to, when editing
	Form   org.DutyInput
	Ver    int64
	Scopes []orgChoice
	Units  []orgChoice
}

func (s *Server) showDutyNewPage(w http.ResponseWriter, r *http.Request) { s.dutyNew(w, r, false) }

func (s *Server) addDuty(w http.ResponseWriter, r *http.Request) { s.dutyNew(w, r, true) }

func (s *Server) dutyNew(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	q := r.URL.Query()
	p := &dutyFormPage{Base: s.base(r, "添加职责"), Body: b,
		Form: org.DutyInput{Scope: org.DutyScope(q.Get("scope")), UnitID: orgParseID(q.Get("unit_id"))}}
	var err error
	if save {
		p.Form = org.DutyInput{Scope: org.DutyScope(r.PostFormValue("scope")), UnitID: formInt(r, "unit_id"), Text: r.PostFormValue("text")}
		if _, err = svc.AddDuty(ctx, b.ID, p.Form); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "created", "duties"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	p.Scopes = []orgChoice{{Value: "", Label: "请选择职责类别", Selected: p.Form.Scope == ""}}
	for _, sc := range org.DutyScopes {
		p.Scopes = append(p.Scopes, orgChoice{Value: string(sc), Label: sc.Label(), Selected: sc == p.Form.Scope})
	}
	mus, merr := svc.ListMemberUnits(ctx, b.ID)
	if merr != nil {
		s.Guard.Error(w, r, 0, merr)
		return
	}
	p.Units = memberUnitChoices(mus, p.Form.UnitID, "（具体职责须选择单位）")
	s.renderForm(w, r, err, "org/duty_form", p)
}

// dutyOf loads duty {did} of the form's body.
func (s *Server) dutyOf(w http.ResponseWriter, r *http.Request, b *org.Body) (*org.Duty, bool) {
	did, err := orgPathID(r, "did")
	var d *org.Duty
	if err == nil {
		d, err = s.orgService().GetDuty(r.Context(), did)
	}
	if err == nil && d.BodyID != b.ID {
		err = core.NotFound("职责")
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil, false
	}
	return d, true
}

func (s *Server) showDutyEditPage(w http.ResponseWriter, r *http.Request) { s.dutyEdit(w, r, false) }

func (s *Server) saveDuty(w http.ResponseWriter, r *http.Request) { s.dutyEdit(w, r, true) }

func (s *Server) dutyEdit(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	d, ok := s.dutyOf(w, r, b)
	if !ok {
		return
	}
	list := org.DutyList{Scope: d.Scope, UnitID: d.UnitID, UnitName: d.UnitName}
	p := &dutyFormPage{Base: s.base(r, "编辑职责"), Body: b, Duty: d, Title: list.Title(),
		Form: org.DutyInput{Scope: d.Scope, UnitID: d.UnitID, Text: d.Text}, Ver: d.Version}
	var err error
	if save {
		p.Form.Text, p.Ver = r.PostFormValue("text"), formInt(r, "version")
		if _, err = s.orgService().UpdateDuty(r.Context(), d.ID, org.DutyUpdate{Text: p.Form.Text, Version: p.Ver}); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "saved", "duties"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	s.renderForm(w, r, err, "org/duty_form", p)
}

// moveDuty moves a duty one place up or down in its list.
func (s *Server) moveDuty(w http.ResponseWriter, r *http.Request) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	d, ok := s.dutyOf(w, r, b)
	if !ok {
		return
	}
	delta := 1
	if r.PostFormValue("direction") == "up" {
		delta = -1
	}
	if err := s.orgService().MoveDuty(r.Context(), d.ID, delta, formInt(r, "version")); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	http.Redirect(w, r, bodyURL(b.ID, "saved", "duties"), http.StatusSeeOther)
}

// deleteDuty removes a duty; the rest of its list is numbered again.
func (s *Server) deleteDuty(w http.ResponseWriter, r *http.Request) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	d, ok := s.dutyOf(w, r, b)
	if !ok {
		return
	}
	if err := s.orgService().DeleteDuty(r.Context(), d.ID, formInt(r, "version")); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	http.Redirect(w, r, bodyURL(b.ID, "deleted", "duties"), http.StatusSeeOther)
}
