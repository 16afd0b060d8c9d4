// Package api serves the JSON API under /api/v1. Handlers decode a request,
// call the same domain service the HTML UI calls, and encode the result;
// errors use the envelope {"error":{"code","message"}} from httpx.
package api

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/httpx"
	"liandong/internal/notify"
	"liandong/internal/org"
	"liandong/internal/plan"
	"liandong/internal/report"
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
	// Files, Reports, Calls and Notify are issue 4's services, shared with
	// the HTML pages.
	Files   *file.Service
	Reports *report.Service
	Calls   *datacall.Service
	Notify  *notify.Service
}

// openapiFiles is the API description: openapi.json holds the document and
// the routes of the registry and plans; each later area describes its routes
// in a fragment of its own under openapi/ ({"paths":…, "components":
// {"schemas":…}}), merged in at start-up so that areas never edit one file.
//
//go:embed openapi.json openapi
var openapiFiles embed.FS

// openapiJSON is the merged description served at /api/v1/openapi.json.
var openapiJSON = mustMergeOpenAPI(openapiFiles)

func mustMergeOpenAPI(fsys fs.FS) []byte {
	b, err := mergeOpenAPI(fsys)
	if err != nil {
		panic(err)
	}
	return b
}

func mergeOpenAPI(fsys fs.FS) ([]byte, error) {
	base, err := fs.ReadFile(fsys, "openapi.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.json: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	frags, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range frags {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var frag struct {
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(b, &frag); err != nil {
			return nil, fmt.Errorf("api: %s: %w", name, err)
		}
		for k, v := range frag.Paths {
			if _, dup := paths[k]; dup {
				return nil, fmt.Errorf("api: %s describes path %s again", name, k)
			}
			paths[k] = v
		}
		for k, v := range frag.Components.Schemas {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("api: %s describes schema %s again", name, k)
			}
			schemas[k] = v
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

// Routes is the whole API surface, each route with its permission. Every
// route here must be described in openapi.json (a test checks it).
func (s *Server) Routes() []httpx.Route {
	rs := []httpx.Route{
		{Pattern: "GET /api/v1/openapi.json", Perm: auth.PermPublic, Handler: serveOpenAPI},
		{Pattern: "GET /api/v1/me", Perm: auth.PermLogin, Handler: s.getMe},
	}
	rs = append(rs, s.orgRoutes()...)
	rs = append(rs, s.planRoutes()...)
	rs = append(rs, s.reportRoutes()...)
	rs = append(rs, s.callRoutes()...)
	rs = append(rs, s.notifyRoutes()...)
	rs = append(rs, s.fileRoutes()...)
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
