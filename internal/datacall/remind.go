package datacall

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"liandong/internal/audit"
	"liandong/internal/job"
	"liandong/internal/notify"
)

// KindRemind is the job kind of a call's reminders, keyed
// "call:<id>:<rule>" and run at the deadline plus the rule's offset.
const KindRemind = "call.remind"

type remindPayload struct {
	Call int64  `json:"call"`
	Rule string `json:"rule"`
}

// scheduleReminders (re)schedules the reminders of an open call: one job
// per rule at deadline+offset. Jobs whose time has passed are not made (a
// call opened two days before its deadline gets no "three days before"),
// and the pending ones are first cancelled so that a removed rule or an
// earlier deadline leaves nothing behind.
func (s *Service) scheduleReminders(ctx context.Context, tx *sql.Tx, id int64, deadline time.Time, rules []string, now time.Time) error {
	if s.Jobs == nil {
		return nil
	}
	if err := s.Jobs.Cancel(ctx, tx, KindRemind, fmt.Sprintf("call:%d:", id)); err != nil {
		return err
	}
	for _, r := range rules {
		off, err := notify.ParseOffset(r)
		if err != nil {
			continue
		}
		at := deadline.Add(off)
		if !at.After(now) {
			continue
		}
		p, _ := json.Marshal(remindPayload{Call: id, Rule: r})
		if err := s.Jobs.Schedule(ctx, tx, KindRemind, fmt.Sprintf("call:%d:%s", id, r), at, string(p)); err != nil {
			return err
		}
	}
	return nil
}

// Register makes q run the calls' reminders.
func (s *Service) Register(q *job.Queue) { q.Handle(KindRemind, s.remind) }

// remind tells every addressee of an open call that has not submitted
// (nothing yet, a draft, or returned and not resubmitted) that the deadline
// is near or has passed. The note's key makes it once per addressee and
// rule, however often the job runs.
func (s *Service) remind(ctx context.Context, j job.Job) error {
	var p remindPayload
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return fmt.Errorf("datacall: remind payload %q: %w", j.Payload, err)
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		c, err := loadCall(ctx, tx, p.Call)
		if err != nil {
			return nil // the call is gone: nothing to remind of
		}
		if c.Status != Open {
			return nil
		}
		subs, err := submissionsOf(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		title, body := "材料征集即将截止："+c.Title, fmt.Sprintf("请于 %s 前报送。", c.DeadlineText())
		if c.Overdue(now) {
			title, body = "材料征集已截止，尚未收到贵单位材料："+c.Title, fmt.Sprintf("截止时间为 %s，请尽快报送或联系办公室。", c.DeadlineText())
			if !c.LateAllowed {
				body = fmt.Sprintf("截止时间为 %s，贵单位尚未报送，请联系办公室%s。", c.DeadlineText(), c.ContactName)
			}
		}
		n := 0
		for _, ad := range c.Addressees {
			st := StateOf(subs[ad.ID])
			if st != NotYet && st != StReturned {
				continue
			}
			n++
			if err := s.tell(ctx, tx, ad, KindRemind, title, body,
				fmt.Sprintf("remind:call:%d:%s:%d", c.ID, p.Rule, ad.ID), c.ID); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "call.remind", ObjectType: "call", ObjectID: c.ID,
			After: map[string]any{"rule": p.Rule, "addressees": n}})
	})
}

// tell sends a note to the people who act for an addressee: the unit's
// liaisons in the body, or the subordinate body's office.
func (s *Service) tell(ctx context.Context, tx *sql.Tx, ad Addressee, kind, title, body, key string, callID int64) error {
	if s.Notify == nil {
		return nil
	}
	to := notify.Recipients{Units: []notify.UnitInBody{{BodyID: ad.BodyID, UnitID: ad.UnitID}}}
	if ad.Kind == ToOffice {
		to = notify.Recipients{Offices: []int64{ad.BodyID}}
	}
	return s.Notify.Send(ctx, tx, notify.Note{To: to, Kind: kind, Title: title, Body: body, Link: callLink(callID), Key: key})
}
