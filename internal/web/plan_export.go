package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"unicode"
)

// ---- GET /plans/{id}/table.xlsx: the decomposition table as a workbook ----

// exportPlanTable sends what the table page shows, with the same filter,
// as XLSX. The workbook is made (and the export audited) before anything
// is sent, so that a refusal arrives as an ordinary error page.
func (s *Server) exportPlanTable(w http.ResponseWriter, r *http.Request) {
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	f, _ := readFilter(r)
	var buf bytes.Buffer
	if err := s.Plan.ExportTable(r.Context(), id, f, &buf); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	name := "重点任务分解表.xlsx"
	if pl, err := s.Plan.GetPlan(r.Context(), id); err == nil {
		name = fileTitle(pl.Title) + "重点任务分解表.xlsx"
	}
	sendXLSX(w, fmt.Sprintf("plan-%d-table.xlsx", id), name, &buf)
}

// fileTitle makes a plan title fit a file name: no path separators,
// characters Windows refuses or controls, at most 60 characters.
func fileTitle(title string) string {
	t := strings.Map(func(c rune) rune {
		if unicode.IsControl(c) || strings.ContainsRune(`/\:*?"<>|`, c) || unicode.Is(unicode.Bidi_Control, c) {
			return -1
		}
		return c
	}, strings.TrimSpace(title))
	t = strings.Trim(t, "《》")
	if r := []rune(t); len(r) > 60 {
		t = string(r[:60])
	}
	return t
}
