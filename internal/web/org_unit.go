package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/org"
	"liandong/internal/region"
)

// unitPageSize is the length of one page of the units registry.
const unitPageSize = 50

// ---- GET /org/units ----

type unitListPage struct {
	Base
	Query     string
	Kind      string
	RegionID  int64
	Kinds     []orgChoice
	Regions   []orgChoice
	Units     []org.Unit
	Total     int
	PageNo    int
	Pages     int
	PrevURL   string
	NextURL   string
	ExportURL string
	CanAdd    bool
}

func (p *unitListPage) pageURL(n int) string { return "/org/units" + p.query(n) }

// query is the filter as a query string, with page n (1 is left out).
func (p *unitListPage) query(n int) string {
	v := url.Values{}
	if p.Query != "" {
		v.Set("q", p.Query)
	}
	if p.Kind != "" {
		v.Set("kind", p.Kind)
	}
	if p.RegionID != 0 {
		v.Set("region", strconv.FormatInt(p.RegionID, 10))
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func regionChoices(rs []region.Region, selected int64, blank string) []orgChoice {
	out := []orgChoice{{Value: "", Label: blank, Selected: selected == 0}}
	for _, r := range rs {
		indent := strings.Repeat("\u3000", map[region.Level]int{region.Province: 0, region.City: 1, region.County: 2}[r.Level])
		out = append(out, orgChoice{Value: strconv.FormatInt(r.ID, 10), Label: indent + r.Name + "（" + r.Code + "）", Selected: r.ID == selected})
	}
	return out
}

func unitKindChoices(selected org.UnitKind, blank string) []orgChoice {
	out := []orgChoice{{Value: "", Label: blank, Selected: selected == ""}}
	for _, k := range org.UnitKinds {
		out = append(out, orgChoice{Value: string(k), Label: k.Label(), Selected: k == selected})
	}
	return out
}

func (s *Server) showUnitList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc := s.orgService()
	q := r.URL.Query()
	p := &unitListPage{Base: s.base(r, "单位名录"), Query: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind"),
		RegionID: orgParseID(q.Get("region"))}
	p.PageNo, _ = strconv.Atoi(q.Get("page"))
	p.PageNo = max(p.PageNo, 1)
	a := core.ActorFrom(ctx)
	p.CanAdd = a.Role == core.RoleOffice
	// The filter offers provinces and cities: at national scale the ~2,900
	// counties would make every page of the list a long download (and a
	// slow query). A county is reached from the regions page (?region=),
	// and stays selected here.
	coarse, err := svc.ListFilterRegions(ctx, p.RegionID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Regions = regionChoices(coarse, p.RegionID, "全部地区")
	p.Kinds = unitKindChoices(org.UnitKind(p.Kind), "全部类别")
	units, total, err := svc.ListUnits(ctx, org.UnitFilter{Query: p.Query, Kind: org.UnitKind(p.Kind), RegionID: p.RegionID,
		Page: core.Page{Offset: (p.PageNo - 1) * unitPageSize, Limit: unitPageSize}})
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			p.Errors = core.FieldErrors(err)
			s.render(w, r, httpx.Status(err), "org/units", p)
			return
		}
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Units, p.Total = units, total
	p.ExportURL = "/org/units.xlsx" + p.query(1)
	p.Pages = max((total+unitPageSize-1)/unitPageSize, 1)
	if p.PageNo > 1 {
		p.PrevURL = p.pageURL(min(p.PageNo-1, p.Pages))
	}
	if p.PageNo < p.Pages {
		p.NextURL = p.pageURL(p.PageNo + 1)
	}
	s.render(w, r, http.StatusOK, "org/units", p)
}

// ---- GET /org/units.xlsx: the filtered list, all pages ----

func (s *Server) exportUnits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := org.UnitFilter{Query: q.Get("q"), Kind: org.UnitKind(q.Get("kind")), RegionID: orgParseID(q.Get("region"))}
	var buf bytes.Buffer
	if err := s.orgService().ExportUnits(r.Context(), &buf, f); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	today := org.Today(s.Clock)
	sendXLSX(w, "units-"+today+".xlsx", "单位名录-"+today+".xlsx", &buf)
}

// ---- unit form: GET /org/units/new, POST /org/units, GET/POST /org/units/{id} ----

type unitPage struct {
	Base
	Unit    *org.Unit // nil when registering a new one
	Form    org.UnitInput
	Aliases string // as typed: one per line
	CanEdit bool
	Kinds   []orgChoice
	Regions []orgChoice
}

// splitAliases accepts one alias per line, or separated by 、 , ，
func splitAliases(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '、' || r == ',' || r == '，' })
}

func unitForm(r *http.Request) org.UnitInput {
	return org.UnitInput{RegionID: formInt(r, "region_id"), Name: r.PostFormValue("name"), ShortName: r.PostFormValue("short_name"),
		Kind: org.UnitKind(r.PostFormValue("kind")), Aliases: splitAliases(r.PostFormValue("aliases")), Version: formInt(r, "version")}
}

func (s *Server) fillUnitChoices(w http.ResponseWriter, r *http.Request, p *unitPage) bool {
	p.Kinds = unitKindChoices(p.Form.Kind, "请选择类别")
	if !p.CanEdit {
		return true
	}
	regions, err := s.orgService().WritableRegions(r.Context())
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return false
	}
	p.Regions = regionChoices(regions, p.Form.RegionID, "请选择行政区划")
	return true
}

func (s *Server) showUnitNewPage(w http.ResponseWriter, r *http.Request) {
	p := &unitPage{Base: s.base(r, "登记单位"), CanEdit: true}
	if !s.fillUnitChoices(w, r, p) {
		return
	}
	s.render(w, r, http.StatusOK, "org/unit", p)
}

func (s *Server) createUnit(w http.ResponseWriter, r *http.Request) {
	p := &unitPage{Base: s.base(r, "登记单位"), CanEdit: true, Form: unitForm(r), Aliases: r.PostFormValue("aliases")}
	u, err := s.orgService().CreateUnit(r.Context(), p.Form)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/org/units/%d?flash=created", u.ID), http.StatusSeeOther)
		return
	}
	if !s.formFailed(w, r, &p.Base, err) || !s.fillUnitChoices(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "org/unit", p)
}

func (s *Server) showUnit(w http.ResponseWriter, r *http.Request) { s.unitEdit(w, r, false) }

func (s *Server) saveUnit(w http.ResponseWriter, r *http.Request) { s.unitEdit(w, r, true) }

func (s *Server) unitEdit(w http.ResponseWriter, r *http.Request, save bool) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	ctx := r.Context()
	svc := s.orgService()
	u, err := svc.GetUnit(ctx, id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &unitPage{Base: s.base(r, u.Name), Unit: u, CanEdit: svc.CanEditUnit(ctx, u),
		Form:    org.UnitInput{RegionID: u.RegionID, Name: u.Name, ShortName: u.ShortName, Kind: u.Kind, Aliases: u.Aliases, Version: u.Version},
		Aliases: strings.Join(u.Aliases, "\n")}
	if save {
		p.Form, p.Aliases = unitForm(r), r.PostFormValue("aliases")
		if _, err = svc.UpdateUnit(ctx, id, p.Form); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/org/units/%d?flash=saved", id), http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	if !s.fillUnitChoices(w, r, p) {
		return
	}
	s.renderForm(w, r, err, "org/unit", p)
}

// ---- GET /org/regions, POST /org/regions ----

type regionRow struct {
	region.Region
	Indent bool
	Deep   bool
}

type regionsPage struct {
	Base
	Regions []regionRow
	// The office's form for a new region under one of its regions.
	CanAdd  bool
	Form    region.Region
	Levels  []orgChoice
	Parents []orgChoice
}

func (s *Server) showRegions(w http.ResponseWriter, r *http.Request) { s.regions(w, r, false) }

func (s *Server) createRegion(w http.ResponseWriter, r *http.Request) { s.regions(w, r, true) }

func (s *Server) regions(w http.ResponseWriter, r *http.Request, save bool) {
	ctx := r.Context()
	svc := s.orgService()
	p := &regionsPage{Base: s.base(r, "行政区划"), Form: region.Region{Level: region.County}}
	var err error
	if save {
		p.Form = region.Region{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"),
			Level: region.Level(r.PostFormValue("level")), ParentID: formInt(r, "parent_id")}
		if _, err = svc.CreateRegion(ctx, p.Form); err == nil {
			http.Redirect(w, r, "/org/regions?flash=created", http.StatusSeeOther)
			return
		}
		if !s.formFailed(w, r, &p.Base, err) {
			return
		}
	}
	rs, lerr := svc.ListRegions(ctx)
	if lerr != nil {
		s.Guard.Error(w, r, 0, lerr)
		return
	}
	for _, x := range rs {
		p.Regions = append(p.Regions, regionRow{Region: x, Indent: x.Level != region.Province, Deep: x.Level == region.County})
	}
	writable, werr := svc.WritableRegions(ctx)
	if werr != nil {
		s.Guard.Error(w, r, 0, werr)
		return
	}
	if p.CanAdd = len(writable) > 0; p.CanAdd {
		p.Parents = regionChoices(writable, p.Form.ParentID, "请选择上级行政区划")
		for _, l := range region.Levels[1:] {
			p.Levels = append(p.Levels, orgChoice{Value: string(l), Label: l.Label(), Selected: l == p.Form.Level})
		}
	}
	s.renderForm(w, r, err, "org/regions", p)
}
