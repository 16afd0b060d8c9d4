package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/org"
	"liandong/internal/plan"
)

// ---- GET /plans: the plans of each of the user's bodies ----

// planRow is a plan in a list.
type planRow struct {
	plan.Plan
	StatusClass string
}

func planRows(ps []plan.Plan) []planRow {
	out := make([]planRow, 0, len(ps))
	for _, p := range ps {
		out = append(out, planRow{Plan: p, StatusClass: planStatusClass(p.Status)})
	}
	return out
}

// bodyPlans is one body's plans.
type bodyPlans struct {
	Body        *org.Body
	Plans       []planRow // the body's own plans
	UnitPlans   []planRow // member units' work plans
	IsOffice    bool      // may create and import
	CanUnitPlan bool      // a liaison may draw up its unit's work plan
	HasInbound  bool      // the body has a body above it
	Unassigned  int       // tasks handed down and not yet assigned
}

type planHomePage struct {
	Base
	Bodies []bodyPlans
}

func (s *Server) showPlanHome(w http.ResponseWriter, r *http.Request) {
	p := &planHomePage{Base: s.planBase(r, "计划任务")}
	for _, id := range p.Actor.BodyIDs {
		bp, err := s.bodyPlans(r, id)
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
		p.Bodies = append(p.Bodies, *bp)
	}
	s.render(w, r, http.StatusOK, "plan/home", p)
}

// bodyPlans reads one body's plans for the lists.
func (s *Server) bodyPlans(r *http.Request, bodyID int64) (*bodyPlans, error) {
	ctx := r.Context()
	ps, err := s.Plan.ListPlans(ctx, bodyID) // checks scope first
	if err != nil {
		return nil, err
	}
	b, err := s.Org.GetBody(ctx, bodyID)
	if err != nil {
		return nil, err
	}
	a := core.ActorFrom(ctx)
	bp := &bodyPlans{Body: b, IsOffice: isOfficeOf(a, bodyID), HasInbound: b.ParentID != 0 && a.Role != core.RoleLiaison,
		CanUnitPlan: a.Role == core.RoleLiaison && a.InBody(bodyID) && a.UnitID != 0}
	var own, units []plan.Plan
	for _, pl := range ps {
		if pl.Kind == plan.UnitWorkPlan {
			units = append(units, pl)
		} else {
			own = append(own, pl)
		}
	}
	bp.Plans, bp.UnitPlans = planRows(own), planRows(units)
	if bp.HasInbound && bp.IsOffice {
		in, err := s.Plan.Inbound(ctx, bodyID)
		if err != nil {
			return nil, err
		}
		for _, x := range in {
			if x.Cascade.Status != "assigned" {
				bp.Unassigned++
			}
		}
	}
	return bp, nil
}

// ---- GET /bodies/{id}/plans: one body's plans ----

type planListPage struct {
	Base
	bodyPlans
}

func (s *Server) showPlanList(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	bp, err := s.bodyPlans(r, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.render(w, r, http.StatusOK, "plan/list", &planListPage{Base: s.planBase(r, bp.Body.Name+"的计划"), bodyPlans: *bp})
}

// ---- GET/POST /bodies/{id}/plans/new and /plans/{id}/edit ----

type planFormPage struct {
	Base
	Body      *org.Body
	Plan      *plan.Plan // nil when new
	Form      plan.PlanInput
	YearFrom  string // as typed
	YearTo    string
	Kinds     []orgChoice
	Cadences  []orgChoice
	Parents   []orgChoice
	Units     []orgChoice // the unit of a unit work plan (office)
	UnitName  string      // a liaison's own unit, fixed
	UnitFixed bool
	Action    string
	Cancel    string
}

func (s *Server) showPlanNewPage(w http.ResponseWriter, r *http.Request) { s.planNew(w, r, false) }

func (s *Server) createPlan(w http.ResponseWriter, r *http.Request) { s.planNew(w, r, true) }

func (s *Server) planNew(w http.ResponseWriter, r *http.Request, save bool) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	ctx := r.Context()
	b, err := s.Org.GetBody(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	a := core.ActorFrom(ctx)
	if !a.InBody(id) {
		// A body the user reads (an office above it) but does not run.
		s.planForbidden(w, r, "body", id, "只有本机构办公室可以制定计划；成员单位可以制定本单位的工作计划")
		return
	}
	year := s.Clock.Now().In(cst).Year()
	p := &planFormPage{Base: s.planBase(r, "新建计划"), Body: b, Action: fmt.Sprintf("/bodies/%d/plans/new", id),
		Cancel: fmt.Sprintf("/bodies/%d/plans", id),
		Form:   plan.PlanInput{BodyID: id, Kind: plan.Kind(r.URL.Query().Get("kind")), YearFrom: year, YearTo: year, Cadence: plan.Quarterly}}
	if a.Role == core.RoleLiaison {
		// A member unit draws up its own work plan only.
		p.Title, p.UnitFixed, p.Form.Kind, p.Form.UnitID = "制定本单位工作计划", true, plan.UnitWorkPlan, a.UnitID
		if u, uerr := s.Org.GetUnit(ctx, a.UnitID); uerr == nil {
			p.UnitName = u.Name
			p.Form.Title = fmt.Sprintf("%s%d年科学素质工作计划", u.Name, year)
		}
	}
	if !p.Form.Kind.Valid() {
		p.Form.Kind = plan.Implementation
	}
	p.YearFrom, p.YearTo = strconv.Itoa(year), strconv.Itoa(year)
	if save {
		readPlanForm(r, p)
		if p.UnitFixed {
			p.Form.Kind, p.Form.UnitID = plan.UnitWorkPlan, a.UnitID
		}
		var created *plan.Plan
		if created, err = s.Plan.CreatePlan(ctx, p.Form); err == nil {
			http.Redirect(w, r, planURL(created.ID, "created", ""), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	if !s.fillPlanForm(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "plan/plan_form", p)
}

func (s *Server) showPlanEditPage(w http.ResponseWriter, r *http.Request) { s.planEdit(w, r, false) }

func (s *Server) savePlan(w http.ResponseWriter, r *http.Request) { s.planEdit(w, r, true) }

func (s *Server) planEdit(w http.ResponseWriter, r *http.Request, save bool) {
	pl, ok := s.editablePlan(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	b, err := s.Org.GetBody(ctx, pl.BodyID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &planFormPage{Base: s.planBase(r, "编辑计划信息"), Body: b, Plan: pl, Action: fmt.Sprintf("/plans/%d/edit", pl.ID),
		Cancel: planURL(pl.ID, "", ""), UnitFixed: pl.Kind == plan.UnitWorkPlan,
		Form: plan.PlanInput{BodyID: pl.BodyID, Kind: pl.Kind, Title: pl.Title, DocNumber: pl.DocNumber, YearFrom: pl.YearFrom,
			YearTo: pl.YearTo, ParentID: pl.ParentID, UnitID: pl.UnitID, Cadence: pl.Cadence, Version: pl.Version},
		YearFrom: strconv.Itoa(pl.YearFrom), YearTo: strconv.Itoa(pl.YearTo)}
	if p.UnitFixed {
		if u, uerr := s.Org.GetUnit(ctx, pl.UnitID); uerr == nil {
			p.UnitName = u.Name
		}
	}
	if save {
		readPlanForm(r, p)
		p.Form.Version = formInt(r, "version")
		if p.UnitFixed {
			p.Form.Kind = plan.UnitWorkPlan
		}
		if _, err = s.Plan.UpdatePlan(ctx, pl.ID, p.Form); err == nil {
			http.Redirect(w, r, planURL(pl.ID, "saved", ""), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	if !s.fillPlanForm(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "plan/plan_form", p)
}

// editablePlan loads plan {id} for a change form: a plan the user may
// read but not change is refused as forbidden, one outside the scope is
// not found.
func (s *Server) editablePlan(w http.ResponseWriter, r *http.Request) (*plan.Plan, bool) {
	id, err := orgPathID(r, "id")
	var pl *plan.Plan
	if err == nil {
		pl, err = s.Plan.GetPlan(r.Context(), id)
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil, false
	}
	if !s.Plan.CanEdit(r.Context(), pl) {
		s.planForbidden(w, r, "plan", id, "您不能修改该计划：只有本机构办公室可以修改，已归档的计划不能修改")
		return nil, false
	}
	return pl, true
}

// readPlanForm reads the plan form's fields into p.
func readPlanForm(r *http.Request, p *planFormPage) {
	p.YearFrom, p.YearTo = strings.TrimSpace(r.PostFormValue("year_from")), strings.TrimSpace(r.PostFormValue("year_to"))
	p.Form.Kind = plan.Kind(r.PostFormValue("kind"))
	p.Form.Title = r.PostFormValue("title")
	p.Form.DocNumber = r.PostFormValue("doc_number")
	p.Form.YearFrom, p.Form.YearTo = formYear(r, "year_from"), formYear(r, "year_to")
	p.Form.ParentID = formInt(r, "parent_id")
	p.Form.Cadence = plan.Cadence(r.PostFormValue("cadence"))
	if !p.UnitFixed {
		p.Form.UnitID = formInt(r, "unit_id")
	}
}

// fillPlanForm fills the choices of the plan form.
func (s *Server) fillPlanForm(w http.ResponseWriter, r *http.Request, p *planFormPage) bool {
	ctx := r.Context()
	for _, k := range plan.Kinds {
		if p.UnitFixed && k != plan.UnitWorkPlan {
			continue
		}
		p.Kinds = append(p.Kinds, choice(string(k), k.Label(), k == p.Form.Kind))
	}
	for _, c := range plan.Cadences {
		p.Cadences = append(p.Cadences, choice(string(c), c.Label(), c == p.Form.Cadence))
	}
	ps, err := s.Plan.ListPlans(ctx, p.Body.ID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return false
	}
	p.Parents = []orgChoice{choice("", "（无）", p.Form.ParentID == 0)}
	for _, pl := range ps {
		if pl.Kind == plan.UnitWorkPlan || (p.Plan != nil && pl.ID == p.Plan.ID) {
			continue
		}
		p.Parents = append(p.Parents, choice(strconv.FormatInt(pl.ID, 10), pl.Title+"（"+pl.Period()+"）", pl.ID == p.Form.ParentID))
	}
	if !p.UnitFixed {
		mus, err := s.Org.ListMemberUnits(ctx, p.Body.ID)
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return false
		}
		p.Units = memberUnitChoices(mus, p.Form.UnitID, "（仅单位工作计划需选择）")
	}
	return true
}

// ---- POST /plans/{id}/status: publish or archive ----

func (s *Server) setPlanStatus(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	to := plan.Status(r.PostFormValue("to"))
	if to != plan.Published && to != plan.Archived {
		s.renderPlanTable(w, r, id, nil, core.Invalid("to", "请选择发布或归档"))
		return
	}
	if _, err = s.Plan.SetStatus(r.Context(), id, formInt(r, "version"), to); err != nil {
		if !formError(err) {
			s.Guard.Error(w, r, 0, err)
			return
		}
		s.renderPlanTable(w, r, id, nil, err)
		return
	}
	http.Redirect(w, r, planURL(id, string(to), ""), http.StatusSeeOther)
}

// ---- POST /plans/{id}/delete: delete a draft ----

func (s *Server) deletePlan(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	ctx := r.Context()
	pl, err := s.Plan.GetPlan(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if err = s.Plan.DeletePlan(ctx, id, formInt(r, "version")); err != nil {
		if !formError(err) {
			s.Guard.Error(w, r, 0, err)
			return
		}
		s.renderPlanTable(w, r, id, nil, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/bodies/%d/plans?flash=deleted", pl.BodyID), http.StatusSeeOther)
}
