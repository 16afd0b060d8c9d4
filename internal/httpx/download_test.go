package httpx_test

import (
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"liandong/internal/httpx"
)

// E5: a user file goes out as an attachment under a name that survives in
// any browser and cannot break the header: quotes, CR/LF and path
// separators from the uploader never reach it; Chinese names come through
// filename*=UTF-8”.
func TestServeFileHeaders(t *testing.T) {
	cases := []struct{ name, want string }{
		{"2020年工作总结.docx", "2020年工作总结.docx"},
		{`a"b.pdf`, `a"b.pdf`},
		{"x\r\nSet-Cookie: s=1.pdf", "xSet-Cookie_ s=1.pdf"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{`..\..\boot.ini`, `_.._boot.ini`},
		{"", "file"},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		httpx.ServeFile(rec, req, httpx.Download{Name: c.name, ContentType: "application/pdf", Size: 5}, strings.NewReader("%PDF-"))
		h := rec.Result().Header
		for k, v := range map[string]string{"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff",
			"Cache-Control": "private, no-store", "Content-Length": "5"} {
			if h.Get(k) != v {
				t.Errorf("%q: %s = %q, want %q", c.name, k, h.Get(k), v)
			}
		}
		if !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%q: CSP %q", c.name, h.Get("Content-Security-Policy"))
		}
		cd := h.Get("Content-Disposition")
		if strings.ContainsAny(cd, "\r\n") || len(h.Values("Set-Cookie")) != 0 {
			t.Fatalf("%q: header injection: %q", c.name, cd)
		}
		disp, params, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" {
			t.Fatalf("%q: %q does not parse: %v", c.name, cd, err)
		}
		// mime decodes filename* into "filename", as browsers do.
		if params["filename"] != c.want {
			t.Errorf("%q: saved as %q, want %q (%s)", c.name, params["filename"], c.want, cd)
		}
		ascii := strings.SplitN(strings.SplitN(cd, `filename="`, 2)[1], `"`, 2)[0]
		for _, r := range ascii {
			if r > 0x7e || r == '"' || r == '\\' || r == '/' {
				t.Errorf("%q: ASCII fallback %q", c.name, ascii)
			}
		}
		if !strings.Contains(cd, "filename*=UTF-8''") {
			t.Errorf("%q: no RFC 5987 name: %s", c.name, cd)
		}
		if enc := strings.SplitN(cd, "UTF-8''", 2)[1]; strings.ContainsAny(enc, " \"';\r\n") {
			t.Errorf("%q: encoded name %q", c.name, enc)
		} else if dec, _ := url.PathUnescape(enc); dec != c.want {
			t.Errorf("%q: encoded name decodes to %q", c.name, dec)
		}
	}
	// Thumbnails and photos shown in <img> are inline, with the same guards.
	rec := httptest.NewRecorder()
	httpx.ServeFile(rec, httptest.NewRequest(http.MethodGet, "/t", nil), httpx.Download{Name: "照片.jpg", ContentType: "image/jpeg", Inline: true}, strings.NewReader("x"))
	h := rec.Result().Header
	if !strings.HasPrefix(h.Get("Content-Disposition"), "inline;") || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Content-Type") != "image/jpeg" {
		t.Errorf("inline headers: %v", h)
	}
}
