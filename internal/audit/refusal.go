package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
)

// refusal marks an error that refused an actor an object, so that the
// refusal is audited after the refused transaction has rolled back
// (SECURITY.md B3, C1). The domain services answer with OutOfScope or
// Refused and call LogRefusal on every error they return.
type refusal struct {
	objectType string
	objectID   int64
	op         string
}

func (r *refusal) Error() string {
	return fmt.Sprintf("%s: %s %d is refused to the actor", r.op, r.objectType, r.objectID)
}

// OutOfScope is the answer to an actor asking for an object outside its
// scope: not found, exactly like a missing one, so that its existence is
// not revealed. what names the object in Chinese.
func OutOfScope(what, objectType string, id int64, op string) error {
	return &core.Error{Code: core.ENOTFOUND, Message: what + "不存在或无权访问", Op: op,
		Err: &refusal{objectType: objectType, objectID: id, op: op}}
}

// Refused is the answer to an actor who may see an object but not do op
// to it; message says so in Chinese.
func Refused(objectType string, id int64, op, message string) error {
	return &core.Error{Code: core.EFORBIDDEN, Message: message, Op: op,
		Err: &refusal{objectType: objectType, objectID: id, op: op}}
}

// LogRefusal audits the refusal err carries, if any, in a transaction of
// its own.
func LogRefusal(ctx context.Context, d *db.DB, now time.Time, err error) {
	var r *refusal
	if errors.As(err, &r) {
		_ = Log(ctx, d, now, Event{Action: "access.denied", ObjectType: r.objectType, ObjectID: r.objectID,
			Outcome: Denied, Detail: r.op})
	}
}

// ChangeAs runs a business use case that writes: fn gets the actor (a
// business user, core.WorkerFrom) and one write transaction; a refusal it
// returns is audited after the rollback. The plan, report and data-call
// services run every change through it.
func ChangeAs(ctx context.Context, d *db.DB, clock core.Clock, fn func(a *core.Actor, tx *sql.Tx, now time.Time) error) error {
	a, err := core.WorkerFrom(ctx)
	if err != nil {
		return err
	}
	now := clock.Now()
	err = d.InTx(ctx, func(tx *sql.Tx) error { return fn(a, tx, now) })
	LogRefusal(ctx, d, clock.Now(), err)
	return err
}

// ReadAs runs a business use case that only reads, like ChangeAs.
func ReadAs(ctx context.Context, d *db.DB, clock core.Clock, fn func(a *core.Actor, q db.Querier) error) error {
	a, err := core.WorkerFrom(ctx)
	if err != nil {
		return err
	}
	err = fn(a, d.R())
	LogRefusal(ctx, d, clock.Now(), err)
	return err
}
