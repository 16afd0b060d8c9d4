package extract

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/fixtures/*.json from the extractor (review the diff!)")

// TestFixtures runs the extractor on plans of our own writing, one per style
// (trailing parentheses, separate lines, a tab table, a web page, 第一部分
// headings with labels on separate lines, key points written as prose with
// 一是二是, a web page pasted as one line, a division-of-labour list), and
// compares the whole result with the reviewed expectation (regenerate with
// -update and review the diff). Their precision and recall against
// hand-written labels are measured by TestGold.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/fixtures/*.txt")
	if err != nil || len(files) < 4 {
		t.Fatalf("fixtures missing: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := Extract(string(src))
			want := strings.TrimSuffix(f, ".txt") + ".json"
			if *update {
				b, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(want, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			var exp Result
			if err := json.Unmarshal(b, &exp); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, exp) {
				g, _ := json.MarshalIndent(got, "", "  ")
				t.Errorf("result differs from %s; got:\n%s", want, g)
			}
		})
	}
}

func TestParseUnits(t *testing.T) {
	cases := []struct {
		in, carry string
		table     bool
		want      []string
	}{
		{"市委宣传部、发展改革委、教育局", "", false, []string{"市委宣传部", "市发展改革委", "市教育局"}},
		{"市科协，团市委等", "", true, []string{"市科协", "团市委"}},
		{"科技局、科协等", "市", true, []string{"市科技局", "市科协"}},
		{"市委宣传部、卫生健康委、市场监管局", "", false, []string{"市委宣传部", "市卫生健康委", "市市场监管局"}},
		{"州教育局、州科协、黔南日报社、州科技局", "", false, []string{"州教育局", "州科协", "黔南日报社", "州科技局"}},
		{"州文化广电和旅游局(州体育局)、州卫生健康局,各县〔市〕政府", "", false, []string{"州文化广电和旅游局(州体育局)", "州卫生健康局", "各县〔市〕政府"}},
		{"市卫生健康委、各区、县级市人民政府", "", false, []string{"市卫生健康委", "各区、县级市人民政府"}},
		{"领导小组各成员单位", "市", true, []string{"领导小组各成员单位"}},
		{"区委组织部、民政局、文\n旅局。", "", false, []string{"区委组织部", "区民政局", "区文旅局"}},
		{"区委组织部、区民政局、文旅局", "", false, []string{"区委组织部", "区民政局", "文旅局"}},
		{"区委组织部、区民政局、文旅局", "", true, []string{"区委组织部", "区民政局", "区文旅局"}},
	}
	for _, c := range cases {
		got := parseUnits(c.in, c.carry, c.table)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseUnits(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestHeadingVariants(t *testing.T) {
	// Full- and half-width punctuation and enclosed numerals give the same paths.
	text := "一、甲\n（一）乙\n1．丙\n⑴丁\n㈡戊\n⒉己\n(3)庚"
	got := Extract(text).Items
	want := [][]string{
		{"一、"}, {"一、", "(一)"}, {"一、", "(一)", "1."}, {"一、", "(一)", "1.", "(1)"},
		{"一、", "(二)"}, {"一、", "(二)", "2."}, {"一、", "(二)", "2.", "(3)"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d items, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i].Path, want[i]) {
			t.Errorf("item %d path %q, want %q", i, got[i].Path, want[i])
		}
	}
	if got[0].Kind != KindSection || got[3].Kind != KindTask {
		t.Errorf("kinds: %q %q", got[0].Kind, got[3].Kind)
	}
}

func TestNoLineBreaks(t *testing.T) {
	text := "(一)科普行动。(牵头单位:县科协) 1.办讲座。(责任单位:县教育局、县卫健局)2.办展览,每年不少于3场。(责任单位:县文旅局)"
	items := Extract(text).Items
	if len(items) != 3 {
		t.Fatalf("got %d items: %+v", len(items), items)
	}
	if !reflect.DeepEqual(items[2].Path, []string{"(一)", "2."}) || !reflect.DeepEqual(items[2].Responsible, []string{"县文旅局"}) {
		t.Errorf("third item %+v", items[2])
	}
	if !reflect.DeepEqual(items[1].Lead, []string{"县科协"}) {
		t.Errorf("lead not inherited: %+v", items[1])
	}
	if len(items[2].Targets) != 1 || items[2].Targets[0].Value != 3 || items[2].Targets[0].Comparator != CmpGE {
		t.Errorf("targets %+v", items[2].Targets)
	}
}

func TestTargets(t *testing.T) {
	cases := []struct {
		in   string
		want Target
	}{
		{"每年培训100名科技辅导员", Target{Text: "每年培训100名科技辅导员", Metric: "培训科技辅导员", Comparator: CmpEQ, Value: 100, Unit: "名", Period: "每年"}},
		{"举办活动不少于500场次", Target{Text: "举办活动不少于500场次", Metric: "举办活动", Comparator: CmpGE, Value: 500, Unit: "场次"}},
		{"培训2万人次以上", Target{Text: "培训2万人次以上", Metric: "培训", Comparator: CmpGE, Value: 20000, Unit: "人次"}},
		{"开展活动200项以上", Target{Text: "开展活动200项以上", Metric: "开展活动", Comparator: CmpGE, Value: 200, Unit: "项"}},
		{"每两年举办一次技能大赛", Target{Text: "每两年举办一次技能大赛", Metric: "举办技能大赛", Comparator: CmpEQ, Value: 1, Unit: "次", Period: "每两年"}},
	}
	for _, c := range cases {
		got := findTargets(c.in)
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("findTargets(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
	for _, none := range []string{"利用500米口径射电望远镜", "2025年底前", "119消防宣传日", "在十四五时期实施5项重点工程", "方案(2021-2025年)"} {
		if got := findTargets(none); len(got) != 0 {
			t.Errorf("findTargets(%q) = %+v, want none", none, got)
		}
	}
}

func TestSchedule(t *testing.T) {
	for in, want := range map[string]string{
		"5月中下旬举办":            "5月中下旬",
		"5-9月开展":             "5-9月",
		"1-12月":              "1-12月",
		"2022 至 2025 年,完善机制": "2022至2025年",
		"落实《方案(2021-2025年)》": "",
		"推进2021-2025年度示范创建":  "",
	} {
		if got := findSchedule(in); got != want {
			t.Errorf("findSchedule(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGoals(t *testing.T) {
	g := findGoals("到2025年,全州公民具备科学素质的比例达到11%,制度基本形成。")
	want := Goal{Text: "2025年,全州公民具备科学素质的比例达到11%", Metric: "公民具备科学素质的比例", Comparator: CmpGE, Value: 11, Unit: "%", Year: 2025}
	if len(g) != 1 || g[0] != want {
		t.Fatalf("goals %+v, want %+v", g, want)
	}
	g = findGoals("确保2020年公民具备科学素质比例超过7.16%的目标")
	if len(g) != 1 || g[0].Comparator != CmpGT || g[0].Value != 7.16 || g[0].Year != 2020 {
		t.Fatalf("goals %+v", g)
	}
}

func TestWebRemnants(t *testing.T) {
	r := Extract("<p>1.办讲座&nbsp;。</p><p>(牵头单位:市科协)(联系人:李某)</p>")
	if len(r.Items) != 1 || r.Items[0].Title != "办讲座" || !reflect.DeepEqual(r.Items[0].Lead, []string{"市科协"}) {
		t.Fatalf("%+v", r.Items)
	}
}

func TestListOnNextLineAndPageNumbers(t *testing.T) {
	text := "1.社区科普\n牵头单位:\n县科协、县民政局、县卫生健康局、县文化广电体育和旅游局\n- 7 -\n2.校园科普\n责任单位:县教育局"
	items := Extract(text).Items
	if len(items) != 2 {
		t.Fatalf("%+v", items)
	}
	if want := []string{"县科协", "县民政局", "县卫生健康局", "县文化广电体育和旅游局"}; !reflect.DeepEqual(items[0].Lead, want) {
		t.Errorf("lead %q, want %q", items[0].Lead, want)
	}
	if !isPageFurniture("- 7 -") || !isPageFurniture("—12—") || isPageFurniture("2022") || isPageFurniture("一、") {
		t.Error("page-number detection")
	}
}

func TestRolesInsideParenthesesAndPercentTargets(t *testing.T) {
	items := Extract("1.建设科普社区,社区覆盖率达到80%。(市科协牵头,市民政局、市财政局配合)").Items
	if len(items) != 1 {
		t.Fatalf("%+v", items)
	}
	it := items[0]
	if !reflect.DeepEqual(it.Lead, []string{"市科协"}) || !reflect.DeepEqual(it.Responsible, []string{"市民政局", "市财政局"}) {
		t.Errorf("roles %q %q", it.Lead, it.Responsible)
	}
	if len(it.Targets) != 1 || it.Targets[0].Unit != "%" || it.Targets[0].Value != 80 || it.Targets[0].Comparator != CmpGE {
		t.Errorf("targets %+v", it.Targets)
	}
}

// Header cells run longer than the seed's in other plans' tables.
func TestTableHeaderWithLongerCells(t *testing.T) {
	text := "\t序号\n\t主要内容及工作措施\n\t牵头单位\n\t配合单位（部门）\n\t完成时限\n\n" +
		"\t1.建设社区科普e站。每年新建10个。\n\t市科协\n\t市民政局、市教育局\n\t6-10月\n"
	res := Extract(text)
	if len(res.Items) != 1 {
		t.Fatalf("items = %+v", res.Items)
	}
	it := res.Items[0]
	if !reflect.DeepEqual(it.Lead, []string{"市科协"}) || !reflect.DeepEqual(it.Responsible, []string{"市民政局", "市教育局"}) || it.Schedule != "6-10月" {
		t.Errorf("row = %+v", it)
	}
}
