package audit

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/core"
	"liandong/internal/db"
)

// Filter selects audit rows. Empty fields do not filter.
type Filter struct {
	// ActorQuery matches part of the actor's username or of the current
	// display name of the account, case-insensitively.
	ActorQuery string
	// ActorRole keeps only rows of actors who had this role at the time.
	ActorRole  string
	ObjectType string
	ObjectID   string
	// Action matches exactly, or by prefix when it ends in "*" ("auth.*").
	Action  string
	Outcome string
	// From is inclusive and To exclusive; zero means unbounded.
	From, To time.Time
	// UpTo keeps only rows with id <= UpTo, so that paging through a search
	// is not shifted by rows written meanwhile (each search writes one).
	UpTo int64
	// Ascending sorts oldest first; the default is newest first.
	Ascending bool
	Page      core.Page
}

// maxFilterLen bounds each text field of a filter.
const maxFilterLen = 100

// Validate checks the filter's fields; errors name the query parameter.
func (f *Filter) Validate() error {
	var es core.Errors
	f.ActorQuery = strings.TrimSpace(f.ActorQuery)
	f.ObjectType = strings.TrimSpace(f.ObjectType)
	f.ObjectID = strings.TrimSpace(f.ObjectID)
	f.Action = strings.TrimSpace(f.Action)
	for _, c := range []struct{ field, value, label string }{
		{"actor", f.ActorQuery, "操作人"}, {"object_type", f.ObjectType, "对象类型"},
		{"object_id", f.ObjectID, "对象编号"}, {"action", f.Action, "操作"},
	} {
		if !utf8.ValidString(c.value) {
			es.Add(c.field, c.label+"含有无效字符")
		} else if utf8.RuneCountInString(c.value) > maxFilterLen {
			es.Add(c.field, fmt.Sprintf("%s不能超过%d个字符", c.label, maxFilterLen))
		}
	}
	switch f.Outcome {
	case "", Success, Failure, Denied:
	default:
		es.Add("outcome", "请选择有效的结果：成功、失败或拒绝")
	}
	if f.ActorRole != "" && !core.Role(f.ActorRole).Valid() {
		es.Add("role", "请选择有效的角色")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		es.Add("to", "结束日期不能早于开始日期")
	}
	if f.UpTo < 0 {
		es.Add("upto", "无效的查询快照编号")
	}
	return es.Err()
}

// String describes the filter for the audit record of a search or export.
func (f Filter) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+strconv.Quote(v))
		}
	}
	add("actor", f.ActorQuery)
	add("role", f.ActorRole)
	add("object_type", f.ObjectType)
	add("object_id", f.ObjectID)
	add("action", f.Action)
	add("outcome", f.Outcome)
	if !f.From.IsZero() {
		add("from", f.From.UTC().Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		add("to", f.To.UTC().Format(time.RFC3339))
	}
	if f.UpTo > 0 {
		add("upto", strconv.FormatInt(f.UpTo, 10))
	}
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

// The search is one fixed statement in which every condition switches itself
// off when its argument is empty or zero: SQL stays a constant (no string
// building, SECURITY.md D2) and runs unchanged on both engines. CAST fixes
// the parameter types PostgreSQL would otherwise have to guess.
const findFrom = ` FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
	WHERE ($1 = '' OR lower(a.actor_name) LIKE $2 ESCAPE '\' OR lower(COALESCE(u.display_name, '')) LIKE $2 ESCAPE '\')
	AND ($3 = '' OR a.object_type = $3)
	AND ($4 = '' OR a.object_id = $4)
	AND ($5 = '' OR a.action = $5 OR ($6 <> '' AND a.action LIKE $6 ESCAPE '\'))
	AND ($7 = '' OR a.outcome = $7)
	AND ($8 = '' OR a.actor_role = $8)
	AND (CAST($9 AS BIGINT) = 0 OR a.at >= CAST($9 AS BIGINT))
	AND (CAST($10 AS BIGINT) = 0 OR a.at < CAST($10 AS BIGINT))
	AND (CAST($11 AS BIGINT) = 0 OR a.id <= CAST($11 AS BIGINT))`

const foundColumns = `a.id, a.at, COALESCE(a.actor_id, 0), a.actor_name, a.actor_role, COALESCE(a.actor_unit_id, 0),
	a.ip, a.request_id, a.action, a.object_type, a.object_id, a.outcome, a.before_json, a.after_json, a.detail,
	a.prev_hash, a.hash, COALESCE(u.display_name, '')`

const (
	countSQL    = `SELECT COUNT(*)` + findFrom
	findDescSQL = `SELECT ` + foundColumns + findFrom + ` ORDER BY a.at DESC, a.id DESC LIMIT $12 OFFSET $13`
	findAscSQL  = `SELECT ` + foundColumns + findFrom + ` ORDER BY a.at, a.id LIMIT $12 OFFSET $13`
	getSQL      = `SELECT ` + foundColumns + ` FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE a.id = $1`
)

func (f *Filter) args() []any {
	var like, prefix string
	if f.ActorQuery != "" {
		like = "%" + escapeLike(strings.ToLower(f.ActorQuery)) + "%"
	}
	if p, ok := strings.CutSuffix(f.Action, "*"); ok && p != "" {
		prefix = escapeLike(p) + "%"
	}
	return []any{f.ActorQuery, like, f.ObjectType, f.ObjectID, f.Action, prefix, f.Outcome, f.ActorRole,
		unixOrZero(f.From), unixOrZero(f.To), f.UpTo}
}

// escapeLike makes s match literally inside a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// Find returns one page of the rows f selects, with the number of all of
// them. It does not audit the search; Search does.
func Find(ctx context.Context, q db.Querier, f Filter) ([]Entry, int, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	var total int
	if err := q.QueryRowContext(ctx, countSQL, f.args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit: count: %w", err)
	}
	es, err := findPage(ctx, q, f)
	return es, total, err
}

// findPage returns one page of a validated filter, without the count.
func findPage(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	f.Page = f.Page.Normalize()
	args := append(f.args(), f.Page.Limit, f.Page.Offset)
	var rows *sql.Rows
	var err error
	if f.Ascending {
		rows, err = q.QueryContext(ctx, findAscSQL, args...)
	} else {
		rows, err = q.QueryContext(ctx, findDescSQL, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("audit: find: %w", err)
	}
	defer rows.Close()
	var es []Entry
	for rows.Next() {
		e, err := scanFound(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: find: %w", err)
		}
		es = append(es, *e)
	}
	return es, rows.Err()
}

// Get returns one row, ENOTFOUND if there is none.
func Get(ctx context.Context, q db.Querier, id int64) (*Entry, error) {
	e, err := scanFound(q.QueryRowContext(ctx, getSQL, id))
	if err == sql.ErrNoRows {
		return nil, core.NotFound("审计记录")
	} else if err != nil {
		return nil, fmt.Errorf("audit: get %d: %w", id, err)
	}
	return e, nil
}

// LastID returns the id of the newest row (0 for an empty log): the
// snapshot a paged search is pinned to.
func LastID(ctx context.Context, q db.Querier) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM audit_log`).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("audit: last id: %w", err)
	}
	return id, nil
}

func scanFound(row interface{ Scan(...any) error }) (*Entry, error) {
	var e Entry
	var at int64
	err := row.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.ActorRole, &e.ActorUnitID, &e.IP, &e.RequestID,
		&e.Action, &e.ObjectType, &e.ObjectID, &e.Outcome, &e.BeforeJSON, &e.AfterJSON, &e.Detail, &e.PrevHash,
		&e.Hash, &e.ActorDisplayName)
	if err != nil {
		return nil, err
	}
	e.At = time.Unix(at, 0).UTC()
	return &e, nil
}

// Search is Find for a person at the screen or an API client: the search is
// audited as "audit.search" with its filter (SECURITY.md C1: audit search
// is itself an audited event). The record is written after the query, so
// the caller's own search does not appear in its result.
func Search(ctx context.Context, d *db.DB, now time.Time, f Filter) ([]Entry, int, error) {
	es, total, err := Find(ctx, d.R(), f)
	if err != nil {
		return nil, 0, err
	}
	err = Log(ctx, d, now, Event{Action: "audit.search", ObjectType: "audit_log",
		Detail: fmt.Sprintf("%s; %d rows", f.String(), total)})
	if err != nil {
		return nil, 0, err
	}
	return es, total, nil
}

// View returns one row for display and audits the viewing as "audit.view".
// only, when not empty, limits the rows that may be seen to those of actors
// with that role (the security administrator reviews the audit
// administrator's actions only); other rows are reported as not found.
func View(ctx context.Context, d *db.DB, now time.Time, id int64, only core.Role) (*Entry, error) {
	e, err := Get(ctx, d.R(), id)
	if err != nil {
		return nil, err
	}
	if only != "" && e.ActorRole != string(only) {
		return nil, core.NotFound("审计记录")
	}
	if err := Log(ctx, d, now, Event{Action: "audit.view", ObjectType: "audit_log", ObjectID: id}); err != nil {
		return nil, err
	}
	return e, nil
}
