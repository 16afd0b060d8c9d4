package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"liandong/internal/api"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/report"
	"liandong/internal/testkit"
)

// isReportRoute tells the API routes of progress reports, which this file's
// matrix covers (the plans' matrix leaves them here).
func isReportRoute(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return strings.HasPrefix(path, "/api/v1/reports") || path == "/api/v1/me/reports" ||
		path == "/api/v1/tasks/{id}/reports" || path == "/api/v1/plans/{id}/reports" || path == "/api/v1/plans/{id}/rollup"
}

// reportWorld is the plans' world with reports: unit Y is responsible for
// task X of city A's plan, which unit X leads.
type reportWorld struct {
	*planWorld
	svc *report.Service
}

const reportPeriod = "2025-Q4"

// reset removes every report, so that each request of a row starts from
// the same state.
func (w *reportWorld) reset() {
	w.t.Helper()
	w.tx(func(q db.Querier, _ time.Time) error {
		_, err := q.ExecContext(w.ctx, `DELETE FROM reports`)
		return err
	})
}

// freshY makes unit Y's report on task X in the given state ("draft",
// "submitted"), after a reset; photo adds one photo Y uploaded.
func (w *reportWorld) freshY(state string, photo bool) *report.Report {
	w.t.Helper()
	w.reset()
	y := w.as("liaisonY")
	r, _, err := w.svc.Start(y, report.Key{BodyID: w.bodyA.ID, ItemID: w.taskX.ID, UnitID: w.unitY.ID, Period: reportPeriod})
	if err != nil {
		w.t.Fatal(err)
	}
	in := report.DraftInput{Version: r.Version, Progress: report.OnTrack, Narrative: "已组织初赛"}
	if photo {
		in.Photos = []report.FileInput{{FileID: w.upload("liaisonY"), Caption: "初赛现场"}}
	}
	if state == "submitted" {
		r, err = w.svc.Submit(y, r.ID, in)
	} else {
		r, err = w.svc.Save(y, r.ID, in)
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// upload stores a small JPEG as user through POST /api/v1/files.
func (w *reportWorld) upload(user string) int64 {
	w.t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var pic, body bytes.Buffer
	if err := jpeg.Encode(&pic, img, nil); err != nil {
		w.t.Fatal(err)
	}
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "现场.jpg")
	fw.Write(pic.Bytes())
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/api/v1/files?kind=photo", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+w.tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var f struct{ ID int64 }
	if err := json.NewDecoder(resp.Body).Decode(&f); err != nil || resp.StatusCode != http.StatusCreated {
		w.t.Fatalf("upload: %d %v", resp.StatusCode, err)
	}
	return f.ID
}

// reportFingerprint adds the report tables to the plans'.
func (w *reportWorld) reportFingerprint() string {
	w.t.Helper()
	var sb strings.Builder
	sb.WriteString(w.planFingerprint())
	for _, q := range []string{
		`SELECT id, state, version, narrative, revision FROM reports ORDER BY id`,
		`SELECT id, report_id, kind FROM report_revisions ORDER BY id`,
		`SELECT id, report_id, file_id, caption FROM report_files ORDER BY id`,
	} {
		rows, err := w.a.DB.R().QueryContext(w.ctx, q)
		if err != nil {
			w.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				w.t.Fatal(err)
			}
			fmt.Fprintf(&sb, "%v\n", vals)
		}
		rows.Close()
	}
	return sb.String()
}

func (w *reportWorld) reportRows() []row {
	A := w.bodyA
	rp := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/reports/%d%s", id, rest) }
	draftY := func(w2 *reportWorld) *report.Report { return w2.freshY("draft", false) }
	const (
		readY   = "200 404 200 200 200 404 403 403 403 401" // the office, leaders, the lead unit X, Y itself
		writeY  = "403 404 403 403 %s 404 403 403 403 401"  // Y only; readers 403, others 404
		reviewY = "%s 404 403 %s 403 404 403 403 403 401"   // the office and the lead unit; not Y itself
	)
	return []row{
		{"GET /api/v1/me/reports", "mine", "200 200 200 200 200 200 403 403 403 401", get("/api/v1/me/reports")},
		{"POST /api/v1/reports", "Y's report on task X", "403 404 403 404 201 404 403 403 403 401", func(*world) (string, string, any) {
			w.reset()
			return "POST", "/api/v1/reports", map[string]any{"body_id": A.ID, "item_id": w.taskX.ID, "unit_id": w.unitY.ID, "period": reportPeriod}
		}},
		{"GET /api/v1/reports/{id}", "Y's draft", readY, func(*world) (string, string, any) {
			return "GET", rp(draftY(w).ID, ""), nil
		}},
		{"PUT /api/v1/reports/{id}", "Y's draft", fmt.Sprintf(writeY, "200"), func(*world) (string, string, any) {
			r := draftY(w)
			return "PUT", rp(r.ID, ""), map[string]any{"version": r.Version, "narrative": "已组织复赛", "progress": "on_track"}
		}},
		{"POST /api/v1/reports/{id}/submit", "Y's draft", fmt.Sprintf(writeY, "200"), func(*world) (string, string, any) {
			r := draftY(w)
			return "POST", rp(r.ID, "/submit"), map[string]any{"version": r.Version, "narrative": "已组织复赛"}
		}},
		{"POST /api/v1/reports/{id}/return", "Y's submission", fmt.Sprintf(reviewY, "200", "200"), func(*world) (string, string, any) {
			r := w.freshY("submitted", false)
			return "POST", rp(r.ID, "/return"), map[string]any{"version": r.Version, "reason": "请补充参赛人数"}
		}},
		{"POST /api/v1/reports/{id}/accept", "Y's submission", fmt.Sprintf(reviewY, "200", "200"), func(*world) (string, string, any) {
			r := w.freshY("submitted", false)
			return "POST", rp(r.ID, "/accept"), map[string]any{"version": r.Version}
		}},
		{"GET /api/v1/reports/{id}/revisions", "Y's submission", readY, func(*world) (string, string, any) {
			return "GET", rp(w.freshY("submitted", false).ID, "/revisions"), nil
		}},
		{"GET /api/v1/reports/{id}/revisions/{rev}", "Y's submission", readY, func(*world) (string, string, any) {
			r := w.freshY("submitted", false)
			revs, err := w.svc.Revisions(w.as("officeA"), r.ID)
			if err != nil || len(revs) != 1 {
				w.t.Fatalf("revisions: %v %v", revs, err)
			}
			return "GET", rp(r.ID, "/revisions/"+strconv.FormatInt(revs[0].ID, 10)), nil
		}},
		{"GET /api/v1/reports/{id}/files/{file}", "Y's photo", readY, func(*world) (string, string, any) {
			r := w.freshY("submitted", true)
			return "GET", rp(r.ID, fmt.Sprintf("/files/%d?thumb=1", r.Photos[0].FileID)), nil
		}},
		{"GET /api/v1/tasks/{id}/reports", "task X in A", "200 404 200 200 404 404 403 403 403 401",
			get(fmt.Sprintf("/api/v1/tasks/%d/reports?body=%d&period=%s", w.taskX.ID, A.ID, reportPeriod))},
		{"GET /api/v1/plans/{id}/reports", "A's plan", "200 404 200 404 404 404 403 403 403 401",
			get(fmt.Sprintf("/api/v1/plans/%d/reports?period=%s", w.pubA.ID, reportPeriod))},
		{"GET /api/v1/plans/{id}/rollup", "A's plan", "200 404 200 200 200 404 403 403 403 401",
			get(fmt.Sprintf("/api/v1/plans/%d/rollup", w.pubA.ID))},
	}
}

// TestReportAuthorizationMatrix sends every report route as each user of
// the world (SECURITY.md B3, B5): 401 anonymous, 403 to administrators, to
// roles without the permission and to readers who may not take the step,
// 404 outside scope. A refusal changes nothing and is audited as denied; a
// change that succeeds is audited and shows.
func TestReportAuthorizationMatrix(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		pw := newPlanWorld(t, dsn)
		w := &reportWorld{planWorld: pw, svc: &report.Service{DB: pw.a.DB, Clock: core.SystemClock{}}}
		rows := w.reportRows()
		covered := map[string]bool{}
		for _, r := range rows {
			covered[r.route] = true
		}
		for _, rt := range w.a.Routes() {
			if isReportRoute(rt.Pattern) && !covered[rt.Pattern] {
				t.Errorf("route %s has no row in the reports' authorization matrix", rt.Pattern)
			}
		}
		for _, r := range rows {
			want := strings.Fields(r.want)
			if len(want) != len(users) {
				t.Fatalf("%s (%s): %d expectations for %d users", r.route, r.of, len(want), len(users))
			}
			method, pattern, _ := strings.Cut(r.route, " ")
			fits := patternRegexp(pattern)
			for i, user := range users {
				m, path, body := r.req(w.world)
				if p, _, _ := strings.Cut(path, "?"); m != method || !fits.MatchString(p) {
					t.Fatalf("row %s (%s) sends %s %s", r.route, r.of, m, path)
				}
				before, denied, succeeded := w.reportFingerprint(), w.auditCount("denied"), w.auditCount("success")
				status, resp := w.call(user, m, path, body)
				what := fmt.Sprintf("%s %s [%s] as %s", m, path, r.of, user)
				if strconv.Itoa(status) != want[i] {
					t.Errorf("%s: status %d, want %s: %.300s", what, status, want[i], resp)
					continue
				}
				unsafe := m != http.MethodGet
				changed := w.reportFingerprint() != before
				switch {
				case status >= 400 && changed:
					t.Errorf("%s: refused with %d but something changed", what, status)
				case status < 300 && !unsafe && changed:
					t.Errorf("%s: a read changed something", what)
				case status < 300 && unsafe && !changed:
					t.Errorf("%s: answered %d but nothing changed", what, status)
				}
				if unsafe && status < 300 && w.auditCount("success") <= succeeded {
					t.Errorf("%s: the change was not audited", what)
				}
				if (status == 403 || status == 404) && user != "anon" && w.auditCount("denied") <= denied {
					t.Errorf("%s: the %d refusal was not audited as denied", what, status)
				}
				if status >= 400 {
					if code, msg, _ := apiError(t, resp); code == "" || msg == "" {
						t.Errorf("%s: error without code or message: %s", what, resp)
					}
				}
			}
		}
	})
}

// TestReportAPIFlows: a stale save is 409 with the revision that keeps
// the text; a replayed submission is the same; a photo is served with the
// download headers; another report's file is 404; bad input is 422 on
// its field.
func TestReportAPIFlows(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		pw := newPlanWorld(t, dsn)
		w := &reportWorld{planWorld: pw, svc: &report.Service{DB: pw.a.DB, Clock: core.SystemClock{}}}
		r := w.freshY("draft", true)
		path := fmt.Sprintf("/api/v1/reports/%d", r.ID)
		if st, b := w.call("liaisonY", "PUT", path, map[string]any{"version": r.Version, "narrative": "新"}); st != 200 {
			t.Fatalf("save: %d %s", st, b)
		}
		st, b := w.call("liaisonY", "PUT", path, map[string]any{"version": r.Version, "narrative": "旧版本上的修改"})
		var c api.ConflictOut
		if st != 409 || json.Unmarshal(b, &c) != nil || c.Error.Revision == 0 || c.Error.Message == "" {
			t.Fatalf("stale save: %d %s", st, b)
		}
		st, b = w.call("liaisonY", "GET", fmt.Sprintf("%s/revisions/%d", path, c.Error.Revision), nil)
		if st != 200 || !strings.Contains(string(b), "旧版本上的修改") {
			t.Errorf("the losing text: %d %s", st, b)
		}
		// Bad input names its field.
		st, b = w.call("liaisonY", "PUT", path, map[string]any{"version": r.Version + 1, "figures": []map[string]any{{"seq": 9, "value": 1}}})
		if _, _, fields := apiError(t, b); st != 422 || fields["figure_9"] == "" {
			t.Errorf("a figure for no target: %d %s", st, b)
		}
		st, b = w.call("liaisonY", "PUT", path, map[string]any{"version": r.Version + 1, "owner": 1})
		if st != 422 {
			t.Errorf("an unknown field: %d %s", st, b)
		}
		// Submit twice with the same version: one revision.
		cur, _, _ := w.svc.Get(w.as("liaisonY"), r.ID)
		sub := map[string]any{"version": cur.Version, "narrative": "已完成初赛", "photos": []map[string]any{{"file_id": r.Photos[0].FileID, "caption": "初赛"}}}
		for i := 0; i < 2; i++ {
			if st, b := w.call("liaisonY", "POST", path+"/submit", sub); st != 200 {
				t.Fatalf("submit %d: %d %s", i, st, b)
			}
		}
		st, b = w.call("officeA", "GET", path+"/revisions", nil)
		var revs struct{ Total int }
		if st != 200 || json.Unmarshal(b, &revs) != nil || revs.Total != 1 {
			t.Errorf("revisions after a replayed submission: %s", b)
		}
		// The return needs a reason.
		cur, _, _ = w.svc.Get(w.as("officeA"), r.ID)
		st, b = w.call("officeA", "POST", path+"/return", map[string]any{"version": cur.Version, "reason": "  "})
		if _, _, fields := apiError(t, b); st != 422 || fields["reason"] == "" {
			t.Errorf("return without a reason: %d %s", st, b)
		}
		// The photo, with E5's headers; another report's file id is 404.
		req, _ := http.NewRequest("GET", w.srv.URL+fmt.Sprintf("%s/files/%d", path, r.Photos[0].FileID), nil)
		req.Header.Set("Authorization", "Bearer "+w.tokens["liaisonX"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("photo: %d %v", resp.StatusCode, h)
		}
		other := w.upload("liaisonX")
		if st, _ := w.call("liaisonX", "GET", fmt.Sprintf("%s/files/%d", path, other), nil); st != 404 {
			t.Errorf("a file the report does not hold: %d", st)
		}
	})
}
