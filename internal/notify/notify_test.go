package notify_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/job"
	"liandong/internal/notify"
	"liandong/internal/org/orgtest"
	"liandong/internal/testkit"
)

// 2020-12-01 09:00 China time, three days before seed 003's deadline.
var t0 = time.Date(2020, 12, 1, 1, 0, 0, 0, time.UTC)

// env is one instance: a database handle, its queue and its service.
type env struct {
	d     *db.DB
	q     *job.Queue
	s     *notify.Service
	clock *core.FakeClock
}

func newInstance(d *db.DB, clock *core.FakeClock) *env {
	q := &job.Queue{DB: d, Clock: clock, Log: testkit.Logger(nil)}
	s := &notify.Service{DB: d, Clock: clock, Jobs: q}
	s.Register(q)
	return &env{d: d, q: q, s: s, clock: clock}
}

// people are the fixture's users.
type people struct {
	w                  *orgtest.World
	admin              *core.Actor
	office             *core.Actor // 市科协, the city body's office
	eduA, eduB, keji   *core.Actor // liaisons of 市教育局 (two) and 市科技局
	eduOther, disabled *core.Actor // 市教育局 in a county body; a disabled 教育局 liaison
}

func setup(t *testing.T, d *db.DB) *people {
	t.Helper()
	w, err := orgtest.Build(context.Background(), d, t0)
	if err != nil {
		t.Fatal(err)
	}
	p := &people{w: w}
	p.admin = orgtest.Actor(t, d, core.RoleSystemAdmin, 0)
	p.office = orgtest.Actor(t, d, core.RoleOffice, w.Kexie.ID, w.City)
	p.eduA = orgtest.Actor(t, d, core.RoleLiaison, w.Edu.ID, w.City)
	p.eduB = orgtest.Actor(t, d, core.RoleLiaison, w.Edu.ID, w.City)
	p.keji = orgtest.Actor(t, d, core.RoleLiaison, w.Keji.ID, w.City)
	p.eduOther = orgtest.Actor(t, d, core.RoleLiaison, w.Edu.ID, w.LiuchengBody)
	p.disabled = orgtest.Actor(t, d, core.RoleLiaison, w.Edu.ID, w.City)
	for _, a := range []*core.Actor{p.office, p.eduA, p.eduB, p.keji, p.eduOther, p.disabled} {
		mustExec(t, d, `UPDATE users SET email = $1 WHERE id = $2`, a.Username+"@example.gov.cn", a.UserID)
	}
	mustExec(t, d, `UPDATE users SET disabled = TRUE WHERE id = $1`, p.disabled.UserID)
	return p
}

func mustExec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if err := d.InTx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), q, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.R().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func configureSMTP(t *testing.T, e *env, p *people, port int) {
	t.Helper()
	set := notify.DefaultSettings()
	set.Host, set.Port, set.TLS = "127.0.0.1", port, notify.TLSNone
	set.From = "柳州市科协 <kx@example.gov.cn>"
	set.BaseURL = "https://kx.example.gov.cn"
	if err := e.s.SaveSettings(orgtest.As(context.Background(), p.admin), set); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, e *env, n notify.Note) {
	t.Helper()
	if err := e.d.InTx(context.Background(), func(tx *sql.Tx) error { return e.s.Send(context.Background(), tx, n) }); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.q.RunDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A note reaches the active liaisons of the unit in that body and the
// body's office once each, in the app and by e-mail: the Chinese subject
// decodes and the body carries the full link. Sending it again with the
// same key records and mails nothing more.
func TestSendNotifiesAndMailsOnce(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newInstance(d, core.NewFakeClock(t0))
		p := setup(t, d)
		mailbox := startSMTP(t)
		configureSMTP(t, e, p, mailbox.Port)

		note := notify.Note{
			To:   notify.Recipients{Units: []notify.UnitInBody{{BodyID: p.w.City.ID, UnitID: p.w.Edu.ID}}, Offices: []int64{p.w.City.ID}, Users: []int64{p.eduA.UserID}},
			Kind: "call.remind", Title: "请于12月4日前报送2020年科普工作总结", Body: "距截止还有 3 天。",
			Link: "/calls/12", Key: fmt.Sprintf("remind:call:12:-3d:%d", p.w.Edu.ID),
		}
		send(t, e, note)
		send(t, e, note)
		want := map[int64]bool{p.eduA.UserID: true, p.eduB.UserID: true, p.office.UserID: true}
		for _, a := range []*core.Actor{p.eduA, p.eduB, p.office, p.keji, p.eduOther, p.disabled} {
			n, err := e.s.Unread(context.Background(), a.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if w := map[bool]int{true: 1, false: 0}[want[a.UserID]]; n != w {
				t.Errorf("%s has %d unread, want %d", a.Username, n, w)
			}
		}
		if n := run(t, e); n != 3 {
			t.Fatalf("ran %d mail jobs, want 3", n)
		}
		msgs := mailbox.messages()
		if len(msgs) != 3 {
			t.Fatalf("server received %d messages, want 3", len(msgs))
		}
		got := map[string]bool{}
		for _, m := range msgs {
			got[m.To[0]] = true
			if m.Subject != "【联动】请于12月4日前报送2020年科普工作总结" {
				t.Errorf("subject %q", m.Subject)
			}
			if !strings.Contains(m.Body, "https://kx.example.gov.cn/calls/12") || !strings.Contains(m.Body, "距截止还有 3 天。") {
				t.Errorf("body lacks the link or text:\n%s", m.Body)
			}
			if m.From != "kx@example.gov.cn" {
				t.Errorf("envelope from %q", m.From)
			}
		}
		for _, a := range []*core.Actor{p.eduA, p.eduB, p.office} {
			if !got[a.Username+"@example.gov.cn"] {
				t.Errorf("no mail to %s", a.Username)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent' AND sent_at > 0`); n != 3 {
			t.Errorf("%d outbox rows sent, want 3", n)
		}
		if n := run(t, e); n != 0 || len(mailbox.messages()) != 3 {
			t.Errorf("mail sent again")
		}
	})
}

// Without a mail server the notification is in-app only: nothing queued.
func TestWithoutSMTPInAppOnly(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newInstance(d, core.NewFakeClock(t0))
		p := setup(t, d)
		if set, err := e.s.LoadSettings(context.Background()); err != nil || set.Configured() {
			t.Fatalf("default settings configured=%v err=%v", set.Configured(), err)
		}
		send(t, e, notify.Note{To: notify.Recipients{Users: []int64{p.eduA.UserID}}, Kind: "report.returned", Title: "报告被退回", Link: "/reports/1"})
		if n := count(t, d, `SELECT COUNT(*) FROM notifications WHERE user_id = $1`, p.eduA.UserID); n != 1 {
			t.Fatalf("%d notifications", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM mail_outbox`); n != 0 {
			t.Fatalf("%d mails queued without SMTP", n)
		}
	})
}

// A note is written in the caller's transaction: a rolled-back change
// leaves neither a notification nor a mail.
func TestSendRollsBackWithTheChange(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newInstance(d, core.NewFakeClock(t0))
		p := setup(t, d)
		configureSMTP(t, e, p, 25)
		err := d.InTx(context.Background(), func(tx *sql.Tx) error {
			if err := e.s.Send(context.Background(), tx, notify.Note{To: notify.Recipients{Users: []int64{p.eduA.UserID}}, Kind: "call.new", Title: "新的材料征集"}); err != nil {
				return err
			}
			return fmt.Errorf("the change failed")
		})
		if err == nil {
			t.Fatal("expected the change to fail")
		}
		if n := count(t, d, `SELECT COUNT(*) FROM notifications`) + count(t, d, `SELECT COUNT(*) FROM mail_outbox`) +
			count(t, d, `SELECT COUNT(*) FROM jobs`); n != 0 {
			t.Fatalf("%d rows left by a rolled-back change", n)
		}
	})
}

// A refused message is retried after the backoff and then delivered once.
func TestMailRetriesAfterTemporaryFailure(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		clock := core.NewFakeClock(t0)
		e := newInstance(d, clock)
		p := setup(t, d)
		mailbox := startSMTP(t)
		configureSMTP(t, e, p, mailbox.Port)
		mailbox.failNextMessages(1)
		send(t, e, notify.Note{To: notify.Recipients{Users: []int64{p.keji.UserID}}, Kind: "call.new", Title: "新的材料征集", Link: "/calls/3"})
		run(t, e)
		var status, lastErr string
		var attempts int
		if err := d.R().QueryRowContext(context.Background(), `SELECT status, attempts, last_error FROM mail_outbox`).Scan(&status, &attempts, &lastErr); err != nil {
			t.Fatal(err)
		}
		if status != notify.MailPending || attempts != 1 || !strings.Contains(lastErr, "451") || len(mailbox.messages()) != 0 {
			t.Fatalf("after a refusal: %s %d %q, %d received", status, attempts, lastErr, len(mailbox.messages()))
		}
		clock.Advance(job.Backoff(1))
		run(t, e)
		if n := len(mailbox.messages()); n != 1 {
			t.Fatalf("received %d after the retry, want 1", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent' AND attempts = 2`); n != 1 {
			t.Fatal("outbox row not marked sent after two attempts")
		}
	})
}

// Deadline reminders with two server instances: the data-call side
// schedules one "call.remind" job per rule; both instances run due jobs at
// the same time; every addressee gets each rule's reminder once, in the app
// and by mail. An instance restarted afterwards sends nothing again.
func TestRemindersOncePerAddresseeAndRuleAcrossInstances(t *testing.T) {
	for _, engine := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			dsn := testkit.NewDSN(t, engine)
			open := func() *db.DB {
				d, err := db.Open(context.Background(), dsn, db.Options{AllowNonDurable: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				return d
			}
			d1 := open()
			if _, err := d1.Migrate(context.Background(), ""); err != nil {
				t.Fatal(err)
			}
			clock := core.NewFakeClock(t0)
			a, b := newInstance(d1, clock), newInstance(open(), clock)
			p := setup(t, d1)
			mailbox := startSMTP(t)
			configureSMTP(t, a, p, mailbox.Port)

			units := []int64{p.w.Edu.ID, p.w.Keji.ID}
			remind := func(e *env) job.Handler {
				return func(ctx context.Context, j job.Job) error {
					rule := j.Key[strings.LastIndex(j.Key, ":")+1:]
					return e.d.InTx(ctx, func(tx *sql.Tx) error {
						for _, u := range units {
							if err := e.s.Send(ctx, tx, notify.Note{
								To:   notify.Recipients{Units: []notify.UnitInBody{{BodyID: p.w.City.ID, UnitID: u}}},
								Kind: "call.remind", Title: "材料征集提醒（" + rule + "）", Link: "/calls/12",
								Key: fmt.Sprintf("remind:call:12:%s:%d", rule, u),
							}); err != nil {
								return err
							}
						}
						return nil
					})
				}
			}
			a.q.Handle("call.remind", remind(a))
			b.q.Handle("call.remind", remind(b))
			deadline := time.Date(2020, 12, 4, 16, 0, 0, 0, time.UTC) // 12月5日 0 时, China time
			set, _ := a.s.LoadSettings(context.Background())
			if err := d1.InTx(context.Background(), func(tx *sql.Tx) error {
				for _, rem := range set.Reminders() {
					if err := a.q.Schedule(context.Background(), tx, "call.remind", "call:12:"+rem.Rule, deadline.Add(rem.Offset), ""); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}

			runBoth := func() {
				var wg sync.WaitGroup
				for _, e := range []*env{a, b, a, b} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := e.q.RunDue(context.Background()); err != nil {
							t.Error(err)
						}
					}()
				}
				wg.Wait()
			}
			liaisons := []*core.Actor{p.eduA, p.eduB, p.keji}
			steps := []struct {
				at    time.Time
				rules int
			}{
				{deadline.Add(-72 * time.Hour), 1},
				{deadline.Add(-24 * time.Hour), 2},
				{deadline.Add(24 * time.Hour), 3},
			}
			for _, s := range steps {
				clock.Advance(s.at.Sub(clock.Now()))
				runBoth()
				runBoth() // mail jobs queued by the first round
				for _, l := range liaisons {
					if n := count(t, d1, `SELECT COUNT(*) FROM notifications WHERE user_id = $1`, l.UserID); n != s.rules {
						t.Errorf("at %s %s has %d reminders, want %d", s.at, l.Username, n, s.rules)
					}
				}
				if n := len(mailbox.messages()); n != s.rules*len(liaisons) {
					t.Errorf("at %s the server received %d mails, want %d", s.at, n, s.rules*len(liaisons))
				}
			}
			// A restart: a third instance on a fresh handle finds nothing to do.
			c := newInstance(open(), clock)
			c.q.Handle("call.remind", remind(c))
			if n := run(t, c); n != 0 {
				t.Errorf("restarted instance ran %d jobs", n)
			}
		})
	}
}

// The digest: one mail a day at DigestHour to users who opted in, listing
// their unread notifications, only when something new arrived; the job
// moves itself to the next day.
func TestDailyDigest(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		clock := core.NewFakeClock(t0) // 09:00 China time
		e := newInstance(d, clock)
		p := setup(t, d)
		mailbox := startSMTP(t)
		configureSMTP(t, e, p, mailbox.Port)
		if err := e.s.SavePrefs(context.Background(), p.eduA, notify.Prefs{Digest: true}); err != nil {
			t.Fatal(err)
		}
		if pr, _ := e.s.LoadPrefs(context.Background(), p.eduA.UserID); !pr.Digest {
			t.Fatal("opt-in not stored")
		}
		if err := e.s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		mustExec(t, d, `UPDATE users SET email = '' WHERE id = $1`, p.eduA.UserID) // in-app only for the notes
		for _, title := range []string{"新的材料征集", "报告被退回"} {
			send(t, e, notify.Note{To: notify.Recipients{Users: []int64{p.eduA.UserID, p.eduB.UserID}}, Kind: "call.new", Title: title, Link: "/calls/1"})
		}
		mustExec(t, d, `UPDATE users SET email = 'edu-a@example.gov.cn' WHERE id = $1`, p.eduA.UserID)
		run(t, e) // eduB's two mails
		before := len(mailbox.messages())

		// Next morning, 08:00 China time.
		clock.Advance(23 * time.Hour)
		run(t, e)
		run(t, e)
		msgs := mailbox.messages()[before:]
		if len(msgs) != 1 {
			t.Fatalf("%d digests, want 1", len(msgs))
		}
		m := msgs[0]
		if m.To[0] != "edu-a@example.gov.cn" || m.Subject != "【联动】每日通知汇总：2 条未读" ||
			!strings.Contains(m.Body, "新的材料征集") || !strings.Contains(m.Body, "https://kx.example.gov.cn/calls/1") {
			t.Fatalf("digest to %v %q:\n%s", m.To, m.Subject, m.Body)
		}
		// The day after: nothing new, no digest.
		clock.Advance(24 * time.Hour)
		run(t, e)
		run(t, e)
		if n := len(mailbox.messages()) - before; n != 1 {
			t.Fatalf("%d digests after a quiet day, want 1", n)
		}
		// Something new: a digest again the next day.
		send(t, e, notify.Note{To: notify.Recipients{Users: []int64{p.office.UserID}}, Kind: "x", Title: "不相关"})
		mustExec(t, d, `UPDATE users SET email = '' WHERE id = $1`, p.eduA.UserID)
		send(t, e, notify.Note{To: notify.Recipients{Users: []int64{p.eduA.UserID}}, Kind: "report.returned", Title: "报告被退回：请补充数据"})
		mustExec(t, d, `UPDATE users SET email = 'edu-a@example.gov.cn' WHERE id = $1`, p.eduA.UserID)
		run(t, e)
		clock.Advance(24 * time.Hour)
		run(t, e)
		run(t, e)
		var digests []received
		for _, m := range mailbox.messages() {
			if strings.Contains(m.Subject, "每日通知汇总") {
				digests = append(digests, m)
			}
		}
		if len(digests) != 2 || digests[1].Subject != "【联动】每日通知汇总：3 条未读" {
			t.Fatalf("digests: %d, last %q", len(digests), digests[len(digests)-1].Subject)
		}
	})
}

// List and MarkRead work on the actor's own notifications only.
func TestListAndMarkReadOwnOnly(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		clock := core.NewFakeClock(t0)
		e := newInstance(d, clock)
		p := setup(t, d)
		for i := 0; i < 3; i++ {
			send(t, e, notify.Note{To: notify.Recipients{Users: []int64{p.eduA.UserID, p.keji.UserID}}, Kind: "call.new", Title: fmt.Sprintf("通知 %d", i)})
			clock.Advance(time.Minute)
		}
		list, total, err := e.s.List(context.Background(), p.eduA.UserID, core.Page{Limit: 2})
		if err != nil || total != 3 || len(list) != 2 || list[0].Title != "通知 2" || !list[0].Unread() {
			t.Fatalf("list: %v %d %+v", err, total, list)
		}
		kejiList, _, _ := e.s.List(context.Background(), p.keji.UserID, core.Page{})
		// eduA marks its newest and keji's newest: only its own is marked.
		if err := e.s.MarkRead(context.Background(), p.eduA, list[0].ID, kejiList[0].ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.s.Unread(context.Background(), p.eduA.UserID); n != 2 {
			t.Errorf("eduA unread %d, want 2", n)
		}
		if n, _ := e.s.Unread(context.Background(), p.keji.UserID); n != 3 {
			t.Errorf("keji unread %d, want 3: another user's mark changed it", n)
		}
		list, _, _ = e.s.List(context.Background(), p.eduA.UserID, core.Page{})
		if list[2].Title != "通知 2" || list[2].Unread() {
			t.Errorf("read notification not listed last: %+v", list)
		}
		if err := e.s.MarkRead(context.Background(), p.eduA); err != nil {
			t.Fatal(err)
		}
		if n, _ := e.s.Unread(context.Background(), p.eduA.UserID); n != 0 {
			t.Errorf("mark all left %d unread", n)
		}
	})
}

// Settings: system administrator only, validated field by field in
// Chinese, the password kept when left blank and never in the audit log.
func TestSettingsSaveAndValidate(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newInstance(d, core.NewFakeClock(t0))
		p := setup(t, d)
		ctx := orgtest.As(context.Background(), p.admin)
		set := notify.DefaultSettings()
		set.Host, set.Port, set.From, set.Username, set.Password = "smtp.example.gov.cn", 465, "kx@example.gov.cn", "kx", "s3cret-pw"
		set.TLS = notify.TLSImplicit
		if err := e.s.SaveSettings(orgtest.As(context.Background(), p.office), set); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Fatalf("office saved mail settings: %v", err)
		}
		if err := e.s.SaveSettings(ctx, set); err != nil {
			t.Fatal(err)
		}
		set.Password = "" // the page never shows it: blank keeps it
		set.ReminderOffsets = []string{"-7d", "-1d", "+2d"}
		if err := e.s.SaveSettings(ctx, set); err != nil {
			t.Fatal(err)
		}
		got, _ := e.s.LoadSettings(context.Background())
		if got.Password != "s3cret-pw" || len(got.Offsets()) != 3 || got.Offsets()[0] != -7*24*time.Hour {
			t.Fatalf("stored %+v", got)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'mail.settings'`); n != 2 {
			t.Errorf("%d audit rows", n)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%s3cret%' OR before_json LIKE '%s3cret%'`); n != 0 {
			t.Error("the password is in the audit log")
		}
		bad := notify.Settings{Host: "smtp example", Port: 0, From: "不是地址", TLS: "ssl", ReminderOffsets: []string{"3 days"}, DigestHour: 24}
		errs := core.FieldErrors(e.s.SaveSettings(ctx, bad))
		for _, f := range []string{"host", "port", "from", "tls", "reminder_offsets", "digest_hour"} {
			if errs[f] == "" {
				t.Errorf("no message for %s: %v", f, errs)
			}
		}
	})
}
