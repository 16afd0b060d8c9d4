package web

import (
	"fmt"
	"net/http"
	"net/url"

	"liandong/internal/audit"
)

func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) {
	s.auditExport(w, r, auditAll)
}

func (s *Server) exportAuditorActions(w http.ResponseWriter, r *http.Request) {
	s.auditExport(w, r, auditAuditors)
}

// auditExport sends what the list shows, all pages, as XLSX. The headers of
// the download are set only when the workbook is written, so that a refusal
// (too many rows, a bad filter) or a failure arrives as an ordinary error
// page rather than as a broken file.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request, v auditView) {
	f, _, err := parseAuditFilter(r, v)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	now := s.Clock.Now()
	name := fmt.Sprintf("%s-%s.xlsx", v.Title, now.In(audit.Shanghai).Format("20060102-1504"))
	dw := &downloadWriter{w: w, setHeaders: func(h http.Header) {
		h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s.xlsx"; filename*=UTF-8''%s`,
			now.In(audit.Shanghai).Format("20060102-1504"), url.PathEscape(name)))
	}}
	if _, err := audit.Export(r.Context(), s.DB, now, f, dw); err != nil && !dw.started {
		s.Guard.Error(w, r, 0, err)
	}
}

// downloadWriter sets the download's headers on the first write.
type downloadWriter struct {
	w          http.ResponseWriter
	setHeaders func(http.Header)
	started    bool
}

func (d *downloadWriter) Write(b []byte) (int, error) {
	if !d.started {
		d.started = true
		d.setHeaders(d.w.Header())
	}
	return d.w.Write(b)
}
