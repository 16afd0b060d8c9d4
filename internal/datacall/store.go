package datacall

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
)

const selectCall = `SELECT c.id, c.body_id, b.name, c.title, c.notice_number, c.notice_title, c.instructions,
	c.deadline, c.late_allowed, c.contact_name, c.contact_phone, c.contact_email, c.reminders, c.status,
	c.opened_at, c.closed_at, c.version, c.created_at
	FROM calls c JOIN bodies b ON b.id = c.body_id`

func scanCall(r db.Scanner) (*Call, error) {
	var c Call
	var deadline, opened, closed, created int64
	var rem string
	err := r.Scan(&c.ID, &c.BodyID, &c.BodyName, &c.Title, &c.NoticeNumber, &c.NoticeTitle, &c.Instructions,
		&deadline, &c.LateAllowed, &c.ContactName, &c.ContactPhone, &c.ContactEmail, &rem, &c.Status,
		&opened, &closed, &c.Version, &created)
	if err != nil {
		return nil, err
	}
	c.Deadline, c.CreatedAt = unix(deadline), unix(created)
	c.OpenedAt, c.ClosedAt = unix(opened), unix(closed)
	c.Reminders = splitRules(rem)
	return &c, nil
}

func unix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

func splitRules(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// loadCall reads call id with its items and addressees.
func loadCall(ctx context.Context, q db.Querier, id int64) (*Call, error) {
	c, err := scanCall(q.QueryRowContext(ctx, selectCall+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("材料征集")
	}
	if err != nil {
		return nil, fmt.Errorf("datacall: load call: %w", err)
	}
	if c.Items, err = loadItems(ctx, q, id); err != nil {
		return nil, err
	}
	if c.Addressees, err = loadAddressees(ctx, q, id); err != nil {
		return nil, err
	}
	return c, nil
}

func loadItems(ctx context.Context, q db.Querier, callID int64) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, seq, kind, label, hint, required, min_count, max_count, jpeg_only,
		caption_required, fields_json FROM call_items WHERE call_id = $1 ORDER BY seq`, callID)
	if err != nil {
		return nil, fmt.Errorf("datacall: items: %w", err)
	}
	items, err := db.Collect(rows, func(r db.Scanner) (*Item, error) {
		var it Item
		var fields string
		if err := r.Scan(&it.ID, &it.Seq, &it.Kind, &it.Label, &it.Hint, &it.Required, &it.MinCount, &it.MaxCount,
			&it.JPEGOnly, &it.CaptionRequired, &fields); err != nil {
			return nil, err
		}
		if fields != "" {
			if err := json.Unmarshal([]byte(fields), &it.Fields); err != nil {
				return nil, err
			}
		}
		return &it, nil
	})
	if err != nil {
		return nil, fmt.Errorf("datacall: items: %w", err)
	}
	return items, nil
}

func loadAddressees(ctx context.Context, q db.Querier, callID int64) ([]Addressee, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, body_id, COALESCE(unit_id, 0), name FROM call_addressees
		WHERE call_id = $1 ORDER BY seq, id`, callID)
	if err != nil {
		return nil, fmt.Errorf("datacall: addressees: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Scanner) (*Addressee, error) {
		var a Addressee
		return &a, r.Scan(&a.ID, &a.Kind, &a.BodyID, &a.UnitID, &a.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("datacall: addressees: %w", err)
	}
	return out, nil
}

const selectSubmission = `SELECT id, call_id, addressee_id, status, revision, late, answers_json, token,
	submitted_at, COALESCE(submitted_by, 0), reviewed_at, return_reason, version FROM call_submissions`

func scanSubmission(r db.Scanner) (*Submission, error) {
	var s Submission
	var answers string
	var submitted, reviewed int64
	if err := r.Scan(&s.ID, &s.CallID, &s.AddresseeID, &s.Status, &s.Revision, &s.Late, &answers, &s.token,
		&submitted, &s.SubmittedBy, &reviewed, &s.ReturnReason, &s.Version); err != nil {
		return nil, err
	}
	s.SubmittedAt, s.ReviewedAt = unix(submitted), unix(reviewed)
	if err := json.Unmarshal([]byte(answers), &s.Answers); err != nil {
		return nil, err
	}
	if s.Answers == nil {
		s.Answers = map[string]map[string]string{}
	}
	return &s, nil
}

// submissionsOf reads the submissions of a call by addressee id, with
// their files (without file details).
func submissionsOf(ctx context.Context, q db.Querier, callID int64) (map[int64]*Submission, error) {
	rows, err := q.QueryContext(ctx, selectSubmission+` WHERE call_id = $1`, callID)
	if err != nil {
		return nil, fmt.Errorf("datacall: submissions: %w", err)
	}
	list, err := db.Collect(rows, scanSubmission)
	if err != nil {
		return nil, fmt.Errorf("datacall: submissions: %w", err)
	}
	out := make(map[int64]*Submission, len(list))
	byID := make(map[int64]*Submission, len(list))
	for i := range list {
		out[list[i].AddresseeID] = &list[i]
		byID[list[i].ID] = &list[i]
	}
	frows, err := q.QueryContext(ctx, `SELECT f.submission_id, f.item_id, f.seq, f.file_id, f.caption, f.source_type
		FROM call_submission_files f JOIN call_submissions s ON s.id = f.submission_id
		WHERE s.call_id = $1 ORDER BY f.submission_id, f.item_id, f.seq`, callID)
	if err != nil {
		return nil, fmt.Errorf("datacall: submission files: %w", err)
	}
	defer frows.Close()
	for frows.Next() {
		var sid int64
		var f SubFile
		if err := frows.Scan(&sid, &f.ItemID, &f.Seq, &f.FileID, &f.Caption, &f.SourceType); err != nil {
			return nil, err
		}
		if s := byID[sid]; s != nil {
			s.Files = append(s.Files, f)
		}
	}
	return out, frows.Err()
}

// submissionFor reads the submission of one addressee, nil if none.
func submissionFor(ctx context.Context, q db.Querier, addresseeID int64) (*Submission, error) {
	s, err := scanSubmission(q.QueryRowContext(ctx, selectSubmission+` WHERE addressee_id = $1`, addresseeID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("datacall: submission: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT item_id, seq, file_id, caption, source_type FROM call_submission_files
		WHERE submission_id = $1 ORDER BY item_id, seq`, s.ID)
	if err != nil {
		return nil, fmt.Errorf("datacall: submission files: %w", err)
	}
	files, err := db.Collect(rows, func(r db.Scanner) (*SubFile, error) {
		var f SubFile
		return &f, r.Scan(&f.ItemID, &f.Seq, &f.FileID, &f.Caption, &f.SourceType)
	})
	s.Files = files
	return s, err
}

// insertItems writes the items of a call (after deleting the old ones).
func insertItems(ctx context.Context, tx *sql.Tx, callID int64, items []Item) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM call_items WHERE call_id = $1`, callID); err != nil {
		return err
	}
	for i := range items {
		it := &items[i]
		fields := ""
		if len(it.Fields) > 0 {
			b, err := json.Marshal(it.Fields)
			if err != nil {
				return err
			}
			fields = string(b)
		}
		it.Seq = i + 1
		if err := tx.QueryRowContext(ctx, `INSERT INTO call_items (call_id, seq, kind, label, hint, required, min_count,
			max_count, jpeg_only, caption_required, fields_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			RETURNING id`, callID, it.Seq, string(it.Kind), it.Label, it.Hint, it.Required, it.MinCount, it.MaxCount,
			it.JPEGOnly, it.CaptionRequired, fields).Scan(&it.ID); err != nil {
			return err
		}
	}
	return nil
}

// resolveAddressees turns the input's choice into addressee rows: current
// member units of the body, and offices of its direct subordinate bodies.
// A picked unit that is not a current member, or a body that is not a
// subordinate, is refused on its field.
func resolveAddressees(ctx context.Context, q db.Querier, bodyID int64, in *CallInput, today string) ([]Addressee, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name FROM member_units m JOIN units u ON u.id = m.unit_id
		WHERE m.body_id = $1 AND m.joined_on <= $2 AND (m.left_on IS NULL OR m.left_on > $2)
		ORDER BY m.sort_order, u.name`, bodyID, today)
	if err != nil {
		return nil, err
	}
	members, err := db.Collect(rows, func(r db.Scanner) (*Addressee, error) {
		a := Addressee{Kind: ToUnit, BodyID: bodyID}
		return &a, r.Scan(&a.UnitID, &a.Name)
	})
	if err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT b.id, b.name FROM bodies b WHERE b.parent_id = $1 ORDER BY b.id`, bodyID)
	if err != nil {
		return nil, err
	}
	offices, err := db.Collect(rows, func(r db.Scanner) (*Addressee, error) {
		a := Addressee{Kind: ToOffice}
		var name string
		if err := r.Scan(&a.BodyID, &name); err != nil {
			return nil, err
		}
		a.Name = name + "办公室"
		return &a, nil
	})
	if err != nil {
		return nil, err
	}
	var out []Addressee
	pick := func(all bool, ids []int64, list []Addressee, id func(Addressee) int64, field, msg string) error {
		if all {
			out = append(out, list...)
			return nil
		}
		for _, want := range ids {
			found := false
			for _, a := range list {
				if id(a) == want {
					out, found = append(out, a), true
					break
				}
			}
			if !found {
				return core.Invalid(field, msg)
			}
		}
		return nil
	}
	if err := pick(in.AllMembers, in.UnitIDs, members, func(a Addressee) int64 { return a.UnitID }, "unit_ids",
		"所选单位不是本机构的现任成员单位"); err != nil {
		return nil, err
	}
	if err := pick(in.AllOffices, in.OfficeBodyIDs, offices, func(a Addressee) int64 { return a.BodyID }, "office_body_ids",
		"所选机构不是本机构的下级机构"); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, core.Invalid("addressees", "没有可报送的对象：本机构目前没有成员单位或下级机构")
	}
	return out, nil
}

func addresseeKey(a Addressee) string {
	if a.Kind == ToOffice {
		return fmt.Sprintf("o:%d", a.BodyID)
	}
	return fmt.Sprintf("u:%d", a.UnitID)
}

// writeAddressees replaces the addressees of a draft call.
func writeAddressees(ctx context.Context, tx *sql.Tx, callID int64, list []Addressee) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM call_addressees WHERE call_id = $1`, callID); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, a := range list {
		k := addresseeKey(a)
		if seen[k] {
			continue
		}
		seen[k] = true
		var unit any
		if a.UnitID != 0 {
			unit = a.UnitID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO call_addressees (call_id, akey, kind, body_id, unit_id, name, seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, callID, k, a.Kind, a.BodyID, unit, a.Name, i+1); err != nil {
			return err
		}
	}
	return nil
}
