package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/datacall"
	"liandong/internal/httpx"
)

// The office's pages of data calls: the list with the inbox, the call
// form with its items editor, the board, opening, closing and the ZIP.

type callsPage struct {
	Base
	Bodies []callBody
	Inbox  []datacall.InboxEntry
}

type callBody struct {
	ID       int64
	Name     string
	IsOffice bool
	Calls    []datacall.Summary
}

func callID(r *http.Request) (int64, error) { return orgPathID(r, "id") }

// showCalls lists the calls of the actor's bodies (office, leaders) and
// the calls addressed to the actor (收件箱).
func (s *Server) showCalls(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := core.ActorFrom(ctx)
	p := &callsPage{Base: s.base(r, "材料征集")}
	if a.Role == core.RoleOffice || a.Role == core.RoleLeader {
		for _, id := range a.BodyIDs {
			list, err := s.Calls.List(ctx, id)
			if err != nil {
				s.Guard.Error(w, r, 0, err)
				return
			}
			b, err := s.Org.GetBody(ctx, id)
			if err != nil {
				s.Guard.Error(w, r, 0, err)
				return
			}
			p.Bodies = append(p.Bodies, callBody{ID: id, Name: b.Name, IsOffice: a.Role == core.RoleOffice, Calls: list})
		}
	}
	inbox, err := s.Calls.Inbox(ctx)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Inbox = inbox
	s.render(w, r, http.StatusOK, "call/index", p)
}

// callForm is the call form's state: what the user typed, kept on error.
type callForm struct {
	Base
	Call       *datacall.Call // nil for a new call
	BodyID     int64
	In         datacall.CallInput
	Rows       []itemRow
	Units      []datacall.Addressee
	Offices    []datacall.Addressee
	Picked     map[int64]bool // picked unit ids
	PickedBody map[int64]bool // picked office body ids
	ItemsFixed bool           // an open call keeps its items and addressees
	Action     string
}

type itemRow struct {
	Row        int
	Item       datacall.Item
	FieldsText string
}

const blankRows = 2

func (s *Server) newCall(w http.ResponseWriter, r *http.Request) {
	a := core.ActorFrom(r.Context())
	bodyID := orgParseID(r.URL.Query().Get("body"))
	if bodyID == 0 && len(a.BodyIDs) > 0 {
		bodyID = a.BodyIDs[0]
	}
	f := &callForm{Base: s.base(r, "发起材料征集"), BodyID: bodyID, Action: "/calls",
		In: datacall.CallInput{BodyID: bodyID, AllMembers: true, AllOffices: true}}
	f.Rows = rowsOf([]datacall.Item{{Kind: datacall.Document, Required: true}}, blankRows)
	s.renderCallForm(w, r, nil, f)
}

func (s *Server) editCall(w http.ResponseWriter, r *http.Request) {
	id, err := callID(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	c, err := s.Calls.Get(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	f := &callForm{Base: s.base(r, "修改材料征集"), Call: c, BodyID: c.BodyID, Action: fmt.Sprintf("/calls/%d", id),
		ItemsFixed: c.Status != datacall.Draft, In: inputOf(c)}
	f.Rows = rowsOf(c.Items, blankRows)
	s.renderCallForm(w, r, nil, f)
}

// inputOf is a call as its form shows it.
func inputOf(c *datacall.Call) datacall.CallInput {
	d := c.Deadline.In(datacallZone)
	in := datacall.CallInput{BodyID: c.BodyID, Title: c.Title, NoticeNumber: c.NoticeNumber, NoticeTitle: c.NoticeTitle,
		Instructions: c.Instructions, DeadlineDate: d.Format(core.DateLayout), LateAllowed: c.LateAllowed,
		ContactName: c.ContactName, ContactPhone: c.ContactPhone, ContactEmail: c.ContactEmail,
		Reminders: strings.Join(c.Reminders, ", "), Version: c.Version}
	if d.Hour() != 23 || d.Minute() != 59 || d.Second() != 59 {
		in.DeadlineTime = d.Format("15:04")
	}
	for _, ad := range c.Addressees {
		if ad.Kind == datacall.ToUnit {
			in.UnitIDs = append(in.UnitIDs, ad.UnitID)
		} else {
			in.OfficeBodyIDs = append(in.OfficeBodyIDs, ad.BodyID)
		}
	}
	return in
}

var datacallZone = cst

func rowsOf(items []datacall.Item, blanks int) []itemRow {
	var rows []itemRow
	for i, it := range items {
		rows = append(rows, itemRow{Row: i, Item: it, FieldsText: datacall.FieldsText(it.Fields)})
	}
	for i := 0; i < blanks; i++ {
		rows = append(rows, itemRow{Row: len(rows), Item: datacall.Item{Kind: datacall.Document, Required: true}})
	}
	return rows
}

func (s *Server) renderCallForm(w http.ResponseWriter, r *http.Request, err error, f *callForm) {
	units, offices, cerr := s.Calls.Candidates(r.Context(), f.BodyID)
	if cerr != nil {
		s.Guard.Error(w, r, 0, cerr)
		return
	}
	f.Units, f.Offices = units, offices
	f.Picked, f.PickedBody = map[int64]bool{}, map[int64]bool{}
	for _, id := range f.In.UnitIDs {
		f.Picked[id] = true
	}
	for _, id := range f.In.OfficeBodyIDs {
		f.PickedBody[id] = true
	}
	if err != nil {
		f.Errors = core.FieldErrors(err)
		if len(f.Errors) == 0 {
			f.Error = core.ErrorMessage(err)
		} else {
			f.Error = "请按提示修改后再保存。"
		}
	}
	s.renderForm(w, r, err, "call/form", f)
}

// parseCallForm reads the call form. Item rows with neither a name nor
// fields are blank and skipped; rowOf maps each kept item to its row, so
// that an item's error is shown on the row the user filled in.
func parseCallForm(r *http.Request) (datacall.CallInput, []itemRow, []int, error) {
	if err := r.ParseForm(); err != nil {
		return datacall.CallInput{}, nil, nil, core.Invalid("title", "表单无效")
	}
	v := r.PostForm
	in := datacall.CallInput{Title: v.Get("title"), NoticeNumber: v.Get("notice_number"), NoticeTitle: v.Get("notice_title"),
		Instructions: v.Get("instructions"), DeadlineDate: v.Get("deadline_date"), DeadlineTime: v.Get("deadline_time"),
		LateAllowed: v.Get("late_allowed") == "1", ContactName: v.Get("contact_name"), ContactPhone: v.Get("contact_phone"),
		ContactEmail: v.Get("contact_email"), Reminders: v.Get("reminders"),
		AllMembers: v.Get("all_members") == "1", AllOffices: v.Get("all_offices") == "1"}
	in.Version, _ = strconv.ParseInt(v.Get("version"), 10, 64)
	in.BodyID, _ = strconv.ParseInt(v.Get("body_id"), 10, 64)
	for _, x := range v["unit_ids"] {
		if id := orgParseID(x); id > 0 {
			in.UnitIDs = append(in.UnitIDs, id)
		}
	}
	for _, x := range v["office_body_ids"] {
		if id := orgParseID(x); id > 0 {
			in.OfficeBodyIDs = append(in.OfficeBodyIDs, id)
		}
	}
	n, _ := strconv.Atoi(v.Get("rows"))
	n = min(max(n, 0), datacall.MaxItems+blankRows)
	var rows []itemRow
	var rowOf []int
	var es core.Errors
	for i := 0; i < n; i++ {
		g := func(k string) string { return v.Get(fmt.Sprintf("item_%s_%d", k, i)) }
		it := datacall.Item{Kind: datacall.ItemKind(g("kind")), Label: g("label"), Hint: g("hint"),
			Required: g("required") == "1", JPEGOnly: g("jpeg") == "1", CaptionRequired: g("caption") == "1"}
		it.MinCount, _ = strconv.Atoi(g("min"))
		it.MaxCount, _ = strconv.Atoi(g("max"))
		ft := g("fields")
		rows = append(rows, itemRow{Row: i, Item: it, FieldsText: ft})
		if strings.TrimSpace(it.Label) == "" && strings.TrimSpace(ft) == "" {
			continue
		}
		if it.Kind == datacall.Form {
			fs, err := datacall.ParseFields(ft)
			if err != nil {
				es.Add(fmt.Sprintf("items.%d.fields", i), core.ErrorMessage(err))
			}
			it.Fields = fs
		}
		in.Items = append(in.Items, it)
		rowOf = append(rowOf, i)
	}
	return in, rows, rowOf, es.Err()
}

// rowErrors renames items.<i>.x errors to the form rows they came from.
func rowErrors(err error, rowOf []int) error {
	var es core.Errors
	fe := core.FieldErrors(err)
	if len(fe) == 0 {
		return err
	}
	for k, msg := range fe {
		var i int
		var rest string
		if n, _ := fmt.Sscanf(k, "items.%d.%s", &i, &rest); n == 2 && i >= 0 && i < len(rowOf) {
			k = fmt.Sprintf("items.%d.%s", rowOf[i], rest)
		}
		es.Add(k, msg)
	}
	return es.Err()
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	in, rows, rowOf, perr := parseCallForm(r)
	f := &callForm{Base: s.base(r, "发起材料征集"), BodyID: in.BodyID, In: in, Rows: rows, Action: "/calls"}
	if r.PostForm.Get("action") == "more" || perr != nil {
		f.Rows = append(f.Rows, rowsOf(nil, blankRows)...)
		renumber(f.Rows)
		s.renderCallForm(w, r, perr, f)
		return
	}
	c, err := s.Calls.Create(r.Context(), in)
	if err != nil {
		s.renderCallForm(w, r, rowErrors(err, rowOf), f)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/calls/%d?flash=created", c.ID), http.StatusSeeOther)
}

func renumber(rows []itemRow) {
	for i := range rows {
		rows[i].Row = i
	}
}

func (s *Server) updateCall(w http.ResponseWriter, r *http.Request) {
	id, err := callID(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	c, err := s.Calls.Get(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	in, rows, rowOf, perr := parseCallForm(r)
	f := &callForm{Base: s.base(r, "修改材料征集"), Call: c, BodyID: c.BodyID, In: in, Rows: rows,
		Action: fmt.Sprintf("/calls/%d", id), ItemsFixed: c.Status != datacall.Draft}
	if f.ItemsFixed {
		f.Rows = rowsOf(c.Items, 0)
	}
	if r.PostForm.Get("action") == "more" || perr != nil {
		f.Rows = append(f.Rows, rowsOf(nil, blankRows)...)
		renumber(f.Rows)
		s.renderCallForm(w, r, perr, f)
		return
	}
	if _, err := s.Calls.Update(r.Context(), id, in); err != nil {
		s.renderCallForm(w, r, rowErrors(err, rowOf), f)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/calls/%d?flash=saved", id), http.StatusSeeOther)
}

func (s *Server) callStatusChange(w http.ResponseWriter, r *http.Request, fn func(id, version int64) error, flash string) {
	id, err := callID(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Guard.Error(w, r, http.StatusBadRequest, core.Invalid("version", "表单无效"))
		return
	}
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err := fn(id, version); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/calls/%d?flash=%s", id, flash), http.StatusSeeOther)
}

func (s *Server) openCall(w http.ResponseWriter, r *http.Request) {
	s.callStatusChange(w, r, func(id, v int64) error { return s.Calls.Open(r.Context(), id, v) }, "call_opened")
}

func (s *Server) closeCall(w http.ResponseWriter, r *http.Request) {
	s.callStatusChange(w, r, func(id, v int64) error { return s.Calls.Close(r.Context(), id, v) }, "call_closed")
}

// boardPage is a call with its board (office, leaders).
type boardPage struct {
	Base
	Call      *datacall.Call
	Board     *datacall.Board
	Filter    datacall.State
	States    []stateCount
	CanManage bool
	Overdue   bool
}

type stateCount struct {
	State  datacall.State
	Name   string
	Count  int
	Active bool
	URL    string
}

// showCall shows the board to the office and leaders; an addressee is
// sent to its own submission.
func (s *Server) showCall(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := callID(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	a := core.ActorFrom(ctx)
	filter := datacall.State(r.URL.Query().Get("state"))
	if filter.Label() == "" {
		filter = ""
	}
	b, err := s.Calls.Board(ctx, id, filter)
	if core.ErrorCode(err) == core.ENOTFOUND && (a.Role == core.RoleLiaison || a.Role == core.RoleOffice) {
		if _, merr := s.Calls.MySubmission(ctx, id); merr == nil {
			http.Redirect(w, r, fmt.Sprintf("/calls/%d/submission", id), http.StatusSeeOther)
			return
		}
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &boardPage{Base: s.base(r, b.Call.Title), Call: b.Call, Board: b, Filter: filter,
		CanManage: a.Role == core.RoleOffice && a.InBody(b.Call.BodyID), Overdue: b.Call.Overdue(s.Clock.Now())}
	p.States = append(p.States, stateCount{Name: "全部", Count: b.Total, Active: filter == "", URL: fmt.Sprintf("/calls/%d", id)})
	for _, n := range datacall.StateNames {
		p.States = append(p.States, stateCount{State: n.State, Name: n.Name, Count: b.Counts[n.State], Active: filter == n.State,
			URL: fmt.Sprintf("/calls/%d?state=%s", id, url.QueryEscape(string(n.State)))})
	}
	s.render(w, r, http.StatusOK, "call/board", p)
}

// downloadCallZIP streams every submission as one ZIP (SECURITY.md E6).
// The archive is planned first, so a refusal (scope, size) is an ordinary
// error page; once streaming has begun a failure can only cut it short.
func (s *Server) downloadCallZIP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := callID(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	ex, err := s.Calls.PrepareZIP(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", httpx.ContentDisposition("attachment", ex.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	if err := s.Calls.WriteZIP(ctx, ex, w); err != nil {
		s.Log.Error("call zip cut short", "call", id, "err", err)
	}
}
