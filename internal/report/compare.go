package report

import (
	"strconv"
	"strings"

	"liandong/internal/audit"
)

// Compare lists the fields of two versions of report r's content, in the
// form's order, with people's labels: the progress, the narrative, each
// target's figure, the problems, each photo's caption and the attachments.
func Compare(r *Report, a, b DraftInput) []audit.Change {
	var out []audit.Change
	add := func(field, before, after string) {
		out = append(out, audit.Change{Field: field, Before: before, After: after, Changed: before != after})
	}
	add("进展状态", a.Progress.Label(), b.Progress.Label())
	add("工作进展", a.Narrative, b.Narrative)
	fig := func(in DraftInput, seq int64) string {
		for _, f := range in.Figures {
			if f.Seq == seq {
				s := ""
				if f.Value != nil {
					s = Num(*f.Value)
				}
				if f.Note != "" {
					s += "（" + f.Note + "）"
				}
				return s
			}
		}
		return ""
	}
	for _, f := range r.Figures {
		add("指标："+f.Target, fig(a, f.Seq), fig(b, f.Seq))
	}
	add("问题与需求", a.Problems, b.Problems)
	names := map[int64]string{}
	for _, x := range append(append([]Attach{}, r.Photos...), r.Attachments...) {
		names[x.FileID] = x.Name
	}
	caption := func(in DraftInput, id int64) string {
		for _, p := range in.Photos {
			if p.FileID == id {
				if p.Caption == "" {
					return "（无说明）"
				}
				return p.Caption
			}
		}
		return ""
	}
	var ids []int64
	seen := map[int64]bool{}
	for _, in := range []DraftInput{a, b} {
		for _, p := range in.Photos {
			if !seen[p.FileID] {
				seen[p.FileID] = true
				ids = append(ids, p.FileID)
			}
		}
	}
	for i, id := range ids {
		label := "照片" + strconv.Itoa(i+1)
		if n := names[id]; n != "" {
			label += "（" + n + "）"
		}
		add(label, caption(a, id), caption(b, id))
	}
	docs := func(in DraftInput) string {
		var parts []string
		for _, d := range in.Attachments {
			n := names[d.FileID]
			if n == "" {
				n = "文件" + strconv.FormatInt(d.FileID, 10)
			}
			parts = append(parts, n)
		}
		return strings.Join(parts, "、")
	}
	add("附件", docs(a), docs(b))
	return out
}
