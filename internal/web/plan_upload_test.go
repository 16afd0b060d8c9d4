package web_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"liandong/internal/testkit"
)

// planMultipart builds the import screen's upload form with one file.
func planMultipart(t *testing.T, csrf, filename string, content []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"csrf_token": csrf, "step": "extract", "text": "粘贴框里的文字也要保留"} {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

// countingReader counts the bytes the client's transport took from a body.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// SECURITY.md E2: an upload over the limit is refused with 413 before it
// is parsed, the server stops reading near the limit, and nothing is left
// in the temporary directory; a file of the wrong kind is refused in
// Chinese with the pasted text kept. A .txt upload within the limit goes
// on to the review.
func TestPlanImportUploadLimits(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office := e.as("city-office")
		imp := fmt.Sprintf("/bodies/%d/plans/import", e.City.ID)
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		leftovers := func(what string) {
			t.Helper()
			if ents, err := os.ReadDir(tmp); err != nil || len(ents) != 0 {
				t.Errorf("%s: temporary directory holds %d entries (%v)", what, len(ents), err)
			}
		}

		// 11 MB: over the 10 MB file limit and the route's request limit.
		ctype, body := planMultipart(t, office.CSRF, "方案.txt", bytes.Repeat([]byte("科"), 11<<20/3))
		resp, page := office.Do(http.MethodPost, imp, ctype, body)
		orgWant(t, "11 MB upload", resp, page, http.StatusRequestEntityTooLarge, "过大")
		leftovers("after the 11 MB upload")

		// A much larger body: the server reads no more than its limit and
		// a socket's worth of slack.
		ctype, big := planMultipart(t, office.CSRF, "方案.txt", bytes.Repeat([]byte("x"), 64<<20))
		cr := &countingReader{r: big}
		req, err := http.NewRequest(http.MethodPost, office.Base+imp, cr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-CSRF-Token", office.CSRF)
		// The server may close the connection before the client has
		// written everything; then the client sees an error, not a status.
		if resp, err := office.HTTP.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("64 MB upload: status %d", resp.StatusCode)
			}
		}
		if sent := cr.n.Load(); sent > 24<<20 {
			t.Errorf("the server read %d MB of a 64 MB upload", sent>>20)
		}
		leftovers("after the 64 MB upload")

		// A legacy .doc (an OLE compound file) is refused by content.
		ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, bytes.Repeat([]byte{0}, 2048)...)
		ctype, body = planMultipart(t, office.CSRF, "方案.doc", ole)
		resp, page = office.Do(http.MethodPost, imp, ctype, body)
		orgWant(t, ".doc upload", resp, page, http.StatusUnprocessableEntity, `id="e-file"`, "粘贴框里的文字也要保留")
		leftovers("after the .doc upload")

		// A text file within the limit goes on to the review.
		ctype, body = planMultipart(t, office.CSRF, "柳州方案.txt", []byte(planText))
		resp, page = office.Do(http.MethodPost, imp, ctype, body)
		orgWant(t, ".txt upload", resp, page, http.StatusOK, "识别结果", `name="source_name" value="柳州方案.txt"`, "举办中小学科技创新大赛")
		if strings.Contains(page, "粘贴框里的文字也要保留") {
			t.Error("the review shows the pasted text instead of the uploaded file")
		}
		leftovers("after the .txt upload")
	})
}

// A real plan of 35 KB (seed 003, with its decomposition table) goes
// through the review form and back unchanged: every row, unit name and
// target the extractor found is carried by the form, a second review
// gives the same result, and the import saves every task. Skipped without
// ../shared/seeds (or $LIANDONG_SEEDS).
func TestPlanImportOfALongPlanRoundTrips(t *testing.T) {
	dir := os.Getenv("LIANDONG_SEEDS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "seeds")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "003_*.txt"))
	if len(files) == 0 {
		t.Skip("seed 003 not found beside the repository")
	}
	src, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(src), "\r\n", "\n")
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := orgStart(t, dsn)
		office := e.as("city-office")
		imp := fmt.Sprintf("/bodies/%d/plans/import", e.City.ID)
		resp, page := office.Post(imp, url.Values{"step": {"extract"}, "text": {text}})
		orgWant(t, "extract", resp, page, http.StatusOK, "识别结果")
		first := planForm(t, page, imp)
		if first.Get("text") != text {
			t.Fatalf("the source text did not survive the form (%d bytes of %d)", len(first.Get("text")), len(text))
		}
		first.Set("step", "review")
		resp, page = office.Post(imp, first)
		orgWant(t, "review", resp, page, http.StatusOK)
		second := planForm(t, page, imp)
		for k, v := range first {
			if k != "step" && k != "csrf_token" && strings.Join(second[k], "\x00") != strings.Join(v, "\x00") {
				t.Errorf("field %s changed on a second review: %.200q → %.200q", k, v, second[k])
			}
		}
		tasks := 0
		for i := 0; second.Has(fmt.Sprintf("it%d_kind", i)); i++ {
			if second.Get(fmt.Sprintf("it%d_kind", i)) == "task" {
				tasks++
			}
		}
		if tasks < 20 {
			t.Fatalf("only %d tasks extracted from seed 003", tasks)
		}
		for i := range second["map_value"] {
			second["map_value"][i] = "ignore"
		}
		second.Set("step", "confirm")
		resp, page = office.Post(imp, second)
		id := planIDFromBody(t, resp, page)
		_, page = office.Get("/plans/" + id)
		if !strings.Contains(page, fmt.Sprintf("共 %d 项任务", tasks)) {
			t.Errorf("the table does not hold the %d tasks reviewed", tasks)
		}
	})
}
