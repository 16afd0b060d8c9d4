package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/plan"
)

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const staleMessage = "报告已被他人修改"

const reportSelect = `SELECT r.id, r.body_id, b.name, r.item_id, i.title, i.path, i.plan_id, p.title, r.unit_id, u.name,
	r.period, r.kind, r.state, r.progress, r.narrative, r.problems, r.return_reason, r.version, r.submit_version,
	r.revision, COALESCE(r.submitted_by, 0), r.submitted_at, r.reviewed_at, r.updated_at
	FROM reports r JOIN bodies b ON b.id = r.body_id JOIN plan_items i ON i.id = r.item_id
	JOIN plans p ON p.id = i.plan_id JOIN units u ON u.id = r.unit_id`

func scanReport(row db.Scanner) (*Report, error) {
	var r Report
	err := row.Scan(&r.ID, &r.BodyID, &r.BodyName, &r.ItemID, &r.ItemTitle, &r.ItemPath, &r.PlanID, &r.PlanTitle,
		&r.UnitID, &r.UnitName, &r.Period, &r.Kind, &r.State, &r.Progress, &r.Narrative, &r.Problems, &r.ReturnReason,
		&r.Version, &r.submitVersion, &r.Revision, &r.SubmittedBy, &r.SubmittedAt, &r.ReviewedAt, &r.UpdatedAt)
	if err != nil {
		return nil, err
	}
	r.PeriodLabel = LabelOf(r.Period)
	return &r, nil
}

// findReport reads report id with its figures (one per target of the
// task, reported or not) and files.
func findReport(ctx context.Context, q db.Querier, id int64) (*Report, error) {
	r, err := scanReport(q.QueryRowContext(ctx, reportSelect+` WHERE r.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("报告")
	}
	if err != nil {
		return nil, fmt.Errorf("report: find: %w", err)
	}
	if r.Figures, err = findFigures(ctx, q, r.ItemID, r.ID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT rf.role, rf.file_id, f.name, rf.caption, f.size, f.thumb_key
		FROM report_files rf JOIN files f ON f.id = rf.file_id WHERE rf.report_id = $1 ORDER BY rf.seq, rf.id`, id)
	if err != nil {
		return nil, fmt.Errorf("report: files: %w", err)
	}
	defer rows.Close()
	r.Photos, r.Attachments = []Attach{}, []Attach{}
	for rows.Next() {
		var role, thumb string
		var a Attach
		if err := rows.Scan(&role, &a.FileID, &a.Name, &a.Caption, &a.Size, &thumb); err != nil {
			return nil, fmt.Errorf("report: files: %w", err)
		}
		a.HasThumb = thumb != ""
		if role == "photo" {
			r.Photos = append(r.Photos, a)
		} else {
			r.Attachments = append(r.Attachments, a)
		}
	}
	return r, rows.Err()
}

// findFigures reads the targets of item, in order, with report's figure
// against each (report 0: the targets alone). A figure's Seq is its
// target's position in the task, from 1: target rows are renumbered when
// a task is edited, positions are what the user saw.
func findFigures(ctx context.Context, q db.Querier, itemID, reportID int64) ([]Figure, error) {
	rows, err := q.QueryContext(ctx, `SELECT text, value, unit FROM plan_targets WHERE item_id = $1 ORDER BY seq, id`, itemID)
	if err != nil {
		return nil, fmt.Errorf("report: targets: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Scanner) (*Figure, error) {
		var f Figure
		return &f, r.Scan(&f.Target, &f.Goal, &f.Unit)
	})
	if err != nil {
		return nil, fmt.Errorf("report: targets: %w", err)
	}
	if out == nil {
		out = []Figure{}
	}
	for i := range out {
		out[i].Seq = int64(i + 1)
	}
	if reportID == 0 {
		return out, nil
	}
	rows, err = q.QueryContext(ctx, `SELECT seq, value, note FROM report_figures WHERE report_id = $1`, reportID)
	if err != nil {
		return nil, fmt.Errorf("report: figures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var v sql.NullFloat64
		var note string
		if err := rows.Scan(&seq, &v, &note); err != nil {
			return nil, fmt.Errorf("report: figures: %w", err)
		}
		if seq < 1 || int(seq) > len(out) {
			continue // a target removed from the task since
		}
		if v.Valid {
			x := v.Float64
			out[seq-1].Value = &x
		}
		out[seq-1].Note = note
	}
	return out, rows.Err()
}

// findReportID returns the id of the report with key k, 0 if none.
func findReportID(ctx context.Context, q db.Querier, k Key) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM reports WHERE body_id = $1 AND item_id = $2 AND unit_id = $3
		AND period = $4 AND kind = $5`, k.BodyID, k.ItemID, k.UnitID, k.Period, string(k.Kind)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("report: find by key: %w", err)
	}
	return id, nil
}

// insertReport creates the draft of key k unless it exists (two users
// starting the same report at once get the same row) and reports whether
// it was created.
func insertReport(ctx context.Context, q db.Querier, now time.Time, by int64, k Key) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO reports (body_id, item_id, unit_id, period, kind, created_by, updated_by,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $7)
		ON CONFLICT (body_id, item_id, unit_id, period, kind) DO NOTHING`,
		k.BodyID, k.ItemID, k.UnitID, k.Period, string(k.Kind), nullID(by), now.Unix())
	if err != nil {
		return false, fmt.Errorf("report: insert: %w", db.Normalize(err))
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// updateFields writes a draft's fields if the report is still at version;
// the caller has checked its state.
func updateFields(ctx context.Context, q db.Querier, now time.Time, by, id, version int64, in *DraftInput) error {
	res, err := q.ExecContext(ctx, `UPDATE reports SET progress = $1, narrative = $2, problems = $3, updated_by = $4,
		updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7`,
		string(in.Progress), in.Narrative, in.Problems, nullID(by), now.Unix(), id, version)
	if err != nil {
		return fmt.Errorf("report: update: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return core.Errorf(core.ECONFLICT, "%s，请刷新后再改", staleMessage)
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM report_figures WHERE report_id = $1`, id); err != nil {
		return fmt.Errorf("report: figures: %w", err)
	}
	for _, f := range in.Figures {
		if f.Value == nil && f.Note == "" {
			continue
		}
		// A note without a number explains a figure not yet known: it is
		// kept, and the roll-up counts it as nothing.
		var v any
		if f.Value != nil {
			v = *f.Value
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO report_figures (report_id, seq, value, note) VALUES ($1, $2, $3, $4)`,
			id, f.Seq, v, f.Note); err != nil {
			return fmt.Errorf("report: figures: %w", db.Normalize(err))
		}
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM report_files WHERE report_id = $1`, id); err != nil {
		return fmt.Errorf("report: files: %w", err)
	}
	seq := 0
	add := func(role string, f FileInput) error {
		seq++
		_, err := q.ExecContext(ctx, `INSERT INTO report_files (report_id, file_id, role, caption, seq) VALUES ($1, $2, $3, $4, $5)`,
			id, f.FileID, role, f.Caption, seq)
		if err != nil {
			return fmt.Errorf("report: files: %w", db.Normalize(err))
		}
		return nil
	}
	for _, f := range in.Photos {
		if err := add("photo", f); err != nil {
			return err
		}
	}
	for _, f := range in.Attachments {
		if err := add("attachment", f); err != nil {
			return err
		}
	}
	return nil
}

// setState moves a report from one state to another at version. Submitted
// sets the submitter, the revision number and basedOn, the version the
// user's submission started from (how a replay is recognised); reviewed states the
// reviewer; the reason is kept until the next submission.
func setState(ctx context.Context, q db.Querier, now time.Time, by, id, version int64, from, to State, reason string, basedOn int64) error {
	var res sql.Result
	var err error
	switch to {
	case Submitted:
		res, err = q.ExecContext(ctx, `UPDATE reports SET state = 'submitted', submit_version = $6, revision = revision + 1,
			submitted_by = $1, submitted_at = $2, updated_at = $2, version = version + 1
			WHERE id = $3 AND version = $4 AND state = $5`, nullID(by), now.Unix(), id, version, string(from), basedOn)
	default:
		res, err = q.ExecContext(ctx, `UPDATE reports SET state = $1, return_reason = $2, reviewed_by = $3, reviewed_at = $4,
			updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6 AND state = $7`,
			string(to), reason, nullID(by), now.Unix(), id, version, string(from))
	}
	if err != nil {
		return fmt.Errorf("report: state: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return core.Errorf(core.ECONFLICT, "%s，请刷新后再操作", staleMessage)
	}
	return nil
}

func insertRevision(ctx context.Context, q db.Querier, now time.Time, a *core.Actor, id int64, kind string, rev int64, in DraftInput) (int64, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	var rid int64
	err = q.QueryRowContext(ctx, `INSERT INTO report_revisions (report_id, kind, revision, snapshot, user_id, user_name, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, id, kind, rev, string(b), nullID(a.UserID), name, now.Unix()).Scan(&rid)
	if err != nil {
		return 0, fmt.Errorf("report: revision: %w", db.Normalize(err))
	}
	return rid, nil
}

func scanRevision(r db.Scanner) (*Revision, error) {
	var v Revision
	var snap string
	if err := r.Scan(&v.ID, &v.ReportID, &v.Kind, &v.Revision, &snap, &v.userID, &v.UserName, &v.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(snap), &v.Input); err != nil {
		return nil, fmt.Errorf("report: revision %d: %w", v.ID, err)
	}
	return &v, nil
}

const revisionSelect = `SELECT id, report_id, kind, revision, snapshot, COALESCE(user_id, 0), user_name, created_at FROM report_revisions`

func findRevisions(ctx context.Context, q db.Querier, reportID int64) ([]Revision, error) {
	rows, err := q.QueryContext(ctx, revisionSelect+` WHERE report_id = $1 ORDER BY id`, reportID)
	if err != nil {
		return nil, fmt.Errorf("report: revisions: %w", err)
	}
	out, err := db.Collect(rows, scanRevision)
	if err != nil {
		return nil, fmt.Errorf("report: revisions: %w", err)
	}
	return out, nil
}

// lastSubmission is the id of the report's latest submitted revision.
func lastSubmission(ctx context.Context, q db.Querier, reportID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM report_revisions WHERE report_id = $1 AND kind = 'submitted'`,
		reportID).Scan(&id)
	return id, err
}

// roles returns the roles unit has on item in body ("lead", "responsible").
func roles(ctx context.Context, q db.Querier, itemID, bodyID, unitID int64) (lead, responsible bool, err error) {
	rows, err := q.QueryContext(ctx, `SELECT role FROM assignments WHERE item_id = $1 AND body_id = $2 AND unit_id = $3`,
		itemID, bodyID, unitID)
	if err != nil {
		return false, false, fmt.Errorf("report: roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return false, false, err
		}
		lead = lead || r == "lead"
		responsible = responsible || r == "responsible"
	}
	return lead, responsible, rows.Err()
}

// fileOwner describes an uploaded file for the attach check.
type fileOwner struct {
	kind      string
	createdBy int64
	elsewhere bool // held by another report
	here      bool // already held by this report
}

func findFileOwner(ctx context.Context, q db.Querier, fileID, reportID int64) (*fileOwner, error) {
	var o fileOwner
	err := q.QueryRowContext(ctx, `SELECT f.kind, COALESCE(f.created_by, 0),
		EXISTS (SELECT 1 FROM report_files x WHERE x.file_id = f.id AND x.report_id <> $2),
		EXISTS (SELECT 1 FROM report_files x WHERE x.file_id = f.id AND x.report_id = $2)
		FROM files f WHERE f.id = $1`, fileID, reportID).Scan(&o.kind, &o.createdBy, &o.elsewhere, &o.here)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: file: %w", err)
	}
	return &o, nil
}

// holdsFile reports whether report id holds file fileID.
func holdsFile(ctx context.Context, q db.Querier, reportID, fileID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_files WHERE report_id = $1 AND file_id = $2`, reportID, fileID).Scan(&n)
	return n > 0, err
}

// unitStates reads the state of every report of unit, in all its bodies,
// in one query (the unit's list of tasks needs them all).
func unitStates(ctx context.Context, q db.Querier, unitID int64) (map[stateKey]stateRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, body_id, item_id, period, kind, state, progress FROM reports
		WHERE unit_id = $1`, unitID)
	if err != nil {
		return nil, fmt.Errorf("report: unit states: %w", err)
	}
	defer rows.Close()
	out := map[stateKey]stateRow{}
	for rows.Next() {
		var k stateKey
		var x stateRow
		if err := rows.Scan(&x.id, &k.body, &k.item, &k.period, &k.kind, &x.state, &x.progress); err != nil {
			return nil, fmt.Errorf("report: unit states: %w", err)
		}
		out[k] = x
	}
	return out, rows.Err()
}

// unitPlans reads, in one query, the plans in which unit carries a task
// (in any body), with what the list of its tasks shows of them: title,
// cadence and years. The rest of plan.Plan is left zero.
func unitPlans(ctx context.Context, q db.Querier, unitID int64) (map[int64]*plan.Plan, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.title, p.cadence, p.year_from, p.year_to FROM plans p
		WHERE p.id IN (SELECT i.plan_id FROM assignments a JOIN plan_items i ON i.id = a.item_id WHERE a.unit_id = $1)`, unitID)
	if err != nil {
		return nil, fmt.Errorf("report: unit plans: %w", err)
	}
	defer rows.Close()
	out := map[int64]*plan.Plan{}
	for rows.Next() {
		var p plan.Plan
		if err := rows.Scan(&p.ID, &p.Title, &p.Cadence, &p.YearFrom, &p.YearTo); err != nil {
			return nil, fmt.Errorf("report: unit plans: %w", err)
		}
		out[p.ID] = &p
	}
	return out, rows.Err()
}
