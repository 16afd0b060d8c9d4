package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"liandong/internal/testkit"
)

// Helpers of the plan page tests, prefixed "plan". They run on the
// organisation fixture of org_pages_test.go (orgStart): the city body with
// its five member units and two county bodies below it.

// planText is a plan of our own writing in the style of the seeds: two
// sections with a lead unit each, six tasks, a collective for the counties,
// "every member unit", a quantitative target on most tasks, and one name
// the registry does not know (市青少年活动中心).
const planText = `柳州市全民科学素质能力提升实施方案（2021—2025年）
到2025年，全市公民具备科学素质的比例达到12%。
一、重点任务
（一）青少年科学素质能力提升（牵头单位：市教育局）
1.举办中小学科技创新大赛。每年举办市级赛事不少于1场次。（责任单位：市科协、市科技局，各县（区）人民政府）
2.建设校园科普角。到2025年建成校园科普角50个。（责任单位：市科协、市青少年活动中心）
3.开展科学教师培训。每年培训科学教师300人次。（责任单位：市财政局）
（二）科普经费保障（牵头单位：市财政局）
1.落实科普工作经费。（责任单位：市科协）
2.开展年度科普统计调查。（责任单位：市科技局）
（三）科普宣传（牵头单位：市科协）
1.组织全国科普日柳州活动。（责任单位：领导小组各成员单位）
`

// planForm reads the form of page whose action is action as a browser
// would submit it: text and hidden inputs, ticked boxes, the selected (or
// first) option of each select, textareas. Submit buttons are left out;
// the caller adds the one it presses.
func planForm(t *testing.T, page, action string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	var form *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if form != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" {
			if a, _ := attr(n, "action"); a == action {
				form = n
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		t.Fatalf("no form with action %s on the page:\n%s", action, orgSnippet(page))
	}
	text := func(n *html.Node) string {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
		return b.String()
	}
	v := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, named := attr(n, "name")
			_, disabled := attr(n, "disabled")
			switch {
			case !named || disabled:
			case n.Data == "input":
				typ, _ := attr(n, "type")
				val, _ := attr(n, "value")
				_, checked := attr(n, "checked")
				switch typ {
				case "checkbox", "radio":
					if checked {
						if val == "" {
							val = "on"
						}
						v.Add(name, val)
					}
				case "submit", "button", "file":
				default:
					v.Add(name, val)
				}
			case n.Data == "textarea":
				v.Add(name, strings.TrimPrefix(text(n), "\n"))
			case n.Data == "select":
				var first, selected *html.Node
				var options func(*html.Node)
				options = func(o *html.Node) {
					for c := o.FirstChild; c != nil; c = c.NextSibling {
						if c.Type == html.ElementNode && c.Data == "option" {
							if first == nil {
								first = c
							}
							if _, ok := attr(c, "selected"); ok {
								selected = c
							}
						} else if c.Type == html.ElementNode {
							options(c)
						}
					}
				}
				options(n)
				if selected == nil {
					selected = first
				}
				if selected != nil {
					val, ok := attr(selected, "value")
					if !ok {
						val = text(selected)
					}
					v.Add(name, val)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return v
}

// planIDFrom reads the plan id of a /plans/{id} redirect.
func planIDFrom(t *testing.T, resp *http.Response) string {
	t.Helper()
	m := regexp.MustCompile(`^/plans/(\d+)`).FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("want a redirect to a plan, got %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return m[1]
}

// planImport imports planText into the city body through the pages,
// mapping the unknown name to the science association, and returns the
// new plan's path.
func planImport(t *testing.T, e *orgEnv, office *testkit.Client) string {
	t.Helper()
	imp := fmt.Sprintf("/bodies/%d/plans/import", e.City.ID)
	resp, page := office.Post(imp, url.Values{"step": {"extract"}, "text": {planText}})
	orgWant(t, "extract", resp, page, 200, "市青少年活动中心", "未匹配")
	form := planForm(t, page, imp)
	planMap(t, form, "市青少年活动中心", fmt.Sprint(e.Kexie.ID))
	form.Set("step", "confirm")
	resp, page = office.Post(imp, form)
	return "/plans/" + planIDFromBody(t, resp, page)
}

func planIDFromBody(t *testing.T, resp *http.Response, page string) string {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: status %d\n%s", resp.StatusCode, orgSnippet(page))
	}
	return planIDFrom(t, resp)
}

// planMap sets the decision on one unmatched name of a review form.
func planMap(t *testing.T, form url.Values, written, value string) {
	t.Helper()
	for i, n := range form["map_name"] {
		if n == written {
			form["map_value"][i] = value
			return
		}
	}
	t.Fatalf("no mapping field for %s in %v", written, form["map_name"])
}

// planRows returns the text of each row of the decomposition table.
func planRows(t *testing.T, page string) []string {
	t.Helper()
	i := strings.Index(page, `<table class="plan-table">`)
	if i < 0 {
		return nil
	}
	j := strings.Index(page[i:], "</table>")
	tbl := page[i : i+j]
	var rows []string
	for _, tr := range strings.Split(tbl, "<tr")[2:] { // skip the header
		rows = append(rows, strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString("<tr"+tr, " ")), " "))
	}
	return rows
}
