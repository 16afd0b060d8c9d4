package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/db"
	"liandong/internal/job"
	"liandong/internal/notify"
	"liandong/internal/plan"
)

// Reminders of progress reports due (issue 4 part 5).
//
// One recurring job, KindRemind, runs every morning (remindHour, China
// time). For every published plan and every period of its cadence, a
// reminder rule of the notify settings ("-3d", "-1d", "+1d") falls on the
// day that holds the last second of the period's due date plus the rule's
// offset: "-3d" of a report due 10 January is 7 January, "+1d" is 11
// January, the first day it is late. On that day every unit assigned an
// open task of the plan (lead or responsible, in the plan's body or a
// county body that received the task) whose unit report for the period is
// neither submitted nor accepted is told so.
//
// Notes are grouped: a unit gets one note per body, period and rule,
// naming how many tasks are outstanding and the first few of them, with a
// link to its one report when a single task is outstanding and a draft
// exists, and to 我的报告 otherwise. A unit with 40 tasks gets one note,
// not 40. The note's key is "remind:report:<body>:<unit>:<period>:<rule>",
// so it reaches each liaison once per rule however often the job runs (a
// retry, a second instance, a restart): the job queue claims the job
// atomically, and the key makes a repeated run harmless anyway.
//
// A day the job did not run (the server was down) is caught up on the
// next run, up to catchUpDays back: the job's payload says the first day
// not yet covered. When several rules of one period fall into the days
// caught up, only the latest is sent; "three days left" is no news on the
// day after the deadline.
//
// Consolidated reports of lead units are not reminded of: the lead unit
// sees them on the task's consolidation page, next to its units' reports.

// KindRemind is the job kind of the daily reminder run.
const KindRemind = "report.remind"

const (
	remindKey = "daily"
	// remindHour is when the run starts, China time: before offices open,
	// so the note is there when the liaison logs in.
	remindHour = 8
	// catchUpDays bounds how many missed days a late run covers.
	catchUpDays = 7
	// remindListed is how many task titles a note names.
	remindListed = 5
)

type remindPayload struct {
	// From is the first day (China date, YYYY-MM-DD) the run covers.
	From string `json:"from"`
}

// Register makes q run the daily reminder job. ScheduleReminders sets it
// up the first time; afterwards each run schedules the next.
func (s *Service) Register(q *job.Queue) {
	q.Handle(KindRemind, func(ctx context.Context, j job.Job) error { return s.remind(ctx, q, j) })
}

// ScheduleReminders makes sure the daily reminder job exists: a job already
// pending is left as it is, so this is safe at every start of every
// instance. A first job runs at once, covering today.
func (s *Service) ScheduleReminders(ctx context.Context, q *job.Queue) error {
	now := s.Clock.Now()
	p, _ := json.Marshal(remindPayload{From: now.In(china).Format(time.DateOnly)})
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		return q.Ensure(ctx, tx, KindRemind, remindKey, now, string(p))
	})
}

// nextRemind is the first remindHour (China time) strictly after now.
func nextRemind(now time.Time) time.Time {
	t := now.In(china)
	at := time.Date(t.Year(), t.Month(), t.Day(), remindHour, 0, 0, 0, china)
	if !at.After(t) {
		at = at.AddDate(0, 0, 1)
	}
	return at.UTC()
}

// remindDay is the China date a rule with offset off falls on for a report
// due on the date due: the day holding the due date's last second plus
// off. Day offsets thus count whole days from the due date, and an hour
// offset lands on the day it points into.
func remindDay(due string, off time.Duration) (string, bool) {
	d, err := time.ParseInLocation(time.DateOnly, due, china)
	if err != nil {
		return "", false
	}
	return d.AddDate(0, 0, 1).Add(-time.Second).Add(off).Format(time.DateOnly), true
}

// remind is one run of KindRemind: it sends the reminders of the days from
// the payload's date to today and schedules the next run.
func (s *Service) remind(ctx context.Context, q *job.Queue, j job.Job) error {
	now := s.Clock.Now()
	today := now.In(china).Format(time.DateOnly)
	from := j.RunAt.In(china).Format(time.DateOnly)
	var p remindPayload
	if json.Unmarshal([]byte(j.Payload), &p) == nil {
		if _, err := time.Parse(time.DateOnly, p.From); err == nil {
			from = p.From
		}
	}
	if floor := now.In(china).AddDate(0, 0, 1-catchUpDays).Format(time.DateOnly); from < floor {
		from = floor
	}
	if from > today {
		from = today
	}
	if s.Notify != nil {
		set, err := s.Notify.LoadSettings(ctx)
		if err != nil {
			return err
		}
		if rules := set.Reminders(); len(rules) > 0 {
			if err := s.sendReminders(ctx, rules, from, today, now); err != nil {
				return err
			}
		}
	}
	next := nextRemind(now)
	np, _ := json.Marshal(remindPayload{From: next.In(china).Format(time.DateOnly)})
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		return q.Schedule(ctx, tx, KindRemind, remindKey, next, string(np))
	})
}

// dueRule is the rule a period is reminded of in this run.
type dueRule struct {
	plan   *plan.Plan
	period Period
	rule   notify.Reminder
	day    string
}

// pick returns, for each period of p, the latest rule that falls within
// [from, to], and that falls on a day the period has begun by.
func pick(p *plan.Plan, rules []notify.Reminder, from, to string) []dueRule {
	var out []dueRule
	for _, per := range Periods(p, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) {
		var best *dueRule
		for _, r := range rules {
			day, ok := remindDay(per.Due, r.Offset)
			if !ok || day < from || day > to || day < per.Start {
				continue
			}
			if best == nil || day > best.day || (day == best.day && r.Offset > best.rule.Offset) {
				best = &dueRule{plan: p, period: per, rule: r, day: day}
			}
		}
		if best != nil {
			out = append(out, *best)
		}
	}
	return out
}

// outstanding is one unit's task without a submitted or accepted report.
type outstanding struct {
	bodyID, itemID, unitID int64
	title                  string
	reportID               int64 // the draft or returned report; 0 if none
}

// unitDue gathers one note: a unit in a body, a period and a rule.
type unitDue struct {
	bodyID, unitID int64
	period         Period
	rule           notify.Reminder
	tasks          []outstanding
}

func (s *Service) sendReminders(ctx context.Context, rules []notify.Reminder, from, to string, now time.Time) error {
	rows, err := s.DB.R().QueryContext(ctx, `SELECT id FROM plans WHERE status = 'published' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("report: remind: plans: %w", db.Normalize(err))
	}
	ids, err := db.Collect(rows, func(r db.Scanner) (*int64, error) {
		var id int64
		return &id, r.Scan(&id)
	})
	if err != nil {
		return fmt.Errorf("report: remind: plans: %w", db.Normalize(err))
	}
	var due []dueRule
	for _, id := range ids {
		p, err := plan.FindPlanByID(ctx, s.DB.R(), id)
		if err != nil {
			return err
		}
		due = append(due, pick(p, rules, from, to)...)
	}
	if len(due) == 0 {
		return nil
	}
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		notes := map[string]*unitDue{}
		var order []string
		for _, d := range due {
			list, err := outstandingOf(ctx, tx, d.plan.ID, d.period.Key)
			if err != nil {
				return err
			}
			units := map[string]bool{}
			for _, o := range list {
				k := remindNoteKey(o.bodyID, o.unitID, d.period.Key, d.rule.Rule)
				n := notes[k]
				if n == nil {
					n = &unitDue{bodyID: o.bodyID, unitID: o.unitID, period: d.period, rule: d.rule}
					notes[k] = n
					order = append(order, k)
				}
				n.tasks = append(n.tasks, o)
				units[k] = true
			}
			if len(list) > 0 {
				if err := audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "report.remind", ObjectType: "plan",
					ObjectID: d.plan.ID, After: map[string]any{"period": d.period.Key, "rule": d.rule.Rule,
						"units": len(units), "tasks": len(list)}}); err != nil {
					return err
				}
			}
		}
		sort.Strings(order)
		for _, k := range order {
			n := notes[k]
			title, body, link := remindText(n, to)
			if err := s.Notify.Send(ctx, tx, notify.Note{
				To:   notify.Recipients{Units: []notify.UnitInBody{{BodyID: n.bodyID, UnitID: n.unitID}}},
				Kind: KindRemind, Title: title, Body: body, Link: link, Key: k,
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

func remindNoteKey(body, unit int64, period, rule string) string {
	return fmt.Sprintf("remind:report:%d:%d:%s:%s", body, unit, period, rule)
}

// outstandingOf lists the (body, task, unit) of plan planID whose unit
// report for period is neither submitted nor accepted: open tasks only,
// each unit once per task even when it both leads and is responsible.
func outstandingOf(ctx context.Context, q db.Querier, planID int64, period string) ([]outstanding, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT a.body_id, a.item_id, a.unit_id, i.path, i.title, COALESCE(r.id, 0)
		FROM assignments a
		JOIN plan_items i ON i.id = a.item_id
		LEFT JOIN reports r ON r.body_id = a.body_id AND r.item_id = a.item_id AND r.unit_id = a.unit_id
			AND r.period = $2 AND r.kind = 'unit'
		WHERE i.plan_id = $1 AND i.kind = 'task' AND i.status = 'open'
			AND (r.id IS NULL OR r.state IN ('draft', 'returned'))
		ORDER BY a.body_id, a.unit_id, i.path, a.item_id`, planID, period)
	if err != nil {
		return nil, fmt.Errorf("report: remind: outstanding: %w", db.Normalize(err))
	}
	list, err := db.Collect(rows, func(r db.Scanner) (*outstanding, error) {
		var o outstanding
		var path string
		err := r.Scan(&o.bodyID, &o.itemID, &o.unitID, &path, &o.title, &o.reportID)
		if path != "" {
			o.title = path + " " + o.title
		}
		return &o, err
	})
	if err != nil {
		return nil, fmt.Errorf("report: remind: outstanding: %w", db.Normalize(err))
	}
	return list, nil
}

// remindText writes a note: before the due date it says how long is left,
// from the day after it that the reports are late.
func remindText(n *unitDue, today string) (title, body, link string) {
	dueText := cnDay(n.period.Due)
	late := today > n.period.Due
	count := len(n.tasks)
	names := make([]string, 0, remindListed)
	for i, t := range n.tasks {
		if i == remindListed {
			break
		}
		names = append(names, "“"+t.title+"”")
	}
	list := strings.Join(names, "、")
	if count > remindListed {
		list += "等" + strconv.Itoa(count) + "项任务"
	} else if count > 1 {
		list += "共" + strconv.Itoa(count) + "项任务"
	}
	if late {
		title = fmt.Sprintf("%s进展报告已逾期（应于%s前报送）", n.period.Label, dueText)
		body = fmt.Sprintf("贵单位%s的%s进展报告尚未报送，报送期限%s已过。请尽快在“我的报告”中填报并提交。", list, n.period.Label, dueText)
	} else {
		title = fmt.Sprintf("%s进展报告请于%s前报送", n.period.Label, dueText)
		body = fmt.Sprintf("贵单位%s的%s进展报告尚未报送。请于%s前在“我的报告”中填报并提交。", list, n.period.Label, dueText)
	}
	link = "/reports"
	if count == 1 && n.tasks[0].reportID != 0 {
		link = "/reports/" + strconv.FormatInt(n.tasks[0].reportID, 10)
	}
	return title, body, link
}

// cnDay renders a YYYY-MM-DD date as 2022年1月10日.
func cnDay(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}
