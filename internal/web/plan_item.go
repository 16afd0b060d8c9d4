package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/plan"
)

// ---- the item form: GET/POST /plans/{id}/items/new and /items/{id}/edit ----

type itemFormPage struct {
	Base
	Plan        *plan.Plan
	Item        *plan.Item // nil when adding
	ParentTitle string     // the heading an edited item sits under
	Form        plan.ItemInput
	Targets     string // one per line, as typed
	Kinds       []orgChoice
	Parents     []orgChoice
	Lead        unitGroups
	Responsible unitGroups
	Cascades    []orgChoice
	Serves      []orgChoice // a unit work plan: the body's tasks the unit carries
	UnitPlan    bool
	Statuses    []orgChoice // the status form of an edited task
	StatusForm  struct{ Status, Reason string }
	StatusError bool // the errors belong to the status form
	StatusClass string
	Draft       bool
	Action      string
}

func (s *Server) showItemNewPage(w http.ResponseWriter, r *http.Request) { s.itemNew(w, r, false) }

func (s *Server) addItem(w http.ResponseWriter, r *http.Request) { s.itemNew(w, r, true) }

func (s *Server) itemNew(w http.ResponseWriter, r *http.Request, save bool) {
	pl, ok := s.editablePlan(w, r)
	if !ok {
		return
	}
	p := &itemFormPage{Base: s.planBase(r, "添加条目"), Plan: pl, Action: fmt.Sprintf("/plans/%d/items/new", pl.ID),
		Form: plan.ItemInput{Kind: plan.Task, ParentID: orgParseID(r.URL.Query().Get("parent"))}}
	var err error
	if save {
		readItemForm(r, p, nil)
		p.Form.ParentID = formInt(r, "parent_id")
		var it *plan.Item
		if it, err = s.Plan.AddItem(r.Context(), pl.ID, p.Form); err == nil {
			http.Redirect(w, r, planURL(pl.ID, "created", fmt.Sprintf("item-%d", it.ID)), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	if !s.fillItemForm(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "plan/item_form", p)
}

func (s *Server) showItemEditPage(w http.ResponseWriter, r *http.Request) { s.itemEdit(w, r, false) }

func (s *Server) saveItem(w http.ResponseWriter, r *http.Request) { s.itemEdit(w, r, true) }

// editableItem loads item {id} and its plan for a change form.
func (s *Server) editableItem(w http.ResponseWriter, r *http.Request) (*plan.Item, *plan.Plan, bool) {
	id, err := orgPathID(r, "id")
	var (
		it *plan.Item
		pl *plan.Plan
	)
	if err == nil {
		it, pl, err = s.Plan.GetItem(r.Context(), id)
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil, nil, false
	}
	if !s.Plan.CanEdit(r.Context(), pl) {
		s.planForbidden(w, r, "plan_item", id, "您不能修改该计划中的条目：只有本机构办公室可以修改，已归档的计划不能修改")
		return nil, nil, false
	}
	return it, pl, true
}

// itemEditPage is the edit form of an item filled from the stored item.
func (s *Server) itemEditPage(r *http.Request, it *plan.Item, pl *plan.Plan) *itemFormPage {
	p := &itemFormPage{Base: s.planBase(r, "编辑条目"), Plan: pl, Item: it, Action: fmt.Sprintf("/items/%d/edit", it.ID),
		Form: plan.ItemInput{ParentID: it.ParentID, Kind: it.Kind, Marker: it.Marker, Title: it.Title, Content: it.Content,
			Schedule: it.Schedule, Audience: it.Audience, Targets: it.Targets, ServesItem: it.ServesItem, Version: it.Version},
		Targets: strings.Join(targetTexts(it.Targets), "\n")}
	for _, a := range it.Assignments {
		if a.BodyID != pl.BodyID {
			continue
		}
		if a.Role == plan.Lead {
			p.Form.Lead = append(p.Form.Lead, a.UnitID)
		} else {
			p.Form.Responsible = append(p.Form.Responsible, a.UnitID)
		}
	}
	if len(it.Cascades) > 0 {
		p.Form.Cascade, p.Form.CascadeText = it.Cascades[0].Role, it.Cascades[0].WrittenAs
	}
	return p
}

func (s *Server) itemEdit(w http.ResponseWriter, r *http.Request, save bool) {
	it, pl, ok := s.editableItem(w, r)
	if !ok {
		return
	}
	p := s.itemEditPage(r, it, pl)
	var err error
	if save {
		readItemForm(r, p, it.Targets)
		p.Form.Version = formInt(r, "version")
		if _, err = s.Plan.UpdateItem(r.Context(), it.ID, p.Form); err == nil {
			http.Redirect(w, r, planURL(pl.ID, "saved", fmt.Sprintf("item-%d", it.ID)), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	if !s.fillItemForm(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "plan/item_form", p)
}

// readItemForm reads the item form's fields into p.
func readItemForm(r *http.Request, p *itemFormPage, oldTargets []plan.Target) {
	f := &p.Form
	f.Kind = plan.ItemKind(r.PostFormValue("kind"))
	f.Marker, f.Title, f.Content = r.PostFormValue("marker"), r.PostFormValue("title"), r.PostFormValue("content")
	f.Schedule, f.Audience = r.PostFormValue("schedule"), r.PostFormValue("audience")
	f.Lead, f.Responsible = formInts(r, "lead"), formInts(r, "responsible")
	f.Cascade, f.CascadeText = plan.Role(r.PostFormValue("cascade")), r.PostFormValue("cascade_text")
	f.ServesItem = formInt(r, "serves_item_id")
	p.Targets = r.PostFormValue("targets")
	f.Targets = parseTargets(p.Targets, oldTargets)
}

// fillItemForm fills the choices of the item form.
func (s *Server) fillItemForm(w http.ResponseWriter, r *http.Request, p *itemFormPage) bool {
	ctx := r.Context()
	pl := p.Plan
	p.Draft, p.UnitPlan = pl.Status == plan.Draft, pl.Kind == plan.UnitWorkPlan
	for _, k := range []plan.ItemKind{plan.Task, plan.Section, plan.ActionGroup, plan.Project} {
		p.Kinds = append(p.Kinds, choice(string(k), k.Label(), k == p.Form.Kind))
	}
	t, err := s.Plan.Table(ctx, pl.ID, plan.Filter{})
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return false
	}
	p.Parents = []orgChoice{choice("", "（顶层，不属于任何标题）", p.Form.ParentID == 0)}
	for _, it := range t.Items {
		if it.Kind == plan.Task || (p.Item != nil && it.ID == p.Item.ID) {
			continue
		}
		label := strings.Repeat("　", it.Depth) + it.Marker + it.Title
		p.Parents = append(p.Parents, choice(strconv.FormatInt(it.ID, 10), label, it.ID == p.Form.ParentID))
		if p.Item != nil && it.ID == p.Item.ParentID {
			p.ParentTitle = it.Path + it.Title
		}
	}
	units, err := s.Plan.AssignableUnits(ctx, pl.BodyID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return false
	}
	p.Lead = newUnitGroups("lead", "牵头单位", units, p.Form.Lead, t.Units)
	p.Responsible = newUnitGroups("responsible", "责任单位", units, p.Form.Responsible, t.Units)
	p.Lead.Error, p.Responsible.Error = p.Errors["lead"], p.Errors["responsible"]
	p.Cascades = []orgChoice{choice("", "不下达", p.Form.Cascade == ""),
		choice(string(plan.Lead), "下达，下级机构牵头", p.Form.Cascade == plan.Lead),
		choice(string(plan.Responsible), "下达，下级机构负责落实", p.Form.Cascade == plan.Responsible)}
	if p.UnitPlan {
		tasks, err := s.Plan.UnitTasks(ctx, pl.BodyID, pl.UnitID)
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return false
		}
		p.Serves = []orgChoice{choice("", "（不对应）", p.Form.ServesItem == 0)}
		seen := map[int64]bool{}
		for _, ut := range tasks {
			if ut.Item.Kind != plan.Task || seen[ut.Item.ID] || ut.PlanID == pl.ID {
				continue
			}
			seen[ut.Item.ID] = true
			label := ut.PlanTitle + "：" + ut.Item.Path + ut.Item.Title + "（" + ut.Role.Label() + "）"
			p.Serves = append(p.Serves, choice(strconv.FormatInt(ut.Item.ID, 10), label, ut.Item.ID == p.Form.ServesItem))
		}
	}
	if p.Item != nil {
		p.StatusClass = statusClass(p.Item.Status)
		for _, st := range plan.ItemStatuses {
			if st != p.Item.Status {
				p.Statuses = append(p.Statuses, choice(string(st), st.Label(), string(st) == p.StatusForm.Status))
			}
		}
	}
	return true
}

// ---- POST /items/{id}/status: close, cancel or reopen ----

func (s *Server) setItemStatus(w http.ResponseWriter, r *http.Request) {
	it, pl, ok := s.editableItem(w, r)
	if !ok {
		return
	}
	st, reason := plan.ItemStatus(r.PostFormValue("status")), r.PostFormValue("reason")
	_, err := s.Plan.SetItemStatus(r.Context(), it.ID, formInt(r, "version"), st, reason)
	if err == nil {
		http.Redirect(w, r, planURL(pl.ID, "saved", fmt.Sprintf("item-%d", it.ID)), http.StatusSeeOther)
		return
	}
	p := s.itemEditPage(r, it, pl)
	p.StatusForm.Status, p.StatusForm.Reason, p.StatusError = string(st), reason, true
	if !s.formFailed(w, r, &p.Base, err) || !s.fillItemForm(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "plan/item_form", p)
}

// ---- POST /items/{id}/delete: delete an item of a draft ----

func (s *Server) deleteItem(w http.ResponseWriter, r *http.Request) {
	it, pl, ok := s.editableItem(w, r)
	if !ok {
		return
	}
	if err := s.Plan.DeleteItem(r.Context(), it.ID, formInt(r, "version")); err != nil {
		if !formError(err) {
			s.Guard.Error(w, r, 0, err)
			return
		}
		s.renderPlanTable(w, r, pl.ID, nil, err)
		return
	}
	http.Redirect(w, r, planURL(pl.ID, "deleted", "table"), http.StatusSeeOther)
}
