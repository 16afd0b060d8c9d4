package api

import (
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/httpx"
	"liandong/internal/plan/source"
)

// Body limits of the import routes. An uploaded document may be as large
// as source.Read accepts, plus room for the multipart framing (so that the
// 413 names the file's limit); a reviewed
// import carries the whole text (up to plan.MaxSourceLen) and its
// extraction, which restates much of it.
var uploadBody = source.DefaultLimits.MaxFile + 64<<10

const importBody = 16 << 20

// planRoutes are the API of plans and tasks. As in the registry, each
// handler decodes an explicit request struct (unknown fields are refused,
// B4), calls the plan.Service method the HTML pages call, and encodes the
// result. The route declares the coarse permission; the service checks the
// fine one and the actor's scope, answering 404 outside it (B3), 403 to a
// reader who may not change the object, and 409 to a stale version or an
// illegal step of the workflow (B5).
func (s *Server) planRoutes() []httpx.Route {
	read, write, manage := auth.PermPlanRead, auth.PermPlanWrite, auth.PermPlanManage
	return []httpx.Route{
		{Pattern: "GET /api/v1/bodies/{id}/plans", Perm: read, Handler: get(s, s.listPlans)},
		{Pattern: "POST /api/v1/bodies/{id}/plans", Perm: write, Handler: change(s, http.StatusCreated, s.createPlan)},
		{Pattern: "GET /api/v1/plans/{id}", Perm: read, Handler: get(s, s.getPlan)},
		{Pattern: "PATCH /api/v1/plans/{id}", Perm: write, Handler: change(s, http.StatusOK, s.updatePlan)},
		{Pattern: "POST /api/v1/plans/{id}/publish", Perm: write, Handler: change(s, http.StatusOK, s.publishPlan)},
		{Pattern: "POST /api/v1/plans/{id}/archive", Perm: write, Handler: change(s, http.StatusOK, s.archivePlan)},
		{Pattern: "DELETE /api/v1/plans/{id}", Perm: write, Handler: s.deletePlan},

		{Pattern: "GET /api/v1/plans/{id}/items", Perm: read, Handler: get(s, s.getTable)},
		{Pattern: "POST /api/v1/plans/{id}/items", Perm: write, Handler: change(s, http.StatusCreated, s.addItem)},
		{Pattern: "GET /api/v1/items/{id}", Perm: read, Handler: get(s, s.getItem)},
		{Pattern: "PUT /api/v1/items/{id}", Perm: write, Handler: change(s, http.StatusOK, s.updateItem)},
		{Pattern: "DELETE /api/v1/items/{id}", Perm: write, Handler: s.deleteItem},
		{Pattern: "POST /api/v1/items/{id}/status", Perm: write, Handler: change(s, http.StatusOK, s.setItemStatus)},

		{Pattern: "GET /api/v1/plans/{id}/history", Perm: read, Handler: get(s, s.getPlanHistory)},
		{Pattern: "PUT /api/v1/plans/{id}/phases", Perm: write, Handler: change(s, http.StatusOK, s.setPhases)},
		{Pattern: "POST /api/v1/plans/{id}/goals", Perm: write, Handler: change(s, http.StatusCreated, s.addGoal)},
		{Pattern: "POST /api/v1/goals/{id}/measures", Perm: write, Handler: change(s, http.StatusOK, s.recordMeasure)},

		// Import: preview a text or an uploaded file, review an edited
		// extraction, then import it as a draft (the office only).
		{Pattern: "POST /api/v1/bodies/{id}/plans/preview", Perm: manage, Handler: s.previewPlan, MaxBody: uploadBody, Limit: httpx.LimitUpload},
		{Pattern: "POST /api/v1/bodies/{id}/plans/review", Perm: manage, Handler: change(s, http.StatusOK, s.reviewPlan), MaxBody: importBody},
		{Pattern: "POST /api/v1/plans/import", Perm: manage, Handler: change(s, http.StatusCreated, s.importPlan), MaxBody: importBody},

		{Pattern: "GET /api/v1/bodies/{id}/inbound", Perm: read, Handler: get(s, s.listInbound)},
		{Pattern: "POST /api/v1/cascades/{id}/assign", Perm: manage, Handler: change(s, http.StatusOK, s.assignCascade)},
		{Pattern: "GET /api/v1/bodies/{id}/units/{unit}/tasks", Perm: read, Handler: get(s, s.listUnitTasks)},
		{Pattern: "GET /api/v1/me/tasks", Perm: read, Handler: s.listMyTasks},

		{Pattern: "POST /api/v1/plans/{id}/keypoints", Perm: manage, Handler: change(s, http.StatusCreated, s.startKeyPoints)},
	}
}

// queryVersion reads the ?version= of a DELETE, which has no body, and
// requires it like a body's version.
func queryVersion(r *http.Request) (int64, error) {
	var vp *int64
	if n, err := strconv.ParseInt(strings.TrimSpace(r.URL.Query().Get("version")), 10, 64); err == nil {
		vp = &n
	}
	return version(vp)
}

// orEmpty returns s, or an empty slice for nil, so that a list encodes as
// [] and clients iterate without a check.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
