package extract

import "strings"

// audienceWords map the words plans use for the key population groups of
// the science-literacy outlines to one name per group. Longer words come
// first where one contains another (农民工 before 农民, 青少年 before 少年).
var audienceWords = []struct{ word, group string }{
	{"领导干部和公务员", "领导干部和公务员"},
	{"领导干部", "领导干部和公务员"},
	{"公务人员", "领导干部和公务员"},
	{"公务员", "领导干部和公务员"},
	{"城镇劳动人口", "城镇劳动者"},
	{"城镇劳动者", "城镇劳动者"},
	{"进城务工人员", "城镇劳动者"},
	{"农民工", "城镇劳动者"},
	{"农村居民", "农村居民"},
	{"乡村居民", "农村居民"},
	{"社区居民", "社区居民"},
	{"产业工人", "产业工人"},
	{"技术工人", "产业工人"},
	{"职工", "产业工人"},
	{"未成年人", "青少年"},
	{"青少年", "青少年"},
	{"中小学生", "青少年"},
	{"少年", "青少年"},
	{"儿童", "青少年"},
	{"农民", "农民"},
	{"老年人", "老年人"},
	{"老年", "老年人"},
	{"妇女", "妇女"},
	{"女性", "妇女"},
	{"残疾人", "残疾人"},
}

// notAudience are names of places and bodies that contain a group's word
// but do not address the group.
var notAudience = []string{"妇女儿童活动中心", "青少年活动中心", "青少年宫", "少年宫", "儿童活动中心"}

// audienceOf returns the audience group a title names: the group of the
// first group word in it, or "".
func audienceOf(title string) string {
	// A heading names its group near its start; looking no further keeps
	// this cheap on a "title" that is a whole paragraph without full stops.
	title = title[:runeStart(title, 60*3)]
	for _, n := range notAudience {
		if strings.Contains(title, n) {
			title = strings.ReplaceAll(title, n, "·")
		}
	}
	for i := 0; i < len(title); i++ {
		if title[i] < 0x80 {
			continue
		}
		for _, a := range audienceWords {
			if strings.HasPrefix(title[i:], a.word) {
				return a.group
			}
		}
	}
	return ""
}
