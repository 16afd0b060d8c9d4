// Package extract reads the text of a published plan document (实施方案,
// 工作要点, 攻坚方案 …) and finds its structure: numbered headings, the lead
// and responsible units of each task, quantitative targets, schedules,
// audience groups and the plan's headline goals. It is a pure function over
// text: no I/O, no database, standard library only, so it can be fuzzed and
// run on untrusted input.
//
// The result is a proposal that a person reviews beside the source text
// before anything is saved; the extractor never drops a unit name it cannot
// place, it returns it as written (with a shared prefix expanded), and every
// item says where in the text it came from.
//
// # Headings
//
// Levels, outermost first: 第一部分, 第一章, 第一节, 一、, (一), 1., (1), ①.
// Full- and half-width forms are the same level, and so are the enclosed
// numerals: ⒈ is 1., ⑴ is (1), ㈠ is (一). A marker counts at the start of a
// line or after the end of a sentence or of a parenthesis; an enclosed
// numeral (⒈ ⑴ ㈠) counts anywhere, and so does a plain marker that continues
// the numbering in force ("…工作(2)…" after "(1)"), which is what remains of
// the structure of text whose line breaks were lost. Circled numbers (①) are
// headings only at the start of a line: inside a paragraph they number its
// sub-points. Sub-points "一是…二是…" (or ①…②…) do not start items: they are
// returned as Points of the paragraph's item, each with the units its own
// words name, and the item keeps the units of all of them.
//
// # Roles
//
// Labels. Lead (牵头) units: 牵头单位, 牵头部门, 总牵头单位, 总牵头部门,
// 牵头处室, 主办单位, 主办部门, 主责单位, 主责部门, and the short 牵头, 总牵头,
// 主办. Responsible units: 责任单位, 责任部门, 配合单位, 配合部门, 协办单位,
// 协办部门, 承办单位, 参与单位, 参与部门, 参加单位, 参加部门, 协作单位, 协作部门,
// 协同单位, 责任分工, and the short 配合, 参与, 参加, 协办, 承办. A label is
// followed by a colon ("牵头单位：X") or written in brackets ("【牵头单位】X");
// it may stand in a parenthesis, on its own line (the list may wrap onto
// the next), or inside a line after the end of a sentence. A list ends at
// the next label, at a full stop, at a label that is not a role (联系人,
// 电话, 完成时限 …: its text is kept, so a 完成时限 inside the parenthesis
// still gives the schedule), or where it runs into a sentence
// ("责任单位：A，B负责指导。"). A name marked "(牵头)" or "〔牵头〕" in a
// responsible list is a lead.
//
// Sentences, read beside the labels: "由X、Y牵头，Z参加", "X、Y共同牵头，Z参与，
// W具体实施", "由X主办，Y承办", "由X会同Y负责" (X leads, Y takes part),
// "牵头单位为X，Y配合", "X为牵头单位". "X负责" — 负责 ending its clause, or
// followed only by a verb of oversight ("X负责指导。") — makes X the lead
// when the same paragraph (or sub-point) names no 牵头 unit, since the one
// unit that answers for a task is its lead; after a 牵头 unit it makes X
// responsible. Only names that look like units are taken from sentences,
// so that 牵头 used as an ordinary verb, or "区政府负责领导纲要的实施工作",
// gives no assignment.
//
// Unit names are returned as written, with a shared abbreviated prefix
// expanded ("市委宣传部、发展改革委" → 市发展改革委) and collective names kept
// whole ("各区、县级市人民政府", "各县(市、区)人民政府", "区(县级市)农业部门").
//
// A section's lead applies to its tasks unless a task names its own.
//
// # Audience
//
// The audience group of an item is the first group its title names,
// normalised: 青少年 (also 未成年人, 少年, 中小学生, 儿童), 农民, 农村居民,
// 产业工人 (also 职工, 技术工人), 城镇劳动者 (城镇劳动人口, 进城务工人员,
// 农民工), 老年人, 领导干部和公务员 (also 领导干部, 公务员, 公务人员), 社区居民,
// 妇女 (also 女性), 残疾人. Places named after a group (妇女儿童活动中心,
// 青少年宫) do not count. A section gives its group to its tasks unless a
// task names its own.
//
// # Tables
//
// A decomposition table (重点任务分解表) is read row by row. When a document
// holds both the running text of a plan and its table (seed 003: 附件1 and
// 附件2), the two describe the same tasks: each table row is merged into the
// text item it matches (same category and task number with a similar title,
// or a title that starts the same way), so that the task is listed once,
// with the text's path, title and place, and the table's units and time.
// Rows that match nothing are kept (placed under the matching text section
// when their category matched one).
package extract

import (
	"strings"
)

// Kinds of Item.
const (
	KindSection = "section"
	KindTask    = "task"
)

// Result is everything Extract found, in the JSON shape of
// `liandong plan extract` and of the import screen.
type Result struct {
	Goals []Goal `json:"goals"`
	Items []Item `json:"items"`
}

// Goal is a headline indicator of the plan, such as
// "公民具备科学素质的比例 2025年达到11%".
type Goal struct {
	Text       string  `json:"text"`
	Metric     string  `json:"metric"`
	Comparator string  `json:"comparator"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Year       int     `json:"year"`
}

// Target is a quantitative target of one item, such as "每年培训100名科技辅导员".
// Value is the number scaled by any 万/千 multiplier (2万人次 → 20000, 人次).
type Target struct {
	Text       string  `json:"text"`
	Metric     string  `json:"metric"`
	Comparator string  `json:"comparator"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Period     string  `json:"period"`
}

// Source is where an item came from in the text given to Extract: the
// 1-based line of its first byte and the byte span [Start, End) of the
// original string, from its heading marker to the end of its own text (the
// start of the next heading). Offsets are into the text as given, before
// any normalisation, so text[Start:End] is the item as the user wrote it.
type Source struct {
	Line  int `json:"line"`
	Start int `json:"start"`
	End   int `json:"end"`
}

// Point is a sub-point of an item's paragraph ("一是…；二是…", "①…②…"),
// with the units its own words name.
type Point struct {
	Marker      string   `json:"marker"`
	Text        string   `json:"text"`
	Lead        []string `json:"lead"`
	Responsible []string `json:"responsible"`
}

// Item is one numbered heading of the plan: a section (it has numbered
// children) or a task (it has none).
//
// Path holds the heading markers from the top, normalised to half-width
// forms: "第一部分", "一、", "(一)", "1.", "(1)", "①" ("1、", "⒈", "㈠",
// "（一）" are read as the same levels). Rows of a decomposition table carry
// the markers of their category and task cells only (["(一)", "1."]),
// because the table is numbered on its own, independent of the text before
// it, unless they were merged into the text's items (see the package
// documentation).
//
// Lead is inherited: a task that names no lead unit of its own receives the
// lead units of its nearest ancestor that names some, as the plan intends
// ("a section's lead unit applies to its tasks unless a task names its own").
// Responsible units are never inherited. Audience is inherited the same way.
//
// Window is Schedule parsed by ParseSchedule with the year unknown (0): the
// plan's year is not something the text alone settles. It is nil when the
// schedule names no time ("长期", "持续推进", or none at all).
//
// TableSource is the decomposition-table row the item was read from, when
// it was read from (or merged with) one.
type Item struct {
	Path        []string `json:"path"`
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Content     string   `json:"content"`
	Lead        []string `json:"lead"`
	Responsible []string `json:"responsible"`
	Targets     []Target `json:"targets"`
	Schedule    string   `json:"schedule"`
	Window      *Window  `json:"window"`
	Audience    string   `json:"audience"`
	Points      []Point  `json:"points"`
	Source      Source   `json:"source"`
	TableSource *Source  `json:"table_source,omitempty"`
}

// MaxInput is the largest text Extract reads; the rest is ignored. Plans are
// tens of kilobytes, so this only bounds the work an abusive input can cause.
const MaxInput = 4 << 20

// Extract reads a plan document and returns its goals and items in document
// order. It never fails: text it cannot read simply yields fewer items.
func Extract(text string) Result {
	if len(text) > MaxInput {
		text = text[:MaxInput]
	}
	norm, m1 := normalize(text)
	clean, m2 := dropFurniture(norm)
	lines := strings.Split(clean, "\n")
	offs := make([]int, len(lines)+1) // offs[i] is where lines[i] starts in clean
	for i, l := range lines {
		offs[i+1] = offs[i] + len(l) + 1
	}

	var (
		res       = Result{Goals: []Goal{}, Items: []Item{}}
		fromTable []bool
		p         = &proseParser{}
		segStart  = -1 // first line of the prose segment being collected
	)
	flushProse := func(end int) {
		if segStart < 0 || end <= segStart {
			segStart = -1
			return
		}
		a, b := offs[segStart], offs[end]-1 // b: the segment's last line end
		seg := clean[a:b]
		res.Goals = append(res.Goals, findGoals(seg)...)
		items := p.parse(seg, a)
		res.Items = append(res.Items, items...)
		fromTable = append(fromTable, make([]bool, len(items))...)
		segStart = -1
	}
	for i := 0; i < len(lines); {
		if start, ok := tableHeader(lines, i); ok {
			flushProse(i)
			items, next := parseTable(lines, offs, start)
			res.Items = append(res.Items, items...)
			for range items {
				fromTable = append(fromTable, true)
			}
			p.reset()
			i = next
			continue
		}
		if segStart < 0 {
			segStart = i
		}
		i++
	}
	flushProse(len(lines))

	setKinds(res.Items)
	res.Items = mergeTables(res.Items, fromTable)
	finish(res.Items)

	// Source spans are in clean-text offsets until here.
	li := newLineIndex(text)
	toOrig := func(s *Source) {
		s.Start = m1.start(m2.start(s.Start))
		s.End = max(s.Start, m1.end(m2.end(s.End)))
		s.Line = li.line(s.Start)
	}
	for i := range res.Items {
		toOrig(&res.Items[i].Source)
		if ts := res.Items[i].TableSource; ts != nil {
			toOrig(ts)
		}
	}
	return res
}

// setKinds sets each item's kind from the tree: an item followed by its
// own child is a section.
func setKinds(items []Item) {
	for i := range items {
		items[i].Kind = KindTask
		if i+1 < len(items) && isPrefix(items[i].Path, items[i+1].Path) {
			items[i].Kind = KindSection
		}
	}
}

// finish sets kinds, applies lead and audience inheritance, parses windows
// and makes empty lists non-nil (the JSON shape has [] rather than null).
func finish(items []Item) {
	setKinds(items)
	// Walk keeping, for each open ancestor, its effective lead and audience.
	type open struct {
		path     []string
		lead     []string
		audience string
	}
	var stack []open
	for i := range items {
		it := &items[i]
		for len(stack) > 0 && !isPrefix(stack[len(stack)-1].path, it.Path) {
			stack = stack[:len(stack)-1]
		}
		it.Audience = audienceOf(it.Title)
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if len(it.Lead) == 0 && len(top.lead) > 0 {
				it.Lead = append([]string(nil), top.lead...)
			}
			if it.Audience == "" {
				it.Audience = top.audience
			}
		}
		stack = append(stack, open{it.Path, it.Lead, it.Audience})
	}
	for i := range items {
		it := &items[i]
		if w, ok := ParseSchedule(it.Schedule, 0); ok {
			it.Window = &w
		}
		if it.Lead == nil {
			it.Lead = []string{}
		}
		if it.Responsible == nil {
			it.Responsible = []string{}
		}
		if it.Targets == nil {
			it.Targets = []Target{}
		}
		if it.Points == nil {
			it.Points = []Point{}
		}
	}
}

// isPrefix reports whether a is a proper prefix of b.
func isPrefix(a, b []string) bool {
	if len(a) >= len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var d [20]byte
	i := len(d)
	for n > 0 {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		d[i] = '-'
	}
	return string(d[i:])
}
