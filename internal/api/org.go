package api

import (
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// orgRoutes serve the organisation registry: regions, bodies, their member
// units, seats, liaisons and duties, and the units registry. Each handler
// decodes an explicit request struct (unknown fields are refused, B4),
// calls the same org.Service method the HTML pages call, and encodes the
// result; the service checks the actor's scope and answers 404 outside it
// (B3). Routes declare the coarse permission; the service the fine one.
func (s *Server) orgRoutes() []httpx.Route {
	read, write, liaison := auth.PermOrgRead, auth.PermOrgWrite, auth.PermLiaisonWrite
	return []httpx.Route{
		{Pattern: "GET /api/v1/regions", Perm: read, Handler: s.listRegions},
		{Pattern: "POST /api/v1/regions", Perm: write, Handler: s.createRegion},
		{Pattern: "PATCH /api/v1/regions/{id}", Perm: write, Handler: s.renameRegion},

		{Pattern: "GET /api/v1/bodies", Perm: read, Handler: s.listBodies},
		{Pattern: "POST /api/v1/bodies", Perm: write, Handler: s.createBody},
		{Pattern: "GET /api/v1/bodies/{id}", Perm: read, Handler: s.getBody},
		{Pattern: "PATCH /api/v1/bodies/{id}", Perm: write, Handler: s.updateBody},
		{Pattern: "GET /api/v1/bodies/{id}/roster", Perm: read, Handler: s.getRoster},
		{Pattern: "GET /api/v1/bodies/{id}/roster.xlsx", Perm: read, Handler: s.exportRoster},
		{Pattern: "GET /api/v1/bodies/{id}/history", Perm: read, Handler: s.getHistory},
		{Pattern: "GET /api/v1/bodies/{id}/subordinates", Perm: read, Handler: s.getSubordinates},

		{Pattern: "GET /api/v1/bodies/{id}/member-units", Perm: read, Handler: s.listMemberUnits},
		{Pattern: "POST /api/v1/bodies/{id}/member-units", Perm: write, Handler: s.addMemberUnit},
		{Pattern: "POST /api/v1/member-units/{id}/end", Perm: write, Handler: s.endMembership},

		{Pattern: "GET /api/v1/bodies/{id}/members", Perm: read, Handler: s.listMembers},
		{Pattern: "POST /api/v1/bodies/{id}/members", Perm: write, Handler: s.addMember},
		{Pattern: "PATCH /api/v1/members/{id}", Perm: write, Handler: s.updateMember},
		{Pattern: "POST /api/v1/members/{id}/replace", Perm: write, Handler: s.replaceMember},
		{Pattern: "POST /api/v1/members/{id}/end", Perm: write, Handler: s.endMember},

		{Pattern: "GET /api/v1/bodies/{id}/liaisons", Perm: read, Handler: s.listLiaisons},
		{Pattern: "GET /api/v1/bodies/{id}/liaisons.xlsx", Perm: read, Handler: s.exportLiaisons},
		// Only a body's office adds liaison entries; a liaison edits their
		// own unit's entry (PATCH below).
		{Pattern: "POST /api/v1/bodies/{id}/liaisons", Perm: write, Handler: s.createLiaison},
		{Pattern: "GET /api/v1/liaisons/{id}", Perm: read, Handler: s.getLiaison},
		{Pattern: "PATCH /api/v1/liaisons/{id}", Perm: liaison, Handler: s.updateLiaison},

		{Pattern: "GET /api/v1/bodies/{id}/duties", Perm: read, Handler: s.listDuties},
		{Pattern: "POST /api/v1/bodies/{id}/duties", Perm: write, Handler: s.addDuty},
		{Pattern: "POST /api/v1/bodies/{id}/duties/reorder", Perm: write, Handler: s.reorderDuties},
		{Pattern: "PATCH /api/v1/duties/{id}", Perm: write, Handler: s.updateDuty},
		{Pattern: "DELETE /api/v1/duties/{id}", Perm: write, Handler: s.deleteDuty},

		{Pattern: "GET /api/v1/units", Perm: read, Handler: s.listUnits},
		{Pattern: "POST /api/v1/units", Perm: write, Handler: s.createUnit},
		{Pattern: "GET /api/v1/units/{id}", Perm: read, Handler: s.getUnit},
		{Pattern: "PATCH /api/v1/units/{id}", Perm: write, Handler: s.updateUnit},
	}
}

// fail writes err as the API error envelope with the status its code maps to.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.Guard.Error(w, r, 0, err)
}

// created answers 201 with the new object and, when it has a URL of its
// own, a Location header.
func created(w http.ResponseWriter, location string, v any) {
	if location != "" {
		w.Header().Set("Location", location)
	}
	httpx.WriteJSON(w, http.StatusCreated, v)
}

// paged cuts one page out of a list the service returns whole (a body's
// seats, liaisons or duties: dozens, not thousands) and wraps it in the
// List envelope, so that every list reads the same way.
func paged[T any](r *http.Request, all []T) List[T] {
	p := page(r)
	lo, hi := min(p.Offset, len(all)), min(p.Offset+p.Limit, len(all))
	items := make([]T, 0, hi-lo)
	items = append(items, all[lo:hi]...)
	return List[T]{Items: items, Total: len(all), Offset: p.Offset, Limit: p.Limit}
}

// version returns the version an update must carry: the one the client
// read, so that a change made meanwhile is a 409, not overwritten.
func version(v *int64) (int64, error) {
	if v == nil || *v <= 0 {
		return 0, core.Invalid("version", "请提供所修改记录的版本号（version），即读取该记录时得到的值")
	}
	return *v, nil
}

// queryID reads an optional positive integer query parameter; absent is 0.
func queryID(r *http.Request, name, label string) (int64, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Invalid(name, label+"应为正整数")
	}
	return id, nil
}

// pick returns *p when the client sent the field, else the current value:
// PATCH changes only what the request names.
func pick[T any](p *T, cur T) T {
	if p != nil {
		return *p
	}
	return cur
}
