package httpx

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/auth"
	"liandong/internal/core"
)

// SECURITY.md I10: a form posted on a session that has just timed out is
// held on the server, not lost and not committed. The guard hands it to
// auth.Service.Hold and sends the browser to log in again; after the login
// the user sees it on the held page and submits it (Replay) or discards it.

// StatusPath is where a page asks how long its session has left. The guard
// reads the session there without touching it, so that asking is no
// activity; PingPath is the keep-alive, an ordinary request that touches.
const (
	StatusPath = "/session/status"
	PingPath   = "/session/ping"
)

// HeldLoginPath is where the guard sends the browser after holding a
// request: the login page with a notice that the content was kept.
const HeldLoginPath = "/login?flash=held"

// noHoldPaths are never held: forms that carry passwords or codes (which
// must not be stored, even sealed), the login and logout themselves, and the
// held page's own buttons.
var noHoldPaths = []string{"/login", "/logout", "/setup", "/mfa", "/mfa/setup", "/account/password"}

// holdable reports whether r is a browser form that should be held when its
// session has timed out: an unsafe method, an HTML form (not the API, not a
// bearer call), to a route that exists and needs a login.
func (g *Guard) holdable(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
	default:
		return false
	}
	if IsAPI(r) || strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") ||
		pathIn(r.URL.Path, noHoldPaths) || strings.HasPrefix(r.URL.Path, "/held/") {
		return false
	}
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") && !strings.HasPrefix(ct, "multipart/form-data") {
		return false
	}
	_, pattern := g.mux.Handler(r)
	perm, ok := g.perms[pattern]
	return ok && perm != auth.PermPublic
}

// hold catches a holdable request whose session cookie names a session
// that has timed out. The body is read whole (the route's body limit
// applies), checked against the expired session's form token, and held
// for that session's user; the browser goes to the login page. A request
// that cannot be held (no such expired session, e.g. after a logout) goes
// on and is refused as before: no session, no valid form token.
func (g *Guard) hold(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, _ := r.Context().Value(expiredKey).(string)
		if token == "" || !g.holdable(r) || g.cop.Check(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if scriptCall(r) {
			// A page's own background save (the report autosave) is not
			// held: it would pile up a held copy every few seconds, and
			// the form's own post, which is held, carries the same text.
			// The script is told plainly, in JSON, so that it can say what
			// to do instead of failing vaguely.
			WriteJSONError(w, r, http.StatusUnauthorized, ErrScriptTimedOut)
			return
		}
		// Read at most what can be held: a larger body (the route may
		// allow more, a report with many photos) is not read into memory.
		raw, err := io.ReadAll(io.LimitReader(r.Body, auth.HeldMaxBytes+1))
		if err != nil {
			g.Error(w, r, 0, err) // over the route's body limit: 413
			return
		}
		if len(raw) > auth.HeldMaxBytes {
			g.Error(w, r, http.StatusRequestEntityTooLarge, &core.Error{Code: core.ETOOLARGE,
				Message: fmt.Sprintf("登录已超时，且本次提交的内容（含附件）超过%d MB，无法暂存。请返回上一页，"+
					"去掉部分附件后再提交；重新登录后可再补传附件。", auth.HeldMaxBytes>>20)})
			return
		}
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" {
			if g.streamed(r) {
				sent, err = firstPartToken(r, raw)
			} else {
				sent, err = formToken(r, raw)
			}
			if err != nil {
				g.Error(w, r, 0, err)
				return
			}
		}
		_, err = g.Auth.Hold(r.Context(), token, sent, auth.HeldRequest{Method: r.Method, URI: r.URL.RequestURI(),
			ContentType: r.Header.Get("Content-Type"), Body: raw})
		switch core.ErrorCode(err) {
		case "":
			g.Log.Info("request held after session timeout", "request_id", RequestID(r.Context()),
				"method", r.Method, "path", r.URL.Path, "bytes", len(raw))
			http.Redirect(w, r, HeldLoginPath, http.StatusSeeOther)
		case core.EUNAUTHORIZED:
			r.Body = io.NopCloser(bytes.NewReader(raw))
			next.ServeHTTP(w, r)
		default:
			g.Error(w, r, 0, err)
		}
	})
}

// ErrScriptTimedOut answers a page script's unsafe request (an autosave)
// on a session that has timed out: 401, with what the user should do.
var ErrScriptTimedOut = core.Errorf(core.EUNAUTHORIZED, "登录已超时，本次自动保存未进行。"+
	"页面上填写的内容不会丢失：请点击页面上的保存或提交按钮，系统会暂存内容，重新登录后即可恢复提交。")

// scriptCall reports whether r comes from a page's script (fetch with
// Accept: application/json), not from a form the browser navigates with.
func scriptCall(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.Header.Get("Accept")), "application/json")
}

// firstPartToken reads the form token of a streamed multipart body: as the
// route itself requires (ReadMultipart), it must be the first part; the
// files after it are not parsed.
func firstPartToken(r *http.Request, raw []byte) (string, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return "", &core.Error{Code: core.EINVALID, Message: "提交的表单无法解析，请刷新页面后重试", Err: err}
	}
	p, err := multipart.NewReader(bytes.NewReader(raw), params["boundary"]).NextPart()
	if err != nil || p.FormName() != "csrf_token" {
		return "", nil // no token first: refused by Hold as a forged form
	}
	tok, err := io.ReadAll(io.LimitReader(p, 256))
	if err != nil {
		return "", nil
	}
	return string(tok), nil
}

// formToken reads the csrf_token field of a form body without consuming
// the request's own body.
func formToken(r *http.Request, raw []byte) (string, error) {
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(raw))
	c.Form, c.PostForm, c.MultipartForm = nil, nil, nil
	err := parseForm(c)
	if c.MultipartForm != nil {
		defer c.MultipartForm.RemoveAll()
	}
	if err != nil {
		return "", err
	}
	return c.PostForm.Get("csrf_token"), nil
}

// Replay serves a held request as if the user had just posted it from the
// current session: same method, path, content type and body, the current
// session's form token, through the CSRF check, the gate and the route's
// own authorization and handler. The route's response (typically a
// redirect after a save, or its form again with the errors and the
// values) goes to w. It returns the status written.
func (g *Guard) Replay(w http.ResponseWriter, r *http.Request, h *auth.HeldRequest) int {
	req, err := http.NewRequestWithContext(r.Context(), h.Method, h.URI, bytes.NewReader(h.Body))
	if err != nil {
		g.Error(w, r, http.StatusInternalServerError, err)
		return http.StatusInternalServerError
	}
	req.Header = r.Header.Clone()
	req.Header.Set("Content-Type", h.ContentType)
	req.Header.Set("Content-Length", strconv.Itoa(len(h.Body)))
	req.Header.Del("X-CSRF-Token")
	if s := SessionFrom(r.Context()); s != nil {
		req.Header.Set("X-CSRF-Token", s.CSRFToken)
	}
	req.Host, req.RemoteAddr, req.Proto, req.ProtoMajor, req.ProtoMinor = r.Host, r.RemoteAddr, r.Proto, r.ProtoMajor, r.ProtoMinor
	req.Body = http.MaxBytesReader(w, req.Body, g.bodyLimit(req))
	sw := &statusWriter{ResponseWriter: w}
	g.inner.ServeHTTP(sw, req)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.status
}
