package demo

import (
	"fmt"
	"strings"
)

// Invented people. The demo needs many names (liaisons, county seats, the
// synthetic scale data) that must not belong to anyone in the seed
// documents; they are composed from common surnames and given-name
// characters by index, so the same index always gives the same name.
var (
	surnames   = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
	givenFirst = []rune("晓建志明海丽文春秀玉国俊雪慧宏新永子佳嘉思雨欣立春德家宇婷静云伟红天振")
	givenLast  = []rune("华平芳军琳峰英杰敏强燕霞辉颖鹏宁刚涛斌洁蓉娟梅波勇彬超艳玲锋浩然")
)

// personName returns the invented name number i: two or three characters.
func personName(i int) string {
	s := surnames[(i*7+3)%len(surnames)]
	f := givenFirst[(i*11+5)%len(givenFirst)]
	l := givenLast[(i*13+1)%len(givenLast)]
	if i%4 == 3 {
		return string([]rune{s, l})
	}
	return string([]rune{s, f, l})
}

// phone returns an invented 11-digit mobile number: 139 then eight digits
// counting up from a block per caller, so numbers are plainly made up.
func phone(block, i int) string {
	return fmt.Sprintf("1390%03d%04d", block%1000, i%10000)
}

// email returns an invented address under example.gov.cn (RFC 2606
// reserves example domains, so no real mailbox can receive it).
func email(local string) string {
	return local + "@example.gov.cn"
}

var cnDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// chineseNumber writes 1 ≤ n ≤ 9999 in Chinese numerals: 12 → 十二,
// 105 → 一百零五, 2850 → 二千八百五十.
func chineseNumber(n int) string {
	if n <= 0 || n > 9999 {
		return fmt.Sprint(n)
	}
	units := []string{"千", "百", "十", ""}
	digits := []int{n / 1000, n / 100 % 10, n / 10 % 10, n % 10}
	var b strings.Builder
	zero := false
	started := false
	for i, d := range digits {
		if d == 0 {
			if started {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		// 十二 rather than 一十二 when the number starts with the tens.
		if !(i == 2 && d == 1 && !started) {
			b.WriteString(cnDigits[d])
		}
		b.WriteString(units[i])
		started = true
	}
	return b.String()
}

// positionFor gives the title a unit's member seat holder typically has,
// from the last character of the unit's short name.
func positionFor(short string) string {
	r := []rune(short)
	if len(r) == 0 {
		return "负责同志"
	}
	switch r[len(r)-1] {
	case '局':
		return short + "副局长"
	case '厅':
		return short + "副厅长"
	case '部':
		return short + "副部长"
	case '委', '办':
		return short + "副主任"
	case '会', '联', '协':
		return short + "副主席"
	case '校':
		return short + "副校长"
	case '院':
		return short + "副院长"
	}
	return short + "负责同志"
}
