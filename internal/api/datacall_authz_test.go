package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"liandong/internal/testkit"
)

// The data calls' part of the authorization matrix, with the users and
// columns of the registry's (officeA officeA1 leaderA liaisonX liaisonY
// officeB sysadmin secadmin auditadmin anon). Call A is body A's, sent to
// its member units (X and Y among them) and to county A1's office.
const (
	// The office of A and the leaders oversee; A1's office is an addressee,
	// not an overseer.
	callOversee = "200 404 200 404 404 404 403 403 403 401"
	// Everyone addressed reads the call.
	callRead = "200 200 200 200 200 404 403 403 403 401"
	// A step of the office on an open call: A1 sees the call, so 403.
	callManageOpen = "%s 403 403 403 403 404 403 403 403 401"
	// A step of the office on a draft: nobody else sees it.
	callManageDraft = "%s 404 403 403 403 404 403 403 403 401"
	// The addressees' own side: A is not addressed to itself (404);
	// leaders do not submit (403).
	callSubmit = "404 %[1]s 403 %[1]s %[1]s 404 403 403 403 401"
	// X's submission: the office, the leaders and X itself.
	subX = "200 404 200 200 404 404 403 403 403 401"
)

type callWorld struct {
	*world
	n int
}

func isCallRoute(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return strings.HasPrefix(path, "/api/v1/calls") || strings.HasPrefix(path, "/api/v1/submissions") ||
		path == "/api/v1/me/calls"
}

// must sends a request that has to succeed and decodes the answer.
func (w *callWorld) must(user, method, path string, body any, out any) {
	w.t.Helper()
	status, b := w.call(user, method, path, body)
	if status >= 300 {
		w.t.Fatalf("%s %s as %s: %d %s", method, path, user, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			w.t.Fatal(err)
		}
	}
}

type callOut struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	Items   []struct {
		ID int64 `json:"id"`
	} `json:"items"`
}

// draft makes a draft call of body A: an optional document and a form
// with one required field.
func (w *callWorld) draft() callOut {
	w.n++
	var c callOut
	w.must("officeA", "POST", "/api/v1/calls", map[string]any{
		"body_id": w.bodyA.ID, "title": fmt.Sprintf("上报年度工作总结%d", w.n),
		"deadline_date": time.Now().AddDate(1, 0, 0).Format("2006-01-02"),
		"items": []map[string]any{
			{"kind": "document", "label": "工作总结", "required": false},
			{"kind": "form", "label": "基本情况", "fields": []map[string]any{{"label": "活动场次", "type": "integer", "required": true}}},
		},
		"all_members": true, "all_offices": true,
	}, &c)
	return c
}

func (w *callWorld) open() callOut {
	c := w.draft()
	w.must("officeA", "POST", fmt.Sprintf("/api/v1/calls/%d/open", c.ID), map[string]any{"version": c.Version}, &c)
	return c
}

// submitX submits X's answer to call c with a PDF; returns the submission
// and the file ids.
func (w *callWorld) submitX(c callOut) (sub, fileID int64) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "总结.pdf")
	fw.Write([]byte("%PDF-1.4\n% 总结\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
	mw.Close()
	status, b := w.raw("liaisonX", "POST", fmt.Sprintf("/api/v1/calls/%d/uploads", c.ID), mw.FormDataContentType(), &buf)
	if status != http.StatusCreated {
		w.t.Fatalf("upload: %d %s", status, b)
	}
	var f struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal(b, &f)
	var s struct {
		ID int64 `json:"id"`
	}
	w.must("liaisonX", "POST", fmt.Sprintf("/api/v1/calls/%d/submission/submit", c.ID), map[string]any{
		"version": 0, "token": "x", "files": []map[string]any{{"item_id": c.Items[0].ID, "file_id": f.ID}},
		"answers": map[string]any{strconv.FormatInt(c.Items[1].ID, 10): map[string]string{"f1": "12"}},
	}, &s)
	return s.ID, f.ID
}

func (w *callWorld) rows() []row {
	open := w.open()
	sub, fid := w.submitX(open)
	cp := func(c callOut, rest string) string { return fmt.Sprintf("/api/v1/calls/%d%s", c.ID, rest) }
	sp := fmt.Sprintf("/api/v1/submissions/%d", sub)
	answer := func(c callOut) map[string]any {
		return map[string]any{"version": 0, "token": "t", "answers": map[string]any{strconv.FormatInt(c.Items[1].ID, 10): map[string]string{"f1": "3"}}}
	}
	return []row{
		{"GET /api/v1/calls", "of A", callOversee, get(fmt.Sprintf("/api/v1/calls?body=%d", w.bodyA.ID))},
		{"POST /api/v1/calls", "in A", "201 404 403 403 403 404 403 403 403 401", func(*world) (string, string, any) {
			return "POST", "/api/v1/calls", map[string]any{"body_id": w.bodyA.ID, "title": "新征集", "deadline_date": "2099-01-01",
				"items": []map[string]any{{"kind": "document", "label": "总结"}}, "all_members": true}
		}},
		{"GET /api/v1/calls/{id}", "open A", callRead, get(cp(open, ""))},
		{"PUT /api/v1/calls/{id}", "open A", fmt.Sprintf(callManageOpen, "200"), func(*world) (string, string, any) {
			w.n++
			return "PUT", cp(open, ""), map[string]any{"title": fmt.Sprintf("改名%d", w.n), "deadline_date": "2099-02-01",
				"version": w.version("calls", open.ID)}
		}},
		{"POST /api/v1/calls/{id}/open", "a draft of A", fmt.Sprintf(callManageDraft, "200"), func(*world) (string, string, any) {
			c := w.draft()
			return "POST", cp(c, "/open"), map[string]any{"version": c.Version}
		}},
		{"POST /api/v1/calls/{id}/close", "an open call of A", fmt.Sprintf(callManageOpen, "200"), func(*world) (string, string, any) {
			c := w.open()
			return "POST", cp(c, "/close"), map[string]any{"version": c.Version}
		}},
		{"GET /api/v1/calls/{id}/board", "open A", callOversee, get(cp(open, "/board"))},
		{"GET /api/v1/calls/{id}/zip", "open A", callOversee, get(cp(open, "/zip"))},
		{"GET /api/v1/me/calls", "own", "200 200 200 200 200 200 403 403 403 401", get("/api/v1/me/calls")},
		{"GET /api/v1/calls/{id}/submission", "open A", fmt.Sprintf(callSubmit, "200"), get(cp(open, "/submission"))},
		{"PUT /api/v1/calls/{id}/submission", "a fresh open call", fmt.Sprintf(callSubmit, "200"), func(*world) (string, string, any) {
			c := w.open()
			return "PUT", cp(c, "/submission"), answer(c)
		}},
		{"POST /api/v1/calls/{id}/submission/submit", "a fresh open call", fmt.Sprintf(callSubmit, "200"), func(*world) (string, string, any) {
			c := w.open()
			return "POST", cp(c, "/submission/submit"), answer(c)
		}},
		{"GET /api/v1/submissions/{id}", "X's", subX, get(sp)},
		{"POST /api/v1/submissions/{id}/review", "a fresh one of X", "200 404 403 403 403 404 403 403 403 401", func(*world) (string, string, any) {
			c := w.open()
			s, _ := w.submitX(c)
			return "POST", fmt.Sprintf("/api/v1/submissions/%d/review", s), map[string]any{"version": w.version("call_submissions", s), "reason": "请补充"}
		}},
		{"GET /api/v1/submissions/{id}/files/{file}", "X's PDF", subX, get(fmt.Sprintf("%s/files/%d", sp, fid))},
	}
}

// callFingerprint is every data-call row as text.
func (w *callWorld) callFingerprint() string {
	var sb strings.Builder
	for _, q := range []string{`SELECT id, status, version FROM calls ORDER BY id`, `SELECT id, status, version FROM call_submissions ORDER BY id`} {
		rows, err := w.a.DB.R().QueryContext(w.ctx, q)
		if err != nil {
			w.t.Fatal(err)
		}
		for rows.Next() {
			var id, v int64
			var st string
			rows.Scan(&id, &st, &v)
			fmt.Fprintf(&sb, "%d %s %d;", id, st, v)
		}
		rows.Close()
	}
	return sb.String()
}

// TestCallAuthorizationMatrix sends every data-call route (but the upload,
// which TestCallUpload covers) as each user and compares the status with
// the matrix (SECURITY.md B1, B3, B5): a refusal changes nothing and a
// logged-in user's 403 or 404 is audited; a change that succeeds changes
// something and is audited.
func TestCallAuthorizationMatrix(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := &callWorld{world: newWorld(t, dsn)}
		rows := w.rows()
		covered := map[string]bool{"POST /api/v1/calls/{id}/uploads": true}
		for _, r := range rows {
			covered[r.route] = true
		}
		for _, rt := range w.a.Routes() {
			if isCallRoute(rt.Pattern) && strings.Contains(rt.Pattern, "/api/") && !covered[rt.Pattern] {
				t.Errorf("route %s has no row in the data calls' matrix", rt.Pattern)
			}
		}
		for _, r := range rows {
			want := strings.Fields(r.want)
			for i, user := range users {
				m, path, body := r.req(w.world)
				before, denied, ok := w.callFingerprint(), w.auditCount("denied"), w.auditCount("success")
				status, resp := w.call(user, m, path, body)
				what := fmt.Sprintf("%s %s [%s] as %s", m, path, r.of, user)
				if strconv.Itoa(status) != want[i] {
					t.Errorf("%s: status %d, want %s: %.300s", what, status, want[i], resp)
					continue
				}
				changed := w.callFingerprint() != before
				switch {
				case status >= 400 && changed:
					t.Errorf("%s: refused with %d but something changed", what, status)
				case status < 300 && m == http.MethodGet && changed:
					t.Errorf("%s: a read changed something", what)
				case status < 300 && m != http.MethodGet && !changed:
					t.Errorf("%s: answered %d but nothing changed", what, status)
				}
				if m != http.MethodGet && status < 300 && w.auditCount("success") <= ok {
					t.Errorf("%s: the change was not audited", what)
				}
				if (status == 403 || status == 404) && user != "anon" && w.auditCount("denied") <= denied {
					t.Errorf("%s: the refusal was not audited", what)
				}
			}
		}
	})
}

// TestCallUpload: only an addressee uploads for a call; a PNG is recorded
// as a PNG even though it is stored as JPEG, so a JPG-only item refuses it.
func TestCallUpload(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := &callWorld{world: newWorld(t, dsn)}
		c := w.open()
		for user, want := range map[string]int{"liaisonX": 201, "officeA1": 201, "officeA": 404, "officeB": 404, "leaderA": 403, "anon": 401} {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", "a.pdf")
			fw.Write([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
			mw.Close()
			if status, b := w.raw(user, "POST", fmt.Sprintf("/api/v1/calls/%d/uploads", c.ID), mw.FormDataContentType(), &buf); status != want {
				t.Errorf("upload as %s: %d, want %d: %s", user, status, want, b)
			}
		}
		// Idempotent submit over HTTP: the same token twice, one revision.
		sub, _ := w.submitX(c)
		status, b := w.call("liaisonX", "POST", fmt.Sprintf("/api/v1/calls/%d/submission/submit", c.ID), map[string]any{
			"version": 0, "token": "x", "answers": map[string]any{}})
		if status != 200 || !strings.Contains(string(b), fmt.Sprintf(`"id":%d`, sub)) || !strings.Contains(string(b), `"revision":1`) {
			t.Fatalf("the same submit again: %d %s", status, b)
		}
		// A stale draft version: 409.
		c2 := w.open()
		path := fmt.Sprintf("/api/v1/calls/%d/submission", c2.ID)
		w.must("liaisonX", "PUT", path, map[string]any{"version": 0}, nil)
		if status, b := w.call("liaisonX", "PUT", path, map[string]any{"version": 0}); status != http.StatusConflict {
			t.Fatalf("stale draft: %d %s", status, b)
		}
		// Missing required items: 422 with a message per item.
		status, b = w.call("liaisonY", "POST", path+"/submit", map[string]any{"version": 0, "token": "y"})
		if status != http.StatusUnprocessableEntity || !strings.Contains(string(b), "活动场次") {
			t.Fatalf("empty submit: %d %s", status, b)
		}
	})
}
