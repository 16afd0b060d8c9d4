package web

import (
	"fmt"
	"net/http"
	"strconv"

	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/org"
	"liandong/internal/plan"
)

// ---- GET /my/tasks: a member unit's tasks (我的任务) ----

// unitTaskView is a task a unit carries, with the units it shares it with.
type unitTaskView struct {
	plan.UnitTask
	LeadUnits   string
	RespUnits   string
	Targets     []string
	StatusClass string
}

// planTasks are a unit's tasks in one plan.
type planTasks struct {
	PlanID    int64
	PlanTitle string
	Tasks     []unitTaskView
}

// groupByPlan groups tasks, in the order the service lists them (newest
// plan first, document order within), by their plan.
func groupByPlan(ts []unitTaskView) []planTasks {
	var out []planTasks
	for _, t := range ts {
		if n := len(out); n == 0 || out[n-1].PlanID != t.PlanID {
			out = append(out, planTasks{PlanID: t.PlanID, PlanTitle: t.PlanTitle})
		}
		out[len(out)-1].Tasks = append(out[len(out)-1].Tasks, t)
	}
	return out
}

type myTasksPage struct {
	Base
	Bodies      []orgChoice // the user's bodies, when more than one
	Body        *org.Body
	UnitID      int64
	UnitName    string
	UnitFixed   bool        // a liaison sees its own unit
	Units       []orgChoice // the office and leaders choose a member unit
	Lead        []planTasks
	Responsible []planTasks
	LeadCount   int
	RespCount   int
	Sections    []string // headings the unit leads
	Duties      []org.DutyList
	UnitPlans   []planRow
	CanUnitPlan bool
}

func (s *Server) showMyTasks(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := &myTasksPage{Base: s.planBase(r, "我的任务")}
	a := p.Actor
	if len(a.BodyIDs) == 0 {
		s.render(w, r, http.StatusOK, "plan/my_tasks", p)
		return
	}
	q := r.URL.Query()
	bodyID := orgParseID(q.Get("body"))
	if bodyID == 0 {
		bodyID = a.BodyIDs[0]
	}
	b, err := s.Org.GetBody(ctx, bodyID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Body = b
	if len(a.BodyIDs) > 1 {
		for _, id := range a.BodyIDs {
			if ob, err := s.Org.GetBody(ctx, id); err == nil {
				p.Bodies = append(p.Bodies, choice(strconv.FormatInt(id, 10), ob.Name, id == bodyID))
			}
		}
	}
	if a.Role == core.RoleLiaison {
		p.UnitID, p.UnitFixed = a.UnitID, true
		p.CanUnitPlan = a.InBody(bodyID) && a.UnitID != 0
	} else {
		p.UnitID = orgParseID(q.Get("unit"))
		mus, err := s.Org.ListMemberUnits(ctx, bodyID)
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
		p.Units = memberUnitChoices(mus, p.UnitID, "请选择成员单位")
	}
	if p.UnitID == 0 {
		s.render(w, r, http.StatusOK, "plan/my_tasks", p)
		return
	}
	if u, err := s.Org.GetUnit(ctx, p.UnitID); err == nil {
		p.UnitName, p.Title = u.Name, u.Name+"的任务"
	}
	tasks, err := s.Plan.UnitTasks(ctx, bodyID, p.UnitID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	var leads, resps []unitTaskView
	for _, t := range tasks {
		if t.Item.Kind != plan.Task {
			if t.Role == plan.Lead {
				p.Sections = append(p.Sections, t.PlanTitle+"："+t.Item.Path+t.Item.Title)
			}
			continue
		}
		v := unitTaskView{UnitTask: t, Targets: targetTexts(t.Item.Targets), StatusClass: statusClass(t.Item.Status)}
		var lead, resp []string
		for _, pa := range t.Partners {
			if pa.Role == plan.Lead {
				lead = append(lead, pa.UnitName)
			} else {
				resp = append(resp, pa.UnitName)
			}
		}
		v.LeadUnits, v.RespUnits = joinNames(lead), joinNames(resp)
		if t.Role == plan.Lead {
			leads = append(leads, v)
		} else {
			resps = append(resps, v)
		}
	}
	p.Lead, p.Responsible, p.LeadCount, p.RespCount = groupByPlan(leads), groupByPlan(resps), len(leads), len(resps)
	lists, err := s.Org.ListDuties(ctx, bodyID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	for _, l := range lists {
		if l.Scope == org.DutyCommon || (l.Scope == org.DutyUnit && l.UnitID == p.UnitID) {
			p.Duties = append(p.Duties, l)
		}
	}
	ps, err := s.Plan.ListPlans(ctx, bodyID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	for _, pl := range ps {
		if pl.Kind == plan.UnitWorkPlan && pl.UnitID == p.UnitID {
			p.UnitPlans = append(p.UnitPlans, planRow{Plan: pl, StatusClass: planStatusClass(pl.Status)})
		}
	}
	s.render(w, r, http.StatusOK, "plan/my_tasks", p)
}

// ---- GET /bodies/{id}/inbound: tasks handed down (下达任务) ----

// inboundView is a task handed down, with its assign form.
type inboundView struct {
	plan.Inbound
	Assigned    bool
	LeadNames   string
	RespNames   string
	Targets     []string
	Expected    string // the role the plan above gives the body
	Lead        unitGroups
	Responsible unitGroups
	Failed      bool // the assign form failed
}

type inboundPage struct {
	Base
	Body       *org.Body
	Items      []inboundView
	CanAssign  bool
	Unassigned int
}

func (s *Server) showInbound(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.renderInbound(w, r, id, 0, nil)
}

// renderInbound shows body's inbound tasks; a failed assign form (of
// cascade failed) is shown with its error and the units ticked.
func (s *Server) renderInbound(w http.ResponseWriter, r *http.Request, bodyID, failed int64, formErr error) {
	ctx := r.Context()
	list, err := s.Plan.Inbound(ctx, bodyID) // checks scope first
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	b, err := s.Org.GetBody(ctx, bodyID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &inboundPage{Base: s.planBase(r, "下达任务"), Body: b}
	p.CanAssign = isOfficeOf(p.Actor, bodyID)
	var units *plan.UnitChoices
	if p.CanAssign {
		if units, err = s.Plan.AssignableUnits(ctx, bodyID); err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
	}
	for _, in := range list {
		v := inboundView{Inbound: in, Assigned: in.Cascade.Status == "assigned", Targets: targetTexts(in.Item.Targets),
			Expected: in.Cascade.Role.Label(), Failed: in.Cascade.ID == failed}
		lead, resp := in.Item.Units(bodyID, plan.Lead), in.Item.Units(bodyID, plan.Responsible)
		v.LeadNames, v.RespNames = joinNames(lead), joinNames(resp)
		if !v.Assigned {
			p.Unassigned++
		}
		if p.CanAssign {
			var leadIDs, respIDs []int64
			if v.Failed {
				leadIDs, respIDs = formInts(r, "lead"), formInts(r, "responsible")
			} else {
				for _, as := range in.Item.Assignments {
					if as.BodyID != bodyID {
						continue
					}
					if as.Role == plan.Lead {
						leadIDs = append(leadIDs, as.UnitID)
					} else {
						respIDs = append(respIDs, as.UnitID)
					}
				}
			}
			v.Lead = newUnitGroups("lead", "牵头单位", units, leadIDs, nil)
			v.Responsible = newUnitGroups("responsible", "责任单位", units, respIDs, nil)
			if v.Failed && formErr != nil {
				fe := core.FieldErrors(formErr)
				v.Lead.Error, v.Responsible.Error = fe["lead"], fe["responsible"]
			}
		}
		p.Items = append(p.Items, v)
	}
	status := http.StatusOK
	if formErr != nil {
		status = httpx.Status(formErr)
		p.Error = core.ErrorMessage(formErr)
	}
	s.render(w, r, status, "plan/inbound", p)
}

// ---- POST /cascades/{id}/assign ----

func (s *Server) assignCascade(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	bodyID := formInt(r, "body_id")
	in, err := s.Plan.AssignCascade(r.Context(), id, formInts(r, "lead"), formInts(r, "responsible"))
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/bodies/%d/inbound?flash=assigned#cascade-%d", in.Cascade.BodyID, id), http.StatusSeeOther)
		return
	}
	if !formError(err) || bodyID <= 0 {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.renderInbound(w, r, bodyID, id, err)
}
