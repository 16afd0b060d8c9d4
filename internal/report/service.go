package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/notify"
	"liandong/internal/plan"
)

// Service runs the progress reports' use cases for the pages and the API.
// Every method takes the actor from ctx and enforces its scope (B3):
//
//   - a liaison reads and writes its own unit's reports in its bodies, and
//     reads and reviews the unit reports of the tasks its unit leads;
//   - office staff read every report of their bodies and review them, and
//     read the reports of the bodies below theirs; they write the reports
//     of their own unit (the office's unit is often a member unit too);
//   - leaders read the reports of their bodies;
//   - the three administrators see none.
//
// A report outside the actor's scope answers ENOTFOUND like a missing one,
// and the refusal is audited. The workflow (B5) is draft → submitted →
// accepted, or submitted → returned → submitted again; an illegal step is
// ECONFLICT and a step the actor's role may not take EFORBIDDEN, and
// neither changes anything. Nobody reviews a report they submitted.
type Service struct {
	DB     *db.DB
	Clock  core.Clock
	Files  *file.Service
	Notify *notify.Service
}

var (
	denied    = audit.OutOfScope
	forbidden = audit.Refused
)

// Conflict is carried (errors.As) by the ECONFLICT a draft save answers
// when the report changed since the user's version, or was locked by a
// submission meanwhile: the text that lost is kept as revision RevisionID
// for its author to take back (SECURITY.md I3).
type Conflict struct{ RevisionID int64 }

func (c *Conflict) Error() string {
	return "report: stale save kept as revision " + strconv.FormatInt(c.RevisionID, 10)
}

// read runs a read-only use case and audits a scope refusal.
func (s *Service) read(ctx context.Context, fn func(a *core.Actor, q db.Querier) error) error {
	return audit.ReadAs(ctx, s.DB, s.Clock, fn)
}

// change runs fn in one write transaction and audits a scope refusal.
func (s *Service) change(ctx context.Context, fn func(a *core.Actor, tx *sql.Tx, now time.Time) error) error {
	return audit.ChangeAs(ctx, s.DB, s.Clock, fn)
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, now time.Time, ev audit.Event) error {
	return audit.Record(ctx, tx, s.DB.Engine, now, ev)
}

// Access is what the actor may do with one report.
type Access struct {
	Read   bool `json:"read"`
	Write  bool `json:"write"`  // edit and submit (the unit's own report)
	Review bool `json:"review"` // accept or return (the office, or the task's lead unit)
	// Reviewer says why the actor reviews: "office" or "lead"; "" if not.
	Reviewer string `json:"reviewer,omitempty"`
}

// writer reports whether a acts for unit in body: its liaison, or office
// staff of the body whose own unit it is.
func writer(a *core.Actor, bodyID, unitID int64) bool {
	return a.UnitID != 0 && a.UnitID == unitID && a.InBody(bodyID) &&
		(a.Role == core.RoleLiaison || a.Role == core.RoleOffice)
}

// accessTo decides what a may do with r.
func accessTo(ctx context.Context, q db.Querier, a *core.Actor, r *Report) (Access, error) {
	var x Access
	if writer(a, r.BodyID, r.UnitID) {
		x.Read, x.Write = true, true
	}
	switch a.Role {
	case core.RoleOffice:
		if a.CanSee(r.BodyID) {
			x.Read = true
		}
		if a.InBody(r.BodyID) {
			x.Review, x.Reviewer = true, "office"
		}
	case core.RoleLeader:
		if a.InBody(r.BodyID) {
			x.Read = true
		}
	case core.RoleLiaison:
		if r.Kind == UnitReport && a.UnitID != 0 && a.UnitID != r.UnitID && a.InBody(r.BodyID) {
			lead, _, err := roles(ctx, q, r.ItemID, r.BodyID, a.UnitID)
			if err != nil {
				return x, err
			}
			if lead {
				x.Read, x.Review, x.Reviewer = true, true, "lead"
			}
		}
	}
	// No self-approval: whoever submitted a report never reviews it, and a
	// unit never reviews its own report as the lead unit.
	if r.SubmittedBy == a.UserID || (x.Reviewer == "lead" && a.UnitID == r.UnitID) {
		x.Review, x.Reviewer = false, ""
	}
	return x, nil
}

// loadFor reads report id for op if a may read it.
func loadFor(ctx context.Context, q db.Querier, a *core.Actor, id int64, op string) (*Report, Access, error) {
	r, err := findReport(ctx, q, id)
	if err != nil {
		var ce *core.Error
		if errors.As(err, &ce) && ce.Code == core.ENOTFOUND {
			return nil, Access{}, denied("报告", "report", id, op)
		}
		return nil, Access{}, err
	}
	x, err := accessTo(ctx, q, a, r)
	if err != nil {
		return nil, x, err
	}
	if !x.Read {
		return nil, x, denied("报告", "report", id, op)
	}
	return r, x, nil
}

// Get reads report id with what the actor may do with it.
func (s *Service) Get(ctx context.Context, id int64) (*Report, Access, error) {
	var r *Report
	var x Access
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		r, x, err = loadFor(ctx, q, a, id, "report.get")
		return err
	})
	if r != nil {
		r.Due = s.due(ctx, r)
	}
	return r, x, err
}

// due is the report's due date by the rule in period.go.
func (s *Service) due(ctx context.Context, r *Report) string {
	p, err := plan.FindPlanByID(ctx, s.DB.R(), r.PlanID)
	if err != nil {
		return ""
	}
	per, err := ParsePeriod(p, r.Period, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return ""
	}
	return per.Due
}

// checkKey checks that key names a report the plan asks for: a published
// plan's task assigned to the unit in the body (as lead for a
// consolidated report), for one of its periods that has begun.
func checkKey(ctx context.Context, q db.Querier, k *Key, now time.Time) (*plan.Item, *plan.Plan, error) {
	it, err := plan.FindItemByID(ctx, q, k.ItemID)
	if err != nil {
		return nil, nil, denied("任务", "plan_item", k.ItemID, "report.start")
	}
	p, err := plan.FindPlanByID(ctx, q, it.PlanID)
	if err != nil || p.Status != plan.Published || it.Kind != plan.Task {
		return nil, nil, denied("任务", "plan_item", k.ItemID, "report.start")
	}
	lead, resp, err := roles(ctx, q, k.ItemID, k.BodyID, k.UnitID)
	if err != nil {
		return nil, nil, err
	}
	if k.Kind == "" {
		k.Kind = UnitReport
	}
	switch {
	case k.Kind != UnitReport && k.Kind != Consolidated:
		return nil, nil, core.Invalid("kind", "报告类别只能是单位报告或牵头单位汇总报告")
	case !lead && !resp:
		return nil, nil, denied("任务", "plan_item", k.ItemID, "report.start")
	case k.Kind == Consolidated && !lead:
		return nil, nil, forbidden("plan_item", k.ItemID, "report.start", "只有牵头单位可以填写汇总报告")
	}
	per, err := ParsePeriod(p, k.Period, now)
	if err != nil {
		return nil, nil, err
	}
	k.Period = per.Key
	return it, p, nil
}

// Start opens the report of key k for writing: it creates the draft if
// there is none yet, and answers the same report to every later call (a
// double click, a second user of the unit), so it is safe to repeat.
func (s *Service) Start(ctx context.Context, k Key) (*Report, bool, error) {
	var id int64
	var created bool
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		if _, _, err := checkKey(ctx, tx, &k, now); err != nil {
			return err
		}
		if !writer(a, k.BodyID, k.UnitID) {
			if a.CanSee(k.BodyID) && a.Role != core.RoleLiaison {
				return forbidden("plan_item", k.ItemID, "report.start", "只有该单位的联络员可以填写本单位的报告")
			}
			return denied("任务", "plan_item", k.ItemID, "report.start")
		}
		var err error
		if created, err = insertReport(ctx, tx, now, a.UserID, k); err != nil {
			return err
		}
		if id, err = findReportID(ctx, tx, k); err != nil {
			return err
		}
		if !created {
			return nil
		}
		return s.record(ctx, tx, now, audit.Event{Action: "report.create", ObjectType: "report", ObjectID: id, After: k})
	})
	if err != nil {
		return nil, false, err
	}
	r, _, err := s.Get(ctx, id)
	return r, created, err
}

// checkFiles checks that every file of in may be attached to report id:
// it exists, is a photo where a photo is asked for, and was uploaded by
// the actor or is already held by this report; a file held by another
// report, or another user's upload, is refused as if it did not exist.
func checkFiles(ctx context.Context, q db.Querier, a *core.Actor, reportID int64, in *DraftInput) error {
	var es core.Errors
	check := func(field string, f FileInput, photo bool) error {
		o, err := findFileOwner(ctx, q, f.FileID, reportID)
		if err != nil {
			return err
		}
		switch {
		case o == nil || o.elsewhere || (!o.here && o.createdBy != a.UserID):
			es.Add(field, "文件不存在或无权使用（编号 "+strconv.FormatInt(f.FileID, 10)+"）")
		case photo && o.kind != string(file.Photo):
			es.Add(field, "照片只能是JPG或PNG图片")
		}
		return nil
	}
	for _, f := range in.Photos {
		if err := check("photos", f, true); err != nil {
			return err
		}
	}
	for _, f := range in.Attachments {
		if err := check("attachments", f, false); err != nil {
			return err
		}
	}
	return es.Err()
}

// Save writes a draft (the page's autosave and its 保存 button). in.Version
// is the version the user's edit started from: if the report changed
// since, or was submitted meanwhile, nothing is overwritten — the save is
// kept as a conflict revision for its author and the answer is ECONFLICT
// carrying *Conflict (SECURITY.md I3).
func (s *Service) Save(ctx context.Context, id int64, in DraftInput) (*Report, error) {
	var conflict int64
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		r, x, err := loadFor(ctx, tx, a, id, "report.save")
		if err != nil {
			return err
		}
		if !x.Write {
			return forbidden("report", id, "report.save", "只有报告单位可以修改报告")
		}
		if err := in.Validate(len(r.Figures)); err != nil {
			return err
		}
		// Kept, not lost: a save that lost is committed as a revision of
		// its own, and the caller answers the conflict.
		keep := func() (err error) {
			if conflict, err = insertRevision(ctx, tx, now, a, id, "conflict", r.Revision, in); err != nil {
				return err
			}
			return s.record(ctx, tx, now, audit.Event{Action: "report.conflict", ObjectType: "report", ObjectID: id,
				Outcome: audit.Failure, Detail: "version " + strconv.FormatInt(in.Version, 10) + " against " + strconv.FormatInt(r.Version, 10)})
		}
		if !r.State.Editable() || r.Version != in.Version {
			return keep()
		}
		if err := checkFiles(ctx, tx, a, id, &in); err != nil {
			return err
		}
		if err := updateFields(ctx, tx, now, a.UserID, id, in.Version, &in); err != nil {
			if core.ErrorCode(err) == core.ECONFLICT {
				// Another save committed between the read and the update
				// (PostgreSQL re-checks the version under the row lock).
				return keep()
			}
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "report.save", ObjectType: "report", ObjectID: id,
			Before: map[string]any{"version": r.Version}, After: map[string]any{"version": r.Version + 1, "progress": in.Progress}})
	})
	if err == nil && conflict != 0 {
		err = conflictError(ctx, s, id, conflict)
	}
	if err != nil {
		return nil, err
	}
	r, _, err := s.Get(ctx, id)
	return r, err
}

func conflictError(ctx context.Context, s *Service, id, rev int64) error {
	msg := "报告已被他人修改或已提交，您这次的内容没有覆盖它，已另存为冲突稿，可在“修订记录”中找回"
	if r, _, err := s.Get(ctx, id); err == nil && !r.State.Editable() {
		msg = "报告已提交，已锁定；您这次的内容已另存为冲突稿，可在“修订记录”中找回"
	}
	return &core.Error{Code: core.ECONFLICT, Field: "version", Message: msg, Err: &Conflict{RevisionID: rev}}
}

// Submit submits report id for review, writing in first when it carries
// fields (the form's 提交 button saves and submits in one step). A
// submission replayed (the same version again: a double click, a resent
// form) answers the report as submitted, with no second revision and no
// second audit record.
func (s *Service) Submit(ctx context.Context, id int64, in DraftInput) (*Report, error) {
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		r, x, err := loadFor(ctx, tx, a, id, "report.submit")
		if err != nil {
			return err
		}
		if !x.Write {
			return forbidden("report", id, "report.submit", "只有报告单位可以提交报告")
		}
		if (r.State == Submitted || r.State == Accepted) && r.submitVersion == in.Version && in.Version > 0 {
			return nil // the same submission again
		}
		if !r.State.Editable() {
			return core.Errorf(core.ECONFLICT, "报告当前为“%s”，不能再次提交", r.State.Label())
		}
		if r.Version != in.Version {
			return core.Errorf(core.ECONFLICT, "%s，请刷新后再提交", staleMessage)
		}
		if err := in.Validate(len(r.Figures)); err != nil {
			return err
		}
		if err := validateSubmit(&in); err != nil {
			return err
		}
		if err := checkFiles(ctx, tx, a, id, &in); err != nil {
			return err
		}
		if err := updateFields(ctx, tx, now, a.UserID, id, in.Version, &in); err != nil {
			return err
		}
		if err := setState(ctx, tx, now, a.UserID, id, in.Version+1, r.State, Submitted, r.ReturnReason, in.Version); err != nil {
			return err
		}
		after, err := findReport(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := insertRevision(ctx, tx, now, a, id, "submitted", after.Revision, after.Input()); err != nil {
			return err
		}
		if err := s.notifySubmitted(ctx, tx, after); err != nil {
			return err
		}
		// The audit record comes last: on PostgreSQL it takes the audit
		// chain's lock, which every writing transaction queues on until
		// commit, so nothing else may run while it is held.
		return s.record(ctx, tx, now, audit.Event{Action: "report.submit", ObjectType: "report", ObjectID: id,
			Before: map[string]any{"state": r.State}, After: map[string]any{"state": Submitted, "revision": after.Revision}})
	})
	if err != nil {
		return nil, err
	}
	r, _, err := s.Get(ctx, id)
	return r, err
}

// Return sends a submitted report back to its unit with a reason.
func (s *Service) Return(ctx context.Context, id, version int64, reason string) (*Report, error) {
	return s.review(ctx, id, version, Returned, strings.TrimSpace(reason))
}

// Accept accepts a submitted report; it is final.
func (s *Service) Accept(ctx context.Context, id, version int64) (*Report, error) {
	return s.review(ctx, id, version, Accepted, "")
}

func (s *Service) review(ctx context.Context, id, version int64, to State, reason string) (*Report, error) {
	op := "report.accept"
	if to == Returned {
		op = "report.return"
	}
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		r, x, err := loadFor(ctx, tx, a, id, op)
		if err != nil {
			return err
		}
		if !x.Review {
			msg := "只有本机构办公室或该任务的牵头单位可以审核报告"
			if r.SubmittedBy == a.UserID {
				msg = "不能审核本人提交的报告"
			}
			return forbidden("report", id, op, msg)
		}
		if r.Kind == Consolidated && x.Reviewer != "office" {
			return forbidden("report", id, op, "牵头单位汇总报告由本机构办公室审核")
		}
		if r.State != Submitted {
			return core.Errorf(core.ECONFLICT, "报告当前为“%s”，只有已提交的报告可以采纳或退回", r.State.Label())
		}
		if to == Returned {
			var es core.Errors
			text(&es, "reason", "退回原因", reason, MaxReasonLen)
			if reason == "" {
				es.Add("reason", "请填写退回原因")
			}
			if err := es.Err(); err != nil {
				return err
			}
		}
		if r.Version != version {
			return core.Errorf(core.ECONFLICT, "%s，请刷新后再操作", staleMessage)
		}
		if err := setState(ctx, tx, now, a.UserID, id, version, Submitted, to, reason, 0); err != nil {
			return err
		}
		if err := s.notifyReviewed(ctx, tx, r, to, reason); err != nil {
			return err
		}
		// Last, as in Submit: the audit chain's lock is held until commit.
		return s.record(ctx, tx, now, audit.Event{Action: op, ObjectType: "report", ObjectID: id,
			Before: map[string]any{"state": r.State}, After: map[string]any{"state": to, "reason": reason}})
	})
	if err != nil {
		return nil, err
	}
	r, _, err := s.Get(ctx, id)
	return r, err
}

// notifySubmitted tells the reviewers: the body's office, and for a
// responsible unit's report the task's lead units.
func (s *Service) notifySubmitted(ctx context.Context, tx *sql.Tx, r *Report) error {
	if s.Notify == nil {
		return nil
	}
	to := notify.Recipients{Offices: []int64{r.BodyID}}
	if r.Kind == UnitReport {
		rows, err := tx.QueryContext(ctx, `SELECT unit_id FROM assignments WHERE item_id = $1 AND body_id = $2 AND role = 'lead'
			AND unit_id <> $3`, r.ItemID, r.BodyID, r.UnitID)
		if err != nil {
			return fmt.Errorf("report: lead units: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var u int64
			if err := rows.Scan(&u); err != nil {
				return err
			}
			to.Units = append(to.Units, notify.UnitInBody{BodyID: r.BodyID, UnitID: u})
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return s.Notify.Send(ctx, tx, notify.Note{To: to, Kind: "report.submitted",
		Title: r.UnitName + "提交了" + r.PeriodLabel + "进展报告",
		Body:  "任务：" + r.ItemTitle + "。请审核。", Link: "/reports/" + strconv.FormatInt(r.ID, 10),
		Key: "report.submitted:" + strconv.FormatInt(r.ID, 10) + ":" + strconv.FormatInt(r.Revision, 10)})
}

// notifyReviewed tells the report's unit that it was accepted or returned.
func (s *Service) notifyReviewed(ctx context.Context, tx *sql.Tx, r *Report, to State, reason string) error {
	if s.Notify == nil {
		return nil
	}
	title, body, kind := r.PeriodLabel+"进展报告已采纳", "任务："+r.ItemTitle+"。", "report.accepted"
	if to == Returned {
		title, body, kind = r.PeriodLabel+"进展报告被退回", "任务："+r.ItemTitle+"。退回原因："+reason, "report.returned"
	}
	return s.Notify.Send(ctx, tx, notify.Note{To: notify.Recipients{Units: []notify.UnitInBody{{BodyID: r.BodyID, UnitID: r.UnitID}}},
		Kind: kind, Title: title, Body: body, Link: "/reports/" + strconv.FormatInt(r.ID, 10),
		Key: kind + ":" + strconv.FormatInt(r.ID, 10) + ":" + strconv.FormatInt(r.Revision, 10)})
}

// Revisions lists report id's submissions, and the conflict revisions of
// the actor itself (another user's lost text is theirs to take back).
func (s *Service) Revisions(ctx context.Context, id int64) ([]Revision, error) {
	var out []Revision
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, _, err := loadFor(ctx, q, a, id, "report.revisions"); err != nil {
			return err
		}
		all, err := findRevisions(ctx, q, id)
		if err != nil {
			return err
		}
		out = []Revision{}
		for _, v := range all {
			if v.Kind == "submitted" || v.userID == a.UserID {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// Revision reads one revision of report id (see Revisions for who sees
// which).
func (s *Service) Revision(ctx context.Context, id, revID int64) (*Revision, error) {
	vs, err := s.Revisions(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].ID == revID {
			return &vs[i], nil
		}
	}
	return nil, core.NotFound("修订记录")
}

// OpenFile opens file fileID of report id for a reader of the report: a
// file the report does not hold is not found, whoever asks (E5, B3).
func (s *Service) OpenFile(ctx context.Context, id, fileID int64, thumb bool) (*file.File, io.ReadCloser, error) {
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, _, err := loadFor(ctx, q, a, id, "report.file"); err != nil {
			return err
		}
		ok, err := holdsFile(ctx, q, id, fileID)
		if err != nil {
			return err
		}
		if !ok {
			return denied("文件", "file", fileID, "report.file")
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	v := file.Original
	if thumb {
		v = file.Thumb
	}
	return s.Files.Open(ctx, fileID, v)
}
