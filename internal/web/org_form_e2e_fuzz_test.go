package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"liandong/internal/app"
	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org/orgtest"
	"liandong/internal/testkit"
)

// formFuzzApp is one running application for the end-to-end form fuzz:
// the Liuzhou fixture and a logged-in city office.
type formFuzzApp struct {
	engine string
	app    *app.App
	client *testkit.Client
	w      *orgtest.World
	// subst turns the placeholders a fuzz input may hold ({city},
	// {county}, {other}, {member}, {outsider}) into this database's ids.
	subst *strings.Replacer
}

func startFormFuzzApp(f *testing.F, dsn string) *formFuzzApp {
	clock := core.NewFakeClock(time.Date(2021, 6, 1, 2, 0, 0, 0, time.UTC))
	a, srv := testkit.StartApp(f, dsn, app.Config{Clock: clock})
	ctx := context.Background()
	w, err := orgtest.Build(ctx, a.DB, clock.Now())
	if err != nil {
		f.Fatal(err)
	}
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Username: "fuzz-office", DisplayName: "市科协办公室", Role: core.RoleOffice,
		UnitID: w.Kexie.ID, BodyIDs: []int64{w.City.ID}, Password: orgPassword}); err != nil {
		f.Fatal(err)
	}
	c := testkit.NewClient(f, srv.URL)
	c.Login("fuzz-office", orgPassword)
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	return &formFuzzApp{engine: string(testkit.EngineOf(dsn)), app: a, client: c, w: w, subst: strings.NewReplacer(
		"{city}", id(w.Liuzhou.ID), "{county}", id(w.Luzhai.ID), "{other}", id(w.Guangxi.ID),
		"{member}", id(w.Edu.ID), "{outsider}", id(w.Government.ID))}
}

// formFuzzNasty are the seed values: markup, formula starters, control
// and invisible characters, broken UTF-8, padding, lengths at and over
// the limits, and numbers that are not quite numbers.
var formFuzzNasty = []string{
	"柳州市气象局", "  柳州市气象局\u3000", "<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`,
	"javascript:alert(1)", `'"><svg/onload=alert(1)>`, "{{.}}", `=HYPERLINK("http://evil")`, "+1+1", "@SUM(1)", "-2+3",
	"\u202Eexe.txt", "零\u200B宽\u200D字\uFEFF", "a\x00b", "a\nb", "a\rb", "\t", "\xff\xfe", "\xe6\x9f", "\u0085柳\u0085",
	strings.Repeat("长", 100), strings.Repeat("长", 101), strings.Repeat("𠀀", 100), strings.Repeat("a", 5000), "",
	" ", "%00", "&amp;", "name=x&kind=party", "'; DROP TABLE units; --", "' OR '1'='1", `\`, "NULL", "0", "-1",
	"9223372036854775808", "1e3", " 7 ", "０７７２-２６２５８４３", "13877246160", "+86 (772) 262-5843转801",
	"lzkx@163.com", "蒋文 <jw@example.cn>", "=1+1@evil.cn", "a@b", "@", "{city}", "{county} ", "{other}",
}

// FuzzOrgFormsThroughTheApp posts arbitrary values to the create-unit and
// add-liaison forms of a running application on SQLite (and PostgreSQL
// when LIANDONG_TEST_PG is set) as the city office (SECURITY.md D1):
//
//   - no answer is a 5xx;
//   - a refusal changes nothing: no unit, alias or liaison row and no
//     success entry in the audit log is added, and a 422 form shows what
//     was typed;
//   - a 303 stores exactly what was sent, trimmed, with one audit entry.
func FuzzOrgFormsThroughTheApp(f *testing.F) {
	n := len(formFuzzNasty)
	for i, v := range formFuzzNasty {
		f.Add(v, formFuzzNasty[(i+7)%n], formFuzzNasty[(i+13)%n]+"\n"+formFuzzNasty[(i+3)%n], "government", "{city}",
			formFuzzNasty[(i+1)%n], formFuzzNasty[(i+5)%n], formFuzzNasty[(i+11)%n], formFuzzNasty[(i+17)%n], "{member}")
	}
	f.Add("柳州市应急管理局", "市应急局", "应急局、柳州市应急局，市应急局", "government", "{city}",
		"蒋文", "科员", "0772-2625843", "jw@example.cn", "{member}")
	f.Add("鹿寨县气象局", "", "", "institution", " {county} ", "沈燕", "", "", "", " {member}")
	f.Add("广西科学院", "", "", "institution", "{other}", "杨帆", "", "", "", "{outsider}")
	f.Add("柳州市科学技术协会", "重名", "", "people_org", "{city}", "朱敏", "", "", "", "0")

	apps := []*formFuzzApp{startFormFuzzApp(f, testkit.NewDSN(f, db.SQLite))}
	if os.Getenv("LIANDONG_TEST_PG") != "" {
		apps = append(apps, startFormFuzzApp(f, testkit.NewDSN(f, db.Postgres)))
	}
	f.Fuzz(func(t *testing.T, name, short, aliases, kind, regionID, lname, post, phone, email, unitID string) {
		for _, e := range apps {
			c := *e.client
			c.T = t
			unit := url.Values{"name": {name}, "short_name": {short}, "aliases": {aliases}, "kind": {kind},
				"region_id": {e.subst.Replace(regionID)}}
			e.postUnit(t, &c, unit)
			liaison := url.Values{"unit_id": {e.subst.Replace(unitID)}, "name": {lname}, "post": {post}, "phone": {phone},
				"email": {email}, "active": {"1"}}
			e.postLiaison(t, &c, liaison)
		}
	})
}

var createdUnitURL = regexp.MustCompile(`^/org/units/([0-9]+)\?flash=created$`)

func (e *formFuzzApp) postUnit(t *testing.T, c *testkit.Client, form url.Values) {
	t.Helper()
	before := e.counts(t)
	resp, body := c.Post("/org/units", form)
	after := e.counts(t)
	e.noServerError(t, "create unit", resp, body, form)
	if resp.StatusCode != http.StatusSeeOther {
		e.unchanged(t, "create unit", resp, before, after, form)
		if resp.StatusCode == http.StatusUnprocessableEntity {
			keptInput(t, body, form, "name", "short_name")
		}
		return
	}
	m := createdUnitURL.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("[%s] create unit redirected to %q", e.engine, resp.Header.Get("Location"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	ctx := context.Background()
	var gotName, gotShort, gotKind string
	var gotRegion int64
	if err := e.app.DB.R().QueryRowContext(ctx, `SELECT name, short_name, kind, region_id FROM units WHERE id = $1`, id).
		Scan(&gotName, &gotShort, &gotKind, &gotRegion); err != nil {
		t.Fatal(err)
	}
	wantRegion, _ := strconv.ParseInt(strings.TrimSpace(form.Get("region_id")), 10, 64)
	if gotName != strings.TrimSpace(form.Get("name")) || gotShort != strings.TrimSpace(form.Get("short_name")) ||
		gotKind != form.Get("kind") || gotRegion != wantRegion {
		t.Errorf("[%s] stored unit (%q, %q, %q, %d) is not what was sent: %q", e.engine, gotName, gotShort, gotKind, gotRegion, form)
	}
	var want []string
	for _, a := range strings.FieldsFunc(form.Get("aliases"), func(r rune) bool { return strings.ContainsRune("\n\r、,，", r) }) {
		if a = strings.TrimSpace(a); a != "" && a != gotName && !slices.Contains(want, a) {
			want = append(want, a)
		}
	}
	got := e.strings(t, `SELECT alias FROM unit_aliases WHERE unit_id = $1`, id)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("[%s] stored aliases %q, sent %q", e.engine, got, form.Get("aliases"))
	}
	if after.units != before.units+1 || after.audited != before.audited+1 {
		t.Errorf("[%s] a created unit added %d units and %d audit entries", e.engine, after.units-before.units, after.audited-before.audited)
	}
}

func (e *formFuzzApp) postLiaison(t *testing.T, c *testkit.Client, form url.Values) {
	t.Helper()
	before := e.counts(t)
	path := "/org/bodies/" + strconv.FormatInt(e.w.City.ID, 10) + "/liaisons/new"
	resp, body := c.Post(path, form)
	after := e.counts(t)
	e.noServerError(t, "add liaison", resp, body, form)
	if resp.StatusCode != http.StatusSeeOther {
		e.unchanged(t, "add liaison", resp, before, after, form)
		if resp.StatusCode == http.StatusUnprocessableEntity {
			keptInput(t, body, form, "name", "post", "phone", "email")
		}
		return
	}
	if after.liaisons != before.liaisons+1 || after.audited != before.audited+1 {
		t.Fatalf("[%s] an added liaison added %d rows and %d audit entries", e.engine, after.liaisons-before.liaisons, after.audited-before.audited)
	}
	var unit int64
	var name, post, phone, email string
	if err := e.app.DB.R().QueryRowContext(context.Background(), `SELECT unit_id, name, post, phone, email FROM liaisons
		WHERE body_id = $1 ORDER BY id DESC LIMIT 1`, e.w.City.ID).Scan(&unit, &name, &post, &phone, &email); err != nil {
		t.Fatal(err)
	}
	wantUnit, _ := strconv.ParseInt(strings.TrimSpace(form.Get("unit_id")), 10, 64)
	if unit != wantUnit || name != strings.TrimSpace(form.Get("name")) || post != strings.TrimSpace(form.Get("post")) ||
		phone != strings.TrimSpace(form.Get("phone")) || email != strings.TrimSpace(form.Get("email")) {
		t.Errorf("[%s] stored liaison (%d, %q, %q, %q, %q) is not what was sent: %q", e.engine, unit, name, post, phone, email, form)
	}
}

func (e *formFuzzApp) noServerError(t *testing.T, what string, resp *http.Response, body string, form url.Values) {
	t.Helper()
	if resp.StatusCode >= 500 {
		t.Fatalf("[%s] %s answered %d for %q:\n%s", e.engine, what, resp.StatusCode, form, orgSnippet(body))
	}
}

func (e *formFuzzApp) unchanged(t *testing.T, what string, resp *http.Response, before, after formFuzzCounts, form url.Values) {
	t.Helper()
	if before != after {
		t.Errorf("[%s] %s refused with %d but changed the data (%+v → %+v) for %q", e.engine, what, resp.StatusCode, before, after, form)
	}
}

// formFuzzCounts are the rows a create could add; audited counts the
// successful changes in the audit log (a refused request may log a
// denial, never a success).
type formFuzzCounts struct{ units, aliases, liaisons, audited int }

func (e *formFuzzApp) counts(t *testing.T) formFuzzCounts {
	t.Helper()
	var c formFuzzCounts
	if err := e.app.DB.R().QueryRowContext(context.Background(), `SELECT
		(SELECT COUNT(*) FROM units), (SELECT COUNT(*) FROM unit_aliases), (SELECT COUNT(*) FROM liaisons),
		(SELECT COUNT(*) FROM audit_log WHERE outcome = 'success' AND action IN ('unit.create', 'liaison.create'))`).
		Scan(&c.units, &c.aliases, &c.liaisons, &c.audited); err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *formFuzzApp) strings(t *testing.T, query string, args ...any) []string {
	t.Helper()
	rows, err := e.app.DB.R().QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// keptInput checks that a form shown again after a refusal holds what the
// user typed in each text field, so nothing has to be typed twice. Values
// an HTML page cannot carry verbatim (control characters, broken UTF-8)
// are left out.
func keptInput(t *testing.T, page string, form url.Values, fields ...string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]string{}
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "input" {
			shown[formAttr(n, "name")] = formAttr(n, "value")
		}
	}
	for _, f := range fields {
		v := form.Get(f)
		if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			continue
		}
		if got, ok := shown[f]; !ok || got != v {
			t.Errorf("the form shown again has %s = %q, the user typed %q", f, got, v)
		}
	}
}

func formAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
