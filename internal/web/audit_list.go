package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// auditView says which audit pages are being served: the audit
// administrator's whole log, or the security administrator's review of the
// audit administrator's own actions (SECURITY.md C7).
type auditView struct {
	Path  string    // "/audit" or "/audit/auditors"
	Title string    //
	Only  core.Role // rows limited to actors of this role; "" for all
}

var (
	auditAll      = auditView{Path: "/audit", Title: "审计日志"}
	auditAuditors = auditView{Path: "/audit/auditors", Title: "审计管理员操作记录", Only: core.RoleAuditAdmin}
)

// auditForm is the filter as typed, shown back in the form unchanged.
type auditForm struct {
	Actor, ObjectType, ObjectID, Action, Outcome, From, To string
	Asc                                                    bool
}

// parseAuditFilter reads the filter from the query string. Dates are
// calendar days in Beijing time; the end date is inclusive.
func parseAuditFilter(r *http.Request, v auditView) (audit.Filter, auditForm, error) {
	q := r.URL.Query()
	form := auditForm{Actor: q.Get("actor"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"),
		Action: q.Get("action"), Outcome: q.Get("outcome"), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), Asc: q.Get("sort") == "asc"}
	f := audit.Filter{ActorQuery: form.Actor, ObjectType: form.ObjectType, ObjectID: form.ObjectID,
		Action: form.Action, Outcome: form.Outcome, ActorRole: string(v.Only), Ascending: form.Asc}
	var es core.Errors
	var err error
	if f.From, err = parseDay(form.From); err != nil {
		es.Add("from", "开始日期格式应为 2026-01-31")
	}
	if f.To, err = parseDay(form.To); err != nil {
		es.Add("to", "结束日期格式应为 2026-01-31")
	} else if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // through the end of that day
	}
	if s := q.Get("upto"); s != "" {
		if f.UpTo, err = strconv.ParseInt(s, 10, 64); err != nil || f.UpTo < 0 {
			es.Add("upto", "无效的查询快照编号，请重新查询")
		}
	}
	off, _ := strconv.Atoi(q.Get("offset"))
	f.Page = core.Page{Offset: off, Limit: 50}.Normalize()
	return f, form, mergeErrors(es, f.Validate())
}

// mergeErrors adds the field errors of err to es, keeping the first error
// of each field, so that every mistake in a form is reported at once.
func mergeErrors(es core.Errors, err error) error {
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Field] = true
	}
	for field, msg := range core.FieldErrors(err) {
		if !seen[field] {
			es.Add(field, msg)
		}
	}
	if err != nil && len(es) == 0 {
		return err
	}
	return es.Err()
}

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(core.DateLayout, s, audit.Shanghai)
}

// query renders the filter as a query string for links, with overrides.
func (f auditForm) query(upto int64, offset int, asc bool) string {
	v := url.Values{}
	for k, s := range map[string]string{"actor": f.Actor, "object_type": f.ObjectType, "object_id": f.ObjectID,
		"action": f.Action, "outcome": f.Outcome, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if asc {
		v.Set("sort", "asc")
	}
	if upto > 0 {
		v.Set("upto", strconv.FormatInt(upto, 10))
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// auditRow is one line of the list.
type auditRow struct {
	ID          int64
	Href        string
	Time        string
	ActorName   string
	DisplayName string
	RoleName    string
	IP          string
	ActionName  string
	Action      string
	ObjectType  string
	ObjectID    string
	Outcome     string
	OutcomeName string
	Detail      string
}

type option struct {
	Value, Label string
	Selected     bool
}

type auditListPage struct {
	Base
	View       auditView
	Form       auditForm
	Rows       []auditRow
	Total      int
	Searched   bool
	PageNo     int
	Pages      int
	PrevURL    string
	NextURL    string
	SortURL    string
	RefreshURL string
	ExportURL  string
	UpTo       int64
	Actions    []option
	Outcomes   []option
	Types      []option
}

func (s *Server) showAuditList(w http.ResponseWriter, r *http.Request) {
	s.auditList(w, r, auditAll)
}

func (s *Server) showAuditorActions(w http.ResponseWriter, r *http.Request) {
	s.auditList(w, r, auditAuditors)
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request, v auditView) {
	f, form, err := parseAuditFilter(r, v)
	p := &auditListPage{Base: s.base(r, v.Title), View: v, Form: form}
	p.fillOptions()
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Error = "筛选条件有误，请按提示修改后重新查询。"
		s.render(w, r, httpx.Status(err), "audit/list", p)
		return
	}
	ctx := r.Context()
	if f.UpTo == 0 {
		// Pin the pages of this search to the rows that exist now: every
		// search adds a row, which would otherwise shift the next page.
		if f.UpTo, err = audit.LastID(ctx, s.DB.R()); err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
	}
	es, total, err := audit.Search(ctx, s.DB, s.Clock.Now(), f)
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			p.Errors = core.FieldErrors(err)
			s.render(w, r, httpx.Status(err), "audit/list", p)
			return
		}
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Searched, p.Total, p.UpTo = true, total, f.UpTo
	for i := range es {
		p.Rows = append(p.Rows, newAuditRow(&es[i], v.Path))
	}
	lim := f.Page.Limit
	p.PageNo, p.Pages = f.Page.Offset/lim+1, max((total+lim-1)/lim, 1)
	if f.Page.Offset > 0 {
		p.PrevURL = v.Path + form.query(f.UpTo, max(f.Page.Offset-lim, 0), form.Asc)
	}
	if f.Page.Offset+lim < total {
		p.NextURL = v.Path + form.query(f.UpTo, f.Page.Offset+lim, form.Asc)
	}
	p.SortURL = v.Path + form.query(f.UpTo, 0, !form.Asc)
	p.RefreshURL = v.Path + form.query(0, 0, form.Asc)
	p.ExportURL = v.Path + "/export.xlsx" + form.query(f.UpTo, 0, form.Asc)
	s.render(w, r, http.StatusOK, "audit/list", p)
}

func newAuditRow(e *audit.Entry, base string) auditRow {
	row := auditRow{ID: e.ID, Href: fmt.Sprintf("%s/%d", base, e.ID), Time: e.At.In(audit.Shanghai).Format("2006-01-02 15:04:05"),
		ActorName: e.ActorName, DisplayName: e.ActorDisplayName, RoleName: core.RoleNames[core.Role(e.ActorRole)],
		IP: e.IP, ActionName: audit.ActionName(e.Action), Action: e.Action,
		ObjectType: audit.ObjectTypeName(e.ObjectType), ObjectID: e.ObjectID,
		Outcome: e.Outcome, OutcomeName: audit.OutcomeNames[e.Outcome], Detail: e.Detail}
	if utf8.RuneCountInString(row.Detail) > 60 {
		row.Detail = string([]rune(row.Detail)[:60]) + "…"
	}
	return row
}

// fillOptions lists the choices of the filter form, keeping a value typed
// into the URL that is not among them.
func (p *auditListPage) fillOptions() {
	p.Actions = []option{{Value: "", Label: "全部操作"}}
	known := false
	for _, g := range audit.ActionGroups {
		p.Actions = append(p.Actions, option{Value: g.Prefix, Label: g.Name, Selected: g.Prefix == p.Form.Action})
		known = known || g.Prefix == p.Form.Action
	}
	for _, a := range audit.KnownActions() {
		p.Actions = append(p.Actions, option{Value: a, Label: audit.ActionName(a) + "（" + a + "）", Selected: a == p.Form.Action})
		known = known || a == p.Form.Action
	}
	if !known && p.Form.Action != "" {
		p.Actions = append(p.Actions, option{Value: p.Form.Action, Label: p.Form.Action, Selected: true})
	}
	p.Outcomes = []option{{Value: "", Label: "全部结果"}}
	for _, o := range []string{audit.Success, audit.Failure, audit.Denied} {
		p.Outcomes = append(p.Outcomes, option{Value: o, Label: audit.OutcomeNames[o], Selected: o == p.Form.Outcome})
	}
	types := make([]string, 0, len(audit.ObjectTypeNames))
	for t := range audit.ObjectTypeNames {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		p.Types = append(p.Types, option{Value: t, Label: audit.ObjectTypeNames[t]})
	}
}
