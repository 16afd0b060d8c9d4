package notify

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/job"
)

const digestKey = "daily"

// digestLimit caps how many notifications one digest lists.
const digestLimit = 30

// nextDigest is the first DigestHour (China time) strictly after now.
func nextDigest(set Settings, now time.Time) time.Time {
	t := now.In(chinaTime)
	at := time.Date(t.Year(), t.Month(), t.Day(), set.DigestHour, 0, 0, 0, chinaTime)
	if !at.After(t) {
		at = at.AddDate(0, 0, 1)
	}
	return at.UTC()
}

func (s *Service) scheduleDigest(ctx context.Context, tx *sql.Tx, set Settings, now time.Time) error {
	return s.Jobs.Ensure(ctx, tx, KindDigest, digestKey, nextDigest(set, now), "")
}

// Prefs are a user's notification preferences.
type Prefs struct {
	Digest bool // a daily e-mail listing unread notifications
}

// LoadPrefs returns the user's preferences (all off by default).
func (s *Service) LoadPrefs(ctx context.Context, userID int64) (Prefs, error) {
	var p Prefs
	err := s.DB.R().QueryRowContext(ctx, `SELECT digest FROM notify_prefs WHERE user_id = $1`, userID).Scan(&p.Digest)
	if err == sql.ErrNoRows {
		return Prefs{}, nil
	}
	if err != nil {
		return Prefs{}, fmt.Errorf("notify: prefs: %w", db.Normalize(err))
	}
	return p, nil
}

// SavePrefs stores the actor's own preferences.
func (s *Service) SavePrefs(ctx context.Context, a *core.Actor, p Prefs) error {
	if a == nil || a.UserID == 0 {
		return &core.Error{Code: core.EUNAUTHORIZED, Message: "请先登录。"}
	}
	now := s.Clock.Now().Unix()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notify_prefs (user_id, digest, last_digest, updated_at) VALUES ($1, $2, 0, $3)
			ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, updated_at = excluded.updated_at`,
			a.UserID, p.Digest, now)
		return db.Normalize(err)
	})
}

type digestUser struct {
	addressee
	last int64
}

// runDigest is the daily "notify.digest" job: for every user who opted in
// and has an address, one mail listing the unread notifications, sent only
// when at least one arrived since the previous digest. The outbox row's key
// (user and China date) keeps it to one a day even if the job runs twice.
// It then schedules itself for the next day.
func (s *Service) runDigest(ctx context.Context, j job.Job) error {
	set, err := s.LoadSettings(ctx)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	if set.Configured() {
		rows, err := s.DB.R().QueryContext(ctx, `SELECT u.id, u.email, p.last_digest FROM notify_prefs p
			JOIN users u ON u.id = p.user_id
			WHERE p.digest = TRUE AND u.disabled = FALSE AND u.email <> '' ORDER BY u.id`)
		if err != nil {
			return fmt.Errorf("notify: digest users: %w", db.Normalize(err))
		}
		users, err := db.Collect(rows, func(r db.Scanner) (*digestUser, error) {
			var u digestUser
			return &u, r.Scan(&u.id, &u.email, &u.last)
		})
		if err != nil {
			return fmt.Errorf("notify: digest users: %w", db.Normalize(err))
		}
		day := now.In(chinaTime).Format(core.DateLayout)
		for _, u := range users {
			if err := s.digestOne(ctx, set, u, day, now); err != nil {
				return err
			}
		}
	}
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		return s.Jobs.Schedule(ctx, tx, KindDigest, digestKey, nextDigest(set, now), "")
	})
}

func (s *Service) digestOne(ctx context.Context, set Settings, u digestUser, day string, now time.Time) error {
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		var fresh int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at = 0 AND created_at > $2`,
			u.id, u.last).Scan(&fresh); err != nil {
			return db.Normalize(err)
		}
		if fresh == 0 {
			return nil
		}
		var total int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at = 0`, u.id).Scan(&total); err != nil {
			return db.Normalize(err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, user_id, kind, title, body, link, created_at, read_at FROM notifications
			WHERE user_id = $1 AND read_at = 0 ORDER BY id DESC LIMIT $2`, u.id, digestLimit)
		if err != nil {
			return db.Normalize(err)
		}
		list, err := db.Collect(rows, scanNotification)
		if err != nil {
			return db.Normalize(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "您在联动系统中有 %d 条未读通知：\n\n", total)
		for i, n := range list {
			fmt.Fprintf(&b, "%d. %s（%s）\n", i+1, n.Title, n.CreatedAt.In(chinaTime).Format("1月2日 15:04"))
			if n.Link != "" {
				fmt.Fprintf(&b, "   %s\n", set.AbsURL(n.Link))
			}
		}
		if total > len(list) {
			fmt.Fprintf(&b, "\n另有 %d 条较早的未读通知，请登录系统查看。\n", total-len(list))
		}
		fmt.Fprintf(&b, "\n全部通知：%s\n\n如不再需要每日汇总，可在“我的账户”中取消。此邮件由联动系统自动发送，请勿直接回复。\n", set.AbsURL("/notifications"))
		subject := fmt.Sprintf("【联动】每日通知汇总：%d 条未读", total)
		if err := s.queueMail(ctx, tx, 0, u.addressee, subject, b.String(), "digest:"+fmt.Sprint(u.id)+":"+day); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE notify_prefs SET last_digest = $1 WHERE user_id = $2`, now.Unix(), u.id)
		return db.Normalize(err)
	})
}
