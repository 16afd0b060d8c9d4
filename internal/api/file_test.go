package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liandong/internal/app"
	"liandong/internal/testkit"
)

const demoPassword = "Zhanshi@2026"

// testJPEG is a small real photo; extra segments go right after SOI.
func testJPEG(t *testing.T, w, h int, segs ...[]byte) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	out := append([]byte{}, b.Bytes()[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, b.Bytes()[2:]...)
}

// gpsSegment is an APP1 Exif segment whose only content is a GPS marker
// string, enough to see whether metadata survives.
var gpsSegment = func() []byte {
	body := "Exif\x00\x00II*\x00\x08\x00\x00\x00GPS-24.3N-109.4E"
	return append([]byte{0xFF, 0xE1, 0, byte(len(body) + 2)}, body...)
}()

type upPart struct {
	field, filename string
	body            io.Reader
}

// uploadBody encodes parts in order.
func uploadBody(t *testing.T, parts ...upPart) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.filename != "" {
			w, err = mw.CreateFormFile(p.field, p.filename)
		} else {
			w, err = mw.CreateFormField(p.field)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, p.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &b
}

type apiErr struct {
	Error struct {
		Code, Message string
		Fields        map[string]string
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func fileRows(t *testing.T, a *app.App) int {
	t.Helper()
	var n int
	if err := a.DB.R().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM files`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Uploads through the API: a photo is stored without its metadata, files
// that are not what they claim are refused (E1), an 11 MB photo is 413
// after reading no more than the limit plus slack, with nothing left in
// the temporary directory (E2); only business users may upload.
func TestFileUploadAPI(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		a, srv := testkit.StartApp(t, dsn, app.Config{Demo: true})
		c := testkit.NewClient(t, srv.URL)
		c.Login("liaison-jyj", demoPassword)
		before := fileRows(t, a) // the demo's own photos and documents

		ct, body := uploadBody(t, upPart{"file", "现场照片.jpg", bytes.NewReader(testJPEG(t, 64, 48, gpsSegment))})
		resp, out := c.Do(http.MethodPost, "/api/v1/files?kind=photo", ct, body)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("photo: %d %s", resp.StatusCode, out)
		}
		var f struct {
			ID            int64
			Kind, Name    string
			ContentType   string `json:"content_type"`
			Width, Height int
			HasThumb      bool  `json:"has_thumb"`
			UnitID        int64 `json:"unit_id"`
			CreatedBy     int64 `json:"created_by"`
		}
		if err := json.Unmarshal([]byte(out), &f); err != nil {
			t.Fatal(err)
		}
		if f.ID == 0 || f.Kind != "photo" || f.Name != "现场照片.jpg" || f.ContentType != "image/jpeg" || f.Width != 64 ||
			!f.HasThumb || f.UnitID == 0 || f.CreatedBy == 0 {
			t.Errorf("stored file %+v", f)
		}
		var stored []byte
		var key string
		if err := a.DB.R().QueryRowContext(context.Background(), `SELECT storage_key FROM files WHERE id = $1`, f.ID).Scan(&key); err != nil {
			t.Fatal(err)
		}
		stored, err := os.ReadFile(filepath.Join(a.Config.DataDir, "files", filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(stored, []byte("GPS-24.3N")) {
			t.Error("GPS metadata reached the store")
		}

		for _, bad := range []struct{ name, kind, data, want string }{
			{"照片.jpg", "photo", "<html><script>alert(1)</script></html>", "网页"},
			{"图.svg", "", `<svg xmlns="http://www.w3.org/2000/svg"/>`, "SVG"},
			{"照片.jpg", "document", string(testJPEG(t, 8, 8)), "不接受"},
		} {
			ct, body := uploadBody(t, upPart{"file", bad.name, strings.NewReader(bad.data)})
			resp, out := c.Do(http.MethodPost, "/api/v1/files?kind="+bad.kind, ct, body)
			var e apiErr
			_ = json.Unmarshal([]byte(out), &e)
			if resp.StatusCode != http.StatusUnprocessableEntity || e.Error.Fields["file"] == "" || !strings.Contains(e.Error.Message, bad.want) {
				t.Errorf("%s: %d %s", bad.name, resp.StatusCode, out)
			}
		}
		if n := fileRows(t, a) - before; n != 1 {
			t.Errorf("%d rows after refusals, want 1", n)
		}

		// E2: 11 MB, served in-process so that the bytes the server reads
		// are counted exactly; TMPDIR is watched throughout.
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		big := append(testJPEG(t, 16, 16), bytes.Repeat([]byte{0x55}, 11<<20)...)
		ct, body = uploadBody(t, upPart{"file", "big.jpg", bytes.NewReader(big)})
		counted := &countingReader{r: body}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/files", counted)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("X-CSRF-Token", c.CSRF)
		u, _ := req.URL.Parse(srv.URL)
		for _, ck := range c.HTTP.Jar.Cookies(u) {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		var e apiErr
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(e.Error.Message, "MB") {
			t.Errorf("11 MB photo: %d %s", rec.Code, rec.Body.String())
		}
		if limit := int64(10<<20 + 256<<10 + 64<<10); counted.n > limit {
			t.Errorf("server read %d bytes of an 11 MB upload, limit %d", counted.n, limit)
		}
		if n := countFiles(t, tmp); n != 0 {
			t.Errorf("%d files left in TMPDIR", n)
		}
		if n := fileRows(t, a) - before; n != 1 {
			t.Errorf("%d rows after the oversize upload, want 1", n)
		}

		// Only business users upload; anonymous clients must log in.
		anon := testkit.NewClient(t, srv.URL)
		ct, body = uploadBody(t, upPart{"file", "a.jpg", bytes.NewReader(testJPEG(t, 8, 8))})
		if resp, _ := anon.Do(http.MethodPost, "/api/v1/files", ct, body); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous upload: %d", resp.StatusCode)
		}
		admin := testkit.NewClient(t, srv.URL)
		admin.Login("sysadmin", demoPassword)
		ct, body = uploadBody(t, upPart{"file", "a.jpg", bytes.NewReader(testJPEG(t, 8, 8))})
		if resp, _ := admin.Do(http.MethodPost, "/api/v1/files", ct, body); resp.StatusCode != http.StatusForbidden {
			t.Errorf("system administrator upload: %d", resp.StatusCode)
		}
	})
}

// The page upload (POST /files) streams its form: a plain HTML form
// carries its token as the first field, and without it (or with the token
// after the file) nothing is read or stored.
func TestFileUploadPageToken(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		a, srv := testkit.StartApp(t, dsn, app.Config{Demo: true})
		c := testkit.NewClient(t, srv.URL)
		c.Login("liaison-kjj", demoPassword)
		token := c.CSRF
		photo := testJPEG(t, 32, 32)
		before := fileRows(t, a) // the demo's own photos and documents
		post := func(parts ...upPart) (int, string) {
			ct, body := uploadBody(t, parts...)
			c.CSRF = "" // as a form without JavaScript: no header
			resp, out := c.Do(http.MethodPost, "/files", ct, body)
			c.CSRF = token
			return resp.StatusCode, out
		}
		if code, out := post(upPart{"csrf_token", "", strings.NewReader(token)}, upPart{"kind", "", strings.NewReader("photo")},
			upPart{"file", "活动.jpg", bytes.NewReader(photo)}); code != http.StatusCreated || !strings.Contains(out, `"活动.jpg"`) {
			t.Fatalf("form with token first: %d %s", code, out)
		}
		if code, _ := post(upPart{"file", "活动.jpg", bytes.NewReader(photo)}, upPart{"csrf_token", "", strings.NewReader(token)}); code != http.StatusForbidden {
			t.Errorf("token after the file: %d", code)
		}
		if code, _ := post(upPart{"csrf_token", "", strings.NewReader("forged")}, upPart{"file", "活动.jpg", bytes.NewReader(photo)}); code != http.StatusForbidden {
			t.Errorf("wrong token: %d", code)
		}
		if code, _ := post(upPart{"file", "活动.jpg", bytes.NewReader(photo)}); code != http.StatusForbidden {
			t.Errorf("no token: %d", code)
		}
		// A script sends the token in the header instead.
		ct, body := uploadBody(t, upPart{"file", "活动.jpg", bytes.NewReader(photo)})
		if resp, out := c.Do(http.MethodPost, "/files", ct, body); resp.StatusCode != http.StatusCreated {
			t.Errorf("header token: %d %s", resp.StatusCode, out)
		}
		if n := fileRows(t, a) - before; n != 2 {
			t.Errorf("%d new rows, want 2", n)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
