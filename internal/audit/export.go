package audit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/xlsx"
)

// MaxExportRows caps one export. A larger selection is refused with a
// request to narrow it rather than cut short without saying so.
const MaxExportRows = 50000

// exportHeaders are the columns of an export, in order.
var exportHeaders = []string{"编号", "时间（北京时间）", "操作人账号", "操作人姓名", "角色", "所在单位编号",
	"IP地址", "请求编号", "操作", "操作代码", "对象类型", "对象编号", "结果", "变更前", "变更后", "说明", "哈希"}

// Export writes the rows f selects (all pages, in f's order) to w as an XLSX
// workbook and audits the export as "audit.export". The workbook is built in
// memory first and written only after its audit record has committed: no
// copy of the log leaves without a trace (SECURITY.md C1, C3). It returns the
// number of rows exported.
func Export(ctx context.Context, d *db.DB, now time.Time, f Filter, w io.Writer) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	f.Page = core.Page{Limit: core.MaxPageSize}
	if f.UpTo == 0 {
		// Pin every page to the rows that exist now, so that rows written
		// during the export cannot shift a page and repeat a row.
		upTo, err := LastID(ctx, d.R())
		if err != nil {
			return 0, err
		}
		f.UpTo = upTo
	}
	first, total, err := Find(ctx, d.R(), f)
	if err != nil {
		return 0, err
	}
	if total > MaxExportRows {
		return 0, &core.Error{Code: core.ETOOLARGE, Field: "from", Message: fmt.Sprintf(
			"符合条件的记录有%d条，超过单次导出上限%d条，请缩小日期范围或增加筛选条件后分批导出", total, MaxExportRows)}
	}
	rows := make([][]any, 0, total)
	for es := first; ; {
		for i := range es {
			rows = append(rows, exportRow(&es[i]))
		}
		if len(es) < f.Page.Limit || len(rows) >= total {
			break
		}
		f.Page.Offset += f.Page.Limit
		if es, err = findPage(ctx, d.R(), f); err != nil {
			return 0, err
		}
	}
	var buf bytes.Buffer
	err = xlsx.Write(&buf, xlsx.Table{
		Sheet:   "审计日志",
		Title:   fmt.Sprintf("审计日志（导出时间 %s，共%d条）", FormatTime(now), len(rows)),
		Headers: exportHeaders,
		Rows:    rows,
		Widths:  []float64{8, 27, 14, 12, 14, 10, 16, 18, 16, 20, 12, 12, 8, 40, 40, 40, 20},
	})
	if err != nil {
		return 0, fmt.Errorf("audit: export: %w", err)
	}
	err = Log(ctx, d, now, Event{Action: "audit.export", ObjectType: "audit_log",
		Detail: fmt.Sprintf("%s; %d rows exported as XLSX", f.String(), len(rows))})
	if err != nil {
		return 0, err
	}
	if _, err := buf.WriteTo(w); err != nil {
		return 0, fmt.Errorf("audit: export: write: %w", err)
	}
	return len(rows), nil
}

func exportRow(e *Entry) []any {
	role := string(e.ActorRole)
	if n, ok := core.RoleNames[core.Role(e.ActorRole)]; ok {
		role = n
	}
	var unit any = ""
	if e.ActorUnitID != 0 {
		unit = e.ActorUnitID
	}
	outcome := OutcomeNames[e.Outcome]
	if outcome == "" {
		outcome = e.Outcome
	}
	return []any{e.ID, FormatTime(e.At), e.ActorName, e.ActorDisplayName, role, unit, e.IP, e.RequestID,
		ActionName(e.Action), e.Action, ObjectTypeName(e.ObjectType), e.ObjectID, outcome,
		e.BeforeJSON, e.AfterJSON, e.Detail, e.Hash}
}
