// Package notify tells users what needs them: in-app notifications, e-mail
// over SMTP when a server is configured, reminders before and after a
// deadline, and an optional daily digest.
//
// A notification is written in the transaction of the change it reports,
// so it exists iff the change committed; its e-mail goes to an outbox row
// in the same transaction and is sent afterwards by a "mail.send" job.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/job"
)

// Service records notifications and sends their e-mail.
type Service struct {
	DB    *db.DB
	Clock core.Clock
	Jobs  *job.Queue
}

// Recipients says who a note is for; the sets are joined and each user
// gets the note once.
type Recipients struct {
	Users   []int64
	Units   []UnitInBody // active liaison users of the unit in that body
	Offices []int64      // office users of these bodies
}

// UnitInBody names a member unit within one body.
type UnitInBody struct{ BodyID, UnitID int64 }

// Note is a notification to send.
type Note struct {
	To    Recipients
	Kind  string // e.g. "report.returned", "call.new", "call.remind"
	Title string
	Body  string
	Link  string // a path in the application, e.g. "/calls/5"
	// Key deduplicates: the same Key for the same user is recorded once,
	// ever. Empty means no deduplication.
	Key string
}

// Notification is one user's in-app notification.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string
	Title     string
	Body      string
	Link      string
	CreatedAt time.Time
	ReadAt    time.Time // zero while unread
}

// Unread reports whether the notification has not been read.
func (n Notification) Unread() bool { return n.ReadAt.IsZero() }

// Job kinds of this package.
const (
	KindMailSend = "mail.send"
	KindDigest   = "notify.digest"
)

type addressee struct {
	id    int64
	email string
}

// resolve turns recipients into distinct active users, in id order.
func resolve(ctx context.Context, q db.Querier, to Recipients) ([]addressee, error) {
	seen := map[int64]string{}
	add := func(rows *sql.Rows, err error) error {
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a addressee
			if err := rows.Scan(&a.id, &a.email); err != nil {
				return err
			}
			seen[a.id] = a.email
		}
		return rows.Err()
	}
	for _, id := range to.Users {
		if err := add(q.QueryContext(ctx, `SELECT id, email FROM users WHERE id = $1 AND disabled = FALSE`, id)); err != nil {
			return nil, err
		}
	}
	for _, u := range to.Units {
		if err := add(q.QueryContext(ctx, `SELECT u.id, u.email FROM users u JOIN user_bodies ub ON ub.user_id = u.id
			WHERE ub.body_id = $1 AND u.unit_id = $2 AND u.role = 'liaison' AND u.disabled = FALSE`, u.BodyID, u.UnitID)); err != nil {
			return nil, err
		}
	}
	for _, b := range to.Offices {
		if err := add(q.QueryContext(ctx, `SELECT u.id, u.email FROM users u JOIN user_bodies ub ON ub.user_id = u.id
			WHERE ub.body_id = $1 AND u.role = 'office' AND u.disabled = FALSE`, b)); err != nil {
			return nil, err
		}
	}
	out := make([]addressee, 0, len(seen))
	for id, e := range seen {
		out = append(out, addressee{id, strings.TrimSpace(e)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// Send records one in-app notification per resolved user, at most once per
// user and Key, and when SMTP is configured queues an e-mail to each of
// those users who has an address. It runs in the caller's transaction.
func (s *Service) Send(ctx context.Context, tx *sql.Tx, n Note) error {
	n.Kind, n.Title = strings.TrimSpace(n.Kind), strings.TrimSpace(n.Title)
	if n.Kind == "" || n.Title == "" {
		return errors.New("notify: a note needs a kind and a title")
	}
	users, err := resolve(ctx, tx, n.To)
	if err != nil {
		return fmt.Errorf("notify: recipients: %w", db.Normalize(err))
	}
	if len(users) == 0 {
		return nil
	}
	set, err := loadSettings(ctx, tx)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	var key any
	if n.Key != "" {
		key = n.Key
	}
	for _, u := range users {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, link, dedupe_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
			u.id, n.Kind, n.Title, n.Body, n.Link, key, now.Unix()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue // already told, once is enough
		}
		if err != nil {
			return fmt.Errorf("notify: record: %w", db.Normalize(err))
		}
		if !set.Configured() || u.email == "" {
			continue
		}
		subject, body := noteMail(set, n)
		if err := s.queueMail(ctx, tx, id, u, subject, body, nil); err != nil {
			return err
		}
	}
	return nil
}

// queueMail writes an outbox row and schedules the job that sends it. A
// non-nil dedupe key that is already in the outbox queues nothing.
func (s *Service) queueMail(ctx context.Context, tx *sql.Tx, notificationID int64, u addressee, subject, body string, dedupe any) error {
	var nid any
	if notificationID != 0 {
		nid = notificationID
	}
	now := s.Clock.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO mail_outbox (notification_id, user_id, to_addr, subject, body, dedupe_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
		nid, u.id, u.email, subject, body, dedupe, now.Unix()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: outbox: %w", db.Normalize(err))
	}
	return s.Jobs.Schedule(ctx, tx, KindMailSend, fmt.Sprintf("outbox:%d", id), now, "")
}

// noteMail renders a notification as a plain-text mail.
func noteMail(set Settings, n Note) (subject, body string) {
	subject = "【联动】" + n.Title
	var b strings.Builder
	b.WriteString(n.Title)
	b.WriteString("\n\n")
	if n.Body != "" {
		b.WriteString(n.Body)
		b.WriteString("\n\n")
	}
	if n.Link != "" {
		b.WriteString("查看详情：")
		b.WriteString(set.AbsURL(n.Link))
		b.WriteString("\n\n")
	}
	b.WriteString("此邮件由联动系统自动发送，请勿直接回复。\n")
	return subject, b.String()
}

// Unread counts the user's unread notifications: one indexed COUNT, cheap
// enough for every page's header.
func (s *Service) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at = 0`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("notify: unread: %w", db.Normalize(err))
	}
	return n, nil
}

// List returns one page of the user's notifications, unread first, newest
// first within each, with the total count.
func (s *Service) List(ctx context.Context, userID int64, p core.Page) ([]Notification, int, error) {
	p = p.Normalize()
	var total int
	if err := s.DB.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1`, userID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("notify: list: %w", db.Normalize(err))
	}
	rows, err := s.DB.R().QueryContext(ctx, `SELECT id, user_id, kind, title, body, link, created_at, read_at
		FROM notifications WHERE user_id = $1
		ORDER BY CASE WHEN read_at = 0 THEN 0 ELSE 1 END, id DESC LIMIT $2 OFFSET $3`, userID, p.Limit, p.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: list: %w", db.Normalize(err))
	}
	list, err := db.Collect(rows, scanNotification)
	if err != nil {
		return nil, 0, fmt.Errorf("notify: list: %w", db.Normalize(err))
	}
	return list, total, nil
}

func scanNotification(r db.Scanner) (*Notification, error) {
	var n Notification
	var created, read int64
	if err := r.Scan(&n.ID, &n.UserID, &n.Kind, &n.Title, &n.Body, &n.Link, &created, &read); err != nil {
		return nil, err
	}
	n.CreatedAt = time.Unix(created, 0).UTC()
	if read != 0 {
		n.ReadAt = time.Unix(read, 0).UTC()
	}
	return &n, nil
}

// MarkRead marks the actor's own notifications read; ids of other users'
// notifications are ignored, so nobody learns whether they exist. No ids
// marks all of the actor's notifications read.
func (s *Service) MarkRead(ctx context.Context, a *core.Actor, ids ...int64) error {
	if a == nil || a.UserID == 0 {
		return &core.Error{Code: core.EUNAUTHORIZED, Message: "请先登录。"}
	}
	now := s.Clock.Now().Unix()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		if len(ids) == 0 {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = 0`, now, a.UserID)
			return db.Normalize(err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at = 0`,
				now, id, a.UserID); err != nil {
				return db.Normalize(err)
			}
		}
		return nil
	})
}

// Register registers the notify jobs (mail sending, daily digest) on q.
func (s *Service) Register(q *job.Queue) {
	q.Handle(KindMailSend, s.sendOutbox)
	q.Handle(KindDigest, s.runDigest)
}

// Start schedules the recurring digest job if it is not scheduled yet; it
// is safe to call at every start of every instance.
func (s *Service) Start(ctx context.Context) error {
	set, err := s.LoadSettings(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		return s.scheduleDigest(ctx, tx, set, s.Clock.Now())
	})
}

// Open marks one of the actor's notifications read and returns its link. A
// notification of another user is not found (404), like one that does not
// exist.
func (s *Service) Open(ctx context.Context, a *core.Actor, id int64) (string, error) {
	if a == nil || a.UserID == 0 {
		return "", &core.Error{Code: core.EUNAUTHORIZED, Message: "请先登录。"}
	}
	var link string
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT link FROM notifications WHERE id = $1 AND user_id = $2`, id, a.UserID).Scan(&link)
		if errors.Is(err, sql.ErrNoRows) {
			return core.NotFound("通知")
		}
		if err != nil {
			return db.Normalize(err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at = 0`, s.Clock.Now().Unix(), id)
		return db.Normalize(err)
	})
	return link, err
}
