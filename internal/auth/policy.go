package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
)

// Policy is the security policy the security administrator sets. Defaults
// are the values a 等保 level-3 assessment commonly expects (SECURITY.md §1).
type Policy struct {
	MinLength          int  `json:"min_length"`           // A2: at least 8
	MinClasses         int  `json:"min_classes"`          // A2: character classes of 4
	MaxAgeDays         int  `json:"max_age_days"`         // A3: 0 turns expiry off
	HistoryCount       int  `json:"history_count"`        // A3: recent passwords not to reuse
	LockThreshold      int  `json:"lock_threshold"`       // A5: failures that lock
	LockWindowMinutes  int  `json:"lock_window_minutes"`  // A5: window the failures fall in
	LockMinutes        int  `json:"lock_minutes"`         // A5: how long the lock lasts
	IdleMinutes        int  `json:"idle_minutes"`         // A6
	AbsoluteHours      int  `json:"absolute_hours"`       // A6
	MaxSessions        int  `json:"max_sessions"`         // A8: 0 = unlimited
	AdminMFA           bool `json:"admin_mfa"`            // A7: TOTP for the three administrators
	AuditRetentionDays int  `json:"audit_retention_days"` // C5: at least 180
	// BlockedWords are words no password may contain, added by the security
	// administrator: the agency's own names and abbreviations (A2).
	BlockedWords []string `json:"blocked_words"`
}

// DefaultPolicy is used until the security administrator changes it.
var DefaultPolicy = Policy{
	MinLength: 10, MinClasses: 3, MaxAgeDays: 90, HistoryCount: 5,
	LockThreshold: 5, LockWindowMinutes: 15, LockMinutes: 30,
	IdleMinutes: 30, AbsoluteHours: 12, MaxSessions: 0, AdminMFA: true,
	AuditRetentionDays: 180,
}

const policyKey = "security.policy"

// Validate checks the policy is within the bounds an assessment accepts.
func (p Policy) Validate() error {
	var es core.Errors
	if p.MinLength < 8 || p.MinLength > 64 {
		es.Add("min_length", "密码最小长度应在8到64之间")
	}
	if p.MinClasses < 1 || p.MinClasses > 4 {
		es.Add("min_classes", "字符类别数应在1到4之间")
	}
	if p.MaxAgeDays < 0 || p.MaxAgeDays > 3650 {
		es.Add("max_age_days", "密码有效期应在0到3650天之间（0表示不过期）")
	}
	if p.HistoryCount < 0 || p.HistoryCount > 24 {
		es.Add("history_count", "不可重复使用的历史密码个数应在0到24之间")
	}
	if p.LockThreshold < 1 || p.LockThreshold > 100 {
		es.Add("lock_threshold", "锁定前允许的失败次数应在1到100之间")
	}
	if p.LockWindowMinutes < 1 || p.LockWindowMinutes > 1440 {
		es.Add("lock_window_minutes", "失败次数统计时段应在1到1440分钟之间")
	}
	if p.LockMinutes < 1 || p.LockMinutes > 1440 {
		es.Add("lock_minutes", "锁定时长应在1到1440分钟之间")
	}
	if p.IdleMinutes < 1 || p.IdleMinutes > 240 {
		es.Add("idle_minutes", "空闲超时应在1到240分钟之间")
	}
	if p.AbsoluteHours < 1 || p.AbsoluteHours > 72 {
		es.Add("absolute_hours", "会话最长时间应在1到72小时之间")
	}
	if p.MaxSessions < 0 || p.MaxSessions > 100 {
		es.Add("max_sessions", "每个账户的并发会话数应在0到100之间（0表示不限）")
	}
	if len(p.BlockedWords) > 200 {
		es.Add("blocked_words", "禁用词不能超过200个")
	}
	for _, w := range p.BlockedWords {
		if utf8.RuneCountInString(w) > 50 {
			es.Add("blocked_words", "每个禁用词不能超过50个字符")
			break
		}
	}
	if p.AuditRetentionDays < 180 {
		es.Add("audit_retention_days", "审计日志至少保留180天（网络安全法要求不少于六个月）")
	}
	return es.Err()
}

// LoadPolicy reads the policy from settings, DefaultPolicy if none is stored.
func LoadPolicy(ctx context.Context, q db.Querier) (Policy, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, policyKey).Scan(&raw)
	if err == sql.ErrNoRows {
		return DefaultPolicy, nil
	} else if err != nil {
		return Policy{}, fmt.Errorf("auth: load policy: %w", err)
	}
	p := DefaultPolicy
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return Policy{}, fmt.Errorf("auth: decode policy: %w", err)
	}
	return p, nil
}

// SavePolicy validates and stores the policy as the security administrator
// (SECURITY.md A2, B1). The change and the values before and after it are
// audited in the same transaction. It takes effect at the next request.
func (s *Service) SavePolicy(ctx context.Context, p Policy) error {
	if err := requirePerm(ctx, PermSecurity); err != nil {
		return err
	}
	p.BlockedWords = cleanWords(p.BlockedWords)
	if err := p.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("auth: encode policy: %w", err)
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, func(tx *sql.Tx) error {
		before, err := LoadPolicy(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by`, policyKey, string(raw), now.Unix(), actorUserID(ctx)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.DB.Engine, now, audit.Event{Action: "policy.update", ObjectType: "setting",
			ObjectID: policyKey, Before: before, After: p})
	})
}

// cleanWords trims, lower-cases and de-duplicates words, dropping empty ones.
func cleanWords(ws []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range ws {
		w = strings.ToLower(strings.TrimSpace(w))
		if w != "" && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}
