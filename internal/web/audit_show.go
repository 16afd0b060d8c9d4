package web

import (
	"net/http"
	"net/url"
	"strconv"

	"liandong/internal/audit"
	"liandong/internal/core"
)

// fieldLabels are Chinese names of fields that appear in before/after
// values; other fields are shown by their code.
var fieldLabels = map[string]string{
	"username": "用户名", "display_name": "姓名", "role": "角色", "unit_id": "所在单位编号", "body_ids": "所属机构编号",
	"phone": "电话", "email": "电子邮箱", "disabled": "已停用", "name": "名称", "short_name": "简称", "kind": "类别",
	"code": "代码", "level": "级别", "parent_id": "上级编号", "region_id": "行政区划编号", "office_unit_id": "办公室所在单位编号",
	"office_dept": "办公室所在部门", "doc_prefix": "发文字号前缀", "person_name": "姓名", "position": "职务",
	"term_start": "任职开始", "term_end": "任职结束", "joined_on": "加入日期", "left_on": "退出日期", "post": "职务",
	"text": "内容", "seq": "序号", "scope": "范围", "active": "有效", "sort_order": "排序", "version": "版本",
	"retention_days": "保留天数", "cutoff": "清理截止时间", "chain_anchor": "哈希链锚点", "rows": "记录数",
	"first_id": "起始编号", "last_id": "结束编号", "user_id": "账户编号",
	"min_length": "密码最小长度", "min_classes": "密码字符类别数", "max_age_days": "密码有效期（天）",
	"history_count": "不可重复的历史密码数", "lock_threshold": "锁定前允许失败次数", "lock_window_minutes": "失败统计时段（分钟）",
	"lock_minutes": "锁定时长（分钟）", "idle_minutes": "空闲超时（分钟）", "absolute_hours": "会话最长时间（小时）",
	"max_sessions": "并发会话数", "admin_mfa": "管理员双因素认证", "audit_retention_days": "审计日志保留天数",
	"blocked_words": "密码禁用词",
}

// auditChange is one line of the before → after table.
type auditChange struct {
	Label   string
	Field   string
	Before  string
	After   string
	Changed bool
}

type auditShowPage struct {
	Base
	View        auditView
	Entry       *audit.Entry
	Time        string
	TimeUTC     string
	RoleName    string
	ActionName  string
	ObjectType  string
	OutcomeName string
	Changes     []auditChange
	ObjectURL   string
	ActorURL    string
}

func (s *Server) showAuditEntry(w http.ResponseWriter, r *http.Request) {
	s.auditEntry(w, r, auditAll)
}

func (s *Server) showAuditorEntry(w http.ResponseWriter, r *http.Request) {
	s.auditEntry(w, r, auditAuditors)
}

func (s *Server) auditEntry(w http.ResponseWriter, r *http.Request, v auditView) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.Guard.Error(w, r, 0, core.NotFound("审计记录"))
		return
	}
	e, err := audit.View(r.Context(), s.DB, s.Clock.Now(), id, v.Only)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &auditShowPage{Base: s.base(r, "审计记录 "+strconv.FormatInt(id, 10)), View: v, Entry: e,
		Time: audit.FormatTime(e.At), TimeUTC: e.At.UTC().Format("2006-01-02 15:04:05 UTC"),
		RoleName: core.RoleNames[core.Role(e.ActorRole)], ActionName: audit.ActionName(e.Action),
		ObjectType: audit.ObjectTypeName(e.ObjectType), OutcomeName: audit.OutcomeNames[e.Outcome]}
	for _, c := range audit.Diff(e.BeforeJSON, e.AfterJSON) {
		label := fieldLabels[c.Field]
		if c.Field == "" {
			label = "值"
		}
		p.Changes = append(p.Changes, auditChange{Label: label, Field: c.Field, Before: c.Before, After: c.After, Changed: c.Changed})
	}
	if e.ObjectType != "" && e.ObjectID != "" {
		p.ObjectURL = v.Path + "?" + url.Values{"object_type": {e.ObjectType}, "object_id": {e.ObjectID}}.Encode()
	}
	if e.ActorName != "" {
		p.ActorURL = v.Path + "?" + url.Values{"actor": {e.ActorName}}.Encode()
	}
	s.render(w, r, http.StatusOK, "audit/show", p)
}
