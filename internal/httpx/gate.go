package httpx

import (
	"net/http"
	"net/url"
	"strings"

	"liandong/internal/core"
)

// Pages a session may reach while it still owes the second factor (A7) or
// a new password (A3): the page that settles the debt, logging out, and
// static files. Everything else redirects there (pages) or is refused
// (API).
var (
	mfaPaths      = []string{"/mfa", "/mfa/setup"}
	passwordPaths = []string{"/account/password"}
	gateFreePaths = []string{"/logout", "/healthz"}
)

// gate holds a browser session to its outstanding step: a second factor
// before anything else, then a new password when the old one expired or an
// administrator set it (SECURITY.md A3, A7). Bearer-token requests are not
// sessions and pass.
func (g *Guard) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := SessionFrom(r.Context())
		if sess == nil || (!sess.MFAPending && !sess.PasswordChangeRequired) ||
			strings.HasPrefix(r.URL.Path, "/static/") || pathIn(r.URL.Path, gateFreePaths) {
			next.ServeHTTP(w, r)
			return
		}
		target, allowed, msg := "/account/password", passwordPaths, "密码已过期或由管理员重置，请先修改密码"
		if sess.MFAPending {
			target, allowed, msg = "/mfa", mfaPaths, "请先完成双因素认证（动态验证码）"
		}
		if pathIn(r.URL.Path, allowed) {
			next.ServeHTTP(w, r)
			return
		}
		if IsAPI(r) {
			g.Error(w, r, http.StatusForbidden, core.Errorf(core.EFORBIDDEN, "%s", msg))
			return
		}
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

func pathIn(p string, list []string) bool {
	for _, q := range list {
		if p == q {
			return true
		}
	}
	return false
}
