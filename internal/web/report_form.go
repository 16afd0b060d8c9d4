package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"liandong/internal/core"
	"liandong/internal/file"
	"liandong/internal/httpx"
	"liandong/internal/report"
)

// ---- the report page: GET /reports/{id}, POST /reports/{id} ----

type reportPage struct {
	Base
	Report     *report.Report
	Access     report.Access
	Editable   bool // the form is shown
	CanReview  bool // the accept / return form is shown
	Progresses []orgChoice
	Figures    []figureRow
	Photos     []photoRow
	Docs       []report.Attach
	Form       struct{ Progress, Narrative, Problems, Version, Reason string }
	NewSlots   []int // new photo inputs
	Prefilled  bool  // a consolidated report's figures start from the units' sums
	Restored   string
	Revisions  int
}

type figureRow struct {
	Seq                       int64
	Target, Unit, Value, Note string
	Goal                      string
}

type photoRow struct {
	FileID   int64
	Name     string
	Caption  string
	HasThumb bool
}

func (s *Server) loadReport(w http.ResponseWriter, r *http.Request) (*report.Report, report.Access, bool) {
	id, err := orgPathID(r, "id")
	var rep *report.Report
	var acc report.Access
	if err == nil {
		rep, acc, err = s.Reports.Get(r.Context(), id)
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return nil, acc, false
	}
	return rep, acc, true
}

func (s *Server) showReport(w http.ResponseWriter, r *http.Request) {
	rep, acc, ok := s.loadReport(w, r)
	if !ok {
		return
	}
	p := s.newReportPage(r, rep, acc)
	in := rep.Input()
	if rev := orgParseID(r.URL.Query().Get("from")); rev != 0 && p.Editable {
		// Taking back a conflict copy (or an earlier submission): its
		// fields fill the form, to be saved from the current version.
		v, err := s.Reports.Revision(r.Context(), rep.ID, rev)
		if err != nil {
			s.Guard.Error(w, r, 0, err)
			return
		}
		in = v.Input.WithVersion(rep.Version)
		p.Restored = v.Label()
	}
	p.fill(rep, in)
	if p.Editable && rep.Kind == report.Consolidated && len(in.Figures) == 0 {
		if c, err := s.Reports.Consolidate(r.Context(), rep.ItemID, rep.BodyID, rep.Period); err == nil {
			for i, f := range c.Sums {
				if f.Value != nil && i < len(p.Figures) {
					p.Figures[i].Value = report.Num(*f.Value)
					p.Prefilled = true
				}
			}
		}
	}
	s.render(w, r, http.StatusOK, "report/show", p)
}

func (s *Server) newReportPage(r *http.Request, rep *report.Report, acc report.Access) *reportPage {
	p := &reportPage{Base: s.reportBase(r, rep.PeriodLabel+"进展报告 · "+rep.UnitName), Report: rep, Access: acc,
		Editable: acc.Write && rep.State.Editable(), CanReview: acc.Review && rep.State == report.Submitted,
		NewSlots: []int{1, 2, 3}}
	if revs, err := s.Reports.Revisions(r.Context(), rep.ID); err == nil {
		p.Revisions = len(revs)
	}
	p.Form.Version = strconv.FormatInt(rep.Version, 10)
	return p
}

// fill puts a report's fields, or the user's input, into the form.
func (p *reportPage) fill(rep *report.Report, in report.DraftInput) {
	p.Form.Progress, p.Form.Narrative, p.Form.Problems = string(in.Progress), in.Narrative, in.Problems
	p.Progresses = nil
	for _, v := range report.Progresses {
		p.Progresses = append(p.Progresses, orgChoice{Value: string(v), Label: v.Label(), Selected: v == in.Progress})
	}
	p.Figures = p.Figures[:0]
	for _, f := range rep.Figures {
		row := figureRow{Seq: f.Seq, Target: f.Target, Unit: f.Unit, Goal: report.Num(f.Goal)}
		for _, x := range in.Figures {
			if x.Seq == f.Seq {
				if x.Value != nil {
					row.Value = report.Num(*x.Value)
				}
				row.Note = x.Note
			}
		}
		p.Figures = append(p.Figures, row)
	}
	known := map[int64]report.Attach{}
	for _, a := range append(append([]report.Attach{}, rep.Photos...), rep.Attachments...) {
		known[a.FileID] = a
	}
	p.Photos = p.Photos[:0]
	for _, ph := range in.Photos {
		a := known[ph.FileID]
		p.Photos = append(p.Photos, photoRow{FileID: ph.FileID, Name: a.Name, Caption: ph.Caption, HasThumb: a.HasThumb})
	}
	p.Docs = p.Docs[:0]
	for _, d := range in.Attachments {
		a := known[d.FileID]
		a.FileID = d.FileID
		p.Docs = append(p.Docs, a)
	}
}

// reportForm reads the report form's fields (multipart or urlencoded)
// into a draft. Numbers are read as people type them; one that is not a
// number is reported on its field and the typed text kept.
func reportForm(v url.Values, rep *report.Report) (report.DraftInput, map[string]string) {
	in := report.DraftInput{Progress: report.Progress(v.Get("progress")), Narrative: v.Get("narrative"),
		Problems: v.Get("problems"), Figures: []report.FigureInput{}, Photos: []report.FileInput{}, Attachments: []report.FileInput{}}
	in.Version, _ = strconv.ParseInt(strings.TrimSpace(v.Get("version")), 10, 64)
	bad := map[string]string{}
	for _, f := range rep.Figures {
		key := strconv.FormatInt(f.Seq, 10)
		fi := report.FigureInput{Seq: f.Seq, Note: v.Get("note_" + key)}
		if typed := strings.TrimSpace(v.Get("value_" + key)); typed != "" {
			n, ok := parseNumber(typed)
			if !ok {
				bad["figure_"+key] = "完成数应为数字，如 120 或 12.5"
				continue
			}
			fi.Value = &n
		}
		if fi.Value != nil || strings.TrimSpace(fi.Note) != "" {
			in.Figures = append(in.Figures, fi)
		}
	}
	for _, id := range idsOf(v["photo"]) {
		if v.Get("remove_"+strconv.FormatInt(id, 10)) == "" {
			in.Photos = append(in.Photos, report.FileInput{FileID: id, Caption: v.Get("caption_" + strconv.FormatInt(id, 10))})
		}
	}
	for _, id := range idsOf(v["attachment"]) {
		if v.Get("remove_"+strconv.FormatInt(id, 10)) == "" {
			in.Attachments = append(in.Attachments, report.FileInput{FileID: id})
		}
	}
	return in, bad
}

func idsOf(vals []string) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for _, s := range vals {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && n > 0 && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// parseNumber reads a number as people type it: full-width digits, and
// thousands separators.
func parseNumber(typed string) (float64, bool) {
	s := strings.Map(func(c rune) rune {
		switch {
		case c >= '０' && c <= '９':
			return '0' + (c - '０')
		case c == '．':
			return '.'
		case c == ',' || c == '，' || c == ' ':
			return -1
		}
		return c
	}, typed)
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil && s != ""
}

// postReport saves (保存) or submits (提交) the form: text fields and new
// photos and attachments, streamed and checked as they arrive. What the
// user typed and uploaded is kept on every error.
func (s *Server) postReport(w http.ResponseWriter, r *http.Request) {
	rep, acc, ok := s.loadReport(w, r)
	if !ok {
		return
	}
	a := core.ActorFrom(r.Context())
	var ups []Upload
	vals, err := httpx.ReadMultipart(r, httpx.MultipartLimits{MaxFiles: reportFormFiles}, func(field, name string, body io.Reader, _ url.Values) error {
		var accept []file.Kind
		switch {
		case strings.HasPrefix(field, "new_photo_"):
			accept = []file.Kind{file.Photo}
		case field == "new_attachment":
		default:
			return core.Invalid(field, "未知的文件字段")
		}
		f, err := s.Files.Ingest(r.Context(), a, name, body, accept...)
		if err != nil {
			var ce *core.Error
			if errors.As(err, &ce) && ce.Field == "file" {
				ce.Field = field
			}
			return err
		}
		ups = append(ups, Upload{Field: field, File: f})
		return nil
	})
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.Guard.Error(w, r, http.StatusRequestEntityTooLarge, err)
		return
	}
	in, bad := report.DraftInput{}, map[string]string{}
	if vals != nil {
		in, bad = reportForm(vals, rep)
	}
	// Files that arrived are attached, with their captions, whatever else
	// fails: on a re-shown form they are already in place.
	for _, u := range ups {
		if u.Field == "new_attachment" {
			in.Attachments = append(in.Attachments, report.FileInput{FileID: u.File.ID})
			continue
		}
		slot := strings.TrimPrefix(u.Field, "new_photo_")
		in.Photos = append(in.Photos, report.FileInput{FileID: u.File.ID, Caption: vals.Get("new_caption_" + slot)})
	}
	if err == nil && len(bad) > 0 {
		err = &core.Error{Code: core.EINVALID, Message: "提交的内容有误"}
	}
	var saved *report.Report
	if err == nil {
		if vals.Get("action") == "submit" {
			saved, err = s.Reports.Submit(r.Context(), rep.ID, in)
		} else {
			saved, err = s.Reports.Save(r.Context(), rep.ID, in)
		}
	}
	if err == nil {
		flash := "saved"
		if saved.State == report.Submitted {
			flash = "submitted"
		}
		http.Redirect(w, r, reportURL(rep.ID, flash), http.StatusSeeOther)
		return
	}
	p := s.newReportPage(r, rep, acc)
	if !s.formFailed(w, r, &p.Base, err) {
		return
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	for k, v := range bad {
		p.Errors[k] = v
	}
	// Show the files just uploaded by their names.
	cur := *rep
	for _, u := range ups {
		at := report.Attach{FileID: u.File.ID, Name: u.File.Name, Size: u.File.Size, HasThumb: u.File.HasThumb}
		if u.Field == "new_attachment" {
			cur.Attachments = append(cur.Attachments, at)
		} else {
			cur.Photos = append(cur.Photos, at)
		}
	}
	p.fill(&cur, in)
	if vals != nil {
		// Numbers typed wrong are shown as typed.
		for i := range p.Figures {
			if typed := vals.Get("value_" + strconv.FormatInt(p.Figures[i].Seq, 10)); typed != "" {
				p.Figures[i].Value = typed
			}
		}
		p.Form.Version = vals.Get("version")
	}
	s.renderForm(w, r, err, "report/show", p)
}

// autosaveReport is the page script's draft save: the form's text fields
// (no files), answered as JSON — the new version, or a 409 whose losing
// text was kept as a conflict revision (SECURITY.md I3).
func (s *Server) autosaveReport(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	var rep *report.Report
	if err == nil {
		rep, _, err = s.Reports.Get(r.Context(), id)
	}
	if err == nil {
		err = r.ParseForm()
	}
	if err == nil {
		in, bad := reportForm(r.PostForm, rep)
		if len(bad) > 0 {
			var es core.Errors
			for k, v := range bad {
				es.Add(k, v)
			}
			err = es.Err()
		} else {
			rep, err = s.Reports.Save(r.Context(), id, in)
		}
	}
	if err != nil {
		var c *report.Conflict
		if errors.As(err, &c) {
			httpx.WriteJSON(w, http.StatusConflict, map[string]any{"error": map[string]any{"code": core.ECONFLICT,
				"message": core.ErrorMessage(err), "revision": c.RevisionID,
				"link": reportURL(id, "") + "/revisions"}})
			return
		}
		httpx.WriteJSONError(w, r, 0, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"version": rep.Version,
		"saved_at": time.Unix(rep.UpdatedAt, 0).In(cst).Format("15:04:05")})
}

// reviewReport accepts a submitted report or returns it with a reason.
func (s *Server) reviewReport(w http.ResponseWriter, r *http.Request) {
	rep, acc, ok := s.loadReport(w, r)
	if !ok {
		return
	}
	version := formInt(r, "version")
	reason := r.PostFormValue("reason")
	var err error
	flash := "accepted"
	if r.PostFormValue("action") == "return" {
		flash = "returned"
		_, err = s.Reports.Return(r.Context(), rep.ID, version, reason)
	} else {
		_, err = s.Reports.Accept(r.Context(), rep.ID, version)
	}
	if err == nil {
		http.Redirect(w, r, reportURL(rep.ID, flash), http.StatusSeeOther)
		return
	}
	p := s.newReportPage(r, rep, acc)
	if !s.formFailed(w, r, &p.Base, err) {
		return
	}
	p.fill(rep, rep.Input())
	p.Form.Reason = reason
	s.renderForm(w, r, err, "report/show", p)
}

// serveReportFile sends a photo, its thumbnail or an attachment of a
// report, only through a report that holds it (E5 headers).
func (s *Server) serveReportFile(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	var fid int64
	if err == nil {
		fid, err = orgPathID(r, "file")
	}
	thumb := r.URL.Query().Get("thumb") == "1"
	var f *file.File
	var rc io.ReadCloser
	if err == nil {
		f, rc, err = s.Reports.OpenFile(r.Context(), id, fid, thumb)
	}
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	defer rc.Close()
	httpx.ServeFile(w, r, httpx.Download{Name: f.Name, ContentType: f.ContentType, Size: f.Size,
		Inline: f.Kind == file.Photo && r.URL.Query().Get("download") == ""}, rc)
}
