package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/org"
	"liandong/internal/plan"
	"liandong/internal/plan/extract"
	"liandong/internal/plan/source"
)

// The import screen (GET/POST /bodies/{id}/plans/import) works in steps
// without keeping anything on the server between them: the first form
// takes a pasted text or an uploaded file; the review form shows the
// source beside the extracted result and carries both, with every
// correction the user makes, in its own fields. "重新识别" matches the
// edited result again; "确认导入" saves it.

// Steps of the import form (the "step" field).
const (
	stepExtract = "extract" // read the text (or file) and extract it
	stepReview  = "review"  // match the edited result again
	stepConfirm = "confirm" // save the edited result as a draft plan
)

// importItem is one row of the editable result.
type importItem struct {
	N           int
	JSON        string // the item as extracted: fields the table does not edit travel here
	Path        string // markers separated by spaces
	Kind        string
	Title       string
	Lead        string
	Responsible string
	Schedule    string
	Targets     []string
	Section     bool
	Depth       int
}

// importGoal is one row of the editable goals.
type importGoal struct {
	N           int
	JSON        string
	Text        string
	Metric      string
	Value       string
	Unit        string
	Year        string
	Comparators []orgChoice
}

// importName is one unit name written in the document and how it matched.
type importName struct {
	N          int
	Written    string
	How        string // in words
	UnitName   string
	Uses       int
	Resolved   bool
	Choice     string // the user's decision: a unit id, "create" or "ignore"
	Candidates []orgChoice
}

// How a name matched, in words (plan.Match.How).
var matchWords = map[string]string{
	plan.ByName: "全称", plan.ByShortName: "简称", plan.ByAlias: "别名", plan.ByKey: "省略地区名",
	plan.AllMembers: "全体成员单位", plan.AllBelow: "下达下级机构", plan.Ambiguous: "有多个可能", plan.Unmatched: "未匹配",
}

type importPage struct {
	Base
	Body       *org.Body
	Text       string
	SourceName string
	MaxMB      int64
	Review     bool // the review step (else the first form)
	Form       plan.PlanInput
	YearFrom   string
	YearTo     string
	Kinds      []orgChoice
	Cadences   []orgChoice
	Parents    []orgChoice
	Items      []importItem
	Goals      []importGoal
	Names      []importName
	Unresolved int
	Units      []plan.UnitRef
	Tasks      int
	Lines      int
}

func (s *Server) showImportPage(w http.ResponseWriter, r *http.Request) {
	p, ok := s.importBody(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "plan/import", p)
}

// importBody starts the page for body {id}; a body outside the scope is
// not found, one the user may not import into is forbidden.
func (s *Server) importBody(w http.ResponseWriter, r *http.Request) (*importPage, bool) {
	id, err := orgPathID(r, "id")
	var b *org.Body
	if err == nil {
		b, err = s.Org.GetBody(r.Context(), id)
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil, false
	}
	if !isOfficeOf(core.ActorFrom(r.Context()), id) {
		s.planForbidden(w, r, "body", id, "只有本机构办公室可以导入计划")
		return nil, false
	}
	return &importPage{Base: s.planBase(r, "导入计划"), Body: b, MaxMB: source.DefaultLimits.MaxFile >> 20}, true
}

func (s *Server) importPlan(w http.ResponseWriter, r *http.Request) {
	p, ok := s.importBody(w, r)
	if !ok {
		return
	}
	switch r.PostFormValue("step") {
	case stepReview:
		s.importReview(w, r, p, false)
	case stepConfirm:
		s.importReview(w, r, p, true)
	default:
		s.importExtract(w, r, p)
	}
}

// importExtract reads the pasted text or the uploaded file and shows the
// extracted result for review.
func (s *Server) importExtract(w http.ResponseWriter, r *http.Request, p *importPage) {
	ctx := r.Context()
	p.Text, p.SourceName = r.PostFormValue("text"), strings.TrimSpace(r.PostFormValue("source_name"))
	var err error
	if f, hdr, ferr := r.FormFile(source.Field); ferr == nil {
		var doc *source.Document
		doc, err = source.Read(hdr.Filename, f, source.DefaultLimits)
		f.Close()
		if err == nil {
			p.Text, p.SourceName = doc.Text, doc.Name
		}
	} else if !errors.Is(ferr, http.ErrMissingFile) && !errors.Is(ferr, http.ErrNotMultipart) {
		err = &core.Error{Code: core.EINVALID, Field: source.Field, Message: "上传的文件无法读取，请重新选择文件。", Err: ferr}
	}
	var pv *plan.Preview
	if err == nil {
		pv, err = s.Plan.Preview(ctx, p.Body.ID, p.Text)
	}
	if err != nil {
		s.importFailed(w, r, p, err)
		return
	}
	if r.PostForm.Has("title") {
		// Extracted again from the review page: keep the plan fields typed there.
		p.Form = readImportPlan(r, p)
	} else {
		p.Form = guessPlan(p.Text)
		p.Form.BodyID = p.Body.ID
		p.YearFrom, p.YearTo = yearText(p.Form.YearFrom), yearText(p.Form.YearTo)
	}
	s.renderReview(w, r, p, pv, nil, nil)
}

// importFailed shows the first form again with the error and the text.
func (s *Server) importFailed(w http.ResponseWriter, r *http.Request, p *importPage, err error) {
	switch core.ErrorCode(err) {
	case core.EINVALID, core.ETOOLARGE:
	default:
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Errors, p.Error = core.FieldErrors(err), core.ErrorMessage(err)
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if p.Errors[source.Field] == "" && p.Errors["text"] == "" {
		p.Errors["text"] = core.ErrorMessage(err)
	}
	s.render(w, r, httpx.Status(err), "plan/import", p)
}

// importReview matches the edited result again, or saves it.
func (s *Server) importReview(w http.ResponseWriter, r *http.Request, p *importPage, confirm bool) {
	ctx := r.Context()
	p.Text, p.SourceName = r.PostFormValue("text"), strings.TrimSpace(r.PostFormValue("source_name"))
	p.Form = readImportPlan(r, p)
	res, readErr := readImportResult(r)
	choices := readMappings(r)
	var saveErr error
	if readErr == nil && confirm {
		var maps []plan.Mapping
		for written, c := range choices {
			m := plan.Mapping{Written: written}
			switch c {
			case "":
				continue
			case "create":
				m.Create = true
			case "ignore":
				m.Ignore = true
			default:
				m.UnitID = orgParseID(c)
			}
			maps = append(maps, m)
		}
		created, err := s.Plan.Import(ctx, plan.ImportInput{Plan: p.Form, SourceName: p.SourceName, Text: p.Text, Result: res, Mappings: maps})
		if err == nil {
			http.Redirect(w, r, planURL(created.ID, "imported", ""), http.StatusSeeOther)
			return
		}
		if !formError(err) && core.ErrorCode(err) != core.ETOOLARGE {
			s.Guard.Error(w, r, 0, err)
			return
		}
		saveErr = err
	}
	if readErr != nil {
		saveErr = readErr
	}
	pv, err := s.Plan.Review(ctx, p.Body.ID, res)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	s.renderReview(w, r, p, pv, choices, saveErr)
}

// renderReview shows the source beside the result.
func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, p *importPage, pv *plan.Preview, choices map[string]string, err error) {
	p.Review, p.Units = true, pv.Units
	p.Lines = strings.Count(p.Text, "\n") + 1
	for i, it := range pv.Result.Items {
		raw, _ := json.Marshal(it)
		row := importItem{N: i, JSON: string(raw), Path: strings.Join(it.Path, " "), Kind: it.Kind, Title: it.Title,
			Lead: joinNames(it.Lead), Responsible: joinNames(it.Responsible), Schedule: it.Schedule,
			Section: it.Kind == extract.KindSection, Depth: min(max(len(it.Path)-1, 0), 4)}
		for _, t := range it.Targets {
			row.Targets = append(row.Targets, t.Text)
		}
		if !row.Section {
			p.Tasks++
		}
		p.Items = append(p.Items, row)
	}
	for i, g := range pv.Result.Goals {
		raw, _ := json.Marshal(g)
		p.Goals = append(p.Goals, importGoal{N: i, JSON: string(raw), Text: g.Text, Metric: g.Metric, Value: number(g.Value),
			Unit: g.Unit, Year: yearText(g.Year), Comparators: comparatorChoices(g.Comparator)})
	}
	for i, m := range pv.Names {
		n := importName{N: i, Written: m.Written, How: matchWords[m.How], UnitName: m.UnitName, Uses: m.Uses,
			Resolved: m.Resolved(), Choice: choices[m.Written]}
		switch m.How {
		case plan.AllMembers:
			n.UnitName = "本机构全体成员单位"
		case plan.AllBelow:
			n.UnitName = "本机构的各下级机构（下达）"
		}
		for _, c := range m.Candidates {
			n.Candidates = append(n.Candidates, choice(strconv.FormatInt(c.ID, 10), c.Name, false))
		}
		if !n.Resolved && n.Choice == "" {
			p.Unresolved++
		}
		p.Names = append(p.Names, n)
	}
	for _, k := range plan.Kinds {
		if k != plan.UnitWorkPlan {
			p.Kinds = append(p.Kinds, choice(string(k), k.Label(), k == p.Form.Kind))
		}
	}
	if p.Form.Cadence == "" {
		p.Form.Cadence = plan.Quarterly
	}
	for _, c := range plan.Cadences {
		p.Cadences = append(p.Cadences, choice(string(c), c.Label(), c == p.Form.Cadence))
	}
	ps, lerr := s.Plan.ListPlans(r.Context(), p.Body.ID)
	if lerr != nil {
		s.Guard.Error(w, r, 0, lerr)
		return
	}
	p.Parents = []orgChoice{choice("", "（无）", p.Form.ParentID == 0)}
	for _, pl := range ps {
		if pl.Kind != plan.UnitWorkPlan {
			p.Parents = append(p.Parents, choice(strconv.FormatInt(pl.ID, 10), pl.Title+"（"+pl.Period()+"）", pl.ID == p.Form.ParentID))
		}
	}
	status := http.StatusOK
	if err != nil {
		status = httpx.Status(err)
		p.Errors = core.FieldErrors(err)
		p.Error = core.ErrorMessage(err)
		if core.ErrorCode(err) == core.EINVALID && len(p.Errors) > 1 {
			p.Error = "提交的内容有误，请按提示修改后重新提交。"
		}
	}
	s.render(w, r, status, "plan/import_review", p)
}

// readImportPlan reads the plan fields of the review form.
func readImportPlan(r *http.Request, p *importPage) plan.PlanInput {
	p.YearFrom, p.YearTo = strings.TrimSpace(r.PostFormValue("year_from")), strings.TrimSpace(r.PostFormValue("year_to"))
	return plan.PlanInput{BodyID: p.Body.ID, Kind: plan.Kind(r.PostFormValue("kind")), Title: r.PostFormValue("title"),
		DocNumber: r.PostFormValue("doc_number"), YearFrom: formYear(r, "year_from"), YearTo: formYear(r, "year_to"),
		ParentID: formInt(r, "parent_id"), Cadence: plan.Cadence(r.PostFormValue("cadence"))}
}

// readImportResult reads the edited result: each row's extracted item
// (carried as JSON) with the user's edits over it. Rows marked for
// deletion are left out.
func readImportResult(r *http.Request) (extract.Result, error) {
	res := extract.Result{Items: []extract.Item{}, Goals: []extract.Goal{}}
	n, _ := strconv.Atoi(r.PostFormValue("items"))
	if n < 0 || n > plan.MaxItems {
		return res, core.Invalid("result", fmt.Sprintf("条目过多，不能超过%d条", plan.MaxItems))
	}
	for i := range n {
		key := fmt.Sprintf("it%d_", i)
		if r.PostFormValue(key+"drop") != "" {
			continue
		}
		var it extract.Item
		if raw := r.PostFormValue(key + "json"); raw != "" {
			if err := json.Unmarshal([]byte(raw), &it); err != nil {
				return res, core.Invalid("result", fmt.Sprintf("第%d条的数据无法读取，请从原文重新识别", i+1))
			}
		}
		it.Path = strings.Fields(r.PostFormValue(key + "path"))
		it.Kind = extract.KindTask
		if r.PostFormValue(key+"kind") == extract.KindSection {
			it.Kind = extract.KindSection
		}
		it.Title = strings.TrimSpace(r.PostFormValue(key + "title"))
		it.Lead, it.Responsible = splitNames(r.PostFormValue(key+"lead")), splitNames(r.PostFormValue(key+"resp"))
		it.Schedule = strings.TrimSpace(r.PostFormValue(key + "schedule"))
		if it.Targets == nil {
			it.Targets = []extract.Target{}
		}
		res.Items = append(res.Items, it)
	}
	g, _ := strconv.Atoi(r.PostFormValue("goals"))
	if g < 0 || g > plan.MaxItems {
		return res, core.Invalid("goals", "目标过多")
	}
	for i := range g {
		key := fmt.Sprintf("g%d_", i)
		if r.PostFormValue(key+"drop") != "" {
			continue
		}
		var goal extract.Goal
		if raw := r.PostFormValue(key + "json"); raw != "" {
			if err := json.Unmarshal([]byte(raw), &goal); err != nil {
				return res, core.Invalid("goals", fmt.Sprintf("第%d个目标的数据无法读取，请从原文重新识别", i+1))
			}
		}
		goal.Metric = strings.TrimSpace(r.PostFormValue(key + "metric"))
		goal.Comparator = r.PostFormValue(key + "comparator")
		goal.Unit = strings.TrimSpace(r.PostFormValue(key + "unit"))
		v, _ := formFloat(r, key+"value")
		goal.Value = v
		goal.Year = formYear(r, key+"year")
		res.Goals = append(res.Goals, goal)
	}
	return res, nil
}

// readMappings reads the user's decision on each unmatched name: parallel
// fields map_name and map_value.
func readMappings(r *http.Request) map[string]string {
	names, values := r.PostForm["map_name"], r.PostForm["map_value"]
	out := map[string]string{}
	for i := range min(len(names), len(values)) {
		out[strings.TrimSpace(names[i])] = strings.TrimSpace(values[i])
	}
	return out
}

var (
	spanRe = regexp.MustCompile(`((?:19|20)\d{2})\s*[—–\-－~～至到]+\s*((?:19|20)\d{2})\s*年`)
	yearRe = regexp.MustCompile(`((?:19|20)\d{2})\s*年`)
	docRe  = regexp.MustCompile(`[\p{Han}]{1,12}〔(?:19|20)\d{2}〕\d{1,4}号`)
)

// guessPlan proposes the plan fields from the document's first lines: its
// title, document number, period and kind. The user checks them on the
// review page.
func guessPlan(text string) plan.PlanInput {
	in := plan.PlanInput{Kind: plan.Implementation, Cadence: plan.Quarterly}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if i >= 15 {
			break
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if in.DocNumber == "" {
			in.DocNumber = docRe.FindString(line)
			if in.DocNumber != "" && utf8.RuneCountInString(line) < 30 {
				continue
			}
		}
		if in.Title == "" && utf8.RuneCountInString(line) <= 100 && (strings.Contains(line, "方案") ||
			strings.Contains(line, "要点") || strings.Contains(line, "纲要") || strings.Contains(line, "计划") ||
			strings.Contains(line, "规划")) {
			in.Title = line
		}
	}
	if in.Title == "" {
		for _, line := range lines {
			if line = strings.TrimSpace(line); line != "" {
				if utf8.RuneCountInString(line) <= 100 {
					in.Title = line
				}
				break
			}
		}
	}
	if m := spanRe.FindStringSubmatch(in.Title); m != nil {
		in.YearFrom, _ = strconv.Atoi(m[1])
		in.YearTo, _ = strconv.Atoi(m[2])
	} else if m := yearRe.FindStringSubmatch(in.Title); m != nil {
		in.YearFrom, _ = strconv.Atoi(m[1])
		in.YearTo = in.YearFrom
	}
	switch {
	case strings.Contains(in.Title, "要点"):
		in.Kind = plan.AnnualKeyPoints
	case strings.Contains(in.Title, "纲要"):
		in.Kind = plan.Outline
	case strings.Contains(in.Title, "攻坚"):
		in.Kind = plan.Action
	}
	return in
}

func yearText(y int) string {
	if y == 0 {
		return ""
	}
	return strconv.Itoa(y)
}
