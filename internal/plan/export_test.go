package plan_test

import (
	"bytes"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/plan"
	"liandong/internal/plan/extract"
	"liandong/internal/plan/source"
	"liandong/internal/testkit"
)

const sheet = "重点任务分解表"

func openXLSX(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func cell(t *testing.T, x *excelize.File, axis string) string {
	t.Helper()
	v, err := x.GetCellValue(sheet, axis)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mergedRanges(t *testing.T, x *excelize.File) []string {
	t.Helper()
	ms, err := x.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	slices.Sort(out)
	return out
}

// readBack reads an exported workbook the way an uploaded one is read.
func readBack(t *testing.T, data []byte) (*source.Document, extract.Result) {
	t.Helper()
	doc, err := source.Read("分解表.xlsx", bytes.NewReader(data), source.DefaultLimits)
	if err != nil {
		t.Fatalf("the exported table does not read back: %v", err)
	}
	return doc, extract.Extract(doc.Text)
}

func tasksOf(r extract.Result) []extract.Item {
	var out []extract.Item
	for _, it := range r.Items {
		if it.Kind == extract.KindTask {
			out = append(out, it)
		}
	}
	return out
}

// withNil makes an empty list comparable to a nil one.
func withNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestExportTableLayout(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		tab, err := f.svc.Table(f.office, p.ID, plan.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		// A task added by hand, with its own text, a time and a target.
		sec := task(t, tab.Items, "全民科普日活动")
		if _, err := f.svc.AddItem(f.office, p.ID, plan.ItemInput{ParentID: sec.ID, Marker: "2.", Title: "开展科普讲座",
			Content: "面向社区居民。", Schedule: "9月", Lead: []int64{f.w.Kexie.ID}, Responsible: []int64{f.w.Finance.ID},
			Targets: []plan.Target{{Text: "全年不少于30场", Value: 30}}}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.svc.ExportTable(f.office, p.ID, plan.Filter{}, &buf); err != nil {
			t.Fatal(err)
		}
		x := openXLSX(t, buf.Bytes())
		if got := cell(t, x, "A1"); got != "《柳州市科学素质提升行动方案》重点任务分解表" {
			t.Errorf("title = %q", got)
		}
		rows, err := x.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"工作任务", "主要内容", "牵头单位", "责任单位", "开展时间", "量化指标", "状态"}; !slices.Equal(rows[1], want) {
			t.Errorf("header = %q", rows[1])
		}
		want := [][]string{
			{"(一)青少年科学素质提升行动", "1.开展校园科技节。每年举办校园科技活动不少于200场次。", "柳州市教育局",
				"柳州市科学技术协会、柳州市科学技术局、各县(区)人民政府", "2021—2025年", "每年举办校园科技活动不少于200场次", "进行中"},
			{"", "2.培训科技辅导员。每年培训科技辅导员100名。", "柳州市教育局", "柳州市科学技术协会、市青少年宫", "2021—2025年",
				"每年培训科技辅导员100名", "进行中"},
			{"(二)全民科普日活动", "1.组织全国科普日柳州活动", "柳州市科学技术协会"},
			{"", "2.开展科普讲座。面向社区居民。", "柳州市科学技术协会", "柳州市财政局", "9月", "全年不少于30场", "进行中"},
		}
		if len(rows) != 2+len(want) {
			t.Fatalf("rows = %q", rows)
		}
		for i, w := range want {
			got := rows[2+i]
			if i == 2 {
				got = got[:3] // the five member units follow; checked below
			}
			if !slices.Equal(got, w) {
				t.Errorf("row %d = %q\nwant     %q", i+3, got, w)
			}
		}
		if n := len(strings.Split(rows[4][3], "、")); n != 5 {
			t.Errorf("every member unit: %q", rows[4][3])
		}
		// The title spans the table; each category runs down beside its tasks.
		if got, want := mergedRanges(t, x), []string{"A1:G1", "A3:A4", "A5:A6"}; !slices.Equal(got, want) {
			t.Errorf("merged = %v, want %v", got, want)
		}
		lay, err := x.GetPageLayout(sheet)
		if err != nil || *lay.Orientation != "landscape" || *lay.Size != 9 || *lay.FitToWidth != 1 {
			t.Errorf("page = %+v %v, want A4 landscape one page wide", lay, err)
		}
		var titles string
		for _, dn := range x.GetDefinedName() {
			if dn.Name == "_xlnm.Print_Titles" {
				titles = dn.RefersTo
			}
		}
		if titles != "'"+sheet+"'!$2:$2" {
			t.Errorf("print titles = %q, want the header row on every page", titles)
		}
		var n int
		if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'export.plan'
			AND object_type = 'plan' AND object_id = $1`, strconv.FormatInt(p.ID, 10)).Scan(&n); err != nil || n != 1 {
			t.Errorf("export audited %d times, %v", n, err)
		}
	})
}

// D3: a unit name that is a formula stays text in the file.
func TestExportTableCellsStayText(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		evil := `=HYPERLINK("http://example.com/x","点击查看")`
		var u *org.Unit
		err := d.InTx(context.Background(), func(tx *sql.Tx) error {
			var err error
			u, err = org.InsertUnit(context.Background(), tx, f.clock.Now(), org.UnitInput{RegionID: f.w.Liuzhou.ID, Name: evil,
				Kind: org.UnitKind("other")})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.CreatePlan(f.office, f.planInput())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddItem(f.office, p.ID, plan.ItemInput{Marker: "1.", Title: "+任务", Schedule: "-1月",
			Lead: []int64{u.ID}}); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.svc.ExportTable(f.office, p.ID, plan.Filter{}, &buf); err != nil {
			t.Fatal(err)
		}
		x := openXLSX(t, buf.Bytes())
		for axis, want := range map[string]string{"C3": "'" + evil, "E3": "'-1月"} {
			if fm, _ := x.GetCellFormula(sheet, axis); fm != "" {
				t.Errorf("%s holds the formula %q", axis, fm)
			}
			if typ, _ := x.GetCellType(sheet, axis); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
				t.Errorf("%s has cell type %v, want text", axis, typ)
			}
			if got := cell(t, x, axis); got != want {
				t.Errorf("%s = %q, want %q", axis, got, want)
			}
		}
	})
}

func TestExportTableScope(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		for who, ctx := range map[string]context.Context{"county office": f.county, "liaison (draft)": f.edu} {
			var buf bytes.Buffer
			if err := f.svc.ExportTable(ctx, p.ID, plan.Filter{}, &buf); core.ErrorCode(err) != core.ENOTFOUND || buf.Len() != 0 {
				t.Errorf("%s exported the plan: %v, %d bytes", who, err, buf.Len())
			}
		}
		var n int
		if err := d.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'export.plan'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("refused exports audited as exports: %d %v", n, err)
		}
		// A unit's filtered table keeps its tasks under their headings.
		var buf bytes.Buffer
		if err := f.svc.ExportTable(f.leader, p.ID, plan.Filter{UnitID: f.w.Finance.ID}, &buf); err != nil {
			t.Fatal(err)
		}
		rows, _ := openXLSX(t, buf.Bytes()).GetRows(sheet)
		if len(rows) != 3 || rows[2][0] != "(二)全民科普日活动" {
			t.Errorf("finance's tasks: %q", rows)
		}
	})
}

// The exported table, read back like an uploaded file and imported again,
// gives the same tasks with the same units and times.
func TestExportTableRoundTripThroughImport(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		p := f.importPlan(t)
		var buf bytes.Buffer
		if err := f.svc.ExportTable(f.office, p.ID, plan.Filter{}, &buf); err != nil {
			t.Fatal(err)
		}
		doc, res := readBack(t, buf.Bytes())
		pv, err := f.svc.Review(f.office, f.w.City.ID, res)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pv.Names {
			if !m.Resolved() {
				t.Errorf("name %q read back does not resolve (%s)", m.Written, m.How)
			}
		}
		in := f.planInput()
		in.Title += "（修订）"
		again, err := f.svc.Import(f.office, plan.ImportInput{Plan: in, SourceName: doc.Name, Text: doc.Text, Result: pv.Result})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := f.svc.Table(f.office, p.ID, plan.Filter{})
		after, _ := f.svc.Table(f.office, again.ID, plan.Filter{})
		var was, is []plan.Item
		for _, it := range before.Items {
			if it.Kind == plan.Task {
				was = append(was, it)
			}
		}
		for _, it := range after.Items {
			if it.Kind == plan.Task {
				is = append(is, it)
			}
		}
		if len(is) != len(was) {
			t.Fatalf("%d tasks read back, want %d:\n%s", len(is), len(was), doc.Text)
		}
		body := f.w.City.ID
		for i, w := range was {
			g := is[i]
			schedule := w.Schedule
			if schedule == "" {
				schedule = p.Period()
			}
			if g.Title != w.Title || g.Schedule != schedule ||
				!slices.Equal(g.Units(body, plan.Lead), w.Units(body, plan.Lead)) ||
				!slices.Equal(g.Units(body, plan.Responsible), w.Units(body, plan.Responsible)) ||
				g.CascadeText(plan.Responsible) != w.CascadeText(plan.Responsible) || len(g.Cascades) != len(w.Cascades) ||
				len(g.Targets) != len(w.Targets) {
				t.Errorf("task %d read back as\n%q %q lead %v resp %v cascade %q targets %v\nwant\n%q %q lead %v resp %v cascade %q targets %v",
					i+1, g.Title, g.Schedule, g.Units(body, plan.Lead), g.Units(body, plan.Responsible), g.CascadeText(plan.Responsible), g.Targets,
					w.Title, schedule, w.Units(body, plan.Lead), w.Units(body, plan.Responsible), w.CascadeText(plan.Responsible), w.Targets)
			}
		}
		if fest := task(t, after.Items, "开展校园科技节"); len(fest.Targets) != 1 || fest.Targets[0].Value != 200 {
			t.Errorf("targets read back: %+v", fest.Targets)
		}
		if sec := task(t, after.Items, "青少年科学素质提升行动"); sec.Kind == plan.Task {
			t.Errorf("category read back as a task: %+v", sec)
		}
	})
}

// seed003Table has the shape of seed 003's 附件2 (攻坚方案 重点任务分解表): five
// categories of two to four tasks, several lead units to a task, long lists
// of responsible units written with the city prefix, every member unit,
// and times by month. The unit names and times are the seed's; the
// wording of the tasks is ours.
func seed003Table() *plan.Table {
	p := &plan.Plan{ID: 1, BodyID: 7, Title: "2020年柳州市全民科学素质行动攻坚方案", YearFrom: 2020, YearTo: 2020}
	var items []plan.Item
	id := int64(0)
	var cat int64
	section := func(marker, title string) {
		id++
		cat = id
		items = append(items, plan.Item{ID: id, Kind: plan.Project, Marker: marker, Title: title, Status: plan.Open})
	}
	add := func(marker, title, content, schedule string, lead, resp []string) {
		id++
		it := plan.Item{ID: id, ParentID: cat, Kind: plan.Task, Marker: marker, Title: title, Content: content,
			Schedule: schedule, Status: plan.Open}
		for _, n := range lead {
			it.Assignments = append(it.Assignments, plan.Assignment{BodyID: 7, UnitName: n, Role: plan.Lead})
		}
		for _, n := range resp {
			it.Assignments = append(it.Assignments, plan.Assignment{BodyID: 7, UnitName: n, Role: plan.Responsible})
		}
		items = append(items, it)
	}
	section("(一)", "实施科普活动品牌工程")
	add("1.", "举办科技活动周", "组织系列科技活动，激发公众参与热情。", "5月中下旬", []string{"市科技局"},
		[]string{"市委宣传部", "市发展改革委", "市教育局", "市工业和信息化局", "市人力资源社会保障局", "市总工会", "市妇联", "市社科联", "市科协", "团市委"})
	add("2.", "举办科普联合行动", "开展基层、基地、校园联合行动，全年不少于50场。", "5-9月", []string{"市科协"}, []string{"领导小组各成员单位"})
	section("(二)", "实施青少年科学教育工程")
	add("1.", "提高校内科学教育质量", "", "1-12月", []string{"市教育局"}, []string{"市科协", "市科技局"})
	add("2.", "开展校外科学教育活动", "办好科技节和创新大赛。", "1-12月", []string{"市教育局", "市科协", "市科技局"},
		[]string{"市委宣传部", "市卫生健康委", "市文化广电旅游局", "市应急局", "市气象局", "团市委"})
	add("3.", "整合社会科普资源", "发挥场馆和基地作用。", "1-12月", []string{"市教育局", "市科协"},
		[]string{"市委宣传部", "市科技局", "市卫生健康委"})
	add("4.", "指导家庭科普教育", "", "1-12月", []string{"市教育局", "市妇联", "市科协"}, []string{"市科技局", "市关工委"})
	section("(三)", "实施农民科学素质提升工程")
	add("1.", "开展农业科技培训", "培训新型职业农民。", "1-12月", []string{"市农业农村局"}, []string{"市教育局", "市科技局", "团市委", "市妇联", "市科协"})
	add("2.", "开展农村科普活动", "", "1-12月", []string{"市委宣传部", "市科协", "市财政局", "市农业农村局"}, []string{"市民政局", "市林业局"})
	section("(四)", "实施职工技能培训工程")
	add("1.", "实施职业技能培训计划", "", "1-12月", []string{"市人力资源社会保障局", "市工业和信息化局"}, []string{"市委宣传部", "市总工会"})
	section("(五)", "实施公务人员科学素质工程")
	add("1.", "强化统筹规划", "把科学素质列入干部培训规划。", "1-12月", []string{"市委组织部"}, []string{"市人力资源社会保障局", "市委党校"})
	add("2.", "开展科普进机关活动", "", "", []string{"市委组织部", "市人力资源社会保障局"}, []string{"市科协"})
	return &plan.Table{Plan: p, Items: items}
}

func TestWriteTableSeed003RoundTrip(t *testing.T) {
	tab := seed003Table()
	var buf bytes.Buffer
	if err := plan.WriteTable(&buf, tab); err != nil {
		t.Fatal(err)
	}
	x := openXLSX(t, buf.Bytes())
	if got, want := mergedRanges(t, x), []string{"A12:A13", "A1:G1", "A3:A4", "A5:A8", "A9:A10"}; !slices.Equal(got, want) {
		t.Errorf("merged = %v, want %v", got, want)
	}
	if got := cell(t, x, "B4"); got != "2.举办科普联合行动。开展基层、基地、校园联合行动，全年不少于50场。" {
		t.Errorf("B4 = %q", got)
	}
	if got := cell(t, x, "C6"); got != "市教育局、市科协、市科技局" {
		t.Errorf("C6 = %q", got)
	}
	_, res := readBack(t, buf.Bytes())
	got := tasksOf(res)
	var want []plan.Item
	for _, it := range tab.Items {
		if it.Kind == plan.Task {
			want = append(want, it)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d tasks read back, want %d: %+v", len(got), len(want), res.Items)
	}
	for i, w := range want {
		g := got[i]
		schedule := w.Schedule
		if schedule == "" {
			schedule = "2020年"
		}
		if g.Title != w.Title || g.Schedule != schedule || !slices.Equal(withNil(g.Lead), w.Units(7, plan.Lead)) ||
			!slices.Equal(withNil(g.Responsible), w.Units(7, plan.Responsible)) {
			t.Errorf("task %d read back as %q %q lead %q resp %q\nwant %q %q lead %q resp %q", i+1,
				g.Title, g.Schedule, g.Lead, g.Responsible, w.Title, schedule, w.Units(7, plan.Lead), w.Units(7, plan.Responsible))
		}
	}
	var cats []string
	for _, it := range res.Items {
		if it.Kind == extract.KindSection {
			cats = append(cats, strings.Join(it.Path, "")+it.Title)
		}
	}
	if want := []string{"(一)实施科普活动品牌工程", "(二)实施青少年科学教育工程", "(三)实施农民科学素质提升工程",
		"(四)实施职工技能培训工程", "(五)实施公务人员科学素质工程"}; !slices.Equal(cats, want) {
		t.Errorf("categories read back = %q", cats)
	}
	if it := got[1]; len(it.Targets) != 1 || it.Targets[0].Value != 50 {
		t.Errorf("target in the task's text: %+v", it.Targets)
	}
}

// Plans whose markers do not fit a table (a task numbered "(一)" directly
// under "四、", a category numbered "1.", the same category marker in two
// parts) are numbered by the table itself, and still read back task by
// task.
func TestWriteTableNumbersItselfWhenMarkersDoNotFit(t *testing.T) {
	p := &plan.Plan{ID: 1, BodyID: 7, Title: "某州科学素质行动实施方案", YearFrom: 2021, YearTo: 2025}
	items := []plan.Item{
		{ID: 1, Kind: plan.Section, Marker: "二、", Title: "实施提升行动"},
		{ID: 2, ParentID: 1, Kind: plan.ActionGroup, Marker: "(一)", Title: "青少年科学素质提升行动"},
		{ID: 3, ParentID: 2, Kind: plan.Task, Marker: "1.", Title: "加强科学教育", Schedule: "2021至2025年"},
		{ID: 4, ParentID: 2, Kind: plan.Task, Marker: "2.", Title: "培育后备人才"},
		{ID: 5, Kind: plan.Section, Marker: "三、", Title: "实施重点工程"},
		{ID: 6, ParentID: 5, Kind: plan.Project, Marker: "(一)", Title: "科普信息化工程"},
		{ID: 7, ParentID: 6, Kind: plan.Section, Marker: "1.", Title: "支持科普创作"},
		{ID: 8, ParentID: 7, Kind: plan.Task, Marker: "(1)", Title: "扶持原创作品"},
		{ID: 9, ParentID: 7, Kind: plan.Task, Marker: "(2)", Title: "办好科普栏目"},
		{ID: 10, Kind: plan.Section, Marker: "四、", Title: "强化组织保障"},
		{ID: 11, ParentID: 10, Kind: plan.Task, Marker: "(一)", Title: "加强组织领导", Schedule: "长期"},
		{ID: 12, ParentID: 10, Kind: plan.Task, Marker: "(二)", Title: "加大经费投入"},
	}
	units := map[int64][2][]string{
		3: {{"州教育局"}, {"州科协", "团州委"}}, 4: {{"州教育局"}, {"州科技局"}}, 8: {{"州委宣传部"}, {"州科协"}},
		9: {{"州委宣传部"}, {"州广播电视台"}}, 11: {{"州科协"}, {"州委组织部"}}, 12: {{"州财政局"}, {"州科技局", "州科协"}},
	}
	for i := range items {
		items[i].Status = plan.Open
		for r, names := range units[items[i].ID] {
			role := plan.Lead
			if r == 1 {
				role = plan.Responsible
			}
			for _, n := range names {
				items[i].Assignments = append(items[i].Assignments, plan.Assignment{BodyID: 7, UnitName: n, Role: role})
			}
		}
	}
	items[11].Cascades = []plan.Cascade{{Role: plan.Responsible, WrittenAs: "各县(市)政府"}}
	var buf bytes.Buffer
	if err := plan.WriteTable(&buf, &plan.Table{Plan: p, Items: items}); err != nil {
		t.Fatal(err)
	}
	rows, err := openXLSX(t, buf.Bytes()).GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var colA, colB []string
	for _, r := range rows[2:] {
		colA, colB = append(colA, r[0]), append(colB, r[1])
	}
	if want := []string{"(一)青少年科学素质提升行动", "", "(二)支持科普创作", "", "(三)强化组织保障", ""}; !slices.Equal(colA, want) {
		t.Errorf("categories = %q, want %q", colA, want)
	}
	if want := []string{"1.加强科学教育", "2.培育后备人才", "(1)扶持原创作品", "(2)办好科普栏目", "1.加强组织领导", "2.加大经费投入"}; !slices.Equal(colB, want) {
		t.Errorf("tasks = %q, want %q", colB, want)
	}
	if got := rows[7][3]; got != "州科技局、州科协、各县(市)政府" {
		t.Errorf("responsible with the cascade = %q", got)
	}
	_, res := readBack(t, buf.Bytes())
	got := tasksOf(res)
	wantTitles := []string{"加强科学教育", "培育后备人才", "扶持原创作品", "办好科普栏目", "加强组织领导", "加大经费投入"}
	wantTimes := []string{"2021至2025年", "2021—2025年", "2021—2025年", "2021—2025年", "长期", "2021—2025年"}
	if len(got) != len(wantTitles) {
		t.Fatalf("tasks read back: %+v", res.Items)
	}
	for i, g := range got {
		id := []int64{3, 4, 8, 9, 11, 12}[i]
		resp := units[id][1]
		if id == 12 {
			resp = append(slices.Clone(resp), "各县(市)政府")
		}
		if g.Title != wantTitles[i] || g.Schedule != wantTimes[i] || !slices.Equal(g.Lead, units[id][0]) || !slices.Equal(g.Responsible, resp) {
			t.Errorf("task %d read back as %q %q lead %q resp %q", i+1, g.Title, g.Schedule, g.Lead, g.Responsible)
		}
	}
}
