package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Base is embedded in every page struct: what the layout needs.
type Base struct {
	Title     string
	Actor     *core.Actor
	CSRF      string
	Flash     string
	Errors    map[string]string // field → message
	Error     string            // message for the whole form
	RequestID string
	Nav       []NavItem
	Path      string
	// IdleMinutes is the session's idle timeout, for the warning before
	// it runs out (SECURITY.md I10); 0 when not logged in.
	IdleMinutes int
	// Unread is the user's count of unread notifications, shown in the
	// header (one indexed COUNT per page).
	Unread int
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	Label  string
	Href   string
	Active bool
}

// base fills Base for the request.
func (s *Server) base(r *http.Request, title string) Base {
	b := Base{Title: title, Actor: core.ActorFrom(r.Context()), RequestID: httpx.RequestID(r.Context()), Path: r.URL.Path}
	if sess := httpx.SessionFrom(r.Context()); sess != nil {
		b.CSRF = sess.CSRFToken
		b.IdleMinutes = int(sess.IdleTimeout / time.Minute)
	} else if c, err := r.Cookie(httpx.PreLoginCookie); err == nil {
		b.CSRF = c.Value
	}
	if f := r.URL.Query().Get("flash"); f != "" && len(f) < 200 {
		b.Flash = flashMessages[f]
	}
	b.Nav = navFor(b.Actor, r.URL.Path)
	if b.Actor != nil && b.Actor.UserID != 0 && s.Notify != nil {
		// A failed count only hides the badge; the page itself still works.
		b.Unread, _ = s.Notify.Unread(r.Context(), b.Actor.UserID)
	}
	return b
}

// flashMessages are the fixed notices a redirect may ask for (?flash=key):
// keys, not text, so that a link cannot put words in the product's mouth.
var flashMessages = map[string]string{
	"saved":     "已保存。",
	"created":   "已创建。",
	"deleted":   "已删除。",
	"password":  "密码已修改。",
	"loggedout": "您已安全退出。",
	// accounts and security (auth_*, account_*, admin_*)
	"setup":    "初始化完成。请使用刚才设置的系统管理员账户登录；首次登录须设置动态验证码。",
	"mfa":      "双因素认证已启用。以后每次登录时，请在密码之后输入验证器上的6位动态验证码。",
	"ended":    "会话已结束。",
	"unlocked": "账户已解锁。",
	"reset":    "密码已重置，该用户下次登录时须设置新密码；其现有会话已结束。",
	"disabled": "账户已停用，其全部会话已结束。",
	"enabled":  "账户已启用。",
	"role":     "角色已更新，该账户的全部会话已结束，重新登录后生效。",
	"mfareset": "动态验证码已重置，该用户下次登录时须重新设置。",
	// requests held across a session timeout (auth_login.go, held_*.go)
	"held":           "登录已超时，您填写的内容已保存，请重新登录后提交。",
	"held_discarded": "已放弃该暂存内容。",
	// notifications and mail (notify_*.go)
	"read":     "已标为已读。",
	"mailtest": "测试邮件已发出，请到收件箱查看。",
	// data calls (call_*.go)
	"call_opened":    "征集已发出，报送对象已收到通知；截止前后将按设置自动提醒。",
	"call_closed":    "征集已结束，不再接受报送。",
	"call_submitted": "材料已报送，办公室审核后会通知您。",
	"call_returned":  "已退回，报送单位会收到退回原因。",
	"call_accepted":  "已采纳。",
}

// navFor follows the office's loop, showing each role only what it may use.
func navFor(a *core.Actor, current string) []NavItem {
	if a == nil {
		return nil
	}
	var items []NavItem
	add := func(label, href string, p auth.Permission) {
		if auth.Allowed(a, p) {
			active := href == current || (href != "/" && strings.HasPrefix(current, href))
			items = append(items, NavItem{Label: label, Href: href, Active: active})
		}
	}
	add("工作台", "/", auth.PermWork)
	for _, n := range extraNav {
		add(n.Label, n.Href, n.Perm)
	}
	return items
}

// extraNav lists the sections beyond the home page; each feature adds its
// entry here.
var extraNav = []struct {
	Label, Href string
	Perm        auth.Permission
}{
	{"组织机构", "/org", auth.PermOrgRead},
	{"计划任务", "/plans", auth.PermPlanRead},
	{"我的任务", "/my/tasks", auth.PermPlanRead},
	{"进展报告", "/reports", auth.PermReportRead},
	{"材料征集", "/calls", auth.PermCallRead},
	{"用户管理", "/admin/users", auth.PermUserManage},
	{"安全管理", "/admin/security", auth.PermSecurity},
	{"邮件设置", "/admin/mail", auth.PermSystem},
	{"审计日志", "/audit", auth.PermAuditRead},
	{"审计复核", "/audit/auditors", auth.PermAuditOfAudits},
}

var cst = time.FixedZone("CST", 8*3600)

var funcs = template.FuncMap{
	"roleName": func(r core.Role) string {
		if r == "" {
			return "待授权" // an account the security administrator has not granted a role yet
		}
		return core.RoleNames[r]
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(cst).Format("2006-01-02 15:04")
	},
	// cnDate renders 2020-12-04 as 2020年12月4日 for prose.
	"cnDate": func(d string) string {
		t, err := time.Parse(core.DateLayout, d)
		if err != nil {
			return d
		}
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	},
	"static": staticURL,
	"add":    func(a, b int) int { return a + b },
}

type templates struct {
	pages map[string]*template.Template
}

// parseTemplates builds one template set per page: the layout, the
// partials, and the page. Every file under templates/ other than layout/ and
// partials/ is a page named by its path without .html ("org/roster").
func parseTemplates() (*templates, error) {
	t := &templates{pages: map[string]*template.Template{}}
	shared := []string{"templates/layout/*.html"}
	if m, _ := fs.Glob(templateFS, "templates/partials/*.html"); len(m) > 0 {
		shared = append(shared, "templates/partials/*.html")
	}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		if strings.HasPrefix(p, "templates/layout/") || strings.HasPrefix(p, "templates/partials/") {
			return nil
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		tm, err := template.New(path.Base(p)).Funcs(funcs).ParseFS(templateFS, append(shared, p)...)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", name, err)
		}
		t.pages[name] = tm
		return nil
	})
	return t, err
}

// render executes page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	tm, ok := s.tmpl.pages[page]
	if !ok {
		s.Guard.Error(w, r, http.StatusInternalServerError, fmt.Errorf("web: no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := tm.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.Guard.Error(w, r, http.StatusInternalServerError, fmt.Errorf("web: render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	Base
	Status  int
	Message string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, err error) {
	p := &errorPage{Base: s.base(r, "出错了"), Status: status, Message: core.ErrorMessage(err)}
	tm := s.tmpl.pages["error"]
	var buf bytes.Buffer
	if tm == nil || tm.ExecuteTemplate(&buf, "layout", p) != nil {
		http.Error(w, p.Message+" 请求编号："+p.RequestID, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// staticHashes fingerprints each static file so its URL changes with its
// content and can be cached for a year.
var staticHashes = func() map[string]string {
	m := map[string]string{}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h := sha256.Sum256(b)
			m[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(h[:6])
		}
		return err
	})
	return m
}()

func staticURL(name string) string {
	return "/static/" + name + "?v=" + staticHashes[name]
}

// serveStatic serves embedded files; directories are never listed.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if _, ok := staticHashes[name]; !ok {
		s.Guard.Error(w, r, http.StatusNotFound, core.Errorf(core.ENOTFOUND, "文件不存在"))
		return
	}
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	http.ServeFileFS(w, r, staticFS, "static/"+name)
}
