package source

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Word's automatic numbering (word/numbering.xml) is rendered approximately:
// counters per list and level, restarted when a higher level advances, in
// the level's format and text ("%1、", "（%2）"). Plans number their headings
// "一、 （一） 1. （1）" and the extractor finds its structure by them, so an
// approximate number is far better than none. What Word does beyond this
// (lvlRestart, legal numbering across lists, numbering continued by
// "setting the value") is not modelled.

type level struct {
	start  int
	format string // w:numFmt
	text   string // w:lvlText, such as "%1、"
	suff   string // tab (default), space or nothing
	pStyle string
	legal  bool // w:isLgl: all levels shown as decimals
}

type numDef struct {
	abstract string
	starts   map[int]int // w:lvlOverride/w:startOverride
}

type numbering struct {
	abstracts map[string]*[9]level
	nums      map[string]numDef
	counters  map[string]*[9]int // current value per level; 0 = not started
}

type styleDef struct {
	basedOn  string
	numID    string
	ilvl     int
	hasNumID bool
	hasIlvl  bool
}

// readStyles reads the list numbering that paragraph styles carry.
func readStyles(a *archive) (map[string]styleDef, error) {
	styles := map[string]styleDef{}
	rc, err := a.open("word/styles.xml")
	if err != nil || rc == nil {
		return styles, err
	}
	defer rc.Close()
	x := newXMLReader(rc, maxPartElems, a.lim.MaxText)
	var (
		id  string
		cur styleDef
	)
	for {
		t, err := x.Token()
		if err == io.EOF {
			return styles, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if !isW(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "style":
				id, cur = attrOr(t, "styleId", ""), styleDef{}
			case "basedOn":
				cur.basedOn, _ = attr(t, "val")
			case "numId":
				cur.numID, cur.hasNumID = attrOr(t, "val", "0"), true
			case "ilvl":
				cur.ilvl, cur.hasIlvl = atoi(attrOr(t, "val", "0")), true
			case "rPr", "tblPr", "tcPr", "trPr", "tblStylePr":
				if err := x.Skip(); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			if isW(t.Name) && t.Name.Local == "style" && id != "" {
				styles[id] = cur
				id = ""
			}
		}
	}
}

// readNumbering reads word/numbering.xml; nil when the document has none.
func readNumbering(a *archive) (*numbering, error) {
	rc, err := a.open("word/numbering.xml")
	if err != nil || rc == nil {
		return nil, err
	}
	defer rc.Close()
	n := &numbering{abstracts: map[string]*[9]level{}, nums: map[string]numDef{}, counters: map[string]*[9]int{}}
	x := newXMLReader(rc, maxPartElems, a.lim.MaxText)
	var (
		abs    *[9]level
		lvl    *level
		num    *numDef
		numID  string
		ovrLvl = -1
	)
	for {
		t, err := x.Token()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if !isW(t.Name) {
				continue
			}
			v, _ := attr(t, "val")
			switch t.Name.Local {
			case "abstractNum":
				abs = &[9]level{}
				for i := range abs {
					abs[i] = level{start: 1, format: "decimal", suff: "tab"}
				}
				n.abstracts[attrOr(t, "abstractNumId", "")] = abs
			case "lvl":
				lvl = nil
				if i := atoi(attrOr(t, "ilvl", "0")); i >= 0 && i < 9 {
					if abs != nil && num == nil {
						lvl = &abs[i]
					} else if num != nil {
						ovrLvl = i
					}
				}
			case "lvlOverride":
				ovrLvl = atoi(attrOr(t, "ilvl", "0"))
			case "startOverride":
				if num != nil && ovrLvl >= 0 && ovrLvl < 9 {
					num.starts[ovrLvl] = max(0, atoi(v))
				}
			case "start":
				if lvl != nil {
					lvl.start = max(0, atoi(v))
				}
			case "numFmt":
				if lvl != nil {
					lvl.format = v
				}
			case "lvlText":
				if lvl != nil {
					lvl.text = v
				}
			case "suff":
				if lvl != nil {
					lvl.suff = v
				}
			case "pStyle":
				if lvl != nil {
					lvl.pStyle = v
				}
			case "isLgl":
				if lvl != nil {
					lvl.legal = onOff(t)
				}
			case "num":
				numID, num = attrOr(t, "numId", ""), &numDef{starts: map[int]int{}}
			case "abstractNumId":
				if num != nil {
					num.abstract = v
				}
			case "rPr", "pPr":
				if err := x.Skip(); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			if !isW(t.Name) {
				continue
			}
			switch t.Name.Local {
			case "abstractNum":
				abs, lvl = nil, nil
			case "lvl":
				lvl = nil
			case "num":
				if num != nil && numID != "" {
					n.nums[numID] = *num
				}
				num, numID = nil, ""
			}
		}
	}
}

// levelOfStyle finds the level of a list that is linked to a paragraph style
// (heading styles numbered by their list), 0 when none is.
func (n *numbering) levelOfStyle(numID, style string) int {
	if d, ok := n.nums[numID]; ok {
		if abs := n.abstracts[d.abstract]; abs != nil {
			for i := range abs {
				if abs[i].pStyle == style {
					return i
				}
			}
		}
	}
	return 0
}

// next advances the counter of (numID, ilvl) and renders the number text
// with the separator Word puts after it.
func (n *numbering) next(numID string, ilvl int) string {
	d, ok := n.nums[numID]
	if !ok {
		return ""
	}
	abs := n.abstracts[d.abstract]
	if abs == nil || ilvl < 0 || ilvl > 8 {
		return ""
	}
	// Lists sharing an abstract definition continue one another, unless one
	// restarts its numbering.
	key := "a" + d.abstract
	if len(d.starts) > 0 {
		key = "n" + numID
	}
	c := n.counters[key]
	if c == nil {
		c = &[9]int{}
		n.counters[key] = c
	}
	startOf := func(i int) int {
		if s, ok := d.starts[i]; ok {
			return s
		}
		return abs[i].start
	}
	if c[ilvl] == 0 {
		c[ilvl] = max(1, startOf(ilvl))
	} else if c[ilvl] < 1<<30 {
		c[ilvl]++
	}
	for i := ilvl + 1; i < 9; i++ {
		c[i] = 0
	}
	lv := abs[ilvl]
	if lv.format == "none" {
		return ""
	}
	var b strings.Builder
	t := lv.text
	for i := 0; i < len(t); i++ {
		if t[i] == '%' && i+1 < len(t) && t[i+1] >= '1' && t[i+1] <= '9' {
			k := int(t[i+1] - '1')
			i++
			if k > ilvl {
				continue
			}
			v := c[k]
			if v == 0 {
				v = max(1, startOf(k))
			}
			f := abs[k].format
			if lv.legal && k < ilvl {
				f = "decimal"
			}
			b.WriteString(formatNumber(v, f))
			continue
		}
		b.WriteByte(t[i])
	}
	s := b.String()
	if lv.format == "bullet" {
		s = "•"
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	switch lv.suff {
	case "nothing":
	case "space":
		s += " "
	default: // a tab in Word; Chinese numbers end in their own punctuation
		if r, _ := utf8.DecodeLastRuneInString(s); r != 0 && !strings.ContainsRune("、.．)）:：", r) {
			s += " "
		}
	}
	return s
}

const (
	cnDigits    = "〇一二三四五六七八九"
	cnLegal     = "零壹贰叁肆伍陆柒捌玖"
	cnStems     = "甲乙丙丁戊己庚辛壬癸"
	cnBranches  = "子丑寅卯辰巳午未申酉戌亥"
	circled     = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
	parenthesed = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
	fullStopped = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
	circledCJK  = "㊀㊁㊂㊃㊄㊅㊆㊇㊈㊉"
)

// nth returns the n-th (1-based) rune of s, or "" beyond its end.
func nth(s string, n int) string {
	for _, r := range s {
		n--
		if n == 0 {
			return string(r)
		}
	}
	return ""
}

// formatNumber writes v in an OOXML number format (ST_NumberFormat).
func formatNumber(v int, format string) string {
	dec := strconv.Itoa(v)
	or := func(s string) string {
		if s == "" {
			return dec
		}
		return s
	}
	switch format {
	case "chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting":
		return or(chineseCount(v, cnDigits, "十", "百"))
	case "chineseLegalSimplified", "ideographLegalTraditional":
		return or(chineseCount(v, cnLegal, "拾", "佰"))
	case "ideographDigital", "taiwaneseDigital":
		var b strings.Builder
		for _, c := range dec {
			b.WriteString(nth(cnDigits, int(c-'0')+1))
		}
		return b.String()
	case "ideographTraditional":
		return or(nth(cnStems, v))
	case "ideographZodiac":
		return or(nth(cnBranches, v))
	case "decimalEnclosedCircle", "decimalEnclosedCircleChinese":
		return or(nth(circled, v))
	case "decimalEnclosedParen":
		return or(nth(parenthesed, v))
	case "decimalEnclosedFullstop":
		return or(nth(fullStopped, v))
	case "ideographEnclosedCircle":
		return or(nth(circledCJK, v))
	case "decimalFullWidth", "decimalFullWidth2":
		return strings.Map(func(r rune) rune { return r - '0' + '０' }, dec)
	case "decimalZero":
		if v < 10 {
			return "0" + dec
		}
		return dec
	case "upperLetter", "lowerLetter":
		if v < 1 || v > 780 {
			return dec
		}
		s := strings.Repeat(string(rune('A'+(v-1)%26)), (v-1)/26+1)
		if format == "lowerLetter" {
			s = strings.ToLower(s)
		}
		return s
	case "upperRoman", "lowerRoman":
		s := roman(v)
		if format == "lowerRoman" {
			s = strings.ToLower(s)
		}
		return or(s)
	}
	return dec
}

// chineseCount writes 1..999 in Chinese counting ("十一", "二十", "一百零五").
func chineseCount(v int, digits, ten, hundred string) string {
	if v < 1 || v > 999 {
		return ""
	}
	d := func(i int) string { return nth(digits, i+1) }
	var b strings.Builder
	h, t, u := v/100, v/10%10, v%10
	if h > 0 {
		b.WriteString(d(h) + hundred)
		if t == 0 && u != 0 {
			b.WriteString("零") // counting reads 105 as 一百零五, whatever the digits
		}
	}
	if t > 0 {
		if t > 1 || h > 0 {
			b.WriteString(d(t))
		}
		b.WriteString(ten)
	}
	if u > 0 {
		b.WriteString(d(u))
	}
	return b.String()
}

func roman(v int) string {
	if v < 1 || v > 3999 {
		return ""
	}
	vals := []int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b strings.Builder
	for i, n := range vals {
		for v >= n {
			b.WriteString(syms[i])
			v -= n
		}
	}
	return b.String()
}
