package region

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"liandong/internal/core"
	"liandong/internal/db"
)

const columns = `id, code, name, level, COALESCE(parent_id, 0), version`

func scan(row db.Scanner) (*Region, error) {
	var r Region
	var level string
	if err := row.Scan(&r.ID, &r.Code, &r.Name, &level, &r.ParentID, &r.Version); err != nil {
		return nil, err
	}
	r.Level = Level(level)
	return &r, nil
}

// FindByID returns the region, ENOTFOUND if there is none.
func FindByID(ctx context.Context, q db.Querier, id int64) (*Region, error) {
	r, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM regions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("行政区划")
	}
	if err != nil {
		return nil, fmt.Errorf("region: find %d: %w", id, err)
	}
	return r, nil
}

// FindByCode returns the region with a GB/T 2260 code, ENOTFOUND if none.
func FindByCode(ctx context.Context, q db.Querier, code string) (*Region, error) {
	r, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM regions WHERE code = $1`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.NotFound("行政区划")
	}
	if err != nil {
		return nil, fmt.Errorf("region: find code %s: %w", code, err)
	}
	return r, nil
}

// List returns every region ordered by code, which is also the tree order
// (a parent's code sorts before its children's). Even a national
// installation has only some 3,200 regions.
func List(ctx context.Context, q db.Querier) ([]Region, error) {
	return query(ctx, q, `SELECT `+columns+` FROM regions ORDER BY code`)
}

// Children returns the regions directly under parentID, ordered by code.
func Children(ctx context.Context, q db.Querier, parentID int64) ([]Region, error) {
	return query(ctx, q, `SELECT `+columns+` FROM regions WHERE parent_id = $1 ORDER BY code`, parentID)
}

func query(ctx context.Context, q db.Querier, sqlText string, args ...any) ([]Region, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("region: list: %w", err)
	}
	return db.Collect(rows, scan)
}

// Create validates r, checks it against its parent, and inserts it. A code
// already in use is a field error (422), not a conflict: the user typed it.
func Create(ctx context.Context, q db.Querier, r *Region) error {
	if err := r.Validate(); err != nil {
		return err
	}
	var parent *Region
	if r.ParentID != 0 {
		p, err := FindByID(ctx, q, r.ParentID)
		if core.ErrorCode(err) == core.ENOTFOUND {
			return core.Invalid("parent_id", "上级行政区划不存在")
		} else if err != nil {
			return err
		}
		parent = p
	}
	if err := CheckParent(r, parent); err != nil {
		return err
	}
	if _, err := FindByCode(ctx, q, r.Code); err == nil {
		return core.Invalid("code", "行政区划代码"+r.Code+"已存在")
	} else if core.ErrorCode(err) != core.ENOTFOUND {
		return err
	}
	err := q.QueryRowContext(ctx, `INSERT INTO regions (code, name, level, parent_id) VALUES ($1, $2, $3, $4)
		RETURNING id, version`, r.Code, r.Name, string(r.Level), nullID(r.ParentID)).Scan(&r.ID, &r.Version)
	if db.IsUniqueViolation(err) {
		return core.Invalid("code", "行政区划代码"+r.Code+"已存在")
	}
	if err != nil {
		return fmt.Errorf("region: create: %w", db.Normalize(err))
	}
	return nil
}

// Rename changes a region's name if its version is still version. Code,
// level and parent are fixed once created: children's codes continue the
// parent's, and GB/T 2260 gives a changed region a new code anyway.
// A stale version is ECONFLICT.
func Rename(ctx context.Context, q db.Querier, id int64, name string, version int64) (*Region, error) {
	cur, err := FindByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	next := *cur
	next.Name = name
	if err := next.Validate(); err != nil {
		return nil, err
	}
	res, err := q.ExecContext(ctx, `UPDATE regions SET name = $1, version = version + 1 WHERE id = $2 AND version = $3`,
		next.Name, id, version)
	if err != nil {
		return nil, fmt.Errorf("region: rename %d: %w", id, db.Normalize(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, core.Errorf(core.ECONFLICT, "该行政区划已被他人修改，请刷新页面查看最新内容后再修改")
	}
	next.Version = cur.Version + 1
	return &next, nil
}

// Within reports whether region id is root or lies below it. It walks up
// from id, at most a few levels.
func Within(ctx context.Context, q db.Querier, id, root int64) (bool, error) {
	for depth := 0; id != 0 && depth < 8; depth++ {
		if id == root {
			return true, nil
		}
		var parent sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT parent_id FROM regions WHERE id = $1`, id).Scan(&parent)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("region: within: %w", err)
		}
		id = parent.Int64
	}
	return false, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
