package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
)

// TLS modes of the SMTP connection.
const (
	TLSNone     = "none"     // plain SMTP (a relay on the local network)
	TLSStartTLS = "starttls" // STARTTLS required, usually port 587
	TLSImplicit = "tls"      // TLS from the first byte, usually port 465
)

// Settings are the mail server and reminder defaults, kept in the settings
// table and changed by the system administrator.
//
// The SMTP password is stored as given: the project has no secret store or
// key management yet, so it is protected like the rest of the database
// (file permissions, backups). It is never shown back, never logged and
// never written to the audit log.
type Settings struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	From     string `json:"from"` // sender address, e.g. "科协办公室 <kx@example.gov.cn>"
	TLS      string `json:"tls"`  // TLSNone, TLSStartTLS or TLSImplicit
	// BaseURL is the address users open the application at, so that links
	// in e-mail are complete ("https://kx.example.gov.cn").
	BaseURL string `json:"base_url"`
	// ReminderOffsets are when deadline reminders go out by default,
	// relative to the deadline: "-3d" three days before, "+1d" a day after,
	// "-12h" twelve hours before.
	ReminderOffsets []string `json:"reminder_offsets"`
	// DigestHour is the hour of day (China Standard Time) of the digest.
	DigestHour int `json:"digest_hour"`
}

// DefaultSettings are used until the administrator saves any: no mail
// server (in-app only), reminders three days and one day before and one
// day after the deadline, the digest at 8 o'clock.
func DefaultSettings() Settings {
	return Settings{Port: 587, TLS: TLSStartTLS, ReminderOffsets: []string{"-3d", "-1d", "+1d"}, DigestHour: 8}
}

// Configured reports whether e-mail can be sent; without it notifications
// are in-app only.
func (s Settings) Configured() bool { return s.Host != "" && s.From != "" }

// HasPassword reports whether a password is stored, for the settings page,
// which never shows the password itself.
func (s Settings) HasPassword() bool { return s.Password != "" }

// AbsURL makes an application path into a full address when BaseURL is set.
func (s Settings) AbsURL(path string) string {
	if s.BaseURL == "" || !strings.HasPrefix(path, "/") {
		return path
	}
	return strings.TrimRight(s.BaseURL, "/") + path
}

// Offsets returns the reminder offsets as durations, in the order given.
func (s Settings) Offsets() []time.Duration {
	var out []time.Duration
	for _, o := range s.ReminderOffsets {
		if d, err := ParseOffset(o); err == nil {
			out = append(out, d)
		}
	}
	return out
}

// Reminder is one reminder rule: its name as configured ("-3d"), used in
// job and note keys, and its offset from the deadline.
type Reminder struct {
	Rule   string
	Offset time.Duration
}

// Reminders returns the reminder rules in the order configured, skipping
// any that do not parse (saved settings are validated, so none should).
func (s Settings) Reminders() []Reminder {
	var out []Reminder
	for _, o := range s.ReminderOffsets {
		if d, err := ParseOffset(o); err == nil {
			out = append(out, Reminder{Rule: strings.TrimSpace(o), Offset: d})
		}
	}
	return out
}

// China has one time zone and no daylight saving time; a fixed zone needs
// no tzdata on the server.
var chinaTime = time.FixedZone("CST", 8*3600)

// ChinaTime is the zone deadlines and the digest hour are meant in.
func ChinaTime() *time.Location { return chinaTime }

var offsetRE = regexp.MustCompile(`^([+-])(\d{1,3})([dh])$`)

// ParseOffset reads a reminder offset: a sign, a number and d (days) or h
// (hours), at most 60 days either way.
func ParseOffset(s string) (time.Duration, error) {
	m := offsetRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("notify: bad offset %q", s)
	}
	n, _ := strconv.Atoi(m[2])
	d := time.Duration(n) * time.Hour
	if m[3] == "d" {
		d *= 24
	}
	if d == 0 || d > 60*24*time.Hour {
		return 0, fmt.Errorf("notify: offset %q out of range", s)
	}
	if m[1] == "-" {
		d = -d
	}
	return d, nil
}

const settingsKey = "notify.settings"

// LoadSettings returns the stored settings, DefaultSettings if none.
func (s *Service) LoadSettings(ctx context.Context) (Settings, error) {
	return loadSettings(ctx, s.DB.R())
}

func loadSettings(ctx context.Context, q db.Querier) (Settings, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingsKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("notify: load settings: %w", db.Normalize(err))
	}
	set := DefaultSettings()
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return Settings{}, fmt.Errorf("notify: decode settings: %w", err)
	}
	return set, nil
}

// Validate checks the settings, naming each bad field in Chinese.
func (s *Settings) Validate() error {
	var es core.Errors
	s.Host = strings.TrimSpace(s.Host)
	s.Username = strings.TrimSpace(s.Username)
	s.From = strings.TrimSpace(s.From)
	s.BaseURL = strings.TrimSpace(s.BaseURL)
	if s.TLS == "" {
		s.TLS = TLSStartTLS
	}
	if s.Host != "" {
		if strings.ContainsAny(s.Host, " /:@") || len(s.Host) > 253 {
			es.Add("host", "邮件服务器地址格式不正确，请只填写主机名或 IP 地址，例如 smtp.example.gov.cn。")
		}
		if s.Port < 1 || s.Port > 65535 {
			es.Add("port", "端口应为 1 到 65535 之间的整数，常用 25、465 或 587。")
		}
		if s.From == "" {
			es.Add("from", "请填写发件人地址。")
		}
	}
	if s.From != "" {
		if _, err := mail.ParseAddress(s.From); err != nil {
			es.Add("from", "发件人地址格式不正确，例如 kx@example.gov.cn 或 科协办公室 <kx@example.gov.cn>。")
		}
	}
	switch s.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		es.Add("tls", "请选择加密方式。")
	}
	if s.BaseURL != "" && !(strings.HasPrefix(s.BaseURL, "https://") || strings.HasPrefix(s.BaseURL, "http://")) {
		es.Add("base_url", "系统访问地址应以 https:// 或 http:// 开头。")
	}
	var offs []string
	seen := map[string]bool{}
	for _, o := range s.ReminderOffsets {
		o = strings.TrimSpace(o)
		if o == "" || seen[o] {
			continue
		}
		if _, err := ParseOffset(o); err != nil {
			es.Add("reminder_offsets", fmt.Sprintf("提醒时间“%s”格式不正确：用 -3d 表示截止前 3 天，+1d 表示截止后 1 天，-12h 表示截止前 12 小时（最多 60 天）。", o))
			continue
		}
		seen[o] = true
		offs = append(offs, o)
	}
	if len(offs) > 10 {
		es.Add("reminder_offsets", "提醒时间最多设置 10 个。")
	}
	s.ReminderOffsets = offs
	if s.DigestHour < 0 || s.DigestHour > 23 {
		es.Add("digest_hour", "每日汇总的发送时间应为 0 到 23 点。")
	}
	return es.Err()
}

// redacted is what the audit log sees of the settings: the password only
// as whether one is set.
func (s Settings) redacted() map[string]any {
	return map[string]any{"host": s.Host, "port": s.Port, "username": s.Username, "password_set": s.Password != "",
		"from": s.From, "tls": s.TLS, "base_url": s.BaseURL, "reminder_offsets": s.ReminderOffsets, "digest_hour": s.DigestHour}
}

// SaveSettings validates and stores the settings as the system
// administrator, audited with the values before and after (the password
// only as set or not). An empty Password keeps the stored one, since the
// page never shows it back; clearing the user name clears the password.
func (s *Service) SaveSettings(ctx context.Context, set Settings) error {
	a := core.ActorFrom(ctx)
	if !auth.Allowed(a, auth.PermSystem) {
		return core.Forbidden()
	}
	if err := set.Validate(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		before, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		if set.Password == "" && set.Username != "" {
			set.Password = before.Password
		}
		if set.Username == "" {
			set.Password = ""
		}
		raw, err := json.Marshal(set)
		if err != nil {
			return fmt.Errorf("notify: encode settings: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by`, settingsKey, string(raw), now.Unix(), a.UserID); err != nil {
			return fmt.Errorf("notify: save settings: %w", db.Normalize(err))
		}
		if before.DigestHour != set.DigestHour {
			// Move the next digest to the new hour.
			if err := s.Jobs.Schedule(ctx, tx, KindDigest, digestKey, nextDigest(set, now), ""); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "mail.settings", ObjectType: "setting",
			ObjectID: settingsKey, Before: before.redacted(), After: set.redacted()})
	})
}
