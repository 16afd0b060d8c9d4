package demo

import (
	"strings"
)

// demoRegions are real GB/T 2260 codes, parents before children.
var demoRegions = []regionSpec{
	{"450000", "广西壮族自治区", "province", ""},
	{"450200", "柳州市", "city", "450000"},
	{"450202", "城中区", "county", "450200"},
	{"450203", "鱼峰区", "county", "450200"},
	{"450204", "柳南区", "county", "450200"},
	{"450205", "柳北区", "county", "450200"},
	{"450206", "柳江区", "county", "450200"},
	{"450222", "柳城县", "county", "450200"},
	{"450223", "鹿寨县", "county", "450200"},
	{"450224", "融安县", "county", "450200"},
	{"450225", "融水苗族自治县", "county", "450200"},
	{"450226", "三江侗族自治县", "county", "450200"},
	{"520000", "贵州省", "province", ""},
	{"522700", "黔南布依族苗族自治州", "city", "520000"},
	{"522701", "都匀市", "county", "522700"},
	{"522702", "福泉市", "county", "522700"},
	{"522722", "荔波县", "county", "522700"},
	{"522723", "贵定县", "county", "522700"},
	{"420000", "湖北省", "province", ""},
	{"421200", "咸宁市", "city", "420000"},
	{"421202", "咸安区", "county", "421200"},
	{"421221", "嘉鱼县", "county", "421200"},
	{"421281", "赤壁市", "county", "421200"},
}

// guangxiBody is the autonomous region's group with the member units whose
// specific duties seed 000 lists. No seats: the seed names no people.
func guangxiBody() bodySpec {
	type u struct{ name, short, kind, slug string }
	list := []u{
		{"中共广西壮族自治区委员会组织部", "自治区党委组织部", "party", "zzb"},
		{"中共广西壮族自治区委员会宣传部", "自治区党委宣传部", "party", "xcb"},
		{"广西壮族自治区发展和改革委员会", "自治区发展改革委", "government", "fgw"},
		{"广西壮族自治区教育厅", "自治区教育厅", "government", "jyt"},
		{"广西壮族自治区科学技术厅", "自治区科技厅", "government", "kjt"},
		{"广西壮族自治区工业和信息化厅", "自治区工业和信息化厅", "government", "gxt"},
		{"广西壮族自治区民族宗教事务委员会", "自治区民宗委", "government", "mzw"},
		{"广西壮族自治区民政厅", "自治区民政厅", "government", "mzt"},
		{"广西壮族自治区财政厅", "自治区财政厅", "government", "czt"},
		{"广西壮族自治区人力资源和社会保障厅", "自治区人力资源社会保障厅", "government", "rst"},
		{"广西壮族自治区自然资源厅", "自治区自然资源厅", "government", "zrzyt"},
		{"广西壮族自治区生态环境厅", "自治区生态环境厅", "government", "sthjt"},
		{"广西壮族自治区农业农村厅", "自治区农业农村厅", "government", "nynct"},
		{"广西壮族自治区文化和旅游厅", "自治区文化和旅游厅", "government", "whlyt"},
		{"广西壮族自治区卫生健康委员会", "自治区卫生健康委", "government", "wjw"},
		{"广西壮族自治区应急管理厅", "自治区应急厅", "government", "yjt"},
		{"广西壮族自治区市场监督管理局", "自治区市场监管局", "government", "scjgj"},
		{"广西壮族自治区广播电视局", "自治区广电局", "government", "gdj"},
		{"广西壮族自治区体育局", "自治区体育局", "government", "tyj"},
		{"广西壮族自治区统计局", "自治区统计局", "government", "tjj"},
		{"广西壮族自治区林业局", "自治区林业局", "government", "lyj"},
		{"广西壮族自治区药品监督管理局", "自治区药监局", "government", "yjj"},
		{"广西壮族自治区地震局", "自治区地震局", "government", "dzj"},
		{"广西壮族自治区气象局", "自治区气象局", "government", "qxj"},
		{"广西壮族自治区总工会", "自治区总工会", "people_org", "zgh"},
		{"共青团广西壮族自治区委员会", "团区委", "people_org", "tqw"},
		{"广西壮族自治区妇女联合会", "自治区妇联", "people_org", "fl"},
		{"广西壮族自治区科学技术协会", "自治区科协", "people_org", "kx"},
		{"广西科学院", "广西科学院", "institution", "kxy"},
		{"广西社会科学院", "广西社科院", "institution", "sky"},
		{"广西壮族自治区农业科学院", "自治区农科院", "institution", "nky"},
	}
	b := bodySpec{
		Kind: "leading_group", Name: "广西壮族自治区全民科学素质工作领导小组", Region: "450000",
		DocPrefix: "桂全科组办发", OfficeUnit: "自治区科协", OfficeDept: "科普部", Joined: "2019-05-01",
		Liaisons: true, PhoneBlock: 771, MailTag: "gx",
	}
	for _, x := range list {
		b.Units = append(b.Units, unitSpec{Name: x.name, Short: x.short, Kind: x.kind, Slug: x.slug})
		b.Members = append(b.Members, x.short)
	}
	return b
}

// countyTemplate is the set of units a county or district body draws its
// members from. {R} is the region's name, {L} its level character (区, 县,
// 市), so 柳江区 gets 中共柳江区委组织部 / 区委组织部.
var countyTemplate = []struct{ name, short, kind, slug string }{
	{"{R}人民政府办公室", "{L}政府办", "government", "zfb"},
	{"{R}科学技术协会", "{L}科协", "people_org", "kx"},
	{"{R}教育局", "{L}教育局", "government", "jyj"},
	{"中共{R}委组织部", "{L}委组织部", "party", "zzb"},
	{"中共{R}委宣传部", "{L}委宣传部", "party", "xcb"},
	{"{R}科学技术局", "{L}科技局", "government", "kjj"},
	{"{R}农业农村局", "{L}农业农村局", "government", "nyj"},
	{"{R}卫生健康局", "{L}卫生健康局", "government", "wjj"},
	{"{R}人力资源和社会保障局", "{L}人社局", "government", "rsj"},
	{"{R}财政局", "{L}财政局", "government", "czj"},
	{"{R}总工会", "{L}总工会", "people_org", "zgh"},
	{"共青团{R}委员会", "团{L}委", "people_org", "tw"},
	{"{R}妇女联合会", "{L}妇联", "people_org", "fl"},
}

// countyBody builds the leading group of a county or district: n member
// units from countyTemplate, a leader, two deputies, one member seat per
// unit and an office director, all people invented. i numbers the county
// so each gets different people.
func countyBody(i int, code, name, parentCode, abbr, slug string, n int, joined string) bodySpec {
	r := []rune(name)
	level := string(r[len(r)-1])
	sub := func(s string) string {
		return strings.NewReplacer("{R}", name, "{L}", level).Replace(s)
	}
	b := bodySpec{
		Kind: "leading_group", Name: name + "全民科学素质工作领导小组", Region: code, ParentRegion: parentCode,
		DocPrefix: abbr + "全科组办发", OfficeUnit: sub("{L}科协"), Joined: joined,
		Liaisons: true, PhoneBlock: 100 + i, MailTag: slug,
	}
	if n > len(countyTemplate) {
		n = len(countyTemplate)
	}
	for _, t := range countyTemplate[:n] {
		b.Units = append(b.Units, unitSpec{Name: sub(t.name), Short: sub(t.short), Kind: t.kind, Slug: t.slug})
		b.Members = append(b.Members, sub(t.short))
	}
	p := i * 50 // each county's people come from their own stretch of names
	b.Seats = append(b.Seats,
		seatSpec{Role: "leader", Person: personName(p), Position: sub("{L}委常委、副{L}长"), Unit: sub("{L}政府办")},
		seatSpec{Role: "deputy_leader", Person: personName(p + 1), Position: sub("{L}人民政府办公室主任"), Unit: sub("{L}政府办")},
		seatSpec{Role: "deputy_leader", Person: personName(p + 2), Position: sub("{L}科协主席"), Unit: sub("{L}科协")},
	)
	for j, m := range b.Members {
		b.Seats = append(b.Seats, seatSpec{Role: "member", Person: personName(p + 3 + j), Position: positionFor(m), Unit: m})
	}
	b.Seats = append(b.Seats, seatSpec{Role: "office_director", Person: personName(p + 3 + n), Position: sub("{L}科协副主席"), Unit: sub("{L}科协")})
	return b
}

// liuzhouCounties are the ten counties and districts of Liuzhou, each with
// its own leading group under the city's.
func liuzhouCounties() []bodySpec {
	cs := []struct{ code, name, abbr, slug string }{
		{"450202", "城中区", "城中", "czq"},
		{"450203", "鱼峰区", "鱼峰", "yfq"},
		{"450204", "柳南区", "柳南", "lnq"},
		{"450205", "柳北区", "柳北", "lbq"},
		{"450206", "柳江区", "柳江", "ljq"},
		{"450222", "柳城县", "柳城", "lcx"},
		{"450223", "鹿寨县", "鹿寨", "lzx"},
		{"450224", "融安县", "融安", "rax"},
		{"450225", "融水苗族自治县", "融水", "rsx"},
		{"450226", "三江侗族自治县", "三江", "sjx"},
	}
	var bs []bodySpec
	for i, c := range cs {
		bs = append(bs, countyBody(i+1, c.code, c.name, "450200", c.abbr, c.slug, 8+(i*3)%5, "2020-09-01"))
	}
	return bs
}

// qiannanBody is Qiannan prefecture's group, lighter than Liuzhou's: the
// member units that seed 002 names as responsible units, a leader and
// deputies (invented people; the seed names none).
func qiannanBody() bodySpec {
	type u struct{ name, short, kind, slug string }
	list := []u{
		{"中共黔南州委组织部", "州委组织部", "party", "zzb"},
		{"中共黔南州委宣传部", "州委宣传部", "party", "xcb"},
		{"黔南州教育局", "州教育局", "government", "jyj"},
		{"黔南州科学技术局", "州科技局", "government", "kjj"},
		{"黔南州农业农村局", "州农业农村局", "government", "nyncj"},
		{"黔南州卫生健康局", "州卫生健康局", "government", "wjj"},
		{"黔南州人力资源和社会保障局", "州人力资源社会保障局", "government", "rsj"},
		{"黔南州民政局", "州民政局", "government", "mzj"},
		{"黔南州总工会", "州总工会", "people_org", "zgh"},
		{"共青团黔南州委员会", "团州委", "people_org", "tzw"},
		{"黔南州妇女联合会", "州妇联", "people_org", "fl"},
		{"黔南州科学技术协会", "州科协", "people_org", "kx"},
		{"黔南州社会科学界联合会", "州社科联", "people_org", "skl"},
	}
	b := bodySpec{
		Kind: "leading_group", Name: "黔南州全民科学素质工作领导小组", Region: "522700",
		DocPrefix: "黔南全科组办发", OfficeUnit: "州科协", OfficeDept: "科普部", Joined: "2022-03-01",
		Liaisons: true, PhoneBlock: 854, MailTag: "qn",
	}
	for _, x := range list {
		b.Units = append(b.Units, unitSpec{Name: x.name, Short: x.short, Kind: x.kind, Slug: x.slug})
		b.Members = append(b.Members, x.short)
	}
	b.Units = append(b.Units, unitSpec{Name: "黔南布依族苗族自治州人民政府", Short: "州人民政府", Kind: "government", Slug: "gov"})
	b.Seats = []seatSpec{
		{Role: "leader", Person: personName(900), Position: "州委常委、副州长", Unit: "州人民政府"},
		{Role: "deputy_leader", Person: personName(901), Position: "州人民政府副秘书长", Unit: "州人民政府"},
		{Role: "deputy_leader", Person: personName(902), Position: "州科协党组书记、主席", Unit: "州科协"},
		{Role: "office_director", Person: personName(903), Position: "州科协副主席", Unit: "州科协"},
	}
	return b
}

func qiannanCounties() []bodySpec {
	return []bodySpec{
		countyBody(21, "522701", "都匀市", "522700", "都匀", "dys", 9, "2022-04-01"),
		countyBody(22, "522722", "荔波县", "522700", "荔波", "lbx", 8, "2022-04-01"),
	}
}

// xianningBody is Xianning's joint conference, convened by the science and
// technology bureau (seed 004): the leader and deputies the draft names,
// and its member units. The draft names no member-seat holders, only units.
func xianningBody() bodySpec {
	type u struct{ name, short, kind, slug string }
	list := []u{
		{"咸宁市科学技术局", "市科技局", "government", "kjj"},
		{"咸宁市科学技术协会", "市科协", "people_org", "kx"},
		{"中共咸宁市委组织部", "市委组织部", "party", "zzb"},
		{"中共咸宁市委宣传部", "市委宣传部", "party", "xcb"},
		{"咸宁市发展和改革委员会", "市发改委", "government", "fgw"},
		{"咸宁市教育局", "市教育局", "government", "jyj"},
		{"咸宁市民政局", "市民政局", "government", "mzj"},
		{"中共咸宁市委统一战线工作部", "市委统战部", "party", "tzb"},
		{"咸宁市财政局", "市财政局", "government", "czj"},
		{"咸宁市人力资源和社会保障局", "市人社局", "government", "rsj"},
		{"咸宁市自然资源和规划局", "市自然资源和规划局", "government", "zrzyj"},
		{"咸宁市生态环境局", "市生态环境局", "government", "sthjj"},
		{"咸宁市农业农村局", "市农业农村局", "government", "nyncj"},
		{"咸宁市林业局", "市林业局", "government", "lyj"},
		{"咸宁市文化和旅游局", "市文旅局", "government", "wlj"},
		{"咸宁市卫生健康委员会", "市卫生健康委", "government", "wjw"},
		{"咸宁市应急管理局", "市应急管理局", "government", "yjj"},
		{"咸宁市市场监督管理局", "市市场监管局", "government", "scjgj"},
		{"咸宁市气象局", "市气象局", "government", "qxj"},
		{"咸宁市体育事业发展中心", "市体育事业发展中心", "institution", "tyzx"},
		{"咸宁市总工会", "市总工会", "people_org", "zgh"},
		{"共青团咸宁市委员会", "团市委", "people_org", "tsw"},
		{"咸宁市妇女联合会", "市妇联", "people_org", "fl"},
		{"中共咸宁市委党校", "市委党校", "party", "dx"},
		{"湖北科技学院", "湖北科技学院", "university", "hbkjxy"},
		{"咸宁职业技术学院", "咸宁职业技术学院", "university", "xnzy"},
		{"湖北健康职业学院", "湖北健康职业学院", "university", "hbjk"},
	}
	b := bodySpec{
		Kind: "joint_conference", Name: "咸宁市科普工作联席会议", Region: "421200",
		DocPrefix: "咸科普联办发", OfficeUnit: "市科技局", Joined: "2023-01-01",
		Liaisons: true, PhoneBlock: 715, MailTag: "xn",
	}
	for _, x := range list {
		b.Units = append(b.Units, unitSpec{Name: x.name, Short: x.short, Kind: x.kind, Slug: x.slug})
		b.Members = append(b.Members, x.short)
	}
	b.Units = append(b.Units, unitSpec{Name: "咸宁市人民政府", Short: "市政府", Kind: "government", Slug: "gov"})
	b.Seats = []seatSpec{
		{Role: "leader", Person: "王刚", Position: "市政府副市长", Unit: "市政府"},
		{Role: "deputy_leader", Person: "全贤发", Position: "市政府副秘书长", Unit: "市政府"},
		{Role: "deputy_leader", Person: "熊武华", Position: "市科技局党组书记、局长", Unit: "市科技局"},
		{Role: "deputy_leader", Person: "王丹青", Position: "市科协主席", Unit: "市科协"},
	}
	return b
}
