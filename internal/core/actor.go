package core

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Role is what a user account is for. The three administrators are kept
// apart (三员分立, SECURITY.md B1): none of them sees business data.
type Role string

const (
	RoleSystemAdmin   Role = "system_admin"   // 系统管理员: accounts, settings, backup
	RoleSecurityAdmin Role = "security_admin" // 安全管理员: security policy, unlock, role grants
	RoleAuditAdmin    Role = "audit_admin"    // 审计管理员: reads the audit log only
	RoleOffice        Role = "office"         // 办公室: runs a body (and sees its subordinate bodies)
	RoleLeader        Role = "leader"         // 组长/副组长: sees the body, approves, signs off
	RoleLiaison       Role = "liaison"        // 联络员: acts for one member unit
)

// Roles lists every role in display order.
var Roles = []Role{RoleOffice, RoleLeader, RoleLiaison, RoleSystemAdmin, RoleSecurityAdmin, RoleAuditAdmin}

// RoleNames are the Chinese names shown in the UI.
var RoleNames = map[Role]string{
	RoleSystemAdmin:   "系统管理员",
	RoleSecurityAdmin: "安全管理员",
	RoleAuditAdmin:    "审计管理员",
	RoleOffice:        "办公室工作人员",
	RoleLeader:        "领导",
	RoleLiaison:       "联络员",
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := RoleNames[r]; return ok }

// IsAdmin reports whether r is one of the three administrator roles.
func (r Role) IsAdmin() bool {
	return r == RoleSystemAdmin || r == RoleSecurityAdmin || r == RoleAuditAdmin
}

// Actor is who is acting in a request: resolved from the session or token on
// every request, never cached in a cookie (SECURITY.md B6).
type Actor struct {
	UserID      int64
	Username    string
	DisplayName string
	Role        Role
	UnitID      int64   // the user's own unit, 0 if none
	BodyIDs     []int64 // bodies the user acts in
	ScopeIDs    []int64 // bodies the user may read: BodyIDs plus, for office staff, their subordinate bodies
	IP          string
	RequestID   string
}

// InBody reports whether the actor acts in body id.
func (a *Actor) InBody(id int64) bool { return a != nil && slices.Contains(a.BodyIDs, id) }

// CanSee reports whether body id is within the actor's read scope.
func (a *Actor) CanSee(id int64) bool { return a != nil && slices.Contains(a.ScopeIDs, id) }

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil for an anonymous request.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// WorkerFrom returns the actor of a business use case (plans, reports,
// data calls): logged in (else EUNAUTHORIZED) and office staff, a leader
// or a liaison (else EFORBIDDEN; the three administrators see no business
// data, SECURITY.md B1). The route's permission has said so already; the
// domain services check again for callers that are not routes.
func WorkerFrom(ctx context.Context) (*Actor, error) {
	a := ActorFrom(ctx)
	if a == nil {
		return nil, Errorf(EUNAUTHORIZED, "请先登录")
	}
	if a.Role != RoleOffice && a.Role != RoleLeader && a.Role != RoleLiaison {
		return nil, Forbidden()
	}
	return a, nil
}

// Clock gives the current time; tests inject a fake one to move across
// timeouts and lockouts (SECURITY.md A3, A5, A6).
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// FakeClock is a settable clock for tests; safe for concurrent use.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock returns a fake clock set to t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{t: t.UTC()} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the fake clock forward.
func (c *FakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
