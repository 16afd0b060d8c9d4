// Package core is the shared kernel every other package may import: the
// error type with its codes, the acting user carried in a context, the clock,
// and pagination. It imports nothing of ours.
package core

import (
	"errors"
	"fmt"
)

// Error codes, after WTF Dial. The web and API layers map each to one HTTP
// status; domain code never speaks HTTP.
const (
	ECONFLICT     = "conflict"     // 409: unique key taken, stale version, illegal state change
	EINTERNAL     = "internal"     // 500
	EINVALID      = "invalid"      // 422: validation failed
	ENOTFOUND     = "not_found"    // 404: missing, or out of the actor's scope
	EUNAUTHORIZED = "unauthorized" // 401: not logged in
	EFORBIDDEN    = "forbidden"    // 403: logged in, role may not do this
	ELOCKED       = "locked"       // 423: account temporarily locked
	ETOOMANY      = "too_many"     // 429: rate limited
	ETOOLARGE     = "too_large"    // 413: body or field over its limit
)

// Error is the one error type that crosses package boundaries. Message is
// Chinese and safe to show to the user; Err is the internal cause, logged in
// English and never shown. Field names the form field at fault, if any.
type Error struct {
	Code    string
	Message string
	Field   string
	Op      string
	Err     error
}

func (e *Error) Error() string {
	s := e.Code
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Field != "" {
		s += " [" + e.Field + "]"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	} else if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a user-facing Chinese message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a validation failure of one field.
func Invalid(field, message string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: message}
}

// NotFound is the answer for missing objects and for objects outside the
// actor's scope alike, so that existence is not revealed (SECURITY.md B3).
func NotFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Message: what + "不存在或无权访问"}
}

// Forbidden is the answer when the actor's role may not perform the action.
func Forbidden() *Error {
	return &Error{Code: EFORBIDDEN, Message: "您没有执行此操作的权限"}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors, "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; foreign errors get a
// generic one so that internals never reach the user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "系统内部错误，请稍后重试；如持续出现，请将请求编号告知管理员。"
}

// ErrorField returns the form field err names, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Errors collects several field errors from one validation pass.
type Errors []*Error

// Add appends a field error.
func (es *Errors) Add(field, message string) { *es = append(*es, Invalid(field, message)) }

// Err returns nil when empty, the error itself otherwise.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

func (es Errors) Error() string {
	s := "invalid:"
	for _, e := range es {
		s += " [" + e.Field + "] " + e.Message
	}
	return s
}

// As lets errors.As(err, **Error) find the first field error, so that code,
// message and field work on a whole list too.
func (es Errors) As(target any) bool {
	if p, ok := target.(**Error); ok && len(es) > 0 {
		*p = es[0]
		return true
	}
	return false
}

// FieldErrors returns err as a field → message map (for forms and the API).
func FieldErrors(err error) map[string]string {
	m := map[string]string{}
	var es Errors
	if errors.As(err, &es) {
		for _, e := range es {
			if _, ok := m[e.Field]; !ok {
				m[e.Field] = e.Message
			}
		}
		return m
	}
	if f := ErrorField(err); f != "" {
		m[f] = ErrorMessage(err)
	}
	return m
}
