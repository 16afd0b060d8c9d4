package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/org"
	"liandong/internal/org/orgtest"
	"liandong/internal/testkit"
)

// Helpers of the organisation registry page tests, prefixed "org".

// orgPassword passes the default policy and names nothing of the fixture.
const orgPassword = "Vq7#kLm2xR9!pZ"

// orgEnv is a running application holding the Liuzhou fixture and one
// account per kind of user.
type orgEnv struct {
	*orgtest.World
	t     *testing.T
	app   *app.App
	base  string
	clock *core.FakeClock
}

func orgStart(t *testing.T, dsn string) *orgEnv {
	t.Helper()
	clock := core.NewFakeClock(time.Date(2021, 6, 1, 2, 0, 0, 0, time.UTC))
	a, srv := testkit.StartApp(t, dsn, app.Config{Clock: clock})
	ctx := context.Background()
	w, err := orgtest.Build(ctx, a.DB, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	e := &orgEnv{World: w, t: t, app: a, base: srv.URL, clock: clock}
	for _, u := range []struct {
		name string
		role core.Role
		unit int64
		body int64
	}{
		{"city-office", core.RoleOffice, w.Kexie.ID, w.City.ID},
		{"county-office", core.RoleOffice, w.LiuchengKexie.ID, w.LiuchengBody.ID},
		{"city-leader", core.RoleLeader, w.Government.ID, w.City.ID},
		{"edu-liaison", core.RoleLiaison, w.Edu.ID, w.City.ID},
		{"fin-liaison", core.RoleLiaison, w.Finance.ID, w.City.ID},
	} {
		if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Username: u.name, DisplayName: "测试" + string(u.role), Role: u.role,
			UnitID: u.unit, BodyIDs: []int64{u.body}, Password: orgPassword}); err != nil {
			t.Fatalf("create %s: %v", u.name, err)
		}
	}
	return e
}

// as logs a new browser in as username.
func (e *orgEnv) as(username string) *testkit.Client {
	e.t.Helper()
	c := testkit.NewClient(e.t, e.base)
	c.Login(username, orgPassword)
	return c
}

func orgWant(t *testing.T, what string, resp *http.Response, body string, status int, contains ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, orgSnippet(body))
		return
	}
	for _, s := range contains {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body lacks %q\n%s", what, s, orgSnippet(body))
		}
	}
}

func orgSnippet(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000]
	}
	return body
}

func TestOrgPagesShowTheRegistryToEachRole(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		city := fmt.Sprintf("/org/bodies/%d", e.City.ID)

		office := e.as("city-office")
		resp, body := office.Get("/org")
		orgWant(t, "office tree", resp, body, 200, "柳州市全民科学素质工作领导小组", "柳城县全民科学素质工作领导小组", "鹿寨县全民科学素质工作领导小组")
		resp, body = office.Get(city)
		orgWant(t, "office body page", resp, body, 200, "侯刚", "市委常委、副市长", "任俊峰", "柳州市科学技术协会科普部",
			"添加成员单位", "更换人员", "添加联络员", "13800008000", "制定本单位年度科学素质工作计划并组织实施。", "柳州市教育局具体职责")
		resp, body = office.Get(city + "/roster")
		orgWant(t, "roster", resp, body, 200, "组\u3000长：", "侯\u3000刚", "副组长：", "郑晓鸿", "成\u3000员：",
			"办公室设在：柳州市科学技术协会科普部；办公室主任：任俊峰", "data-print", "2021年6月1日")
		resp, body = office.Get(city + "/history")
		orgWant(t, "history", resp, body, 200, "徐进辉", "在任")
		resp, body = office.Get(city + "/subordinates")
		orgWant(t, "subordinates", resp, body, 200, "共 2 个下级机构", "赵县长")
		resp, body = office.Get("/org/units")
		orgWant(t, "units", resp, body, 200, "共 9 个单位", "柳州市科学技术局", "柳州市科技局")
		resp, body = office.Get("/org/units?q=" + url.QueryEscape("科协") + "&kind=people_org")
		orgWant(t, "units filtered", resp, body, 200, "共 3 个单位", `value="科协"`)
		resp, body = office.Get("/org/regions")
		orgWant(t, "regions", resp, body, 200, "450222", "柳城县")
		resp, body = office.Get(fmt.Sprintf("/org/units/%d", e.Keji.ID))
		orgWant(t, "unit page", resp, body, 200, "柳州市科学技术局", `name="version"`)

		// A liaison reads the body with other units' numbers masked and
		// no change forms except their own entry.
		liaison := e.as("fin-liaison")
		resp, body = liaison.Get(city)
		orgWant(t, "liaison body page", resp, body, 200, "138****8000", "0772-2600001", "侯刚")
		for _, s := range []string{"13800008000", "添加成员单位", "更换人员"} {
			if strings.Contains(body, s) {
				t.Errorf("liaison page shows %q", s)
			}
		}
		if !strings.Contains(body, fmt.Sprintf("/liaisons/%d/edit", e.LiaisonFinance.ID)) ||
			strings.Contains(body, fmt.Sprintf("/liaisons/%d/edit", e.LiaisonEdu.ID)) {
			t.Errorf("liaison edit links wrong")
		}
		resp, body = liaison.Get(city + "/history")
		orgWant(t, "liaison history", resp, body, 404, "不存在或无权访问")

		// A date in the past shows the body as it stood; a malformed one
		// says so and shows today.
		resp, body = office.Get(city + "?date=2019-01-01")
		orgWant(t, "as of 2019", resp, body, 200, "2019年1月1日", "该日期没有在任的组成人员")
		resp, body = office.Get(city + "?date=2019-1-1")
		orgWant(t, "bad date", resp, body, 422, "日期格式应为YYYY-MM-DD", `value="2019-1-1"`, "侯刚")
	})
}

func TestOrgPagesEnforceScope(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		ctx := context.Background()
		city := fmt.Sprintf("/org/bodies/%d", e.City.ID)
		county := fmt.Sprintf("/org/bodies/%d", e.LiuchengBody.ID)

		// A liaison of one unit editing another unit's liaison by id.
		edu := e.as("edu-liaison")
		target := fmt.Sprintf("%s/liaisons/%d/edit", city, e.LiaisonFinance.ID)
		resp, body := edu.Get(target)
		orgWant(t, "edu liaison opens finance entry", resp, body, 404)
		resp, body = edu.Post(target, url.Values{"name": {"冒名"}, "phone": {"13000000000"}, "version": {fmt.Sprint(e.LiaisonFinance.Version)}})
		orgWant(t, "edu liaison posts finance entry", resp, body, 404)
		l, err := org.FindLiaisonByID(ctx, e.app.DB.R(), e.LiaisonFinance.ID)
		if err != nil || l.Name != "王芳" || l.Phone != "0772-2600001" || l.Version != e.LiaisonFinance.Version {
			t.Errorf("finance liaison changed: %+v %v", l, err)
		}
		// Their own entry: extra fields (another unit, inactive) are ignored.
		own := fmt.Sprintf("%s/liaisons/%d/edit", city, e.LiaisonEdu.ID)
		resp, body = edu.Post(own, url.Values{"name": {"张华"}, "post": {"科长"}, "phone": {"13900002222"},
			"unit_id": {fmt.Sprint(e.Finance.ID)}, "active": {"0"}, "version": {fmt.Sprint(e.LiaisonEdu.Version)}})
		orgWant(t, "edu liaison edits own entry", resp, body, http.StatusSeeOther)
		l, _ = org.FindLiaisonByID(ctx, e.app.DB.R(), e.LiaisonEdu.ID)
		if l.UnitID != e.Edu.ID || !l.Active || l.Phone != "13900002222" {
			t.Errorf("own entry after edit: %+v", l)
		}
		// Liaisons cannot reach office forms at all (route permission).
		resp, body = edu.Post("/org/units", url.Values{"name": {"x"}})
		orgWant(t, "liaison registers a unit", resp, body, 403)
		resp, body = edu.Get(city + "/members/new")
		orgWant(t, "liaison opens seat form", resp, body, 403)

		// A county office: the city body is invisible; its own is writable.
		cty := e.as("county-office")
		resp, body = cty.Get(city)
		orgWant(t, "county office reads city", resp, body, 404)
		resp, body = cty.Post(city+"/edit", url.Values{"name": {"改名"}, "version": {fmt.Sprint(e.City.Version)}})
		orgWant(t, "county office edits city", resp, body, 404)
		b, _ := org.FindBodyByID(ctx, e.app.DB.R(), e.City.ID)
		if b.Name != e.City.Name {
			t.Errorf("city body renamed to %q", b.Name)
		}
		resp, body = cty.Post(county+"/member-units/new", url.Values{"unit_id": {fmt.Sprint(e.LiuchengKexie.ID)}, "joined_on": {"2021-01-01"}})
		orgWant(t, "county office adds to own body", resp, body, 422, "不能重复加入")

		// The city office reads the county body but may not change it.
		office := e.as("city-office")
		resp, body = office.Get(county)
		orgWant(t, "city office reads county", resp, body, 200, "赵县长")
		if strings.Contains(body, "添加成员单位") {
			t.Errorf("city office offered county forms")
		}
		resp, body = office.Get(county + "/members/new")
		orgWant(t, "city office opens county seat form", resp, body, 404)

		// Sub-objects must belong to the body in the URL.
		resp, body = office.Get(fmt.Sprintf("%s/members/%d/replace", city, e.LiuchengLeader.ID))
		orgWant(t, "county seat through city URL", resp, body, 404)
	})
}

func TestOrgFormsKeepInputAndNameTheField(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		city := fmt.Sprintf("/org/bodies/%d", e.City.ID)
		office := e.as("city-office")

		resp, body := office.Post("/org/units", url.Values{"region_id": {fmt.Sprint(e.Liuzhou.ID)}, "name": {""},
			"short_name": {"市新局"}, "kind": {"government"}, "aliases": {"新局\n第二名称"}})
		orgWant(t, "unit without name", resp, body, 422, "请填写单位名称", `value="市新局"`, "第二名称", `aria-invalid="true"`)
		resp, body = office.Post("/org/units", url.Values{"region_id": {fmt.Sprint(e.Liuzhou.ID)}, "name": {"柳州市教育局"}, "kind": {"government"}})
		orgWant(t, "duplicate unit", resp, body, 422, "该行政区划内已有同名单位", `value="柳州市教育局"`)

		resp, body = office.Post(city+"/members/new", url.Values{"role": {"member"}, "person_name": {"李新"},
			"position": {"市统计局副局长"}, "term_start": {"2021/03/01"}})
		orgWant(t, "seat with a bad date", resp, body, 422, "任职日期格式应为YYYY-MM-DD", `value="李新"`, `value="市统计局副局长"`, `value="2021/03/01"`)
		resp, body = office.Post(city+"/duties/new", url.Values{"scope": {"common"}, "text": {strings.Repeat("责", 2001)}})
		orgWant(t, "oversized duty", resp, body, 422, "职责内容不能超过2000个字符")
		resp, body = office.Post(city+"/liaisons/new", url.Values{"unit_id": {fmt.Sprint(e.Edu.ID)}, "name": {"新人"}, "email": {"bad@"}})
		orgWant(t, "bad e-mail", resp, body, 422, "电子邮箱格式不正确", `value="新人"`)

		// Two people edit the same unit: the second is told, and keeps
		// what they typed.
		form := func(name string) url.Values {
			return url.Values{"region_id": {fmt.Sprint(e.Liuzhou.ID)}, "name": {name}, "short_name": {"市科技局"},
				"kind": {"government"}, "version": {fmt.Sprint(e.Keji.Version)}}
		}
		unit := fmt.Sprintf("/org/units/%d", e.Keji.ID)
		resp, body = office.Post(unit, form("柳州市科学技术局"))
		orgWant(t, "first save", resp, body, http.StatusSeeOther)
		resp, body = office.Post(unit, form("柳州市科技局（第二人）"))
		orgWant(t, "second save", resp, body, 409, "已被他人修改", `value="柳州市科技局（第二人）"`)
	})
}

func TestOrgReplacementThroughThePages(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		city := fmt.Sprintf("/org/bodies/%d", e.City.ID)
		office := e.as("city-office")
		replace := fmt.Sprintf("%s/members/%d/replace", city, e.MemberFinance.ID)
		resp, body := office.Get(replace)
		orgWant(t, "replace form", resp, body, 200, "徐进辉", `name="version"`)
		resp, body = office.Post(replace, url.Values{"person_name": {"新局长"}, "position": {"市财政局副局长"},
			"unit_id": {fmt.Sprint(e.Finance.ID)}, "on_date": {"2021-03-01"}, "version": {fmt.Sprint(e.MemberFinance.Version)}})
		orgWant(t, "replace", resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, city+"?flash=saved") {
			t.Errorf("redirect to %q", loc)
		}
		_, body = office.Get(city)
		if !strings.Contains(body, "新局长") || strings.Contains(body, "徐进辉") {
			t.Errorf("today's page does not show the successor only")
		}
		_, body = office.Get(city + "?date=2021-02-28")
		if !strings.Contains(body, "徐进辉") || strings.Contains(body, "新局长") {
			t.Errorf("2021-02-28 does not show the predecessor only")
		}
		_, body = office.Get(city + "/roster?date=2021-02-28")
		if !strings.Contains(body, "徐进辉") {
			t.Errorf("dated roster lacks the predecessor")
		}
		resp, body = office.Get(city + "/history")
		orgWant(t, "history", resp, body, 200, "接替 徐进辉", "由 新局长 接替", "已卸任")
		// A misspelt name is corrected in place, without a new term.
		edit := fmt.Sprintf("%s/members/%d/edit", city, e.MemberEdu.ID)
		resp, body = office.Get(edit)
		orgWant(t, "edit form", resp, body, 200, `value="程卓"`)
		resp, body = office.Post(edit, url.Values{"person_name": {"程  卓 "}, "position": {"市教育局调研员"},
			"unit_id": {fmt.Sprint(e.Edu.ID)}, "sort_order": {"x"}, "version": {fmt.Sprint(e.MemberEdu.Version)}})
		orgWant(t, "edit with a bad order", resp, body, 422, "排序号应为0到1000000之间的整数", `value="x"`)
		resp, body = office.Post(edit, url.Values{"person_name": {"程卓"}, "position": {"市教育局一级调研员"},
			"unit_id": {fmt.Sprint(e.Edu.ID)}, "sort_order": {"5"}, "version": {fmt.Sprint(e.MemberEdu.Version)}})
		orgWant(t, "edit", resp, body, http.StatusSeeOther)
		_, body = office.Get(city + "/roster")
		if !strings.Contains(body, "市教育局一级调研员") {
			t.Errorf("corrected position not on the roster")
		}
		resp, body = office.Post(edit, url.Values{"person_name": {"程卓"}, "version": {fmt.Sprint(e.MemberEdu.Version)}})
		orgWant(t, "stale edit", resp, body, 409, "已被他人修改")
		// The office director is managed from the same table.
		_, body = office.Get(city)
		if !strings.Contains(body, fmt.Sprintf("/members/%d/replace", e.Director.ID)) {
			t.Errorf("no way to replace the office director")
		}
		// The same form posted again is stale.
		resp, body = office.Post(replace, url.Values{"person_name": {"又一人"}, "on_date": {"2021-04-01"}, "version": {fmt.Sprint(e.MemberFinance.Version)}})
		orgWant(t, "replace twice", resp, body, 409, `value="又一人"`)
	})
}

func TestOrgDutiesMoveAndDeleteThroughThePages(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		city := fmt.Sprintf("/org/bodies/%d", e.City.ID)
		office := e.as("city-office")
		ctx := context.Background()
		resp, body := office.Post(city+"/duties/new", url.Values{"scope": {"common"}, "text": {"第三条职责"}})
		orgWant(t, "add duty", resp, body, http.StatusSeeOther)
		common := func() []org.Duty {
			ds, err := org.FindDuties(ctx, e.app.DB.R(), e.City.ID)
			if err != nil {
				t.Fatal(err)
			}
			return org.GroupDuties(ds)[0].Duties
		}
		ds := common()
		if len(ds) != 3 || ds[2].Text != "第三条职责" || ds[2].Seq != 3 {
			t.Fatalf("common duties %+v", ds)
		}
		move := fmt.Sprintf("%s/duties/%d/move", city, ds[2].ID)
		resp, body = office.Post(move, url.Values{"direction": {"up"}, "version": {fmt.Sprint(ds[2].Version)}})
		orgWant(t, "move up", resp, body, http.StatusSeeOther)
		if got := common(); got[1].Text != "第三条职责" || got[1].Seq != 2 {
			t.Errorf("after move up: %+v", got)
		}
		// The same button from a stale page is refused.
		resp, body = office.Post(move, url.Values{"direction": {"up"}, "version": {fmt.Sprint(ds[2].Version)}})
		orgWant(t, "stale move", resp, body, 409, "已被他人修改")
		_, body = office.Get(city)
		if i, j := strings.Index(body, "第三条职责"), strings.Index(body, "按时报送本单位工作进展和年度总结。"); i < 0 || j < 0 || i > j {
			t.Errorf("body page order wrong")
		}
		cur := common()
		resp, body = office.Post(fmt.Sprintf("%s/duties/%d/delete", city, cur[0].ID), url.Values{"version": {fmt.Sprint(cur[0].Version)}})
		orgWant(t, "delete", resp, body, http.StatusSeeOther)
		if got := common(); len(got) != 2 || got[0].Text != "第三条职责" || got[0].Seq != 1 || got[1].Seq != 2 {
			t.Errorf("after delete: %+v", got)
		}
	})
}

func TestOrgExportsDownloadWorkbooks(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		city := fmt.Sprintf("/org/bodies/%d", e.City.ID)
		leader := e.as("city-leader")
		resp, body := leader.Get(city + "/roster.xlsx?date=2021-01-01")
		if resp.StatusCode != 200 {
			t.Fatalf("roster.xlsx: %d %s", resp.StatusCode, orgSnippet(body))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("content type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''") {
			t.Errorf("content disposition %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("成员名单")
		if len(rows) < 3 || rows[2][2] != "侯刚" {
			t.Errorf("roster rows %q", rows)
		}
		var n int
		if err := e.app.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'export.roster'
			AND actor_name = 'city-leader'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("export.roster audit rows = %d, %v", n, err)
		}

		liaison := e.as("edu-liaison")
		resp, body = liaison.Get(city + "/liaisons.xlsx")
		if resp.StatusCode != 200 {
			t.Fatalf("liaisons.xlsx: %d", resp.StatusCode)
		}
		f, err = excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		lrows, _ := f.GetRows("联络员名单")
		joined := fmt.Sprint(lrows)
		if !strings.Contains(joined, "138****8000") || strings.Contains(joined, "13800008000") || !strings.Contains(joined, "13900001111") {
			t.Errorf("liaison export not masked for a liaison: %s", joined)
		}
		// Out of scope: no file.
		resp, _ = e.as("county-office").Get(city + "/roster.xlsx")
		if resp.StatusCode != 404 || resp.Header.Get("Content-Disposition") != "" {
			t.Errorf("county office export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
	})
}

func TestOrgRegionsSubordinatesAndUnitExport(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		city := fmt.Sprintf("/org/bodies/%d", e.City.ID)
		office := e.as("city-office")

		// A new district under the city, then its leading group.
		resp, body := office.Post("/org/regions", url.Values{"parent_id": {fmt.Sprint(e.Liuzhou.ID)}, "level": {"county"},
			"code": {"450202"}, "name": {"城中区"}})
		orgWant(t, "new region", resp, body, http.StatusSeeOther)
		resp, body = office.Post("/org/regions", url.Values{"parent_id": {fmt.Sprint(e.Liuzhou.ID)}, "level": {"county"},
			"code": {"450202"}, "name": {"重复区"}})
		orgWant(t, "duplicate region code", resp, body, 422, "行政区划代码450202已存在", `value="重复区"`)
		resp, body = e.as("county-office").Post("/org/regions", url.Values{"parent_id": {fmt.Sprint(e.Liuzhou.ID)},
			"level": {"county"}, "code": {"450203"}, "name": {"鱼峰区"}})
		orgWant(t, "county office adds a sibling region", resp, body, 422, "只能在本机构所在行政区划之下新增行政区划")

		if _, page := office.Get("/org/regions"); !strings.Contains(page, "城中区") {
			t.Error("new region not listed")
		}
		var district string
		if err := e.app.DB.R().QueryRowContext(context.Background(), `SELECT CAST(id AS TEXT) FROM regions WHERE code = '450202'`).Scan(&district); err != nil {
			t.Fatal(err)
		}
		resp, body = office.Post(city+"/subordinates/new", url.Values{"kind": {"leading_group"}, "region_id": {district},
			"name": {"城中区全民科学素质工作领导小组"}})
		orgWant(t, "new subordinate body", resp, body, http.StatusSeeOther)
		_, body = office.Get(city + "/subordinates")
		if !strings.Contains(body, "共 3 个下级机构") || !strings.Contains(body, "城中区全民科学素质工作领导小组") {
			t.Errorf("subordinates after creation:\n%s", orgSnippet(body))
		}
		resp, body = office.Post(city+"/subordinates/new", url.Values{"kind": {"leading_group"}, "region_id": {district}, "name": {"第二个"}})
		orgWant(t, "second group in a region", resp, body, 422, "该行政区划已有全民科学素质工作领导小组", `value="第二个"`)
		resp, body = e.as("county-office").Get(city + "/subordinates/new")
		orgWant(t, "county office opens the city's form", resp, body, 404)

		// The filtered unit list exports as shown, all pages.
		resp, body = office.Get("/org/units.xlsx?kind=people_org")
		if resp.StatusCode != 200 {
			t.Fatalf("units.xlsx: %d %s", resp.StatusCode, orgSnippet(body))
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("单位名录")
		if len(rows) != 2+3 || rows[1][1] != "单位名称" || !strings.Contains(fmt.Sprint(rows), "柳州市科协") {
			t.Errorf("unit export rows %q", rows)
		}
	})
}
