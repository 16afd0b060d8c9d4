package source

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// An .xlsx decomposition table (重点任务分解表) is rendered in the tab-cell
// text a .docx table gives (see docx.go), so the one extractor reads both:
// the rows above the header as plain lines (the table's title), then the
// header row and every row below it, each cell on a new line starting with
// "\t", each row followed by an empty line.
//
// Before excelize sees the file, every entry is decompressed once to count
// it against the limits (excelize trusts the sizes in the zip headers) and
// every XML part is read through the bounded token reader, which also
// collects what this file needs of the workbook structure: the sheets, their
// parts, and their merged ranges. excelize is then given the same limits and
// is only used to stream rows, which it formats (numbers, dates, shared
// strings) as Excel shows them.

const (
	maxSheetElems = 2_000_000 // elements of one worksheet part, streamed by excelize
	maxMerges     = 20_000    // merged ranges of one worksheet
	maxColumns    = 64        // columns rendered; a decomposition table has under a dozen
	headerRows    = 30        // rows searched for the header
)

type sheetRef struct{ name, rid, state string }

// workbook is what the pre-scan learnt of the workbook's structure.
type workbook struct {
	sheets []sheetRef
	rels   map[string]string   // relationship id → target, from xl/_rels/workbook.xml.rels
	merges map[string][]string // lower-case worksheet part → merged ranges ("A2:A5")
}

func readXLSX(a *archive, data []byte, lim Limits) (text string, err error) {
	wb, err := prescan(a)
	if err != nil {
		return "", a.fail(err)
	}
	// excelize is a large parser of untrusted input; a panic in it must
	// refuse the file, not take the request down.
	defer func() {
		if p := recover(); p != nil {
			text, err = "", invalid("无法读取该 Excel 文件，文件可能已损坏。请在 Excel 或 WPS 中重新保存后上传。", fmt.Errorf("excelize panic: %v", p))
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: lim.MaxUnzipped, UnzipXMLSizeLimit: lim.MaxUnzipped})
	if err != nil {
		return "", invalid("无法读取该 Excel 文件，文件可能已损坏或设置了密码。请在 Excel 或 WPS 中重新保存后上传。", err)
	}
	defer f.Close()

	// Visible sheets first, in workbook order; a hidden sheet only if no
	// visible one holds the table.
	order := slices.Clone(wb.sheets)
	slices.SortStableFunc(order, func(x, y sheetRef) int { return boolInt(hiddenState(x.state)) - boolInt(hiddenState(y.state)) })
	for _, s := range order {
		part := wb.part(s.rid)
		if part == "" || !strings.HasPrefix(part, "xl/worksheets/") {
			continue // a chart sheet or a dangling reference
		}
		text, found, err := renderSheet(f, s.name, wb.merges[part], lim)
		if err != nil {
			return "", err
		}
		if found {
			return text, nil
		}
	}
	return "", invalid("表格中没有找到任务分解表：需要有一行表头，包含“牵头单位”“责任单位”（或“配合单位”）和“完成时间”等列。", fmt.Errorf("no decomposition header in %d sheets", len(wb.sheets)))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func hiddenState(s string) bool { return s == "hidden" || s == "veryHidden" }

// part resolves a sheet's relationship id to its lower-case part name.
func (wb *workbook) part(rid string) string {
	t, ok := wb.rels[rid]
	if !ok || t == "" {
		return ""
	}
	t = strings.ReplaceAll(t, `\`, "/")
	if strings.HasPrefix(t, "/") {
		t = t[1:]
	} else {
		t = "xl/" + t
	}
	return strings.ToLower(path.Clean(t))
}

// prescan decompresses every entry once within the limits, reads every XML
// part through the bounded reader, and collects the workbook's structure.
func prescan(a *archive) (*workbook, error) {
	wb := &workbook{rels: map[string]string{}, merges: map[string][]string{}}
	names := make([]string, 0, len(a.files))
	for n := range a.files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		if a.files[name].FileInfo().IsDir() {
			continue
		}
		ext := path.Ext(name)
		if ext != ".xml" && ext != ".rels" && ext != ".vml" {
			if err := a.drain(name); err != nil {
				return nil, err
			}
			continue
		}
		rc, err := a.open(name)
		if err != nil {
			return nil, err
		}
		limit := maxPartElems
		if strings.HasPrefix(name, "xl/worksheets/") {
			limit = maxSheetElems
		}
		err = wb.scanPart(name, newXMLReader(rc, limit, a.lim.MaxText))
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	return wb, nil
}

func (wb *workbook) scanPart(name string, x *xmlReader) error {
	for {
		t, err := x.Token()
		if err == io.EOF {
			if x.depth != 0 {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case name == "xl/workbook.xml" && se.Name.Local == "sheet":
			var s sheetRef
			for _, at := range se.Attr {
				switch at.Name.Local {
				case "name":
					s.name = at.Value
				case "id":
					s.rid = at.Value
				case "state":
					s.state = at.Value
				}
			}
			if len(wb.sheets) < 1000 {
				wb.sheets = append(wb.sheets, s)
			}
		case name == "xl/_rels/workbook.xml.rels" && se.Name.Local == "Relationship":
			var id, target string
			for _, at := range se.Attr {
				switch at.Name.Local {
				case "Id":
					id = at.Value
				case "Target":
					target = at.Value
				}
			}
			wb.rels[id] = target
		case strings.HasPrefix(name, "xl/worksheets/") && se.Name.Local == "mergeCell":
			for _, at := range se.Attr {
				if at.Name.Local == "ref" {
					if len(wb.merges[name]) >= maxMerges {
						return errElems
					}
					wb.merges[name] = append(wb.merges[name], at.Value)
				}
			}
		}
	}
}

// covered lists the cells hidden under merged ranges: every cell of a range
// but its top-left one, keyed by [column, row] (1-based).
func covered(merges []string) map[[2]int]bool {
	m := map[[2]int]bool{}
	for _, ref := range merges {
		from, to, ok := strings.Cut(ref, ":")
		if !ok {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(from)
		c2, r2, err2 := excelize.CellNameToCoordinates(to)
		if err1 != nil || err2 != nil {
			continue
		}
		if c1 > c2 {
			c1, c2 = c2, c1
		}
		if r1 > r2 {
			r1, r2 = r2, r1
		}
		c2 = min(c2, maxColumns) // only rendered columns matter
		if (c2-c1+1)*(r2-r1+1) > 1_000_000 || len(m) > 2_000_000 {
			// A range this large is not part of a task table; marking it
			// would cost more than the table is worth.
			continue
		}
		for r := r1; r <= r2; r++ {
			for c := c1; c <= c2; c++ {
				if r != r1 || c != c1 {
					m[[2]int{c, r}] = true
				}
			}
		}
	}
	return m
}

// isHeader reports whether a row is a decomposition table header, with the
// words the extractor looks for: lead (牵头), responsible or assisting, and
// a time column.
func isHeader(cells []string) bool {
	h := strings.Join(cells, "")
	h = strings.Join(strings.Fields(h), "")
	return strings.Contains(h, "牵头") && containsAny(h, "责任", "配合", "参与", "协办") && containsAny(h, "时间", "时限", "进度")
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// renderSheet streams one sheet and renders it if it holds a decomposition
// header within its first rows.
func renderSheet(f *excelize.File, sheet string, merges []string, lim Limits) (string, bool, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return "", false, invalid("无法读取该 Excel 文件的工作表，文件可能已损坏。", err)
	}
	defer rows.Close()
	hidden := covered(merges)
	var (
		out    strings.Builder
		title  []string
		found  bool
		first  = 1 // first rendered column
		last   = 1 // last column of the header
		rowNum int
	)
	for rows.Next() {
		rowNum++
		cols, err := rows.Columns()
		if err != nil {
			return "", false, invalid("无法读取该 Excel 文件的工作表，文件可能已损坏。", err)
		}
		cells := make([]string, 0, min(len(cols), maxColumns))
		for c, v := range cols[:min(len(cols), maxColumns)] {
			if hidden[[2]int{c + 1, rowNum}] {
				v = ""
			}
			cells = append(cells, cellText(v))
		}
		if !found {
			if rowNum > headerRows {
				return "", false, nil
			}
			if !isHeader(cells) {
				if line := strings.TrimSpace(strings.Join(strings.Fields(strings.Join(cells, " ")), " ")); line != "" {
					title = append(title, line)
				}
				continue
			}
			found = true
			first, last = 0, 0
			for c, v := range cells {
				if v != "" {
					if first == 0 {
						first = c + 1
					}
					last = c + 1
				}
			}
			for _, l := range title {
				out.WriteString(l)
				out.WriteByte('\n')
			}
			writeRow(&out, cells, first, last)
			continue
		}
		if allEmpty(cells) {
			continue
		}
		end := last
		for c := len(cells); c > last; c-- {
			if cells[c-1] != "" {
				end = c
				break
			}
		}
		writeRow(&out, cells, first, end)
		if out.Len() > lim.MaxText {
			return "", false, textTooLarge(lim)
		}
	}
	if err := rows.Error(); err != nil {
		return "", false, invalid("无法读取该 Excel 文件的工作表，文件可能已损坏。", err)
	}
	return out.String(), found, nil
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

// writeRow writes cells first..last (1-based) in the tab-cell format.
func writeRow(b *strings.Builder, cells []string, first, last int) {
	for c := first; c <= last; c++ {
		v := ""
		if c-1 < len(cells) {
			v = cells[c-1]
		}
		b.WriteByte('\t')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

// cellText cleans a cell value: line breaks inside the cell (Alt+Enter)
// become continuation lines without a leading tab, blank lines and control
// characters go.
func cellText(v string) string {
	v = cleanText(strings.ToValidUTF8(v, ""))
	if !strings.Contains(v, "\n") {
		return strings.TrimSpace(strings.ReplaceAll(v, "\t", " "))
	}
	var lines []string
	for l := range strings.SplitSeq(v, "\n") {
		l = strings.TrimSpace(strings.ReplaceAll(l, "\t", " "))
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
