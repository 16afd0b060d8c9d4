package httpx

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

func parseDisposition(v string) (string, map[string]string, error) { return mime.ParseMediaType(v) }

// Download describes a user file being sent (SECURITY.md E5). The caller
// has checked that the actor may read it.
type Download struct {
	Name        string // the uploader's name; made safe here
	ContentType string // the exact type stored for the file
	Size        int64  // the byte count of the body, or 0 if unknown
	// Inline shows the file in the page (a thumbnail or photo in <img>)
	// instead of saving it; the other headers stay the same.
	Inline bool
}

// UserFileCSP confines a user file opened directly: no script, no plugin,
// no same-origin access, whatever the browser makes of it.
const UserFileCSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'none'"

// ServeFile writes a user file with the headers of SECURITY.md E5:
// Content-Disposition with an ASCII fallback and an RFC 5987 UTF-8 name,
// nosniff, the exact Content-Type, a sandbox CSP and no caching by shared
// caches or on disk.
func ServeFile(w http.ResponseWriter, r *http.Request, d Download, body io.Reader) {
	h := w.Header()
	ct := d.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", UserFileCSP)
	h.Set("Cache-Control", "private, no-store")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	disp := "attachment"
	if d.Inline {
		disp = "inline"
	}
	h.Set("Content-Disposition", ContentDisposition(disp, d.Name))
	if d.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = io.Copy(w, body)
}

// ContentDisposition builds a Content-Disposition value (RFC 6266) for a
// file name from a user: filename= carries an ASCII fallback (non-ASCII
// letters become "_", quotes and backslashes are dropped), filename*=
// the name in UTF-8, percent-encoded (RFC 5987), which browsers prefer.
// Control characters, CR/LF and path separators never reach the header.
func ContentDisposition(disposition, name string) string {
	name = SafeFileName(name)
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '\\' || r == ';' || r == '%':
			ascii.WriteByte('_')
		case r >= 0x20 && r < 0x7f:
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, disposition, ascii.String(), encodeRFC5987(name))
}

// SafeFileName reduces a user's file name to one safe as a download name
// or a ZIP entry: no control characters, no path separators, no leading
// dots, bounded length; "file" when nothing is left.
func SafeFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		case r == '/' || r == '\\' || r == ':':
			b.WriteByte('_')
		case r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
		default:
			b.WriteRune(r)
		}
	}
	name = strings.TrimLeft(strings.TrimSpace(b.String()), ".")
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeRuneInString(name)
		name = name[size:]
	}
	if name == "" {
		return "file"
	}
	return name
}

// encodeRFC5987 percent-encodes everything but the attr-char set.
func encodeRFC5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
