package file_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"liandong/internal/app"
	"liandong/internal/demo"
	. "liandong/internal/file"
	"liandong/internal/testkit"
)

// Through the whole application, as wired for production: a photo damaged
// inside its data is accepted by the upload (201, "pending"), the job
// worker's file.verify run marks it damaged, and its uploader finds the
// notification in the API.
func TestDamagedPhotoThroughTheApp(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		a, srv := testkit.StartApp(t, dsn, app.Config{Demo: true})
		c := testkit.NewClient(t, srv.URL)
		c.Login("liaison-jyj", demo.Password)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, err := mw.CreateFormFile("file", "活动现场.jpg")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(corruptScan(t, encodeJPEG(t, photoLike(640, 480, 21), 85)))
		_ = mw.Close()
		resp, out := c.Do(http.MethodPost, "/api/v1/files?kind=photo", mw.FormDataContentType(), &body)
		var f File
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &f) != nil || f.Check != CheckPending || !f.HasThumb {
			t.Fatalf("upload: %d %s", resp.StatusCode, out)
		}
		if _, err := a.Jobs.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		var check string
		if err := a.DB.R().QueryRowContext(context.Background(), `SELECT checked FROM files WHERE id = $1`, f.ID).Scan(&check); err != nil || check != CheckDamaged {
			t.Fatalf("after the job worker ran: %q, %v", check, err)
		}
		resp, out = c.Get("/api/v1/notifications")
		if resp.StatusCode != http.StatusOK || !strings.Contains(out, "照片已损坏，请重新上传") || !strings.Contains(out, "活动现场.jpg") {
			t.Errorf("the uploader's notifications: %d %s", resp.StatusCode, out)
		}
	})
}
