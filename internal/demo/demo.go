// Package demo loads the demonstration data: Liuzhou city's leading group
// as its 2020 membership notice lists it, its county bodies, lighter bodies
// for Qiannan prefecture and Xianning city, one account per role, and
// Liuzhou's 2020 action plan with the plans around it (plan_load.go). It
// also generates the synthetic data the performance targets are measured
// on (LoadScale).
//
// The SQL is written here directly rather than through the org package:
// loading is bulk work with its own idempotency rules, and the demo must
// not depend on the service layer it is used to demonstrate.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
)

// Password is the password of every demo account. Demo accounts can log in
// only while the server runs with --demo (SECURITY.md A1).
const Password = "Zhanshi@2026"

type regionSpec struct{ Code, Name, Level, Parent string }

type unitSpec struct {
	Name, Short, Kind string
	Slug              string // latin tag for invented e-mail addresses
	Aliases           []string
}

type seatSpec struct {
	Role, Person, Position string
	Unit                   string // short name of the holder's unit; "" for none
}

// historySpec is an earlier holder of a seat, replaced by the current
// holder named Replaced on the body's join date.
type historySpec struct {
	Replaced, Person, Position, TermStart string
}

type dutySpec struct {
	Scope string
	Unit  string // short name, for scope "unit"
	Seq   int
	Text  string
}

// bodySpec is one body with everything in it, written as one logical part.
type bodySpec struct {
	Kind, Name, Region, ParentRegion  string
	DocPrefix, OfficeUnit, OfficeDept string
	Joined                            string // member units' join date and seats' term start
	Units                             []unitSpec
	Members                           []string // short names of member units, in order
	Seats                             []seatSpec
	History                           []historySpec
	Duties                            []dutySpec
	Liaisons                          bool // one liaison per member unit
	PhoneBlock                        int
	MailTag                           string
}

// accountSpec is a demo login.
type accountSpec struct {
	Username, DisplayName string
	Role                  core.Role
	UnitRegion, Unit      string // region code and short name of the user's unit
	BodyRegion            string // region code of the user's body ("" for administrators)
	BodyKind              string
}

// demoAccounts are one login per role, plus a second liaison and a county
// office so scope rules can be tried out.
func demoAccounts() []accountSpec {
	return []accountSpec{
		{"office", personName(7001), core.RoleOffice, "450200", "市科协", "450200", "leading_group"},
		{"leader", "侯刚", core.RoleLeader, "450200", "市人民政府", "450200", "leading_group"},
		{"sysadmin", "系统管理员", core.RoleSystemAdmin, "", "", "", ""},
		{"secadmin", "安全管理员", core.RoleSecurityAdmin, "", "", "", ""},
		{"auditor", "审计管理员", core.RoleAuditAdmin, "", "", "", ""},
		{"liaison-jyj", liaisonName(liuzhouBody(), "市教育局"), core.RoleLiaison, "450200", "市教育局", "450200", "leading_group"},
		{"liaison-kjj", liaisonName(liuzhouBody(), "市科技局"), core.RoleLiaison, "450200", "市科技局", "450200", "leading_group"},
		{"county", personName(7002), core.RoleOffice, "450206", "区科协", "450206", "leading_group"},
	}
}

// demoBodies lists the bodies in the order they are written: parents first.
func demoBodies() []bodySpec {
	bs := []bodySpec{guangxiBody(), liuzhouBody()}
	bs = append(bs, liuzhouCounties()...)
	bs = append(bs, qiannanBody())
	bs = append(bs, qiannanCounties()...)
	bs = append(bs, xianningBody())
	return bs
}

// Load fills a database with the demo data. It is idempotent: regions,
// bodies and accounts already present are left as they are, so a second
// Load does nothing and a Load interrupted half-way completes on the next
// start. It refuses to touch a database that holds real (non-demo)
// accounts, so --demo can never mix demo logins into live data.
func Load(ctx context.Context, d *db.DB, a *auth.Service) error {
	var real int
	if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE NOT demo`).Scan(&real); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if real > 0 {
		return nil
	}
	now := a.Clock.Now()
	if err := d.InTx(ctx, func(tx *sql.Tx) error { return writeRegions(ctx, tx, d.Engine, now) }); err != nil {
		return fmt.Errorf("demo: regions: %w", err)
	}
	for _, b := range demoBodies() {
		b := b
		if err := d.InTx(ctx, func(tx *sql.Tx) error { return writeBody(ctx, tx, d.Engine, now, &b) }); err != nil {
			return fmt.Errorf("demo: %s: %w", b.Name, err)
		}
	}
	for _, acc := range demoAccounts() {
		if err := createAccount(ctx, d, a, acc); err != nil {
			return fmt.Errorf("demo: account %s: %w", acc.Username, err)
		}
	}
	return loadPlans(ctx, d, now)
}

func writeRegions(ctx context.Context, tx *sql.Tx, engine db.Engine, now time.Time) error {
	var added []string
	for _, r := range demoRegions {
		id, err := regionID(ctx, tx, r.Code)
		if err != nil {
			return err
		}
		if id != 0 {
			continue
		}
		var parent any
		if r.Parent != "" {
			pid, err := regionID(ctx, tx, r.Parent)
			if err != nil {
				return err
			}
			parent = pid
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO regions (code, name, level, parent_id) VALUES ($1, $2, $3, $4)`,
			r.Code, r.Name, r.Level, parent); err != nil {
			return db.Normalize(err)
		}
		added = append(added, r.Code)
	}
	if len(added) == 0 {
		return nil
	}
	return audit.Record(ctx, tx, engine, now, audit.Event{Action: "demo.load", ObjectType: "region",
		Detail: fmt.Sprintf("演示数据：新增行政区划%d个", len(added))})
}

// regionID returns the id of the region with the code, 0 if there is none.
func regionID(ctx context.Context, q db.Querier, code string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM regions WHERE code = $1`, code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// bodyID returns the id of the body of that kind in the region, 0 if none.
func bodyID(ctx context.Context, q db.Querier, regionCode, kind string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT b.id FROM bodies b JOIN regions r ON r.id = b.region_id
		WHERE r.code = $1 AND b.kind = $2`, regionCode, kind).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// unitID returns the id of the unit with the short name in the region, 0 if none.
func unitID(ctx context.Context, q db.Querier, regionCode, short string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT u.id FROM units u JOIN regions r ON r.id = u.region_id
		WHERE r.code = $1 AND u.short_name = $2 ORDER BY u.id LIMIT 1`, regionCode, short).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func insertID(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	var id int64
	if err := tx.QueryRowContext(ctx, query+` RETURNING id`, args...).Scan(&id); err != nil {
		return 0, db.Normalize(err)
	}
	return id, nil
}

// writeBody writes one body with its units, member units, seats (and seat
// history), liaisons and duties, unless the region already has a body of
// that kind.
func writeBody(ctx context.Context, tx *sql.Tx, engine db.Engine, now time.Time, b *bodySpec) error {
	if id, err := bodyID(ctx, tx, b.Region, b.Kind); err != nil || id != 0 {
		return err
	}
	region, err := regionID(ctx, tx, b.Region)
	if err != nil {
		return err
	}
	if region == 0 {
		return fmt.Errorf("region %s is missing", b.Region)
	}
	var parent any
	if b.ParentRegion != "" {
		if id, err := bodyID(ctx, tx, b.ParentRegion, "leading_group"); err != nil {
			return err
		} else if id != 0 {
			parent = id
		}
	}
	ts := now.Unix()

	// Units: reuse one already in the region under the same name.
	units := map[string]int64{} // short name → id
	for _, u := range b.Units {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM units WHERE region_id = $1 AND name = $2`, region, u.Name).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			id, err = insertID(ctx, tx, `INSERT INTO units (region_id, name, short_name, kind, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5)`, region, u.Name, u.Short, u.Kind, ts)
			if err != nil {
				return err
			}
			for _, al := range u.Aliases {
				if _, err := tx.ExecContext(ctx, `INSERT INTO unit_aliases (unit_id, alias) VALUES ($1, $2)`, id, al); err != nil {
					return db.Normalize(err)
				}
			}
			if err := org.InsertUnitIndex(ctx, tx, []org.UnitIndexRow{{UnitID: id, Terms: org.UnitTerms(u.Name, u.Short, u.Aliases)}}); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		units[u.Short] = id
	}
	lookup := func(short string) (any, error) {
		if short == "" {
			return nil, nil
		}
		id, ok := units[short]
		if !ok {
			return nil, fmt.Errorf("unit %q is not in the spec", short)
		}
		return id, nil
	}

	office, err := lookup(b.OfficeUnit)
	if err != nil {
		return err
	}
	body, err := insertID(ctx, tx, `INSERT INTO bodies (kind, name, region_id, office_unit_id, office_dept, doc_prefix,
		parent_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		b.Kind, b.Name, region, office, b.OfficeDept, b.DocPrefix, parent, ts)
	if err != nil {
		return err
	}

	for i, m := range b.Members {
		u, err := lookup(m)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO member_units (body_id, unit_id, joined_on, sort_order)
			VALUES ($1, $2, $3, $4)`, body, u, b.Joined, i+1); err != nil {
			return db.Normalize(err)
		}
	}

	// Earlier holders first, so the current seats can point at them.
	replaced := map[string]int64{} // current holder → the seat they replaced
	for _, h := range b.History {
		var seat *seatSpec
		order := 0
		for i := range b.Seats {
			if b.Seats[i].Person == h.Replaced && b.Seats[i].Role == "member" {
				seat, order = &b.Seats[i], i+1
				break
			}
		}
		if seat == nil {
			return fmt.Errorf("history: no member seat held by %s", h.Replaced)
		}
		u, err := lookup(seat.Unit)
		if err != nil {
			return err
		}
		id, err := insertID(ctx, tx, `INSERT INTO members (body_id, role, person_name, position, unit_id, term_start,
			term_end, sort_order) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			body, seat.Role, h.Person, h.Position, u, h.TermStart, b.Joined, order)
		if err != nil {
			return err
		}
		replaced[h.Replaced] = id
	}
	// sort_order runs through the whole roster in the notice's order, so
	// ordering by it alone reproduces the notice.
	for i, s := range b.Seats {
		u, err := lookup(s.Unit)
		if err != nil {
			return err
		}
		var replaces any
		if id, ok := replaced[s.Person]; ok && s.Role == "member" {
			replaces = id
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO members (body_id, role, person_name, position, unit_id, term_start,
			replaces_id, sort_order) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			body, s.Role, s.Person, s.Position, u, b.Joined, replaces, i+1); err != nil {
			return db.Normalize(err)
		}
	}

	if b.Liaisons {
		for i, m := range b.Members {
			u, err := lookup(m)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO liaisons (body_id, unit_id, name, post, phone, email,
				created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
				body, u, liaisonName(*b, m), liaisonPost(i), phone(b.PhoneBlock, i+1),
				email(b.MailTag+"-"+slugOf(b, m)), ts); err != nil {
				return db.Normalize(err)
			}
		}
	}

	for _, du := range b.Duties {
		u, err := lookup(du.Unit)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO duties (body_id, scope, unit_id, seq, text) VALUES ($1, $2, $3, $4, $5)`,
			body, du.Scope, u, du.Seq, du.Text); err != nil {
			return db.Normalize(err)
		}
	}

	return audit.Record(ctx, tx, engine, now, audit.Event{Action: "demo.load", ObjectType: "body", ObjectID: body,
		After:  map[string]any{"name": b.Name, "member_units": len(b.Members), "seats": len(b.Seats)},
		Detail: "演示数据：" + b.Name})
}

// liaisonName is the invented liaison of a member unit, stable for a given
// body and unit (the liaison accounts use it as their display name).
func liaisonName(b bodySpec, short string) string {
	h := 0
	for _, r := range b.Name + "/" + short {
		h = (h*31 + int(r)) % 100003
	}
	return personName(3000 + h%2000)
}

func liaisonPost(i int) string {
	posts := []string{"办公室主任", "办公室副主任", "综合科科长", "办公室四级主任科员", "业务科副科长"}
	return posts[i%len(posts)]
}

func slugOf(b *bodySpec, short string) string {
	for _, u := range b.Units {
		if u.Short == short && u.Slug != "" {
			return u.Slug
		}
	}
	return "unit"
}

// createAccount creates a demo account unless the username exists.
func createAccount(ctx context.Context, d *db.DB, a *auth.Service, acc accountSpec) error {
	if _, err := auth.FindUserByUsername(ctx, d.R(), acc.Username); err == nil {
		return nil
	} else if core.ErrorCode(err) != core.ENOTFOUND {
		return err
	}
	n := auth.NewUser{Username: acc.Username, DisplayName: acc.DisplayName, Role: acc.Role,
		Password: Password, Demo: true}
	if acc.Unit != "" {
		id, err := unitID(ctx, d.R(), acc.UnitRegion, acc.Unit)
		if err != nil {
			return err
		}
		if id == 0 {
			return fmt.Errorf("unit %s in %s is missing", acc.Unit, acc.UnitRegion)
		}
		n.UnitID = id
	}
	if acc.BodyRegion != "" {
		id, err := bodyID(ctx, d.R(), acc.BodyRegion, acc.BodyKind)
		if err != nil {
			return err
		}
		if id == 0 {
			return fmt.Errorf("body of %s is missing", acc.BodyRegion)
		}
		n.BodyIDs = []int64{id}
	}
	_, err := a.CreateUser(ctx, n)
	return err
}

// Stats counts what LoadScale wrote.
type Stats struct {
	Regions, Bodies, Units, MemberUnits, Members, Liaisons int
	// Plans, their tasks, the tasks' assignments (in the plan's body and
	// in the bodies that received them) and cascades (scale_plan.go).
	Plans, Tasks, Assignments, Cascades int
	// Progress reports on the assignments, data calls (one per body) and
	// their submissions (scale_activity.go).
	Reports, Calls, Submissions int
	// Samples are the first body written at each level, so scripts can
	// point at a province, a city and a county.
	Samples []Sample
}

// Sample names one body LoadScale wrote.
type Sample struct {
	Level string // province, city, county
	ID    int64
	Name  string
}

func (s Stats) String() string {
	return fmt.Sprintf("%d regions, %d bodies, %d units, %d member units, %d seats, %d liaisons, "+
		"%d plans, %d tasks, %d assignments, %d cascades, %d reports, %d data calls, %d submissions",
		s.Regions, s.Bodies, s.Units, s.MemberUnits, s.Members, s.Liaisons, s.Plans, s.Tasks, s.Assignments, s.Cascades,
		s.Reports, s.Calls, s.Submissions)
}
