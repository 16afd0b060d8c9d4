// Package httpx is the HTTP plumbing shared by the HTML UI (web) and the
// JSON API (api): the route type with its permission, and the one middleware
// chain that every request passes: recovery, request id and logging,
// security headers, body limits, CSRF, the actor from session or token, and
// the authorization check. Handlers in web and api stay thin.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
)

// Route is one entry of a route table: a net/http pattern with method
// ("GET /org/bodies/{id}"), the permission it needs, and its handler.
type Route struct {
	Pattern string
	Perm    auth.Permission
	Handler http.HandlerFunc
	// MaxBody raises the request body limit of this route above
	// MaxBodyBytes (an uploaded plan document); 0 keeps the default.
	MaxBody int64
	// Limit names the rate limit of this route (SECURITY.md D7):
	// LimitUpload for routes that take files, LimitExport for routes that
	// produce exports and bundles; empty for none.
	Limit LimitClass
	// Stream marks a route whose handler reads its multipart body itself
	// with ReadMultipart (uploads, SECURITY.md E2): the guard does not
	// parse the body, and a form's CSRF token is checked by ReadMultipart
	// from the form's first field, before any file is read.
	Stream bool
}

// MaxBodyBytes caps every request body unless a route raises it.
const MaxBodyBytes = 2 << 20

// Guard wraps routes in the middleware chain.
type Guard struct {
	DB     *db.DB
	Auth   *auth.Service
	Clock  core.Clock
	Log    *slog.Logger
	Secure bool // served over TLS (or behind a TLS proxy): Secure cookies and HSTS
	// RenderError writes an HTML error page; JSON requests get the API envelope.
	RenderError func(w http.ResponseWriter, r *http.Request, status int, err error)
	// LoginThrottle limits password and code attempts per client address
	// (A5); Handler sets the default when nil.
	LoginThrottle *Throttle
	// Limits holds one token bucket set per limit class a route may
	// declare (D7); Handler fills in DefaultLimits for the classes unset.
	Limits  map[LimitClass]*Throttle
	cop     *http.CrossOriginProtection
	mux     *http.ServeMux
	maxBody map[string]int64           // route pattern → its raised body limit
	perms   map[string]auth.Permission // route pattern → its permission
	inner   http.Handler               // CSRF, gate and mux: where a held request is replayed
	stream  map[string]bool            // route pattern → the handler streams its multipart body
}

// SessionCookie returns the session cookie name: __Host- prefixed when the
// cookie can be Secure (the prefix requires it).
func (g *Guard) SessionCookie() string {
	if g.Secure {
		return "__Host-liandong"
	}
	return "liandong_session"
}

// Handler builds the mux from route tables. Each route is wrapped in its own
// authorization check; everything in front of the mux applies to all
// requests, including static files and 404s.
func (g *Guard) Handler(tables ...[]Route) http.Handler {
	g.cop = http.NewCrossOriginProtection()
	mux := http.NewServeMux()
	g.mux, g.maxBody, g.perms = mux, map[string]int64{}, map[string]auth.Permission{}
	g.defaultLimits()
	for _, t := range tables {
		for _, rt := range t {
			if rt.Limit != "" && g.Limits[rt.Limit] == nil {
				panic(fmt.Sprintf("httpx: route %s declares the unknown limit class %q", rt.Pattern, rt.Limit))
			}
			mux.Handle(rt.Pattern, g.authorize(rt))
			g.perms[rt.Pattern] = rt.Perm
			if rt.MaxBody > 0 {
				g.maxBody[rt.Pattern] = rt.MaxBody
			}
			if rt.Stream {
				if g.stream == nil {
					g.stream = map[string]bool{}
				}
				g.stream[rt.Pattern] = true
			}
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// The catch-all matches every method, so net/http never answers
		// 405 by itself: a GET on a POST-only route would read as 404.
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			g.Error(w, r, http.StatusMethodNotAllowed, core.Errorf(core.EFORBIDDEN, "不支持该请求方法"))
			return
		}
		g.Error(w, r, http.StatusNotFound, core.Errorf(core.ENOTFOUND, "页面不存在"))
	})
	var h http.Handler = mux
	if g.LoginThrottle == nil {
		g.LoginThrottle = NewLoginThrottle(g.Clock)
	}
	h = g.gate(h)
	h = g.csrf(h)
	g.inner = h
	h = g.hold(h)
	h = g.session(h)
	h = g.headers(h)
	h = g.logAndRecover(h)
	return h
}

// allowedMethods lists the methods for which a route other than the
// catch-all matches r's path.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	return allow
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	sessionKey
	userKey
	expiredKey // the cookie of a session that had timed out (hold.go)
)

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string { s, _ := ctx.Value(requestIDKey).(string); return s }

// SessionFrom returns the browser session of the request, nil for token or
// anonymous requests.
func SessionFrom(ctx context.Context) *auth.Session {
	s, _ := ctx.Value(sessionKey).(*auth.Session)
	return s
}

// UserFrom returns the logged-in user of the request, or nil.
func UserFrom(ctx context.Context) *auth.User { u, _ := ctx.Value(userKey).(*auth.User); return u }

// IsAPI reports whether r is a JSON API request.
func IsAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (g *Guard) logAndRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		ctx = audit.WithMeta(ctx, &audit.Meta{IP: ClientIP(r), RequestID: id})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		sw.Header().Set("X-Request-ID", id)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				// Fail closed: the panic is logged with its stack, the user
				// sees only a generic message and the request id (D6).
				g.Log.Error("panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					g.Error(sw, r, http.StatusInternalServerError, fmt.Errorf("panic: %v", p))
				}
			}
			g.Log.Info("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
				"bytes", sw.bytes, "ms", time.Since(start).Milliseconds(), "ip", ClientIP(r))
		}()
		next.ServeHTTP(sw, r)
	})
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ClientIP is the peer address. X-Forwarded-For is not trusted: no trusted
// proxy is configured in this version.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// CSP allows only our own scripts, styles and images: no inline script, no CDN.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func (g *Guard) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if g.Secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		if r.Method == http.MethodTrace || r.Method == "TRACK" {
			g.Error(w, r, http.StatusMethodNotAllowed, core.Errorf(core.EFORBIDDEN, "不支持该请求方法"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, g.bodyLimit(r))
		next.ServeHTTP(w, r)
	})
}

// bodyLimit is the body limit of the route r goes to. It is decided here,
// before the CSRF check parses a form, so that the raised limit of an
// upload route holds for the whole request and no other route's does.
func (g *Guard) bodyLimit(r *http.Request) int64 {
	if len(g.maxBody) > 0 && r.ContentLength != 0 {
		if _, pattern := g.mux.Handler(r); g.maxBody[pattern] > 0 {
			return g.maxBody[pattern]
		}
	}
	return MaxBodyBytes
}

// session resolves the actor from the session cookie or a bearer token.
// Roles and scope are read from the database on every request.
func (g *Guard) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var u *auth.User
		var err error
		if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			u, err = g.Auth.TokenUser(ctx, strings.TrimSpace(bearer))
			if err != nil {
				g.Error(w, r, http.StatusUnauthorized, err)
				return
			}
		} else if c, cerr := r.Cookie(g.SessionCookie()); cerr == nil && c.Value != "" {
			var sess *auth.Session
			resume := g.Auth.Resume
			if r.URL.Path == StatusPath {
				resume = g.Auth.Peek // asking how long is left is no activity
			}
			sess, u, err = resume(ctx, c.Value, ClientIP(r))
			if err != nil && core.ErrorCode(err) != core.EUNAUTHORIZED {
				g.Error(w, r, http.StatusInternalServerError, err)
				return
			}
			if err != nil {
				// The dead cookie is left in place, not cleared: it opens
				// nothing, and a form the page posts later (after its
				// status check or an autosave has met the timeout) must
				// still name the timed-out session to be held (I10). The
				// next login replaces it; a logout clears it.
				ctx = context.WithValue(ctx, sessionKey, (*auth.Session)(nil))
				ctx = context.WithValue(ctx, expiredKey, c.Value)
			} else {
				ctx = context.WithValue(ctx, sessionKey, sess)
			}
		}
		if u != nil && err == nil {
			a, aerr := auth.ActorFor(ctx, g.DB.R(), u)
			if aerr != nil {
				g.Error(w, r, http.StatusInternalServerError, aerr)
				return
			}
			a.IP, a.RequestID = ClientIP(r), RequestID(ctx)
			ctx = core.WithActor(ctx, a)
			ctx = context.WithValue(ctx, userKey, u)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// SetSession sets the session cookie.
func (g *Guard) SetSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: g.SessionCookie(), Value: token, Path: "/", HttpOnly: true,
		Secure: g.Secure, SameSite: http.SameSiteLaxMode})
}

// ClearSession removes the session cookie.
func (g *Guard) ClearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: g.SessionCookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: g.Secure, SameSite: http.SameSiteLaxMode})
}

// PreLoginCookie carries the CSRF token of forms shown before login.
const PreLoginCookie = "liandong_csrf"

// csrf refuses cross-origin unsafe requests by Fetch Metadata and Origin
// (net/http's CrossOriginProtection) and, because old browsers send neither
// header, also requires a per-form token on every unsafe request that
// carries cookies: the session's token when logged in, a double-submit
// cookie before (SECURITY.md D4). Bearer-token requests carry no ambient
// credentials and need no token.
func (g *Guard) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		deny := core.Errorf(core.EFORBIDDEN, "请求来源校验失败，请刷新页面后重试")
		if err := g.cop.Check(r); err != nil {
			g.Error(w, r, http.StatusForbidden, deny)
			return
		}
		if strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			next.ServeHTTP(w, r)
			return
		}
		if IsAPI(r) && len(r.Cookies()) == 0 {
			// No cookie, no ambient credentials to forge: let the route's
			// permission check answer (401 for an anonymous client).
			next.ServeHTTP(w, r)
			return
		}
		sent := r.Header.Get("X-CSRF-Token")
		var want string
		if s := SessionFrom(r.Context()); s != nil {
			want = s.CSRFToken
		} else if c, err := r.Cookie(PreLoginCookie); err == nil {
			want = c.Value
		}
		if !IsAPI(r) && g.streamed(r) {
			if sent == "" && want != "" {
				// The token is the form's first field: ReadMultipart
				// checks it before reading anything else.
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), csrfWantKey, want)))
				return
			}
		} else if !IsAPI(r) {
			// Parse the form here, checking the error: PostFormValue would
			// swallow a body over MaxBodyBytes and report a missing token.
			if err := parseForm(r); err != nil {
				g.Error(w, r, 0, err)
				return
			}
			if r.MultipartForm != nil {
				// The server removes temp files only of the request it
				// created, not of the copies the middleware passes on.
				defer r.MultipartForm.RemoveAll()
			}
			if sent == "" {
				sent = r.PostForm.Get("csrf_token")
			}
		}
		if want == "" || !equalTokens(sent, want) {
			g.Error(w, r, http.StatusForbidden, deny)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseForm parses a urlencoded or multipart body into r.PostForm.
func parseForm(r *http.Request) error {
	var err error
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(ct), "multipart/form-data") {
		err = r.ParseMultipartForm(32 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return &core.Error{Code: core.EINVALID, Message: "提交的表单无法解析，请刷新页面后重试", Err: err}
	}
	return nil
}

func equalTokens(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// authorize checks the route's permission for the actor; a denial by role
// is audited. A panic in the check is recovered upstream and denies.
func (g *Guard) authorize(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := core.ActorFrom(r.Context())
		if auth.Allowed(a, rt.Perm) {
			if rt.Limit != "" && !g.allowLimit(w, r, rt.Limit) {
				return
			}
			rt.Handler(w, r)
			return
		}
		if a == nil {
			if IsAPI(r) {
				g.Error(w, r, http.StatusUnauthorized, core.Errorf(core.EUNAUTHORIZED, "请先登录"))
			} else {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			}
			return
		}
		_ = audit.Log(r.Context(), g.DB, g.Clock.Now(), audit.Event{Action: "access.denied", ObjectType: "route",
			ObjectID: rt.Pattern, Outcome: audit.Denied, Detail: r.Method + " " + r.URL.Path})
		g.Error(w, r, http.StatusForbidden, core.Forbidden())
	})
}

// Status maps an error code to its HTTP status.
func Status(err error) int {
	switch core.ErrorCode(err) {
	case core.EINVALID:
		return http.StatusUnprocessableEntity
	case core.ENOTFOUND:
		return http.StatusNotFound
	case core.ECONFLICT:
		return http.StatusConflict
	case core.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case core.EFORBIDDEN:
		return http.StatusForbidden
	case core.ELOCKED:
		return http.StatusLocked
	case core.ETOOMANY:
		return http.StatusTooManyRequests
	case core.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// Error writes err: the API envelope for /api/ requests, an HTML page
// otherwise. Internal errors are logged in English with the request id and
// shown as a generic Chinese message.
func (g *Guard) Error(w http.ResponseWriter, r *http.Request, status int, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// The body hit MaxBytesReader, whatever the handler made of it.
		status = http.StatusRequestEntityTooLarge
		err = &core.Error{Code: core.ETOOLARGE, Message: fmt.Sprintf("提交的内容过大（上限%d MB），请删减后重试", tooLarge.Limit>>20), Err: err}
	}
	if status == 0 {
		status = Status(err)
	}
	if status >= 500 {
		g.Log.Error("request failed", "request_id", RequestID(r.Context()), "err", err.Error())
	}
	if IsAPI(r) || g.RenderError == nil {
		WriteJSONError(w, r, status, err)
		return
	}
	g.RenderError(w, r, status, err)
}

// APIError is the body of every API error response.
type APIError struct {
	Error struct {
		Code      string            `json:"code"`
		Message   string            `json:"message"`
		Fields    map[string]string `json:"fields,omitempty"`
		RequestID string            `json:"request_id"`
	} `json:"error"`
}

// WriteJSONError writes {"error":{"code","message"}} with a Chinese message.
func WriteJSONError(w http.ResponseWriter, r *http.Request, status int, err error) {
	var body APIError
	body.Error.Code = core.ErrorCode(err)
	body.Error.Message = core.ErrorMessage(err)
	if f := core.FieldErrors(err); len(f) > 0 {
		body.Error.Fields = f
	}
	body.Error.RequestID = RequestID(r.Context())
	WriteJSON(w, status, body)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
