package web

import (
	"regexp"
	"strings"

	"liandong/internal/report"
)

// What the held page calls a held form and its fields, so that the user
// recognises what was typed ("工作进展", not "narrative"). Forms not named
// here are shown by their path and field names; nothing is left out
// except the form's bookkeeping (its token, a report's version).

var heldForms = []struct {
	path  *regexp.Regexp
	title string
}{
	{regexp.MustCompile(`^/reports/\d+$`), "进展报告"},
	{regexp.MustCompile(`^/org/bodies/\d+/duties/new$`), "添加职责"},
}

// heldTitle names the form a held request was posted from, or "".
func heldTitle(path string) string {
	for _, f := range heldForms {
		if f.path.MatchString(path) {
			return f.title
		}
	}
	return ""
}

var heldNumbered = regexp.MustCompile(`^([a-z_]+?)_(\d+)$`)

// heldLabel returns the label and the displayed value of a field of the
// form at path, and false for a field not worth showing.
func heldLabel(path, name, value string) (string, string, bool) {
	if heldTitle(path) != "进展报告" {
		return name, value, true
	}
	switch name {
	case "version":
		return "", "", false
	case "action":
		if value == "submit" {
			return "操作", "提交", true
		}
		return "操作", "保存草稿", true
	case "progress":
		if l := report.Progress(value).Label(); l != "" {
			value = l
		}
		return "进展状态", value, true
	case "narrative":
		return "工作进展", value, true
	case "problems":
		return "存在问题与需求", value, true
	case "photo":
		return "已有照片", "编号" + value, true
	case "attachment":
		return "已有附件", "编号" + value, true
	case "new_attachment":
		return "新附件", value, true
	}
	if m := heldNumbered.FindStringSubmatch(name); m != nil {
		n := m[2]
		switch m[1] {
		case "value":
			return "指标" + n + "本期完成数", value, true
		case "note":
			return "指标" + n + "说明", value, true
		case "new_photo":
			return "新照片" + n, value, true
		case "new_caption":
			return "新照片" + n + "说明", value, true
		case "caption":
			return "已有照片（编号" + n + "）说明", value, true
		case "remove":
			return "删除文件", "编号" + n, true
		}
	}
	return strings.TrimSpace(name), value, true
}
