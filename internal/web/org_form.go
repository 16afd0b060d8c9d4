package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/org"
)

// Helpers shared by the org_* pages.

// orgService is the registry service for this request.
func (s *Server) orgService() *org.Service { return s.Org }

// orgPathID reads a positive integer path value; anything else is a page
// that does not exist.
func orgPathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, core.Errorf(core.ENOTFOUND, "页面不存在")
	}
	return id, nil
}

// formInt reads an integer form field; empty or malformed is 0, which the
// domain reports as "please choose".
func formInt(r *http.Request, name string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(name)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// formSortOrder reads the optional order field; malformed is -1 so that the
// domain names the field instead of quietly using the default.
func formSortOrder(r *http.Request) int64 {
	s := strings.TrimSpace(r.PostFormValue("sort_order"))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// formFailed decides how a failed change is shown: validation errors and
// conflicts go back to the form, with the user's input and per-field
// messages; anything else (not found, internal) is an error page. It
// reports whether the caller should re-render the form.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, b *Base, err error) bool {
	switch core.ErrorCode(err) {
	case core.EINVALID:
		b.Errors = core.FieldErrors(err)
		b.Error = "提交的内容有误，请按提示修改后重新提交。"
		return true
	case core.ECONFLICT:
		b.Errors = core.FieldErrors(err)
		b.Error = core.ErrorMessage(err) + " 您填写的内容仍保留在下方，可复制后刷新页面。"
		return true
	}
	s.Guard.Error(w, r, 0, err)
	return false
}

// bodyURL is the body page, optionally with a flash notice and an anchor.
func bodyURL(id int64, flash, anchor string) string {
	u := fmt.Sprintf("/org/bodies/%d", id)
	if flash != "" {
		u += "?flash=" + flash
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// orgChoice is one option of a select.
type orgChoice struct {
	Value    string
	Label    string
	Selected bool
}

func unitChoices(units []org.Unit, selected int64, blank string) []orgChoice {
	out := []orgChoice{{Value: "", Label: blank, Selected: selected == 0}}
	for _, u := range units {
		label := u.Name
		if u.ShortName != "" && u.ShortName != u.Name {
			label += "（" + u.ShortName + "）"
		}
		out = append(out, orgChoice{Value: strconv.FormatInt(u.ID, 10), Label: label, Selected: u.ID == selected})
	}
	return out
}

// memberUnitChoices offers the body's current member units.
func memberUnitChoices(mus []org.MemberUnit, selected int64, blank string) []orgChoice {
	out := []orgChoice{{Value: "", Label: blank, Selected: selected == 0}}
	for _, m := range mus {
		if m.LeftOn != "" {
			continue
		}
		out = append(out, orgChoice{Value: strconv.FormatInt(m.UnitID, 10), Label: m.UnitName, Selected: m.UnitID == selected})
	}
	return out
}

// sendXLSX writes a finished workbook as a download. The workbook is built
// in memory first (rosters are small), so that a refusal arrives as an
// ordinary error page, never as half a file. The name is sent both as an
// ASCII fallback and RFC 6266 UTF-8 so that Chinese names survive
// (SECURITY.md E5).
func sendXLSX(w http.ResponseWriter, asciiName, name string, buf *bytes.Buffer) {
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, asciiName, url.PathEscape(name)))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
}

// renderForm renders a form page: 200 when first shown, the status of err
// when shown again after a failed submission.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, err error, page string, data any) {
	status := http.StatusOK
	if err != nil {
		status = httpx.Status(err)
	}
	s.render(w, r, status, page, data)
}

// orgParseID reads a positive id from a query value; anything else is 0.
func orgParseID(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
