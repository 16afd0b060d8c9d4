package api

import (
	"context"
	"net/http"

	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/plan"
)

// CascadeAssign is the body of POST /cascades/{id}/assign: the units of
// the receiving body that carry a task handed down to it. It replaces what
// was assigned before.
type CascadeAssign struct {
	Lead        []int64 `json:"lead"`
	Responsible []int64 `json:"responsible"`
}

// listInbound lists the tasks handed down to the body from published plans
// above it, those still to assign first (its office and leaders).
func (s *Server) listInbound(r *http.Request, id int64) (List[plan.Inbound], error) {
	in, err := s.Plan.Inbound(r.Context(), id)
	return paged(r, in), err
}

func (s *Server) assignCascade(ctx context.Context, id int64, in CascadeAssign) (*plan.Inbound, error) {
	return s.Plan.AssignCascade(ctx, id, in.Lead, in.Responsible)
}

// unitTasksOut gives each task's partners an array, never null.
func unitTasksOut(ts []plan.UnitTask) []plan.UnitTask {
	for i := range ts {
		ts[i].Partners = orEmpty(ts[i].Partners)
	}
	return orEmpty(ts)
}

// listUnitTasks lists the tasks a unit carries in a body, in published
// plans: a liaison reads only its own unit's, an office any unit's in its
// scope, a leader any unit's in its body.
func (s *Server) listUnitTasks(r *http.Request, id int64) (List[plan.UnitTask], error) {
	unit, err := pathID(r, "unit")
	if err != nil {
		return List[plan.UnitTask]{}, err
	}
	ts, err := s.Plan.UnitTasks(r.Context(), id, unit)
	return paged(r, unitTasksOut(ts)), err
}

// listMyTasks lists the tasks of the actor's own unit in its first body;
// an account without a unit or a body carries none.
func (s *Server) listMyTasks(w http.ResponseWriter, r *http.Request) {
	a := core.ActorFrom(r.Context())
	var ts []plan.UnitTask
	if a.UnitID != 0 && len(a.BodyIDs) > 0 {
		var err error
		if ts, err = s.Plan.UnitTasks(r.Context(), a.BodyIDs[0], a.UnitID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	httpx.WriteJSON(w, http.StatusOK, paged(r, unitTasksOut(ts)))
}
