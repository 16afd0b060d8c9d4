package audit

import (
	"sort"
	"strings"
	"time"
)

// Shanghai is the zone audit times are shown in. Rows store UTC; China has
// kept UTC+8 without daylight saving since 1991, so a fixed zone shows every
// row correctly without depending on the host's tzdata.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// TimeLayout shows an instant with its offset, so that a printed or exported
// time is unambiguous (SECURITY.md C2: time with offset).
const TimeLayout = "2006-01-02 15:04:05 -07:00"

// FormatTime renders t in Asia/Shanghai with its offset.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Shanghai).Format(TimeLayout)
}

// ActionNames are the Chinese names of the actions the product records.
// An action missing here is shown by its code.
var ActionNames = map[string]string{
	"auth.login":           "登录",
	"auth.logout":          "退出登录",
	"auth.lock":            "账户锁定",
	"auth.unlock":          "账户解锁",
	"auth.session_expire":  "会话超时或终止",
	"auth.session_end":     "结束会话",
	"auth.mfa":             "双因素认证",
	"auth.mfa_enroll":      "设置双因素认证",
	"auth.mfa_reset":       "重置双因素认证",
	"auth.sessions_end":    "结束账户全部会话",
	"auth.session_limit":   "超出并发会话数，结束最早的会话",
	"system.setup":         "系统初始化（创建三员账户）",
	"user.create":          "创建账户",
	"user.update":          "修改账户",
	"user.disable":         "停用账户",
	"user.enable":          "启用账户",
	"user.password_reset":  "重置密码",
	"user.password_change": "修改本人密码",
	"user.role":            "授予或变更角色",
	"token.create":         "创建访问令牌",
	"token.revoke":         "撤销访问令牌",
	"policy.update":        "修改安全策略",
	"access.denied":        "越权访问被拒绝",
	"audit.search":         "查询审计日志",
	"audit.view":           "查看审计记录",
	"audit.export":         "导出审计日志",
	"audit.purge":          "清理过期审计日志",
	"system.start":         "系统启动",
	"system.stop":          "系统停止",
	"system.backup":        "数据备份",
	"system.restore":       "数据恢复",
	"demo.load":            "载入演示数据",
	"demo.scale":           "载入规模测试数据",
	"export.roster":        "导出成员名单",
	"export.liaisons":      "导出联络员名单",
	"export.units":         "导出单位名录",
	"plan.publish":         "发布计划",
	"plan.archive":         "归档计划",
	"plan.keypoints":       "制定年度工作要点",
	"plan.phases":          "调整计划实施阶段",
	"plan_item.status":     "变更任务状态",
	"cascade.assign":       "分配下达的任务",
	"goal.measure":         "填报目标监测值",
	"export.plan":          "导出任务分解表",

	// mail and notifications (issue 4)
	"mail.settings": "修改邮件与提醒设置",
	"mail.test":     "发送测试邮件",
	"file.upload":   "上传文件",
	"call.create":   "新建材料征集",
	"call.update":   "修改材料征集",
	"call.open":     "发出材料征集",
	"call.close":    "结束材料征集",
	"call.draft":    "暂存征集材料",
	"call.submit":   "报送征集材料",
	"call.accept":   "采纳报送材料",
	"call.return":   "退回报送材料",
	"call.remind":   "发送征集提醒",
	"call.download": "下载征集材料汇总包",
	"file.corrupt":  "文件校验失败（已拒绝提供）",
	"file.damaged":  "照片无法完整解码（已标记为损坏）",

	// progress reports (issue 4)
	"report.create":   "开始填写进展报告",
	"report.save":     "保存进展报告草稿",
	"report.conflict": "进展报告保存冲突（另存为冲突稿）",
	"report.submit":   "提交进展报告",
	"report.return":   "退回进展报告",
	"report.accept":   "采纳进展报告",
	"report.remind":   "发送进展报告提醒",

	// requests held across a session timeout (SECURITY.md I10)
	"session.hold":         "登录超时后暂存未提交的内容",
	"session.held_submit":  "提交暂存的内容",
	"session.held_discard": "放弃暂存的内容",
}

// verbNames name the common verbs of business actions, so that "unit.update"
// reads 修改单位 without every domain listing its actions here.
var verbNames = map[string]string{
	"create": "新增", "update": "修改", "delete": "删除", "add": "添加", "remove": "移除", "end": "结束",
	"replace": "更换", "reorder": "调整顺序：", "import": "导入", "export": "导出",
}

// ActionName returns the Chinese name of an action: from ActionNames, else
// composed from a known object type and verb, else the action itself.
func ActionName(action string) string {
	if n, ok := ActionNames[action]; ok {
		return n
	}
	if obj, verb, ok := strings.Cut(action, "."); ok {
		if o, ok := ObjectTypeNames[obj]; ok {
			if v, ok := verbNames[verb]; ok {
				return v + o
			}
		}
	}
	return action
}

// ActionGroups are the prefixes offered as filters ("auth.*"), with names.
var ActionGroups = []struct{ Prefix, Name string }{
	{"auth.*", "登录与会话（全部）"},
	{"user.*", "账户管理（全部）"},
	{"token.*", "访问令牌（全部）"},
	{"audit.*", "审计管理（全部）"},
	{"system.*", "系统运行（全部）"},
}

// KnownActions lists the actions of ActionNames in code order.
func KnownActions() []string {
	as := make([]string, 0, len(ActionNames))
	for a := range ActionNames {
		as = append(as, a)
	}
	sort.Strings(as)
	return as
}

// OutcomeNames are the Chinese names of the outcomes.
var OutcomeNames = map[string]string{Success: "成功", Failure: "失败", Denied: "拒绝"}

// ObjectTypeNames are the Chinese names of the object types recorded.
var ObjectTypeNames = map[string]string{
	"user":            "账户",
	"api_token":       "访问令牌",
	"route":           "页面或接口",
	"audit_log":       "审计日志",
	"setting":         "系统设置",
	"policy":          "安全策略",
	"session":         "会话",
	"region":          "行政区划",
	"body":            "领导小组/联席会议",
	"unit":            "单位",
	"member_unit":     "成员单位",
	"member":          "组成人员",
	"liaison":         "联络员",
	"duty":            "职责",
	"body_duties":     "职责清单",
	"member_change":   "成员调整",
	"plan":            "计划",
	"plan_item":       "计划条目",
	"cascade":         "下达任务",
	"goal":            "计划目标",
	"unit_tasks":      "单位任务",
	"file":            "文件",
	"call":            "材料征集",
	"call_submission": "报送材料",
	"report":          "进展报告",

	"held_request": "暂存内容",
}

// ObjectTypeName returns the Chinese name of an object type, or the type.
func ObjectTypeName(t string) string {
	if n, ok := ObjectTypeNames[t]; ok {
		return n
	}
	return t
}
