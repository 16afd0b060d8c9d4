package demo_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/demo"
	"liandong/internal/testkit"
)

// cheapArgon keeps the tests' password hashing fast; the demo itself uses
// whatever the service is configured with.
var cheapArgon = auth.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}

func service(d *db.DB, demoMode bool) *auth.Service {
	return &auth.Service{DB: d, Clock: core.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
		Argon: cheapArgon, DemoMode: demoMode}
}

type seat struct {
	Role, Person, Position, Unit string
}

// roster reads the current seats of a body in roster order, with the
// short name of each holder's unit.
func roster(t *testing.T, d *db.DB, bodyID int64) []seat {
	t.Helper()
	rows, err := d.R().QueryContext(context.Background(), `SELECT m.role, m.person_name, m.position, COALESCE(u.short_name, '')
		FROM members m LEFT JOIN units u ON u.id = m.unit_id
		WHERE m.body_id = $1 AND m.term_end IS NULL ORDER BY m.sort_order, m.id`, bodyID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ss []seat
	for rows.Next() {
		var s seat
		if err := rows.Scan(&s.Role, &s.Person, &s.Position, &s.Unit); err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ss
}

func liuzhouBody(t *testing.T, d *db.DB) (id int64, prefix, office, dept, parent string) {
	t.Helper()
	err := d.R().QueryRowContext(context.Background(), `SELECT b.id, b.doc_prefix, u.name, b.office_dept, p.name
		FROM bodies b JOIN regions r ON r.id = b.region_id JOIN units u ON u.id = b.office_unit_id
		JOIN bodies p ON p.id = b.parent_id
		WHERE r.code = '450200' AND b.kind = 'leading_group'`).Scan(&id, &prefix, &office, &dept, &parent)
	if err != nil {
		t.Fatalf("Liuzhou's leading group: %v", err)
	}
	return
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.R().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestLoadLiuzhouRosterAsTheNoticeListsIt(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, d, service(d, true)); err != nil {
			t.Fatal(err)
		}
		body, prefix, office, dept, parent := liuzhouBody(t, d)
		if prefix != "柳全科组办发" || office != "柳州市科学技术协会" || dept != "科普部" || parent != "广西壮族自治区全民科学素质工作领导小组" {
			t.Errorf("Liuzhou body: prefix %q, office %q %q, parent %q", prefix, office, dept, parent)
		}

		ss := roster(t, d, body)
		var leaders, deputies, members []seat
		var director []seat
		for _, s := range ss {
			switch s.Role {
			case "leader":
				leaders = append(leaders, s)
			case "deputy_leader":
				deputies = append(deputies, s)
			case "member":
				members = append(members, s)
			case "office_director":
				director = append(director, s)
			}
		}
		if len(leaders) != 1 || leaders[0] != (seat{"leader", "侯刚", "市委常委、副市长", "市人民政府"}) {
			t.Errorf("leader = %+v", leaders)
		}
		if len(deputies) != 2 || deputies[0].Person != "王颖" || deputies[1].Person != "郑晓鸿" ||
			deputies[1].Position != "市科协党组书记、主席" {
			t.Errorf("deputies = %+v", deputies)
		}
		// The notice (柳政办〔2020〕75号) lists 27 members, in this order.
		want := []string{"宋军", "覃琪涛", "方华", "莫春燕", "梁向增", "刘振中", "徐进辉", "张传波", "佘锦伟",
			"黄旭慧", "靳磊", "韦志革", "闫书洪", "黄培昌", "程卓", "何玉冰", "黄丽波", "覃映雪", "谢名志",
			"王松炎", "贾显锋", "肖尉阳", "李柳燕", "李玉辉", "闫伟丽", "王俊英", "任俊峰"}
		var got []string
		for _, m := range members {
			got = append(got, m.Person)
		}
		if !slices.Equal(got, want) {
			t.Errorf("members in order:\n got %v\nwant %v", got, want)
		}
		if len(members) == 27 {
			if members[1] != (seat{"member", "覃琪涛", "市委宣传部副部长、文明办主任", "市委宣传部"}) {
				t.Errorf("second member = %+v", members[1])
			}
			if members[23] != (seat{"member", "李玉辉", "共青团柳州市委副书记", "团市委"}) {
				t.Errorf("24th member = %+v", members[23])
			}
		}
		if len(director) != 1 || director[0] != (seat{"office_director", "任俊峰", "市科协副主席", "市科协"}) {
			t.Errorf("office director = %+v", director)
		}
		// The roster comes out in the notice's order by sort_order alone:
		// leader, deputies, members, office director.
		if len(ss) != 31 || ss[0].Role != "leader" || ss[30].Role != "office_director" {
			t.Errorf("roster has %d seats, first %+v", len(ss), ss[0])
		}

		// Every member's unit is a current member unit, joined on the
		// notice's date, in the same order as the seats.
		rows, err := d.R().QueryContext(ctx, `SELECT u.short_name, u.name, u.kind, mu.joined_on FROM member_units mu
			JOIN units u ON u.id = mu.unit_id WHERE mu.body_id = $1 AND mu.left_on IS NULL ORDER BY mu.sort_order`, body)
		if err != nil {
			t.Fatal(err)
		}
		var shorts []string
		kinds := map[string]string{}
		full := map[string]string{}
		for rows.Next() {
			var short, name, kind, joined string
			if err := rows.Scan(&short, &name, &kind, &joined); err != nil {
				t.Fatal(err)
			}
			if joined != "2020-08-06" {
				t.Errorf("%s joined on %s", short, joined)
			}
			shorts, kinds[short], full[short] = append(shorts, short), kind, name
		}
		rows.Close()
		var seatUnits []string
		for _, m := range members {
			seatUnits = append(seatUnits, m.Unit)
		}
		if !slices.Equal(shorts, seatUnits) {
			t.Errorf("member units %v\n   seat units %v", shorts, seatUnits)
		}
		for short, w := range map[string][2]string{
			"市委组织部": {"中共柳州市委组织部", "party"},
			"市教育局":  {"柳州市教育局", "government"},
			"市总工会":  {"柳州市总工会", "people_org"},
			"团市委":   {"共青团柳州市委员会", "people_org"},
			"市科协":   {"柳州市科学技术协会", "people_org"},
		} {
			if full[short] != w[0] || kinds[short] != w[1] {
				t.Errorf("%s: name %q kind %q, want %q %q", short, full[short], kinds[short], w[0], w[1])
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM unit_aliases a JOIN units u ON u.id = a.unit_id
			WHERE u.name = '柳州市科学技术局' AND a.alias IN ('科技局', '柳州市科技局')`); n != 2 {
			t.Errorf("aliases of 柳州市科学技术局: %d of 2", n)
		}

		// One earlier holder, replaced on the notice's date.
		var old, oldStart, oldEnd, cur string
		err = d.R().QueryRowContext(ctx, `SELECT o.person_name, o.term_start, o.term_end, n.person_name
			FROM members n JOIN members o ON o.id = n.replaces_id WHERE n.body_id = $1`, body).Scan(&old, &oldStart, &oldEnd, &cur)
		if err != nil {
			t.Fatalf("seat history: %v", err)
		}
		if oldStart != "2018-03-01" || oldEnd != "2020-08-06" || cur != "程卓" || old == "程卓" {
			t.Errorf("history: %s %s..%s replaced by %s", old, oldStart, oldEnd, cur)
		}

		// A liaison for every member unit; duties of every scope.
		if n := count(t, d, `SELECT COUNT(DISTINCT unit_id) FROM liaisons WHERE body_id = $1`, body); n != len(shorts) {
			t.Errorf("liaisons cover %d of %d member units", n, len(shorts))
		}
		if n := count(t, d, `SELECT COUNT(*) FROM liaisons WHERE body_id = $1 AND email NOT LIKE '%@example.gov.cn'`, body); n != 0 {
			t.Errorf("%d liaison e-mails outside example.gov.cn", n)
		}
		for scope, min := range map[string]int{"common": 5, "office": 8, "liaison": 5} {
			if n := count(t, d, `SELECT COUNT(*) FROM duties WHERE body_id = $1 AND scope = $2`, body, scope); n < min {
				t.Errorf("%s duties: %d, want at least %d", scope, n, min)
			}
		}
		if n := count(t, d, `SELECT COUNT(DISTINCT unit_id) FROM duties WHERE body_id = $1 AND scope = 'unit'`, body); n < 10 {
			t.Errorf("specific duties for %d units, want at least 10", n)
		}
		// Duties are numbered 1..n within each list.
		if n := count(t, d, `SELECT COUNT(*) FROM duties d WHERE body_id = $1 AND seq > (SELECT COUNT(*) FROM duties e
			WHERE e.body_id = d.body_id AND e.scope = d.scope AND COALESCE(e.unit_id, 0) = COALESCE(d.unit_id, 0))`, body); n != 0 {
			t.Errorf("%d duties numbered past the end of their list", n)
		}

		// The other bodies: ten county groups under Liuzhou, Qiannan with
		// two, and Xianning's joint conference.
		if n := count(t, d, `SELECT COUNT(*) FROM bodies WHERE parent_id = $1`, body); n != 10 {
			t.Errorf("Liuzhou has %d county bodies, want 10", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM member_units mu JOIN bodies b ON b.id = mu.body_id
			JOIN regions r ON r.id = b.region_id WHERE r.code = '450206'`); n < 8 || n > 12 {
			t.Errorf("柳江区 has %d member units, want 8 to 12", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM bodies b JOIN regions r ON r.id = b.region_id
			WHERE r.code = '421200' AND b.kind = 'joint_conference' AND b.name = '咸宁市科普工作联席会议'`); n != 1 {
			t.Errorf("Xianning joint conference: %d", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM bodies c JOIN bodies p ON p.id = c.parent_id
			JOIN regions r ON r.id = p.region_id WHERE r.code = '522700'`); n != 2 {
			t.Errorf("Qiannan has %d county bodies, want 2", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM regions WHERE code IN ('450000', '450200', '450226', '522700', '421281')`); n != 5 {
			t.Errorf("regions by GB/T 2260 code: %d of 5", n)
		}
	})
}

func TestLoadTwiceIsANoOp(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := service(d, true)
		if err := demo.Load(ctx, d, a); err != nil {
			t.Fatal(err)
		}
		tables := []string{"regions", "units", "unit_aliases", "bodies", "member_units", "members", "liaisons",
			"duties", "users", "user_bodies", "audit_log"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = count(t, d, `SELECT COUNT(*) FROM `+tb)
		}
		if err := demo.Load(ctx, d, a); err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			if n := count(t, d, `SELECT COUNT(*) FROM `+tb); n != before[tb] {
				t.Errorf("second Load changed %s: %d → %d rows", tb, before[tb], n)
			}
		}
	})
}

func TestLoadLeavesARealDatabaseAlone(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := service(d, true)
		if _, err := a.CreateUser(ctx, auth.NewUser{Username: "admin", DisplayName: "管理员",
			Role: core.RoleSystemAdmin, Password: "Real-Operator-2026"}); err != nil {
			t.Fatal(err)
		}
		if err := demo.Load(ctx, d, a); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM regions`) + count(t, d, `SELECT COUNT(*) FROM users WHERE demo`); n != 0 {
			t.Errorf("demo data written into a database with real accounts (%d rows)", n)
		}
	})
}

func TestDemoAccountsLogInOnlyInDemoMode(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := demo.Load(ctx, d, service(d, true)); err != nil {
			t.Fatal(err)
		}
		body, _, _, _, _ := liuzhouBody(t, d)
		accounts := []struct {
			username string
			role     core.Role
			unit     string // short name of the unit, "" for none
			inBody   bool   // acts in Liuzhou's body
		}{
			{"office", core.RoleOffice, "市科协", true},
			{"leader", core.RoleLeader, "市人民政府", true},
			{"sysadmin", core.RoleSystemAdmin, "", false},
			{"secadmin", core.RoleSecurityAdmin, "", false},
			{"auditor", core.RoleAuditAdmin, "", false},
			{"liaison-jyj", core.RoleLiaison, "市教育局", true},
			{"liaison-kjj", core.RoleLiaison, "市科技局", true},
			{"county", core.RoleOffice, "区科协", false},
		}
		on, off := service(d, true), service(d, false)
		for _, acc := range accounts {
			if _, _, err := off.Login(ctx, acc.username, demo.Password, "127.0.0.1", "test"); core.ErrorCode(err) != core.EFORBIDDEN {
				t.Errorf("%s outside demo mode: %v, want EFORBIDDEN", acc.username, err)
			}
			_, u, err := on.Login(ctx, acc.username, demo.Password, "127.0.0.1", "test")
			if err != nil {
				t.Errorf("%s in demo mode: %v", acc.username, err)
				continue
			}
			if u.Role != acc.role || !u.Demo {
				t.Errorf("%s: role %s demo %v", acc.username, u.Role, u.Demo)
			}
			var unit string
			if u.UnitID != 0 {
				if err := d.R().QueryRowContext(ctx, `SELECT short_name FROM units WHERE id = $1`, u.UnitID).Scan(&unit); err != nil && err != sql.ErrNoRows {
					t.Fatal(err)
				}
			}
			if unit != acc.unit {
				t.Errorf("%s: unit %q, want %q", acc.username, unit, acc.unit)
			}
			if slices.Contains(u.BodyIDs, body) != acc.inBody {
				t.Errorf("%s: bodies %v (Liuzhou is %d)", acc.username, u.BodyIDs, body)
			}
			if acc.role.IsAdmin() != (len(u.BodyIDs) == 0) {
				t.Errorf("%s: bodies %v", acc.username, u.BodyIDs)
			}
		}
		// The county office acts in 柳江区's body, which Liuzhou's office
		// therefore sees as a subordinate.
		var county int64
		if err := d.R().QueryRowContext(ctx, `SELECT b.id FROM bodies b JOIN regions r ON r.id = b.region_id
			WHERE r.code = '450206'`).Scan(&county); err != nil {
			t.Fatal(err)
		}
		u, err := auth.FindUserByUsername(ctx, d.R(), "county")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(u.BodyIDs, []int64{county}) {
			t.Errorf("county account bodies %v, want [%d]", u.BodyIDs, county)
		}
	})
}
