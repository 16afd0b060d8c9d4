package web

import (
	"net/http"

	"liandong/internal/core"
	"liandong/internal/org"
)

type liaisonFormPage struct {
	Base
	Body    *org.Body
	Liaison *org.Liaison // nil when adding
	Form    org.LiaisonInput
	// Full is the office's form: unit and active flag can be changed. A
	// liaison editing their own entry sees them but cannot change them.
	Full  bool
	Units []orgChoice
}

func (s *Server) showLiaisonNewPage(w http.ResponseWriter, r *http.Request) {
	s.liaisonNew(w, r, false)
}

func (s *Server) createLiaison(w http.ResponseWriter, r *http.Request) { s.liaisonNew(w, r, true) }

func (s *Server) liaisonNew(w http.ResponseWriter, r *http.Request, save bool) {
	b, ok := s.formBody(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	unitID := int64(0)
	if q := r.URL.Query().Get("unit_id"); q != "" {
		unitID = orgParseID(q)
	}
	p := &liaisonFormPage{Base: s.base(r, "添加联络员"), Body: b, Full: true, Form: org.LiaisonInput{UnitID: unitID, Active: true}}
	var err error
	if save {
		p.Form = liaisonForm(r)
		if _, err = svc.CreateLiaison(ctx, b.ID, p.Form); err == nil {
			http.Redirect(w, r, bodyURL(b.ID, "created", "liaisons"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	if !s.liaisonUnits(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "org/liaison_form", p)
}

func liaisonForm(r *http.Request) org.LiaisonInput {
	return org.LiaisonInput{UnitID: formInt(r, "unit_id"), Name: r.PostFormValue("name"), Post: r.PostFormValue("post"),
		Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"), Active: r.PostFormValue("active") == "1",
		Version: formInt(r, "version")}
}

func (s *Server) liaisonUnits(w http.ResponseWriter, r *http.Request, p *liaisonFormPage) bool {
	mus, err := s.orgService().ListMemberUnits(r.Context(), p.Body.ID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return false
	}
	p.Units = memberUnitChoices(mus, p.Form.UnitID, "请选择成员单位")
	return true
}

func (s *Server) showLiaisonEditPage(w http.ResponseWriter, r *http.Request) {
	s.liaisonEdit(w, r, false)
}

func (s *Server) saveLiaison(w http.ResponseWriter, r *http.Request) { s.liaisonEdit(w, r, true) }

func (s *Server) liaisonEdit(w http.ResponseWriter, r *http.Request, save bool) {
	ctx := r.Context()
	svc := s.orgService()
	a := core.ActorFrom(ctx)
	id, err := orgPathID(r, "id")
	lid, lerr := orgPathID(r, "lid")
	if err == nil {
		err = lerr
	}
	var b *org.Body
	var l *org.Liaison
	if err == nil {
		b, err = svc.GetBody(ctx, id)
	}
	if err == nil {
		l, err = svc.GetLiaisonForChange(ctx, lid)
	}
	if err == nil && l.BodyID != id {
		err = core.NotFound("联络员")
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &liaisonFormPage{Base: s.base(r, "编辑联络员"), Body: b, Liaison: l, Full: org.CanWrite(a, id),
		Form: org.LiaisonInput{UnitID: l.UnitID, Name: l.Name, Post: l.Post, Phone: l.Phone, Email: l.Email, Active: l.Active, Version: l.Version}}
	if save {
		p.Form = liaisonForm(r)
		if !p.Full {
			// Not the liaison's to change; the service keeps them too.
			p.Form.UnitID, p.Form.Active = l.UnitID, l.Active
		}
		if _, err = svc.UpdateLiaison(ctx, lid, p.Form); err == nil {
			http.Redirect(w, r, bodyURL(id, "saved", "liaisons"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	if p.Full && !s.liaisonUnits(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "org/liaison_form", p)
}
