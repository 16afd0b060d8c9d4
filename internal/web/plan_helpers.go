package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/plan"
)

// Helpers shared by the plan_* pages.

// planURL is a plan's decomposition table, optionally with a flash notice
// and an anchor.
func planURL(id int64, flash, anchor string) string {
	u := fmt.Sprintf("/plans/%d", id)
	if flash != "" {
		u += "?flash=" + flash
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// planFlashes are the notices of the plan pages (see flashMessages).
var planFlashes = map[string]string{
	"imported":  "计划已导入为草稿。请核对分解表，确认无误后发布。",
	"published": "计划已发布，各成员单位可以看到本计划的任务；下达到下级机构的任务已送达。",
	"archived":  "计划已归档，不能再修改。",
	"assigned":  "已分配到本机构的单位。",
	"keypoints": "已根据所选任务生成年度工作要点草稿，可继续增删任务后发布。",
	"measured":  "监测值已记录。",
}

// flash returns the notice for key among the plan pages' own.
func planFlash(r *http.Request, b *Base) {
	if b.Flash == "" {
		if f := r.URL.Query().Get("flash"); f != "" {
			b.Flash = planFlashes[f]
		}
	}
}

// planBase is base() plus the plan pages' notices.
func (s *Server) planBase(r *http.Request, title string) Base {
	b := s.base(r, title)
	planFlash(r, &b)
	return b
}

// formInts reads every value of a repeated integer form field (checkbox
// lists); malformed values are dropped, duplicates kept once.
func formInts(r *http.Request, name string) []int64 {
	var out []int64
	for _, v := range r.PostForm[name] {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err == nil && n > 0 && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// formYear reads a year; empty or malformed is 0, which the domain reports
// on the field.
func formYear(r *http.Request, name string) int {
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
	if err != nil {
		return 0
	}
	return n
}

// formFloat reads a number typed by a person: full-width digits and a
// trailing % are accepted; anything else is NaN, which the domain refuses
// on the field.
func formFloat(r *http.Request, name string) (float64, string) {
	typed := strings.TrimSpace(r.PostFormValue(name))
	s := strings.Map(func(c rune) rune {
		switch {
		case c >= '０' && c <= '９':
			return '0' + (c - '０')
		case c == '．':
			return '.'
		case c == '%' || c == '％' || c == ',' || c == '，':
			return -1
		}
		return c
	}, typed)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || s == "" {
		return nan(), typed
	}
	return v, typed
}

func nan() float64 { var z float64; return z / z }

// splitNames splits a list of unit names as people type it: 、，, ; or new
// lines between names.
func splitNames(s string) []string {
	f := strings.FieldsFunc(s, func(c rune) bool {
		return c == '、' || c == '，' || c == ',' || c == '；' || c == ';' || c == '\n' || c == '\r'
	})
	out := []string{}
	for _, n := range f {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// joinNames renders names as a Chinese list.
func joinNames(names []string) string { return strings.Join(names, "、") }

// unitBox is one checkbox of a unit list.
type unitBox struct {
	ID      int64
	Name    string
	Checked bool
}

// unitGroups are the checkbox groups of a unit choice: the body's member
// units, then the other units of its region (and any unit already chosen
// that is no longer offered, so that saving does not drop it silently).
type unitGroups struct {
	Field   string // form field name
	Label   string
	Members []unitBox
	Others  []unitBox
	Error   string
}

func newUnitGroups(field, label string, c *plan.UnitChoices, checked []int64, extra []plan.UnitRef) unitGroups {
	g := unitGroups{Field: field, Label: label}
	seen := map[int64]bool{}
	for _, u := range c.Members {
		seen[u.ID] = true
		g.Members = append(g.Members, unitBox{ID: u.ID, Name: u.Name, Checked: slices.Contains(checked, u.ID)})
	}
	for _, u := range c.Others {
		seen[u.ID] = true
		g.Others = append(g.Others, unitBox{ID: u.ID, Name: u.Name, Checked: slices.Contains(checked, u.ID)})
	}
	for _, u := range extra {
		if !seen[u.ID] && slices.Contains(checked, u.ID) {
			seen[u.ID] = true
			g.Others = append(g.Others, unitBox{ID: u.ID, Name: u.Name, Checked: true})
		}
	}
	return g
}

// OthersChecked reports whether a unit outside the members is chosen (the
// group is then shown open).
func (g unitGroups) OthersChecked() bool {
	return slices.ContainsFunc(g.Others, func(b unitBox) bool { return b.Checked })
}

// statusClass is the colour class of a task status (with its word, never
// colour alone).
func statusClass(st plan.ItemStatus) string {
	switch st {
	case plan.Closed:
		return "ok"
	case plan.Cancelled:
		return "bad"
	}
	return "warn"
}

// planStatusClass is the colour class of a plan status.
func planStatusClass(st plan.Status) string {
	switch st {
	case plan.Published:
		return "ok"
	case plan.Archived:
		return "bad"
	}
	return "warn"
}

// unixTime renders stored seconds as Beijing time.
func unixTime(sec int64) string {
	if sec == 0 {
		return ""
	}
	return time.Unix(sec, 0).In(cst).Format("2006-01-02 15:04")
}

// targetTexts renders a task's targets one per line.
func targetTexts(ts []plan.Target) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Text)
	}
	return out
}

// parseTargets reads targets typed one per line. A line that reads as a
// target the task already has keeps its figures (they may have been
// corrected); a new line is read by plan.ParseTarget.
func parseTargets(typed string, old []plan.Target) []plan.Target {
	out := []plan.Target{}
	for _, line := range strings.Split(typed, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		t := plan.ParseTarget(line)
		for _, o := range old {
			if o.Text == line {
				t = o
				break
			}
		}
		out = append(out, t)
	}
	return out
}

// isOffice reports whether the actor is an office member of body.
func isOfficeOf(a *core.Actor, bodyID int64) bool {
	return a != nil && a.Role == core.RoleOffice && a.InBody(bodyID)
}

// choice builds one option.
func choice(value, label string, selected bool) orgChoice {
	return orgChoice{Value: value, Label: label, Selected: selected}
}

// itemStatusChoices offers the task statuses, with a blank first.
func itemStatusChoices(selected plan.ItemStatus, blank string) []orgChoice {
	out := []orgChoice{choice("", blank, selected == "")}
	for _, st := range plan.ItemStatuses {
		out = append(out, choice(string(st), st.Label(), st == selected))
	}
	return out
}

// comparatorChoices offers the comparators of a goal.
func comparatorChoices(selected string) []orgChoice {
	out := []orgChoice{}
	for _, c := range []struct{ v, l string }{{">=", "不低于（≥）"}, {">", "高于（>）"}, {"<=", "不高于（≤）"}, {"<", "低于（<）"}, {"=", "等于（=）"}} {
		out = append(out, choice(c.v, c.l, c.v == selected))
	}
	return out
}

// comparatorText renders a comparator for reading.
func comparatorText(c string) string {
	switch c {
	case ">=":
		return "≥"
	case ">":
		return ">"
	case "<=":
		return "≤"
	case "<":
		return "<"
	}
	return "="
}

// number renders a figure without trailing zeros.
func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// planForbidden refuses a page the user may read but not use (the change
// form of a plan it cannot change), audited like every refusal (B3).
func (s *Server) planForbidden(w http.ResponseWriter, r *http.Request, objectType string, id int64, msg string) {
	err := audit.Refused(objectType, id, r.Method+" "+r.URL.Path, msg)
	audit.LogRefusal(r.Context(), s.DB, s.Clock.Now(), err)
	s.Guard.Error(w, r, 0, err)
}
