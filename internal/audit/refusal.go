package audit

import (
	"context"
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
