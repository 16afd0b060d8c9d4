package extract

import (
	"strings"
	"unicode/utf8"
)

// maxMergePairs bounds the title comparisons of mergeTables. Real plans
// have tens to hundreds of tasks; an abusive input with tens of thousands
// of both is left unmerged rather than compared pair by pair.
const maxMergePairs = 1 << 18

// Title similarity thresholds, from the strongest evidence to the weakest:
// a row under a matched category with the same task number needs little
// agreement of its title (seed 003's table abbreviates and rewords titles:
// 举办… for 创新举办…, 科技专门人才 for 科普专门人才); the same number
// elsewhere needs more; a row matched by its title alone needs its title
// to start like the text's.
const (
	simSameParent = 0.3
	simSameNumber = 0.6
	simTitleOnly  = 0.8
	simCategory   = 0.5
)

// mergeTables merges the rows of a decomposition table into the text items
// they describe, when a document holds both (see the package
// documentation). fromTable says which items were read from a table. Kinds
// must be set.
func mergeTables(items []Item, fromTable []bool) []Item {
	var prose, table []int
	for i := range items {
		if fromTable[i] {
			table = append(table, i)
		} else {
			prose = append(prose, i)
		}
	}
	if len(prose) == 0 || len(table) == 0 || len(prose)*len(table) > maxMergePairs {
		return items
	}
	grams := make([]map[string]int, len(items))
	keys := make([]string, len(items))
	heads := make([]string, len(items)) // the first four characters of a key
	sizes := make([]int, len(items))    // its number of bigrams
	for i := range items {
		keys[i] = titleKey(items[i].Title)
		grams[i] = bigrams(keys[i])
		heads[i] = keys[i][:runeStart(keys[i], 4*3)]
		sizes[i] = max(0, utf8.RuneCountInString(keys[i])-1)
	}
	used := make(map[int]bool)
	best := func(t int, floor float64, ok func(p int) bool) int {
		bp, bs := -1, floor
		for _, p := range prose {
			if used[p] || !ok(p) {
				continue
			}
			// The Dice coefficient cannot exceed 2·min/(sum) of the sizes;
			// without a common start of four characters, a pair that
			// cannot reach the floor is not compared.
			if heads[t] != heads[p] && float64(2*min(sizes[t], sizes[p])) < floor*float64(sizes[t]+sizes[p]) {
				continue
			}
			if s := similarity(keys[t], keys[p], grams[t], grams[p]); s >= bs && (bp < 0 || s > bs) {
				bp, bs = p, s
			}
		}
		return bp
	}
	last := func(i int) string { return items[i].Path[len(items[i].Path)-1] }

	var (
		rowTo = map[int]int{} // table row → text item
		catTo = map[int]int{} // table category → text section
		rowOf = map[int]int{} // table row → its table category (-1: none)
		cat   = -1
	)
	for _, t := range table {
		lvl, _, _ := matchMarker(last(t))
		if len(items[t].Path) == 1 && (lvl == lvlParenCN || lvl == lvlChinese) {
			cat = t
			if p := best(t, simCategory, func(p int) bool { return items[p].Kind == KindSection && last(p) == last(t) }); p >= 0 {
				catTo[t] = p
				used[p] = true
			}
			continue
		}
		rowOf[t] = -1
		if len(items[t].Path) == 2 && cat >= 0 && items[cat].Path[0] == items[t].Path[0] {
			rowOf[t] = cat
		}
		p := -1
		if sec, ok := catTo[rowOf[t]]; ok {
			p = best(t, simSameParent, func(p int) bool {
				return len(items[p].Path) == len(items[sec].Path)+1 && isPrefix(items[sec].Path, items[p].Path) && last(p) == last(t)
			})
		}
		if p < 0 {
			p = best(t, simSameNumber, func(p int) bool { return items[p].Kind == KindTask && last(p) == last(t) })
		}
		if p < 0 {
			p = best(t, simTitleOnly, func(p int) bool { return items[p].Kind == KindTask })
		}
		if p >= 0 {
			rowTo[t] = p
			used[p] = true
		}
	}
	if len(rowTo) == 0 && len(catTo) == 0 {
		return items
	}

	drop := make(map[int]bool)
	for t, p := range rowTo {
		mergeRow(&items[p], items[t])
		drop[t] = true
	}
	// A row that matched no text item but whose category matched a text
	// section moves under that section, unless the text has that number.
	paths := make(map[string]bool, len(prose))
	for _, p := range prose {
		paths[strings.Join(items[p].Path, "/")] = true
	}
	after := make(map[int][]int) // text item → rows to place after it
	for _, t := range table {
		c, isRow := rowOf[t]
		if !isRow || drop[t] {
			continue
		}
		sec, ok := catTo[c]
		if !ok {
			continue
		}
		path := append(append([]string(nil), items[sec].Path...), last(t))
		key := strings.Join(path, "/")
		if paths[key] {
			continue
		}
		paths[key] = true
		items[t].Path = path
		anchor := sec
		for anchor+1 < len(items) && !fromTable[anchor+1] && isPrefix(items[sec].Path, items[anchor+1].Path) {
			anchor++
		}
		after[anchor] = append(after[anchor], t)
		drop[t] = true
	}
	// A matched category goes when all its rows have gone.
	for c := range catTo {
		all := true
		for t, rc := range rowOf {
			if rc == c && !drop[t] {
				all = false
				break
			}
		}
		if all {
			drop[c] = true
		}
	}
	out := make([]Item, 0, len(items))
	for i := range items {
		if !drop[i] {
			out = append(out, items[i])
		}
		for _, t := range after[i] {
			out = append(out, items[t])
		}
	}
	return out
}

// mergeRow adds what a table row says to the text item it describes: its
// units (after the text's own), its time (the table's column wins: it is
// the schedule the office works to), its targets not already in the text,
// and where the row is.
func mergeRow(it *Item, row Item) {
	it.Lead = appendUnique(it.Lead, row.Lead...)
	it.Responsible = appendUnique(it.Responsible, row.Responsible...)
	if row.Schedule != "" {
		it.Schedule = row.Schedule
	}
	if it.Content == "" {
		it.Content = row.Content
	}
outer:
	for _, t := range row.Targets {
		for _, x := range it.Targets {
			if x.Value == t.Value && x.Unit == t.Unit {
				continue outer
			}
		}
		it.Targets = append(it.Targets, t)
	}
	it.TableSource = row.TableSource
}

// titleKey is a title reduced for comparison: no punctuation, quotation
// marks or spaces.
func titleKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 || strings.ContainsRune("“”‘’《》〈〉「」『』·•、，。：；！？（）【】〔〕…—–", r) {
			return -1
		}
		return r
	}, s)
}

// bigrams returns the character bigrams of s with their counts.
func bigrams(s string) map[string]int {
	g := make(map[string]int)
	var prev string
	for i, r := range s {
		w := utf8.RuneLen(r)
		if prev != "" {
			g[prev+s[i:i+w]]++
		}
		prev = s[i : i+w]
	}
	return g
}

// similarity of two title keys: the Dice coefficient of their bigrams, or,
// when one starts like the other for at least four characters, the share
// of the shorter that the common start covers ("开展科普进机关、进党校活动"
// and the same words followed by a clause).
func similarity(a, b string, ga, gb map[string]int) float64 {
	na, nb := 0, 0
	common := 0
	for k, v := range ga {
		na += v
		if w, ok := gb[k]; ok {
			common += min(v, w)
		}
	}
	for _, v := range gb {
		nb += v
	}
	dice := 0.0
	if na+nb > 0 {
		dice = 2 * float64(common) / float64(na+nb)
	}
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	for p > 0 && p < len(a) && !utf8.RuneStart(a[p]) {
		p--
	}
	pr := utf8.RuneCountInString(a[:p])
	if pr >= 4 {
		short := min(utf8.RuneCountInString(a), utf8.RuneCountInString(b))
		return max(dice, float64(pr)/float64(short))
	}
	return dice
}
