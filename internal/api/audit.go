package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// auditRoutes serve the audit log to the audit administrator (审计管理员).
// Every search, read and export is itself audited.
func (s *Server) auditRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /api/v1/audit", Perm: auth.PermAuditRead, Handler: s.listAudit},
		{Pattern: "GET /api/v1/audit/export.xlsx", Perm: auth.PermAuditRead, Handler: s.exportAudit, Limit: httpx.LimitExport},
		{Pattern: "GET /api/v1/audit/{id}", Perm: auth.PermAuditRead, Handler: s.getAudit},
	}
}

// AuditEntry is an audit row as the API shows it.
type AuditEntry struct {
	ID               int64           `json:"id"`
	At               time.Time       `json:"at"`
	ActorID          int64           `json:"actor_id,omitempty"`
	ActorName        string          `json:"actor_name"`
	ActorDisplayName string          `json:"actor_display_name,omitempty"`
	ActorRole        string          `json:"actor_role"`
	ActorUnitID      int64           `json:"actor_unit_id,omitempty"`
	IP               string          `json:"ip"`
	RequestID        string          `json:"request_id"`
	Action           string          `json:"action"`
	ObjectType       string          `json:"object_type"`
	ObjectID         string          `json:"object_id"`
	Outcome          string          `json:"outcome"`
	Before           json.RawMessage `json:"before"`
	After            json.RawMessage `json:"after"`
	Detail           string          `json:"detail"`
	PrevHash         string          `json:"prev_hash"`
	Hash             string          `json:"hash"`
}

func newAuditEntry(e *audit.Entry) AuditEntry {
	return AuditEntry{ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, ActorName: e.ActorName,
		ActorDisplayName: e.ActorDisplayName, ActorRole: e.ActorRole, ActorUnitID: e.ActorUnitID, IP: e.IP,
		RequestID: e.RequestID, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		Outcome: e.Outcome, Before: rawJSON(e.BeforeJSON), After: rawJSON(e.AfterJSON), Detail: e.Detail,
		PrevHash: e.PrevHash, Hash: e.Hash}
}

// rawJSON passes a stored value through as JSON; an empty one is null, and
// one that is not valid JSON (it can only have been edited in the
// database) is passed as a JSON string so the response stays well-formed.
func rawJSON(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	if !json.Valid([]byte(s)) {
		b, _ := json.Marshal(s)
		return b
	}
	return json.RawMessage(s)
}

// auditFilter reads the query parameters. from and to take a date
// (YYYY-MM-DD, a day in Beijing time; to includes that day) or an RFC 3339
// instant (to excludes it).
func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{ActorQuery: q.Get("actor"), ActorRole: q.Get("role"), ObjectType: q.Get("object_type"),
		ObjectID: q.Get("object_id"), Action: q.Get("action"), Outcome: q.Get("outcome"), Page: page(r)}
	var es core.Errors
	switch q.Get("sort") {
	case "", "desc":
	case "asc":
		f.Ascending = true
	default:
		es.Add("sort", "排序只能是 asc（由早到晚）或 desc（由晚到早）")
	}
	var err error
	if f.From, err = instant(q.Get("from"), false); err != nil {
		es.Add("from", "开始时间应为 2026-01-31 或 2026-01-31T08:00:00+08:00 格式")
	}
	if f.To, err = instant(q.Get("to"), true); err != nil {
		es.Add("to", "结束时间应为 2026-01-31 或 2026-01-31T18:00:00+08:00 格式")
	}
	if s := q.Get("upto"); s != "" {
		if f.UpTo, err = strconv.ParseInt(s, 10, 64); err != nil || f.UpTo < 0 {
			es.Add("upto", "upto 应为非负整数（记录编号）")
		}
	}
	// Report every mistake at once: the parse errors and the filter's own.
	for field, msg := range core.FieldErrors(f.Validate()) {
		if _, dup := core.FieldErrors(es.Err())[field]; !dup {
			es.Add(field, msg)
		}
	}
	return f, es.Err()
}

func instant(s string, endOfDay bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(core.DateLayout, s, audit.Shanghai); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	es, total, err := audit.Search(r.Context(), s.DB, s.Clock.Now(), f)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	out := List[AuditEntry]{Items: make([]AuditEntry, 0, len(es)), Total: total, Offset: f.Page.Offset, Limit: f.Page.Limit}
	for i := range es {
		out.Items = append(out.Items, newAuditEntry(&es[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getAudit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	e, err := audit.View(r.Context(), s.DB, s.Clock.Now(), id, "")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, newAuditEntry(e))
}

func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	now := s.Clock.Now()
	dw := &download{w: w, headers: func(h http.Header) {
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s.xlsx"`,
			now.In(audit.Shanghai).Format("20060102-1504")))
	}}
	if _, err := audit.Export(r.Context(), s.DB, now, f, dw); err != nil && !dw.started {
		s.Guard.Error(w, r, 0, err)
	}
}

// download sets a file download's headers on its first write, so that an
// error before any byte is written still goes out as the JSON envelope.
type download struct {
	w       http.ResponseWriter
	headers func(http.Header)
	started bool
}

func (d *download) Write(b []byte) (int, error) {
	if !d.started {
		d.started = true
		d.headers(d.w.Header())
	}
	return d.w.Write(b)
}
