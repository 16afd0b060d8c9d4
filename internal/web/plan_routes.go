package web

import (
	"liandong/internal/auth"
	"liandong/internal/httpx"
	"liandong/internal/plan/source"
)

// importMaxBody is the request limit of the import screen: an uploaded file
// of up to source.DefaultLimits.MaxFile with the form around it, or the
// review form carrying a long source text and its edited result. It is
// enforced by the guard before anything is parsed.
var importMaxBody = source.DefaultLimits.MaxFile + 512<<10

// planRoutes are the pages of plans and tasks. Reading needs plan.read;
// changing a plan or a task plan.write (a liaison: its own unit's work plan
// only, checked by the service); importing, assigning tasks handed down and
// starting key points plan.manage. Scope is checked by the service.
func (s *Server) planRoutes() []httpx.Route {
	read, write, manage := auth.PermPlanRead, auth.PermPlanWrite, auth.PermPlanManage
	return []httpx.Route{
		{Pattern: "GET /plans", Perm: read, Handler: s.showPlanHome},
		{Pattern: "GET /my/tasks", Perm: read, Handler: s.showMyTasks},

		{Pattern: "GET /bodies/{id}/plans", Perm: read, Handler: s.showPlanList},
		{Pattern: "GET /bodies/{id}/plans/new", Perm: write, Handler: s.showPlanNewPage},
		{Pattern: "POST /bodies/{id}/plans/new", Perm: write, Handler: s.createPlan},
		{Pattern: "GET /bodies/{id}/plans/import", Perm: manage, Handler: s.showImportPage},
		{Pattern: "POST /bodies/{id}/plans/import", Perm: manage, Handler: s.importPlan, MaxBody: importMaxBody, Limit: httpx.LimitUpload},
		{Pattern: "GET /bodies/{id}/inbound", Perm: read, Handler: s.showInbound},
		{Pattern: "POST /cascades/{id}/assign", Perm: manage, Handler: s.assignCascade},

		{Pattern: "GET /plans/{id}", Perm: read, Handler: s.showPlanTable},
		{Pattern: "GET /plans/{id}/table.xlsx", Perm: read, Handler: s.exportPlanTable, Limit: httpx.LimitExport},
		{Pattern: "GET /plans/{id}/history", Perm: read, Handler: s.showPlanHistory},
		{Pattern: "GET /plans/{id}/edit", Perm: write, Handler: s.showPlanEditPage},
		{Pattern: "POST /plans/{id}/edit", Perm: write, Handler: s.savePlan},
		{Pattern: "POST /plans/{id}/status", Perm: write, Handler: s.setPlanStatus},
		{Pattern: "POST /plans/{id}/delete", Perm: write, Handler: s.deletePlan},
		{Pattern: "GET /plans/{id}/phases", Perm: write, Handler: s.showPhasesPage},
		{Pattern: "POST /plans/{id}/phases", Perm: write, Handler: s.savePhases},
		{Pattern: "POST /plans/{id}/goals", Perm: write, Handler: s.addGoal},
		{Pattern: "POST /goals/{id}/measures", Perm: write, Handler: s.recordMeasure},
		{Pattern: "GET /plans/{id}/keypoints/new", Perm: manage, Handler: s.showKeyPointsPage},
		{Pattern: "POST /plans/{id}/keypoints/new", Perm: manage, Handler: s.startKeyPoints},

		{Pattern: "GET /plans/{id}/items/new", Perm: write, Handler: s.showItemNewPage},
		{Pattern: "POST /plans/{id}/items/new", Perm: write, Handler: s.addItem},
		{Pattern: "GET /items/{id}/edit", Perm: write, Handler: s.showItemEditPage},
		{Pattern: "POST /items/{id}/edit", Perm: write, Handler: s.saveItem},
		{Pattern: "POST /items/{id}/status", Perm: write, Handler: s.setItemStatus},
		{Pattern: "POST /items/{id}/delete", Perm: write, Handler: s.deleteItem},
	}
}
