package demo

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"liandong/internal/datacall"
	"liandong/internal/db"
	"liandong/internal/report"
)

// Synthetic collecting for the scale data: progress reports on a share of
// the assignments for one quarter, and in every body one data call with
// its addressees' submissions. As with the plans, everything follows from
// ids (a hash of the item and unit, or of the call and addressee), so the
// same scale always gives the same rows; no files are written (the
// reports and submissions carry text and figures only).

// scaleReportPeriod is the quarter the synthetic reports are for; the
// plans run 2021–2025 quarterly, and the load test (scripts/load-deadline)
// reports on the last quarter, 2025-Q4, which these leave free.
const scaleReportPeriod = "2025-Q3"

// scaleReportShare is the percentage of assignments with a report, by
// scale: national scale keeps it small, to keep its load time bearable.
var scaleReportShare = map[string]int{"city": 55, "province": 55, "national": 10}

var (
	scaleNarratives = []string{
		"本季度按年度安排推进，已组织专题活动并完成阶段目标，群众参与积极。",
		"结合重点节点开展集中宣传，线上线下同步推进，覆盖面较上季度扩大。",
		"已制定实施细则并明确责任人，活动正在各基层点位陆续开展。",
		"受场地和经费安排影响，部分活动推迟至下季度，已调整工作计划。",
	}
	scaleProblems = []string{"", "基层活动经费偏紧。", "专业讲解人员不足，需协调科普志愿者。", ""}
	scaleReturn   = "请补充活动场次和参与人数的分项数字。"
)

// mix is a well-spread hash of two ids, for choices that must not follow
// the ids' order.
func mix(a, b int64) uint64 {
	x := uint64(a)*0x9E3779B97F4A7C15 ^ uint64(b)*0xC2B2AE3D27D4EB4F
	x ^= x >> 31
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 29
	return x
}

// activityRows collects one province's reports and calls.
type activityRows struct {
	reports, figures, revisions                 [][]any
	calls, items, addressees, submissions       [][]any
	nReports, nCalls, nAddressees, nSubmissions int
}

// quarterTimes are the moments of the reporting quarter: reports are
// written in its last weeks, submitted by the due date, reviewed after.
func quarterTimes() (written, due, reviewed int64) {
	d := time.Date(2025, 10, 10, 9, 0, 0, 0, chinaTime)
	return d.AddDate(0, 0, -20).Unix(), d.Unix(), d.AddDate(0, 0, 6).Unix()
}

// activity writes the reports on the province's assignments and a data
// call per body, in the province's transaction.
func (g *generator) activity(ctx context.Context, tx *sql.Tx, bodies []scaleBody, pr *planRows, unitNames map[int64]string) error {
	if len(bodies) == 0 {
		return nil
	}
	tables := []string{"reports", "report_figures", "report_revisions", "calls", "call_items", "call_addressees"}
	if g.engine == db.Postgres {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE reports, report_figures, report_revisions, calls, call_items,
			call_addressees IN EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	next := map[string]int64{}
	for _, t := range tables {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+t).Scan(&n); err != nil {
			return err
		}
		next[t] = n
	}
	id := func(t string) int64 { next[t]++; return next[t] }

	var a activityRows
	goals := map[int64]float64{} // item → its one target's value
	for _, t := range pr.targets {
		goals[t[0].(int64)] = t[5].(float64)
	}
	share := scaleReportShare[g.scale]
	written, due, reviewed := quarterTimes()
	for _, as := range pr.assignments {
		item, body, unit := as[0].(int64), as[1].(int64), as[2].(int64)
		h := mix(item, unit)
		if int(h%100) >= share {
			continue
		}
		// Of the reports: 45% accepted, 22% submitted, 8% returned, 25% drafts.
		var state report.State
		switch k := (h >> 8) % 100; {
		case k < 45:
			state = report.Accepted
		case k < 67:
			state = report.Submitted
		case k < 75:
			state = report.Returned
		default:
			state = report.Draft
		}
		progress := []report.Progress{report.OnTrack, report.OnTrack, report.Done, report.AtRisk}[(h>>16)%4]
		if state == report.Draft {
			progress = []report.Progress{report.NotStarted, report.OnTrack}[(h>>16)%2]
		}
		narrative := scaleNarratives[(h>>20)%uint64(len(scaleNarratives))]
		problems := scaleProblems[(h>>24)%uint64(len(scaleProblems))]
		rid := id("reports")
		created := written + int64((h>>28)%(10*86400))
		version, submitVersion, revision := int64(2), int64(0), int64(0)
		var submittedAt, reviewedAt int64
		reason := ""
		if state != report.Draft {
			submittedAt = due - int64((h>>32)%(5*86400))
			version, submitVersion, revision = 3, 2, 1
		}
		if state == report.Accepted || state == report.Returned {
			reviewedAt, version = reviewed+int64((h>>36)%86400), 4
		}
		if state == report.Returned {
			reason = scaleReturn
		}
		updated := max(created, submittedAt, reviewedAt)
		a.reports = append(a.reports, []any{rid, body, item, unit, scaleReportPeriod, string(report.UnitReport), string(state),
			string(progress), narrative, problems, reason, version, submitVersion, revision, submittedAt, reviewedAt, created, updated})
		snap := report.DraftInput{Version: submitVersion, Progress: progress, Narrative: narrative, Problems: problems,
			Figures: []report.FigureInput{}, Photos: []report.FileInput{}, Attachments: []report.FileInput{}}
		if goal, ok := goals[item]; ok && (state != report.Draft || h%2 == 0) {
			v := float64(int64(goal * (0.5 + float64((h>>40)%80)/100)))
			a.figures = append(a.figures, []any{rid, int64(1), v, ""})
			snap.Figures = append(snap.Figures, report.FigureInput{Seq: 1, Value: &v})
		}
		if state != report.Draft {
			b, err := json.Marshal(snap)
			if err != nil {
				return err
			}
			a.revisions = append(a.revisions, []any{id("report_revisions"), rid, "submitted", int64(1), string(b), "联络员", submittedAt})
		}
	}
	a.nReports = len(a.reports)

	children := map[int64][]scaleBody{}
	for _, b := range bodies {
		if b.parent != 0 {
			children[b.parent] = append(children[b.parent], b)
		}
	}
	for _, b := range bodies {
		g.scaleCall(&a, id, b, children[b.id], unitNames)
	}

	for _, t := range []struct {
		table, cols string
		rows        [][]any
	}{
		{"reports", "id, body_id, item_id, unit_id, period, kind, state, progress, narrative, problems, return_reason, " +
			"version, submit_version, revision, submitted_at, reviewed_at, created_at, updated_at", a.reports},
		{"report_figures", "report_id, seq, value, note", a.figures},
		{"report_revisions", "id, report_id, kind, revision, snapshot, user_name, created_at", a.revisions},
		{"calls", "id, body_id, title, notice_number, notice_title, instructions, deadline, late_allowed, contact_name, " +
			"contact_phone, contact_email, reminders, status, opened_at, closed_at, version, created_at, updated_at", a.calls},
		{"call_items", "id, call_id, seq, kind, label, hint, required, min_count, max_count, jpeg_only, caption_required, fields_json", a.items},
		{"call_addressees", "id, call_id, akey, kind, body_id, unit_id, name, seq", a.addressees},
		{"call_submissions", "call_id, addressee_id, status, revision, late, answers_json, token, submitted_at, reviewed_at, " +
			"return_reason, version, created_at, updated_at", a.submissions},
	} {
		if err := insertMany(ctx, tx, t.table, t.cols, t.rows); err != nil {
			return fmt.Errorf("%s: %w", t.table, err)
		}
	}
	if g.engine == db.Postgres {
		// The identity sequences must move past the explicit ids.
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'),
				GREATEST((SELECT MAX(id) FROM `+t+`), 1))`); err != nil {
				return err
			}
		}
	}
	g.stats.Reports += a.nReports
	g.stats.Calls += a.nCalls
	g.stats.Submissions += a.nSubmissions
	return nil
}

// scaleFields are the form fields of the synthetic call.
var scaleFields = []datacall.Field{
	{Key: "events", Label: "开展科普活动（场次）", Type: datacall.Integer, Required: true},
	{Key: "people", Label: "参与人数（人次）", Type: datacall.Integer, Required: true},
	{Key: "funds", Label: "科普经费投入（万元）", Type: datacall.Number},
}

// scaleCall writes body b's call for the year's figures, closed after its
// deadline, addressed to its member units and the offices of the bodies
// below, with their submissions: 45% accepted, 25% submitted (one in five
// of them late), 5% returned, 10% drafts, 15% nothing.
func (g *generator) scaleCall(a *activityRows, id func(string) int64, b scaleBody, below []scaleBody, unitNames map[int64]string) {
	deadline := time.Date(2025, 12, 10, 23, 59, 59, 0, chinaTime).Unix()
	opened := time.Date(2025, 11, 25, 9, 0, 0, 0, chinaTime).Unix()
	closed := time.Date(2025, 12, 20, 9, 0, 0, 0, chinaTime).Unix()
	call := id("calls")
	a.calls = append(a.calls, []any{call, b.id, "报送2025年全民科学素质工作统计数据", b.name + "全科组办发〔2025〕9号",
		"关于报送2025年全民科学素质工作统计数据的通知", "请如实填报全年数字，并附一至三张活动图片（可不附）。", deadline, false,
		personName(int(b.id) * 13), phone(int(b.region%1000), int(b.id)), email(fmt.Sprintf("office%d", b.id)), "-3d, -1d",
		string(datacall.Closed), opened, closed, int64(3), opened - 86400, closed})
	a.nCalls++
	fields, _ := json.Marshal(scaleFields)
	form := id("call_items")
	a.items = append(a.items,
		[]any{form, call, int64(1), string(datacall.Form), "年度统计数据", "", true, 0, 0, false, false, string(fields)},
		[]any{id("call_items"), call, int64(2), string(datacall.Photos), "活动图片", "", false, 0, 3, false, true, ""})
	seq := 0
	add := func(akey, kind string, body int64, unit any, name string) {
		seq++
		ad := id("call_addressees")
		a.addressees = append(a.addressees, []any{ad, call, akey, kind, body, unit, name, seq})
		a.nAddressees++
		h := mix(call, ad)
		var st datacall.SubStatus
		switch k := h % 100; {
		case k < 15:
			return
		case k < 25:
			st = datacall.SubDraft
		case k < 30:
			st = datacall.Returned
		case k < 55:
			st = datacall.Submitted
		default:
			st = datacall.Accepted
		}
		events := 5 + int64((h>>8)%60)
		answers, _ := json.Marshal(map[string]map[string]string{strconv.FormatInt(form, 10): {
			"events": strconv.FormatInt(events, 10), "people": strconv.FormatInt(events*(40+int64((h>>16)%200)), 10),
			"funds": strconv.FormatFloat(float64((h>>24)%5000)/100, 'f', -1, 64)}})
		late := st == datacall.Submitted && (h>>32)%5 == 0
		submitted, reviewedAt, revision, version := int64(0), int64(0), int64(0), int64(2)
		reason := ""
		if st != datacall.SubDraft {
			submitted, revision, version = deadline-int64((h>>40)%(10*86400)), 1, 3
			if late {
				submitted = deadline + int64((h>>40)%(5*86400))
			}
		}
		if st == datacall.Accepted || st == datacall.Returned {
			reviewedAt, version = submitted+86400, 4
		}
		if st == datacall.Returned {
			reason = "经费数字与财务口径不一致，请核实后重新报送。"
		}
		a.submissions = append(a.submissions, []any{call, ad, string(st), revision, late, string(answers), "",
			submitted, reviewedAt, reason, version, opened + int64((h>>48)%86400), max(submitted, reviewedAt, opened)})
		a.nSubmissions++
	}
	for u := b.firstUnit; u < b.firstUnit+int64(b.units); u++ {
		add("u:"+strconv.FormatInt(u, 10), datacall.ToUnit, b.id, u, unitNames[u])
	}
	for _, c := range below {
		add("o:"+strconv.FormatInt(c.id, 10), datacall.ToOffice, c.id, nil, c.name+"全民科学素质工作领导小组办公室")
	}
}
