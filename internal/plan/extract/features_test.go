package extract

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// cleanText is what the extractor reads of s.
func cleanText(s string) string {
	n, _ := normalize(s)
	c, _ := dropFurniture(n)
	return c
}

// checkSources verifies each item's Source against the text as given: the
// span is inside it, its line number is right, and the slice, read as the
// extractor reads it, starts with the item's heading marker and holds the
// words of its title in order. It returns a failure message, or "".
func checkSources(text string, res Result) string {
	if len(text) > MaxInput {
		text = text[:MaxInput]
	}
	li := newLineIndex(text)
	for _, it := range res.Items {
		for _, src := range []*Source{&it.Source, it.TableSource} {
			if src == nil {
				continue
			}
			if src.Start < 0 || src.Start > src.End || src.End > len(text) {
				return "span out of the text: " + strings.Join(it.Path, "/")
			}
			if src.Line != li.line(src.Start) || src.Line < 1 {
				return "wrong line: " + strings.Join(it.Path, "/")
			}
		}
		clean := cleanText(text[it.Source.Start:it.Source.End])
		if !startsWithMarker(clean, it.Path[len(it.Path)-1]) {
			return "source of " + strings.Join(it.Path, "/") + " does not start with its marker: " + firstRunes(clean, 20)
		}
		slice := squeeze(clean)
		if !subsequence(squeeze(it.Title), slice) {
			return "source of " + strings.Join(it.Path, "/") + " does not hold its title " + it.Title
		}
		if ts := it.TableSource; ts != nil && !startsWithMarker(cleanText(text[ts.Start:ts.End]), "") {
			return "table source of " + strings.Join(it.Path, "/") + " does not start with a marker"
		}
	}
	return ""
}

// startsWithMarker reports whether clean starts with a heading marker (the
// marker want, unless want is ""). Prose is read as it stands; a table cell
// broken across lines is read joined up, so both readings are tried.
func startsWithMarker(clean, want string) bool {
	for _, s := range []string{strings.TrimLeft(clean, " \t\n"), squeeze(clean)} {
		if m, ok := readMarker(s); ok && (want == "" || m.text == want) {
			return true
		}
	}
	return false
}

// subsequence reports whether the runes of a appear in b in order: a title
// is the heading's words with any role parenthesis inside them cut out.
func subsequence(a, b string) bool {
	for _, r := range a {
		i := strings.IndexRune(b, r)
		if i < 0 {
			return false
		}
		b = b[i+len(string(r)):]
	}
	return true
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

// TestSourceOffsets slices the original text at every item's Source, for
// every fixture, the seeds when present, and texts whose cleaning moves
// offsets (CRLF, full-width forms, entities, tags, page numbers).
func TestSourceOffsets(t *testing.T) {
	docs := map[string]string{
		"crlf":     "\ufeff一、总体要求\r\n（一）目标\r\n１．任务甲。（牵头单位：市科协）\r\n⑵任务乙\r\n",
		"lone-cr":  "一、甲\r(一)乙\r1.丙",
		"entities": "<p>&#x4E00;、甲</p><p>&nbsp;&nbsp;⒈乙&emsp;。（责任单位：市科协）</p><p>&#40;2&#41;丙</p>",
		"pages":    "1.社区科普\n牵头单位：县科协、县民政\n- 7 -\n局\n第 3 页 共 12 页\n2.校园科普。责任单位：县教育局。- 8 -3.科技周。",
		"invalid":  "1.甲\xff\xfe。\n\u200b2.乙\u3000。(责任单位:市\x00科协)",
	}
	files, _ := filepath.Glob("testdata/fixtures/*.txt")
	seeds, _ := filepath.Glob(filepath.Join(seedsDir(), "00[0-4]_*.txt"))
	for _, f := range append(files, seeds...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = string(b)
	}
	for name, text := range docs {
		res := Extract(text)
		if len(res.Items) == 0 {
			t.Errorf("%s: no items", name)
		}
		if msg := checkSources(text, res); msg != "" {
			t.Errorf("%s: %s", name, msg)
		}
	}
	// The span is the item as written: a full-width heading keeps its form.
	text := "前言\n（二）科普进社区。（牵头单位：市科协）\n"
	it := Extract(text).Items[0]
	if got := text[it.Source.Start:it.Source.End]; got != "（二）科普进社区。（牵头单位：市科协）" || it.Source.Line != 2 {
		t.Errorf("source %q line %d", got, it.Source.Line)
	}
}

func TestParseSchedule(t *testing.T) {
	w := func(fy, fm, fd, ty, tm, td int, rec bool) Window {
		return Window{fy, fm, fd, ty, tm, td, rec}
	}
	cases := []struct {
		in   string
		year int
		want Window
	}{
		{"5月中下旬", 0, w(0, 5, 11, 0, 5, 31, false)},
		{"5月中下旬", 2020, w(2020, 5, 11, 2020, 5, 31, false)},
		{"5月上旬", 0, w(0, 5, 1, 0, 5, 10, false)},
		{"9月下旬", 0, w(0, 9, 21, 0, 9, 30, false)},
		{"5-9月", 0, w(0, 5, 1, 0, 9, 30, false)},
		{"5—9月", 0, w(0, 5, 1, 0, 9, 30, false)},
		{"3月至5月", 2024, w(2024, 3, 1, 2024, 5, 31, false)},
		{"1-12月", 0, w(0, 1, 1, 0, 12, 31, false)},
		{"2月", 0, w(0, 2, 1, 0, 2, 29, false)},
		{"2月", 2023, w(2023, 2, 1, 2023, 2, 28, false)},
		{"2022至2025年", 0, w(2022, 1, 1, 2025, 12, 31, false)},
		{"2022—2025年", 0, w(2022, 1, 1, 2025, 12, 31, false)},
		{"2022年-2025年底", 0, w(2022, 1, 1, 2025, 12, 31, false)},
		{"２０２２ 至 ２０２５ 年", 0, w(2022, 1, 1, 2025, 12, 31, false)},
		{"2023年3月-2024年6月", 0, w(2023, 3, 1, 2024, 6, 30, false)},
		{"3月1日—4月15日", 2024, w(2024, 3, 1, 2024, 4, 15, false)},
		{"3月1-15日", 0, w(0, 3, 1, 0, 3, 15, false)},
		{"每年3月", 0, w(0, 3, 1, 0, 3, 31, true)},
		{"每年5月中下旬", 2024, w(2024, 5, 11, 2024, 5, 31, true)},
		{"每年", 0, w(0, 1, 1, 0, 12, 31, true)},
		{"上半年", 0, w(0, 1, 1, 0, 6, 30, false)},
		{"下半年", 2024, w(2024, 7, 1, 2024, 12, 31, false)},
		{"2024年上半年", 0, w(2024, 1, 1, 2024, 6, 30, false)},
		{"第三季度", 0, w(0, 7, 1, 0, 9, 30, false)},
		{"年底前", 0, w(0, 0, 0, 0, 12, 31, false)},
		{"年底前", 2024, w(0, 0, 0, 2024, 12, 31, false)},
		{"12月底前", 0, w(0, 0, 0, 0, 12, 31, false)},
		{"6月30日前", 0, w(0, 0, 0, 0, 6, 30, false)},
		{"2025年底前", 0, w(0, 0, 0, 2025, 12, 31, false)},
		{"2022年6月底前", 0, w(0, 0, 0, 2022, 6, 30, false)},
		{"2023年", 0, w(2023, 1, 1, 2023, 12, 31, false)},
		{"2024年起", 0, w(2024, 1, 1, 0, 0, 0, false)},
		{"全年", 2024, w(2024, 1, 1, 2024, 12, 31, false)},
		{"“十四五”期间", 0, w(2021, 1, 1, 2025, 12, 31, false)},
		{"在5-9月汛期开展", 0, w(0, 5, 1, 0, 9, 30, false)},
	}
	for _, c := range cases {
		got, ok := ParseSchedule(c.in, c.year)
		if !ok || got != c.want {
			t.Errorf("ParseSchedule(%q, %d) = %+v %v, want %+v", c.in, c.year, got, ok, c.want)
		}
	}
	for _, none := range []string{"", "长期", "持续推进", "常态化", "长期坚持", "13月", "9-5月", "2月30日", "第3名", "100人", "2026-2022年"} {
		if got, ok := ParseSchedule(none, 2024); ok {
			t.Errorf("ParseSchedule(%q) = %+v, want no window", none, got)
		}
	}
	win, _ := ParseSchedule("5月中下旬", 2020)
	if win.From() != "2020-05-11" || win.To() != "2020-05-31" {
		t.Errorf("From/To %q %q", win.From(), win.To())
	}
	win, _ = ParseSchedule("12月底前", 0)
	if win.From() != "" || win.To() != "12-31" {
		t.Errorf("From/To %q %q", win.From(), win.To())
	}
}

func TestScheduleInText(t *testing.T) {
	for in, want := range map[string]string{
		"每年3月组织评选":          "每年3月",
		"在12月底前完成":          "12月底前",
		"2022年6月底前上线":       "2022年6月底前",
		"力争2025年底前建成":       "2025年底前",
		"上半年完成调研":           "上半年",
		"办公室 2021年9月10日":    "",
		"2021年9月10日前报送":     "2021年9月10日前",
		"2022至2024年，每年3月举办": "2022至2024年",
	} {
		if got := findSchedule(in); got != want {
			t.Errorf("findSchedule(%q) = %q, want %q", in, got, want)
		}
	}
	// A labelled schedule is taken as written, even when it names no date.
	items := Extract("1.开展宣传\n牵头部门：县卫生健康局\n完成时限：长期\n2.办展览\n牵头部门：县科协\n完成时间：5-9月").Items
	if items[0].Schedule != "长期" || items[0].Window != nil || items[1].Schedule != "5-9月" || items[1].Window == nil || items[1].Window.ToMonth != 9 {
		t.Errorf("labelled schedules %q %v, %q %v", items[0].Schedule, items[0].Window, items[1].Schedule, items[1].Window)
	}
}

func paths(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = strings.Join(it.Path, "/")
	}
	return out
}

func TestHeadingLevels(t *testing.T) {
	text := "第一部分 总体要求\n第一章 目标\n第一节 指标\n一、甲\n(一)乙\n1.丙\n(1)丁\n①戊\n②己\n第二章 任务\n一、庚\n第二部分 保障\n一、辛"
	want := []string{"第一部分", "第一部分/第一章", "第一部分/第一章/第一节", "第一部分/第一章/第一节/一、",
		"第一部分/第一章/第一节/一、/(一)", "第一部分/第一章/第一节/一、/(一)/1.", "第一部分/第一章/第一节/一、/(一)/1./(1)",
		"第一部分/第一章/第一节/一、/(一)/1./(1)/①", "第一部分/第一章/第一节/一、/(一)/1./(1)/②",
		"第一部分/第二章", "第一部分/第二章/一、", "第二部分", "第二部分/一、"}
	items := Extract(text).Items
	if got := paths(items); !reflect.DeepEqual(got, want) {
		t.Fatalf("paths\n got %q\nwant %q", got, want)
	}
	if items[0].Title != "总体要求" || items[1].Kind != KindSection || items[8].Kind != KindTask {
		t.Errorf("titles/kinds: %q %q %q", items[0].Title, items[1].Kind, items[8].Kind)
	}

	// Text whose line breaks were lost: a marker that continues the
	// numbering in force, or an enclosed numeral, is a heading anywhere;
	// other numbers inside a sentence are not.
	flat := "一、任务(一)科普进社区(1)建设活动室，参照第(一)项和表2.办理。(2)办讲座(3)建站二、保障㈠经费⒈落实预算统一、协调"
	want = []string{"一、", "一、/(一)", "一、/(一)/(1)", "一、/(一)/(2)", "一、/(一)/(3)", "二、", "二、/(一)", "二、/(一)/1."}
	if got := paths(Extract(flat).Items); !reflect.DeepEqual(got, want) {
		t.Errorf("flat paths\n got %q\nwant %q", got, want)
	}

	// Full-width and enclosed forms of every level give the same markers.
	for in, want := range map[string]string{"⒊甲": "3.", "㈥甲": "(六)", "⑴甲": "(1)", "①甲": "①", "❷甲": "②", "（十二）甲": "(十二)", "１２、甲": "12.", "十一、甲": "十一、", "第十章 甲": "第十章"} {
		items := Extract(in).Items
		if len(items) != 1 || items[0].Path[0] != want {
			t.Errorf("%q: %q, want %q", in, paths(items), want)
		}
	}
}

func TestPoints(t *testing.T) {
	text := "1.推进应急科普。一是组织演练，由区应急管理局牵头，区水务局配合；二是开展宣传月活动，由区消防救援大队负责；三是编印手册1万册。其他工作照常。（责任单位：区科协）\n2.开展活动：①进社区；②进学校。"
	items := Extract(text).Items
	if len(items) != 2 {
		t.Fatalf("%q", paths(items))
	}
	it := items[0]
	if len(it.Points) != 3 || it.Points[0].Marker != "一是" || it.Points[2].Text != "编印手册1万册" {
		t.Fatalf("points %+v", it.Points)
	}
	if !reflect.DeepEqual(it.Points[1].Lead, []string{"区消防救援大队"}) || !reflect.DeepEqual(it.Points[0].Responsible, []string{"区水务局"}) {
		t.Errorf("point roles %+v", it.Points)
	}
	// The item keeps its own units and those of every point.
	if !reflect.DeepEqual(it.Lead, []string{"区应急管理局", "区消防救援大队"}) || !reflect.DeepEqual(it.Responsible, []string{"区科协", "区水务局"}) {
		t.Errorf("item roles %q %q", it.Lead, it.Responsible)
	}
	if len(it.Targets) != 1 || it.Targets[0].Value != 10000 || it.Targets[0].Metric != "编印手册" {
		t.Errorf("targets %+v", it.Targets)
	}
	if p := items[1].Points; len(p) != 2 || p[0].Marker != "①" || p[1].Text != "进学校" {
		t.Errorf("circled points %+v", p)
	}
	// 统一是 is a word, and a lone 一是 is not a list.
	if p := Extract("1.坚持统一是原则，二是不重要").Items[0].Points; len(p) != 0 {
		t.Errorf("false points %+v", p)
	}
}

func TestRoleStyles(t *testing.T) {
	cases := []struct {
		in         string
		lead, resp []string
	}{
		{"1.甲\n牵头部门：区科协\n配合单位：区民政局、区财政局", []string{"区科协"}, []string{"区民政局", "区财政局"}},
		{"1.甲\n总牵头部门：市总工会\n协办单位：市人社局\n参加单位：市妇联", []string{"市总工会"}, []string{"市人社局", "市妇联"}},
		{"1.甲\n牵头单位：县教育局 配合单位：县科协", []string{"县教育局"}, []string{"县科协"}},
		{"1.甲。主办单位：区科技局；协办单位：区科协、区教育局。每年5月举办。", []string{"区科技局"}, []string{"区科协", "区教育局"}},
		{"1.甲。由市科技局、市教育局牵头，市财政局参加。", []string{"市科技局", "市教育局"}, []string{"市财政局"}},
		{"1.甲。县科协牵头，县文旅局参与。", []string{"县科协"}, []string{"县文旅局"}},
		{"1.甲。由区民政局牵头，区科协参加，各街道具体实施。", []string{"区民政局"}, []string{"区科协", "各街道"}},
		{"1.甲。由市科协主办，市教育局承办。", []string{"市科协"}, []string{"市教育局"}},
		{"1.甲。（市科协负责）", []string{"市科协"}, nil},
		{"1.甲。市科协负责，市教育局配合。", []string{"市科协"}, []string{"市教育局"}},
		{"1.甲。由市科协牵头，各区、县级市人民政府负责。", []string{"市科协"}, []string{"各区、县级市人民政府"}},
		{"1.甲。（牵头单位：市科协；配合单位：市教育局、市民政局）", []string{"市科协"}, []string{"市教育局", "市民政局"}},
		{"1.甲。（责任单位：市科协（牵头）、市教育局）", []string{"市科协"}, []string{"市教育局"}},
		{"1.甲。（责任单位：市卫生健康委、各区、县级市人民政府）", nil, []string{"市卫生健康委", "各区、县级市人民政府"}},
		{"1.甲。（责任单位：州教育局，各县（市、区）人民政府）", nil, []string{"州教育局", "各县(市、区)人民政府"}},
		{"1.甲。（牵头单位：市科协；联系人：王某，电话略）", []string{"市科协"}, nil},
		{"1.甲。（牵头单位：市科协，联系人：王某）", []string{"市科协"}, nil},
		{"1.甲。市科技局牵头，市农业农村局、区（县级市）政府参与。", []string{"市科技局"}, []string{"市农业农村局", "区(县级市)政府"}},
		{"1.甲\n牵头单位：区科协。联系人：周某。", []string{"区科协"}, nil},
		{"1.甲。【牵头单位】市卫生健康委【配合单位】市民政局、市老龄办", []string{"市卫生健康委"}, []string{"市民政局", "市老龄办"}},
		{"1.甲。（牵头：市委组织部；参与：市统计局）", []string{"市委组织部"}, []string{"市统计局"}},
		{"1.甲。责任分工：市文明办、市科协；配合：团市委。", nil, []string{"市文明办", "市科协", "团市委"}},
		{"1.甲。由市农业农村局会同市人社局、市科协负责。", []string{"市农业农村局"}, []string{"市人社局", "市科协"}},
		{"1.甲。牵头单位为市总工会，市人社局、市工信局配合。", []string{"市总工会"}, []string{"市人社局", "市工信局"}},
		{"1.甲。市科协为牵头单位。", []string{"市科协"}, nil},
		{"1.甲。主责部门为市科技局，市科协配合。", []string{"市科技局"}, []string{"市科协"}},
		{"1.甲。由市科协、市委宣传部共同牵头，市直各有关单位参与。", []string{"市科协", "市委宣传部"}, []string{"市直各有关单位"}},
		{"1.甲。责任单位：各县（市、区）人民政府，市科协负责指导。", []string{"市科协"}, []string{"各县(市、区)人民政府"}},
		{"1.甲。（责任单位：市科协〔牵头〕，市财政局）", []string{"市科协"}, []string{"市财政局"}},
		// Not assignments.
		{"1.落实《方案（2021—2025年）》。市科协（代章）", nil, nil},
		{"1.甲。区政府负责领导实施工作。", nil, nil},
		{"1.甲。牵头单位要加强督查，责任单位负责。", nil, nil},
		{"1.甲。各成员单位按职责分工负责。", nil, nil},
	}
	for _, c := range cases {
		items := Extract(c.in).Items
		if len(items) != 1 {
			t.Errorf("%q: %d items", c.in, len(items))
			continue
		}
		it := items[0]
		if c.lead == nil {
			c.lead = []string{}
		}
		if c.resp == nil {
			c.resp = []string{}
		}
		if !reflect.DeepEqual(it.Lead, c.lead) || !reflect.DeepEqual(it.Responsible, c.resp) {
			t.Errorf("%q:\n got lead %q resp %q\nwant lead %q resp %q", c.in, it.Lead, it.Responsible, c.lead, c.resp)
		}
	}
	// A bound word a few characters before the number still bounds it.
	if tg := findTargets("每个街道每季度至少举办讲座2场"); len(tg) != 1 || tg[0].Comparator != CmpGE || tg[0].Period != "每季度" {
		t.Errorf("至少 before the verb: %+v", tg)
	}
	// A 完成时限 inside the parenthesis still gives the schedule.
	it := Extract("1.甲。（牵头单位：市科协；完成时限：6月底前）").Items[0]
	if it.Schedule != "6月底前" || !reflect.DeepEqual(it.Lead, []string{"市科协"}) {
		t.Errorf("schedule in parenthesis: %q %q", it.Schedule, it.Lead)
	}
}

func TestPagesAndNoLineBreaks(t *testing.T) {
	for _, text := range []string{
		"1.甲。（责任单位：市科协）第 3 页 共 12 页2.乙。- 4 -3.丙。",
		"<p>1.甲</p><br/>&nbsp;- 5 -<p>2.乙。</p>共12页 第4页<p>3.丙</p>",
	} {
		items := Extract(text).Items
		if got := paths(items); !reflect.DeepEqual(got, []string{"1.", "2.", "3."}) {
			t.Errorf("%q: %q", text, got)
			continue
		}
		for _, it := range items {
			if strings.ContainsAny(it.Title, "页-") {
				t.Errorf("page number left in title %q", it.Title)
			}
		}
	}
	for _, s := range []string{"第 3 页 共 12 页", "第3页/共12页", "- 3 -", "—12—"} {
		if !isPageFurniture(s) {
			t.Errorf("isPageFurniture(%q) = false", s)
		}
	}
	// A dash between numbers is not a page number.
	if got := cleanText("5 - 9月开展。2022-2025年"); got != "5 - 9月开展。2022-2025年" {
		t.Errorf("cleaned %q", got)
	}
}

func TestAudience(t *testing.T) {
	for title, want := range map[string]string{
		"青少年科学素质提升行动":      "青少年",
		"实施少年强科普教育工程":      "青少年",
		"未成年人科学素质行动":       "青少年",
		"农民科学素质提升行动":       "农民",
		"提高农民工职业技能":        "城镇劳动者",
		"城镇劳动人口科学素质行动":     "城镇劳动者",
		"实施公务人员科学素质表率工程":   "领导干部和公务员",
		"领导干部和公务员科学素质提升行动": "领导干部和公务员",
		"企业职工技能提升行动":       "产业工人",
		"老年人科学素质提升行动":      "老年人",
		"服务社区居民":           "社区居民",
		"提升农村居民科学素质":       "农村居民",
		"关爱妇女儿童健康":         "妇女",
		"建设妇女儿童活动中心":       "",
		"用好青少年宫":           "",
		"科普基础设施工程":         "",
	} {
		if got := audienceOf(title); got != want {
			t.Errorf("audienceOf(%q) = %q, want %q", title, got, want)
		}
	}
	// A section gives its group to its tasks unless a task names its own.
	items := Extract("(一)青少年科学素质提升行动\n1.开展科技节\n2.关爱农村留守儿童和妇女\n(二)科普设施\n1.建场馆").Items
	var got []string
	for _, it := range items {
		got = append(got, it.Audience)
	}
	if want := []string{"青少年", "青少年", "青少年", "", ""}; !reflect.DeepEqual(got, want) {
		t.Errorf("audiences %q, want %q", got, want)
	}
}

// TestTableMerge: a plan's text and its decomposition table describe the
// same tasks; each task is listed once, with the text's path and the
// table's units and time.
func TestTableMerge(t *testing.T) {
	text := "一、主要任务\n（一）科普活动工程\n1.创新举办科技活动周。5月举办。\n2.开展科普日活动。\n3.建设科普站。\n" +
		"附件\n\t工作任务\n\t主要内容\n\t牵头单位\n\t责任单位\n\t完成时间\n" +
		"\t（一）科普活动工程\n\t1.举办科技活动周。\n\t市科技局\n\t市委宣传部、教育局\n\t5月中下旬\n" +
		"\t\n\t2.开展科普日活动。\n\t市科协\n\t领导小组各成员单位\n\t9月\n" +
		"\t\n\t4.推动科普进企业。\n\t市总工会\n\t市科协\n\t1-12月\n" +
		"\t（二）其他工程\n\t1.编制规划。\n\t市发展改革委\n\t市科协\n\t全年\n"
	res := Extract(text)
	want := []string{"一、", "一、/(一)", "一、/(一)/1.", "一、/(一)/2.", "一、/(一)/3.", "一、/(一)/4.", "(二)", "(二)/1."}
	if got := paths(res.Items); !reflect.DeepEqual(got, want) {
		t.Fatalf("paths\n got %q\nwant %q", got, want)
	}
	it := res.Items[2]
	if it.Title != "创新举办科技活动周" || !reflect.DeepEqual(it.Lead, []string{"市科技局"}) ||
		!reflect.DeepEqual(it.Responsible, []string{"市委宣传部", "市教育局"}) || it.Schedule != "5月中下旬" || it.TableSource == nil {
		t.Errorf("merged item %+v", it)
	}
	if it := res.Items[4]; len(it.Lead) != 0 || it.TableSource != nil {
		t.Errorf("text-only task %+v", it)
	}
	if it := res.Items[5]; it.Title != "推动科普进企业" || !reflect.DeepEqual(it.Lead, []string{"市总工会"}) || it.TableSource == nil {
		t.Errorf("table-only row %+v", it)
	}
	if msg := checkSources(text, res); msg != "" {
		t.Error(msg)
	}
}
