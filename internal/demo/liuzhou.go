package demo

// Liuzhou city's leading group as the city government's notice of
// 6 August 2020 (柳政办〔2020〕75号, seed 003) lists it: names, positions and
// units are facts from that notice; the order is the notice's order.

const liuzhouJoined = "2020-08-06"

// liuzhouUnits are the city-level units: every member seat's unit, the
// city government for the leader and a deputy, and a few aliases people
// write instead of the short name.
var liuzhouUnits = []unitSpec{
	{Name: "柳州市人民政府", Short: "市人民政府", Kind: "government", Slug: "gov", Aliases: []string{"市政府"}},
	{Name: "中共柳州市委组织部", Short: "市委组织部", Kind: "party", Slug: "zzb"},
	{Name: "中共柳州市委宣传部", Short: "市委宣传部", Kind: "party", Slug: "xcb"},
	{Name: "柳州市发展和改革委员会", Short: "市发展改革委", Kind: "government", Slug: "fgw", Aliases: []string{"市发改委"}},
	{Name: "柳州市工业和信息化局", Short: "市工业和信息化局", Kind: "government", Slug: "gxj", Aliases: []string{"市工信局"}},
	{Name: "柳州市统计局", Short: "市统计局", Kind: "government", Slug: "tjj"},
	{Name: "柳州市民族宗教事务委员会", Short: "市民宗委", Kind: "government", Slug: "mzw"},
	{Name: "柳州市财政局", Short: "市财政局", Kind: "government", Slug: "czj"},
	{Name: "柳州市生态环境局", Short: "市生态环境局", Kind: "government", Slug: "sthjj"},
	{Name: "柳州市农业农村局", Short: "市农业农村局", Kind: "government", Slug: "nyncj"},
	{Name: "柳州市林业和园林局", Short: "市林业和园林局", Kind: "government", Slug: "lyj"},
	{Name: "柳州市科学技术局", Short: "市科技局", Kind: "government", Slug: "kjj", Aliases: []string{"科技局", "柳州市科技局"}},
	{Name: "柳州市人力资源和社会保障局", Short: "市人力资源社会保障局", Kind: "government", Slug: "rsj", Aliases: []string{"市人社局"}},
	{Name: "柳州市应急管理局", Short: "市应急局", Kind: "government", Slug: "yjj", Aliases: []string{"市应急管理局"}},
	{Name: "柳州市市场监督管理局", Short: "市市场监管局", Kind: "government", Slug: "scjgj"},
	{Name: "柳州市教育局", Short: "市教育局", Kind: "government", Slug: "jyj", Aliases: []string{"教育局"}},
	{Name: "柳州市文化广电和旅游局", Short: "市文化广电旅游局", Kind: "government", Slug: "wglj", Aliases: []string{"市文旅局"}},
	{Name: "柳州市民政局", Short: "市民政局", Kind: "government", Slug: "mzj"},
	{Name: "柳州市卫生健康委员会", Short: "市卫生健康委", Kind: "government", Slug: "wjw", Aliases: []string{"市卫健委"}},
	{Name: "柳州市自然资源和规划局", Short: "市自然资源和规划局", Kind: "government", Slug: "zrzyj"},
	{Name: "柳州市体育局", Short: "市体育局", Kind: "government", Slug: "tyj"},
	{Name: "柳州市气象局", Short: "市气象局", Kind: "government", Slug: "qxj"},
	{Name: "柳州市总工会", Short: "市总工会", Kind: "people_org", Slug: "zgh"},
	{Name: "柳州市社会科学界联合会", Short: "市社科联", Kind: "people_org", Slug: "skl"},
	{Name: "共青团柳州市委员会", Short: "团市委", Kind: "people_org", Slug: "tsw", Aliases: []string{"共青团柳州市委"}},
	{Name: "柳州市妇女联合会", Short: "市妇联", Kind: "people_org", Slug: "fl"},
	{Name: "柳州市关心下一代工作委员会", Short: "市关工委", Kind: "other", Slug: "ggw"},
	{Name: "柳州市科学技术协会", Short: "市科协", Kind: "people_org", Slug: "kx", Aliases: []string{"柳州市科协"}},
}

// liuzhouSeats lists the seats in the notice's order. Unit is the short
// name of the seat holder's unit.
var liuzhouSeats = []seatSpec{
	{Role: "leader", Person: "侯刚", Position: "市委常委、副市长", Unit: "市人民政府"},
	{Role: "deputy_leader", Person: "王颖", Position: "市人民政府副秘书长", Unit: "市人民政府"},
	{Role: "deputy_leader", Person: "郑晓鸿", Position: "市科协党组书记、主席", Unit: "市科协"},
	{Role: "member", Person: "宋军", Position: "市委组织部副部长", Unit: "市委组织部"},
	{Role: "member", Person: "覃琪涛", Position: "市委宣传部副部长、文明办主任", Unit: "市委宣传部"},
	{Role: "member", Person: "方华", Position: "市发展改革委党组成员、副主任", Unit: "市发展改革委"},
	{Role: "member", Person: "莫春燕", Position: "市工业和信息化局副局长", Unit: "市工业和信息化局"},
	{Role: "member", Person: "梁向增", Position: "市统计局副局长", Unit: "市统计局"},
	{Role: "member", Person: "刘振中", Position: "市民宗委副主任", Unit: "市民宗委"},
	{Role: "member", Person: "徐进辉", Position: "市财政局副局长", Unit: "市财政局"},
	{Role: "member", Person: "张传波", Position: "市生态环境局总工程师", Unit: "市生态环境局"},
	{Role: "member", Person: "佘锦伟", Position: "市农业农村局总农艺师", Unit: "市农业农村局"},
	{Role: "member", Person: "黄旭慧", Position: "市林业和园林局总工程师", Unit: "市林业和园林局"},
	{Role: "member", Person: "靳磊", Position: "市科技局副局长", Unit: "市科技局"},
	{Role: "member", Person: "韦志革", Position: "市人力资源社会保障局党组成员", Unit: "市人力资源社会保障局"},
	{Role: "member", Person: "闫书洪", Position: "市应急局副局长", Unit: "市应急局"},
	{Role: "member", Person: "黄培昌", Position: "市市场监管局副局长", Unit: "市市场监管局"},
	{Role: "member", Person: "程卓", Position: "市教育局调研员", Unit: "市教育局"},
	{Role: "member", Person: "何玉冰", Position: "市文化广电旅游局副局长", Unit: "市文化广电旅游局"},
	{Role: "member", Person: "黄丽波", Position: "市民政局党组副书记、副局长", Unit: "市民政局"},
	{Role: "member", Person: "覃映雪", Position: "市卫生健康委副主任", Unit: "市卫生健康委"},
	{Role: "member", Person: "谢名志", Position: "市自然资源和规划局副局长", Unit: "市自然资源和规划局"},
	{Role: "member", Person: "王松炎", Position: "市体育局副局长", Unit: "市体育局"},
	{Role: "member", Person: "贾显锋", Position: "市气象局副局长", Unit: "市气象局"},
	{Role: "member", Person: "肖尉阳", Position: "市总工会党组成员、副主席", Unit: "市总工会"},
	{Role: "member", Person: "李柳燕", Position: "市社科联副主席", Unit: "市社科联"},
	{Role: "member", Person: "李玉辉", Position: "共青团柳州市委副书记", Unit: "团市委"},
	{Role: "member", Person: "闫伟丽", Position: "市妇联党组成员、副主席", Unit: "市妇联"},
	{Role: "member", Person: "王俊英", Position: "市关工委常务副主任", Unit: "市关工委"},
	{Role: "member", Person: "任俊峰", Position: "市科协副主席", Unit: "市科协"},
	{Role: "office_director", Person: "任俊峰", Position: "市科协副主席", Unit: "市科协"},
}

// liuzhouHistory is one earlier seat holder (invented) replaced when the
// 2020 notice took effect, so the seat history has something to show.
var liuzhouHistory = []historySpec{
	{Replaced: "程卓", Person: "蒙立群", Position: "市教育局副局长", TermStart: "2018-03-01"},
}

// liuzhouMembers are the member units in the order their seats appear.
func liuzhouMembers() []string {
	var ms []string
	seen := map[string]bool{}
	for _, s := range liuzhouSeats {
		if s.Role == "member" && !seen[s.Unit] {
			seen[s.Unit] = true
			ms = append(ms, s.Unit)
		}
	}
	return ms
}

func liuzhouBody() bodySpec {
	return bodySpec{
		Kind:         "leading_group",
		Name:         "柳州市全民科学素质工作领导小组",
		Region:       "450200",
		ParentRegion: "450000",
		DocPrefix:    "柳全科组办发",
		OfficeUnit:   "市科协",
		OfficeDept:   "科普部",
		Joined:       liuzhouJoined,
		Units:        liuzhouUnits,
		Members:      liuzhouMembers(),
		Seats:        liuzhouSeats,
		History:      liuzhouHistory,
		Duties:       liuzhouDuties(),
		Liaisons:     true,
		PhoneBlock:   772,
		MailTag:      "lz",
	}
}
