package report_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/internal/db"
	"liandong/internal/job"
	"liandong/internal/notify"
	"liandong/internal/report"
	"liandong/internal/testkit"
)

type remindNote struct {
	title, body, link, key string
}

// notesOf lists a user's report reminders, oldest first.
func (x *world) notesOf(t *testing.T, name string) []remindNote {
	t.Helper()
	rows, err := x.d.R().QueryContext(context.Background(), `SELECT title, body, link, dedupe_key FROM notifications
		WHERE user_id = $1 AND kind = 'report.remind' ORDER BY id`, x.actors[name].UserID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := db.Collect(rows, func(r db.Scanner) (*remindNote, error) {
		var n remindNote
		return &n, r.Scan(&n.title, &n.body, &n.link, &n.key)
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// at sets the fake clock to a China time "2006-01-02 15:04".
func (x *world) at(t *testing.T, s string) {
	t.Helper()
	target, err := time.ParseInLocation("2006-01-02 15:04", s, notify.ChinaTime())
	if err != nil {
		t.Fatal(err)
	}
	x.clock.Advance(target.Sub(x.clock.Now()))
}

func (x *world) queue() *job.Queue {
	q := &job.Queue{DB: x.d, Clock: x.clock}
	x.svc.Register(q)
	return q
}

// The 2021 plan's fourth-quarter reports are due 10 January 2022; the
// default rules remind on 7 January (-3d), 9 January (-1d) and 11 January
// (+1d). Each unit still owing a report gets one note per rule, listing
// its tasks; a unit that submitted gets none; two instances, a restart and
// a repeated run send nothing twice; days the server was down are caught
// up with the latest rule only.
func TestReportReminders(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		x := setup(t, d)
		ctx := context.Background()
		w := x.w
		q := x.queue()
		x.svc.Notify = &notify.Service{DB: d, Clock: x.clock, Jobs: q}

		// The education bureau has submitted task A; finance has a draft
		// of task B; the science bureau owes both A and B.
		r := x.start(t, x.edu, x.a, w.City.ID, w.Edu.ID, "2021-Q4", report.UnitReport)
		if _, err := x.svc.Submit(x.edu, r.ID, draft(r.Version, "四季度培训30名", 30)); err != nil {
			t.Fatal(err)
		}
		fin := x.start(t, x.finance, x.b, w.City.ID, w.Finance.ID, "2021-Q4", report.UnitReport)

		count := func() map[string]int {
			m := map[string]int{}
			for _, n := range []string{"edu", "keji", "finance", "kexie", "liuchengEdu", "office", "county", "leader"} {
				m[n] = len(x.notesOf(t, n))
			}
			return m
		}
		want := func(step string, exp map[string]int) {
			t.Helper()
			got := count()
			for n, c := range got {
				if exp[n] != c {
					t.Fatalf("%s: %s has %d reminders, want %d (all: %v)", step, n, c, exp[n], got)
				}
			}
		}
		run := func(q *job.Queue, wantRan int) {
			t.Helper()
			n, err := q.RunDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != wantRan {
				t.Fatalf("ran %d jobs, want %d", n, wantRan)
			}
		}

		// 6 January: the first start schedules the job, which runs at once
		// and finds nothing due today.
		x.at(t, "2022-01-06 10:00")
		if err := x.svc.ScheduleReminders(ctx, q); err != nil {
			t.Fatal(err)
		}
		run(q, 1)
		want("6 January", nil)

		// 7 January 08:00, two instances at once: -3d reaches every unit
		// owing a report, once.
		x.at(t, "2022-01-07 08:00")
		qa, qb := x.queue(), x.queue()
		var wg sync.WaitGroup
		ran := make([]int, 4)
		for i, qq := range []*job.Queue{qa, qb, qa, qb} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := qq.RunDue(ctx)
				if err != nil {
					t.Error(err)
				}
				ran[i] = n
			}()
		}
		wg.Wait()
		if ran[0]+ran[1]+ran[2]+ran[3] != 1 {
			t.Fatalf("the day's run ran %v times", ran)
		}
		exp := map[string]int{"keji": 1, "finance": 1, "kexie": 1, "liuchengEdu": 1}
		want("7 January", exp)
		keji := x.notesOf(t, "keji")[0]
		if !strings.Contains(keji.title, "2021年第四季度") || !strings.Contains(keji.title, "2022年1月10日前") ||
			!strings.Contains(keji.body, x.a.Title) || !strings.Contains(keji.body, x.b.Title) ||
			!strings.Contains(keji.body, "共2项任务") || keji.link != "/reports" ||
			keji.key != "remind:report:"+itoa(w.City.ID)+":"+itoa(w.Keji.ID)+":2021-Q4:-3d" {
			t.Errorf("science bureau's note: %+v", keji)
		}
		if f := x.notesOf(t, "finance")[0]; f.link != "/reports/"+itoa(fin.ID) || !strings.Contains(f.body, x.b.Title) || strings.Contains(f.body, x.a.Title) {
			t.Errorf("finance's note (one task, a draft): %+v", f)
		}
		if c := x.notesOf(t, "liuchengEdu")[0]; !strings.HasPrefix(c.key, "remind:report:"+itoa(w.LiuchengBody.ID)+":") {
			t.Errorf("the county unit is reminded in its county body: %+v", c)
		}

		// A restart: a new queue ensures the job (already pending for
		// tomorrow) and finds nothing due.
		q2 := x.queue()
		if err := x.svc.ScheduleReminders(ctx, q2); err != nil {
			t.Fatal(err)
		}
		run(q2, 0)
		want("restart", exp)
		// At-least-once delivery runs the day again: the notes' keys keep
		// it to one each.
		x.exec(t, `UPDATE jobs SET run_at = $1, payload = '{"from":"2022-01-07"}' WHERE kind = 'report.remind'`, x.clock.Now().Unix())
		run(q2, 1)
		want("the same day run again", exp)

		// The science bureau submits B and the 科协 A; the server is down
		// from 8 to 10 January. On the 11th the missed -1d is not sent
		// late; +1d is, to those still owing a report.
		rb := x.start(t, x.keji, x.b, w.City.ID, w.Keji.ID, "2021-Q4", report.UnitReport)
		if _, err := x.svc.Submit(x.keji, rb.ID, report.DraftInput{Version: rb.Version, Progress: report.Done, Narrative: "活动周已举办"}); err != nil {
			t.Fatal(err)
		}
		rk := x.start(t, x.kexie, x.a, w.City.ID, w.Kexie.ID, "2021-Q4", report.UnitReport)
		if _, err := x.svc.Submit(x.kexie, rk.ID, draft(rk.Version, "培训12名", 12)); err != nil {
			t.Fatal(err)
		}
		x.at(t, "2022-01-11 09:00")
		run(q2, 1)
		exp = map[string]int{"keji": 2, "finance": 2, "kexie": 1, "liuchengEdu": 2}
		want("11 January", exp)
		late := x.notesOf(t, "keji")[1]
		if !strings.HasSuffix(late.key, ":2021-Q4:+1d") || !strings.Contains(late.title, "已逾期") ||
			!strings.Contains(late.body, x.a.Title) || strings.Contains(late.body, x.b.Title) {
			t.Errorf("the science bureau's late note names A only: %+v", late)
		}
		var minus1 int
		if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE dedupe_key LIKE '%:-1d'`).Scan(&minus1); err != nil || minus1 != 0 {
			t.Errorf("-1d notes sent late: %d %v", minus1, err)
		}

		// Later days: nothing more, and the job stays scheduled.
		x.at(t, "2022-01-12 08:00")
		run(q2, 1)
		want("12 January", exp)
		var pending, audits int
		if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'report.remind' AND status = 'pending'`).Scan(&pending); err != nil || pending != 1 {
			t.Errorf("pending reminder jobs: %d %v", pending, err)
		}
		if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'report.remind'`).Scan(&audits); err != nil || audits < 2 {
			t.Errorf("audit rows of reminders: %d %v", audits, err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
