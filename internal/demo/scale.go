package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
)

// Synthetic data at the sizes DOMAIN.md designs for. Everything is derived
// from indexes, so the same scale always produces the same rows. Region
// codes use two-digit prefixes that GB/T 2260 does not assign (and that
// the real demo regions 45, 52 and 42 are not among), so the synthetic
// data loads beside the demo without colliding.

// scaleSpec describes one of the sizes.
type scaleSpec struct {
	prefixes                              []int // two-digit province prefixes, one per province
	provinceBody                          bool  // whether provinces get a body (not at city scale)
	cities                                int   // cities over all provinces
	counties                              int   // counties over all cities
	unitsProvince, unitsCity, unitsCounty int
	countyLevel                           string // level character of county names: 县 or 区
	provinceName                          func(p int) string
	cityName                              func(c int) string
	countyName                            func(c int) string
}

func scaleSpecs(scale string) (scaleSpec, error) {
	switch scale {
	case "city":
		// One city body and 12 county bodies: ~35 + 12×25 units.
		return scaleSpec{
			prefixes: []int{99}, cities: 1, counties: 12,
			unitsCity: 35, unitsCounty: 25, countyLevel: "区",
			provinceName: func(int) string { return "丙省" },
			cityName:     func(int) string { return "丙市" },
			countyName:   func(c int) string { return "丙市第" + chineseNumber(c+1) + "区" },
		}, nil
	case "province":
		// ~15 cities, ~110 counties: ~3,500 units.
		return scaleSpec{
			prefixes: []int{98}, provinceBody: true, cities: 15, counties: 110,
			unitsProvince: 40, unitsCity: 35, unitsCounty: 25, countyLevel: "县",
			provinceName: func(int) string { return "乙省" },
			cityName:     func(c int) string { return "乙省第" + chineseNumber(c+1) + "市" },
			countyName:   func(c int) string { return "乙省第" + chineseNumber(c+1) + "县" },
		}, nil
	case "national":
		// 31 provinces, ~333 prefectures, ~2,850 counties: ~100,000 units.
		return scaleSpec{
			prefixes: nationalPrefixes(31), provinceBody: true, cities: 333, counties: 2850,
			unitsProvince: 40, unitsCity: 35, unitsCounty: 30, countyLevel: "县",
			provinceName: func(p int) string { return "第" + chineseNumber(p+1) + "省" },
			cityName:     func(c int) string { return "第" + chineseNumber(c+1) + "市" },
			countyName:   func(c int) string { return "第" + chineseNumber(c+1) + "县" },
		}, nil
	}
	return scaleSpec{}, core.Invalid("scale", "规模须为 city、province 或 national")
}

// nationalPrefixes returns n two-digit prefixes, counting down from 97,
// that are not province codes in GB/T 2260 (11–15, 21–23, 31–37, 41–46,
// 50–54, 61–65, 71, 81, 82) and not the city and province scales' 98 and 99.
func nationalPrefixes(n int) []int {
	real := func(p int) bool {
		return p >= 11 && p <= 15 || p >= 21 && p <= 23 || p >= 31 && p <= 37 || p >= 41 && p <= 46 ||
			p >= 50 && p <= 54 || p >= 61 && p <= 65 || p == 71 || p == 81 || p == 82
	}
	var ps []int
	for p := 97; p >= 10 && len(ps) < n; p-- {
		if !real(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// share splits total over n parts as evenly as possible; part i's size.
func share(total, n, i int) int {
	s := total / n
	if i < total%n {
		s++
	}
	return s
}

// agency is a unit every body of a level has. {R} is the region's name and
// {L} its level character; Hall marks bureaus called 厅 at province level.
type agency struct {
	name, short, kind string
	hall              bool
}

// agencies, most central first: a body of a level takes the first n.
var agencies = []agency{
	{"{R}人民政府办公室", "{L}政府办", "government", false},
	{"{R}科学技术协会", "{L}科协", "people_org", false},
	{"{R}教育局", "{L}教育局", "government", true},
	{"{R}科学技术局", "{L}科技局", "government", true},
	{"中共{R}委组织部", "{L}委组织部", "party", false},
	{"中共{R}委宣传部", "{L}委宣传部", "party", false},
	{"{R}发展和改革委员会", "{L}发展改革委", "government", false},
	{"{R}工业和信息化局", "{L}工业和信息化局", "government", true},
	{"{R}民族宗教事务委员会", "{L}民宗委", "government", false},
	{"{R}民政局", "{L}民政局", "government", true},
	{"{R}财政局", "{L}财政局", "government", true},
	{"{R}人力资源和社会保障局", "{L}人社局", "government", true},
	{"{R}自然资源局", "{L}自然资源局", "government", true},
	{"{R}生态环境局", "{L}生态环境局", "government", true},
	{"{R}农业农村局", "{L}农业农村局", "government", true},
	{"{R}文化广电和旅游局", "{L}文化广电旅游局", "government", true},
	{"{R}卫生健康委员会", "{L}卫生健康委", "government", false},
	{"{R}应急管理局", "{L}应急局", "government", true},
	{"{R}市场监督管理局", "{L}市场监管局", "government", false},
	{"{R}总工会", "{L}总工会", "people_org", false},
	{"共青团{R}委员会", "团{L}委", "people_org", false},
	{"{R}妇女联合会", "{L}妇联", "people_org", false},
	{"{R}统计局", "{L}统计局", "government", false},
	{"{R}林业局", "{L}林业局", "government", false},
	{"{R}气象局", "{L}气象局", "government", false},
	{"{R}体育局", "{L}体育局", "government", false},
	{"{R}社会科学界联合会", "{L}社科联", "people_org", false},
	{"{R}残疾人联合会", "{L}残联", "people_org", false},
	{"中共{R}委统一战线工作部", "{L}委统战部", "party", false},
	{"中共{R}委党校", "{L}委党校", "party", false},
	{"{R}公安局", "{L}公安局", "government", true},
	{"{R}司法局", "{L}司法局", "government", true},
	{"{R}住房和城乡建设局", "{L}住房城乡建设局", "government", true},
	{"{R}交通运输局", "{L}交通运输局", "government", true},
	{"{R}水利局", "{L}水利局", "government", true},
	{"{R}商务局", "{L}商务局", "government", true},
	{"{R}退役军人事务局", "{L}退役军人事务局", "government", true},
	{"{R}医疗保障局", "{L}医保局", "government", false},
	{"{R}融媒体中心", "{L}融媒体中心", "institution", false},
	{"{R}科学技术馆", "{L}科技馆", "institution", false},
}

// LoadScale fills the database with deterministic synthetic data at one of
// the sizes in DOMAIN.md: "city", "province" or "national". Each province
// is written in one transaction with multi-row inserts; a province whose
// region already exists is skipped, so loading twice adds nothing and an
// interrupted load completes when run again. It works beside the demo data.
func LoadScale(ctx context.Context, d *db.DB, scale string) (Stats, error) {
	spec, err := scaleSpecs(scale)
	if err != nil {
		return Stats{}, err
	}
	g := &generator{spec: spec, scale: scale, engine: d.Engine, now: time.Now().UTC()}
	for p := range spec.prefixes {
		if err := ctx.Err(); err != nil {
			return g.stats, err
		}
		code := fmt.Sprintf("%02d0000", spec.prefixes[p])
		if id, err := regionID(ctx, d.R(), code); err != nil {
			return g.stats, fmt.Errorf("demo: scale: %w", err)
		} else if id != 0 {
			g.skip(p)
			continue
		}
		if err := d.InTx(ctx, func(tx *sql.Tx) error { return g.province(ctx, tx, p) }); err != nil {
			return g.stats, fmt.Errorf("demo: scale %s: province %s: %w", scale, code, err)
		}
	}
	if g.stats.Units > 0 {
		if err := org.OptimizeUnitIndex(ctx, d); err != nil {
			return g.stats, fmt.Errorf("demo: scale %s: %w", scale, err)
		}
	}
	return g.stats, nil
}

// generator writes provinces one by one, numbering cities and counties
// across the whole scale.
type generator struct {
	spec         scaleSpec
	scale        string
	engine       db.Engine
	now          time.Time
	nextCity     int // global index of the next city
	nextCounty   int
	nextPerson   int
	stats        Stats
	sampledLevel map[string]bool
	planOrdinal  int  // bodies given a plan so far (scale_plan.go)
	bigPlanDone  bool // the one 300-task plan is written
}

// skip advances the global numbering past province p without writing it,
// so a resumed load names everything after it the same way.
func (g *generator) skip(p int) {
	s := g.spec
	if s.provinceBody {
		g.nextPerson += s.unitsProvince + 4
	}
	n := share(s.cities, len(s.prefixes), p)
	if s.provinceBody {
		g.planOrdinal++
	}
	for c := 0; c < n; c++ {
		k := share(s.counties, s.cities, g.nextCity)
		g.nextPerson += s.unitsCity + 4 + k*(s.unitsCounty+4)
		g.nextCounty += k
		g.nextCity++
		g.planOrdinal += 1 + k
		g.bigPlanDone = true
	}
}

// rows collects one province's rows per table before they are flushed in
// foreign-key order.
type rows struct {
	regions, units, bodies, memberUnits, members, liaisons [][]any
	search                                                 []org.UnitIndexRow // the units' search index rows
	planBodies                                             []scaleBody        // the bodies to give plans (scale_plan.go)
}

// ids hands out explicit ids for regions, units and bodies, so children can
// refer to parents written in the same batch without a round trip.
type ids struct{ region, unit, body int64 }

func (g *generator) province(ctx context.Context, tx *sql.Tx, p int) error {
	var next ids
	if g.engine == db.Postgres {
		// Explicit ids are taken from MAX(id); no one else may insert
		// meanwhile. Readers go on.
		if _, err := tx.ExecContext(ctx, `LOCK TABLE regions, units, bodies IN EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		table string
		to    *int64
	}{{"regions", &next.region}, {"units", &next.unit}, {"bodies", &next.body}} {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+t.table).Scan(t.to); err != nil {
			return err
		}
	}
	before := g.stats
	var r rows
	s := g.spec
	ts := g.now.Unix()
	prefix := s.prefixes[p]

	provName := s.provinceName(p)
	next.region++
	provRegion := next.region
	r.regions = append(r.regions, []any{provRegion, fmt.Sprintf("%02d0000", prefix), provName, "province", nil})
	var provBody any
	if s.provinceBody {
		provBody = g.body(&r, &next, ts, provRegion, provName, "省", "province", nil, s.unitsProvince)
	}
	nCities := share(s.cities, len(s.prefixes), p)
	for c := 0; c < nCities; c++ {
		cityName := s.cityName(g.nextCity)
		next.region++
		cityRegion := next.region
		r.regions = append(r.regions, []any{cityRegion, fmt.Sprintf("%02d%02d00", prefix, c+1), cityName, "city", provRegion})
		cityBody := g.body(&r, &next, ts, cityRegion, cityName, "市", "city", provBody, s.unitsCity)
		nCounties := share(s.counties, s.cities, g.nextCity)
		g.nextCity++
		for k := 0; k < nCounties; k++ {
			name := s.countyName(g.nextCounty)
			g.nextCounty++
			next.region++
			r.regions = append(r.regions, []any{next.region, fmt.Sprintf("%02d%02d%02d", prefix, c+1, k+1), name, "county", cityRegion})
			g.body(&r, &next, ts, next.region, name, s.countyLevel, "county", cityBody, s.unitsCounty)
		}
	}

	for _, t := range []struct {
		table string
		cols  string
		rows  [][]any
	}{
		{"regions", "id, code, name, level, parent_id", r.regions},
		{"units", "id, region_id, name, short_name, kind, created_at, updated_at", r.units},
		{"bodies", "id, kind, name, region_id, office_unit_id, office_dept, doc_prefix, parent_id, created_at, updated_at", r.bodies},
		{"member_units", "body_id, unit_id, joined_on, sort_order", r.memberUnits},
		{"members", "body_id, role, person_name, position, unit_id, term_start, sort_order", r.members},
		{"liaisons", "body_id, unit_id, name, post, phone, email, created_at, updated_at", r.liaisons},
	} {
		if err := insertMany(ctx, tx, t.table, t.cols, t.rows); err != nil {
			return fmt.Errorf("%s: %w", t.table, err)
		}
	}
	// The units bypass the org store, so they are indexed here, in their
	// own transaction, as the store would.
	if err := org.InsertUnitIndex(ctx, tx, r.search); err != nil {
		return err
	}
	pr, err := g.plans(ctx, tx, r.planBodies)
	if err != nil {
		return fmt.Errorf("plans: %w", err)
	}
	unitNames := make(map[int64]string, len(r.units))
	for _, u := range r.units {
		unitNames[u[0].(int64)] = u[2].(string)
	}
	if err := g.activity(ctx, tx, r.planBodies, pr, unitNames); err != nil {
		return fmt.Errorf("reports and calls: %w", err)
	}
	if g.engine == db.Postgres {
		// The identity sequences must move past the explicit ids.
		for _, t := range []string{"regions", "units", "bodies"} {
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'),
				(SELECT MAX(id) FROM `+t+`))`); err != nil {
				return err
			}
		}
	}
	g.stats.Regions += len(r.regions)
	g.stats.Units += len(r.units)
	g.stats.Bodies += len(r.bodies)
	g.stats.MemberUnits += len(r.memberUnits)
	g.stats.Members += len(r.members)
	g.stats.Liaisons += len(r.liaisons)
	return audit.Record(ctx, tx, g.engine, g.now, audit.Event{Action: "demo.scale", ObjectType: "region",
		ObjectID: provRegion, Detail: fmt.Sprintf("合成数据：%s，%d个领导小组，%d个单位，%d项任务，%d份进展报告，%d项材料征集",
			provName, g.stats.Bodies-before.Bodies, g.stats.Units-before.Units, g.stats.Tasks-before.Tasks,
			g.stats.Reports-before.Reports, g.stats.Calls-before.Calls)})
}

// body adds a region's leading group with n units, all of them member
// units, its seats (leader, two deputies, one member per unit, office
// director) and one liaison per unit. It returns the body's id.
func (g *generator) body(r *rows, next *ids, ts int64, region int64, name, level, tier string, parent any, n int) int64 {
	sub := strings.NewReplacer("{R}", name, "{L}", level)
	if n > len(agencies) {
		n = len(agencies)
	}
	first := next.unit + 1
	shorts := make([]string, n)
	for i, a := range agencies[:n] {
		full, short := sub.Replace(a.name), sub.Replace(a.short)
		if level == "省" && a.hall {
			full, short = strings.TrimSuffix(full, "局")+"厅", strings.TrimSuffix(short, "局")+"厅"
		}
		next.unit++
		shorts[i] = short
		r.units = append(r.units, []any{next.unit, region, full, short, a.kind, ts, ts})
		r.search = append(r.search, org.UnitIndexRow{UnitID: next.unit, Terms: org.UnitTerms(full, short, nil)})
	}
	govUnit, scienceUnit := first, first+1 // agencies[0] and [1]
	next.body++
	body := next.body
	parentID, _ := parent.(int64)
	r.planBodies = append(r.planBodies, scaleBody{id: body, region: region, parent: parentID, name: name,
		firstUnit: first, units: n, tier: tier, level: level})
	r.bodies = append(r.bodies, []any{body, "leading_group", name + "全民科学素质工作领导小组", region, scienceUnit,
		"科普部", name + "全科组办发", parent, ts, ts})
	if g.sampledLevel == nil {
		g.sampledLevel = map[string]bool{}
	}
	if !g.sampledLevel[tier] {
		g.sampledLevel[tier] = true
		g.stats.Samples = append(g.stats.Samples, Sample{Level: tier, ID: body, Name: name + "全民科学素质工作领导小组"})
	}
	const joined = "2021-06-01"
	person := func() string { g.nextPerson++; return personName(g.nextPerson) }
	order := 0
	seat := func(role, position string, unit int64) {
		order++
		r.members = append(r.members, []any{body, role, person(), position, unit, joined, order})
	}
	seat("leader", level+"委常委、副"+level+"长", govUnit)
	seat("deputy_leader", level+"人民政府副秘书长", govUnit)
	seat("deputy_leader", level+"科协主席", scienceUnit)
	for i := 0; i < n; i++ {
		unit := first + int64(i)
		r.memberUnits = append(r.memberUnits, []any{body, unit, joined, i + 1})
		seat("member", positionFor(shorts[i]), unit)
		r.liaisons = append(r.liaisons, []any{body, unit, personName(g.nextPerson*7 + i), liaisonPost(i),
			phone(int(region%1000), int(unit)), email(fmt.Sprintf("liaison%d", unit)), ts, ts})
	}
	seat("office_director", level+"科协副主席", scienceUnit)
	return body
}

// insertMany inserts rows with multi-row VALUES, up to batchParams bound
// parameters per statement. SQLite resolves each $n by a linear search of
// the names seen so far, so a statement's preparation and binding grow
// with the square of its parameters: loading the province scale took 37 s
// in statements of ~8,000 parameters and 1.4 s in statements of ~200
// (PostgreSQL: 14 s and 2.8 s).
func insertMany(ctx context.Context, tx *sql.Tx, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	const batchParams = 200
	batchRows := max(1, batchParams/len(rows[0]))
	for start := 0; start < len(rows); start += batchRows {
		end := min(start+batchRows, len(rows))
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, (end-start)*len(rows[start]))
		for i, row := range rows[start:end] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for j, v := range row {
				if j > 0 {
					b.WriteByte(',')
				}
				args = append(args, v)
				fmt.Fprintf(&b, "$%d", len(args))
			}
			b.WriteByte(')')
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return db.Normalize(err)
		}
	}
	return nil
}
