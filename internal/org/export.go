package org

import (
	"context"
	"fmt"
	"io"
	"strings"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/xlsx"
)

// ExportRoster writes the body's roster as it stood on asOf to w as an
// XLSX workbook. The export of personal data is audited before the first
// byte is written (SECURITY.md C1, H2).
func (s *Service) ExportRoster(ctx context.Context, w io.Writer, bodyID int64, asOf string) error {
	r, err := s.Roster(ctx, bodyID, asOf)
	if err != nil {
		return err
	}
	if err := audit.Log(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "export.roster", ObjectType: "body",
		ObjectID: bodyID, Detail: "as of " + r.AsOf}); err != nil {
		return err
	}
	return xlsx.Write(w, RosterTable(r))
}

// RosterTable lays the roster out as one sheet: one row per seat in roster
// order, then the office.
func RosterTable(r *Roster) xlsx.Table {
	t := xlsx.Table{
		Sheet:   "成员名单",
		Title:   fmt.Sprintf("%s成员名单（%s）", r.Body.Name, r.AsOf),
		Headers: []string{"序号", "职务", "姓名", "单位及职务", "所在单位", "任职日期"},
	}
	for i, m := range r.Seats() {
		t.Rows = append(t.Rows, []any{i + 1, m.Role.Label(r.Body.Kind), m.PersonName, m.Position, m.UnitName, m.TermStart})
	}
	if office := r.Body.Office(); office != "" {
		t.Rows = append(t.Rows, []any{"", "办公室设在", office, "", r.Body.OfficeUnitName, ""})
	}
	return t
}

// ExportLiaisons writes the body's liaison list to w as an XLSX workbook,
// masked for the actor exactly as on screen, and audits the export.
func (s *Service) ExportLiaisons(ctx context.Context, w io.Writer, bodyID int64) error {
	b, err := s.GetBody(ctx, bodyID)
	if err != nil {
		return err
	}
	ls, err := s.ListLiaisons(ctx, bodyID)
	if err != nil {
		return err
	}
	if err := audit.Log(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "export.liaisons", ObjectType: "body",
		ObjectID: bodyID, Detail: fmt.Sprintf("%d entries", len(ls))}); err != nil {
		return err
	}
	return xlsx.Write(w, LiaisonTable(b, ls, Today(s.Clock)))
}

// LiaisonTable lays a liaison list out as one sheet.
func LiaisonTable(b *Body, ls []Liaison, today string) xlsx.Table {
	t := xlsx.Table{
		Sheet:   "联络员名单",
		Title:   fmt.Sprintf("%s成员单位联络员名单（%s）", b.Name, today),
		Headers: []string{"序号", "成员单位", "姓名", "职务", "联系电话", "电子邮箱", "状态"},
	}
	for i, l := range ls {
		state := "在任"
		if !l.Active {
			state = "已停用"
		}
		t.Rows = append(t.Rows, []any{i + 1, l.UnitName, l.Name, l.Post, l.Phone, l.Email, state})
	}
	return t
}

// MaxUnitExport caps one export of the units registry.
const MaxUnitExport = 10000

// ExportUnits writes every unit f selects (its Page is ignored) to w as an
// XLSX workbook: what the filtered list shows, all pages. More than
// MaxUnitExport units is refused with a request to narrow the filter.
func (s *Service) ExportUnits(ctx context.Context, w io.Writer, f UnitFilter) error {
	f.Page = core.Page{Limit: core.MaxPageSize}
	first, total, err := s.ListUnits(ctx, f)
	if err != nil {
		return err
	}
	if total > MaxUnitExport {
		return core.Invalid("q", fmt.Sprintf("符合条件的单位有%d个，超过一次最多导出的%d个，请缩小筛选范围后再导出", total, MaxUnitExport))
	}
	units := first
	for f.Page.Offset = len(first); f.Page.Offset < total && len(units) < total; f.Page.Offset += core.MaxPageSize {
		more, _, err := s.ListUnits(ctx, f)
		if err != nil {
			return err
		}
		if len(more) == 0 {
			break
		}
		units = append(units, more...)
	}
	if err := audit.Log(ctx, s.DB, s.Clock.Now(), audit.Event{Action: "export.units", ObjectType: "unit",
		Detail: fmt.Sprintf("%d units; query %q kind %q region %d", len(units), f.Query, f.Kind, f.RegionID)}); err != nil {
		return err
	}
	return xlsx.Write(w, UnitTable(units, Today(s.Clock)))
}

// UnitTable lays units out as one sheet.
func UnitTable(units []Unit, today string) xlsx.Table {
	t := xlsx.Table{
		Sheet:   "单位名录",
		Title:   fmt.Sprintf("单位名录（%s）", today),
		Headers: []string{"序号", "单位名称", "简称", "别名", "类别", "行政区划"},
	}
	for i, u := range units {
		t.Rows = append(t.Rows, []any{i + 1, u.Name, u.ShortName, strings.Join(u.Aliases, "、"), u.Kind.Label(), u.RegionName})
	}
	return t
}
