package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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

		// The export holds what the filter shows.
		xl := fmt.Sprintf("/plans/%s/table.xlsx?unit=%d", id, e.Finance.ID)
		if !strings.Contains(page, `href="`+strings.ReplaceAll(xl, "&", "&amp;")+`"`) {
			t.Errorf("no export link for the filtered table (%s)", xl)
		}
		resp, page = office.Get(xl)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
			t.Fatalf("export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(strings.NewReader(page))
		if err != nil {
			t.Fatal(err)
		}
		cells, _ := f.GetRows(f.GetSheetList()[0])
		all := fmt.Sprint(cells)
		for _, want := range []string{"开展科学教师培训", "落实年度科普工作经费", "开展年度科普统计调查", "组织全国科普日柳州活动", "柳州市财政局"} {
			if !strings.Contains(all, want) {
				t.Errorf("the export lacks %s: %s", want, all)
			}
		}
		if strings.Contains(all, "建设校园科普角") {
			t.Errorf("the export holds a task the filter leaves out: %s", all)
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

// Publishing hands the cascaded task down: the county office sees it on
// its work bench and in 下达任务, assigns it to a county unit, and the city
// office sees the assignment on the table.
func TestPlanCascadeThroughThePages(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office := e.as("city-office")
		path := planImport(t, e, office)
		_, page := office.Get(path)
		form := planForm(t, page, path+"/status")
		resp, body := office.Post(path+"/status", form)
		orgWant(t, "publish", resp, body, http.StatusSeeOther)
		resp, body = office.Post(path+"/status", form) // the same button again
		orgWant(t, "publish twice", resp, body, http.StatusConflict, "计划当前为“已发布”，不能改为“已发布”")

		county := e.as("county-office")
		inbound := fmt.Sprintf("/bodies/%d/inbound", e.LiuchengBody.ID)
		resp, body = county.Get("/")
		orgWant(t, "county work bench", resp, body, 200, "上级下达的 1 项任务尚未分配", inbound)
		resp, body = county.Get(inbound)
		orgWant(t, "county inbound", resp, body, 200, "举办中小学科技创新大赛", "待分配", "柳州市全民科学素质能力提升实施方案", "各县(区)人民政府")
		m := regexp.MustCompile(`action="(/cascades/\d+/assign)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no assign form:\n%s", orgSnippet(body))
		}
		resp, body = county.Post(m[1], url.Values{"body_id": {fmt.Sprint(e.LiuchengBody.ID)}})
		orgWant(t, "assign nobody", resp, body, 422, "请至少选择一个牵头单位或责任单位")
		resp, body = county.Post(m[1], url.Values{"body_id": {fmt.Sprint(e.LiuchengBody.ID)}, "lead": {fmt.Sprint(e.Edu.ID)}})
		orgWant(t, "assign a city unit", resp, body, 422, "所选单位不在本机构的单位名录中")
		resp, body = office.Post(m[1], url.Values{"body_id": {fmt.Sprint(e.LiuchengBody.ID)}, "lead": {fmt.Sprint(e.LiuchengEdu.ID)}})
		orgWant(t, "the city assigns in the county", resp, body, 404)
		resp, body = county.Post(m[1], url.Values{"body_id": {fmt.Sprint(e.LiuchengBody.ID)},
			"lead": {fmt.Sprint(e.LiuchengEdu.ID)}, "responsible": {fmt.Sprint(e.LiuchengKexie.ID)}})
		orgWant(t, "assign", resp, body, http.StatusSeeOther)
		resp, body = county.Get(inbound)
		orgWant(t, "after assigning", resp, body, 200, "已分配", "牵头：柳城县教育局")
		if _, home := county.Get("/"); strings.Contains(home, "尚未分配") {
			t.Error("the work bench still counts the assigned task")
		}

		_, body = office.Get(path)
		for _, r := range planRows(t, body) {
			if strings.Contains(r, "举办中小学科技创新大赛") {
				if !strings.Contains(r, "柳城县全民科学素质工作领导小组： 已分配 柳城县教育局牵头；柳城县科学技术协会负责") ||
					!strings.Contains(r, "鹿寨县全民科学素质工作领导小组： 已接收") {
					t.Errorf("cascade state on the city's table: %s", r)
				}
			}
		}
		// A liaison of the city sees the published table without the
		// cascade states or any change control.
		resp, body = e.as("edu-liaison").Get(path)
		orgWant(t, "liaison table", resp, body, 200, "举办中小学科技创新大赛")
		for _, s := range []string{"已接收", "归档", "添加条目", "/items/"} {
			if strings.Contains(body, s) {
				t.Errorf("the liaison's table shows %q", s)
			}
		}
	})
}

// The item form: an error names the field and keeps the input; after
// publication a task is closed with a reason, not deleted, and the history
// shows the change as before → after.
func TestPlanItemsAndHistory(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office := e.as("city-office")
		path := planImport(t, e, office)

		resp, page := office.Get(path + "/items/new")
		orgWant(t, "new item form", resp, page, 200, "所属标题", "(一)青少年科学素质能力提升", "柳州市财政局", "其他单位")
		form := planForm(t, page, path+"/items/new")
		form.Set("title", "")
		form.Set("content", "在全市中小学推广科学实验课程。")
		form.Set("targets", "每年开设实验课程不少于100门")
		form.Add("lead", fmt.Sprint(e.Edu.ID))
		resp, page = office.Post(path+"/items/new", form)
		orgWant(t, "item without a title", resp, page, 422, "请填写任务名称", "在全市中小学推广科学实验课程。", "每年开设实验课程不少于100门",
			fmt.Sprintf(`value="%d" checked`, e.Edu.ID))
		form.Set("title", "推广科学实验课程")
		form.Set("cascade", "lead")
		form.Set("cascade_text", "各县（区）教育局")
		resp, page = office.Post(path+"/items/new", form)
		orgWant(t, "add item", resp, page, http.StatusSeeOther)
		_, page = office.Get(path)
		if !strings.Contains(strings.Join(planRows(t, page), "\n"), "推广科学实验课程 在全市中小学推广科学实验课程。 柳州市教育局 各县（区）教育局") {
			t.Errorf("the new task is not on the table:\n%s", strings.Join(planRows(t, page), "\n"))
		}

		// A draft's task can be deleted; published, only closed.
		edit := planItemEdit(t, page, "开展科学教师培训")
		_, page = office.Get(path)
		resp, body := office.Post(path+"/status", planForm(t, page, path+"/status"))
		orgWant(t, "publish", resp, body, http.StatusSeeOther)

		resp, page = office.Get(edit)
		orgWant(t, "edit form", resp, page, 200, "本计划已发布", "已发布计划中的任务不能删除", `value="开展科学教师培训"`)
		form = planForm(t, page, edit)
		form.Set("schedule", "每年7—8月")
		form.Del("responsible")
		form.Add("responsible", fmt.Sprint(e.Keji.ID))
		resp, body = office.Post(edit, form)
		orgWant(t, "edit", resp, body, http.StatusSeeOther)
		resp, body = office.Post(edit, form)
		orgWant(t, "stale edit", resp, body, http.StatusConflict, "已被他人修改", `value="每年7—8月"`)

		status := strings.TrimSuffix(edit, "/edit") + "/status"
		_, page = office.Get(edit)
		sf := planForm(t, page, status)
		sf.Set("status", "closed")
		resp, body = office.Post(status, sf)
		orgWant(t, "close without a reason", resp, body, 422, "请说明办结或取消的原因")
		sf.Set("reason", "已纳入年度培训计划统一实施")
		resp, body = office.Post(status, sf)
		orgWant(t, "close", resp, body, http.StatusSeeOther)
		resp, body = office.Post(strings.TrimSuffix(edit, "/edit")+"/delete", url.Values{"version": {sf.Get("version")}})
		orgWant(t, "delete a published task", resp, body, http.StatusConflict, "已发布的计划中的任务不能删除")

		resp, page = office.Get(path + "/history")
		orgWant(t, "history", resp, page, 200, "第1次", "第2次", "修改：开展科学教师培训", "<del>柳州市财政局</del>", "<ins>柳州市科学技术局</ins>",
			"<ins>每年7—8月</ins>", "已办结：开展科学教师培训", "<ins>已纳入年度培训计划统一实施</ins>")

		// The table shows the state with its word and the reason.
		_, page = office.Get(path + "?status=closed")
		rows := strings.Join(planRows(t, page), "\n")
		if !strings.Contains(rows, "已办结 已纳入年度培训计划统一实施") || strings.Contains(rows, "落实科普工作经费") {
			t.Errorf("closed filter:\n%s", rows)
		}
	})
}

// planItemEdit finds the edit link of the task titled title on a table page.
func planItemEdit(t *testing.T, page, title string) string {
	t.Helper()
	m := regexp.MustCompile(`<tr id="item-(\d+)">\s*<td[^>]*>[^<]*</td>\s*<td>` + regexp.QuoteMeta(title) + `</td>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no task %s on the table", title)
	}
	return "/items/" + m[1] + "/edit"
}

// Key points from a published plan, goals measured by region, phases; a
// liaison's tasks with its partners and duties; a liaison's own unit work
// plan linked to the body's task it serves.
func TestPlanKeyPointsGoalsAndUnitWork(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office := e.as("city-office")
		path := planImport(t, e, office)
		resp, page := office.Get(path + "/keypoints/new")
		orgWant(t, "key points of a draft", resp, page, 200)
		resp, page = office.Post(path+"/keypoints/new", planForm(t, page, path+"/keypoints/new"))
		orgWant(t, "key points of a draft", resp, page, 409, "请先发布计划")
		_, page = office.Get(path)
		office.Post(path+"/status", planForm(t, page, path+"/status"))

		// Goals: the extracted one, measured for a county; a bad value
		// is refused on its field with the input kept.
		_, page = office.Get(path)
		gm := regexp.MustCompile(`action="(/goals/\d+/measures)"`).FindStringSubmatch(page)
		if gm == nil {
			t.Fatalf("no measure form:\n%s", orgSnippet(page))
		}
		mf := planForm(t, page, gm[1])
		mf.Set("region_id", fmt.Sprint(e.Liucheng.ID))
		mf.Set("year", "2023")
		mf.Set("value", "十二")
		resp, page = office.Post(gm[1], mf)
		orgWant(t, "bad measure", resp, page, 422, "请填写有效的监测值", `value="十二"`)
		mf.Set("value", "12.4")
		resp, page = office.Post(gm[1], mf)
		orgWant(t, "measure", resp, page, http.StatusSeeOther)
		mf.Set("region_id", fmt.Sprint(e.Guangxi.ID))
		resp, page = office.Post(gm[1], mf)
		orgWant(t, "measure above the body", resp, page, 422)
		_, page = office.Get(path)
		orgWant(t, "measured", &http.Response{StatusCode: 200}, page, 200, "柳城县 2023年：12.4% <span class=\"status ok\">已达到</span>", "≥12%（2025年）")

		resp, page = office.Get(path + "/phases")
		pf := planForm(t, page, path+"/phases")
		pf.Set("p0_name", "动员部署")
		pf.Set("p0_starts", "2021-01-01")
		pf.Set("p0_ends", "2021-06-30")
		pf.Set("p1_name", "组织实施")
		pf.Set("p1_starts", "2021-06-01")
		pf.Set("p1_ends", "2024-12-31")
		resp, page = office.Post(path+"/phases", pf)
		orgWant(t, "overlapping phases", resp, page, 422, "第2阶段与上一阶段重叠", `value="组织实施"`)
		pf.Set("p1_starts", "2021-07-01")
		resp, page = office.Post(path+"/phases", pf)
		orgWant(t, "phases", resp, page, http.StatusSeeOther)

		resp, page = office.Get(path + "/keypoints/new")
		orgWant(t, "key points form", resp, page, 200, `value="2022"`, "举办中小学科技创新大赛")
		kf := planForm(t, page, path+"/keypoints/new")
		if n := len(kf["item"]); n != 6 {
			t.Errorf("%d tasks ticked, want all 6", n)
		}
		kf.Set("year", "2030")
		resp, page = office.Post(path+"/keypoints/new", kf)
		orgWant(t, "key points out of period", resp, page, 422, "年份应在计划时段2021—2025年之内", `value="2030"`)
		kf.Set("year", "2022")
		kf["item"] = kf["item"][:2]
		resp, page = office.Post(path+"/keypoints/new", kf)
		kp := "/plans/" + planIDFrom(t, resp)
		_, page = office.Get(kp)
		orgWant(t, "key points draft", &http.Response{StatusCode: 200}, page, 200, "2022年柳州市全民科学素质工作领导小组工作要点", "年度工作要点", "草稿")
		if n := len(planRows(t, page)); n != 4 { // 一、 (一) and its first two tasks
			t.Errorf("key points rows = %d:\n%s", n, strings.Join(planRows(t, page), "\n"))
		}

		// The education bureau's liaison: its tasks and duties.
		edu := e.as("edu-liaison")
		resp, page = edu.Get("/my/tasks")
		orgWant(t, "my tasks", resp, page, 200, "柳州市教育局的任务", "牵头 3 项", "举办中小学科技创新大赛", "柳州市科学技术协会、柳州市科学技术局",
			"每年举办市级赛事不少于1场次", "牵头青少年科学素质提升工作。", "制定本单位年度科学素质工作计划并组织实施。", "制定本单位工作计划")
		if strings.Contains(page, `name="unit"`) {
			t.Error("a liaison is offered other units")
		}
		if strings.Contains(page, "加强财务") {
			t.Error("another unit's duty shown")
		}
		resp, page = office.Get(fmt.Sprintf("/my/tasks?body=%d&unit=%d", e.City.ID, e.Edu.ID))
		orgWant(t, "office views a unit", resp, page, 200, "柳州市教育局的任务", fmt.Sprintf(`<option value="%d" selected>`, e.Edu.ID))

		// Its own work plan, linked to the task it leads.
		newPlan := fmt.Sprintf("/bodies/%d/plans/new", e.City.ID)
		resp, page = edu.Get(newPlan + "?kind=unit_work_plan")
		orgWant(t, "unit plan form", resp, page, 200, "单位工作计划（柳州市教育局）", `value="柳州市教育局2021年科学素质工作计划"`)
		uf := planForm(t, page, newPlan)
		uf.Set("year_to", "2022")
		resp, page = edu.Post(newPlan, uf)
		orgWant(t, "unit plan over two years", resp, page, 422, "年度计划的起止年份应为同一年")
		uf.Set("year_to", "2021")
		uf.Set("unit_id", fmt.Sprint(e.Keji.ID)) // ignored: a liaison's plan is its unit's
		resp, page = edu.Post(newPlan, uf)
		up := "/plans/" + planIDFrom(t, resp)
		resp, page = edu.Get(up + "/items/new")
		orgWant(t, "unit plan item form", resp, page, 200, "对应本机构的任务", "举办中小学科技创新大赛（牵头单位）")
		itf := planForm(t, page, up+"/items/new")
		itf.Set("title", "全市中小学科技创新大赛组织工作")
		for _, o := range regexp.MustCompile(`<option value="(\d+)">([^<]*)</option>`).FindAllStringSubmatch(page, -1) {
			if strings.Contains(o[2], "举办中小学科技创新大赛") {
				itf.Set("serves_item_id", o[1])
			}
		}
		resp, page = edu.Post(up+"/items/new", itf)
		orgWant(t, "unit plan item", resp, page, http.StatusSeeOther)
		resp, page = e.as("fin-liaison").Get(up)
		orgWant(t, "another liaison opens the unit's draft", resp, page, 404)
		resp, page = edu.Get("/my/tasks")
		orgWant(t, "my tasks lists the unit plan", resp, page, 200, "柳州市教育局2021年科学素质工作计划")
	})
}
