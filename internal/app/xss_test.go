package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/org"
	"liandong/internal/org/orgtest"
	"liandong/internal/region"
	"liandong/internal/testkit"
)

// The output-encoding sweep (SECURITY.md D3): a corpus of injection
// payloads is stored in every free-text field of the product through the
// services, then every GET page of the UI is rendered as each user who
// may see it, with payloads also in the query string and in forms posted
// back, and each page is parsed as HTML. No payload may become markup: no
// script other than our own files, no event-handler attribute, no
// javascript: link, no injected element; each payload must be found on
// some page as the text it is. The registry and audit exports are opened
// with excelize: no cell is a formula, and a payload that starts like one
// is stored as text behind an apostrophe.

// xssLong is the 2,000-character payload (the duty text limit), with
// markup in it; shorter fields hold its first characters.
var xssLong = strings.Repeat("测试<i>", 400)

// xssPayloads is the corpus.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(1)`,
	`'"><svg/onload=alert(1)>`,
	`{{.}}`,
	`=HYPERLINK("http://evil")`,
	`+1+1`,
	`@SUM(1)`,
	`-2+3`,
	xssLong,
	"\u202Eexe.txt",
	"零\u200B宽\u200D字\uFEFF符",
}

// xssFormulas are the payloads a spreadsheet would take for a formula.
var xssFormulas = []string{`=HYPERLINK("http://evil")`, `+1+1`, `@SUM(1)`, `-2+3`}

// fit cuts s to the first max characters: each field holds as much of a
// payload as it accepts.
func fit(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max])
}

const xssPassword = "Wq8#tLm3vR7k!Zp"

// xssWorld is the registry with payloads everywhere and one account per
// kind of user, whose display names are payloads too.
type xssWorld struct {
	t        *testing.T
	app      *app.App
	base     string
	w        *orgtest.World
	svc      *org.Service
	ctx      context.Context // acting as the city office
	bodies   []int64         // the city's body, then its payload subordinates
	units    []int64
	mus      []int64
	seats    []int64
	liaisons []int64
	duties   []int64
	users    []int64
	plans    []int64 // plans and items with payloads (xss_plan_test.go)
	items    []int64

	// a data call, its submission and file with payloads (xss_call_test.go)
	calls, subs, callFiles []int64

	// a report, its photo and its task with payloads (xss_report_test.go)
	reports, reportFiles, reportTasks []int64

	renderer map[string]core.Role // username → role of the accounts that render pages
	order    []string
	texts    map[string]bool // stored payload text → seen as text on some page
	pages    int             // pages checked
}

func newXSSWorld(t *testing.T, dsn string) *xssWorld {
	t.Helper()
	// Every route many times as each user on a frozen clock: the rate
	// limits of exports (D7, tested in httpx and web) would stop the walk.
	a, srv := testkit.StartApp(t, dsn, app.Config{Limits: httpx.Unlimited()})
	ctx := context.Background()
	// The administrators' second factor is tested with the login; here it
	// would only stand between the sweep and the administrators' pages.
	pol := auth.DefaultPolicy
	pol.AdminMFA = false
	raw, _ := json.Marshal(pol)
	if err := a.DB.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('security.policy', $1, 0)`, string(raw))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w, err := orgtest.Build(ctx, a.DB, core.SystemClock{}.Now())
	if err != nil {
		t.Fatal(err)
	}
	x := &xssWorld{t: t, app: a, base: srv.URL, w: w, svc: &org.Service{DB: a.DB, Clock: core.SystemClock{}},
		renderer: map[string]core.Role{}, texts: map[string]bool{}}
	office := x.account("xss-office", xssPayloads[0], core.RoleOffice, w.Kexie.ID, w.City.ID)
	actor, err := auth.ActorFor(ctx, a.DB.R(), office)
	if err != nil {
		t.Fatal(err)
	}
	x.ctx = core.WithActor(ctx, actor)
	x.store()
	x.storePlans()
	x.account("xss-leader", xssPayloads[1], core.RoleLeader, w.Government.ID, w.City.ID)
	x.account("xss-liaison", xssPayloads[3], core.RoleLiaison, x.units[0], w.City.ID)
	x.account("xss-sysadmin", xssPayloads[5], core.RoleSystemAdmin, 0, 0)
	x.account("xss-auditor", xssPayloads[6], core.RoleAuditAdmin, 0, 0)
	x.account("xss-secadmin", xssPayloads[7], core.RoleSecurityAdmin, 0, 0)
	x.storeCalls()
	x.storeReports()
	return x
}

// account creates a user that renders pages.
func (x *xssWorld) account(username, display string, role core.Role, unit, body int64) *auth.User {
	x.t.Helper()
	n := auth.NewUser{Username: username, DisplayName: fit(display, 50), Role: role, UnitID: unit, Password: xssPassword}
	if body != 0 {
		n.BodyIDs = []int64{body}
	}
	u, err := x.app.Auth.CreateUser(context.Background(), n)
	if err != nil {
		x.t.Fatalf("account %s: %v", username, err)
	}
	x.renderer[username] = role
	x.order = append(x.order, username)
	x.texts[n.DisplayName] = false
	return u
}

// stored notes a payload as stored and returns it.
func (x *xssWorld) stored(s string) string { x.texts[s] = false; return s }

func (x *xssWorld) must(what string, err error) {
	x.t.Helper()
	if err != nil {
		x.t.Fatalf("store %s: %v", what, err)
	}
}

// store writes the corpus into every free-text field through the
// services, as the city office, so the audit log records it too.
func (x *xssWorld) store() {
	t, ctx, svc, w := x.t, x.ctx, x.svc, x.w
	t.Helper()
	n := len(xssPayloads)
	p := func(i, max int) string { return x.stored(fit(xssPayloads[i%n], max)) }
	city, err := svc.GetBody(ctx, w.City.ID)
	x.must("body", err)
	_, err = svc.UpdateBody(ctx, city.ID, org.BodyUpdate{Name: p(0, org.MaxNameLen), OfficeUnitID: w.Kexie.ID,
		OfficeDept: p(1, org.MaxNameLen), DocPrefix: p(3, org.MaxPrefixLen), Version: city.Version})
	x.must("body update", err)
	x.bodies = append(x.bodies, city.ID)
	phones := []string{"+1+1", "-2+3", "0772-2625843转801", "13877246160"}
	emails := []string{"=1+1@evil.cn", "-2+3@example.cn", "+1@example.cn", "{{.}}@example.cn", "@"}
	for i := range xssPayloads {
		u, err := svc.CreateUnit(ctx, org.UnitInput{RegionID: w.Liuzhou.ID, Name: p(i, org.MaxNameLen), ShortName: p(i+1, org.MaxNameLen),
			Kind: org.UnitOther, Aliases: []string{p(i+2, org.MaxNameLen), p(i+3, org.MaxNameLen)}})
		x.must("unit", err)
		x.units = append(x.units, u.ID)
		mu, err := svc.AddMemberUnit(ctx, city.ID, org.MemberUnitInput{UnitID: u.ID, JoinedOn: orgtest.Founded})
		x.must("member unit", err)
		x.mus = append(x.mus, mu.ID)
		m, err := svc.AddMember(ctx, city.ID, org.MemberInput{Role: org.SeatMember, PersonName: p(i, org.MaxNameLen),
			Position: p(i+4, org.MaxNameLen), UnitID: u.ID, TermStart: orgtest.SeatsSince})
		x.must("seat", err)
		x.seats = append(x.seats, m.ID)
		email := emails[i%len(emails)]
		if email == "@" {
			email = ""
		}
		l, err := svc.CreateLiaison(ctx, city.ID, org.LiaisonInput{UnitID: u.ID, Name: p(i+5, org.MaxNameLen),
			Post: p(i+6, org.MaxNameLen), Phone: x.stored(phones[i%len(phones)]), Email: email, Active: true})
		x.must("liaison", err)
		x.liaisons = append(x.liaisons, l.ID)
		d, err := svc.AddDuty(ctx, city.ID, org.DutyInput{Scope: org.DutyCommon, Text: p(i, org.MaxTextLen)})
		x.must("duty", err)
		x.duties = append(x.duties, d.ID)
		d, err = svc.AddDuty(ctx, city.ID, org.DutyInput{Scope: org.DutyUnit, UnitID: u.ID, Text: p(i+7, org.MaxTextLen)})
		x.must("unit duty", err)
		x.duties = append(x.duties, d.ID)
		// A county of its own, named with the payload, and a body there.
		r, err := svc.CreateRegion(ctx, region.Region{Code: fmt.Sprintf("4502%02d", 40+i), Name: p(i+8, region.MaxNameLen),
			Level: region.County, ParentID: w.Liuzhou.ID})
		x.must("region", err)
		b, err := svc.CreateBody(ctx, org.BodyInput{Kind: org.LeadingGroup, Name: p(i+9, org.MaxNameLen), RegionID: r.ID,
			ParentID: city.ID, OfficeUnitID: u.ID, OfficeDept: p(i+10, org.MaxNameLen), DocPrefix: p(i+11, org.MaxPrefixLen)})
		x.must("subordinate body", err)
		x.bodies = append(x.bodies, b.ID)
		u2, err := x.app.Auth.CreateUser(context.Background(), auth.NewUser{Username: fmt.Sprintf("xss-user%d", i),
			DisplayName: p(i+2, 50), Role: core.RoleOffice, BodyIDs: []int64{b.ID}, Password: xssPassword})
		x.must("user", err)
		x.users = append(x.users, u2.ID)
	}
	// The seat history shows a replacement with a payload successor.
	m, err := svc.GetMember(ctx, x.seats[0])
	x.must("seat", err)
	succ, err := svc.ReplaceMember(ctx, m.ID, org.Replacement{PersonName: p(4, org.MaxNameLen), Position: p(5, org.MaxNameLen),
		UnitID: x.units[1], OnDate: "2023-03-01", Version: m.Version})
	x.must("replacement", err)
	x.seats = append(x.seats, succ.ID)
}

// client logs a new browser in as username (anonymous for "").
func (x *xssWorld) client(username string) *testkit.Client {
	c := testkit.NewClient(x.t, x.base)
	if username != "" {
		c.Login(username, xssPassword)
	}
	return c
}

// urls expands a route pattern into the pages to render.
func (x *xssWorld) urls(pattern string) []string {
	_, path, _ := strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	if !strings.Contains(path, "{") {
		return []string{path}
	}
	ids := func(ns ...int64) []string {
		var out []string
		for _, n := range ns {
			out = append(out, strconv.FormatInt(n, 10))
		}
		return out
	}
	var inner []string // values of the second wildcard
	var outer []string // values of {id}
	switch {
	case strings.HasPrefix(path, "/org/bodies/{id}/member-units/{mid}"):
		outer, inner = ids(x.bodies[0]), ids(x.mus...)
	case strings.HasPrefix(path, "/org/bodies/{id}/members/{mid}"):
		outer, inner = ids(x.bodies[0]), ids(x.seats...)
	case strings.HasPrefix(path, "/org/bodies/{id}/liaisons/{lid}"):
		outer, inner = ids(x.bodies[0]), ids(x.liaisons...)
	case strings.HasPrefix(path, "/org/bodies/{id}/duties/{did}"):
		outer, inner = ids(x.bodies[0]), ids(x.duties...)
	case strings.HasPrefix(path, "/org/bodies/{id}"):
		outer = ids(x.bodies...)
	case path == "/org/units/{id}":
		outer = ids(x.units...)
	case strings.HasPrefix(path, "/bodies/{id}"):
		outer = ids(x.bodies...)
	case strings.HasPrefix(path, "/plans/{id}"):
		outer = ids(x.plans...)
	case path == "/items/{id}/edit":
		outer = ids(x.items...)
	case strings.HasPrefix(path, "/calls/{id}"):
		outer = ids(x.calls...)
	case path == "/submissions/{id}/files/{file}":
		outer, inner = ids(x.subs...), ids(x.callFiles...)
	case strings.HasPrefix(path, "/submissions/{id}"):
		outer = ids(x.subs...)
	case path == "/reports/{id}/files/{file}":
		outer, inner = ids(x.reports...), ids(x.reportFiles...)
	case strings.HasPrefix(path, "/reports/{id}"):
		outer = ids(x.reports...)
	case path == "/tasks/{id}/reports":
		outer = ids(x.reportTasks...)
	case path == "/admin/users/{id}":
		outer = ids(x.users...)
	case path == "/audit/{id}":
		outer = x.auditIDs(`SELECT id FROM audit_log ORDER BY id`)
	case path == "/audit/auditors/{id}":
		outer = x.auditIDs(`SELECT id FROM audit_log WHERE actor_role = 'audit_admin' ORDER BY id`)
	default:
		x.t.Errorf("route %s: the sweep does not know which objects to show; teach urls() about it", pattern)
		return nil
	}
	var out []string
	for _, o := range outer {
		p := strings.Replace(path, "{id}", o, 1)
		if inner == nil {
			out = append(out, p)
			continue
		}
		for _, i := range inner {
			out = append(out, regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(p, i))
		}
	}
	return out
}

func (x *xssWorld) auditIDs(query string) []string {
	rows, err := x.app.DB.R().QueryContext(context.Background(), query)
	if err != nil {
		x.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			x.t.Fatal(err)
		}
		out = append(out, strconv.FormatInt(id, 10))
	}
	return out
}

// xssRawMarkers are fragments that only an unescaped payload produces.
var xssRawMarkers = []string{"<script>alert", "<img src=x", "<svg/onload", "onerror=alert(1)>", `"><img`, `'"><svg`}

// checkPage parses a page and fails on anything a payload could have
// turned into markup; it records the payload texts the page shows.
func (x *xssWorld) checkPage(where, page string) {
	t := x.t
	t.Helper()
	x.pages++
	for _, m := range xssRawMarkers {
		if strings.Contains(page, m) {
			t.Errorf("%s: the page holds %q unescaped", where, m)
		}
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	for n := range doc.Descendants() {
		switch n.Type {
		case html.TextNode:
			for s, seen := range x.texts {
				if !seen && strings.Contains(n.Data, s) {
					x.texts[s] = true
				}
			}
			if strings.Contains(n.Data, "ZgotmplZ") {
				t.Errorf("%s: html/template refused a value here (ZgotmplZ): a user value reached an unsafe context", where)
			}
		case html.ElementNode:
			x.checkElement(where, n)
		}
	}
}

// thumbURL is the only form of image URL a page may show besides /static/.
var thumbURL = regexp.MustCompile(`^/(reports|submissions)/[0-9]+/files/[0-9]+\?thumb=1$`)

func (x *xssWorld) checkElement(where string, n *html.Node) {
	t := x.t
	t.Helper()
	switch n.Data {
	case "script":
		if src := formAttr(n, "src"); !strings.HasPrefix(src, "/static/") || n.FirstChild != nil {
			t.Errorf("%s: <script src=%q> with content %v: only our own script files may run", where, src, n.FirstChild != nil)
		}
	case "svg", "iframe", "object", "embed", "base", "frame", "frameset", "math":
		t.Errorf("%s: injected <%s> element", where, n.Data)
	case "img":
		// Our own images, or a thumbnail of an uploaded photo served by
		// the application itself (reports, data-call submissions).
		if src := formAttr(n, "src"); !strings.HasPrefix(src, "/static/") && !thumbURL.MatchString(src) {
			t.Errorf("%s: <img src=%q> not from /static/", where, src)
		}
	case "meta":
		if formAttr(n, "http-equiv") != "" && !strings.EqualFold(formAttr(n, "http-equiv"), "content-type") {
			t.Errorf("%s: <meta http-equiv=%q>", where, formAttr(n, "http-equiv"))
		}
	}
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		if strings.HasPrefix(key, "on") {
			t.Errorf("%s: <%s %s=%q>: event-handler attribute", where, n.Data, a.Key, a.Val)
		}
		switch key {
		case "href", "src", "action", "formaction", "xlink:href", "poster", "data", "cite", "background":
			if u := urlScheme(a.Val); u != "" && u != "http" && u != "https" && u != "mailto" && u != "tel" {
				t.Errorf("%s: <%s %s=%q>: only http(s) links", where, n.Data, a.Key, a.Val)
			}
		case "style":
			t.Errorf("%s: <%s style=%q>: inline styles are refused by the CSP", where, n.Data, a.Val)
		}
	}
}

// urlScheme is the lower-cased scheme of a URL the way a browser reads
// it (ignoring whitespace and control characters), "" for a relative one.
func urlScheme(v string) string {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(v))
	scheme, _, ok := strings.Cut(v, ":")
	if !ok || strings.ContainsAny(scheme, "/?#") {
		return ""
	}
	return scheme
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func formAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// xssQueryParams are the query parameters any page reads.
var xssQueryParams = []string{"q", "date", "unit_id", "role", "scope", "kind", "region", "actor", "object_type", "object_id",
	"action", "outcome", "from", "to", "status", "next", "flash", "page", "offset", "upto", "sort", "token", "v"}

// xssForm is a POST form found on a page.
type xssForm struct {
	action string
	fields map[string]string // name → value as rendered (hidden ones are kept)
	hidden map[string]bool
}

// xssSkipForm matches forms that act rather than save typed text:
// posting them would log the renderer out or lock it.
var xssSkipForm = regexp.MustCompile(`/(move|delete|disable|enable|password|role|unlock|sessions|mfa|logout|login|setup)(/|$)`)

// forms lists the POST forms of a page.
func forms(page string) []xssForm {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil
	}
	var out []xssForm
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "form" || !strings.EqualFold(formAttr(n, "method"), "post") {
			continue
		}
		f := xssForm{action: formAttr(n, "action"), fields: map[string]string{}, hidden: map[string]bool{}}
		for c := range n.Descendants() {
			if c.Type != html.ElementNode || formAttr(c, "name") == "" {
				continue
			}
			name := formAttr(c, "name")
			switch c.Data {
			case "input":
				if typ := formAttr(c, "type"); (typ == "checkbox" || typ == "radio") && !hasAttr(c, "checked") {
					continue
				}
				f.fields[name] = formAttr(c, "value")
				f.hidden[name] = formAttr(c, "type") == "hidden"
			case "textarea":
				f.fields[name] = ""
				if c.FirstChild != nil {
					f.fields[name] = c.FirstChild.Data
				}
			case "select":
				f.fields[name] = ""
				for o := range c.Descendants() {
					if o.Type == html.ElementNode && o.Data == "option" && hasAttr(o, "selected") {
						f.fields[name] = formAttr(o, "value")
					}
				}
			}
		}
		out = append(out, f)
	}
	return out
}

func TestOutputEncodingSweep(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		x := newXSSWorld(t, dsn)
		clients := map[string]*testkit.Client{"": x.client("")}
		for _, u := range x.order {
			clients[u] = x.client(u)
		}
		// Failed logins with payload usernames reach the audit log as typed.
		for _, p := range xssPayloads[:5] {
			x.client("").TryLogin(fit(p, 64), "wrong")
		}
		// Render as the business users first, then the audit administrator
		// (whose reads are audited), then the security administrator, who
		// reviews those reads.
		renderers := append([]string{}, x.order[:3]...)
		renderers = append(renderers, "xss-sysadmin", "xss-auditor", "xss-secadmin", "")
		ok := map[string]bool{}        // route pattern → some user got a 200
		var formPages []string         // "user\x00page" with forms to post back
		exports := map[string][]byte{} // path → workbook
		for _, user := range renderers {
			c := clients[user]
			var actor *core.Actor
			if user != "" {
				actor = &core.Actor{Role: x.renderer[user]}
			}
			for _, rt := range x.app.Routes() {
				method, path, _ := strings.Cut(rt.Pattern, " ")
				if method != http.MethodGet || strings.HasPrefix(path, "/api/") || path == "/static/" || path == "/healthz" ||
					!auth.Allowed(actor, rt.Perm) {
					continue
				}
				for _, u := range x.urls(rt.Pattern) {
					resp, body := c.Get(u)
					where := fmt.Sprintf("GET %s as %q (%d)", u, user, resp.StatusCode)
					if resp.StatusCode >= 500 {
						t.Errorf("%s", where)
					}
					if resp.StatusCode == http.StatusOK {
						ok[rt.Pattern] = true
					}
					if strings.HasSuffix(path, ".xlsx") && resp.StatusCode == http.StatusOK {
						exports[u+" as "+user] = []byte(body)
						continue
					}
					x.checkPage(where, body)
					if resp.StatusCode == http.StatusOK && strings.Contains(body, `method="post"`) {
						formPages = append(formPages, user+"\x00"+body)
					}
				}
				// The same page with a payload in every query parameter; a
				// NUL and broken UTF-8 must not reach the database (D1).
				for k, p := range []string{xssPayloads[0], xssPayloads[1], xssPayloads[2], xssPayloads[3], xssPayloads[4], "a\x00b", "\xff\xfe"} {
					us := x.urls(rt.Pattern)
					if len(us) == 0 || strings.HasSuffix(path, ".xlsx") {
						continue
					}
					q := url.Values{}
					for _, name := range xssQueryParams {
						q.Set(name, p)
					}
					u := us[k%len(us)] + "?" + q.Encode()
					resp, body := c.Get(u)
					where := fmt.Sprintf("GET %s as %q (%d)", u, user, resp.StatusCode)
					if resp.StatusCode >= 500 {
						t.Errorf("%s", where)
					}
					x.checkPage(where, body)
				}
			}
		}
		for _, rt := range x.app.Routes() {
			method, path, _ := strings.Cut(rt.Pattern, " ")
			if method == http.MethodGet && !strings.HasPrefix(path, "/api/") && path != "/static/" && path != "/healthz" &&
				!ok[rt.Pattern] && path != "/setup" && !strings.HasPrefix(path, "/mfa") {
				t.Errorf("%s: no user saw this page (status 200), so the sweep did not check it", rt.Pattern)
			}
		}

		// Post every form that saves typed text back with payloads in its
		// visible fields: the page shown again (or the one redirected to)
		// must escape them too.
		posted := map[string]bool{}
		for i, fp := range formPages {
			user, page, _ := strings.Cut(fp, "\x00")
			for _, f := range forms(page) {
				action := regexp.MustCompile(`[0-9]+`).ReplaceAllString(f.action, "N")
				if f.action == "" || xssSkipForm.MatchString(f.action) || posted[user+action] {
					continue
				}
				posted[user+action] = true
				c := clients[user]
				// A NUL and broken UTF-8 in one field at a time, the others
				// as the page filled them in: refused as a field error,
				// never a 500 from the database (D1).
				for name := range f.fields {
					if f.hidden[name] {
						continue
					}
					form := url.Values{}
					for k, v := range f.fields {
						form.Set(k, v)
					}
					form.Set(name, "柳\x00州\xff")
					resp, body := c.Post(f.action, form)
					if resp.StatusCode >= 500 {
						t.Errorf("POST %s as %q with a NUL in %s: %d", f.action, user, name, resp.StatusCode)
					}
					if resp.StatusCode != http.StatusSeeOther {
						x.checkPage("POST "+f.action, body)
					}
				}
				// Then the payload in every visible field: the page shown
				// again, or the one redirected to, must escape it.
				p := fit(xssPayloads[i%len(xssPayloads)], 100)
				form := url.Values{}
				for name, v := range f.fields {
					if f.hidden[name] {
						form.Set(name, v)
					} else {
						form.Set(name, p)
					}
				}
				resp, body := c.Post(f.action, form)
				where := fmt.Sprintf("POST %s as %q (%d)", f.action, user, resp.StatusCode)
				if resp.StatusCode >= 500 {
					t.Errorf("%s", where)
				}
				if resp.StatusCode == http.StatusSeeOther {
					loc := resp.Header.Get("Location")
					resp, body = c.Get(loc)
					where = fmt.Sprintf("GET %s after %s (%d)", loc, where, resp.StatusCode)
				}
				x.checkPage(where, body)
			}
		}
		t.Logf("checked %d pages, posted %d forms back, opened %d workbooks", x.pages, len(posted), len(exports))
		if len(posted) < 10 {
			t.Errorf("only %d forms were posted back; the sweep lost its forms", len(posted))
		}

		for s, seen := range x.texts {
			if !seen {
				t.Errorf("stored text %q was not shown as text on any page", fit(s, 40))
			}
		}
		x.checkExports(exports)
	})
}

// checkExports opens each workbook: no formula anywhere, no text cell
// that starts like one, and the formula payloads present behind an
// apostrophe in the roster, the liaison list, the units registry and the
// audit log.
func (x *xssWorld) checkExports(exports map[string][]byte) {
	t := x.t
	t.Helper()
	city := fmt.Sprintf("/org/bodies/%d/", x.bodies[0])
	// The workbooks that must hold every formula payload: the city's
	// roster (person names) and liaison list (names, phones), the units
	// registry (names), and the audit log (the renderers' names).
	want := map[string]bool{city + "roster.xlsx": false, city + "liaisons.xlsx": false, "/org/units.xlsx": false,
		"/audit/export.xlsx": false}
	for name, data := range exports {
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: not a workbook: %v", name, err)
			continue
		}
		found := map[string]bool{}
		bad := 0 // one report per workbook is enough to act on
		for _, sheet := range f.GetSheetList() {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range rows {
				for c, v := range row {
					cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if formula, _ := f.GetCellFormula(sheet, cell); formula != "" && bad < 3 {
						bad++
						t.Errorf("%s!%s %s: formula %q", name, sheet, cell, formula)
					}
					typ, _ := f.GetCellType(sheet, cell)
					if typ == excelize.CellTypeNumber || v == "" {
						continue
					}
					if strings.ContainsRune("=+-@\t\r\x00", []rune(v)[0]) && bad < 3 {
						bad++
						t.Errorf("%s!%s %s: text %q starts like a formula", name, sheet, cell, fit(v, 40))
					}
					for _, p := range xssFormulas {
						if strings.HasPrefix(v, "'"+p) {
							found[p] = true
						}
					}
				}
			}
		}
		f.Close()
		path, _, _ := strings.Cut(name, " as ")
		if _, ok := want[path]; !ok {
			continue
		}
		want[path] = true
		formulas := xssFormulas
		if path == "/audit/export.xlsx" {
			formulas = xssFormulas[:3] // the display names of the renderers
		}
		for _, p := range formulas {
			if !found[p] {
				t.Errorf("%s: payload %q is not in the workbook as text behind an apostrophe", name, p)
			}
		}
	}
	for path, seen := range want {
		if !seen {
			t.Errorf("%s was not exported", path)
		}
	}
}
