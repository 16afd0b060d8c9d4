package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"liandong/internal/testkit"
)

func reportJPEG(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 80, 60))
	for y := 0; y < 60; y++ {
		for x := 0; x < 80; x++ {
			img.Set(x, y, color.RGBA{shade, uint8(x * 3), uint8(y * 4), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// reportMultipart encodes a report form as the browser does: the CSRF
// token first, then the fields, then the files.
func reportMultipart(t *testing.T, csrf string, form url.Values, files map[string][]byte) (string, *bytes.Buffer) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", csrf)
	for k, vs := range form {
		if k == "csrf_token" {
			continue
		}
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, data := range files {
		fw, err := mw.CreateFormFile(field, field+".jpg")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return mw.FormDataContentType(), &body
}

var reportIDRe = regexp.MustCompile(`^/reports/(\d+)`)

// A liaison fills a report with two photos and submits it through the
// pages (no script); the office returns it with a reason, the liaison sees
// it; the pages answer 404 outside scope and serve photos with E5's
// headers; a stale autosave is a 409 that keeps the text.
func TestReportPages(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office, edu, fin := e.as("city-office"), e.as("edu-liaison"), e.as("fin-liaison")
		planPath := planImport(t, e, office)
		_, page := office.Get(planPath)
		pub := planForm(t, page, planPath+"/status")
		if resp, body := office.Post(planPath+"/status", pub); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d %s", resp.StatusCode, orgSnippet(body))
		}

		resp, page := edu.Get("/reports")
		orgWant(t, "my reports", resp, page, 200, "本单位的报告", "2021年第二季度", "填报")
		start := planForm(t, page, "/reports/start")
		resp, _ = edu.Post("/reports/start", start)
		m := reportIDRe.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		rpath := "/reports/" + m[1]
		resp, page = edu.Get(rpath)
		orgWant(t, "report form", resp, page, 200, "工作进展", `enctype="multipart/form-data"`, "保存草稿")
		form := planForm(t, page, rpath)

		// A number that is not one is refused on its field, keeping
		// everything typed.
		form.Set("narrative", "组织了科技创新大赛初赛")
		if _, ok := form["value_1"]; ok {
			form.Set("value_1", "很多")
		}
		form.Set("action", "submit")
		ct, body := reportMultipart(t, edu.CSRF, form, map[string][]byte{"new_photo_1": reportJPEG(t, 10), "new_photo_2": reportJPEG(t, 200)})
		resp, page = edu.Do("POST", rpath, ct, body)
		if _, ok := form["value_1"]; ok {
			orgWant(t, "bad number", resp, page, 422, "完成数应为数字", "很多", "组织了科技创新大赛初赛")
			// The photos uploaded with the refused form are kept on it.
			form = planForm(t, page, rpath)
			if len(form["photo"]) != 2 {
				t.Fatalf("photos kept on the refused form: %v", form["photo"])
			}
			form.Set("value_1", "２")
		}
		for _, id := range form["photo"] {
			form.Set("caption_"+id, "初赛现场"+id)
		}
		form.Set("action", "submit")
		ct, body = reportMultipart(t, edu.CSRF, form, nil)
		resp, page = edu.Do("POST", rpath, ct, body)
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "flash=submitted") {
			t.Fatalf("submit: %d %s", resp.StatusCode, orgSnippet(page))
		}
		resp, page = edu.Get(rpath)
		orgWant(t, "submitted", resp, page, 200, "已报", "初赛现场", "组织了科技创新大赛初赛")
		photos := regexp.MustCompile(`/reports/\d+/files/(\d+)\?thumb=1`).FindAllStringSubmatch(page, -1)
		if len(photos) != 2 {
			t.Fatalf("two photos on the page: %v", photos)
		}

		// Out of scope: another unit's liaison sees nothing.
		for _, p := range []string{rpath, rpath + "/revisions", rpath + "/files/" + photos[0][1]} {
			if resp, _ := fin.Get(p); resp.StatusCode != 404 {
				t.Errorf("%s as another unit: %d", p, resp.StatusCode)
			}
		}
		resp, _ = office.Get(rpath + "/files/" + photos[0][1])
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Cache-Control") != "private, no-store" {
			t.Errorf("photo headers: %d %v", resp.StatusCode, h)
		}

		// The office returns it: the reason is required.
		resp, page = office.Get(rpath)
		orgWant(t, "review", resp, page, 200, "采纳", "退回修改")
		review := url.Values{"version": {regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page)[1]}, "action": {"return"}}
		resp, page = office.Post(rpath+"/review", review)
		orgWant(t, "return without reason", resp, page, 422, "请填写退回原因")
		review.Set("reason", "请补充参赛学生人数")
		if resp, page = office.Post(rpath+"/review", review); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("return: %d %s", resp.StatusCode, orgSnippet(page))
		}
		resp, page = edu.Get(rpath)
		orgWant(t, "returned", resp, page, 200, "退回原因", "请补充参赛学生人数", "保存草稿")
		resp, notes := edu.Get("/notifications")
		orgWant(t, "the unit is told", resp, notes, 200, "进展报告被退回")

		// Autosave from a stale version: 409, the text kept for its author.
		auto := planForm(t, page, rpath)
		auto.Set("narrative", "自动保存的文字")
		resp, js := edu.Post(rpath+"/autosave", auto)
		if resp.StatusCode != 200 {
			t.Fatalf("autosave: %d %s", resp.StatusCode, js)
		}
		auto.Set("narrative", "旧版本上的文字")
		resp, js = edu.Post(rpath+"/autosave", auto)
		var conflict struct {
			Error struct {
				Message  string
				Revision int64
			}
		}
		if resp.StatusCode != 409 || json.Unmarshal([]byte(js), &conflict) != nil || conflict.Error.Revision == 0 {
			t.Fatalf("stale autosave: %d %s", resp.StatusCode, js)
		}
		resp, page = edu.Get(fmt.Sprintf("%s?from=%d", rpath, conflict.Error.Revision))
		orgWant(t, "take back", resp, page, 200, "旧版本上的文字", "冲突稿")

		// The revisions page, the office's overview and the task view.
		resp, page = edu.Get(rpath + "/revisions")
		orgWant(t, "revisions", resp, page, 200, "第1次提交", "冲突稿")
		resp, page = office.Get(planPath + "/reports?period=2021-Q1")
		orgWant(t, "overview", resp, page, 200, "退回", "未报", "2021年第一季度")
		resp, page = office.Get(planPath)
		orgWant(t, "the table's progress", resp, page, 200, "报送情况", "已报 0/", "按计划推进或已完成的任务")
		if resp, _ := edu.Get(planPath + "/reports"); resp.StatusCode != 404 {
			t.Errorf("a liaison read the overview: %d", resp.StatusCode)
		}
	})
}
