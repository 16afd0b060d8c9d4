package api

import (
	"context"
	"net/http"

	"liandong/internal/plan"
)

// ---- plans ----

// PlanCreate is the body of POST /bodies/{id}/plans: a draft plan of the
// body. unit_id names the member unit of a unit work plan (a liaison
// creates only its own unit's); other kinds leave it out.
type PlanCreate struct {
	Kind      plan.Kind    `json:"kind"`
	Title     string       `json:"title"`
	DocNumber string       `json:"doc_number"`
	YearFrom  int          `json:"year_from"`
	YearTo    int          `json:"year_to"`
	ParentID  int64        `json:"parent_id"`
	UnitID    int64        `json:"unit_id"`
	Cadence   plan.Cadence `json:"cadence"`
}

// PlanPatch is the body of PATCH /plans/{id}. The body, the owning unit
// and the status are not fields of a plan one edits: the status moves by
// publish and archive.
type PlanPatch struct {
	Kind      *plan.Kind    `json:"kind"`
	Title     *string       `json:"title"`
	DocNumber *string       `json:"doc_number"`
	YearFrom  *int          `json:"year_from"`
	YearTo    *int          `json:"year_to"`
	ParentID  *int64        `json:"parent_id"`
	Cadence   *plan.Cadence `json:"cadence"`
	Version   *int64        `json:"version"`
}

// PlanTransition is the body of POST /plans/{id}/publish and /archive:
// the version the client read, so that a plan changed meanwhile is a 409.
type PlanTransition struct {
	Version *int64 `json:"version"`
}

// PlanDetail is GET /plans/{id}: the plan with its headline goals (with
// the values measured so far) and its phases, and whether the reader may
// change it (for showing edit controls; every change is checked again).
type PlanDetail struct {
	plan.Plan
	Goals   []plan.Goal  `json:"goals"`
	Phases  []plan.Phase `json:"phases"`
	CanEdit bool         `json:"can_edit"`
}

func (s *Server) listPlans(r *http.Request, id int64) (List[plan.Plan], error) {
	ps, err := s.Plan.ListPlans(r.Context(), id)
	return paged(r, ps), err
}

func (s *Server) createPlan(ctx context.Context, id int64, in PlanCreate) (*plan.Plan, error) {
	return s.Plan.CreatePlan(ctx, plan.PlanInput{BodyID: id, Kind: in.Kind, Title: in.Title, DocNumber: in.DocNumber,
		YearFrom: in.YearFrom, YearTo: in.YearTo, ParentID: in.ParentID, UnitID: in.UnitID, Cadence: in.Cadence})
}

func (s *Server) getPlan(r *http.Request, id int64) (*PlanDetail, error) {
	ctx := r.Context()
	p, err := s.Plan.GetPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	goals, err := s.Plan.Goals(ctx, id)
	if err != nil {
		return nil, err
	}
	phases, err := s.Plan.Phases(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range goals {
		goals[i].Measures = orEmpty(goals[i].Measures)
	}
	return &PlanDetail{Plan: *p, Goals: orEmpty(goals), Phases: orEmpty(phases), CanEdit: s.Plan.CanEdit(ctx, p)}, nil
}

func (s *Server) updatePlan(ctx context.Context, id int64, in PlanPatch) (*plan.Plan, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	cur, err := s.Plan.GetPlan(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.Plan.UpdatePlan(ctx, id, plan.PlanInput{Kind: pick(in.Kind, cur.Kind), Title: pick(in.Title, cur.Title),
		DocNumber: pick(in.DocNumber, cur.DocNumber), YearFrom: pick(in.YearFrom, cur.YearFrom),
		YearTo: pick(in.YearTo, cur.YearTo), ParentID: pick(in.ParentID, cur.ParentID),
		Cadence: pick(in.Cadence, cur.Cadence), Version: v})
}

func (s *Server) publishPlan(ctx context.Context, id int64, in PlanTransition) (*plan.Plan, error) {
	return s.setPlanStatus(ctx, id, in, plan.Published)
}

func (s *Server) archivePlan(ctx context.Context, id int64, in PlanTransition) (*plan.Plan, error) {
	return s.setPlanStatus(ctx, id, in, plan.Archived)
}

func (s *Server) setPlanStatus(ctx context.Context, id int64, in PlanTransition, to plan.Status) (*plan.Plan, error) {
	v, err := version(in.Version)
	if err != nil {
		return nil, err
	}
	return s.Plan.SetStatus(ctx, id, v, to)
}

// deletePlan deletes a draft; a published plan is archived instead (409).
func (s *Server) deletePlan(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var v int64
	if err == nil {
		v, err = queryVersion(r)
	}
	if err == nil {
		err = s.Plan.DeletePlan(r.Context(), id, v)
	}
	s.reply(w, r, http.StatusNoContent, nil, err)
}

// getPlanHistory lists the versioned changes of a published plan, newest
// first, each with its field diff.
func (s *Server) getPlanHistory(r *http.Request, id int64) (List[plan.Change], error) {
	cs, err := s.Plan.History(r.Context(), id)
	return paged(r, cs), err
}

// ---- phases and goals ----

// PhaseInput is one phase of PUT /plans/{id}/phases.
type PhaseInput struct {
	Name      string `json:"name"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
	Milestone string `json:"milestone"`
}

// PhaseSet is the body of PUT /plans/{id}/phases: the
// plan's phases in order, replacing the ones it had.
type PhaseSet struct {
	Phases []PhaseInput `json:"phases"`
}

// PhaseList is the answer of PUT /plans/{id}/phases: the phases as saved.
type PhaseList struct {
	Phases []plan.Phase `json:"phases"`
}

// GoalCreate is the body of POST /plans/{id}/goals: a headline indicator
// (公民具备科学素质的比例 2025年 >= 15%).
type GoalCreate struct {
	Text       string  `json:"text"`
	Metric     string  `json:"metric"`
	Comparator string  `json:"comparator"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Year       int     `json:"year"`
}

// MeasureRecord is the body of POST /goals/{id}/measures: the value of the
// goal measured in a region (the body's own or one below) and year. A
// second record for the same region and year corrects the first.
type MeasureRecord struct {
	RegionID int64   `json:"region_id"`
	Year     int     `json:"year"`
	Value    float64 `json:"value"`
	Note     string  `json:"note"`
}

func (s *Server) setPhases(ctx context.Context, id int64, in PhaseSet) (*PhaseList, error) {
	phases := make([]plan.Phase, len(in.Phases))
	for i, p := range in.Phases {
		phases[i] = plan.Phase{Name: p.Name, StartsOn: p.StartsOn, EndsOn: p.EndsOn, Milestone: p.Milestone}
	}
	out, err := s.Plan.SetPhases(ctx, id, phases)
	if err != nil {
		return nil, err
	}
	return &PhaseList{Phases: orEmpty(out)}, nil
}

func (s *Server) addGoal(ctx context.Context, id int64, in GoalCreate) (*plan.Goal, error) {
	return s.Plan.AddGoal(ctx, id, plan.Goal{Text: in.Text, Metric: in.Metric, Comparator: in.Comparator,
		Value: in.Value, Unit: in.Unit, Year: in.Year})
}

func (s *Server) recordMeasure(ctx context.Context, id int64, in MeasureRecord) (*plan.Measure, error) {
	return s.Plan.RecordMeasure(ctx, id, plan.Measure{RegionID: in.RegionID, Year: in.Year, Value: in.Value, Note: in.Note})
}

// ---- annual key points ----

// KeyPointsCreate is the body of POST /plans/{id}/keypoints: a year's key
// points drafted from a published plan, carrying over the chosen tasks
// with their headings, units and targets. An empty title is made from the
// year and the body.
type KeyPointsCreate struct {
	Year    int     `json:"year"`
	Title   string  `json:"title"`
	ItemIDs []int64 `json:"item_ids"`
}

func (s *Server) startKeyPoints(ctx context.Context, id int64, in KeyPointsCreate) (*plan.Plan, error) {
	return s.Plan.StartKeyPoints(ctx, id, plan.KeyPointsInput{Year: in.Year, Title: in.Title, ItemIDs: in.ItemIDs})
}
