package notify

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/job"
)

// Outbox statuses.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailFailed  = "failed"
)

// deliver sends one plain-text UTF-8 message. go-mail encodes the Chinese
// subject as RFC 2047 words and the body as quoted-printable, and the ctx
// bounds the whole SMTP conversation.
func deliver(ctx context.Context, set Settings, to, subject, body string) error {
	if !set.Configured() {
		return errors.New("SMTP 服务器未配置")
	}
	m := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP))
	if err := m.From(set.From); err != nil {
		return fmt.Errorf("发件人地址无效：%w", err)
	}
	if err := m.To(to); err != nil {
		return fmt.Errorf("收件人地址无效：%w", err)
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(mail.TypeTextPlain, body)
	port := set.Port
	if port == 0 {
		port = 587
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(30 * time.Second),
		mail.WithTLSConfig(&tls.Config{ServerName: set.Host, MinVersion: tls.VersionTLS12})}
	switch set.TLS {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL(), mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if set.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(set.Username), mail.WithPassword(set.Password))
	}
	c, err := mail.NewClient(set.Host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, m)
}

// sendOutbox is the "mail.send" job: it sends the outbox row named by the
// job's key once. The job queue lets one instance run it at a time; the row
// is re-read so that a row already sent is never sent again.
func (s *Service) sendOutbox(ctx context.Context, j job.Job) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(j.Key, "outbox:"), 10, 64)
	if err != nil {
		return nil // not ours to retry
	}
	var to, subject, body, status string
	err = s.DB.R().QueryRowContext(ctx, `SELECT to_addr, subject, body, status FROM mail_outbox WHERE id = $1`, id).
		Scan(&to, &subject, &body, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: outbox %d: %w", id, db.Normalize(err))
	}
	if status != MailPending {
		return nil
	}
	set, err := s.LoadSettings(ctx)
	if err != nil {
		return err
	}
	sendErr := deliver(ctx, set, to, subject, body)
	now := s.Clock.Now().Unix()
	if sendErr == nil {
		return s.DB.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, last_error = '',
				sent_at = $1 WHERE id = $2`, now, id)
			return db.Normalize(err)
		})
	}
	// The last attempt marks the row failed; earlier ones leave it pending
	// for the job's retry with backoff.
	status = MailPending
	if j.Attempts+1 >= s.maxAttempts() || !set.Configured() {
		status = MailFailed
	}
	msg := sendErr.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	if err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE mail_outbox SET status = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3`,
			status, msg, id)
		return db.Normalize(err)
	}); err != nil {
		return err
	}
	if status == MailFailed {
		return nil // nothing more to try; the row says why
	}
	return fmt.Errorf("notify: mail %d: %w", id, sendErr)
}

func (s *Service) maxAttempts() int {
	if s.Jobs != nil && s.Jobs.MaxAttempts > 0 {
		return s.Jobs.MaxAttempts
	}
	return job.DefaultMaxAttempts
}

// PruneMail deletes outbox rows sent or failed before the cutoff: the
// in-app notification stays, the copy of its mail need not.
func (s *Service) PruneMail(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.DB.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM mail_outbox WHERE status <> 'pending' AND created_at < $1`, before.Unix())
		if err != nil {
			return fmt.Errorf("notify: prune mail: %w", db.Normalize(err))
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// Outbox is one queued e-mail, for the administrator's view.
type Outbox struct {
	ID        int64
	To        string
	Subject   string
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    time.Time
}

// RecentMail lists the latest outbox rows (system administrator only), so
// that a failing mail server shows.
func (s *Service) RecentMail(ctx context.Context, limit int) ([]Outbox, error) {
	if !auth.Allowed(core.ActorFrom(ctx), auth.PermSystem) {
		return nil, core.Forbidden()
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := s.DB.R().QueryContext(ctx, `SELECT id, to_addr, subject, status, attempts, last_error, created_at, sent_at
		FROM mail_outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: outbox: %w", db.Normalize(err))
	}
	return db.Collect(rows, func(r db.Scanner) (*Outbox, error) {
		var o Outbox
		var created, sent int64
		if err := r.Scan(&o.ID, &o.To, &o.Subject, &o.Status, &o.Attempts, &o.LastError, &created, &sent); err != nil {
			return nil, err
		}
		o.CreatedAt = time.Unix(created, 0).UTC()
		if sent != 0 {
			o.SentAt = time.Unix(sent, 0).UTC()
		}
		return &o, nil
	})
}

// SendTest sends a test message to addr right away (not through the
// outbox: the administrator waits for the answer), as the system
// administrator, and audits the attempt with its outcome.
func (s *Service) SendTest(ctx context.Context, addr string) error {
	a := core.ActorFrom(ctx)
	if !auth.Allowed(a, auth.PermSystem) {
		return core.Forbidden()
	}
	addr = strings.TrimSpace(addr)
	if addr == "" || !strings.Contains(addr, "@") || strings.ContainsAny(addr, " <>,;") {
		return core.Invalid("test_to", "请填写正确的收件邮箱地址，例如 name@example.gov.cn。")
	}
	set, err := s.LoadSettings(ctx)
	if err != nil {
		return err
	}
	if !set.Configured() {
		return core.Invalid("host", "尚未配置邮件服务器，无法发送测试邮件。请先填写服务器地址和发件人并保存。")
	}
	sctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	sendErr := deliver(sctx, set, addr, "【联动】测试邮件", "这是一封来自联动系统的测试邮件。收到此邮件说明邮件服务器设置正确。\n\n此邮件由联动系统自动发送，请勿直接回复。\n")
	ev := audit.Event{Action: "mail.test", ObjectType: "setting", ObjectID: settingsKey, Detail: addr}
	if sendErr != nil {
		ev.Outcome = audit.Failure
		ev.Detail = addr + ": " + sendErr.Error()
	}
	if err := audit.Log(ctx, s.DB, s.Clock.Now(), ev); err != nil {
		return err
	}
	if sendErr != nil {
		return &core.Error{Code: core.EINVALID, Field: "test_to", Message: "测试邮件发送失败：" + sendErr.Error(), Err: sendErr}
	}
	return nil
}
