package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/plan"
	"liandong/internal/region"
)

// ---- GET /plans/{id}: the decomposition table (重点任务分解表) ----

// tableRow is one row of the decomposition table.
type tableRow struct {
	plan.Item
	Section      bool
	Lead         string // units of the plan's own body
	Responsible  string
	LeadCascade  string // the collective the plan hands the task down to ("各县〔市〕政府")
	RespCascade  string
	Cascades     []cascadeView
	Targets      []string
	StatusClass  string
	CanDelete    bool
	IndentClass  string
	SectionUnits string   // a section's own lead units, shown in its heading row
	Progress     []string // what the units reported (report_table.go)
}

// cascadeView is a subordinate body's state of a task handed down to it.
type cascadeView struct {
	Body     string
	Assigned bool
	Units    string // who carries it there
}

// goalView is a headline goal with its measured values.
type goalView struct {
	plan.Goal
	Target   string
	Measures []measureView
}

type measureView struct {
	plan.Measure
	ValueText string
}

// measureForm is what was typed into a goal's measure form.
type measureForm struct {
	Region, Year, Value, Note string
}

// goalForm is what was typed into the new goal form.
type goalForm struct {
	Text, Metric, Comparator, Value, Unit, Year string
}

// tableFilter is the filter as typed (kept in the form).
type tableFilter struct {
	Unit, Audience, Status string
}

type planTablePage struct {
	Base
	Plan         *plan.Plan
	Rows         []tableRow
	Tasks        int
	Filter       tableFilter
	Filtered     bool
	ExportURL    string // the export of what the filter shows
	Units        []orgChoice
	Audiences    []orgChoice
	Statuses     []orgChoice
	Goals        []goalView
	Phases       []plan.Phase
	CanEdit      bool
	IsOffice     bool // of the plan's body: publish, archive, key points
	ShowCascades bool
	StatusClass  string
	Draft        bool
	Published    bool
	HasHistory   bool
	Parent       *plan.Plan
	Regions      []orgChoice
	Comparators  []orgChoice
	MeasureGoal  int64 // the goal whose measure form failed
	Measure      measureForm
	Goal         goalForm
	GoalFailed   bool
	ThisYear     int
	Reports      bool   // the plan is published: its reports' overview is linked
	Share        string // tasks on track or done, from the reports
}

func (s *Server) showPlanTable(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.renderPlanTable(w, r, id, nil, nil)
}

// readFilter reads the table's filter from the query string.
func readFilter(r *http.Request) (plan.Filter, tableFilter) {
	q := r.URL.Query()
	typed := tableFilter{Unit: q.Get("unit"), Audience: strings.TrimSpace(q.Get("audience")), Status: q.Get("status")}
	f := plan.Filter{UnitID: orgParseID(typed.Unit), Audience: typed.Audience}
	if st := plan.ItemStatus(typed.Status); st.Valid() {
		f.Status = st
	} else {
		typed.Status = ""
	}
	return f, typed
}

// renderPlanTable renders the table page; a failed form on it (a measure,
// a goal, a workflow step) is shown with its error and what was typed.
func (s *Server) renderPlanTable(w http.ResponseWriter, r *http.Request, id int64, p *planTablePage, formErr error) {
	ctx := r.Context()
	f, typed := readFilter(r)
	t, err := s.Plan.Table(ctx, id, f)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if p == nil {
		p = &planTablePage{}
	}
	p.Base = s.planBase(r, t.Plan.Title)
	a := p.Actor
	p.Plan, p.Filter, p.Filtered = t.Plan, typed, f.Active()
	p.CanEdit = s.Plan.CanEdit(ctx, t.Plan)
	p.IsOffice = isOfficeOf(a, t.Plan.BodyID)
	p.ShowCascades = a.Role == core.RoleOffice
	p.Draft, p.Published = t.Plan.Status == plan.Draft, t.Plan.Status == plan.Published
	p.StatusClass = planStatusClass(t.Plan.Status)
	p.HasHistory = t.Plan.Status != plan.Draft
	p.ThisYear = s.Clock.Now().In(cst).Year()
	p.Comparators = comparatorChoices(p.Goal.Comparator)
	q := url.Values{}
	for k, v := range map[string]string{"unit": typed.Unit, "audience": typed.Audience, "status": typed.Status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	p.ExportURL = fmt.Sprintf("/plans/%d/table.xlsx", id)
	if len(q) > 0 {
		p.ExportURL += "?" + q.Encode()
	}

	p.Units = []orgChoice{choice("", "全部单位", f.UnitID == 0)}
	for _, u := range t.Units {
		p.Units = append(p.Units, choice(strconv.FormatInt(u.ID, 10), u.Name, u.ID == f.UnitID))
	}
	p.Audiences = []orgChoice{choice("", "全部人群", f.Audience == "")}
	for _, au := range t.Audiences {
		p.Audiences = append(p.Audiences, choice(au, au, au == f.Audience))
	}
	p.Statuses = itemStatusChoices(f.Status, "全部状态")
	for _, it := range t.Items {
		row := tableRow{Item: it, Section: it.Kind != plan.Task, StatusClass: statusClass(it.Status),
			IndentClass: fmt.Sprintf("depth-%d", min(it.Depth, 4)),
			Lead:        joinNames(it.Units(t.Plan.BodyID, plan.Lead)), Responsible: joinNames(it.Units(t.Plan.BodyID, plan.Responsible)),
			LeadCascade: it.CascadeText(plan.Lead), RespCascade: it.CascadeText(plan.Responsible), Targets: targetTexts(it.Targets)}
		row.CanDelete = p.CanEdit && p.Draft
		if row.Section {
			row.SectionUnits = row.Lead
		} else {
			p.Tasks++
		}
		for _, c := range it.Cascades {
			cv := cascadeView{Body: c.BodyName, Assigned: c.Status == "assigned"}
			var parts []string
			if l := it.Units(c.BodyID, plan.Lead); len(l) > 0 {
				parts = append(parts, joinNames(l)+"牵头")
			}
			if rs := it.Units(c.BodyID, plan.Responsible); len(rs) > 0 {
				parts = append(parts, joinNames(rs)+"负责")
			}
			cv.Units = strings.Join(parts, "；")
			row.Cascades = append(row.Cascades, cv)
		}
		p.Rows = append(p.Rows, row)
	}

	s.addReportProgress(ctx, p)

	goals, err := s.Plan.Goals(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	for _, g := range goals {
		gv := goalView{Goal: g, Target: fmt.Sprintf("%s%s%s（%d年）", comparatorText(g.Comparator), number(g.Value), g.Unit, g.Year)}
		for _, m := range g.Measures {
			gv.Measures = append(gv.Measures, measureView{Measure: m, ValueText: number(m.Value) + g.Unit})
		}
		p.Goals = append(p.Goals, gv)
	}
	if p.Phases, err = s.Plan.Phases(ctx, id); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if t.Plan.ParentID != 0 {
		if parent, perr := s.Plan.GetPlan(ctx, t.Plan.ParentID); perr == nil {
			p.Parent = parent
		}
	}
	if p.CanEdit && len(p.Goals) > 0 {
		if p.Regions, err = s.measureRegions(ctx, t.Plan.BodyID, orgParseID(p.Measure.Region)); err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
	}
	status := http.StatusOK
	if formErr != nil {
		status = httpx.Status(formErr)
		p.Errors = core.FieldErrors(formErr)
		p.Error = core.ErrorMessage(formErr)
		if core.ErrorCode(formErr) == core.EINVALID {
			p.Error = "提交的内容有误，请按提示修改后重新提交。"
		}
	}
	s.render(w, r, status, "plan/table", p)
}

// measureRegions offers the regions a goal of body may be measured in: the
// body's own region and every region below it.
func (s *Server) measureRegions(ctx context.Context, bodyID, selected int64) ([]orgChoice, error) {
	b, err := s.Org.GetBody(ctx, bodyID)
	if err != nil {
		return nil, err
	}
	all, err := s.Org.ListRegions(ctx)
	if err != nil {
		return nil, err
	}
	parent := map[int64]int64{}
	for _, rg := range all {
		parent[rg.ID] = rg.ParentID
	}
	below := func(rg region.Region) bool {
		for id, depth := rg.ID, 0; id != 0 && depth < 8; id, depth = parent[id], depth+1 {
			if id == b.RegionID {
				return true
			}
		}
		return false
	}
	out := []orgChoice{choice("", "请选择地区", selected == 0)}
	for _, rg := range all {
		if below(rg) {
			out = append(out, choice(strconv.FormatInt(rg.ID, 10), rg.Name, rg.ID == selected))
		}
	}
	return out, nil
}

// ---- POST /goals/{id}/measures: record a measured value ----

func (s *Server) recordMeasure(w http.ResponseWriter, r *http.Request) {
	goalID, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	planID := formInt(r, "plan_id")
	value, typedValue := formFloat(r, "value")
	form := measureForm{Region: r.PostFormValue("region_id"), Year: r.PostFormValue("year"), Value: typedValue, Note: r.PostFormValue("note")}
	m := plan.Measure{RegionID: orgParseID(form.Region), Year: formYear(r, "year"), Value: value, Note: form.Note}
	if _, err = s.Plan.RecordMeasure(r.Context(), goalID, m); err == nil {
		http.Redirect(w, r, planURL(planID, "measured", "goals"), http.StatusSeeOther)
		return
	}
	if !formError(err) || planID <= 0 {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.renderPlanTable(w, r, planID, &planTablePage{MeasureGoal: goalID, Measure: form}, err)
}

// ---- POST /plans/{id}/goals: add a headline goal ----

func (s *Server) addGoal(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	value, typedValue := formFloat(r, "value")
	form := goalForm{Text: r.PostFormValue("text"), Metric: r.PostFormValue("metric"), Comparator: r.PostFormValue("comparator"),
		Value: typedValue, Unit: r.PostFormValue("unit"), Year: r.PostFormValue("year")}
	g := plan.Goal{Text: form.Text, Metric: form.Metric, Comparator: form.Comparator, Value: value, Unit: form.Unit, Year: formYear(r, "year")}
	if _, err = s.Plan.AddGoal(r.Context(), id, g); err == nil {
		http.Redirect(w, r, planURL(id, "created", "goals"), http.StatusSeeOther)
		return
	}
	if !formError(err) {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.renderPlanTable(w, r, id, &planTablePage{Goal: form, GoalFailed: true}, err)
}

// formError reports whether err belongs on the form that caused it
// (invalid input, a stale or illegal step) rather than on an error page.
func formError(err error) bool {
	switch core.ErrorCode(err) {
	case core.EINVALID, core.ECONFLICT:
		return true
	}
	return false
}
