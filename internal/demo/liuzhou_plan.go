package demo

import "liandong/internal/plan"

// Liuzhou's 2020 action plan (柳全科组办发〔2020〕2号, seed 003) as its
// decomposition table (附件2) lays it out: eight projects, 26 numbered
// tasks, the lead and responsible units of each, the schedules and the
// quantitative targets. Units, numbers, schedules and the document number
// are facts from the seed; the titles and contents are our own short
// paraphrases, never the document's sentences (a test holds that).

const (
	liuzhouPlanTitle = "2020年柳州市全民科学素质行动攻坚方案"
	liuzhouPlanDoc   = "柳全科组办发〔2020〕2号"
	// allMembers is how the table names every member unit of the group.
	allMembers = "领导小组各成员单位"
	// countyGroups is how the plan names the county and district groups;
	// a task naming them cascades to every county body below Liuzhou.
	countyGroups = "各县区全民科学素质工作领导小组"
	countyShort  = "各县区"
)

// taskSpec is one row of the decomposition table. Lead and Responsible
// hold short names of Liuzhou's units as the table writes them, with a
// shared prefix expanded ("市委宣传部、发展改革委" gives 市发展改革委), or
// allMembers.
type taskSpec struct {
	Title, Content    string
	Lead, Responsible []string
	Schedule          string
	From, To          string // the schedule read into dates
	Targets           []plan.Target
	Cascade           plan.Role // handed down to the county bodies in this role ("" for none)
	CascadeText       string
	Closed            string // the reason the task was closed (办结), "" while open
}

// projectSpec is one category of the table, (一) to (八).
type projectSpec struct {
	Marker, Title, Audience string
	Tasks                   []taskSpec
}

// year2020 is the whole of 2020, the schedule most rows give ("1-12月").
func year2020(t taskSpec) taskSpec {
	t.Schedule, t.From, t.To = "1-12月", "2020-01-01", "2020-12-31"
	return t
}

func target(text, metric, cmp string, value float64, unit, period string) plan.Target {
	return plan.Target{Text: text, Metric: metric, Comparator: cmp, Value: value, Unit: unit, Period: period}
}

// liuzhouProjects is the decomposition table. The table files the
// information projects (七) under the infrastructure heading by mistake;
// the plan's own heading is used instead.
func liuzhouProjects() []projectSpec {
	return []projectSpec{
		{Marker: "（一）", Title: "八桂科普大行动辐射拓展工程", Tasks: []taskSpec{
			{
				Title:   "举办全国科技活动周柳州活动",
				Content: "在5月中下旬集中展示本市科技创新成果，以活动周为起点带动全年有地方特色的群众性科技活动。",
				Lead:    []string{"市科技局"},
				Responsible: []string{"市委宣传部", "市发展改革委", "市教育局", "市工业和信息化局", "市人力资源社会保障局",
					"市总工会", "市妇联", "市社科联", "市科协", "团市委"},
				Schedule: "5月中下旬", From: "2020-05-11", To: "2020-05-31",
				Closed: "科技活动周柳州活动已于5月下旬办完，后续科技活动并入全年常态化安排。",
			},
			{
				Title: "举办八桂科普大行动柳州活动",
				Content: "5至9月由各级科协和成员单位组织基层、科普基地、校园、科技馆和专家传播五个联合行动，" +
					"动员科技工作者和志愿者到农村、社区、企业和学校开展针对性强的科普活动。",
				Lead:        []string{"市科协"},
				Responsible: []string{allMembers},
				Schedule:    "5-9月", From: "2020-05-01", To: "2020-09-30",
				Targets: []plan.Target{
					target("主题科普活动200项以上", "主题科普活动", ">=", 200, "项", "2020年5-9月"),
					target("参与人数60万人次以上", "参与人数", ">=", 600000, "人次", "2020年5-9月"),
				},
				Cascade: plan.Responsible, CascadeText: countyGroups,
			},
		}},
		{Marker: "（二）", Title: "少年强科普教育工程", Audience: "青少年", Tasks: []taskSpec{
			year2020(taskSpec{
				Title:       "提高学校科学教育质量",
				Content:     "从幼儿园的科学启蒙到中小学科学类课程，再到高中的通用技术课和选修课，提升学生的动手和探究能力。",
				Lead:        []string{"市教育局"},
				Responsible: []string{"市科协", "市科技局"},
			}),
			year2020(taskSpec{
				Title:       "开展校外课外青少年科技活动",
				Content:     "组织市长奖评选、青少年科技节、科技创新大赛和机器人竞赛，开展创客、走进科普基地和科技体验日等实践活动。",
				Lead:        []string{"市教育局", "市科协", "市科技局"},
				Responsible: []string{"市委宣传部", "市卫生健康委", "市文化广电旅游局", "市应急局", "市气象局", "团市委"},
			}),
			year2020(taskSpec{
				Title:       "整合社会资源打造青少年科普品牌",
				Content:     "推动科技馆和科普大篷车进校园，用好青少年宫、博物馆和妇女儿童活动中心，组织高中生参加高校科学营。",
				Lead:        []string{"市教育局", "市科协"},
				Responsible: []string{"市委宣传部", "市科技局", "市卫生健康委", "市文化广电旅游局", "市应急局", "市气象局", "团市委"},
			}),
			year2020(taskSpec{
				Title:       "做好家庭科普教育",
				Content:     "推动家校共育，加强农村学校科技辅导员培训，为农村留守儿童提供科技辅导和安全健康方面的志愿服务。",
				Lead:        []string{"市教育局", "市妇联", "市科协"},
				Responsible: []string{"市科技局", "市文化广电旅游局", "市卫生健康委", "市应急局", "市气象局", "团市委", "市关工委"},
			}),
		}},
		{Marker: "（三）", Title: "乡村振兴农民科学素质提升工程", Audience: "农民", Tasks: []taskSpec{
			year2020(taskSpec{
				Title:       "开展农业科技教育培训",
				Content:     "围绕精准扶贫组织科技专家进村入户，培养新型职业农民和农村实用人才。",
				Lead:        []string{"市农业农村局"},
				Responsible: []string{"市教育局", "市科技局", "团市委", "市妇联", "市科协"},
				Targets:     []plan.Target{target("全年培训农民不少于1.3万人次", "培训农民", ">=", 13000, "人次", "2020年")},
			}),
			year2020(taskSpec{
				Title:   "开展多种形式的农村科普活动",
				Content: "依托三下乡、科普日和科普惠农活动，普及绿色发展、耕地保护和防灾减灾知识，推进移风易俗。",
				Lead:    []string{"市委宣传部", "市科协", "市财政局", "市农业农村局"},
				Responsible: []string{"市教育局", "市民政局", "市林业和园林局", "市民宗委", "市文化广电旅游局", "市卫生健康委",
					"市应急局", "市生态环境局", "市气象局", "市妇联", "团市委"},
				Targets: []plan.Target{target("全年活动受众不少于50万人次", "活动受众", ">=", 500000, "人次", "2020年")},
			}),
			year2020(taskSpec{
				Title:       "加强农村科普公共服务",
				Content:     "建设农民科学素质提升信息平台，用好网络平台和新媒体，推动科普文化进乡村。",
				Lead:        []string{"市农业农村局", "市科协"},
				Responsible: []string{"市民政局", "市科技局", "市民宗委", "市文化广电旅游局", "市卫生健康委", "市生态环境局", "市气象局"},
			}),
		}},
		{Marker: "（四）", Title: "城镇劳动者技能与科学素质培训工程", Audience: "产业工人", Tasks: []taskSpec{
			year2020(taskSpec{
				Title:       "实施城镇劳动者职业技能培训",
				Content:     "以企业为主体开展就业技能、岗位提升、安全生产和创业培训，减少无技能上岗。",
				Lead:        []string{"市人力资源社会保障局", "市工业和信息化局"},
				Responsible: []string{"市委宣传部", "市卫生健康委", "市应急局", "市市场监管局", "市总工会", "市妇联", "市科协", "团市委"},
				Targets:     []plan.Target{target("全年劳动技能培训3万人次以上", "劳动技能培训", ">=", 30000, "人次", "2020年")},
			}),
			year2020(taskSpec{
				Title:       "提升进城务工人员就业和生活能力",
				Content:     "为务工人员开办专题培训，覆盖安全生产、健康生活、心理调适、绿色发展和防灾减灾等内容。",
				Lead:        []string{"市人力资源社会保障局", "市工业和信息化局"},
				Responsible: []string{"市委宣传部", "市卫生健康委", "市应急局", "市市场监管局", "市总工会", "市妇联", "市科协", "团市委"},
			}),
			year2020(taskSpec{
				Title:       "营造崇尚创新创造的氛围",
				Content:     "组织职工献策、练兵和技能竞赛，在社区开展城市科普行和科普大讲堂，倡导健康安全的生活方式。",
				Lead:        []string{"市人力资源社会保障局", "市工业和信息化局", "市科协"},
				Responsible: []string{"市委宣传部", "市卫生健康委", "市应急局", "市市场监管局", "市总工会", "市妇联", "团市委"},
			}),
		}},
		{Marker: "（五）", Title: "公务人员科学素质表率工程", Audience: "领导干部和公务员", Tasks: []taskSpec{
			year2020(taskSpec{
				Title:       "统筹公务人员科学素质教育",
				Content:     "把科学素质教育纳入干部教育培训规划和教学计划，注重科学思想、方法和精神的培育。",
				Lead:        []string{"市委组织部"},
				Responsible: []string{"市人力资源社会保障局", "市委党校", "市科技局", "市科协"},
			}),
			year2020(taskSpec{
				Title:       "推动科普进机关进党校",
				Content:     "拓宽领导干部的科技视野，把科学素质作为学习型机关建设的一项内容。",
				Lead:        []string{"市委组织部", "市人力资源社会保障局"},
				Responsible: []string{"市科技局", "市科协"},
			}),
			year2020(taskSpec{
				Title:       "推广行动学习",
				Content:     "通过专题研修、网络培训和科技报告会，组织干部到科普场馆和产业一线现场学习。",
				Lead:        []string{"市委组织部"},
				Responsible: []string{"市委党校"},
			}),
		}},
		{Marker: "（六）", Title: "科普基础设施建设工程", Tasks: []taskSpec{
			year2020(taskSpec{
				Title:       "建设现代科技场馆并开馆运营",
				Content:     "加快市级科技馆建设，推进县域和校园科技馆，当年新建乡村校园科技馆两座。",
				Lead:        []string{"市科协"},
				Responsible: []string{"市发展改革委", "市财政局"},
				Targets:     []plan.Target{target("2020年新建乡村校园科技馆2座", "新建乡村校园科技馆", ">=", 2, "座", "2020年")},
				// The plan asks the counties to build their own museums.
				Cascade: plan.Responsible, CascadeText: countyShort,
			}),
			year2020(taskSpec{
				Title:   "加强科普教育基地建设",
				Content: "建设行业、教育和科研类科普基地，推动公园、保护区、景区和气象地震台站拓展科普功能。",
				Lead:    []string{"市科协", "市教育局"},
				Responsible: []string{"市工业和信息化局", "市财政局", "市自然资源和规划局", "市生态环境局", "市文化广电旅游局",
					"市市场监管局", "市林业和园林局", "市科技局", "市气象局", "市应急局", "团市委", "市妇联"},
			}),
			year2020(taskSpec{
				Title:       "实施优质科普资源共享",
				Content:     "发挥博物馆、图书馆和文化馆的作用，推动高校和科研院所向公众开放实验室等科技设施。",
				Lead:        []string{"市文化广电旅游局", "市教育局", "市科技局", "市科协"},
				Responsible: []string{"市工业和信息化局", "市自然资源和规划局", "市生态环境局"},
			}),
			year2020(taskSpec{
				Title:       "加强基层科普设施建设",
				Content:     "在街道乡镇、社区和行政村建设科普活动站和科普画廊，用好数字科普屏，支持中小学建青少年科学工作室。",
				Lead:        []string{"市科协", "市教育局"},
				Responsible: []string{"市财政局", "市民政局"},
			}),
		}},
		{Marker: "（七）", Title: "科普信息化建设工程", Tasks: []taskSpec{
			year2020(taskSpec{
				Title:       "推进互联网+科普",
				Content:     "继续打造柳州微科普和科普地图等新媒体品牌，把本地科普资源做成数字科普产品。",
				Lead:        []string{"市科协"},
				Responsible: []string{allMembers},
			}),
			year2020(taskSpec{
				Title:       "推动原创科普作品创作",
				Content:     "围绕社会热点创作科普文章、短视频、微电影和动漫，完善激励机制，扶持优秀原创作品。",
				Lead:        []string{"市科协"},
				Responsible: []string{allMembers},
			}),
			year2020(taskSpec{
				Title:       "拓宽科普宣传渠道",
				Content:     "协调主要新闻媒体做好科普报道，利用社区电子屏、公交视频和科普e站传播科学知识。",
				Lead:        []string{"市委宣传部", "市科协"},
				Responsible: []string{allMembers},
			}),
			year2020(taskSpec{
				Title:       "建设科普信息员队伍",
				Content:     "动员科技工作者、e站管理员和农村致富带头人担任信息员，加强培训，向城乡居民推送科普内容。",
				Lead:        []string{"市科协"},
				Responsible: []string{allMembers},
			}),
		}},
		{Marker: "（八）", Title: "科普人才培养工程", Tasks: []taskSpec{
			year2020(taskSpec{
				Title:       "培养基层科普人才",
				Content:     "推动医院院长、学校校长和农技站站长到县乡镇科协兼职挂职，提升基层科协的科普能力。",
				Lead:        []string{"市科协"},
				Responsible: []string{"市委组织部", "市卫生健康委", "市教育局", "市农业农村局", "市民宗委"},
			}),
			year2020(taskSpec{
				Title:       "培养科技专门人才",
				Content:     "建设中小学科技教师队伍，配齐补齐专业教师并加强培训。",
				Lead:        []string{"市教育局"},
				Responsible: []string{"市科协", "团市委"},
			}),
			year2020(taskSpec{
				Title:       "壮大科普志愿者队伍",
				Content:     "鼓励老科技工作者、高校师生和传媒从业者参与志愿服务，发展应急科普志愿者。",
				Lead:        []string{"市科协"},
				Responsible: []string{"市教育局", "市应急局", "市科技局", "市农业农村局", "市气象局", "团市委"},
			}),
		}},
	}
}

// liuzhouGoal is the plan's headline goal, with a few measured values
// (invented for the demo: the seed states the target, not the results).
var liuzhouGoal = plan.Goal{Text: "到2020年底公民具备科学素质的比例超过7.16%", Metric: "公民具备科学素质的比例",
	Comparator: ">", Value: 7.16, Unit: "%", Year: 2020}

type measureSpec struct {
	Region string // GB/T 2260 code
	Year   int
	Value  float64
}

var liuzhouMeasures = []measureSpec{
	{"450200", 2019, 6.92},
	{"450200", 2020, 8.14},
	{"450206", 2020, 7.45},
	{"450226", 2020, 5.83},
}

const measureNote = "演示数据，非实际监测结果"

// liuzhouPhases divide 2020: deployment after the plan was issued on 6 May,
// the campaign months, and the year-end summary the office asked for by
// 4 December (柳全科组办发〔2020〕8号).
var liuzhouPhases = []plan.Phase{
	{Name: "部署启动", StartsOn: "2020-05-06", EndsOn: "2020-05-31", Milestone: "印发方案和重点任务分解表，各牵头单位明确分工"},
	{Name: "集中攻坚", StartsOn: "2020-06-01", EndsOn: "2020-11-30", Milestone: "八桂科普大行动柳州活动等重点活动完成，量化指标达标"},
	{Name: "总结评估", StartsOn: "2020-12-01", EndsOn: "2020-12-31", Milestone: "12月4日前成员单位和各县区报送年度总结和下一年计划"},
}

// The county cascade that 柳江区's office (the "county" demo account) has
// already assigned to its own units; the other county bodies still have it
// in their inbound lists.
const (
	assignedCounty     = "450206"
	assignedCascadeIdx = 1 // the second task: 八桂科普大行动
)

var (
	assignedLead        = []string{"区科协"}
	assignedResponsible = []string{"区教育局", "区科技局", "区委宣传部", "区农业农村局", "区卫生健康局"}
)

// eduPlan is the education bureau's own work plan for 2020, each item
// serving one of the tasks the bureau leads in the action plan (by the
// project and task number there).
type unitItemSpec struct {
	Title, Content, Schedule, From, To string
	Serves                             [2]int // project index, task index in liuzhouProjects
	Targets                            []plan.Target
}

const (
	eduPlanTitle = "2020年柳州市教育局全民科学素质工作计划"
	eduPlanUnit  = "市教育局"
)

var eduPlanItems = []unitItemSpec{
	{Title: "分学段落实科学课程教学", Content: "各学段按课程标准开足科学类课程，开展一次中小学科学课教学视导。",
		Schedule: "1-12月", From: "2020-01-01", To: "2020-12-31", Serves: [2]int{1, 0}},
	{Title: "组织学生参加青少年科技创新大赛", Content: "组织市级选拔赛，择优推荐作品参加自治区比赛。",
		Schedule: "3-11月", From: "2020-03-01", To: "2020-11-30", Serves: [2]int{1, 1}},
	{Title: "举办农村学校科技辅导员培训班", Content: "面向农村中小学科技辅导员集中培训一期。",
		Schedule: "7-8月", From: "2020-07-01", To: "2020-08-31", Serves: [2]int{1, 3},
		Targets: []plan.Target{target("培训农村学校科技辅导员不少于100名", "培训科技辅导员", ">=", 100, "名", "2020年")}},
}

// keyPoints2021 are the tasks of the action plan (project, task index)
// carried over into the draft 2021 key points, and the one task the
// draft adds.
const keyPointsTitle = "2021年柳州市全民科学素质工作要点"

var keyPointsCarried = [][2]int{{1, 1}, {1, 2}, {2, 0}, {2, 1}, {3, 0}, {5, 0}, {6, 0}, {7, 2}}

var keyPointsNew = struct {
	Marker, Section string
	Task            taskSpec
}{
	Marker: "（九）", Section: "统筹推进",
	Task: taskSpec{
		Title:       "编制“十四五”全民科学素质行动实施方案",
		Content:     "对照国家新一轮科学素质纲要，梳理本市短板，起草五年实施方案并征求成员单位意见。",
		Lead:        []string{"市科协"},
		Responsible: []string{allMembers},
		Schedule:    "6-12月", From: "2021-06-01", To: "2021-12-31",
	},
}
