package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"liandong/internal/org"
	"liandong/internal/testkit"
)

// The office imports a plan by pasting its text: the review shows the
// source beside the result, an undecided name refuses the import and keeps
// every correction, a mapped name is remembered, and the table shows the
// tasks under their headings, filtered by unit.
func TestPlanImportReviewAndTable(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office := e.as("city-office")
		imp := fmt.Sprintf("/bodies/%d/plans/import", e.City.ID)

		resp, page := office.Get(imp)
		orgWant(t, "import form", resp, page, 200, `enctype="multipart/form-data"`, "不超过 10 MB")
		resp, page = office.Post(imp, url.Values{"step": {"extract"}, "text": {planText}})
		orgWant(t, "review", resp, page, 200, "原文", "识别结果", "单位名称对应",
			"柳州市全民科学素质能力提升实施方案（2021—2025年）", // the source, on the left
			`value="举办中小学科技创新大赛"`,           // the result, editable
			"未匹配", "市青少年活动中心", "新建单位“市青少年活动中心”", "不属于本机构", "全体成员单位", "下达下级机构")
		form := planForm(t, page, imp)
		if form.Get("title") != "柳州市全民科学素质能力提升实施方案（2021—2025年）" || form.Get("year_from") != "2021" ||
			form.Get("year_to") != "2025" || form.Get("kind") != "implementation" {
			t.Errorf("guessed plan fields: %q %q-%q %q", form.Get("title"), form.Get("year_from"), form.Get("year_to"), form.Get("kind"))
		}

		// The user corrects a title and confirms without deciding on the
		// unknown name: refused, naming it, with the correction kept.
		row := ""
		for k, v := range form {
			if strings.HasSuffix(k, "_title") && v[0] == "落实科普工作经费" {
				row = strings.TrimSuffix(k, "_title")
			}
		}
		if row == "" {
			t.Fatalf("no row for 落实科普工作经费 in %v", form)
		}
		form.Set(row+"_title", "落实年度科普工作经费")
		form.Set("doc_number", "柳政办〔2021〕12号")
		form.Set("step", "confirm")
		resp, page = office.Post(imp, form)
		orgWant(t, "confirm undecided", resp, page, 422, "市青少年活动中心", `value="落实年度科普工作经费"`, `value="柳政办〔2021〕12号"`,
			"柳州市全民科学素质能力提升实施方案（2021—2025年）")

		// Re-matching keeps the decision already taken.
		form = planForm(t, page, imp)
		planMap(t, form, "市青少年活动中心", fmt.Sprint(e.Kexie.ID))
		form.Set("step", "review")
		resp, page = office.Post(imp, form)
		orgWant(t, "re-review", resp, page, 200, `value="落实年度科普工作经费"`)
		form = planForm(t, page, imp)
		if got := form["map_value"]; len(got) != 1 || got[0] != fmt.Sprint(e.Kexie.ID) {
			t.Errorf("decision after re-review: %v", got)
		}
		form.Set("step", "confirm")
		resp, page = office.Post(imp, form)
		id := planIDFromBody(t, resp, page)
		if u, _ := org.FindUnitByID(context.Background(), e.app.DB.R(), e.Kexie.ID); !strings.Contains(strings.Join(u.Aliases, ","), "市青少年活动中心") {
			t.Errorf("the mapping was not remembered as an alias: %v", u.Aliases)
		}

		resp, page = office.Get("/plans/" + id + "?flash=imported")
		orgWant(t, "table", resp, page, 200, "已导入为草稿", "柳政办〔2021〕12号", "重点任务分解表", "发布", "删除草稿",
			"落实年度科普工作经费", "各县(区)人民政府", "12%")
		rows := planRows(t, page)
		if len(rows) != 10 { // 一、 (一) 1-3 (二) 1-2 (三) 1
			t.Errorf("table rows = %d:\n%s", len(rows), strings.Join(rows, "\n"))
		}
		for _, r := range rows {
			if strings.Contains(r, "举办中小学科技创新大赛") && (!strings.Contains(r, "柳州市教育局") || !strings.Contains(r, "柳州市科学技术局")) {
				t.Errorf("lead or responsible units missing: %s", r)
			}
		}

		// Filtered by the finance bureau: its tasks with their headings
		// (科普日 comes to it as a member unit).
		resp, page = office.Get(fmt.Sprintf("/plans/%s?unit=%d", id, e.Finance.ID))
		orgWant(t, "filtered", resp, page, 200, "符合条件的任务 4 项")
		rows = planRows(t, page)
		joined := strings.Join(rows, "\n")
		for _, want := range []string{"一、", "（一）青少年", "开展科学教师培训", "落实年度科普工作经费", "开展年度科普统计调查", "组织全国科普日"} {
			if !strings.Contains(joined, strings.ReplaceAll(want, "（一）", "(一)")) {
				t.Errorf("filtered table lacks %s:\n%s", want, joined)
			}
		}
		if strings.Contains(joined, "举办中小学科技创新大赛") || strings.Contains(joined, "建设校园科普角") {
			t.Errorf("filtered table shows other units' tasks:\n%s", joined)
		}
		if !strings.Contains(page, fmt.Sprintf(`<option value="%d" selected>`, e.Finance.ID)) {
			t.Error("the unit filter does not keep its value")
		}
	})
}

// Bad input on the import screen is refused in Chinese with what was
// typed kept.
func TestPlanImportRefusesBadInput(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office := e.as("city-office")
		imp := fmt.Sprintf("/bodies/%d/plans/import", e.City.ID)
		resp, page := office.Post(imp, url.Values{"step": {"extract"}, "text": {"   "}})
		orgWant(t, "empty", resp, page, 422, "请粘贴计划全文或上传文件")

		resp, page = office.Post(imp, url.Values{"step": {"extract"}, "text": {planText}})
		form := planForm(t, page, imp)
		form.Set("year_from", "二〇二一")
		form.Set("title", "")
		planMap(t, form, "市青少年活动中心", "ignore")
		form.Set("step", "confirm")
		resp, page = office.Post(imp, form)
		orgWant(t, "bad plan fields", resp, page, 422, "请填写计划名称", "起始年份应在1990至2100之间", `value="二〇二一"`, "举办中小学科技创新大赛")
		if f := planForm(t, page, imp); f.Get("map_value") != "ignore" {
			t.Errorf("the decision on the name was lost: %v", f["map_value"])
		}
		if resp.StatusCode == http.StatusUnprocessableEntity && strings.Count(page, "aria-invalid") < 2 {
			t.Error("the fields in error are not marked")
		}
	})
}
