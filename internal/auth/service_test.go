package auth_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/testkit"
)

const pw = "Hongshui-River-77"

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// fixture is a migrated database with one leading group, a unit, and a
// service on a fake clock.
type fixture struct {
	t     *testing.T
	d     *db.DB
	s     *auth.Service
	clock *core.FakeClock
	body  int64
	unit  int64
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	f := &fixture{t: t, d: d, clock: core.NewFakeClock(t0)}
	f.s = &auth.Service{DB: d, Clock: f.clock, Argon: auth.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}}
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *sql.Tx) error {
		var region int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO regions (code, name, level) VALUES ('450200', '柳州市', 'city')
			RETURNING id`).Scan(&region); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO units (region_id, name, short_name, kind, created_at, updated_at)
			VALUES ($1, '柳州市教育局', '市教育局', 'government', 0, 0) RETURNING id`, region).Scan(&f.unit); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO bodies (kind, name, region_id, created_at, updated_at)
			VALUES ('leading_group', '柳州市全民科学素质工作领导小组', $1, 0, 0) RETURNING id`, region).Scan(&f.body)
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) user(username string, role core.Role) *auth.User {
	f.t.Helper()
	n := auth.NewUser{Username: username, DisplayName: "测试" + username, Role: role, Password: pw}
	if role != "" && !role.IsAdmin() {
		n.BodyIDs, n.UnitID = []int64{f.body}, f.unit
	}
	u, err := f.s.CreateUser(context.Background(), n)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// as returns a context acting as u.
func (f *fixture) as(u *auth.User) context.Context {
	f.t.Helper()
	u, err := auth.FindUserByID(context.Background(), f.d.R(), u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	a, err := auth.ActorFor(context.Background(), f.d.R(), u)
	if err != nil {
		f.t.Fatal(err)
	}
	return core.WithActor(context.Background(), a)
}

func (f *fixture) reload(u *auth.User) *auth.User {
	f.t.Helper()
	u, err := auth.FindUserByID(context.Background(), f.d.R(), u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func wantInvalid(t *testing.T, err error, field, part string) {
	t.Helper()
	if core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("got %v, want invalid", err)
	}
	if field != "" {
		if msg := core.FieldErrors(err)[field]; !strings.Contains(msg, part) {
			t.Fatalf("field %s: %q (all: %v), want it to mention %q", field, msg, core.FieldErrors(err), part)
		}
	}
}

// TestRehashOnLogin: after the argon2id parameters are raised, the next
// successful login replaces the stored hash with one of the new
// parameters (SECURITY.md A4), and the password keeps working.
func TestRehashOnLogin(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u := f.user("wang", core.RoleOffice)
		if !strings.Contains(u.PasswordHash, "m=8192,t=1,p=1") {
			t.Fatalf("hash %s not made with the old parameters", u.PasswordHash)
		}
		f.s.Argon = auth.Argon2Params{Memory: 16 * 1024, Time: 2, Threads: 1}
		if _, _, err := f.s.Login(context.Background(), "wang", pw, "127.0.0.1", "test"); err != nil {
			t.Fatal(err)
		}
		after := f.reload(u).PasswordHash
		if !strings.HasPrefix(after, "$argon2id$v=19$m=16384,t=2,p=1$") {
			t.Fatalf("hash after login %s: not rehashed with the new parameters", after)
		}
		if _, _, err := f.s.Login(context.Background(), "wang", pw, "127.0.0.1", "test"); err != nil {
			t.Fatalf("login after rehash: %v", err)
		}
		if strings.Contains(after, pw) {
			t.Fatal("password in the hash")
		}
	})
}

// TestGrantRoleRules is 三员分立 in the service (SECURITY.md B1): only the
// security administrator grants roles; no account ever holds two of the
// three administrator roles; nobody changes their own role; business roles
// need their profile; a grant ends the account's sessions.
func TestGrantRoleRules(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		sys, sec := f.user("sys", core.RoleSystemAdmin), f.user("sec", core.RoleSecurityAdmin)
		aud := f.user("aud", core.RoleAuditAdmin)
		// The system administrator creates an account: it has no role.
		n, err := f.s.CreateAccount(f.as(sys), auth.NewUser{Username: "li", DisplayName: "李明", Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if n.Role != "" || !n.MustChangePassword {
			t.Fatalf("new account role %q must-change %v: want no role and a password to change", n.Role, n.MustChangePassword)
		}
		// The system administrator cannot grant it a role.
		if err := f.s.GrantRole(f.as(sys), n.ID, core.RoleOffice); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("system admin granting a role: %v, want forbidden", err)
		}
		// A business role needs bodies first.
		wantInvalid(t, f.s.GrantRole(f.as(sec), n.ID, core.RoleOffice), "role", "领导小组")
		bodies, unit := []int64{f.body}, f.unit
		if _, err := f.s.UpdateUser(f.as(sys), n.ID, auth.UserUpdate{BodyIDs: &bodies}); err != nil {
			t.Fatal(err)
		}
		wantInvalid(t, f.s.GrantRole(f.as(sec), n.ID, core.RoleLiaison), "role", "所在单位")
		if _, err := f.s.UpdateUser(f.as(sys), n.ID, auth.UserUpdate{UnitID: &unit}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.Login(ctx, "li", pw, "127.0.0.1", "t"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.GrantRole(f.as(sec), n.ID, core.RoleLiaison); err != nil {
			t.Fatal(err)
		}
		var sessions int
		if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = $1`, n.ID).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if sessions != 0 {
			t.Fatalf("%d sessions after the role change, want 0", sessions)
		}
		// A second administrator role for an administrator account: refused.
		for _, c := range []struct {
			who  *auth.User
			role core.Role
		}{{aud, core.RoleSystemAdmin}, {sys, core.RoleAuditAdmin}, {aud, core.RoleOffice}} {
			wantInvalid(t, f.s.GrantRole(f.as(sec), c.who.ID, c.role), "role", "三员")
			if got := f.reload(c.who).Role; got != c.who.Role {
				t.Fatalf("%s's role changed to %s", c.who.Username, got)
			}
		}
		// Nobody changes their own role.
		wantInvalid(t, f.s.GrantRole(f.as(sec), sec.ID, core.RoleOffice), "role", "自己")
		// A business account may become an administrator, and then stays one.
		if err := f.s.GrantRole(f.as(sec), n.ID, core.RoleAuditAdmin); err != nil {
			t.Fatal(err)
		}
		wantInvalid(t, f.s.GrantRole(f.as(sec), n.ID, core.RoleSecurityAdmin), "role", "三员")
		var grants int
		if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.role'`).Scan(&grants); err != nil {
			t.Fatal(err)
		}
		if grants != 2 {
			t.Fatalf("%d role audit rows, want 2 (the refused grants change nothing)", grants)
		}
	})
}

// TestKeepOneAdministrator: the last enabled system or security
// administrator cannot be disabled, and nobody disables themselves.
func TestKeepOneAdministrator(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sys, sec := f.user("sys", core.RoleSystemAdmin), f.user("sec", core.RoleSecurityAdmin)
		wantInvalid(t, f.s.SetDisabled(f.as(sys), sys.ID, true), "user", "自己")
		wantInvalid(t, f.s.SetDisabled(f.as(sys), sec.ID, true), "user", "唯一")
		sec2 := f.user("sec2", core.RoleSecurityAdmin)
		if err := f.s.SetDisabled(f.as(sys), sec.ID, true); err != nil {
			t.Fatalf("disabling one of two security admins: %v", err)
		}
		wantInvalid(t, f.s.SetDisabled(f.as(sys), sec2.ID, true), "user", "唯一")
		if err := f.s.SetDisabled(f.as(sys), sec.ID, false); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPasswordHistory: the last HistoryCount passwords cannot be reused
// (SECURITY.md A3), the current one neither, and the history is trimmed.
func TestPasswordHistory(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		u := f.user("zhou", core.RoleOffice)
		tok, _, err := f.s.Login(ctx, "zhou", pw, "127.0.0.1", "t")
		if err != nil {
			t.Fatal(err)
		}
		sess, _, err := f.s.Resume(ctx, tok, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		change := func(old, new string) error {
			return f.s.ChangePassword(f.as(u), sess, auth.PasswordChange{Current: old, New: new, Confirm: new})
		}
		wantInvalid(t, change(pw, pw), "password", "与当前密码相同")
		wantInvalid(t, change("wrong-Password-1", "Qinghe-Bridge-31"), "current_password", "当前密码不正确")
		wantInvalid(t, f.s.ChangePassword(f.as(u), sess, auth.PasswordChange{Current: pw, New: "Qinghe-Bridge-31",
			Confirm: "Qinghe-Bridge-32"}), "password2", "不一致")
		seq := []string{pw, "Qinghe-Bridge-31", "Yufeng-Hill-442", "Liujiang-Ferry-9", "Longcheng-Gate-80", "Dule-Cave-5150"}
		for i := 1; i < len(seq); i++ {
			if err := change(seq[i-1], seq[i]); err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
		}
		// The last five (the current one and four before it) are refused,
		// the sixth back is allowed.
		cur := seq[len(seq)-1]
		for _, old := range seq[1 : len(seq)-1] {
			wantInvalid(t, change(cur, old), "password", "最近5次")
		}
		wantInvalid(t, change(cur, cur), "password", "与当前密码相同")
		if err := change(seq[len(seq)-1], pw); err != nil {
			t.Fatalf("a password six changes back: %v", err)
		}
	})
}

// TestSetupOnceUnderRace: two setups racing with the same token create the
// accounts once; the token is single-use (SECURITY.md A1, G1).
func TestSetupOnceUnderRace(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		s := &auth.Service{DB: d, Clock: core.NewFakeClock(t0), Argon: auth.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}}
		ctx := context.Background()
		token, err := s.PrepareSetup(ctx)
		if err != nil || token == "" {
			t.Fatalf("token %q: %v", token, err)
		}
		acc := func(p string) auth.SetupAccounts {
			return auth.SetupAccounts{
				System:   auth.NewUser{Username: p + "sys", DisplayName: "系统", Password: pw},
				Security: auth.NewUser{Username: p + "sec", DisplayName: "安全", Password: pw},
				Audit:    auth.NewUser{Username: p + "aud", DisplayName: "审计", Password: pw},
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Setup(ctx, token, acc(string(rune('a'+i))))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case core.ErrorCode(err) != core.ENOTFOUND:
				t.Errorf("losing setup: %v, want not found", err)
			}
		}
		var users int
		if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&users); err != nil {
			t.Fatal(err)
		}
		if ok != 1 || users != 3 {
			t.Fatalf("%d setups succeeded, %d users; want 1 and 3", ok, users)
		}
		var left int
		if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'setup.token'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Fatal("setup token still stored after use")
		}
		if again, err := s.PrepareSetup(ctx); err != nil || again != "" {
			t.Fatalf("a new setup token (%q, %v) once accounts exist", again, err)
		}
	})
}

// TestSetupTokenChecks: a wrong or expired token creates nothing.
func TestSetupTokenChecks(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		clock := core.NewFakeClock(t0)
		s := &auth.Service{DB: d, Clock: clock, Argon: auth.Argon2Params{Memory: 8 * 1024, Time: 1, Threads: 1}}
		ctx := context.Background()
		acc := auth.SetupAccounts{
			System:   auth.NewUser{Username: "sys", DisplayName: "系统", Password: pw},
			Security: auth.NewUser{Username: "sec", DisplayName: "安全", Password: pw},
			Audit:    auth.NewUser{Username: "aud", DisplayName: "审计", Password: pw},
		}
		wantInvalid(t, s.Setup(ctx, "", acc), "token", "初始化口令")
		token, err := s.PrepareSetup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantInvalid(t, s.Setup(ctx, token+"x", acc), "token", "初始化口令")
		clock.Advance(auth.SetupTokenTTL + time.Minute)
		wantInvalid(t, s.Setup(ctx, token, acc), "token", "初始化口令")
		if need, _ := auth.NeedsSetup(ctx, d.R()); !need {
			t.Fatal("accounts created with a bad token")
		}
		weak := acc
		weak.Audit.Password = "123456"
		weak.Security.Username = "sys"
		token, _ = s.PrepareSetup(ctx)
		err = s.Setup(ctx, token, weak)
		wantInvalid(t, err, "aud_password", "长度")
		wantInvalid(t, err, "sec_username", "不能相同")
		if err := s.Setup(ctx, token, acc); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFindUsers filters and pages the account list on both engines.
func TestFindUsers(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, n := range []string{"a1", "a2", "a3", "b_1"} {
			f.user(n, core.RoleOffice)
		}
		f.user("sec", core.RoleSecurityAdmin)
		f.user("p1", "")
		now := f.clock.Now()
		ctx := context.Background()
		count := func(filter auth.UserFilter) (int, int) {
			us, total, err := auth.FindUsers(ctx, d.R(), filter, now)
			if err != nil {
				t.Fatal(err)
			}
			return len(us), total
		}
		if n, total := count(auth.UserFilter{Page: core.Page{Limit: 2}}); n != 2 || total != 6 {
			t.Fatalf("page of 2: %d rows of %d", n, total)
		}
		if n, _ := count(auth.UserFilter{Page: core.Page{Offset: 4, Limit: 2}}); n != 2 {
			t.Fatalf("last page: %d rows", n)
		}
		if _, total := count(auth.UserFilter{Query: "A"}); total != 3 {
			t.Fatalf("query A: %d, want 3 (case-insensitive username)", total)
		}
		if _, total := count(auth.UserFilter{Query: "_"}); total != 1 {
			t.Fatalf("query _: %d, want 1 (_ is not a wildcard)", total)
		}
		if _, total := count(auth.UserFilter{Query: "测试a"}); total != 3 {
			t.Fatalf("query by name: %d", total)
		}
		if _, total := count(auth.UserFilter{Role: auth.RolePending}); total != 1 {
			t.Fatalf("pending: %d", total)
		}
		if _, total := count(auth.UserFilter{Role: core.RoleSecurityAdmin}); total != 1 {
			t.Fatalf("security admins: %d", total)
		}
		if _, total := count(auth.UserFilter{Status: "locked"}); total != 0 {
			t.Fatalf("locked: %d", total)
		}
	})
}

// TestEndOwnSessionOnly: a session id of another user is not found.
func TestEndOwnSessionOnly(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a, b := f.user("usera", core.RoleOffice), f.user("userb", core.RoleOffice)
		tok, _, err := f.s.Login(ctx, "userb", pw, "127.0.0.1", "t")
		if err != nil {
			t.Fatal(err)
		}
		id := auth.SessionID(auth.HashToken(tok))
		if err := f.s.EndSession(f.as(a), a.ID, id); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("ending another's session: %v, want not found", err)
		}
		for _, bad := range []string{"", "xyz", strings.Repeat("g", 16), id + "0"} {
			if err := f.s.EndSession(f.as(a), a.ID, bad); core.ErrorCode(err) != core.ENOTFOUND {
				t.Fatalf("id %q: %v", bad, err)
			}
		}
		if err := f.s.EndSession(f.as(b), b.ID, id); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.s.Resume(ctx, tok, "127.0.0.1"); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("ended session resumed: %v", err)
		}
	})
}

// TestUpdateUserValidation keeps what the system administrator may change
// within bounds and audits it.
func TestUpdateUserValidation(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		sys := f.user("sys", core.RoleSystemAdmin)
		u := f.user("liaison1", core.RoleLiaison)
		none, badUnit := []int64{}, int64(99999)
		phone, email, name := "138 7720 abc", "not-an-email", ""
		_, err := f.s.UpdateUser(f.as(sys), u.ID, auth.UserUpdate{BodyIDs: &none, Phone: &phone, Email: &email, DisplayName: &name})
		for _, field := range []string{"body_ids", "phone", "email", "display_name"} {
			if core.FieldErrors(err)[field] == "" {
				t.Errorf("no error on %s: %v", field, err)
			}
		}
		_, err = f.s.UpdateUser(f.as(sys), u.ID, auth.UserUpdate{UnitID: &badUnit})
		wantInvalid(t, err, "unit_id", "不存在")
		if _, err := f.s.UpdateUser(f.as(u), u.ID, auth.UserUpdate{DisplayName: &name}); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("a liaison editing accounts: %v", err)
		}
		phone = "0772-2821234"
		if _, err := f.s.UpdateUser(f.as(sys), u.ID, auth.UserUpdate{Phone: &phone}); err != nil {
			t.Fatal(err)
		}
		if got := f.reload(u).Phone; got != phone {
			t.Fatalf("phone %q", got)
		}
		if _, err := f.s.UpdateUser(f.as(sys), 424242, auth.UserUpdate{Phone: &phone}); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("missing account: %v", err)
		}
		var e *core.Error
		if !errors.As(err, &e) {
			t.Fatal("no core error")
		}
	})
}

// TestWrongCurrentPasswordLocks: guessing the current password at an
// unattended session counts toward the lock, and the lock ends that
// session (SECURITY.md A5).
func TestWrongCurrentPasswordLocks(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		u := f.user("qin", core.RoleOffice)
		tok, _, err := f.s.Login(ctx, "qin", pw, "127.0.0.1", "t")
		if err != nil {
			t.Fatal(err)
		}
		sess, _, err := f.s.Resume(ctx, tok, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 5; i++ {
			err := f.s.ChangePassword(f.as(u), sess, auth.PasswordChange{Current: "Guess-Number-" + string(rune('0'+i)),
				New: "Qinghe-Bridge-31", Confirm: "Qinghe-Bridge-31"})
			want := core.EINVALID
			if i == 5 {
				want = core.ELOCKED
			}
			if core.ErrorCode(err) != want {
				t.Fatalf("guess %d: %v, want %s", i, err, want)
			}
		}
		if _, _, err := f.s.Resume(ctx, tok, "127.0.0.1"); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("session after the lock: %v", err)
		}
		if f.reload(u).PasswordHash != u.PasswordHash {
			t.Fatal("password changed")
		}
	})
}
