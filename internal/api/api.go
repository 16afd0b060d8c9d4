// Package api serves the JSON API under /api/v1. Handlers decode a request,
// call the same domain service the HTML UI calls, and encode the result;
// errors use the envelope {"error":{"code","message"}} from httpx.
package api

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/httpx"
	"liandong/internal/org"
	"liandong/internal/plan"
)

// Server holds what the API handlers need.
type Server struct {
	DB    *db.DB
	Auth  *auth.Service
	Guard *httpx.Guard
	Clock core.Clock
	Log   *slog.Logger
	// Org is the registry's service, shared with the HTML pages.
	Org *org.Service
	// Plan is the plans' service, shared with the HTML pages.
	Plan *plan.Service
}

//go:embed openapi.json
var openapiJSON []byte

// Routes is the whole API surface, each route with its permission. Every
// route here must be described in openapi.json (a test checks it).
func (s *Server) Routes() []httpx.Route {
	rs := []httpx.Route{
		{Pattern: "GET /api/v1/openapi.json", Perm: auth.PermPublic, Handler: serveOpenAPI},
		{Pattern: "GET /api/v1/me", Perm: auth.PermLogin, Handler: s.getMe},
	}
	rs = append(rs, s.orgRoutes()...)
	rs = append(rs, s.planRoutes()...)
	rs = append(rs, s.auditRoutes()...)
	rs = append(rs, s.userRoutes()...)
	return rs
}

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openapiJSON)
}

// Me is the logged-in user as the API shows it.
type Me struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        core.Role `json:"role"`
	UnitID      int64     `json:"unit_id,omitempty"`
	BodyIDs     []int64   `json:"body_ids"`
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	a := core.ActorFrom(r.Context())
	httpx.WriteJSON(w, http.StatusOK, Me{ID: a.UserID, Username: a.Username, DisplayName: a.DisplayName,
		Role: a.Role, UnitID: a.UnitID, BodyIDs: a.BodyIDs})
}

// List is the envelope of every paginated list.
type List[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// page reads ?offset= and ?limit=.
func page(r *http.Request) core.Page {
	off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	lim, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	return core.Page{Offset: off, Limit: lim}.Normalize()
}

// decode reads a JSON body into v, refusing unknown fields so that a client
// cannot set what the form does not offer (SECURITY.md B4).
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		// Name the offending field where the decoder tells it, so that a
		// client sees which extra or mistyped field was refused.
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name = strings.Trim(name, `"`)
			return &core.Error{Code: core.EINVALID, Field: name, Message: "不允许提交字段“" + name + "”", Err: err}
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &core.Error{Code: core.EINVALID, Field: te.Field, Message: "字段“" + te.Field + "”的类型不正确", Err: err}
		}
		return &core.Error{Code: core.EINVALID, Message: "请求内容不是有效的JSON，或含有不允许的字段", Err: err}
	}
	// One object and nothing after it: a second value would otherwise be
	// ignored unchecked, unknown fields and all.
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("api: %v after the JSON value", tok)
		}
		return &core.Error{Code: core.EINVALID, Message: "请求内容只能是一个JSON对象，其后不能再有其他内容", Err: err}
	}
	return nil
}

// pathID reads a positive integer path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.NotFound("记录")
	}
	return id, nil
}
