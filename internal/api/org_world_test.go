package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/httpx"
	"liandong/internal/org"
	"liandong/internal/region"
	"liandong/internal/testkit"
)

// The registry's test world: two cities (A: 柳州, B: 桂林) with one county
// each (A1: 柳城, B1: 阳朔), each city with three member units and each
// county with one or two; every body has seats, liaisons and duties. The
// people and phone numbers are invented.
type world struct {
	t   *testing.T
	a   *app.App
	srv *httptest.Server
	ctx context.Context

	guangxi, cityA, countyA1, cityB, countyB1 region.Region

	kexieA, unitX, unitY, kexieA1, eduA1, kexieB, unitZ, kexieB1 *org.Unit

	bodyA, bodyA1, bodyB, bodyB1 *org.Body

	muA, muA1, muB  *org.MemberUnit // unit Y in A, 教育局 in A1, unit Z in B
	seatA, seatA1   *org.Member     // a member's seat
	seatB           *org.Member
	lx, ly, la1, lz *org.Liaison // liaisons of X and Y in A, of A1, of Z in B
	dutyA, dutyA1   *org.Duty
	dutyB           *org.Duty
	tokens          map[string]string // user → API token
	users           map[string]*auth.User
	seq             int // makes names unique
	counties        int // county codes handed out by freshCounty
}

// The users of the matrix, in the order of its columns.
var users = []string{"officeA", "officeA1", "leaderA", "liaisonX", "liaisonY", "officeB", "sysadmin", "secadmin", "auditadmin", "anon"}

const worldPassword = "Xq7#pLm2vR9k"

const (
	joined = "2016-06-01" // the units joined
	seated = "2020-08-06" // the seats were filled
)

// newWorld starts the application on the engine behind dsn and writes the
// world into it, with an API token per user.
func newWorld(t *testing.T, dsn string) *world {
	t.Helper()
	// Every route many times as each user on a frozen clock: the rate
	// limits of exports (D7, tested in httpx and web) would stop the walk.
	a, srv := testkit.StartApp(t, dsn, app.Config{Limits: httpx.Unlimited()})
	w := &world{t: t, a: a, srv: srv, ctx: context.Background(), tokens: map[string]string{}, users: map[string]*auth.User{}}
	now := time.Now()
	err := a.DB.InTx(w.ctx, func(tx *sql.Tx) error { return w.build(tx, now) })
	if err != nil {
		t.Fatalf("build world: %v", err)
	}
	type u struct {
		name, display string
		role          core.Role
		unit          *org.Unit
		body          *org.Body
	}
	for _, x := range []u{
		{"officeA", "甲市办公室", core.RoleOffice, w.kexieA, w.bodyA},
		{"officeA1", "甲县办公室", core.RoleOffice, w.kexieA1, w.bodyA1},
		{"leaderA", "甲市领导", core.RoleLeader, nil, w.bodyA},
		{"liaisonX", "教育局联络员", core.RoleLiaison, w.unitX, w.bodyA},
		{"liaisonY", "财政局联络员", core.RoleLiaison, w.unitY, w.bodyA},
		{"officeB", "乙市办公室", core.RoleOffice, w.kexieB, w.bodyB},
		{"sysadmin", "系统管理员", core.RoleSystemAdmin, nil, nil},
		{"secadmin", "安全管理员", core.RoleSecurityAdmin, nil, nil},
		{"auditadmin", "审计管理员", core.RoleAuditAdmin, nil, nil},
	} {
		n := auth.NewUser{Username: strings.ToLower(x.name), DisplayName: x.display, Role: x.role, Password: worldPassword}
		if x.unit != nil {
			n.UnitID = x.unit.ID
		}
		if x.body != nil {
			n.BodyIDs = []int64{x.body.ID}
		}
		usr, err := a.Auth.CreateUser(w.ctx, n)
		if err != nil {
			t.Fatalf("user %s: %v", x.name, err)
		}
		w.users[x.name] = usr
		if w.tokens[x.name], err = a.Auth.CreateToken(w.ctx, n.Username, "matrix"); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) build(q db.Querier, now time.Time) error {
	for _, x := range []struct {
		r      *region.Region
		code   string
		name   string
		level  region.Level
		parent *region.Region
	}{
		{&w.guangxi, "450000", "广西壮族自治区", region.Province, nil},
		{&w.cityA, "450200", "柳州市", region.City, &w.guangxi},
		{&w.countyA1, "450222", "柳城县", region.County, &w.cityA},
		{&w.cityB, "450300", "桂林市", region.City, &w.guangxi},
		{&w.countyB1, "450321", "阳朔县", region.County, &w.cityB},
	} {
		*x.r = region.Region{Code: x.code, Name: x.name, Level: x.level}
		if x.parent != nil {
			x.r.ParentID = x.parent.ID
		}
		if err := region.Create(w.ctx, q, x.r); err != nil {
			return fmt.Errorf("region %s: %w", x.name, err)
		}
	}
	var err error
	unit := func(dst **org.Unit, r region.Region, name, short string, kind org.UnitKind) {
		if err == nil {
			*dst, err = org.InsertUnit(w.ctx, q, now, org.UnitInput{RegionID: r.ID, Name: name, ShortName: short, Kind: kind})
		}
	}
	unit(&w.kexieA, w.cityA, "柳州市科学技术协会", "市科协", org.UnitPeopleOrg)
	unit(&w.unitX, w.cityA, "柳州市教育局", "市教育局", org.UnitGovernment)
	unit(&w.unitY, w.cityA, "柳州市财政局", "市财政局", org.UnitGovernment)
	unit(&w.kexieA1, w.countyA1, "柳城县科学技术协会", "县科协", org.UnitPeopleOrg)
	unit(&w.eduA1, w.countyA1, "柳城县教育局", "县教育局", org.UnitGovernment)
	unit(&w.kexieB, w.cityB, "桂林市科学技术协会", "市科协", org.UnitPeopleOrg)
	unit(&w.unitZ, w.cityB, "桂林市教育局", "市教育局", org.UnitGovernment)
	unit(&w.kexieB1, w.countyB1, "阳朔县科学技术协会", "县科协", org.UnitPeopleOrg)
	body := func(dst **org.Body, in org.BodyInput) {
		if err == nil {
			*dst, err = org.InsertBody(w.ctx, q, now, in)
		}
	}
	body(&w.bodyA, org.BodyInput{Kind: org.LeadingGroup, Name: "柳州市全民科学素质工作领导小组", RegionID: w.cityA.ID,
		OfficeUnitID: w.kexieA.ID, OfficeDept: "科普部", DocPrefix: "柳全科组办发"})
	body(&w.bodyB, org.BodyInput{Kind: org.LeadingGroup, Name: "桂林市全民科学素质工作领导小组", RegionID: w.cityB.ID,
		OfficeUnitID: w.kexieB.ID, OfficeDept: "科普部"})
	if err != nil {
		return err
	}
	body(&w.bodyA1, org.BodyInput{Kind: org.LeadingGroup, Name: "柳城县全民科学素质工作领导小组", RegionID: w.countyA1.ID,
		ParentID: w.bodyA.ID, OfficeDept: "办公室"})
	body(&w.bodyB1, org.BodyInput{Kind: org.LeadingGroup, Name: "阳朔县全民科学素质工作领导小组", RegionID: w.countyB1.ID,
		ParentID: w.bodyB.ID})
	join := func(b *org.Body, u *org.Unit) *org.MemberUnit {
		var m *org.MemberUnit
		if err == nil {
			m, err = org.InsertMemberUnit(w.ctx, q, b.ID, org.MemberUnitInput{UnitID: u.ID, JoinedOn: joined})
		}
		return m
	}
	join(w.bodyA, w.kexieA)
	join(w.bodyA, w.unitX)
	w.muA = join(w.bodyA, w.unitY)
	join(w.bodyA1, w.kexieA1)
	w.muA1 = join(w.bodyA1, w.eduA1)
	join(w.bodyB, w.kexieB)
	w.muB = join(w.bodyB, w.unitZ)
	join(w.bodyB1, w.kexieB1)
	seat := func(b *org.Body, role org.SeatRole, name, position string, u *org.Unit) *org.Member {
		var m *org.Member
		if err == nil {
			m, err = org.InsertMember(w.ctx, q, b.ID, org.MemberInput{Role: role, PersonName: name, Position: position,
				UnitID: u.ID, TermStart: seated})
		}
		return m
	}
	seat(w.bodyA, org.SeatLeader, "周建国", "副市长", w.kexieA)
	w.seatA = seat(w.bodyA, org.SeatMember, "吴晓东", "市教育局副局长", w.unitX)
	seat(w.bodyA1, org.SeatLeader, "郑立新", "副县长", w.kexieA1)
	w.seatA1 = seat(w.bodyA1, org.SeatMember, "冯丽", "县教育局局长", w.eduA1)
	seat(w.bodyB, org.SeatLeader, "陈志强", "副市长", w.kexieB)
	w.seatB = seat(w.bodyB, org.SeatMember, "褚红梅", "市教育局副局长", w.unitZ)
	seat(w.bodyB1, org.SeatLeader, "卫国平", "副县长", w.kexieB1)
	liaison := func(b *org.Body, u *org.Unit, name, phone, email string) *org.Liaison {
		var l *org.Liaison
		if err == nil {
			l, err = org.InsertLiaison(w.ctx, q, now, b.ID, org.LiaisonInput{UnitID: u.ID, Name: name, Post: "科员", Phone: phone, Email: email})
		}
		return l
	}
	w.lx = liaison(w.bodyA, w.unitX, "蒋文", "13800001111", "jiangwen@example.cn")
	w.ly = liaison(w.bodyA, w.unitY, "沈燕", "13800002222", "shenyan@example.cn")
	w.la1 = liaison(w.bodyA1, w.eduA1, "韩磊", "13800003333", "")
	w.lz = liaison(w.bodyB, w.unitZ, "杨帆", "13800004444", "yangfan@example.cn")
	liaison(w.bodyB1, w.kexieB1, "朱敏", "13800005555", "")
	duty := func(b *org.Body, scope org.DutyScope, u *org.Unit, text string) *org.Duty {
		var d *org.Duty
		if err == nil {
			in := org.DutyInput{Scope: scope, Text: text}
			if u != nil {
				in.UnitID = u.ID
			}
			d, err = org.InsertDuty(w.ctx, q, b.ID, in)
		}
		return d
	}
	for _, b := range []*org.Body{w.bodyA, w.bodyA1, w.bodyB, w.bodyB1} {
		d := duty(b, org.DutyCommon, nil, "制定本单位年度科学素质工作计划。")
		duty(b, org.DutyCommon, nil, "按时报送工作进展和年度总结。")
		switch b {
		case w.bodyA:
			w.dutyA = d
			duty(b, org.DutyUnit, w.unitX, "牵头青少年科学素质提升工作。")
		case w.bodyA1:
			w.dutyA1 = d
		case w.bodyB:
			w.dutyB = d
		}
	}
	return err
}

// next returns a number not used before in this world.
func (w *world) next() int { w.seq++; return w.seq }

// tx runs fn in a write transaction and fails the test on error: the
// matrix prepares fresh objects with it.
func (w *world) tx(fn func(q db.Querier, now time.Time) error) {
	w.t.Helper()
	if err := w.a.DB.InTx(w.ctx, func(tx *sql.Tx) error { return fn(tx, time.Now()) }); err != nil {
		w.t.Fatal(err)
	}
}

// freshUnit registers a new unit in region r.
func (w *world) freshUnit(r region.Region) *org.Unit {
	w.t.Helper()
	var u *org.Unit
	w.tx(func(q db.Querier, now time.Time) (err error) {
		u, err = org.InsertUnit(w.ctx, q, now, org.UnitInput{RegionID: r.ID, Name: fmt.Sprintf("%s新单位%d", r.Name, w.next()), Kind: org.UnitOther})
		return err
	})
	return u
}

// freshMembership makes a new unit of b's region a member of b.
func (w *world) freshMembership(b *org.Body) *org.MemberUnit {
	w.t.Helper()
	u := w.freshUnit(region.Region{ID: b.RegionID, Name: b.RegionName})
	var m *org.MemberUnit
	w.tx(func(q db.Querier, now time.Time) (err error) {
		m, err = org.InsertMemberUnit(w.ctx, q, b.ID, org.MemberUnitInput{UnitID: u.ID, JoinedOn: joined})
		return err
	})
	return m
}

// freshSeat seats a new member in b.
func (w *world) freshSeat(b *org.Body) *org.Member {
	w.t.Helper()
	var m *org.Member
	w.tx(func(q db.Querier, now time.Time) (err error) {
		m, err = org.InsertMember(w.ctx, q, b.ID, org.MemberInput{Role: org.SeatMember, PersonName: fmt.Sprintf("成员%d", w.next()), TermStart: seated})
		return err
	})
	return m
}

// freshDuty adds a common duty to b.
func (w *world) freshDuty(b *org.Body) *org.Duty {
	w.t.Helper()
	var d *org.Duty
	w.tx(func(q db.Querier, now time.Time) (err error) {
		d, err = org.InsertDuty(w.ctx, q, b.ID, org.DutyInput{Scope: org.DutyCommon, Text: fmt.Sprintf("职责%d", w.next())})
		return err
	})
	return d
}

// freshCounty registers a new county-level region under city.
func (w *world) freshCounty(city region.Region) region.Region {
	w.t.Helper()
	w.counties++
	if w.counties > 60 {
		w.t.Fatal("freshCounty: out of county codes")
	}
	r := region.Region{Code: fmt.Sprintf("%s%02d", city.Code[:4], 30+w.counties), Name: fmt.Sprintf("新区%d", w.next()),
		Level: region.County, ParentID: city.ID}
	w.tx(func(q db.Querier, now time.Time) error { return region.Create(w.ctx, q, &r) })
	return r
}

// version reads the current version of row id of a registry table.
func (w *world) version(table string, id int64) int64 {
	w.t.Helper()
	var v int64
	if err := w.a.DB.R().QueryRowContext(w.ctx, `SELECT version FROM `+table+` WHERE id = $1`, id).Scan(&v); err != nil {
		w.t.Fatalf("version of %s %d: %v", table, id, err)
	}
	return v
}

// call sends a request as user ("anon": no credentials) with body encoded
// as JSON, and returns the status and the response body.
func (w *world) call(user, method, path string, body any) (int, []byte) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := w.tokens[user]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// fingerprint is the whole registry as text: equal fingerprints mean
// nothing in it changed.
func (w *world) fingerprint() string {
	w.t.Helper()
	var sb strings.Builder
	for _, table := range []string{"regions", "units", "unit_aliases", "bodies", "member_units", "members", "liaisons", "duties"} {
		rows, err := w.a.DB.R().QueryContext(w.ctx, `SELECT * FROM `+table+` ORDER BY id`)
		if err != nil {
			w.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				w.t.Fatal(err)
			}
			fmt.Fprintf(&sb, "%s%v\n", table, vals)
		}
		if err := rows.Close(); err != nil {
			w.t.Fatal(err)
		}
	}
	return sb.String()
}

// auditCount counts the audit rows with outcome.
func (w *world) auditCount(outcome string) int {
	w.t.Helper()
	var n int
	if err := w.a.DB.R().QueryRowContext(w.ctx, `SELECT COUNT(*) FROM audit_log WHERE outcome = $1`, outcome).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// apiError decodes the API error envelope.
func apiError(t *testing.T, body []byte) (code, message string, fields map[string]string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not the error envelope: %v: %s", err, body)
	}
	return e.Error.Code, e.Error.Message, e.Error.Fields
}
