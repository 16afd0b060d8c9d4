package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"liandong/internal/plan"
	"liandong/internal/testkit"
)

// liuzhouPlan is a plan of our own writing for city A's body, in the
// style of the published ones: a headline goal, sections whose lead unit
// their tasks inherit, short unit names, a collective for the counties,
// "every member unit", and one name the registry does not know (市青少年宫).
const liuzhouPlan = `柳州市全民科学素质行动实施方案（2021—2025年）
到2025年，全市公民具备科学素质的比例达到15%。
一、重点任务
（一）青少年科学素质提升行动（牵头单位：市教育局）
1.举办青少年科技创新大赛。每年参赛学生不少于3000人次。（责任单位：市财政局，各县（区）人民政府）
2.建设科普示范学校。（责任单位：市科协、市青少年宫）
（二）科普经费保障（牵头单位：市财政局）
1.落实科普工作经费。（责任单位：领导小组各成员单位）
`

// planPreviewJSON is PlanPreview as a client reads it.
type planPreviewJSON struct {
	plan.Preview
	SourceName string `json:"source_name"`
	Format     string `json:"format"`
	Text       string `json:"text"`
}

// planDetailJSON is PlanDetail as a client reads it.
type planDetailJSON struct {
	plan.Plan
	Goals   []plan.Goal  `json:"goals"`
	Phases  []plan.Phase `json:"phases"`
	CanEdit bool         `json:"can_edit"`
}

// listJSON is the List envelope as a client reads it.
type listJSON[T any] struct {
	Items []T
	Total int
}

type itemTableJSON struct {
	Plan  plan.Plan
	Items []plan.Item
	Units []plan.UnitRef
}

func findItem(t *testing.T, items []plan.Item, prefix string) plan.Item {
	t.Helper()
	for _, it := range items {
		if strings.HasPrefix(it.Title, prefix) {
			return it
		}
	}
	t.Fatalf("no item %q among %d", prefix, len(items))
	return plan.Item{}
}

// multipartBody builds a multipart/form-data body of parts (field name →
// file name and content; an empty file name makes a plain field).
func multipartBody(t *testing.T, parts ...[3]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p[1] != "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p[0], p[1]))
			h.Set("Content-Type", "application/octet-stream")
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p[0]))
		}
		pw, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write([]byte(p[2]))
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

// raw sends a request with a raw body as user (bearer token).
func (w *world) raw(user, method, path, contentType string, body io.Reader) (int, []byte) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+w.tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestPlanAPIFlow is the import-to-task flow over HTTP: the city office
// previews a plan (pasted, then uploaded through a browser session),
// reviews it, is refused while a name is undecided, imports it, publishes
// it; the county office finds the task handed down and assigns it; the
// units see their tasks.
func TestPlanAPIFlow(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		A, A1 := w.bodyA, w.bodyA1

		// Preview the pasted text.
		status, body := w.call("officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans/preview", A.ID), map[string]any{"text": liuzhouPlan})
		var pv planPreviewJSON
		if decodeJSON(t, body, &pv); status != 200 || len(pv.Result.Items) == 0 {
			t.Fatalf("preview: %d %s", status, body)
		}
		how := map[string]string{}
		for _, m := range pv.Names {
			how[m.Written] = m.How + ":" + m.UnitName
		}
		for name, want := range map[string]string{"市教育局": "short:柳州市教育局", "市财政局": "short:柳州市财政局",
			"市科协": "short:柳州市科学技术协会", "市青少年宫": "none:", "领导小组各成员单位": "members:"} {
			if how[name] != want {
				t.Errorf("%s matched as %q, want %q (all: %v)", name, how[name], want, how)
			}
		}
		if pv.Text != "" || pv.Format != "" {
			t.Errorf("a pasted text is not echoed back: format %q, %d bytes", pv.Format, len(pv.Text))
		}

		// The same plan uploaded as a file by a browser session: the
		// cookie, the page's CSRF token, a multipart body.
		c := testkit.NewClient(t, w.srv.URL)
		c.Login("officea", worldPassword)
		ct, mp := multipartBody(t, [3]string{"file", "柳州市实施方案.txt", liuzhouPlan})
		resp, page := c.Do("POST", fmt.Sprintf("/api/v1/bodies/%d/plans/preview", A.ID), ct, bytes.NewReader(mp))
		var up planPreviewJSON
		if decodeJSON(t, []byte(page), &up); resp.StatusCode != 200 || up.Format != "txt" || up.SourceName != "柳州市实施方案.txt" ||
			!strings.Contains(up.Text, "举办青少年科技创新大赛") || len(up.Result.Items) != len(pv.Result.Items) {
			t.Fatalf("upload preview: %d %.500s", resp.StatusCode, page)
		}
		c.CSRF = ""
		if resp, _ := c.Do("POST", fmt.Sprintf("/api/v1/bodies/%d/plans/preview", A.ID), ct, bytes.NewReader(mp)); resp.StatusCode != 403 {
			t.Errorf("a cookie upload without the CSRF token: %d, want 403", resp.StatusCode)
		}

		// Review an edited result: the names are matched again.
		edited := pv.Result
		edited.Items = slices.Clone(edited.Items)
		for i := range edited.Items {
			if strings.HasPrefix(edited.Items[i].Title, "建设科普示范学校") {
				edited.Items[i].Title = "建设一批科普示范学校"
			}
		}
		status, body = w.call("officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans/review", A.ID), map[string]any{"result": edited})
		var rv plan.Preview
		if decodeJSON(t, body, &rv); status != 200 || len(rv.Names) != len(pv.Names) || rv.Unresolved() != 1 {
			t.Fatalf("review: %d %s", status, body)
		}

		// Import: refused while 市青少年宫 is undecided, nothing saved.
		in := map[string]any{
			"plan":        map[string]any{"body_id": A.ID, "kind": "implementation", "title": "柳州市全民科学素质行动实施方案", "year_from": 2021, "year_to": 2025},
			"source_name": up.SourceName, "text": up.Text, "result": edited,
		}
		status, body = w.call("officeA", "POST", "/api/v1/plans/import", in)
		if _, _, fields := apiError(t, body); status != 422 || !strings.Contains(fields["mappings"], "市青少年宫") {
			t.Fatalf("import with an undecided name: %d %s", status, body)
		}
		if _, body := w.call("officeA", "GET", fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID), nil); !strings.Contains(string(body), `"total":0`) {
			t.Fatalf("a refused import left a plan: %s", body)
		}
		in["mappings"] = []map[string]any{{"written": "市青少年宫", "create": true}}
		req, _ := json.Marshal(in)
		hreq, _ := http.NewRequest("POST", w.srv.URL+"/api/v1/plans/import", bytes.NewReader(req))
		hreq.Header.Set("Authorization", "Bearer "+w.tokens["officeA"])
		hreq.Header.Set("Content-Type", "application/json")
		hresp, err := http.DefaultClient.Do(hreq)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(hresp.Body)
		hresp.Body.Close()
		var p plan.Plan
		if decodeJSON(t, body, &p); hresp.StatusCode != 201 || p.Status != plan.Draft || p.Tasks != 3 ||
			hresp.Header.Get("Location") != fmt.Sprintf("/api/v1/plans/%d", p.ID) {
			t.Fatalf("import: %d %s (Location %q)", hresp.StatusCode, body, hresp.Header.Get("Location"))
		}

		// The new draft with its goal, and its decomposition table.
		status, body = w.call("officeA", "GET", hresp.Header.Get("Location"), nil)
		var detail planDetailJSON
		if decodeJSON(t, body, &detail); status != 200 || detail.ID != p.ID || !detail.CanEdit || len(detail.Goals) != 1 ||
			detail.Goals[0].Value != 15 || detail.Phases == nil || detail.SourceName != "柳州市实施方案.txt" {
			t.Fatalf("GET plan: %d %s", status, body)
		}
		status, body = w.call("officeA", "GET", fmt.Sprintf("/api/v1/plans/%d/items", p.ID), nil)
		var tab itemTableJSON
		if decodeJSON(t, body, &tab); status != 200 {
			t.Fatalf("GET items: %d %s", status, body)
		}
		contest := findItem(t, tab.Items, "举办青少年科技创新大赛")
		if got := contest.Units(A.ID, plan.Lead); !slices.Equal(got, []string{"柳州市教育局"}) {
			t.Errorf("lead inherited from the section: %v", got)
		}
		if len(contest.Cascades) != 1 || contest.Cascades[0].BodyID != A1.ID || len(contest.Targets) != 1 || contest.Targets[0].Value != 3000 {
			t.Errorf("contest: cascades %+v targets %+v", contest.Cascades, contest.Targets)
		}
		school := findItem(t, tab.Items, "建设一批科普示范学校")
		if !slices.Contains(school.Units(A.ID, plan.Responsible), "市青少年宫") {
			t.Errorf("the new unit is not responsible for the edited task: %+v", school.Assignments)
		}

		// A member unit's liaison does not see the draft, by any URL.
		for _, path := range []string{fmt.Sprintf("/api/v1/plans/%d", p.ID), fmt.Sprintf("/api/v1/items/%d", contest.ID),
			fmt.Sprintf("/api/v1/plans/%d/items", p.ID)} {
			if status, _ := w.call("liaisonX", "GET", path, nil); status != 404 {
				t.Errorf("liaison X reads the draft at %s: %d", path, status)
			}
		}

		// Publish; the same version again is stale.
		status, body = w.call("officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/publish", p.ID), map[string]any{"version": detail.Version})
		var pub plan.Plan
		if decodeJSON(t, body, &pub); status != 200 || pub.Status != plan.Published || pub.Version != detail.Version+1 {
			t.Fatalf("publish: %d %s", status, body)
		}
		status, body = w.call("officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/archive", p.ID), map[string]any{"version": detail.Version})
		if code, msg, _ := apiError(t, body); status != 409 || code != "conflict" || !strings.Contains(msg, "已被他人修改") {
			t.Errorf("archive with a stale version: %d %s", status, body)
		}

		// The county office finds the task handed down, and assigns it.
		status, body = w.call("officeA1", "GET", fmt.Sprintf("/api/v1/bodies/%d/inbound", A1.ID), nil)
		var inbound listJSON[plan.Inbound]
		if decodeJSON(t, body, &inbound); status != 200 || inbound.Total != 1 || inbound.Items[0].Item.ID != contest.ID ||
			inbound.Items[0].Cascade.Status != "received" || inbound.Items[0].FromBody != A.Name {
			t.Fatalf("county inbound: %d %s", status, body)
		}
		cascade := inbound.Items[0].Cascade
		status, body = w.call("officeA1", "POST", fmt.Sprintf("/api/v1/cascades/%d/assign", cascade.ID),
			map[string]any{"lead": []int64{w.eduA1.ID}, "responsible": []int64{w.kexieA1.ID}})
		var assigned plan.Inbound
		if decodeJSON(t, body, &assigned); status != 200 || assigned.Cascade.Status != "assigned" {
			t.Fatalf("assign: %d %s", status, body)
		}
		status, body = w.call("officeA1", "POST", fmt.Sprintf("/api/v1/cascades/%d/assign", cascade.ID), map[string]any{"lead": []int64{w.unitX.ID}})
		if _, _, fields := apiError(t, body); status != 422 || !strings.Contains(fields["lead"], "单位名录") {
			t.Errorf("the county assigning a city unit: %d %s", status, body)
		}

		// One level up, the city sees who carries it in the county.
		_, body = w.call("officeA", "GET", fmt.Sprintf("/api/v1/plans/%d/items?unit_id=%d", p.ID, w.eduA1.ID), nil)
		decodeJSON(t, body, &tab)
		seen := findItem(t, tab.Items, "举办青少年科技创新大赛")
		if got := seen.Units(A1.ID, plan.Lead); !slices.Equal(got, []string{"柳城县教育局"}) {
			t.Errorf("the county's lead seen from the city: %v", got)
		}
		if len(tab.Items) != 3 || tab.Items[0].Kind != plan.Section {
			t.Errorf("filtered by the county unit, the table keeps its task and headings: %d items", len(tab.Items))
		}

		// The units see their tasks, with the partners.
		status, body = w.call("liaisonX", "GET", "/api/v1/me/tasks", nil)
		var mine listJSON[plan.UnitTask]
		if decodeJSON(t, body, &mine); status != 200 || mine.Total < 2 {
			t.Fatalf("liaison X's tasks: %d %s", status, body)
		}
		var found bool
		for _, ut := range mine.Items {
			if ut.Item.ID == contest.ID {
				found = ut.Role == plan.Lead && slices.ContainsFunc(ut.Partners, func(a plan.Assignment) bool { return a.UnitID == w.unitY.ID })
			}
		}
		if !found {
			t.Errorf("liaison X does not lead the contest with Y as partner: %s", body)
		}
		_, other := w.call("officeA", "GET", fmt.Sprintf("/api/v1/bodies/%d/units/%d/tasks", A.ID, w.unitX.ID), nil)
		var x listJSON[plan.UnitTask]
		if decodeJSON(t, other, &x); x.Total != mine.Total {
			t.Errorf("the office reads X's tasks as %d, X itself %d", x.Total, mine.Total)
		}
		status, body = w.call("officeA1", "GET", fmt.Sprintf("/api/v1/bodies/%d/units/%d/tasks", A1.ID, w.eduA1.ID), nil)
		var county listJSON[plan.UnitTask]
		if decodeJSON(t, body, &county); status != 200 || county.Total != 1 || county.Items[0].Role != plan.Lead {
			t.Errorf("the county unit's tasks: %d %s", status, body)
		}

		// A change to the published plan is a revision with its diff.
		status, body = w.call("officeA", "PUT", fmt.Sprintf("/api/v1/items/%d", school.ID), map[string]any{
			"marker": school.Marker, "title": school.Title, "schedule": "2022年底前", "lead": []int64{w.unitX.ID},
			"responsible": []int64{w.kexieA.ID}, "version": school.Version})
		if status != 200 {
			t.Fatalf("PUT item: %d %s", status, body)
		}
		status, body = w.call("leaderA", "GET", fmt.Sprintf("/api/v1/plans/%d/history", p.ID), nil)
		var hist listJSON[plan.Change]
		if decodeJSON(t, body, &hist); status != 200 || hist.Total != 1 || hist.Items[0].Revision != 1 || hist.Items[0].UserName != "甲市办公室" {
			t.Fatalf("history: %d %s", status, body)
		}
		diff := map[string]plan.FieldChange{}
		for _, fc := range hist.Items[0].Diff {
			diff[fc.Field] = fc
		}
		if diff["schedule"].After != "2022年底前" || diff["responsible"].Before != "柳州市科学技术协会、市青少年宫" {
			t.Errorf("diff: %+v", hist.Items[0].Diff)
		}
	})
}

// TestPlanAPIRefusals: each kind of refusal answers its status with a
// Chinese message naming the field, and changes nothing.
func TestPlanAPIRefusals(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newPlanWorld(t, dsn)
		A := w.bodyA
		taskY := w.mustTaskIn(w.as("officeA"), w.pubA.ID, w.taskY.ID)
		cases := []struct {
			name, user, method, path string
			body                     any
			status                   int
			field, says              string // the field named, and what its message says
		}{
			{"empty title, years reversed", "officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID),
				map[string]any{"kind": "outline", "title": "  ", "year_from": 2025, "year_to": 2021}, 422, "title", "请填写计划名称"},
			{"years reversed", "officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID),
				map[string]any{"kind": "outline", "title": "纲要", "year_from": 2025, "year_to": 2021}, 422, "year_to", "结束年份不能早于起始年份"},
			{"unknown kind", "officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID),
				map[string]any{"kind": "memo", "title": "备忘", "year_from": 2025, "year_to": 2025}, 422, "kind", "请选择计划类型"},
			{"mistyped year", "officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID),
				map[string]any{"kind": "outline", "title": "纲要", "year_from": "二〇二一", "year_to": 2025}, 422, "year_from", "类型不正确"},
			{"item without title", "officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/items", w.pubA.ID),
				map[string]any{"title": "", "lead": []int64{w.unitX.ID}}, 422, "title", "请填写任务名称"},
			{"item with a unit of city B", "officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/items", w.pubA.ID),
				map[string]any{"title": "外市任务", "lead": []int64{w.unitZ.ID}}, 422, "lead", "不在本机构的单位名录中"},
			{"closing without a reason", "officeA", "POST", fmt.Sprintf("/api/v1/items/%d/status", taskY.ID),
				map[string]any{"status": "closed", "version": taskY.Version}, 422, "reason", "请说明办结或取消的原因"},
			{"unknown status filter", "officeA", "GET", fmt.Sprintf("/api/v1/plans/%d/items?status=done", w.pubA.ID), nil, 422, "status", "任务状态"},
			{"bad unit filter", "officeA", "GET", fmt.Sprintf("/api/v1/plans/%d/items?unit_id=教育局", w.pubA.ID), nil, 422, "unit_id", "单位编号应为正整数"},
			{"patch without version", "officeA", "PATCH", fmt.Sprintf("/api/v1/plans/%d", w.pubA.ID), map[string]any{"title": "改名"}, 422, "version", "版本号"},
			{"put without version", "officeA", "PUT", fmt.Sprintf("/api/v1/items/%d", taskY.ID), map[string]any{"title": "改名"}, 422, "version", "版本号"},
			{"delete without version", "officeA", "DELETE", fmt.Sprintf("/api/v1/plans/%d", w.draftA.ID), nil, 422, "version", "版本号"},
			{"phase past the period", "officeA", "PUT", fmt.Sprintf("/api/v1/plans/%d/phases", w.pubA.ID),
				map[string]any{"phases": []map[string]any{{"name": "总结评估", "starts_on": "2025-01-01", "ends_on": "2026-12-31"}}}, 422, "phases", "应在计划时段2021—2025年之内"},
			{"measure above the body's region", "officeA", "POST", fmt.Sprintf("/api/v1/goals/%d/measures", w.goalA.ID),
				map[string]any{"region_id": w.guangxi.ID, "year": 2023, "value": 12}, 422, "region_id", "只能填报本地区及下辖地区"},
			{"key points outside the period", "officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/keypoints", w.pubA.ID),
				map[string]any{"year": 2030, "item_ids": []int64{w.taskX.ID}}, 422, "year", "年份应在计划时段"},
			{"import a unit work plan", "officeA", "POST", "/api/v1/plans/import", map[string]any{
				"plan":   map[string]any{"body_id": A.ID, "kind": "unit_work_plan", "title": "单位计划", "year_from": 2022, "year_to": 2022},
				"result": map[string]any{"items": []map[string]any{{"path": []string{"1."}, "kind": "task", "title": "任务"}}}}, 422, "kind", "不从文件导入"},
			{"import without items", "officeA", "POST", "/api/v1/plans/import", map[string]any{
				"plan":   map[string]any{"body_id": A.ID, "kind": "action", "title": "方案", "year_from": 2022, "year_to": 2022},
				"result": map[string]any{"items": []any{}}}, 422, "result", "没有识别到任何任务"},
			{"preview of nothing", "officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans/preview", A.ID), map[string]any{"text": " \n "}, 422, "text", "请粘贴计划全文或上传文件"},
			{"assign nobody", "officeA1", "POST", fmt.Sprintf("/api/v1/cascades/%d/assign", w.cascadeA1.ID), map[string]any{"lead": []int64{}}, 422, "lead", "请至少选择一个"},

			{"stale item", "officeA", "PUT", fmt.Sprintf("/api/v1/items/%d", taskY.ID),
				map[string]any{"title": "改名", "lead": []int64{w.unitY.ID}, "version": taskY.Version + 1}, 409, "", "已被他人修改"},
			{"delete a published plan", "officeA", "DELETE", fmt.Sprintf("/api/v1/plans/%d?version=%d", w.pubA.ID, w.pubA.Version), nil, 409, "", "只能归档"},
			{"delete a published task", "officeA", "DELETE", fmt.Sprintf("/api/v1/items/%d?version=%d", taskY.ID, taskY.Version), nil, 409, "", "只能办结或取消"},
			{"publish twice", "officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/publish", w.pubA.ID), map[string]any{"version": w.pubA.Version}, 409, "", "计划当前为“已发布”"},
			{"reopen an open task", "officeA", "POST", fmt.Sprintf("/api/v1/items/%d/status", taskY.ID),
				map[string]any{"status": "open", "version": taskY.Version}, 409, "", "任务已是“进行中”状态"},
			{"key points from a draft", "officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/keypoints", w.draftA.ID),
				map[string]any{"year": 2022, "item_ids": []int64{w.taskDraft.ID}}, 409, "", "请先发布计划"},

			{"liaison edits the body's plan", "liaisonX", "PATCH", fmt.Sprintf("/api/v1/plans/%d", w.pubA.ID),
				map[string]any{"title": "改名", "version": w.pubA.Version}, 403, "", "只有本机构办公室可以修改该计划"},
			{"leader creates a plan", "leaderA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans", A.ID),
				map[string]any{"kind": "outline", "title": "纲要", "year_from": 2021, "year_to": 2035}, 403, "", "您没有执行此操作的权限"},
			{"liaison imports", "liaisonX", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans/preview", A.ID), map[string]any{"text": liuzhouPlan}, 403, "", "您没有执行此操作的权限"},
			{"city office publishes the county's draft", "officeA", "POST", fmt.Sprintf("/api/v1/plans/%d/publish", w.freshDraft("officeA1", w.bodyA1).ID),
				map[string]any{"version": 1}, 403, "", "只有本机构办公室可以发布或归档计划"},

			{"no such plan", "officeA", "GET", "/api/v1/plans/999999", nil, 404, "", "计划不存在或无权访问"},
			{"not a plan id", "officeA", "GET", "/api/v1/plans/first", nil, 404, "", "不存在或无权访问"},
			{"no such item", "officeA", "PUT", "/api/v1/items/999999", map[string]any{"title": "改名", "version": 1}, 404, "", "不存在或无权访问"},
			{"no such cascade", "officeA1", "POST", "/api/v1/cascades/999999/assign", map[string]any{"lead": []int64{w.eduA1.ID}}, 404, "", "不存在或无权访问"},
		}
		for _, c := range cases {
			before := w.planFingerprint()
			status, body := w.call(c.user, c.method, c.path, c.body)
			what := fmt.Sprintf("%s (%s %s as %s)", c.name, c.method, c.path, c.user)
			if status != c.status {
				t.Errorf("%s: status %d, want %d: %s", what, status, c.status, body)
				continue
			}
			_, msg, fields := apiError(t, body)
			if c.field != "" {
				msg = fields[c.field]
			}
			if !strings.Contains(msg, c.says) {
				t.Errorf("%s: message %q (fields %v), want it to say %q", what, msg, fields, c.says)
			}
			if w.planFingerprint() != before {
				t.Errorf("%s: refused, yet something changed", what)
			}
		}
		// Outside the scope reads exactly like missing.
		_, outside := w.call("officeB", "GET", fmt.Sprintf("/api/v1/plans/%d", w.pubA.ID), nil)
		_, missing := w.call("officeB", "GET", "/api/v1/plans/999999", nil)
		if _, m1, _ := apiError(t, outside); !strings.Contains(string(missing), m1) {
			t.Errorf("out of scope says %q, missing says %s", m1, missing)
		}
	})
}

// TestPlanUploads: an uploaded plan is read by content within its limits,
// streamed without temporary files; a field the form does not offer, a
// second file, a format the reader refuses and a body over the limit are
// refused before anything is extracted. The import routes take a text
// larger than the 2 MB every other route allows, and only they do.
func TestPlanUploads(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		previewURL := fmt.Sprintf("/api/v1/bodies/%d/plans/preview", w.bodyA.ID)
		// Any temporary file the multipart machinery wrote would land
		// here: the server runs in this process.
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)

		// A decomposition table as an .xlsx workbook.
		x := excelize.NewFile()
		sheet := x.GetSheetName(0)
		for i, row := range [][]any{
			{"序号", "工作任务", "牵头单位", "责任单位", "完成时限"},
			{"1", "举办科技活动周", "市教育局", "市科协", "每年5月"},
			{"2", "开展科普进社区", "市科协", "市财政局", "2022年底前"},
		} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow(sheet, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		var book bytes.Buffer
		if err := x.Write(&book); err != nil {
			t.Fatal(err)
		}
		ct, body := multipartBody(t, [3]string{"file", "分解表.xlsx", book.String()})
		status, resp := w.raw("officeA", "POST", previewURL, ct, bytes.NewReader(body))
		var pv planPreviewJSON
		if decodeJSON(t, resp, &pv); status != 200 || pv.Format != "xlsx" || !strings.Contains(pv.Text, "开展科普进社区") {
			t.Fatalf("xlsx upload: %d %.500s", status, resp)
		}

		cases := []struct {
			name  string
			parts [][3]string
			field string
			says  string
		}{
			{"a field the form does not offer", [][3]string{{"file", "a.txt", liuzhouPlan}, {"body_id", "", "2"}}, "body_id", "不允许提交字段“body_id”"},
			{"two files", [][3]string{{"file", "a.txt", liuzhouPlan}, {"file", "b.txt", liuzhouPlan}}, "file", "一次只能上传一个文件"},
			{"no file", nil, "file", "请选择要导入的方案文件"},
			{"a Word 97 document", [][3]string{{"file", "方案.doc", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 512)}}, "file", ""},
			{"a name that lies about the content", [][3]string{{"file", "方案.docx", liuzhouPlan}}, "file", ""},
		}
		for _, c := range cases {
			ct, body := multipartBody(t, c.parts...)
			status, resp := w.raw("officeA", "POST", previewURL, ct, bytes.NewReader(body))
			_, msg, fields := apiError(t, resp)
			if status != 422 || fields[c.field] == "" || !strings.Contains(fields[c.field], c.says) {
				t.Errorf("%s: %d %s %v, want 422 naming %s", c.name, status, msg, fields, c.field)
			}
		}

		// 11 MB: refused by the body limit, answered 413 in Chinese.
		ct, body = multipartBody(t, [3]string{"file", "大文件.txt", strings.Repeat("科普工作。\n", 11<<20/16)})
		status, resp = w.raw("officeA", "POST", previewURL, ct, bytes.NewReader(body))
		if code, msg, _ := apiError(t, resp); status != 413 || code != "too_large" || !strings.Contains(msg, "10 MB") {
			t.Errorf("11 MB upload: %d %s", status, resp)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("uploads left temporary files: %v", left)
		}

		// A 3 MB pasted text passes the raised limit of the preview.
		big := liuzhouPlan + strings.Repeat("附：本方案由市科协负责解释。\n", 3<<20/40)
		status, resp = w.call("officeA", "POST", previewURL, map[string]any{"text": big})
		if status != 200 {
			t.Errorf("3 MB text: %d %.300s", status, resp)
		}
		// Over the 4 MB a plan's text may have: 413 from the service.
		status, resp = w.call("officeA", "POST", previewURL, map[string]any{"text": strings.Repeat("科", 5<<20/3)})
		if code, msg, _ := apiError(t, resp); status != 413 || code != "too_large" || !strings.Contains(msg, "4MB") {
			t.Errorf("5 MB text: %d %.300s", status, resp)
		}
		// Every other route keeps the 2 MB limit.
		status, resp = w.call("officeA", "POST", fmt.Sprintf("/api/v1/bodies/%d/plans", w.bodyA.ID),
			map[string]any{"kind": "action", "title": strings.Repeat("长", 3<<20/3), "year_from": 2022, "year_to": 2022})
		if status != 413 {
			t.Errorf("3 MB plan title: %d %.300s", status, resp)
		}
	})
}
