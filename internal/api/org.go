package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/org"
	"liandong/internal/plan"
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
		{Pattern: "POST /api/v1/regions", Perm: write, Handler: change(s, http.StatusCreated, s.createRegion)},
		{Pattern: "PATCH /api/v1/regions/{id}", Perm: write, Handler: change(s, http.StatusOK, s.renameRegion)},

		{Pattern: "GET /api/v1/bodies", Perm: read, Handler: s.listBodies},
		{Pattern: "POST /api/v1/bodies", Perm: write, Handler: change(s, http.StatusCreated, s.createBody)},
		{Pattern: "GET /api/v1/bodies/{id}", Perm: read, Handler: get(s, s.getBody)},
		{Pattern: "PATCH /api/v1/bodies/{id}", Perm: write, Handler: change(s, http.StatusOK, s.updateBody)},
		{Pattern: "GET /api/v1/bodies/{id}/roster", Perm: read, Handler: get(s, s.getRoster)},
		{Pattern: "GET /api/v1/bodies/{id}/roster.xlsx", Perm: read, Handler: s.exportRoster, Limit: httpx.LimitExport},
		{Pattern: "GET /api/v1/bodies/{id}/history", Perm: read, Handler: get(s, s.getHistory)},
		{Pattern: "GET /api/v1/bodies/{id}/subordinates", Perm: read, Handler: get(s, s.getSubordinates)},

		{Pattern: "GET /api/v1/bodies/{id}/member-units", Perm: read, Handler: get(s, s.listMemberUnits)},
		{Pattern: "POST /api/v1/bodies/{id}/member-units", Perm: write, Handler: change(s, http.StatusCreated, s.addMemberUnit)},
		{Pattern: "POST /api/v1/member-units/{id}/end", Perm: write, Handler: change(s, http.StatusOK, s.endMembership)},

		{Pattern: "GET /api/v1/bodies/{id}/members", Perm: read, Handler: get(s, s.listMembers)},
		{Pattern: "POST /api/v1/bodies/{id}/members", Perm: write, Handler: change(s, http.StatusCreated, s.addMember)},
		{Pattern: "PATCH /api/v1/members/{id}", Perm: write, Handler: change(s, http.StatusOK, s.updateMember)},
		{Pattern: "POST /api/v1/members/{id}/replace", Perm: write, Handler: change(s, http.StatusCreated, s.replaceMember)},
		{Pattern: "POST /api/v1/members/{id}/end", Perm: write, Handler: change(s, http.StatusOK, s.endMember)},

		{Pattern: "GET /api/v1/bodies/{id}/liaisons", Perm: read, Handler: get(s, s.listLiaisons)},
		{Pattern: "GET /api/v1/bodies/{id}/liaisons.xlsx", Perm: read, Handler: s.exportLiaisons, Limit: httpx.LimitExport},
		// Only a body's office adds liaison entries; a liaison edits their
		// own unit's entry (PATCH below).
		{Pattern: "POST /api/v1/bodies/{id}/liaisons", Perm: write, Handler: change(s, http.StatusCreated, s.createLiaison)},
		{Pattern: "GET /api/v1/liaisons/{id}", Perm: read, Handler: get(s, s.getLiaison)},
		{Pattern: "PATCH /api/v1/liaisons/{id}", Perm: liaison, Handler: change(s, http.StatusOK, s.updateLiaison)},

		{Pattern: "GET /api/v1/bodies/{id}/duties", Perm: read, Handler: get(s, s.listDuties)},
		{Pattern: "POST /api/v1/bodies/{id}/duties", Perm: write, Handler: change(s, http.StatusCreated, s.addDuty)},
		{Pattern: "POST /api/v1/bodies/{id}/duties/reorder", Perm: write, Handler: change(s, http.StatusNoContent, s.reorderDuties)},
		{Pattern: "PATCH /api/v1/duties/{id}", Perm: write, Handler: change(s, http.StatusOK, s.updateDuty)},
		{Pattern: "DELETE /api/v1/duties/{id}", Perm: write, Handler: s.deleteDuty},

		{Pattern: "GET /api/v1/units", Perm: read, Handler: s.listUnits},
		{Pattern: "POST /api/v1/units", Perm: write, Handler: change(s, http.StatusCreated, s.createUnit)},
		{Pattern: "GET /api/v1/units/{id}", Perm: read, Handler: get(s, s.getUnit)},
		{Pattern: "PATCH /api/v1/units/{id}", Perm: write, Handler: change(s, http.StatusOK, s.updateUnit)},
	}
}

// fail writes err as the API error envelope with the status its code maps to.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.Guard.Error(w, r, 0, err)
}

// get answers a GET of what the path's {id} names: fn's result, or the
// error envelope.
func get[R any](s *Server, fn func(r *http.Request, id int64) (R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var out R
		if err == nil {
			out, err = fn(r, id)
		}
		s.reply(w, r, http.StatusOK, out, err)
	}
}

// change answers a POST or PATCH: the path's {id} (0 when the route has
// none) and the JSON body, decoded into its request struct with unknown
// fields refused (B4), go to fn, whose result is answered with status.
func change[T, R any](s *Server, status int, fn func(ctx context.Context, id int64, in T) (R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var id int64
		var err error
		if r.PathValue("id") != "" {
			id, err = pathID(r, "id")
		}
		var in T
		if err == nil {
			err = decode(r, &in)
		}
		var out R
		if err == nil {
			out, err = fn(r.Context(), id, in)
		}
		s.reply(w, r, status, out, err)
	}
}

// reply writes v with status, or err as the error envelope. A created
// object that has a URL of its own gets a Location header.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	switch {
	case err != nil:
		s.fail(w, r, err)
	case status == http.StatusNoContent:
		w.WriteHeader(status)
	default:
		if loc := location(v); status == http.StatusCreated && loc != "" {
			w.Header().Set("Location", loc)
		}
		httpx.WriteJSON(w, status, v)
	}
}

// location is the API URL of an object that can be read on its own.
func location(v any) string {
	switch o := v.(type) {
	case *org.Body:
		return fmt.Sprintf("/api/v1/bodies/%d", o.ID)
	case *org.Unit:
		return fmt.Sprintf("/api/v1/units/%d", o.ID)
	case *org.Liaison:
		return fmt.Sprintf("/api/v1/liaisons/%d", o.ID)
	case *plan.Plan:
		return fmt.Sprintf("/api/v1/plans/%d", o.ID)
	case *plan.Item:
		return fmt.Sprintf("/api/v1/items/%d", o.ID)
	}
	return ""
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
