package plan

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/plan/extract"
)

// Import turns a published plan document into a draft plan in two steps:
// Preview extracts the text and matches every unit name the document uses
// to the body's units; the user reviews the result beside the source,
// corrects it and maps the names nothing matched; Import then saves it all
// in one transaction. No name is dropped silently: a name is matched, mapped
// (and remembered as an alias of the unit), created as a new unit,
// recognised as "every member unit" or "every body below", or explicitly set
// aside by the user.

// How a written unit name was resolved.
const (
	ByName      = "name"      // the unit's full name
	ByShortName = "short"     // its short name
	ByAlias     = "alias"     // one of its aliases (a remembered mapping)
	ByKey       = "key"       // the same name without the region prefix (市科技局 ~ 柳州市科技局)
	AllMembers  = "members"   // 领导小组各成员单位: every current member unit
	AllBelow    = "cascade"   // 各县〔市〕政府: every body one level down
	Ambiguous   = "ambiguous" // several units fit; the user chooses
	Unmatched   = "none"      // nothing fits; the user maps or creates
)

// Match is how one unit name written in the document resolves.
type Match struct {
	Written    string    `json:"written"`
	How        string    `json:"how"`
	UnitID     int64     `json:"unit_id,omitempty"`
	UnitName   string    `json:"unit_name,omitempty"`
	Candidates []UnitRef `json:"candidates"`
	Uses       int       `json:"uses"` // how many items name it
}

// Resolved reports whether the name needs no decision from the user.
func (m *Match) Resolved() bool { return m.How != Ambiguous && m.How != Unmatched }

// Preview is what the import screen shows before anything is saved.
type Preview struct {
	Result extract.Result `json:"result"`
	Names  []Match        `json:"names"`
	Units  []UnitRef      `json:"units"` // the units a name can be mapped to
}

// Unresolved counts the names the user must still decide on.
func (p *Preview) Unresolved() int {
	n := 0
	for i := range p.Names {
		if !p.Names[i].Resolved() {
			n++
		}
	}
	return n
}

// Mapping is the user's decision on one written name.
type Mapping struct {
	Written string `json:"written"`
	UnitID  int64  `json:"unit_id"` // the unit it means (remembered as an alias)
	Create  bool   `json:"create"`  // register a new unit of this name in the body's region
	Ignore  bool   `json:"ignore"`  // not a unit of this body; set aside on purpose
}

// ImportInput is a reviewed import: the new plan's fields, the source,
// the (possibly corrected) extraction and the user's name decisions.
type ImportInput struct {
	Plan       PlanInput      `json:"plan"`
	SourceName string         `json:"source_name"`
	Text       string         `json:"text"`
	Result     extract.Result `json:"result"`
	Mappings   []Mapping      `json:"mappings"`
}

// mayImport checks that a is the office of body.
func mayImport(ctx context.Context, q db.Querier, a *core.Actor, bodyID int64) (*org.Body, error) {
	b, err := org.FindBodyByID(ctx, q, bodyID)
	if err != nil || !a.CanSee(bodyID) {
		return nil, denied("机构", "body", bodyID, "plan.import")
	}
	if a.Role != core.RoleOffice || !a.InBody(bodyID) {
		return nil, forbidden("body", bodyID, "plan.import", "只有本机构办公室可以导入计划")
	}
	return b, nil
}

// Preview extracts text and matches its unit names to body's units.
func (s *Service) Preview(ctx context.Context, bodyID int64, text string) (*Preview, error) {
	if strings.TrimSpace(text) == "" {
		return nil, core.Invalid("text", "请粘贴计划全文或上传文件")
	}
	if len(text) > MaxSourceLen {
		return nil, core.Errorf(core.ETOOLARGE, "文本过长，不能超过4MB")
	}
	if !utf8.ValidString(text) {
		return nil, core.Invalid("text", "文本含有无效字符，请以UTF-8编码提交")
	}
	return s.Review(ctx, bodyID, extract.Extract(text))
}

// Review matches the unit names of an (edited) extraction to body's units.
func (s *Service) Review(ctx context.Context, bodyID int64, res extract.Result) (*Preview, error) {
	var p *Preview
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if _, err := mayImport(ctx, q, a, bodyID); err != nil {
			return err
		}
		d, err := loadDirectory(ctx, q, bodyID, today(s.Clock.Now()))
		if err != nil {
			return err
		}
		p = &Preview{Result: res, Names: d.matchAll(res), Units: d.refs()}
		return nil
	})
	return p, err
}

// directory is what unit names are matched against: the units a body may
// assign, by every name they go by.
type directory struct {
	units   []org.Unit
	members []int64
	byName  map[string][]int // exact name, short name, alias → units index
	byKey   map[string][]int // the same without region prefixes
	how     map[string]string
	regions []string // the body's region name and its short forms, longest first
}

func loadDirectory(ctx context.Context, q db.Querier, bodyID int64, day string) (*directory, error) {
	units, err := assignable(ctx, q, bodyID, day)
	if err != nil {
		return nil, err
	}
	b, err := org.FindBodyByID(ctx, q, bodyID)
	if err != nil {
		return nil, err
	}
	members, err := org.FindMemberUnitsOn(ctx, q, bodyID, day)
	if err != nil {
		return nil, err
	}
	d := &directory{byName: map[string][]int{}, byKey: map[string][]int{}, how: map[string]string{},
		regions: regionPrefixes(b.RegionName)}
	for _, m := range members {
		d.members = append(d.members, m.UnitID)
	}
	ids := make([]int64, 0, len(units))
	for id := range units {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		u, err := org.FindUnitByID(ctx, q, id)
		if err != nil {
			return nil, err
		}
		i := len(d.units)
		d.units = append(d.units, *u)
		d.add(u.Name, i, ByName)
		d.add(u.ShortName, i, ByShortName)
		for _, al := range u.Aliases {
			d.add(al, i, ByAlias)
		}
	}
	return d, nil
}

// regionPrefixes lists how a plan may write its own region before a unit
// name: "柳州市", "柳州", "市" for 柳州市; "黔南布依族苗族自治州", "黔南州",
// "黔南", "州" for an autonomous prefecture.
func regionPrefixes(region string) []string {
	out := []string{region}
	for _, suffix := range []string{"布依族苗族自治州", "自治州", "自治县", "市", "州", "县", "区", "盟"} {
		if base, ok := strings.CutSuffix(region, suffix); ok && base != "" {
			short := []rune(base)
			if len(short) > 2 && strings.Contains(region, "自治") {
				short = short[:2] // 黔南布依族苗族自治州 → 黔南
			}
			out = append(out, string(short)+string([]rune(suffix)[len([]rune(suffix))-1:]), string(short),
				string([]rune(suffix)[len([]rune(suffix))-1:]))
			break
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

func (d *directory) add(name string, i int, how string) {
	name = normName(name)
	if name == "" {
		return
	}
	if !slices.Contains(d.byName[name], i) {
		d.byName[name] = append(d.byName[name], i)
		if _, ok := d.how[name]; !ok {
			d.how[name] = how
		}
	}
	k := d.key(name)
	if k != "" && !slices.Contains(d.byKey[k], i) {
		d.byKey[k] = append(d.byKey[k], i)
	}
}

// key is a name without the region it is written with: 柳州市科技局,
// 市科技局 and 科技局 share the key 科技局.
func (d *directory) key(name string) string {
	for _, p := range d.regions {
		if rest, ok := strings.CutPrefix(name, p); ok && utf8.RuneCountInString(rest) >= 2 {
			return rest
		}
	}
	return name
}

// normName folds the forms a name is written in: full-width brackets and
// spaces.
func normName(s string) string {
	s = strings.NewReplacer("（", "(", "）", ")", "〔", "(", "〕", ")", "［", "(", "］", ")", " ", "", "\u3000", "").Replace(s)
	return strings.TrimSpace(s)
}

func (d *directory) refs() []UnitRef {
	out := make([]UnitRef, len(d.units))
	for i, u := range d.units {
		out[i] = UnitRef{ID: u.ID, Name: u.Name}
	}
	slices.SortFunc(out, func(a, b UnitRef) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// collective tells the names that stand for many units.
func collective(name string) string {
	n := normName(name)
	switch {
	case strings.Contains(n, "成员单位") && (strings.HasPrefix(n, "各") || strings.Contains(n, "领导小组") ||
		strings.Contains(n, "联席会议")):
		return AllMembers
	case strings.HasPrefix(n, "各") && strings.ContainsAny(n, "县区市旗") &&
		(strings.HasSuffix(n, "政府") || strings.HasSuffix(n, ")") || !strings.ContainsAny(n, "局委办校院")):
		return AllBelow
	}
	return ""
}

// match resolves one written name.
func (d *directory) match(written string) Match {
	m := Match{Written: written, Candidates: []UnitRef{}}
	if c := collective(written); c != "" {
		m.How = c
		return m
	}
	n := normName(written)
	hits, how := d.byName[n], d.how[n]
	if len(hits) == 0 {
		hits, how = d.byKey[d.key(n)], ByKey
	}
	switch len(hits) {
	case 0:
		m.How = Unmatched
	case 1:
		u := d.units[hits[0]]
		m.How, m.UnitID, m.UnitName = how, u.ID, u.Name
	default:
		m.How = Ambiguous
		for _, i := range hits {
			m.Candidates = append(m.Candidates, UnitRef{ID: d.units[i].ID, Name: d.units[i].Name})
		}
	}
	return m
}

// matchAll resolves every name of res, in order of first use.
func (d *directory) matchAll(res extract.Result) []Match {
	index := map[string]int{}
	out := []Match{}
	for _, it := range res.Items {
		for _, name := range slices.Concat(it.Lead, it.Responsible) {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if i, ok := index[name]; ok {
				out[i].Uses++
				continue
			}
			index[name] = len(out)
			m := d.match(name)
			m.Uses = 1
			out = append(out, m)
		}
	}
	return out
}

// Import saves a reviewed extraction as a new draft plan of in.Plan.BodyID.
func (s *Service) Import(ctx context.Context, in ImportInput) (*Plan, error) {
	// Before Validate, which would ask for the owning unit of a unit
	// work plan: the import has no such field to fill in.
	if in.Plan.Kind == UnitWorkPlan {
		return nil, core.Invalid("kind", "单位工作计划请直接填写，不从文件导入")
	}
	in.Plan.UnitID = 0
	if err := in.Plan.Validate(); err != nil {
		return nil, err
	}
	if err := checkImport(&in); err != nil {
		return nil, err
	}
	var p *Plan
	err := s.change(ctx, func(a *core.Actor, tx *sql.Tx, now time.Time) error {
		body, err := mayImport(ctx, tx, a, in.Plan.BodyID)
		if err != nil {
			return err
		}
		if err := checkPlanRefs(ctx, tx, a, &in.Plan, 0); err != nil {
			return err
		}
		d, err := loadDirectory(ctx, tx, body.ID, today(now))
		if err != nil {
			return err
		}
		resolved, aliases, err := s.resolve(ctx, tx, now, body, d, in)
		if err != nil {
			return err
		}
		id, err := InsertPlan(ctx, tx, now, a.UserID, in.Plan, in.SourceName, in.Text)
		if err != nil {
			return err
		}
		st, err := saveTree(ctx, tx, now, id, body.ID, in.Plan, in.Result, resolved, d.members)
		if err != nil {
			return err
		}
		if p, err = FindPlanByID(ctx, tx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, now, audit.Event{Action: "plan.import", ObjectType: "plan", ObjectID: id, After: p,
			Detail: fmt.Sprintf("%s: %d items, %d assignments, %d cascades, %d goals; aliases remembered: %s; set aside: %s",
				in.SourceName, st.items, st.assignments, st.cascades, len(in.Result.Goals),
				strings.Join(aliases, "、"), strings.Join(st.ignored, "、"))})
	})
	return p, err
}

// checkImport bounds and validates the reviewed extraction.
func checkImport(in *ImportInput) error {
	var es core.Errors
	in.SourceName = strings.TrimSpace(in.SourceName)
	text(&es, "source_name", "文件名", in.SourceName, MaxTitleLen, false)
	if len(in.Text) > MaxSourceLen || !sound(in.Text) {
		es.Add("text", "原文过长或含有无效字符")
	}
	if len(in.Result.Items) == 0 {
		es.Add("result", "没有识别到任何任务，请检查原文")
	}
	if len(in.Result.Items) > MaxItems {
		es.Add("result", fmt.Sprintf("条目过多，不能超过%d条", MaxItems))
	}
	for i, it := range in.Result.Items {
		label := fmt.Sprintf("第%d条", i+1)
		switch {
		case strings.TrimSpace(it.Title) == "":
			es.Add("result", label+"缺少名称")
		case !sound(it.Title, it.Schedule, it.Audience, strings.Join(it.Path, ""), strings.Join(it.Lead, ""),
			strings.Join(it.Responsible, ""), targetText(it.Targets)) ||
			utf8.RuneCountInString(it.Title) > MaxTitleLen || utf8.RuneCountInString(it.Schedule) > MaxShortLen:
			es.Add("result", label+"名称或开展时间过长或含有无效字符")
		case len(it.Lead)+len(it.Responsible) > MaxUnitsPer || len(it.Targets) > MaxTargets || len(it.Path) > 8 ||
			utf8.RuneCountInString(it.Audience) > 50 || utf8.RuneCountInString(it.Content) > MaxTextLen ||
			!utf8.ValidString(it.Content):
			es.Add("result", label+"单位、指标或层级过多")
		}
		if len(es) > 0 {
			break
		}
	}
	for _, g := range in.Result.Goals {
		if !validComparator(g.Comparator) || g.Comparator == "" || g.Year < MinYear || g.Year > MaxYear ||
			strings.TrimSpace(g.Metric) == "" || utf8.RuneCountInString(g.Text) > MaxTextLen || !sound(g.Text, g.Metric, g.Unit) {
			es.Add("goals", "目标“"+truncate(g.Text, 30)+"”填写不完整")
			break
		}
	}
	return es.Err()
}

// sound reports whether every part is valid UTF-8 without NUL: what the
// databases store as text (PostgreSQL refuses a NUL).
func sound(parts ...string) bool {
	for _, p := range parts {
		if !utf8.ValidString(p) || strings.ContainsRune(p, 0) {
			return false
		}
	}
	return true
}

// targetText is every field of an extracted item's targets, for sound.
func targetText(ts []extract.Target) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.Text + t.Metric + t.Unit + t.Period + t.Comparator)
	}
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// resolution is what a written name turned out to mean.
type resolution struct {
	unitID int64
	how    string
}

// resolve decides every written name of in: automatic matches, then the
// user's mappings (remembered as aliases) and new units. A name left
// undecided refuses the whole import, listing the names.
func (s *Service) resolve(ctx context.Context, tx *sql.Tx, now time.Time, body *org.Body, d *directory,
	in ImportInput) (map[string]resolution, []string, error) {
	decided := map[string]Mapping{}
	for _, m := range in.Mappings {
		decided[strings.TrimSpace(m.Written)] = m
	}
	out := map[string]resolution{}
	var missing, aliases []string
	for _, m := range d.matchAll(in.Result) {
		mp, ok := decided[m.Written]
		switch {
		case ok && mp.Ignore:
			out[m.Written] = resolution{how: "ignore"}
		case ok && mp.Create:
			u, err := org.InsertUnit(ctx, tx, now, org.UnitInput{RegionID: body.RegionID, Name: m.Written, Kind: org.UnitKind("other")})
			if err != nil {
				return nil, nil, fmt.Errorf("plan: create unit %q: %w", m.Written, err)
			}
			if err := s.record(ctx, tx, now, audit.Event{Action: "unit.create", ObjectType: "unit", ObjectID: u.ID, After: u,
				Detail: "created while importing a plan"}); err != nil {
				return nil, nil, err
			}
			out[m.Written] = resolution{unitID: u.ID, how: ByName}
		case ok && mp.UnitID != 0:
			if !slices.ContainsFunc(d.units, func(u org.Unit) bool { return u.ID == mp.UnitID }) {
				return nil, nil, core.Invalid("mappings", "“"+m.Written+"”对应的单位不在本机构的单位名录中")
			}
			added, err := org.AddAlias(ctx, tx, mp.UnitID, m.Written)
			if err != nil {
				return nil, nil, err
			}
			if added {
				aliases = append(aliases, m.Written)
			}
			out[m.Written] = resolution{unitID: mp.UnitID, how: ByAlias}
		case m.Resolved():
			out[m.Written] = resolution{unitID: m.UnitID, how: m.How}
		default:
			missing = append(missing, m.Written)
		}
	}
	if len(missing) > 0 {
		return nil, nil, core.Invalid("mappings", "以下单位名称还没有对应到单位，请选择对应单位、新建或标记为不属于本机构："+
			strings.Join(missing, "、"))
	}
	return out, aliases, nil
}

type importStats struct {
	items, assignments, cascades int
	ignored                      []string
}

// saveTree writes the items and goals of res into plan planID.
func saveTree(ctx context.Context, tx *sql.Tx, now time.Time, planID, bodyID int64, pin PlanInput, res extract.Result,
	names map[string]resolution, members []int64) (importStats, error) {
	var st importStats
	type saved struct {
		id   int64
		path []string
	}
	var done []saved
	for i, ei := range res.Items {
		parent, parentPath := int64(0), ""
		for j := len(done) - 1; j >= 0; j-- {
			if len(done[j].path) < len(ei.Path) && slices.Equal(done[j].path, ei.Path[:len(done[j].path)]) {
				parent, parentPath = done[j].id, strings.Join(done[j].path, "")
				break
			}
		}
		marker := ""
		if len(ei.Path) > 0 {
			marker = ei.Path[len(ei.Path)-1]
		}
		id, err := insertItem(ctx, tx, now, itemRow{PlanID: planID, ParentID: parent, Seq: int64(i + 1),
			Kind: itemKindOf(ei), Marker: marker, Path: parentPath + marker, Title: strings.TrimSpace(ei.Title),
			Content:  strings.TrimSpace(ei.Content),
			Schedule: strings.TrimSpace(ei.Schedule), Window: window(ei.Schedule, pin.YearFrom), Audience: ei.Audience,
			SourceLine: ei.Source.Line})
		if err != nil {
			return st, err
		}
		done = append(done, saved{id: id, path: ei.Path})
		var as []Assignment
		var cs []Cascade
		for _, r := range []struct {
			names []string
			role  Role
		}{{ei.Lead, Lead}, {ei.Responsible, Responsible}} {
			for _, name := range r.names {
				name = strings.TrimSpace(name)
				res := names[name]
				switch res.how {
				case "":
					continue
				case "ignore":
					if !slices.Contains(st.ignored, name) {
						st.ignored = append(st.ignored, name)
					}
				case AllMembers:
					for _, u := range members {
						as = append(as, Assignment{UnitID: u, Role: r.role, WrittenAs: name})
					}
				case AllBelow:
					if len(cs) == 0 {
						children, err := cascadesOf(ctx, tx, bodyID, r.role, name)
						if err != nil && core.ErrorCode(err) != core.EINVALID {
							return st, err
						}
						cs = children // no body below yet: nothing to hand down to
					}
				default:
					as = append(as, Assignment{UnitID: res.unitID, Role: r.role, WrittenAs: name})
				}
			}
		}
		if err := replaceAssignments(ctx, tx, now, id, bodyID, dedupe(as)); err != nil {
			return st, err
		}
		if err := replaceCascades(ctx, tx, now, id, cs); err != nil {
			return st, err
		}
		targets := make([]Target, len(ei.Targets))
		for k, t := range ei.Targets {
			targets[k] = Target(t)
		}
		if err := replaceTargets(ctx, tx, id, targets); err != nil {
			return st, err
		}
		st.items++
		st.assignments += len(as)
		st.cascades += len(cs)
	}
	for i, g := range res.Goals {
		if _, err := insertGoal(ctx, tx, planID, i, Goal{Text: g.Text, Metric: g.Metric, Comparator: g.Comparator,
			Value: g.Value, Unit: g.Unit, Year: g.Year}); err != nil {
			return st, err
		}
	}
	return st, nil
}

// dedupe drops repeats of a unit in one role, keeping the first (a unit
// named both by name and through "every member unit" is assigned once).
func dedupe(as []Assignment) []Assignment {
	seen := map[string]bool{}
	out := as[:0]
	for _, a := range as {
		k := fmt.Sprint(a.Role, a.UnitID)
		if !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out
}

// itemKindOf tells a task from a section, and names the sections an
// outline calls actions (行动) and projects (工程).
func itemKindOf(it extract.Item) ItemKind {
	if it.Kind == extract.KindTask {
		return Task
	}
	switch {
	case strings.HasSuffix(it.Title, "行动"):
		return ActionGroup
	case strings.HasSuffix(it.Title, "工程"):
		return Project
	}
	return Section
}
