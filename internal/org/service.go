package org

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/region"
)

// Service runs the registry's use cases for the HTML pages and the JSON
// API alike. Every method takes the actor from ctx and enforces its scope:
//
//   - office staff read the bodies in their scope (their own and every
//     body below) and change only their own bodies;
//   - leaders read their own bodies;
//   - liaisons read their own bodies (phone numbers of other units masked)
//     and change only their own unit's liaison entries;
//   - the three administrators see no business data (三员分立).
//
// An object outside the actor's scope answers ENOTFOUND, exactly like a
// missing one, so that its existence is not revealed, and the denial is
// audited (SECURITY.md B3). Every change runs in one transaction together
// with its audit record, holding the values before and after.
type Service struct {
	DB    *db.DB
	Clock core.Clock
}

// denied answers a request for an object outside the actor's scope.
var denied = audit.OutOfScope

// change runs fn in one write transaction and audits a scope refusal.
func (s *Service) change(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	if _, err := actorOf(ctx); err != nil {
		return err
	}
	now := s.Clock.Now()
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error { return fn(tx, now) })
	audit.LogRefusal(ctx, s.DB, s.Clock.Now(), err)
	return err
}

// read runs a read-only use case and audits a scope refusal.
func (s *Service) read(ctx context.Context, fn func(a *core.Actor, q db.Querier) error) error {
	a, err := actorOf(ctx)
	if err != nil {
		return err
	}
	err = fn(a, s.DB.R())
	audit.LogRefusal(ctx, s.DB, s.Clock.Now(), err)
	return err
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, now time.Time, ev audit.Event) error {
	return audit.Record(ctx, tx, s.DB.Engine, now, ev)
}

func actorOf(ctx context.Context) (*core.Actor, error) {
	a := core.ActorFrom(ctx)
	if a == nil {
		return nil, core.Errorf(core.EUNAUTHORIZED, "请先登录")
	}
	return a, nil
}

// business reports whether a's role works with the registry at all.
func business(a *core.Actor) bool {
	return a != nil && (a.Role == core.RoleOffice || a.Role == core.RoleLeader || a.Role == core.RoleLiaison)
}

// CanRead reports whether a may read body id.
func CanRead(a *core.Actor, bodyID int64) bool { return business(a) && a.CanSee(bodyID) }

// CanWrite reports whether a may change body id: office staff of that
// very body, not of a body above it.
func CanWrite(a *core.Actor, bodyID int64) bool {
	return a != nil && a.Role == core.RoleOffice && a.InBody(bodyID)
}

// CanReadHistory reports whether a may see who held the body's seats
// before: its office and leaders, not member units' liaisons.
func CanReadHistory(a *core.Actor, bodyID int64) bool {
	return CanRead(a, bodyID) && (a.Role == core.RoleOffice || a.Role == core.RoleLeader)
}

// CanEditLiaison reports whether a may change liaison entry l: the office
// of its body, or a liaison of the same unit acting in that body.
func CanEditLiaison(a *core.Actor, l *Liaison) bool {
	if CanWrite(a, l.BodyID) {
		return true
	}
	return a != nil && a.Role == core.RoleLiaison && a.InBody(l.BodyID) && a.UnitID != 0 && a.UnitID == l.UnitID
}

// seesContacts reports whether a may see a liaison's full phone number and
// e-mail: the office of the body (or above it), and the liaison's own unit
// (SECURITY.md H2). Everyone else sees them masked.
func seesContacts(a *core.Actor, l *Liaison) bool {
	return (a.Role == core.RoleOffice && a.CanSee(l.BodyID)) || (a.UnitID != 0 && a.UnitID == l.UnitID)
}

func maskFor(a *core.Actor, l *Liaison) {
	if !seesContacts(a, l) {
		l.Phone, l.Email, l.Masked = MaskPhone(l.Phone), MaskEmail(l.Email), true
	}
}

// readableBody loads body id if a may read it.
func readableBody(ctx context.Context, q db.Querier, a *core.Actor, id int64, op string) (*Body, error) {
	b, err := FindBodyByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !CanRead(a, id) {
		return nil, denied("机构", "body", id, op)
	}
	return b, nil
}

// writableBody loads body id inside tx if a may change it.
func writableBody(ctx context.Context, q db.Querier, a *core.Actor, id int64, op string) (*Body, error) {
	b, err := FindBodyByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !CanWrite(a, id) {
		return nil, denied("机构", "body", id, op)
	}
	return b, nil
}

// asOfDate defaults an empty date to today and checks a given one.
func (s *Service) asOfDate(d string) (string, error) {
	if d == "" {
		return Today(s.Clock), nil
	}
	if !ValidDate(d) {
		return "", core.Invalid("date", "日期格式应为YYYY-MM-DD，如 2020-08-06")
	}
	return d, nil
}

// ---- bodies ----

// ListBodies returns the bodies the actor may read, as trees (a city's
// leading group with its county groups under it).
func (s *Service) ListBodies(ctx context.Context) ([]BodyNode, error) {
	var out []BodyNode
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if !business(a) {
			return nil
		}
		var all []Body
		seen := map[int64]bool{}
		for _, root := range a.BodyIDs {
			sub, err := FindSubtree(ctx, q, root)
			if err != nil {
				return err
			}
			for _, b := range sub {
				if !seen[b.ID] && CanRead(a, b.ID) {
					seen[b.ID] = true
					all = append(all, b)
				}
			}
		}
		out = BuildTree(all)
		return nil
	})
	return out, err
}

// GetBody returns body id, ENOTFOUND if it is missing or out of scope.
func (s *Service) GetBody(ctx context.Context, id int64) (*Body, error) {
	var b *Body
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		b, err = readableBody(ctx, q, a, id, "get body")
		return err
	})
	return b, err
}

// CreateBody creates a body under one of the actor's own bodies (a city
// office sets up a county's group), in its parent's region or below.
// Top-level bodies are created when an installation is set up, not here.
func (s *Service) CreateBody(ctx context.Context, in BodyInput) (*Body, error) {
	var b *Body
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		a := core.ActorFrom(ctx)
		if in.ParentID <= 0 {
			return core.Invalid("parent_id", "请选择上级机构")
		}
		parent, err := writableBody(ctx, tx, a, in.ParentID, "create body")
		if err != nil {
			return err
		}
		if in.RegionID > 0 {
			ok, err := region.Within(ctx, tx, in.RegionID, parent.RegionID)
			if err != nil {
				return err
			}
			if !ok {
				return core.Invalid("region_id", "下级机构的行政区划须在上级机构（"+parent.RegionName+"）范围内")
			}
		}
		if b, err = InsertBody(ctx, tx, now, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "body.create", ObjectType: "body", ObjectID: b.ID, After: b})
	})
	return b, err
}

// UpdateBody changes the actor's own body if in.Version is still current.
func (s *Service) UpdateBody(ctx context.Context, id int64, in BodyUpdate) (*Body, error) {
	var b *Body
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		before, err := writableBody(ctx, tx, core.ActorFrom(ctx), id, "update body")
		if err != nil {
			return err
		}
		if b, err = UpdateBody(ctx, tx, now, id, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "body.update", ObjectType: "body", ObjectID: id, Before: before, After: b})
	})
	return b, err
}

// Subordinates returns the rosters, as they stood on asOf, of the bodies
// directly under body id that the actor may read.
func (s *Service) Subordinates(ctx context.Context, bodyID int64, asOf string) ([]Roster, error) {
	asOf, err := s.asOfDate(asOf)
	if err != nil {
		return nil, err
	}
	var out []Roster
	err = s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := readableBody(ctx, q, a, bodyID, "subordinates"); err != nil {
			return err
		}
		children, err := FindChildBodies(ctx, q, bodyID)
		if err != nil {
			return err
		}
		for _, c := range children {
			if !CanRead(a, c.ID) {
				continue
			}
			r, err := LoadRoster(ctx, q, c.ID, asOf)
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return nil
	})
	return out, err
}

// ---- regions ----

// ListRegions returns every region in tree order. Regions are reference
// data: any business user may read them.
func (s *Service) ListRegions(ctx context.Context) ([]region.Region, error) {
	var out []region.Region
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if !business(a) {
			return core.Forbidden()
		}
		out, err = region.List(ctx, q)
		return err
	})
	return out, err
}

// WritableRegions returns the regions the actor may register units and
// regions in: the regions of its own bodies and everything below them.
func (s *Service) WritableRegions(ctx context.Context) ([]region.Region, error) {
	var out []region.Region
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		roots, err := writableRoots(ctx, q, a)
		if err != nil || len(roots) == 0 {
			return err
		}
		all, err := region.List(ctx, q)
		if err != nil {
			return err
		}
		parent := map[int64]int64{}
		for _, r := range all {
			parent[r.ID] = r.ParentID
		}
		for _, r := range all {
			if withinAny(parent, r.ID, roots) {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// writableRoots are the region ids of the actor's own bodies (office only).
func writableRoots(ctx context.Context, q db.Querier, a *core.Actor) ([]int64, error) {
	if a == nil || a.Role != core.RoleOffice {
		return nil, nil
	}
	var roots []int64
	for _, id := range a.BodyIDs {
		b, err := FindBodyByID(ctx, q, id)
		if core.ErrorCode(err) == core.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		roots = append(roots, b.RegionID)
	}
	return roots, nil
}

func withinAny(parent map[int64]int64, id int64, roots []int64) bool {
	for depth := 0; id != 0 && depth < 8; depth++ {
		if slices.Contains(roots, id) {
			return true
		}
		id = parent[id]
	}
	return false
}

// regionWritable reports whether region id lies in the actor's regions.
func regionWritable(ctx context.Context, q db.Querier, a *core.Actor, id int64) (bool, error) {
	roots, err := writableRoots(ctx, q, a)
	if err != nil {
		return false, err
	}
	for _, root := range roots {
		if ok, err := region.Within(ctx, q, id, root); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// CreateRegion adds a region below one of the actor's bodies' regions (a
// city office registers a new county-level district).
func (s *Service) CreateRegion(ctx context.Context, r region.Region) (*region.Region, error) {
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		a := core.ActorFrom(ctx)
		if a.Role != core.RoleOffice {
			return core.Forbidden()
		}
		if r.ParentID <= 0 {
			return core.Invalid("parent_id", "请选择上级行政区划")
		}
		ok, err := regionWritable(ctx, tx, a, r.ParentID)
		if err != nil {
			return err
		}
		if !ok {
			return core.Invalid("parent_id", "只能在本机构所在行政区划之下新增行政区划")
		}
		if err := region.Create(ctx, tx, &r); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "region.create", ObjectType: "region", ObjectID: r.ID, After: r})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// RenameRegion renames a region in the actor's regions if version is
// still current.
func (s *Service) RenameRegion(ctx context.Context, id int64, name string, version int64) (*region.Region, error) {
	var r *region.Region
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		before, err := region.FindByID(ctx, tx, id)
		if err != nil {
			return err
		}
		ok, err := regionWritable(ctx, tx, core.ActorFrom(ctx), id)
		if err != nil {
			return err
		}
		if !ok {
			return denied("行政区划", "region", id, "rename region")
		}
		if r, err = region.Rename(ctx, tx, id, name, version); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "region.update", ObjectType: "region", ObjectID: id, Before: before, After: r})
	})
	return r, err
}

// ---- units ----

// ListUnits returns one page of the units registry and the total count.
// Any business user may read the registry: units are named in plans,
// reports and notices across bodies.
func (s *Service) ListUnits(ctx context.Context, f UnitFilter) ([]Unit, int, error) {
	var out []Unit
	var total int
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if !business(a) {
			return core.Forbidden()
		}
		if f.Kind != "" && !f.Kind.Valid() {
			return core.Invalid("kind", "单位类别无效")
		}
		out, total, err = FindUnits(ctx, q, s.DB.Engine, f)
		return err
	})
	return out, total, err
}

// ListFilterRegions returns the choices of the unit list's region
// filter: provinces and cities, and the selected region (0 for none).
func (s *Service) ListFilterRegions(ctx context.Context, selected int64) ([]region.Region, error) {
	var out []region.Region
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if !business(a) {
			return core.Forbidden()
		}
		out, err = FindFilterRegions(ctx, q, selected)
		return err
	})
	return out, err
}

// GetUnit returns unit id with its aliases.
func (s *Service) GetUnit(ctx context.Context, id int64) (*Unit, error) {
	var u *Unit
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		if !business(a) {
			return denied("单位", "unit", id, "get unit")
		}
		u, err = FindUnitByID(ctx, q, id)
		return err
	})
	return u, err
}

// CanEditUnit reports whether the actor may edit u: office staff whose
// bodies' regions include u's region.
func (s *Service) CanEditUnit(ctx context.Context, u *Unit) bool {
	ok, err := regionWritable(ctx, s.DB.R(), core.ActorFrom(ctx), u.RegionID)
	return err == nil && ok
}

// CreateUnit registers a unit in one of the actor's regions.
func (s *Service) CreateUnit(ctx context.Context, in UnitInput) (*Unit, error) {
	var u *Unit
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		a := core.ActorFrom(ctx)
		if a.Role != core.RoleOffice {
			return core.Forbidden()
		}
		if in.RegionID > 0 {
			ok, err := regionWritable(ctx, tx, a, in.RegionID)
			if err != nil {
				return err
			}
			if !ok {
				return core.Invalid("region_id", "只能在本机构所在行政区划及其下级行政区划内登记单位")
			}
		}
		var err error
		if u, err = InsertUnit(ctx, tx, now, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "unit.create", ObjectType: "unit", ObjectID: u.ID, After: u})
	})
	return u, err
}

// UpdateUnit changes unit id if in.Version is still current. Both the
// unit's region and the new one must lie in the actor's regions.
func (s *Service) UpdateUnit(ctx context.Context, id int64, in UnitInput) (*Unit, error) {
	var u *Unit
	err := s.change(ctx, func(tx *sql.Tx, now time.Time) error {
		a := core.ActorFrom(ctx)
		before, err := FindUnitByID(ctx, tx, id)
		if err != nil {
			return err
		}
		ok, err := regionWritable(ctx, tx, a, before.RegionID)
		if err != nil {
			return err
		}
		if !ok {
			return denied("单位", "unit", id, "update unit")
		}
		if in.RegionID > 0 && in.RegionID != before.RegionID {
			if ok, err := regionWritable(ctx, tx, a, in.RegionID); err != nil {
				return err
			} else if !ok {
				return core.Invalid("region_id", "只能在本机构所在行政区划及其下级行政区划内登记单位")
			}
		}
		if u, err = UpdateUnit(ctx, tx, now, id, in); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: id, Before: before, After: u})
	})
	return u, err
}

// MaxUnitChoices caps the units offered in one form's list.
const MaxUnitChoices = 2000

// UnitChoices returns the units a form of body bodyID offers: those of the
// body's region and the regions below it.
func (s *Service) UnitChoices(ctx context.Context, bodyID int64) ([]Unit, error) {
	var out []Unit
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		b, err := readableBody(ctx, q, a, bodyID, "unit choices")
		if err != nil {
			return err
		}
		out, err = FindUnitsInRegionTree(ctx, q, b.RegionID, MaxUnitChoices)
		return err
	})
	return out, err
}

// GetBodyForChange returns body id if the actor may change it, for a
// change form: ENOTFOUND otherwise, audited as a denial when the body
// exists but is not the actor's to change.
func (s *Service) GetBodyForChange(ctx context.Context, id int64) (*Body, error) {
	var b *Body
	err := s.read(ctx, func(a *core.Actor, q db.Querier) (err error) {
		b, err = writableBody(ctx, q, a, id, "open change form")
		return err
	})
	return b, err
}
