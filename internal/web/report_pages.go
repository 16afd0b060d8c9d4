package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/report"
)

// ---- 我的报告: GET /reports, POST /reports/start ----

type myReportsPage struct {
	Base
	Blocks   []report.PlanBlock
	IsOffice bool
	Plans    []planLink // the office's published plans, for the overview
}

type planLink struct {
	ID    int64
	Title string
}

func (s *Server) showMyReports(w http.ResponseWriter, r *http.Request) {
	blocks, err := s.Reports.Mine(r.Context())
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &myReportsPage{Base: s.reportBase(r, "进展报告"), Blocks: blocks}
	a := p.Actor
	if a.Role == core.RoleOffice || a.Role == core.RoleLeader {
		p.IsOffice = true
		for _, b := range a.BodyIDs {
			plans, err := s.Plan.ListPlans(r.Context(), b)
			if err != nil {
				s.Guard.Error(w, r, 0, err)
				return
			}
			for _, pl := range plans {
				if pl.Status == "published" && pl.Tasks > 0 {
					p.Plans = append(p.Plans, planLink{ID: pl.ID, Title: pl.Title})
				}
			}
		}
	}
	s.render(w, r, http.StatusOK, "report/mine", p)
}

// startReport opens (creating if needed) the report a 填报 button names
// and goes to its form; repeating it is harmless.
func (s *Server) startReport(w http.ResponseWriter, r *http.Request) {
	k := report.Key{BodyID: formInt(r, "body"), ItemID: formInt(r, "item"), UnitID: formInt(r, "unit"),
		Period: r.PostFormValue("period"), Kind: report.Kind(r.PostFormValue("kind"))}
	if k.UnitID == 0 {
		k.UnitID = core.ActorFrom(r.Context()).UnitID
	}
	rep, _, err := s.Reports.Start(r.Context(), k)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	http.Redirect(w, r, reportURL(rep.ID, ""), http.StatusSeeOther)
}

// ---- revisions: GET /reports/{id}/revisions?a=&b= ----

type revisionsPage struct {
	Base
	Report    *report.Report
	Revisions []report.Revision
	A, B      *report.Revision
	Changes   []audit.Change
	Editable  bool
}

func (s *Server) showReportRevisions(w http.ResponseWriter, r *http.Request) {
	rep, acc, ok := s.loadReport(w, r)
	if !ok {
		return
	}
	revs, err := s.Reports.Revisions(r.Context(), rep.ID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &revisionsPage{Base: s.reportBase(r, "修订记录 · "+rep.PeriodLabel+"进展报告"), Report: rep, Revisions: revs,
		Editable: acc.Write && rep.State.Editable()}
	find := func(key string) *report.Revision {
		id := orgParseID(r.URL.Query().Get(key))
		for i := range revs {
			if revs[i].ID == id {
				return &revs[i]
			}
		}
		return nil
	}
	p.A, p.B = find("a"), find("b")
	if p.A == nil && p.B == nil {
		// By default the last two submissions.
		var subs []*report.Revision
		for i := range revs {
			if revs[i].Kind == "submitted" {
				subs = append(subs, &revs[i])
			}
		}
		if n := len(subs); n >= 2 {
			p.A, p.B = subs[n-2], subs[n-1]
		}
	}
	if p.A != nil && p.B != nil {
		p.Changes = report.Compare(rep, p.A.Input, p.B.Input)
	}
	s.render(w, r, http.StatusOK, "report/revisions", p)
}

// ---- consolidation: GET /tasks/{id}/reports?body=&period= ----

type consolidationPage struct {
	Base
	C *report.Consolidation
}

func (s *Server) showConsolidation(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	var c *report.Consolidation
	if err == nil {
		c, err = s.Reports.Consolidate(r.Context(), id, orgParseID(r.URL.Query().Get("body")), r.URL.Query().Get("period"))
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &consolidationPage{Base: s.reportBase(r, c.Period.Label+"汇总 · "+c.Item.Title), C: c}
	s.render(w, r, http.StatusOK, "report/consolidate", p)
}

// ---- the office's overview: GET /plans/{id}/reports?period=&body= ----

type overviewPage struct {
	Base
	O       *report.Overview
	Periods []orgChoice
	Rollup  *report.Rollup
	Share   string
}

func (s *Server) showReportOverview(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	var o *report.Overview
	body := orgParseID(r.URL.Query().Get("body"))
	if err == nil {
		o, err = s.Reports.Overview(r.Context(), id, body, r.URL.Query().Get("period"))
	}
	var ru *report.Rollup
	if err == nil {
		ru, err = s.Reports.Rollup(r.Context(), id, o.BodyID)
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &overviewPage{Base: s.reportBase(r, "报送情况 · "+o.Plan.Title), O: o, Rollup: ru}
	for i := len(o.Periods) - 1; i >= 0; i-- {
		per := o.Periods[i]
		p.Periods = append(p.Periods, orgChoice{Value: per.Key, Label: per.Label + "（" + per.Due + "前报送）", Selected: per.Key == o.Period.Key})
	}
	if ru.Tasks > 0 {
		p.Share = fmt.Sprintf("%d/%d 项（%s%%）", ru.OnTrack, ru.Tasks, strconv.FormatFloat(ru.Share*100, 'f', 0, 64))
	}
	s.render(w, r, http.StatusOK, "report/overview", p)
}

// cellClass is the CSS class of a report state in the grids.
func cellClass(st report.State) string {
	switch st {
	case report.Accepted:
		return "ok"
	case report.Submitted:
		return "sent"
	case report.Returned:
		return "bad"
	case report.Draft:
		return "warn"
	}
	return "none"
}

func init() {
	funcs["reportState"] = cellClass
	funcs["num"] = report.Num
	funcs["unix"] = func(t int64) string {
		if t == 0 {
			return ""
		}
		return datetimeOf(t)
	}
}

func datetimeOf(t int64) string { return time.Unix(t, 0).In(cst).Format("2006-01-02 15:04") }
