// Package region holds administrative regions (行政区划) by their GB/T 2260
// six-digit codes: provinces, cities (市, 州) and counties (区, 县, 县级市),
// each under its parent. Bodies and units belong to a region, and an
// office's reach over units is its region's subtree.
package region

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"liandong/internal/core"
)

// Level is the administrative level of a region.
type Level string

// The three levels Liandong works with.
const (
	Province Level = "province" // 省级: 省, 自治区, 直辖市
	City     Level = "city"     // 地级: 市, 州, 盟
	County   Level = "county"   // 县级: 区, 县, 县级市, 旗
)

// Levels lists the levels top-down.
var Levels = []Level{Province, City, County}

// LevelNames are the Chinese names of the levels.
var LevelNames = map[Level]string{Province: "省级", City: "地级", County: "县级"}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { _, ok := LevelNames[l]; return ok }

// Label is the Chinese name of l.
func (l Level) Label() string { return LevelNames[l] }

// MaxNameLen caps a region's name in characters.
const MaxNameLen = 100

// Region is one administrative region.
type Region struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Level    Level  `json:"level"`
	ParentID int64  `json:"parent_id,omitempty"`
	Version  int64  `json:"version"`
}

// Validate trims and checks the fields of r on their own: a six-digit code
// whose shape fits the level (GB/T 2260: 450000 a province, 450200 a city,
// 450202 a county), a name, a known level.
func (r *Region) Validate() error {
	var es core.Errors
	r.Code = strings.TrimSpace(r.Code)
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case r.Code == "":
		es.Add("code", "请填写行政区划代码")
	case !isSixDigits(r.Code):
		es.Add("code", "行政区划代码应为6位数字（GB/T 2260），如 450200")
	case r.Level.Valid() && !shapeFits(r.Code, r.Level):
		es.Add("code", "行政区划代码与级别不符：省级代码以0000结尾，地级代码以00结尾，县级代码末两位不为00")
	}
	switch {
	case r.Name == "":
		es.Add("name", "请填写行政区划名称")
	case utf8.RuneCountInString(r.Name) > MaxNameLen:
		es.Add("name", "行政区划名称不能超过100个字符")
	case !cleanText(r.Name):
		es.Add("name", "行政区划名称含有不允许的字符")
	}
	if !r.Level.Valid() {
		es.Add("level", "请选择级别：省级、地级或县级")
	}
	return es.Err()
}

// CheckParent checks that r may sit under parent (nil for none): a
// province has no parent; a city sits under a province; a county under a
// city, or directly under a province (省直辖县级行政区划 such as 429004).
// The code must continue the parent's: a city shares its province's first
// two digits, a county its city's first four.
func CheckParent(r *Region, parent *Region) error {
	if r.Level == Province {
		if parent != nil {
			return core.Invalid("parent_id", "省级行政区划不能有上级")
		}
		return nil
	}
	if parent == nil {
		return core.Invalid("parent_id", "请选择上级行政区划")
	}
	switch {
	case r.Level == City && parent.Level != Province:
		return core.Invalid("parent_id", "地级行政区划的上级应为省级")
	case r.Level == County && parent.Level == County:
		return core.Invalid("parent_id", "县级行政区划的上级应为地级或省级")
	}
	prefix := 2
	if parent.Level == City {
		prefix = 4
	}
	if len(r.Code) < prefix || len(parent.Code) < prefix || r.Code[:prefix] != parent.Code[:prefix] {
		return core.Invalid("code", "行政区划代码应以上级代码的前"+map[int]string{2: "两", 4: "四"}[prefix]+"位开头")
	}
	return nil
}

func isSixDigits(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func shapeFits(code string, l Level) bool {
	switch l {
	case Province:
		return code[2:] == "0000" && code[:2] != "00"
	case City:
		return code[4:] == "00" && code[2:4] != "00"
	case County:
		return code[4:] != "00"
	}
	return false
}

// cleanText refuses invalid UTF-8 and control characters in one-line text.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}
