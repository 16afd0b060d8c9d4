package auth

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

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
	if p.LockWindowMinutes < 1 || p.LockMinutes < 1 {
		es.Add("lock_minutes", "锁定时长和统计时段须至少为1分钟")
	}
	if p.IdleMinutes < 1 || p.IdleMinutes > 240 {
		es.Add("idle_minutes", "空闲超时应在1到240分钟之间")
	}
	if p.AbsoluteHours < 1 || p.AbsoluteHours > 72 {
		es.Add("absolute_hours", "会话最长时间应在1到72小时之间")
	}
	if p.MaxSessions < 0 {
		es.Add("max_sessions", "并发会话数不能为负")
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
