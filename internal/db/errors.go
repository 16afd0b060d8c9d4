package db

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"liandong/internal/core"
)

// Normalize maps driver errors to core errors by driver code, never by
// message text: unique violations become ECONFLICT, foreign-key, check and
// not-null violations EINVALID, sql.ErrNoRows ENOTFOUND. Other errors pass
// through unchanged and end up as EINTERNAL.
func Normalize(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &core.Error{Code: core.ENOTFOUND, Message: "记录不存在或无权访问", Err: err}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &core.Error{Code: core.ECONFLICT, Message: "该记录与已有记录重复", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return &core.Error{Code: core.EINVALID, Message: "引用的记录不存在，或仍被其他记录引用", Err: err}
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return &core.Error{Code: core.EINVALID, Message: "数据不符合要求", Err: err}
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &core.Error{Code: core.ECONFLICT, Message: "该记录与已有记录重复", Err: err}
		case "23503":
			return &core.Error{Code: core.EINVALID, Message: "引用的记录不存在，或仍被其他记录引用", Err: err}
		case "23514", "23502":
			return &core.Error{Code: core.EINVALID, Message: "数据不符合要求", Err: err}
		}
	}
	return err
}

// IsUniqueViolation reports whether err is a unique-key violation.
func IsUniqueViolation(err error) bool {
	return core.ErrorCode(Normalize(err)) == core.ECONFLICT
}
