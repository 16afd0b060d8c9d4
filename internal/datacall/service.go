package datacall

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/file"
)

// Scope of calls and submissions (SECURITY.md B3, B5):
//
//   - the office of the call's body manages it: drafts, items, opening,
//     closing, the board, accepting and returning, the ZIP;
//   - offices of the bodies above, and the body's leaders, read the call
//     and its board;
//   - an addressee (a member unit's liaison for the unit; a subordinate
//     body's office for its body) reads an open or closed call and its own
//     submission only;
//   - anything else answers ENOTFOUND, audited, exactly like a missing call.
func canManage(a *core.Actor, c *Call) bool { return a.Role == core.RoleOffice && a.InBody(c.BodyID) }

func canOversee(a *core.Actor, c *Call) bool {
	return canManage(a, c) || (a.Role == core.RoleOffice && a.CanSee(c.BodyID)) ||
		(a.Role == core.RoleLeader && a.InBody(c.BodyID))
}

// isAddressee reports whether a submits for ad.
func isAddressee(a *core.Actor, ad *Addressee) bool {
	if ad.Kind == ToOffice {
		return a.Role == core.RoleOffice && a.InBody(ad.BodyID)
	}
	return a.Role == core.RoleLiaison && a.UnitID != 0 && a.UnitID == ad.UnitID && a.InBody(ad.BodyID)
}

// mine returns the addressee a submits for in c, nil if none.
func mine(a *core.Actor, c *Call) *Addressee {
	for i := range c.Addressees {
		if isAddressee(a, &c.Addressees[i]) {
			return &c.Addressees[i]
		}
	}
	return nil
}

func canRead(a *core.Actor, c *Call) bool {
	if canOversee(a, c) {
		return c.Status != Draft || canManage(a, c) || a.Role == core.RoleOffice
	}
	return c.Status != Draft && mine(a, c) != nil
}

func denied(id int64, op string) error { return audit.OutOfScope("材料征集", "call", id, op) }

// change runs fn in one write transaction and audits a scope refusal.
func (s *Service) change(ctx context.Context, fn func(a *core.Actor, tx *sql.Tx, now time.Time) error) error {
	return audit.ChangeAs(ctx, s.DB, s.Clock, fn)
}

// read runs a read-only use case and audits a scope refusal.
func (s *Service) read(ctx context.Context, fn func(a *core.Actor, q db.Querier) error) error {
	return audit.ReadAs(ctx, s.DB, s.Clock, fn)
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, now time.Time, ev audit.Event) error {
	return audit.Record(ctx, tx, s.DB.Engine, now, ev)
}

// managed loads call id for a change by its office.
func managed(ctx context.Context, q db.Querier, a *core.Actor, id int64, op string) (*Call, error) {
	c, err := loadCall(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !canManage(a, c) {
		if canRead(a, c) {
			return nil, audit.Refused("call", id, op, "只有发起征集的机构办公室可以执行此操作")
		}
		return nil, denied(id, op)
	}
	return c, nil
}

// Get returns call id if the actor may read it.
func (s *Service) Get(ctx context.Context, id int64) (*Call, error) {
	var c *Call
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		var err error
		if c, err = loadCall(ctx, q, id); err != nil {
			return err
		}
		if !canRead(a, c) {
			return denied(id, "call.get")
		}
		if !canOversee(a, c) {
			// An addressee sees itself, not the list of the others.
			c.Addressees = []Addressee{*mine(a, c)}
		}
		return nil
	})
	return c, err
}

// Summary is a call in a list, with its board's counts.
type Summary struct {
	Call
	Addressed int           `json:"addressed"`
	Counts    map[State]int `json:"counts"`
}

// Count is the number of addressees in state st (a name, for templates).
func (sm Summary) Count(st string) int { return sm.Counts[State(st)] }

// Submitted counts the submissions the office has received and not yet
// returned or accepted: on time, late, or resubmitted.
func (sm Summary) Submitted() int {
	return sm.Counts[OnTime] + sm.Counts[Late] + sm.Counts[Resubmitted]
}

// List returns the calls of body (newest first) for its office and
// leaders, and for the offices above.
func (s *Service) List(ctx context.Context, bodyID int64) ([]Summary, error) {
	var out []Summary
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if !(a.Role == core.RoleOffice && a.CanSee(bodyID)) && !(a.Role == core.RoleLeader && a.InBody(bodyID)) {
			return audit.OutOfScope("机构", "body", bodyID, "call.list")
		}
		rows, err := q.QueryContext(ctx, selectCall+` WHERE c.body_id = $1 ORDER BY c.deadline DESC, c.id DESC`, bodyID)
		if err != nil {
			return err
		}
		calls, err := db.Collect(rows, scanCall)
		if err != nil {
			return err
		}
		for _, c := range calls {
			if c.Status == Draft && a.Role != core.RoleOffice {
				continue
			}
			sm := Summary{Call: c, Counts: map[State]int{}}
			if err := countStates(ctx, q, c.ID, &sm); err != nil {
				return err
			}
			out = append(out, sm)
		}
		return nil
	})
	return out, err
}

func countStates(ctx context.Context, q db.Querier, callID int64, sm *Summary) error {
	rows, err := q.QueryContext(ctx, `SELECT a.id, COALESCE(s.status, ''), COALESCE(s.late, FALSE), COALESCE(s.revision, 0)
		FROM call_addressees a LEFT JOIN call_submissions s ON s.addressee_id = a.id WHERE a.call_id = $1`, callID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sub Submission
		if err := rows.Scan(&id, &sub.Status, &sub.Late, &sub.Revision); err != nil {
			return err
		}
		sm.Addressed++
		sm.Counts[StateOf(&sub)]++
	}
	return rows.Err()
}

// InboxEntry is a call addressed to the actor, with its own state.
type InboxEntry struct {
	Call       Call        `json:"call"`
	Addressee  Addressee   `json:"addressee"`
	State      State       `json:"state"`
	Submission *Submission `json:"submission,omitempty"`
}

// Inbox lists the open and closed calls addressed to the actor: to its
// unit for a liaison, to its bodies' offices for office staff.
func (s *Service) Inbox(ctx context.Context) ([]InboxEntry, error) {
	var out []InboxEntry
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		var ids []int64
		collect := func(rows *sql.Rows, err error) error {
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return rows.Err()
		}
		if a.Role == core.RoleLiaison && a.UnitID != 0 {
			if err := collect(q.QueryContext(ctx, `SELECT a.call_id FROM call_addressees a JOIN calls c ON c.id = a.call_id
				WHERE a.kind = 'unit' AND a.unit_id = $1 AND c.status <> 'draft' ORDER BY c.deadline DESC`, a.UnitID)); err != nil {
				return err
			}
		}
		if a.Role == core.RoleOffice {
			for _, b := range a.BodyIDs {
				if err := collect(q.QueryContext(ctx, `SELECT a.call_id FROM call_addressees a JOIN calls c ON c.id = a.call_id
					WHERE a.kind = 'office' AND a.body_id = $1 AND c.status <> 'draft' ORDER BY c.deadline DESC`, b)); err != nil {
					return err
				}
			}
		}
		for _, id := range ids {
			c, err := loadCall(ctx, q, id)
			if err != nil {
				return err
			}
			ad := mine(a, c)
			if ad == nil {
				continue
			}
			sub, err := submissionFor(ctx, q, ad.ID)
			if err != nil {
				return err
			}
			c.Addressees = []Addressee{*ad}
			out = append(out, InboxEntry{Call: *c, Addressee: *ad, State: StateOf(sub), Submission: sub})
		}
		return nil
	})
	return out, err
}

// Create saves a new draft call of in.BodyID for its office.
func (s *Service) Create(ctx context.Context, in CallInput) (*Call, error) {
	var id int64
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		if a.Role != core.RoleOffice || !a.InBody(in.BodyID) {
			if a.CanSee(in.BodyID) {
				return audit.Refused("body", in.BodyID, "call.create", "只有本机构办公室可以发起材料征集")
			}
			return audit.OutOfScope("机构", "body", in.BodyID, "call.create")
		}
		deadline, rules, err := s.prepare(ctx, &in)
		if err != nil {
			return err
		}
		ads, err := resolveAddressees(ctx, tx, in.BodyID, &in, now.In(cst).Format(core.DateLayout))
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO calls (body_id, title, notice_number, notice_title, instructions,
			deadline, late_allowed, contact_name, contact_phone, contact_email, reminders, status, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'draft', $12, $13, $13) RETURNING id`,
			in.BodyID, in.Title, in.NoticeNumber, in.NoticeTitle, in.Instructions, deadline.Unix(), in.LateAllowed,
			in.ContactName, in.ContactPhone, in.ContactEmail, strings.Join(rules, ","), a.UserID, now.Unix()).Scan(&id); err != nil {
			return db.Normalize(err)
		}
		if err := insertItems(ctx, tx, id, in.Items); err != nil {
			return err
		}
		if err := writeAddressees(ctx, tx, id, ads); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "call.create", ObjectType: "call", ObjectID: id,
			After: map[string]any{"title": in.Title, "deadline": deadline.Unix(), "items": len(in.Items), "addressees": len(ads)}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// prepare validates in and fills the default reminder rules.
func (s *Service) prepare(ctx context.Context, in *CallInput) (time.Time, []string, error) {
	deadline, rules, err := in.validate()
	if err != nil {
		return deadline, rules, err
	}
	if strings.TrimSpace(in.Reminders) == "" && s.Notify != nil {
		set, err := s.Notify.LoadSettings(ctx)
		if err != nil {
			return deadline, nil, err
		}
		for _, r := range set.Reminders() {
			rules = append(rules, r.Rule)
		}
	}
	return deadline, rules, nil
}

// Update changes call id. A draft changes whole; an open call keeps its
// items and addressees (submissions answer them) and may change the rest,
// its reminders re-timed to a new deadline. A closed call does not change.
func (s *Service) Update(ctx context.Context, id int64, in CallInput) (*Call, error) {
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		c, err := managed(ctx, tx, a, id, "call.update")
		if err != nil {
			return err
		}
		if c.Status == Closed {
			return core.Errorf(core.ECONFLICT, "征集已结束，不能再修改")
		}
		if c.Status == Open {
			// Items and addressees are fixed; validate the rest against them.
			in.Items, in.AllMembers, in.AllOffices = c.Items, true, false
		}
		in.BodyID = c.BodyID
		deadline, rules, err := s.prepare(ctx, &in)
		if err != nil {
			return err
		}
		if in.Version != c.Version {
			return core.Errorf(core.ECONFLICT, "该征集已被他人修改，请刷新后重新编辑")
		}
		res, err := tx.ExecContext(ctx, `UPDATE calls SET title = $1, notice_number = $2, notice_title = $3, instructions = $4,
			deadline = $5, late_allowed = $6, contact_name = $7, contact_phone = $8, contact_email = $9, reminders = $10,
			version = version + 1, updated_at = $11 WHERE id = $12 AND version = $13`,
			in.Title, in.NoticeNumber, in.NoticeTitle, in.Instructions, deadline.Unix(), in.LateAllowed, in.ContactName,
			in.ContactPhone, in.ContactEmail, strings.Join(rules, ","), now.Unix(), id, in.Version)
		if err != nil {
			return db.Normalize(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return core.Errorf(core.ECONFLICT, "该征集已被他人修改，请刷新后重新编辑")
		}
		if c.Status == Draft {
			ads, err := resolveAddressees(ctx, tx, c.BodyID, &in, now.In(cst).Format(core.DateLayout))
			if err != nil {
				return err
			}
			if err := insertItems(ctx, tx, id, in.Items); err != nil {
				return err
			}
			if err := writeAddressees(ctx, tx, id, ads); err != nil {
				return err
			}
		} else if err := s.scheduleReminders(ctx, tx, id, deadline, rules, now); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "call.update", ObjectType: "call", ObjectID: id,
			Before: map[string]any{"title": c.Title, "deadline": c.Deadline.Unix(), "late_allowed": c.LateAllowed},
			After:  map[string]any{"title": in.Title, "deadline": deadline.Unix(), "late_allowed": in.LateAllowed}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Open puts a draft call in its addressees' inboxes, tells each of them,
// and schedules its reminders.
func (s *Service) Open(ctx context.Context, id, version int64) error {
	return s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		c, err := managed(ctx, tx, a, id, "call.open")
		if err != nil {
			return err
		}
		if c.Status != Draft {
			return core.Errorf(core.ECONFLICT, "该征集已经发出")
		}
		if !c.Deadline.After(now) {
			return core.Invalid("deadline_date", "截止时间已过，请先修改截止时间再发出")
		}
		if err := setStatus(ctx, tx, id, version, Open, now); err != nil {
			return err
		}
		if err := s.scheduleReminders(ctx, tx, id, c.Deadline, c.Reminders, now); err != nil {
			return err
		}
		for _, ad := range c.Addressees {
			if err := s.tell(ctx, tx, ad, "call.new", "新的材料征集："+c.Title,
				fmt.Sprintf("%s请于 %s 前报送。", c.BodyName+"办公室发起材料征集，", c.DeadlineText()),
				fmt.Sprintf("call:%d:new:%d", id, ad.ID), c.ID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, now, audit.Event{Action: "call.open", ObjectType: "call", ObjectID: id,
			After: map[string]any{"addressees": len(c.Addressees), "deadline": c.Deadline.Unix()}})
	})
}

// Close ends call id: it takes no more submissions and its pending
// reminders are cancelled.
func (s *Service) Close(ctx context.Context, id, version int64) error {
	return s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		c, err := managed(ctx, tx, a, id, "call.close")
		if err != nil {
			return err
		}
		if c.Status != Open {
			return core.Errorf(core.ECONFLICT, "只有征集中的征集可以结束")
		}
		if err := setStatus(ctx, tx, id, version, Closed, now); err != nil {
			return err
		}
		if s.Jobs != nil {
			if err := s.Jobs.Cancel(ctx, tx, KindRemind, fmt.Sprintf("call:%d:", id)); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, now, audit.Event{Action: "call.close", ObjectType: "call", ObjectID: id})
	})
}

func setStatus(ctx context.Context, tx *sql.Tx, id, version int64, st Status, now time.Time) error {
	q := `UPDATE calls SET status = $1, opened_at = $2, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4`
	if st == Closed {
		q = `UPDATE calls SET status = $1, closed_at = $2, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4`
	}
	res, err := tx.ExecContext(ctx, q, string(st), now.Unix(), id, version)
	if err != nil {
		return db.Normalize(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return core.Errorf(core.ECONFLICT, "该征集已被他人修改，请刷新后重试")
	}
	return nil
}

// Board is the office's picture of a call: one row per addressee.
type Board struct {
	Call   *Call         `json:"call"`
	Rows   []BoardRow    `json:"rows"`
	Counts map[State]int `json:"counts"`
	Total  int           `json:"total"`
}

// BoardRow is one addressee with its submission (nil for none).
type BoardRow struct {
	Addressee  Addressee   `json:"addressee"`
	State      State       `json:"state"`
	Submission *Submission `json:"submission,omitempty"`
}

// Board returns the board of call id, its rows filtered by state when
// filter is not empty (the counts are always of every row).
func (s *Service) Board(ctx context.Context, id int64, filter State) (*Board, error) {
	var b *Board
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		c, err := loadCall(ctx, q, id)
		if err != nil {
			return err
		}
		if !canOversee(a, c) || !canRead(a, c) {
			return denied(id, "call.board")
		}
		subs, err := submissionsOf(ctx, q, id)
		if err != nil {
			return err
		}
		b = &Board{Call: c, Counts: map[State]int{}, Total: len(c.Addressees)}
		for _, ad := range c.Addressees {
			sub := subs[ad.ID]
			st := StateOf(sub)
			b.Counts[st]++
			if filter == "" || filter == st {
				b.Rows = append(b.Rows, BoardRow{Addressee: ad, State: st, Submission: sub})
			}
		}
		return nil
	})
	return b, err
}

// Mine is the actor's own side of a call: its addressee row and its
// submission (nil when it has none yet), with file details.
type Mine struct {
	Call       *Call       `json:"call"`
	Addressee  Addressee   `json:"addressee"`
	State      State       `json:"state"`
	Submission *Submission `json:"submission,omitempty"`
}

// MySubmission returns the actor's side of call id.
func (s *Service) MySubmission(ctx context.Context, id int64) (*Mine, error) {
	var m *Mine
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		c, err := loadCall(ctx, q, id)
		if err != nil {
			return err
		}
		ad := mine(a, c)
		if ad == nil || c.Status == Draft {
			return denied(id, "call.submission")
		}
		sub, err := submissionFor(ctx, q, ad.ID)
		if err != nil {
			return err
		}
		if err := s.attachFiles(ctx, sub); err != nil {
			return err
		}
		c.Addressees = []Addressee{*ad}
		m = &Mine{Call: c, Addressee: *ad, State: StateOf(sub), Submission: sub}
		return nil
	})
	return m, err
}

// Submission returns submission id with its call, for the office's review
// or for its own addressee; anyone else gets ENOTFOUND, audited.
func (s *Service) Submission(ctx context.Context, id int64) (*Mine, error) {
	var m *Mine
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		var addresseeID, callID int64
		if err := q.QueryRowContext(ctx, `SELECT addressee_id, call_id FROM call_submissions WHERE id = $1`, id).
			Scan(&addresseeID, &callID); err != nil {
			return audit.OutOfScope("报送材料", "call_submission", id, "call.submission.get")
		}
		c, err := loadCall(ctx, q, callID)
		if err != nil {
			return err
		}
		var ad *Addressee
		for i := range c.Addressees {
			if c.Addressees[i].ID == addresseeID {
				ad = &c.Addressees[i]
			}
		}
		if ad == nil || !(canOversee(a, c) || (isAddressee(a, ad) && c.Status != Draft)) {
			return audit.OutOfScope("报送材料", "call_submission", id, "call.submission.get")
		}
		sub, err := submissionFor(ctx, q, addresseeID)
		if err != nil {
			return err
		}
		if sub.Status == SubDraft && !isAddressee(a, ad) {
			// A draft is the addressee's own until it is submitted.
			return audit.OutOfScope("报送材料", "call_submission", id, "call.submission.get")
		}
		if err := s.attachFiles(ctx, sub); err != nil {
			return err
		}
		m = &Mine{Call: c, Addressee: *ad, State: StateOf(sub), Submission: sub}
		return nil
	})
	return m, err
}

func (s *Service) attachFiles(ctx context.Context, sub *Submission) error {
	if sub == nil || len(sub.Files) == 0 || s.Files == nil {
		return nil
	}
	ids := make([]int64, len(sub.Files))
	for i, f := range sub.Files {
		ids[i] = f.FileID
	}
	got, err := s.Files.GetMany(ctx, ids)
	if err != nil {
		return err
	}
	for i := range sub.Files {
		sub.Files[i].File = got[sub.Files[i].FileID]
	}
	return nil
}

// RecordUpload remembers the type a file had when it was uploaded for a
// call, before the file store re-encoded it (a PNG becomes a JPEG): a
// JPG-only item checks it.
func (s *Service) RecordUpload(ctx context.Context, fileID int64, sourceType string) error {
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO call_uploads (file_id, source_type) VALUES ($1, $2)
			ON CONFLICT (file_id) DO NOTHING`, fileID, sourceType)
		return db.Normalize(err)
	})
}

// SaveDraft saves the actor's draft of call id without checking that it is
// complete.
func (s *Service) SaveDraft(ctx context.Context, id int64, in DraftInput) (*Submission, error) {
	return s.save(ctx, id, in, false)
}

// Submit saves and submits the actor's submission to call id: every
// required item must be given (one message per missing item, nothing
// saved otherwise); after the deadline only if the call allows late
// submission. The same Token submitted again returns the same result and
// changes nothing.
func (s *Service) Submit(ctx context.Context, id int64, in DraftInput) (*Submission, error) {
	return s.save(ctx, id, in, true)
}

func (s *Service) save(ctx context.Context, id int64, in DraftInput, submit bool) (*Submission, error) {
	op := "call.draft"
	if submit {
		op = "call.submit"
	}
	var out *Submission
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		c, err := loadCall(ctx, tx, id)
		if err != nil {
			return err
		}
		ad := mine(a, c)
		if ad == nil || c.Status == Draft {
			return denied(id, op)
		}
		sub, err := submissionFor(ctx, tx, ad.ID)
		if err != nil {
			return err
		}
		in.Token = strings.TrimSpace(in.Token)
		if submit && sub != nil && in.Token != "" && sub.token == in.Token && sub.Status != SubDraft {
			out = sub // the same form again: already done
			return nil
		}
		if c.Status == Closed {
			return core.Errorf(core.ECONFLICT, "该征集已结束，不能再报送")
		}
		if !sub.Editable() {
			return core.Errorf(core.ECONFLICT, "材料已报送，等待办公室审核；如需修改，请联系办公室退回")
		}
		if c.Overdue(now) && !c.LateAllowed {
			msg := fmt.Sprintf("已超过截止时间（%s），本次征集不接受逾期报送", c.DeadlineText())
			if c.ContactName != "" || c.ContactPhone != "" {
				msg += fmt.Sprintf("，请联系%s %s", c.ContactName, c.ContactPhone)
			}
			return core.Errorf(core.ECONFLICT, "%s", strings.TrimSpace(msg))
		}
		var version int64
		if sub != nil {
			version = sub.Version
		}
		if in.Version != version {
			return core.Errorf(core.ECONFLICT, "这份材料已被他人修改并保存（可能是同单位的其他人），为避免覆盖，请刷新页面后重新填写")
		}
		if in.Answers == nil {
			in.Answers = map[string]map[string]string{}
		}
		ids := make([]int64, 0, len(in.Files))
		for _, f := range in.Files {
			ids = append(ids, f.FileID)
		}
		files, err := s.filesOf(ctx, ids)
		if err != nil {
			return err
		}
		if err := s.sourceTypes(ctx, tx, in.Files, files); err != nil {
			return err
		}
		if err := checkDraft(c, &in, files, a.UserID); err != nil {
			return err
		}
		if submit {
			if err := checkComplete(c, &in); err != nil {
				return err
			}
		}
		answers, err := json.Marshal(in.Answers)
		if err != nil {
			return err
		}
		status, revision, late, submittedAt, token := SubDraft, 0, false, int64(0), ""
		if sub != nil {
			revision, late, submittedAt, token = sub.Revision, sub.Late, sub.SubmittedAt.Unix(), sub.token
			if sub.SubmittedAt.IsZero() {
				submittedAt = 0
			}
			if sub.Status == Returned {
				status = Returned // a returned submission keeps its state while edited
			}
		}
		var by any
		if submit {
			status, revision, late, submittedAt, token, by = Submitted, revision+1, c.Overdue(now), now.Unix(), in.Token, a.UserID
		}
		var subID int64
		if sub == nil {
			err = tx.QueryRowContext(ctx, `INSERT INTO call_submissions (call_id, addressee_id, status, revision, late,
				answers_json, token, submitted_at, submitted_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
				id, ad.ID, string(status), revision, late, string(answers), token, submittedAt, by, now.Unix()).Scan(&subID)
		} else {
			subID = sub.ID
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE call_submissions SET status = $1, revision = $2, late = $3,
				answers_json = $4, token = $5, submitted_at = $6, submitted_by = COALESCE($7, submitted_by),
				version = version + 1, updated_at = $8 WHERE id = $9 AND version = $10`,
				string(status), revision, late, string(answers), token, submittedAt, by, now.Unix(), sub.ID, sub.Version)
			if err == nil {
				if n, _ := res.RowsAffected(); n != 1 {
					return core.Errorf(core.ECONFLICT, "这份材料已被他人修改并保存，为避免覆盖，请刷新页面后重新填写")
				}
			}
		}
		if err != nil {
			// Two first saves of one addressee at once: the loser gets a
			// conflict from the unique addressee_id, not a second row.
			return db.Normalize(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM call_submission_files WHERE submission_id = $1`, subID); err != nil {
			return err
		}
		for _, f := range in.Files {
			if _, err := tx.ExecContext(ctx, `INSERT INTO call_submission_files (submission_id, item_id, seq, file_id, caption, source_type)
				VALUES ($1, $2, $3, $4, $5, $6)`, subID, f.ItemID, f.Seq, f.FileID, f.Caption, f.SourceType); err != nil {
				return err
			}
		}
		if err := s.record(ctx, tx, now, audit.Event{Action: op, ObjectType: "call_submission", ObjectID: subID,
			After:  map[string]any{"call": id, "addressee": ad.Name, "revision": revision, "late": late, "files": len(in.Files)},
			Detail: c.Title}); err != nil {
			return err
		}
		if out, err = submissionFor(ctx, tx, ad.ID); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, s.attachFiles(ctx, out)
}

func (s *Service) filesOf(ctx context.Context, ids []int64) (map[int64]*file.File, error) {
	if s.Files == nil || len(ids) == 0 {
		return map[int64]*file.File{}, nil
	}
	return s.Files.GetMany(ctx, ids)
}

// sourceTypes fills each file's upload type as recorded by RecordUpload;
// what the client says is not trusted. A photo uploaded elsewhere has an
// unknown upload type.
func (s *Service) sourceTypes(ctx context.Context, tx *sql.Tx, list []SubFile, files map[int64]*file.File) error {
	for i := range list {
		list[i].SourceType = ""
		var st string
		err := tx.QueryRowContext(ctx, `SELECT source_type FROM call_uploads WHERE file_id = $1`, list[i].FileID).Scan(&st)
		if err == nil {
			list[i].SourceType = st
		} else if err != sql.ErrNoRows {
			return err
		} else if f := files[list[i].FileID]; f != nil && f.Kind == file.Document {
			list[i].SourceType = f.ContentType
		}
	}
	return nil
}

// Review is the office's decision on a submission.
type Review struct {
	Version int64  `json:"version"`
	Accept  bool   `json:"accept"`
	Reason  string `json:"reason"` // required to return
}

// ReviewSubmission accepts or returns submission id (office of the call's
// body; only a submitted one), audited, and tells the addressee.
func (s *Service) ReviewSubmission(ctx context.Context, id int64, r Review) error {
	op := "call.return"
	if r.Accept {
		op = "call.accept"
	}
	return s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		var callID, addresseeID int64
		if err := tx.QueryRowContext(ctx, `SELECT call_id, addressee_id FROM call_submissions WHERE id = $1`, id).
			Scan(&callID, &addresseeID); err != nil {
			return audit.OutOfScope("报送材料", "call_submission", id, op)
		}
		c, err := loadCall(ctx, tx, callID)
		if err != nil {
			return err
		}
		if !canManage(a, c) {
			if canOversee(a, c) {
				return audit.Refused("call_submission", id, op, "只有发起征集的机构办公室可以采纳或退回")
			}
			return audit.OutOfScope("报送材料", "call_submission", id, op)
		}
		sub, err := submissionFor(ctx, tx, addresseeID)
		if err != nil {
			return err
		}
		if sub.Status != Submitted {
			return core.Errorf(core.ECONFLICT, "只有已报送、尚未审核的材料可以采纳或退回")
		}
		r.Reason = strings.TrimSpace(r.Reason)
		if !r.Accept && r.Reason == "" {
			return core.Invalid("reason", "请填写退回原因，报送单位将看到它")
		}
		if len([]rune(r.Reason)) > 1000 {
			return core.Invalid("reason", "退回原因不能超过 1000 字")
		}
		if r.Version != sub.Version {
			return core.Errorf(core.ECONFLICT, "这份材料已有新的变化，请刷新后再审核")
		}
		status := Returned
		if r.Accept {
			status, r.Reason = Accepted, ""
		}
		if _, err := tx.ExecContext(ctx, `UPDATE call_submissions SET status = $1, reviewed_at = $2, reviewed_by = $3,
			return_reason = $4, version = version + 1, updated_at = $2 WHERE id = $5`,
			string(status), now.Unix(), a.UserID, r.Reason, id); err != nil {
			return err
		}
		var ad Addressee
		for _, x := range c.Addressees {
			if x.ID == addresseeID {
				ad = x
			}
		}
		title, body := "材料已采纳："+c.Title, "办公室已采纳您报送的材料。"
		if !r.Accept {
			title, body = "材料被退回："+c.Title, "退回原因："+r.Reason+"。请修改后重新报送。"
		}
		if err := s.tell(ctx, tx, ad, "call."+string(status), title, body,
			fmt.Sprintf("call:%d:%s:%d:%d", c.ID, status, id, sub.Revision), c.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: op, ObjectType: "call_submission", ObjectID: id,
			Before: map[string]any{"status": sub.Status}, After: map[string]any{"status": status, "reason": r.Reason},
			Detail: ad.Name})
	})
}

// callLink is the page an addressee's note points to.
func callLink(id int64) string { return "/calls/" + strconv.FormatInt(id, 10) + "/submission" }

// Upload stores a file the actor uploads for a call's submission (checked
// by the file store, photos re-encoded) and remembers the type the upload
// had before re-encoding, which a JPG-only item checks.
func (s *Service) Upload(ctx context.Context, name string, r io.Reader, accept ...file.Kind) (*file.File, error) {
	a, err := core.WorkerFrom(ctx)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, 512)
	head, _ := br.Peek(8)
	source := ""
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		source = file.TypeJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		source = file.TypePNG
	}
	f, err := s.Files.Ingest(ctx, a, name, br, accept...)
	if err != nil {
		return nil, err
	}
	if source == "" {
		source = f.ContentType
	}
	if err := s.RecordUpload(ctx, f.ID, source); err != nil {
		return nil, err
	}
	return f, nil
}

func today(s *Service) string { return s.Clock.Now().In(cst).Format(core.DateLayout) }
