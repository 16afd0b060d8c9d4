package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/plan"
)

// ---- GET /plans/{id}/history: the versions of a published plan ----

type changeView struct {
	plan.Change
	When string
}

type planHistoryPage struct {
	Base
	Plan    *plan.Plan
	Changes []changeView
}

func (s *Server) showPlanHistory(w http.ResponseWriter, r *http.Request) {
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
	changes, err := s.Plan.History(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &planHistoryPage{Base: s.planBase(r, "修订记录"), Plan: pl}
	for _, c := range changes {
		p.Changes = append(p.Changes, changeView{Change: c, When: unixTime(c.At)})
	}
	s.render(w, r, http.StatusOK, "plan/history", p)
}

// ---- GET/POST /plans/{id}/keypoints/new: start a year's key points ----

type keyTask struct {
	plan.Item
	Section bool
	Checked bool
	Depth   int
}

type keyPointsPage struct {
	Base
	Plan  *plan.Plan
	Year  string
	Name  string
	Items []keyTask
}

func (s *Server) showKeyPointsPage(w http.ResponseWriter, r *http.Request) { s.keyPoints(w, r, false) }

func (s *Server) startKeyPoints(w http.ResponseWriter, r *http.Request) { s.keyPoints(w, r, true) }

func (s *Server) keyPoints(w http.ResponseWriter, r *http.Request, save bool) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	ctx := r.Context()
	t, err := s.Plan.Table(ctx, id, plan.Filter{})
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	pl := t.Plan
	if !isOfficeOf(core.ActorFrom(ctx), pl.BodyID) {
		s.planForbidden(w, r, "plan", id, "只有本机构办公室可以制定年度工作要点")
		return
	}
	year := s.Clock.Now().In(cst).Year() + 1
	year = min(max(year, pl.YearFrom), pl.YearTo+1) // the service allows the year after the period
	p := &keyPointsPage{Base: s.planBase(r, "制定年度工作要点"), Plan: pl, Year: strconv.Itoa(year)}
	chosen := map[int64]bool{}
	if save {
		p.Year, p.Name = strings.TrimSpace(r.PostFormValue("year")), r.PostFormValue("title")
		ids := formInts(r, "item")
		for _, i := range ids {
			chosen[i] = true
		}
		var kp *plan.Plan
		kp, err = s.Plan.StartKeyPoints(ctx, id, plan.KeyPointsInput{Year: formYear(r, "year"), Title: strings.TrimSpace(p.Name), ItemIDs: ids})
		if err == nil {
			http.Redirect(w, r, planURL(kp.ID, "keypoints", ""), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	for _, it := range t.Items {
		k := keyTask{Item: it, Section: it.Kind != plan.Task, Depth: min(it.Depth, 4)}
		k.Checked = !k.Section && it.Status != plan.Cancelled && (!save || chosen[it.ID])
		p.Items = append(p.Items, k)
	}
	s.renderForm(w, r, err, "plan/keypoints", p)
}

// ---- GET/POST /plans/{id}/phases: the plan's phases ----

// The phase form offers at least phaseRows rows, and one blank row more
// than the plan has, up to what SetPhases accepts.
const (
	phaseRows    = 6
	maxPhaseRows = 20
)

type phasesPage struct {
	Base
	Plan   *plan.Plan
	Phases []plan.Phase
}

func (s *Server) showPhasesPage(w http.ResponseWriter, r *http.Request) { s.phases(w, r, false) }

func (s *Server) savePhases(w http.ResponseWriter, r *http.Request) { s.phases(w, r, true) }

func (s *Server) phases(w http.ResponseWriter, r *http.Request, save bool) {
	pl, ok := s.editablePlan(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	p := &phasesPage{Base: s.planBase(r, "实施阶段"), Plan: pl}
	var err error
	if save {
		in := []plan.Phase{}
		rows, _ := strconv.Atoi(r.PostFormValue("rows"))
		for i := range min(max(rows, phaseRows), maxPhaseRows) {
			k := fmt.Sprintf("p%d_", i)
			ph := plan.Phase{Name: r.PostFormValue(k + "name"), StartsOn: strings.TrimSpace(r.PostFormValue(k + "starts")),
				EndsOn: strings.TrimSpace(r.PostFormValue(k + "ends")), Milestone: r.PostFormValue(k + "milestone")}
			p.Phases = append(p.Phases, ph)
			if strings.TrimSpace(ph.Name+ph.StartsOn+ph.EndsOn+ph.Milestone) != "" {
				in = append(in, ph)
			}
		}
		if _, err = s.Plan.SetPhases(ctx, pl.ID, in); err == nil {
			http.Redirect(w, r, planURL(pl.ID, "saved", "phases"), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	} else {
		if p.Phases, err = s.Plan.Phases(ctx, pl.ID); err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
	}
	for len(p.Phases) < phaseRows || (len(p.Phases) < maxPhaseRows && p.Phases[len(p.Phases)-1].Name != "") {
		p.Phases = append(p.Phases, plan.Phase{})
	}
	s.renderForm(w, r, err, "plan/phases", p)
}
