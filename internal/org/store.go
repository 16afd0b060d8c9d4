package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/region"
	"liandong/internal/search"
)

// The store functions below take a db.Querier (the read pool or a write
// transaction) and do no scope checks: service.go decides who may call
// them. They are exported for the service, the demo loader and the CLI.

type scanner = db.Scanner

func unix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func notFoundOr(err error, what, op string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return core.NotFound(what)
	}
	return fmt.Errorf("org: %s: %w", op, db.Normalize(err))
}

func stale(what string) error { return core.Errorf(core.ECONFLICT, "%s%s", what, staleMessage) }

// ---- bodies ----

const bodySelect = `SELECT b.id, b.kind, b.name, b.region_id, r.name, COALESCE(b.office_unit_id, 0), COALESCE(ou.name, ''),
	b.office_dept, b.doc_prefix, COALESCE(b.parent_id, 0), COALESCE(p.name, ''), b.version, b.created_at, b.updated_at
	FROM bodies b JOIN regions r ON r.id = b.region_id
	LEFT JOIN units ou ON ou.id = b.office_unit_id
	LEFT JOIN bodies p ON p.id = b.parent_id`

func scanBody(row scanner) (*Body, error) {
	var b Body
	var kind string
	var created, updated int64
	if err := row.Scan(&b.ID, &kind, &b.Name, &b.RegionID, &b.RegionName, &b.OfficeUnitID, &b.OfficeUnitName,
		&b.OfficeDept, &b.DocPrefix, &b.ParentID, &b.ParentName, &b.Version, &created, &updated); err != nil {
		return nil, err
	}
	b.Kind = BodyKind(kind)
	b.CreatedAt, b.UpdatedAt = unix(created), unix(updated)
	return &b, nil
}

// FindBodyByID returns the body, ENOTFOUND if there is none.
func FindBodyByID(ctx context.Context, q db.Querier, id int64) (*Body, error) {
	b, err := scanBody(q.QueryRowContext(ctx, bodySelect+` WHERE b.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "机构", "find body")
	}
	return b, nil
}

// FindSubtree returns the body root and every body below it, ordered by
// region code and kind (a parent's region code sorts before its children's).
func FindSubtree(ctx context.Context, q db.Querier, root int64) ([]Body, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE sub (id, depth) AS (
			SELECT id, 0 FROM bodies WHERE id = $1
			UNION ALL
			SELECT c.id, sub.depth + 1 FROM bodies c JOIN sub ON c.parent_id = sub.id WHERE sub.depth < 8
		)
		`+bodySelect+` WHERE b.id IN (SELECT id FROM sub) ORDER BY r.code, b.kind, b.id`, root)
	if err != nil {
		return nil, fmt.Errorf("org: subtree: %w", err)
	}
	return db.Collect(rows, scanBody)
}

// FindChildBodies returns the bodies directly under parent.
func FindChildBodies(ctx context.Context, q db.Querier, parent int64) ([]Body, error) {
	rows, err := q.QueryContext(ctx, bodySelect+` WHERE b.parent_id = $1 ORDER BY r.code, b.kind, b.id`, parent)
	if err != nil {
		return nil, fmt.Errorf("org: child bodies: %w", err)
	}
	return db.Collect(rows, scanBody)
}

// InsertBody validates in and creates the body. Region, parent and office
// unit must exist; a region has at most one body of each kind.
func InsertBody(ctx context.Context, q db.Querier, now time.Time, in BodyInput) (*Body, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var es core.Errors
	if _, err := region.FindByID(ctx, q, in.RegionID); core.ErrorCode(err) == core.ENOTFOUND {
		es.Add("region_id", "所选行政区划不存在")
	} else if err != nil {
		return nil, err
	}
	if in.ParentID != 0 {
		if _, err := FindBodyByID(ctx, q, in.ParentID); core.ErrorCode(err) == core.ENOTFOUND {
			es.Add("parent_id", "上级机构不存在")
		} else if err != nil {
			return nil, err
		}
	}
	if err := checkUnitRef(ctx, q, &es, "office_unit_id", "办公室所在单位", in.OfficeUnitID); err != nil {
		return nil, err
	}
	if len(es) > 0 {
		return nil, es
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM bodies WHERE region_id = $1 AND kind = $2`,
		in.RegionID, string(in.Kind)).Scan(&n); err != nil {
		return nil, fmt.Errorf("org: body exists: %w", err)
	}
	if n > 0 {
		return nil, core.Invalid("kind", "该行政区划已有"+in.Kind.Label())
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO bodies (kind, name, region_id, office_unit_id, office_dept, doc_prefix,
		parent_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
		string(in.Kind), in.Name, in.RegionID, nullID(in.OfficeUnitID), in.OfficeDept, in.DocPrefix,
		nullID(in.ParentID), now.Unix()).Scan(&id)
	if db.IsUniqueViolation(err) {
		return nil, core.Invalid("kind", "该行政区划已有"+in.Kind.Label())
	} else if err != nil {
		return nil, fmt.Errorf("org: insert body: %w", db.Normalize(err))
	}
	return FindBodyByID(ctx, q, id)
}

// UpdateBody applies in to body id if its version is still in.Version.
func UpdateBody(ctx context.Context, q db.Querier, now time.Time, id int64, in BodyUpdate) (*Body, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var es core.Errors
	if err := checkUnitRef(ctx, q, &es, "office_unit_id", "办公室所在单位", in.OfficeUnitID); err != nil {
		return nil, err
	}
	if len(es) > 0 {
		return nil, es
	}
	res, err := q.ExecContext(ctx, `UPDATE bodies SET name = $1, office_unit_id = $2, office_dept = $3, doc_prefix = $4,
		version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7`,
		in.Name, nullID(in.OfficeUnitID), in.OfficeDept, in.DocPrefix, now.Unix(), id, in.Version)
	if err != nil {
		return nil, fmt.Errorf("org: update body: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, stale("机构信息")
	}
	return FindBodyByID(ctx, q, id)
}

// checkUnitRef adds a field error when id names no unit (0 passes).
func checkUnitRef(ctx context.Context, q db.Querier, es *core.Errors, field, label string, id int64) error {
	if id == 0 {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("org: unit exists: %w", err)
	}
	if n == 0 {
		es.Add(field, label+"不存在")
	}
	return nil
}

// ---- units ----

const unitSelect = `SELECT u.id, u.region_id, r.name, u.name, u.short_name, u.kind, u.version, u.created_at, u.updated_at
	FROM units u JOIN regions r ON r.id = u.region_id`

func scanUnit(row scanner) (*Unit, error) {
	var u Unit
	var kind string
	var created, updated int64
	if err := row.Scan(&u.ID, &u.RegionID, &u.RegionName, &u.Name, &u.ShortName, &kind, &u.Version, &created, &updated); err != nil {
		return nil, err
	}
	u.Kind = UnitKind(kind)
	u.CreatedAt, u.UpdatedAt = unix(created), unix(updated)
	u.Aliases = []string{}
	return &u, nil
}

// FindUnitByID returns the unit with its aliases, ENOTFOUND if none.
func FindUnitByID(ctx context.Context, q db.Querier, id int64) (*Unit, error) {
	u, err := scanUnit(q.QueryRowContext(ctx, unitSelect+` WHERE u.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "单位", "find unit")
	}
	rows, err := q.QueryContext(ctx, `SELECT alias FROM unit_aliases WHERE unit_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("org: aliases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		u.Aliases = append(u.Aliases, a)
	}
	return u, rows.Err()
}

// UnitFilter selects units. Query matches the name, short name or any
// alias, case-insensitively; Kind and RegionID match exactly when set.
type UnitFilter struct {
	Query    string
	Kind     UnitKind
	RegionID int64
	Page     core.Page
}

// aliasSep separates aliases in the aggregated column of unit lists;
// aliases cannot contain control characters (Validate refuses them).
const aliasSep = "\x1f"

// unitListColumns and unitListSelect read units with their aliases
// aggregated into one column (string_agg: SQLite 3.44+ and PostgreSQL), so
// that a page of units is one query.
const (
	unitListColumns = `SELECT u.id, u.region_id, r.name, u.name, u.short_name, u.kind, u.version, u.created_at, u.updated_at,
	COALESCE((SELECT string_agg(a.alias, '` + aliasSep + `' ORDER BY a.id) FROM unit_aliases a WHERE a.unit_id = u.id), '')`
	unitListSelect = unitListColumns + ` FROM units u JOIN regions r ON r.id = u.region_id`
)

// The unit list comes in shapes, each a constant, so that every one can
// use an index at national scale (~100,000 units):
//
//   - the whole registry walks units_name in name order and stops after
//     the page (of any kind: reading ids from the index alone); one region
//     walks its (region_id, name) unique index;
//   - a text search of the whole registry takes its candidates from the
//     unit search index (migration 0005: CJK bigrams, see internal/search);
//   - a text search within one region reads the region's few dozen units
//     by its index and applies the substring test to them;
//   - a query the index cannot narrow (one character, or punctuation only)
//     applies the substring test to every unit: rare, and slow at
//     national scale.
//
// The substring test matches name, short name and aliases with LIKE.
// LOWER() on every row costs a third of a scan, and Chinese has no case:
// only a query with Latin letters gets the case-folding form.
//
// Kind is switched off by an empty parameter. All order by name, then id.
const (
	unitOrderPage = ` ORDER BY u.name, u.id`
	// unitOrderScan is the same order written as an expression, which
	// keeps SQLite from walking units_name (a random read of the table
	// for each of ~100,000 entries) where it reads a set of units anyway
	// (every unit, or the search index's candidates): it reads the set
	// and sorts only the matches.
	unitOrderScan = ` ORDER BY u.name || '', u.id`

	unitKindOnly  = ` ($1 = '' OR u.kind = $1)`
	unitsPageAll  = unitListSelect + ` WHERE` + unitKindOnly + unitOrderPage + ` LIMIT $2 OFFSET $3`
	unitsPageReg  = unitListSelect + ` WHERE u.region_id = $4 AND` + unitKindOnly + unitOrderPage + ` LIMIT $2 OFFSET $3`
	unitsCountAll = `SELECT COUNT(*) FROM units u WHERE` + unitKindOnly
	unitsCountReg = `SELECT COUNT(*) FROM units u WHERE u.region_id = $2 AND` + unitKindOnly
	// The whole registry, any kind: the page's ids come from units_name
	// alone (it holds name and id), so the units before the offset cost
	// no read of the table, and the count has no WHERE clause, which
	// SQLite answers from the smallest index's pages instead of testing
	// each of ~100,000 rows.
	unitsPageEvery  = unitListSelect + ` WHERE u.id IN (SELECT id FROM units ORDER BY name, id LIMIT $1 OFFSET $2)` + unitOrderPage
	unitsCountEvery = `SELECT COUNT(*) FROM units`

	// The substring test over every unit: the aliases through an
	// uncorrelated subquery, which both engines evaluate once.
	unitText = ` (u.name LIKE $1 ESCAPE '\' OR u.short_name LIKE $1 ESCAPE '\'
		OR u.id IN (SELECT a.unit_id FROM unit_aliases a WHERE a.alias LIKE $1 ESCAPE '\')) AND ($2 = '' OR u.kind = $2)`
	unitsTextPageAll  = unitWindowHead + ` WHERE` + unitText + unitOrderScan + ` LIMIT $3 OFFSET $4` + unitWindowTail
	unitsTextPageReg  = unitWindowHead + ` WHERE u.region_id = $5 AND` + unitText + unitOrderPage + ` LIMIT $3 OFFSET $4` + unitWindowTail
	unitsTextCountAll = `SELECT COUNT(*) FROM units u WHERE` + unitText
	unitsTextCountReg = `SELECT COUNT(*) FROM units u WHERE u.region_id = $5 AND` + unitText + ` AND CAST($3 AS BIGINT) >= 0 AND CAST($4 AS BIGINT) >= 0`

	unitFold = ` (LOWER(u.name) LIKE $1 ESCAPE '\' OR LOWER(u.short_name) LIKE $1 ESCAPE '\'
		OR u.id IN (SELECT a.unit_id FROM unit_aliases a WHERE LOWER(a.alias) LIKE $1 ESCAPE '\')) AND ($2 = '' OR u.kind = $2)`
	unitsFoldPageAll  = unitWindowHead + ` WHERE` + unitFold + unitOrderScan + ` LIMIT $3 OFFSET $4` + unitWindowTail
	unitsFoldPageReg  = unitWindowHead + ` WHERE u.region_id = $5 AND` + unitFold + unitOrderPage + ` LIMIT $3 OFFSET $4` + unitWindowTail
	unitsFoldCountAll = `SELECT COUNT(*) FROM units u WHERE` + unitFold
	unitsFoldCountReg = `SELECT COUNT(*) FROM units u WHERE u.region_id = $5 AND` + unitFold + ` AND CAST($3 AS BIGINT) >= 0 AND CAST($4 AS BIGINT) >= 0`

	// A text search scans every unit anyway, so its page counts the
	// matches in the same scan (COUNT(*) OVER ()); the aliases are read
	// only for the page's rows, outside the window.
	unitWindowHead = `SELECT p.id, p.region_id, p.region_name, p.name, p.short_name, p.kind, p.version, p.created_at, p.updated_at,
		COALESCE((SELECT string_agg(a.alias, '` + aliasSep + `' ORDER BY a.id) FROM unit_aliases a WHERE a.unit_id = p.id), ''), p.total
		FROM (SELECT u.id, u.region_id, r.name AS region_name, u.name, u.short_name, u.kind, u.version, u.created_at, u.updated_at,
		COUNT(*) OVER () AS total FROM units u JOIN regions r ON r.id = u.region_id`
	unitWindowTail = `) p ORDER BY p.name, p.id`
)

// An index search. Its parameters: $1 the LIKE pattern, $2 the kind
// (empty for any), $3 the phrase, and for a page $4 limit and $5 offset.
//
// The candidates come from the index, one form per engine: SQLite's FTS5
// table wants the phrase in double quotes; PostgreSQL's GIN index on
// terms_tsv (to_tsvector('simple', terms)) answers phraseto_tsquery and
// checks word positions on its candidates. An exact phrase (search.Query.Exact) needs
// no more; otherwise each candidate is confirmed with the substring test,
// its aliases read through unit_aliases' (unit_id, alias) index.
//
// On SQLite every unit the query touches costs a B-tree seek (~2 µs in
// the pure-Go driver), so it counts an exact, kind-free search from the
// index alone, and reads a page one of two ways (unitWalkCheaper picks):
// sort the candidates by name (cost grows with their number), or walk
// units_name in name order, testing each entry against the candidates,
// until the page is full (cost grows with the offset and the rarity of
// matches). PostgreSQL plans with statistics and gets one form.
const (
	unitMatchSQLite   = ` u.id IN (SELECT rowid FROM unit_search_fts WHERE unit_search_fts MATCH '"' || $3 || '"')`
	unitMatchPostgres = ` u.id IN (SELECT unit_id FROM unit_search WHERE terms_tsv @@ phraseto_tsquery('simple', $3))`

	// unitCandExact refers to $1 only so that PostgreSQL knows its type.
	unitCandExact = ` AND ($2 = '' OR u.kind = $2) AND $1 <> ''`
	unitCandText  = ` AND (u.name LIKE $1 ESCAPE '\' OR u.short_name LIKE $1 ESCAPE '\'
		OR EXISTS (SELECT 1 FROM unit_aliases a WHERE a.unit_id = u.id AND a.alias LIKE $1 ESCAPE '\')) AND ($2 = '' OR u.kind = $2)`
	unitCandFold = ` AND (LOWER(u.name) LIKE $1 ESCAPE '\' OR LOWER(u.short_name) LIKE $1 ESCAPE '\'
		OR EXISTS (SELECT 1 FROM unit_aliases a WHERE a.unit_id = u.id AND LOWER(a.alias) LIKE $1 ESCAPE '\')) AND ($2 = '' OR u.kind = $2)`

	unitsMatchOnlyCountSQLite   = `SELECT COUNT(*) FROM unit_search_fts WHERE unit_search_fts MATCH '"' || $1 || '"'`
	unitsMatchOnlyCountPostgres = `SELECT COUNT(*) FROM unit_search WHERE terms_tsv @@ phraseto_tsquery('simple', $1)`

	unitsMatchCount  = `SELECT COUNT(*) FROM units u WHERE`
	unitMatchLimit   = ` LIMIT $4 OFFSET $5`
	unitListWalkLite = unitListColumns + ` FROM units u INDEXED BY units_name JOIN regions r ON r.id = u.region_id`

	unitsExactCountSQLite   = unitsMatchCount + unitMatchSQLite + unitCandExact
	unitsExactSortSQLite    = unitListSelect + ` WHERE` + unitMatchSQLite + unitCandExact + unitOrderScan + unitMatchLimit
	unitsExactWalkSQLite    = unitListWalkLite + ` WHERE` + unitMatchSQLite + unitCandExact + unitOrderPage + unitMatchLimit
	unitsExactCountPostgres = unitsMatchCount + unitMatchPostgres + unitCandExact
	unitsExactPagePostgres  = unitListSelect + ` WHERE` + unitMatchPostgres + unitCandExact + unitOrderPage + unitMatchLimit

	unitsCandCountSQLite   = unitsMatchCount + unitMatchSQLite + unitCandText
	unitsCandSortSQLite    = unitListSelect + ` WHERE` + unitMatchSQLite + unitCandText + unitOrderScan + unitMatchLimit
	unitsCandWalkSQLite    = unitListWalkLite + ` WHERE` + unitMatchSQLite + unitCandText + unitOrderPage + unitMatchLimit
	unitsCandCountPostgres = unitsMatchCount + unitMatchPostgres + unitCandText
	unitsCandPagePostgres  = unitListSelect + ` WHERE` + unitMatchPostgres + unitCandText + unitOrderPage + unitMatchLimit

	unitsFoldCandCountSQLite   = unitsMatchCount + unitMatchSQLite + unitCandFold
	unitsFoldCandSortSQLite    = unitListSelect + ` WHERE` + unitMatchSQLite + unitCandFold + unitOrderScan + unitMatchLimit
	unitsFoldCandWalkSQLite    = unitListWalkLite + ` WHERE` + unitMatchSQLite + unitCandFold + unitOrderPage + unitMatchLimit
	unitsFoldCandCountPostgres = unitsMatchCount + unitMatchPostgres + unitCandFold
	unitsFoldCandPagePostgres  = unitListSelect + ` WHERE` + unitMatchPostgres + unitCandFold + unitOrderPage + unitMatchLimit
)

// FindUnits returns one page of the units f selects, in name order, and
// how many there are. The engine picks the form of the search index's
// query.
func FindUnits(ctx context.Context, q db.Querier, e db.Engine, f UnitFilter) ([]Unit, int, error) {
	f.Page = f.Page.Normalize()
	text := strings.TrimSpace(f.Query)
	fold := strings.ContainsFunc(text, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' })
	if fold {
		text = strings.ToLower(text)
	}
	like := "%" + escapeLike(text) + "%"
	kind, region, lim, off := string(f.Kind), f.RegionID, f.Page.Limit, f.Page.Offset
	if text == "" {
		pageSQL, countSQL := unitsPageAll, unitsCountAll
		pageArgs, countArgs := []any{kind, lim, off}, []any{kind}
		if region != 0 {
			pageSQL = unitsPageReg
			countSQL = unitsCountReg
			pageArgs, countArgs = append(pageArgs, region), append(countArgs, region)
		} else if kind == "" {
			pageSQL, countSQL = unitsPageEvery, unitsCountEvery
			pageArgs, countArgs = []any{lim, off}, nil
		}
		return countThenPage(ctx, q, countSQL, countArgs, pageSQL, pageArgs, off)
	}
	if sq, ok := search.ParseQuery(text); ok && region == 0 {
		return findUnitsIndexed(ctx, q, e, sq, fold, like, kind, lim, off)
	}
	pageSQL, countSQL := unitsTextPageAll, unitsTextCountAll
	if fold {
		pageSQL = unitsFoldPageAll
		countSQL = unitsFoldCountAll
	}
	args := []any{like, kind, lim, off}
	countArgs := args[:2]
	if region != 0 {
		pageSQL = unitsTextPageReg
		countSQL = unitsTextCountReg
		if fold {
			pageSQL = unitsFoldPageReg
			countSQL = unitsFoldCountReg
		}
		args = append(args, region)
		countArgs = args
	}
	out, total, err := scanUnitPage(q.QueryContext(ctx, pageSQL, args...))
	if err != nil || len(out) > 0 || off == 0 {
		return out, total, err
	}
	// Past the last page: no row carried the count.
	if err := q.QueryRowContext(ctx, countSQL, countArgs...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("org: count units: %w", err)
	}
	return nil, total, nil
}

// findUnitsIndexed is FindUnits for a search of the whole registry that
// the index can narrow.
func findUnitsIndexed(ctx context.Context, q db.Querier, e db.Engine, sq search.Query, fold bool, like, kind string, lim, off int) ([]Unit, int, error) {
	args := []any{like, kind, sq.Phrase, lim, off}
	var countSQL, sortSQL, walkSQL string
	switch {
	case e == db.Postgres && sq.Exact:
		countSQL, sortSQL = unitsExactCountPostgres, unitsExactPagePostgres
	case e == db.Postgres && fold:
		countSQL, sortSQL = unitsFoldCandCountPostgres, unitsFoldCandPagePostgres
	case e == db.Postgres:
		countSQL, sortSQL = unitsCandCountPostgres, unitsCandPagePostgres
	case sq.Exact:
		countSQL, sortSQL, walkSQL = unitsExactCountSQLite, unitsExactSortSQLite, unitsExactWalkSQLite
	case fold:
		countSQL, sortSQL, walkSQL = unitsFoldCandCountSQLite, unitsFoldCandSortSQLite, unitsFoldCandWalkSQLite
	default:
		countSQL, sortSQL, walkSQL = unitsCandCountSQLite, unitsCandSortSQLite, unitsCandWalkSQLite
	}
	var total int
	var err error
	if sq.Exact && kind == "" {
		onlySQL := unitsMatchOnlyCountSQLite
		if e == db.Postgres {
			onlySQL = unitsMatchOnlyCountPostgres
		}
		err = q.QueryRowContext(ctx, onlySQL, sq.Phrase).Scan(&total)
	} else {
		err = q.QueryRowContext(ctx, countSQL, args[:3]...).Scan(&total)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("org: count units: %w", err)
	}
	if total == 0 || off >= total {
		return nil, total, nil
	}
	pageSQL := sortSQL
	if walkSQL != "" {
		var walk bool
		if walk, err = unitWalkCheaper(ctx, q, total, off+lim); err != nil {
			return nil, 0, err
		}
		if walk {
			pageSQL = walkSQL
		}
	}
	out, _, err := scanUnitPage(q.QueryContext(ctx, pageSQL, args...))
	return out, total, err
}

// unitWalkCheaper reports whether SQLite reads the first end matches of a
// search with total matches faster by walking units_name than by sorting
// the matches. The walk tests about end × units / total index entries at
// ~1 µs each (matches assumed spread evenly over the name order); the
// sort seeks every match at ~2 µs. MAX(id) stands in for the number of
// units: one B-tree descent, where COUNT(*) reads the whole index.
func unitWalkCheaper(ctx context.Context, q db.Querier, total, end int) (bool, error) {
	var units int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM units`).Scan(&units); err != nil {
		return false, fmt.Errorf("org: count units: %w", err)
	}
	return int64(end)*units < 2*int64(total)*int64(total), nil
}

// countThenPage counts the units a filter selects and reads the page at
// off, unless the count shows it is empty.
func countThenPage(ctx context.Context, q db.Querier, countSQL string, countArgs []any, pageSQL string, pageArgs []any, off int) ([]Unit, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, countSQL, countArgs...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("org: count units: %w", err)
	}
	if total == 0 || off >= total {
		return nil, total, nil
	}
	out, _, err := scanUnitPage(q.QueryContext(ctx, pageSQL, pageArgs...))
	return out, total, err
}

// scanUnitPage reads rows of unitListSelect, or of a window page whose
// last column is the total.
func scanUnitPage(rows *sql.Rows, err error) ([]Unit, int, error) {
	if err != nil {
		return nil, 0, fmt.Errorf("org: find units: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, 0, err
	}
	var out []Unit
	total := 0
	for rows.Next() {
		var u Unit
		var kind, aliases string
		var created, updated int64
		dst := []any{&u.ID, &u.RegionID, &u.RegionName, &u.Name, &u.ShortName, &kind, &u.Version, &created, &updated, &aliases}
		if len(cols) > len(dst) {
			dst = append(dst, &total)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, 0, fmt.Errorf("org: scan unit: %w", err)
		}
		u.Kind = UnitKind(kind)
		u.CreatedAt, u.UpdatedAt = unix(created), unix(updated)
		u.Aliases = []string{}
		if aliases != "" {
			u.Aliases = strings.Split(aliases, aliasSep)
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// escapeLike makes s match literally inside a LIKE pattern (ESCAPE '\').
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// InsertUnit validates in and creates the unit with its aliases. A name
// already used in the same region is a field error.
func InsertUnit(ctx context.Context, q db.Querier, now time.Time, in UnitInput) (*Unit, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := checkUnitName(ctx, q, in.RegionID, in.Name, 0); err != nil {
		return nil, err
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO units (region_id, name, short_name, kind, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, in.RegionID, in.Name, in.ShortName, string(in.Kind), now.Unix()).Scan(&id)
	if db.IsUniqueViolation(err) {
		return nil, core.Invalid("name", "该行政区划内已有同名单位")
	} else if err != nil {
		return nil, fmt.Errorf("org: insert unit: %w", db.Normalize(err))
	}
	if err := insertAliases(ctx, q, id, in.Aliases); err != nil {
		return nil, err
	}
	if err := indexUnit(ctx, q, id, in); err != nil {
		return nil, err
	}
	return FindUnitByID(ctx, q, id)
}

// UpdateUnit applies in to unit id if its version is still in.Version,
// replacing its aliases.
func UpdateUnit(ctx context.Context, q db.Querier, now time.Time, id int64, in UnitInput) (*Unit, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := checkUnitName(ctx, q, in.RegionID, in.Name, id); err != nil {
		return nil, err
	}
	res, err := q.ExecContext(ctx, `UPDATE units SET region_id = $1, name = $2, short_name = $3, kind = $4,
		version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7`,
		in.RegionID, in.Name, in.ShortName, string(in.Kind), now.Unix(), id, in.Version)
	if db.IsUniqueViolation(err) {
		return nil, core.Invalid("name", "该行政区划内已有同名单位")
	} else if err != nil {
		return nil, fmt.Errorf("org: update unit: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, stale("该单位")
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM unit_aliases WHERE unit_id = $1`, id); err != nil {
		return nil, fmt.Errorf("org: clear aliases: %w", err)
	}
	if err := insertAliases(ctx, q, id, in.Aliases); err != nil {
		return nil, err
	}
	if err := indexUnit(ctx, q, id, in); err != nil {
		return nil, err
	}
	return FindUnitByID(ctx, q, id)
}

func checkUnitName(ctx context.Context, q db.Querier, regionID int64, name string, self int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM regions WHERE id = $1`, regionID).Scan(&n); err != nil {
		return fmt.Errorf("org: region exists: %w", err)
	}
	if n == 0 {
		return core.Invalid("region_id", "所选行政区划不存在")
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE region_id = $1 AND name = $2 AND id <> $3`,
		regionID, name, self).Scan(&n); err != nil {
		return fmt.Errorf("org: unit name taken: %w", err)
	}
	if n > 0 {
		return core.Invalid("name", "该行政区划内已有同名单位")
	}
	return nil
}

func insertAliases(ctx context.Context, q db.Querier, unitID int64, aliases []string) error {
	for _, a := range aliases {
		if _, err := q.ExecContext(ctx, `INSERT INTO unit_aliases (unit_id, alias) VALUES ($1, $2)`, unitID, a); err != nil {
			return fmt.Errorf("org: insert alias: %w", db.Normalize(err))
		}
	}
	return nil
}

// AddAlias remembers alias as another name of unit id (an importer's
// mapping of a name the document used), unless the unit already has that
// name, and keeps the unit's search index in step. It reports whether the
// alias was new.
func AddAlias(ctx context.Context, q db.Querier, id int64, alias string) (bool, error) {
	u, err := FindUnitByID(ctx, q, id)
	if err != nil {
		return false, err
	}
	if alias == "" || alias == u.Name || alias == u.ShortName || slices.Contains(u.Aliases, alias) {
		return false, nil
	}
	if len(u.Aliases) >= MaxAliases {
		return false, core.Invalid("aliases", "该单位的别名已达上限，请先在单位信息中整理别名")
	}
	if err := insertAliases(ctx, q, id, []string{alias}); err != nil {
		return false, err
	}
	return true, indexUnit(ctx, q, id, UnitInput{Name: u.Name, ShortName: u.ShortName, Aliases: append(u.Aliases, alias)})
}

// FindFilterRegions returns the provinces and cities, in code order, with
// the region selected (0 for none) among them whatever its level: the
// choices of the unit list's region filter. At national scale that is
// some 360 regions instead of 3,200; a county is reached from the regions
// page and stays selected.
func FindFilterRegions(ctx context.Context, q db.Querier, selected int64) ([]region.Region, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, code, name, level, COALESCE(parent_id, 0), version FROM regions
		WHERE level IN ('province', 'city') OR id = $1 ORDER BY code`, selected)
	if err != nil {
		return nil, fmt.Errorf("org: filter regions: %w", err)
	}
	defer rows.Close()
	var out []region.Region
	for rows.Next() {
		var r region.Region
		var level string
		if err := rows.Scan(&r.ID, &r.Code, &r.Name, &level, &r.ParentID, &r.Version); err != nil {
			return nil, fmt.Errorf("org: scan region: %w", err)
		}
		r.Level = region.Level(level)
		out = append(out, r)
	}
	return out, rows.Err()
}

// UnitTerms returns the search index text of a unit: the bigrams of its
// name, short name and aliases.
func UnitTerms(name, shortName string, aliases []string) string {
	return search.Terms(append([]string{name, shortName}, aliases...)...)
}

// indexUnit writes the unit's search index row, in the transaction that
// changes the unit, so that a search never misses a committed name. An
// unchanged text is left alone (no index churn on an edit of the kind).
func indexUnit(ctx context.Context, q db.Querier, id int64, in UnitInput) error {
	_, err := q.ExecContext(ctx, `INSERT INTO unit_search (unit_id, terms) VALUES ($1, $2)
		ON CONFLICT (unit_id) DO UPDATE SET terms = excluded.terms WHERE unit_search.terms <> excluded.terms`,
		id, UnitTerms(in.Name, in.ShortName, in.Aliases))
	if err != nil {
		return fmt.Errorf("org: index unit: %w", db.Normalize(err))
	}
	return nil
}

// reindexBatch is how many units ReindexUnits indexes per transaction:
// small enough not to hold SQLite's write lock for long. (A variable so
// that a test can make batches of a few units.)
var reindexBatch = 1000

// ReindexUnits writes the search index row of every unit that has none
// and returns how many it wrote. The store keeps the index in step with
// every change, so this only has work after an upgrade to migration 0005
// (units, no index rows yet) or after rows were written around the store.
// app.Open runs it at start-up; it first compares two counts, which is
// cheap when there is nothing to do. Each batch is one transaction, so an
// interrupted run resumes where it stopped.
func ReindexUnits(ctx context.Context, d *db.DB) (int, error) {
	var units, indexed int
	if err := d.R().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM unit_search)`).
		Scan(&units, &indexed); err != nil {
		return 0, fmt.Errorf("org: reindex units: %w", err)
	}
	if indexed >= units {
		return 0, nil
	}
	done := 0
	var after int64
	for {
		n := 0
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			n, after, err = reindexAfter(ctx, tx, after)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("org: reindex units: %w", err)
		}
		done += n
		if n < reindexBatch {
			return done, OptimizeUnitIndex(ctx, d)
		}
	}
}

// OptimizeUnitIndex compacts the unit search index after a bulk load.
// SQLite's FTS5 index grows as segments, a few per transaction, which it
// merges bit by bit as it goes; after ~100,000 units written in a hundred
// transactions a query reads and merges dozens of them. One full merge
// (~0.3 s at national scale) made a search for 教育局 2.5 times faster
// there. PostgreSQL's GIN index needs nothing of the kind.
func OptimizeUnitIndex(ctx context.Context, d *db.DB) error {
	if d.Engine != db.SQLite {
		return nil
	}
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO unit_search_fts (unit_search_fts) VALUES ('optimize')`)
		return err
	})
	if err != nil {
		return fmt.Errorf("org: optimize unit index: %w", err)
	}
	return nil
}

// reindexAfter indexes up to reindexBatch units with ids above after that
// have no index row, and returns how many it indexed and the last id read.
func reindexAfter(ctx context.Context, tx *sql.Tx, after int64) (int, int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT u.id, u.name, u.short_name,
		COALESCE((SELECT string_agg(a.alias, '`+aliasSep+`' ORDER BY a.id) FROM unit_aliases a WHERE a.unit_id = u.id), '')
		FROM units u WHERE u.id > $1 AND NOT EXISTS (SELECT 1 FROM unit_search s WHERE s.unit_id = u.id)
		ORDER BY u.id LIMIT $2`, after, reindexBatch)
	if err != nil {
		return 0, after, err
	}
	var batch []UnitIndexRow
	for rows.Next() {
		var id int64
		var name, short, aliases string
		if err := rows.Scan(&id, &name, &short, &aliases); err != nil {
			rows.Close()
			return 0, after, err
		}
		var as []string
		if aliases != "" {
			as = strings.Split(aliases, aliasSep)
		}
		batch = append(batch, UnitIndexRow{UnitID: id, Terms: UnitTerms(name, short, as)})
		after = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, after, err
	}
	return len(batch), after, InsertUnitIndex(ctx, tx, batch)
}

// UnitIndexRow is one unit's row of the search index.
type UnitIndexRow struct {
	UnitID int64
	Terms  string // UnitTerms of the unit's names
}

// InsertUnitIndex writes search index rows with multi-row inserts; a unit
// that already has a row keeps it. It is for bulk loaders that insert
// units with plain SQL (the demo's national scale), which must index them
// in the same transaction.
func InsertUnitIndex(ctx context.Context, q db.Querier, rows []UnitIndexRow) error {
	const perStatement = 500 // 1,000 parameters, well under both engines' limits
	for start := 0; start < len(rows); start += perStatement {
		end := min(start+perStatement, len(rows))
		var b strings.Builder
		b.WriteString(`INSERT INTO unit_search (unit_id, terms) VALUES `)
		args := make([]any, 0, 2*(end-start))
		for i, r := range rows[start:end] {
			if i > 0 {
				b.WriteByte(',')
			}
			args = append(args, r.UnitID, r.Terms)
			fmt.Fprintf(&b, "($%d, $%d)", len(args)-1, len(args))
		}
		b.WriteString(` ON CONFLICT (unit_id) DO NOTHING`)
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("org: insert unit terms: %w", db.Normalize(err))
		}
	}
	return nil
}

// ---- member units ----

const memberUnitSelect = `SELECT mu.id, mu.body_id, mu.unit_id, u.name, u.short_name, mu.joined_on, COALESCE(mu.left_on, ''), mu.sort_order
	FROM member_units mu JOIN units u ON u.id = mu.unit_id`

func scanMemberUnit(row scanner) (*MemberUnit, error) {
	var m MemberUnit
	err := row.Scan(&m.ID, &m.BodyID, &m.UnitID, &m.UnitName, &m.ShortName, &m.JoinedOn, &m.LeftOn, &m.SortOrder)
	return &m, err
}

func queryMemberUnits(ctx context.Context, q db.Querier, sqlText string, args ...any) ([]MemberUnit, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("org: member units: %w", err)
	}
	return db.Collect(rows, scanMemberUnit)
}

// FindMemberUnits returns every membership of the body, past ones too,
// current ones first, each group in sort order.
func FindMemberUnits(ctx context.Context, q db.Querier, bodyID int64) ([]MemberUnit, error) {
	return queryMemberUnits(ctx, q, memberUnitSelect+` WHERE mu.body_id = $1
		ORDER BY CASE WHEN mu.left_on IS NULL THEN 0 ELSE 1 END, mu.sort_order, mu.joined_on, mu.id`, bodyID)
}

// FindMemberUnitsOn returns the memberships of the body that held on date.
func FindMemberUnitsOn(ctx context.Context, q db.Querier, bodyID int64, date string) ([]MemberUnit, error) {
	return queryMemberUnits(ctx, q, memberUnitSelect+` WHERE mu.body_id = $1 AND mu.joined_on <= $2
		AND (mu.left_on IS NULL OR mu.left_on > $2) ORDER BY mu.sort_order, mu.joined_on, mu.id`, bodyID, date)
}

// FindMemberUnitByID returns the membership, ENOTFOUND if none.
func FindMemberUnitByID(ctx context.Context, q db.Querier, id int64) (*MemberUnit, error) {
	m, err := scanMemberUnit(q.QueryRowContext(ctx, memberUnitSelect+` WHERE mu.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "成员单位", "find member unit")
	}
	return m, nil
}

// InsertMemberUnit makes a unit a member of the body from in.JoinedOn. A
// unit cannot be a member twice at once: the new period may not overlap
// any earlier one. A zero SortOrder puts the unit last.
func InsertMemberUnit(ctx context.Context, q db.Querier, bodyID int64, in MemberUnitInput) (*MemberUnit, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var es core.Errors
	if err := checkUnitRef(ctx, q, &es, "unit_id", "所选单位", in.UnitID); err != nil {
		return nil, err
	}
	if len(es) > 0 {
		return nil, es
	}
	var overlap int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM member_units WHERE body_id = $1 AND unit_id = $2
		AND (left_on IS NULL OR left_on > $3)`, bodyID, in.UnitID, in.JoinedOn).Scan(&overlap); err != nil {
		return nil, fmt.Errorf("org: membership overlap: %w", err)
	}
	if overlap > 0 {
		return nil, core.Invalid("unit_id", "该单位在此日期已是（或之后曾是）本机构的成员单位，不能重复加入")
	}
	if in.SortOrder == 0 {
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(sort_order), 0) + 10 FROM member_units WHERE body_id = $1`,
			bodyID).Scan(&in.SortOrder); err != nil {
			return nil, fmt.Errorf("org: next sort order: %w", err)
		}
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO member_units (body_id, unit_id, joined_on, sort_order) VALUES ($1, $2, $3, $4)
		RETURNING id`, bodyID, in.UnitID, in.JoinedOn, in.SortOrder).Scan(&id)
	if db.IsUniqueViolation(err) {
		return nil, core.Invalid("unit_id", "该单位已是本机构的成员单位")
	} else if err != nil {
		return nil, fmt.Errorf("org: insert member unit: %w", db.Normalize(err))
	}
	return FindMemberUnitByID(ctx, q, id)
}

// EndMemberUnit ends a current membership: leftOn is the first day the
// unit is no longer a member, so it must come after the joining date.
func EndMemberUnit(ctx context.Context, q db.Querier, m *MemberUnit, leftOn string) error {
	var es core.Errors
	leftOn = date(&es, "left_on", "退出日期", leftOn, true)
	if len(es) > 0 {
		return es
	}
	if m.LeftOn != "" {
		return core.Errorf(core.ECONFLICT, "该单位已于%s退出，不能再次退出", m.LeftOn)
	}
	if leftOn <= m.JoinedOn {
		return core.Invalid("left_on", "退出日期须晚于加入日期（"+m.JoinedOn+"）")
	}
	res, err := q.ExecContext(ctx, `UPDATE member_units SET left_on = $1 WHERE id = $2 AND left_on IS NULL`, leftOn, m.ID)
	if err != nil {
		return fmt.Errorf("org: end membership: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return stale("该成员单位")
	}
	m.LeftOn = leftOn
	return nil
}

// ---- members (seats) ----

const memberSelect = `SELECT m.id, m.body_id, m.role, m.person_name, m.position, COALESCE(m.unit_id, 0), COALESCE(u.name, ''),
	m.term_start, COALESCE(m.term_end, ''), COALESCE(m.replaces_id, 0), m.sort_order, m.version
	FROM members m LEFT JOIN units u ON u.id = m.unit_id`

// memberOrder is roster order: leader, deputies, members, office director,
// each by sort order, then by when the term started.
const memberOrder = ` ORDER BY CASE m.role WHEN 'leader' THEN 0 WHEN 'deputy_leader' THEN 1 WHEN 'member' THEN 2 ELSE 3 END,
	m.sort_order, m.term_start, m.id`

func scanMember(row scanner) (*Member, error) {
	var m Member
	var role string
	err := row.Scan(&m.ID, &m.BodyID, &role, &m.PersonName, &m.Position, &m.UnitID, &m.UnitName,
		&m.TermStart, &m.TermEnd, &m.ReplacesID, &m.SortOrder, &m.Version)
	m.Role = SeatRole(role)
	return &m, err
}

func queryMembers(ctx context.Context, q db.Querier, sqlText string, args ...any) ([]Member, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("org: members: %w", err)
	}
	return db.Collect(rows, scanMember)
}

// FindMembers returns every seat row of the body, past terms too, in id
// order (the order SeatHistory expects).
func FindMembers(ctx context.Context, q db.Querier, bodyID int64) ([]Member, error) {
	return queryMembers(ctx, q, memberSelect+` WHERE m.body_id = $1 ORDER BY m.id`, bodyID)
}

// FindMembersOn returns the seats of the body held on date, in roster order.
func FindMembersOn(ctx context.Context, q db.Querier, bodyID int64, date string) ([]Member, error) {
	return queryMembers(ctx, q, memberSelect+` WHERE m.body_id = $1 AND m.term_start <= $2
		AND (m.term_end IS NULL OR m.term_end > $2)`+memberOrder, bodyID, date)
}

// FindMemberByID returns the seat row, ENOTFOUND if none.
func FindMemberByID(ctx context.Context, q db.Querier, id int64) (*Member, error) {
	m, err := scanMember(q.QueryRowContext(ctx, memberSelect+` WHERE m.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "成员", "find member")
	}
	return m, nil
}

// InsertMember seats a person in the body. Only one leader and one office
// director hold office at a time: a second one must replace the first.
func InsertMember(ctx context.Context, q db.Querier, bodyID int64, in MemberInput) (*Member, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var es core.Errors
	if err := checkUnitRef(ctx, q, &es, "unit_id", "所选单位", in.UnitID); err != nil {
		return nil, err
	}
	if len(es) > 0 {
		return nil, es
	}
	if in.Role.Single() {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM members WHERE body_id = $1 AND role = $2
			AND (term_end IS NULL OR term_end > $3)`, bodyID, string(in.Role), in.TermStart).Scan(&n); err != nil {
			return nil, fmt.Errorf("org: single seat: %w", err)
		}
		if n > 0 {
			return nil, core.Invalid("role", "该职务当前已有人担任，请在现任人员处使用“更换人员”")
		}
	}
	if in.SortOrder == 0 {
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(sort_order), 0) + 10 FROM members WHERE body_id = $1 AND role = $2`,
			bodyID, string(in.Role)).Scan(&in.SortOrder); err != nil {
			return nil, fmt.Errorf("org: next sort order: %w", err)
		}
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO members (body_id, role, person_name, position, unit_id, term_start, sort_order)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, bodyID, string(in.Role), in.PersonName, in.Position,
		nullID(in.UnitID), in.TermStart, in.SortOrder).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("org: insert member: %w", db.Normalize(err))
	}
	return FindMemberByID(ctx, q, id)
}

// ReplaceMember ends old's term on in.OnDate and seats the new person in
// the same seat from that date, linked by replaces_id.
func ReplaceMember(ctx context.Context, q db.Querier, old *Member, in Replacement) (*Member, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var es core.Errors
	if err := checkUnitRef(ctx, q, &es, "unit_id", "所选单位", in.UnitID); err != nil {
		return nil, err
	}
	if len(es) > 0 {
		return nil, es
	}
	if old.TermEnd != "" {
		return nil, core.Errorf(core.ECONFLICT, "%s的任职已于%s结束，不能再更换", old.PersonName, old.TermEnd)
	}
	if in.OnDate <= old.TermStart {
		return nil, core.Invalid("on_date", "调整日期须晚于原任职日期（"+old.TermStart+"）")
	}
	if err := endTerm(ctx, q, old, in.OnDate, in.Version); err != nil {
		return nil, err
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO members (body_id, role, person_name, position, unit_id, term_start,
		replaces_id, sort_order) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		old.BodyID, string(old.Role), in.PersonName, in.Position, nullID(in.UnitID), in.OnDate, old.ID, old.SortOrder).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("org: insert replacement: %w", db.Normalize(err))
	}
	return FindMemberByID(ctx, q, id)
}

// EndMember ends a term without a successor (the seat is abolished or the
// unit leaves): onDate is the first day the person no longer holds it.
func EndMember(ctx context.Context, q db.Querier, m *Member, onDate string, version int64) error {
	var es core.Errors
	onDate = date(&es, "on_date", "免职日期", onDate, true)
	if len(es) > 0 {
		return es
	}
	if m.TermEnd != "" {
		return core.Errorf(core.ECONFLICT, "%s的任职已于%s结束", m.PersonName, m.TermEnd)
	}
	if onDate <= m.TermStart {
		return core.Invalid("on_date", "免职日期须晚于任职日期（"+m.TermStart+"）")
	}
	return endTerm(ctx, q, m, onDate, version)
}

func endTerm(ctx context.Context, q db.Querier, m *Member, onDate string, version int64) error {
	res, err := q.ExecContext(ctx, `UPDATE members SET term_end = $1, version = version + 1
		WHERE id = $2 AND version = $3 AND term_end IS NULL`, onDate, m.ID, version)
	if err != nil {
		return fmt.Errorf("org: end term: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return stale("该成员")
	}
	m.TermEnd = onDate
	m.Version++
	return nil
}

// UpdateMember corrects a seat row if its version is still in.Version.
func UpdateMember(ctx context.Context, q db.Querier, id int64, in MemberUpdate) (*Member, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var es core.Errors
	if err := checkUnitRef(ctx, q, &es, "unit_id", "所选单位", in.UnitID); err != nil {
		return nil, err
	}
	if len(es) > 0 {
		return nil, es
	}
	res, err := q.ExecContext(ctx, `UPDATE members SET person_name = $1, position = $2, unit_id = $3, sort_order = $4,
		version = version + 1 WHERE id = $5 AND version = $6`,
		in.PersonName, in.Position, nullID(in.UnitID), in.SortOrder, id, in.Version)
	if err != nil {
		return nil, fmt.Errorf("org: update member: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, stale("该成员")
	}
	return FindMemberByID(ctx, q, id)
}

// LoadRoster reads the body as it stood on asOf.
func LoadRoster(ctx context.Context, q db.Querier, bodyID int64, asOf string) (*Roster, error) {
	b, err := FindBodyByID(ctx, q, bodyID)
	if err != nil {
		return nil, err
	}
	seats, err := FindMembersOn(ctx, q, bodyID, asOf)
	if err != nil {
		return nil, err
	}
	units, err := FindMemberUnitsOn(ctx, q, bodyID, asOf)
	if err != nil {
		return nil, err
	}
	r := BuildRoster(*b, asOf, seats, units)
	return &r, nil
}

// ---- liaisons ----

const liaisonSelect = `SELECT l.id, l.body_id, l.unit_id, u.name, l.name, l.post, l.phone, l.email, l.active, l.version,
	l.created_at, l.updated_at FROM liaisons l JOIN units u ON u.id = l.unit_id`

func scanLiaison(row scanner) (*Liaison, error) {
	var l Liaison
	var created, updated int64
	err := row.Scan(&l.ID, &l.BodyID, &l.UnitID, &l.UnitName, &l.Name, &l.Post, &l.Phone, &l.Email, &l.Active,
		&l.Version, &created, &updated)
	l.CreatedAt, l.UpdatedAt = unix(created), unix(updated)
	return &l, err
}

// FindLiaisons returns the body's liaisons: active ones first, in the
// order of their units' memberships.
func FindLiaisons(ctx context.Context, q db.Querier, bodyID int64) ([]Liaison, error) {
	rows, err := q.QueryContext(ctx, liaisonSelect+` LEFT JOIN member_units mu ON mu.body_id = l.body_id
		AND mu.unit_id = l.unit_id AND mu.left_on IS NULL WHERE l.body_id = $1
		ORDER BY CASE WHEN l.active THEN 0 ELSE 1 END, COALESCE(mu.sort_order, 999999999), u.name, l.id`, bodyID)
	if err != nil {
		return nil, fmt.Errorf("org: liaisons: %w", err)
	}
	return db.Collect(rows, scanLiaison)
}

// FindLiaisonByID returns the liaison entry, ENOTFOUND if none.
func FindLiaisonByID(ctx context.Context, q db.Querier, id int64) (*Liaison, error) {
	l, err := scanLiaison(q.QueryRowContext(ctx, liaisonSelect+` WHERE l.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "联络员", "find liaison")
	}
	return l, nil
}

// InsertLiaison adds a liaison for a current member unit of the body.
func InsertLiaison(ctx context.Context, q db.Querier, now time.Time, bodyID int64, in LiaisonInput) (*Liaison, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := checkCurrentMember(ctx, q, bodyID, in.UnitID); err != nil {
		return nil, err
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO liaisons (body_id, unit_id, name, post, phone, email, active, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`, bodyID, in.UnitID, in.Name, in.Post, in.Phone, in.Email,
		true, now.Unix()).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("org: insert liaison: %w", db.Normalize(err))
	}
	return FindLiaisonByID(ctx, q, id)
}

// UpdateLiaison applies in to the entry if its version is still in.Version.
// Moving an entry to another unit requires that unit to be a current member.
func UpdateLiaison(ctx context.Context, q db.Querier, now time.Time, cur *Liaison, in LiaisonInput) (*Liaison, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.UnitID != cur.UnitID {
		if err := checkCurrentMember(ctx, q, cur.BodyID, in.UnitID); err != nil {
			return nil, err
		}
	}
	res, err := q.ExecContext(ctx, `UPDATE liaisons SET unit_id = $1, name = $2, post = $3, phone = $4, email = $5,
		active = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9`,
		in.UnitID, in.Name, in.Post, in.Phone, in.Email, in.Active, now.Unix(), cur.ID, in.Version)
	if err != nil {
		return nil, fmt.Errorf("org: update liaison: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, stale("该联络员信息")
	}
	return FindLiaisonByID(ctx, q, cur.ID)
}

// deactivateLiaisons marks the liaisons of a unit leaving the body inactive.
func deactivateLiaisons(ctx context.Context, q db.Querier, now time.Time, bodyID, unitID int64) (int64, error) {
	res, err := q.ExecContext(ctx, `UPDATE liaisons SET active = $1, version = version + 1, updated_at = $2
		WHERE body_id = $3 AND unit_id = $4 AND active = $5`, false, now.Unix(), bodyID, unitID, true)
	if err != nil {
		return 0, fmt.Errorf("org: deactivate liaisons: %w", err)
	}
	return res.RowsAffected()
}

func checkCurrentMember(ctx context.Context, q db.Querier, bodyID, unitID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM member_units WHERE body_id = $1 AND unit_id = $2 AND left_on IS NULL`,
		bodyID, unitID).Scan(&n); err != nil {
		return fmt.Errorf("org: current member: %w", err)
	}
	if n == 0 {
		return core.Invalid("unit_id", unitNotMember)
	}
	return nil
}

// ---- duties ----

const dutySelect = `SELECT d.id, d.body_id, d.scope, COALESCE(d.unit_id, 0), COALESCE(u.name, ''), d.seq, d.text, d.version
	FROM duties d LEFT JOIN units u ON u.id = d.unit_id`

func scanDuty(row scanner) (*Duty, error) {
	var d Duty
	var scope string
	err := row.Scan(&d.ID, &d.BodyID, &scope, &d.UnitID, &d.UnitName, &d.Seq, &d.Text, &d.Version)
	d.Scope = DutyScope(scope)
	return &d, err
}

// FindDuties returns the body's duties in display order: common, office,
// liaison, then each unit's list in the order of its membership.
func FindDuties(ctx context.Context, q db.Querier, bodyID int64) ([]Duty, error) {
	rows, err := q.QueryContext(ctx, dutySelect+` LEFT JOIN member_units mu ON mu.body_id = d.body_id
		AND mu.unit_id = d.unit_id AND mu.left_on IS NULL WHERE d.body_id = $1
		ORDER BY CASE d.scope WHEN 'common' THEN 0 WHEN 'office' THEN 1 WHEN 'liaison' THEN 2 ELSE 3 END,
		COALESCE(mu.sort_order, 999999999), COALESCE(d.unit_id, 0), d.seq, d.id`, bodyID)
	if err != nil {
		return nil, fmt.Errorf("org: duties: %w", err)
	}
	return db.Collect(rows, scanDuty)
}

// FindDutyByID returns the duty, ENOTFOUND if none.
func FindDutyByID(ctx context.Context, q db.Querier, id int64) (*Duty, error) {
	d, err := scanDuty(q.QueryRowContext(ctx, dutySelect+` WHERE d.id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "职责", "find duty")
	}
	return d, nil
}

// dutyListIDs returns the ids of one duty list in number order.
func dutyListIDs(ctx context.Context, q db.Querier, bodyID int64, scope DutyScope, unitID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM duties WHERE body_id = $1 AND scope = $2 AND COALESCE(unit_id, 0) = $3
		ORDER BY seq, id`, bodyID, string(scope), unitID)
	if err != nil {
		return nil, fmt.Errorf("org: duty list: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// InsertDuty appends a duty to its list, numbered after the last one. A
// unit's specific duties need the unit to be a current member.
func InsertDuty(ctx context.Context, q db.Querier, bodyID int64, in DutyInput) (*Duty, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if in.Scope == DutyUnit {
		if err := checkCurrentMember(ctx, q, bodyID, in.UnitID); err != nil {
			return nil, err
		}
	}
	var seq int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM duties WHERE body_id = $1 AND scope = $2
		AND COALESCE(unit_id, 0) = $3`, bodyID, string(in.Scope), in.UnitID).Scan(&seq); err != nil {
		return nil, fmt.Errorf("org: next duty number: %w", err)
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO duties (body_id, scope, unit_id, seq, text) VALUES ($1, $2, $3, $4, $5)
		RETURNING id`, bodyID, string(in.Scope), nullID(in.UnitID), seq, in.Text).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("org: insert duty: %w", db.Normalize(err))
	}
	return FindDutyByID(ctx, q, id)
}

// UpdateDuty changes a duty's text if its version is still in.Version.
func UpdateDuty(ctx context.Context, q db.Querier, id int64, in DutyUpdate) (*Duty, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	res, err := q.ExecContext(ctx, `UPDATE duties SET text = $1, version = version + 1 WHERE id = $2 AND version = $3`,
		in.Text, id, in.Version)
	if err != nil {
		return nil, fmt.Errorf("org: update duty: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, stale("该职责")
	}
	return FindDutyByID(ctx, q, id)
}

// DeleteDuty removes a duty if its version is still version, and numbers
// the rest of its list 1, 2, 3 … again.
func DeleteDuty(ctx context.Context, q db.Querier, d *Duty, version int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM duties WHERE id = $1 AND version = $2`, d.ID, version)
	if err != nil {
		return fmt.Errorf("org: delete duty: %w", db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return stale("该职责")
	}
	ids, err := dutyListIDs(ctx, q, d.BodyID, d.Scope, d.UnitID)
	if err != nil {
		return err
	}
	return renumber(ctx, q, ids)
}

// ReorderDuties numbers one duty list in the order of ids, which must be
// exactly the list's current duties: a list changed since the user loaded
// it is a conflict, not a guess.
func ReorderDuties(ctx context.Context, q db.Querier, bodyID int64, scope DutyScope, unitID int64, ids []int64) error {
	cur, err := dutyListIDs(ctx, q, bodyID, scope, unitID)
	if err != nil {
		return err
	}
	a, b := slices.Clone(cur), slices.Clone(ids)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		return core.Errorf(core.ECONFLICT, "职责列表%s", staleMessage)
	}
	return renumber(ctx, q, ids)
}

func renumber(ctx context.Context, q db.Querier, ids []int64) error {
	for i, id := range ids {
		if _, err := q.ExecContext(ctx, `UPDATE duties SET seq = $1, version = version + 1 WHERE id = $2 AND seq <> $1`,
			int64(i+1), id); err != nil {
			return fmt.Errorf("org: renumber duty: %w", err)
		}
	}
	return nil
}

// FindUnitsInRegionTree returns up to limit units of region root and the
// regions below it, ordered by region code and name: the choices of a
// body's forms.
func FindUnitsInRegionTree(ctx context.Context, q db.Querier, root int64, limit int) ([]Unit, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE tree (id, depth) AS (
			SELECT id, 0 FROM regions WHERE id = $1
			UNION ALL
			SELECT r.id, tree.depth + 1 FROM regions r JOIN tree ON r.parent_id = tree.id WHERE tree.depth < 8
		)
		`+unitSelect+` WHERE u.region_id IN (SELECT id FROM tree) ORDER BY r.code, u.name, u.id LIMIT $2`, root, limit)
	if err != nil {
		return nil, fmt.Errorf("org: units in region: %w", err)
	}
	return db.Collect(rows, scanUnit)
}
