package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"liandong/internal/org"
	"liandong/internal/region"
	"liandong/internal/testkit"
)

// A matrix row: one route on one object, and the status each user of the
// world gets, in the order of users: officeA officeA1 leaderA liaisonX
// liaisonY officeB sysadmin secadmin auditadmin anon.
//
// Reading: 401 anonymous, 403 for the three administrators (三员分立,
// B1), 404 for a body outside the user's scope (B3). Writing: 403 for
// roles without the permission, 401 anonymous (a request without cookies
// carries no credentials to forge, so the CSRF check lets it through to
// authentication). Pages redirect anonymous users to the login page (303).
type row struct {
	route string // the route pattern the row exercises
	of    string // the object, for messages
	want  string
	// req builds the request; it may first create a fresh object, so that
	// every user's attempt at a change finds the same starting point.
	req func(w *world) (method, path string, body any)
}

func get(path string) func(*world) (string, string, any) {
	return func(*world) (string, string, any) { return http.MethodGet, path, nil }
}

const (
	readA   = "200 404 200 200 200 404 403 403 403 401"
	readA1  = "200 200 404 404 404 404 403 403 403 401"
	readB   = "404 404 404 404 404 200 403 403 403 401"
	readAll = "200 200 200 200 200 200 403 403 403 401"
	// Seat history: the office and leaders, not member units' liaisons.
	historyA  = "200 404 200 404 404 404 403 403 403 401"
	historyA1 = readA1
)

// writeRow is the usual answer to a change of body A, A1 or B: only that
// body's own office may (a city office does not write its county's body).
func writeRow(body, ok string) string {
	cols := map[string][6]string{
		"A":  {ok, "404", "403", "403", "403", "404"},
		"A1": {"404", ok, "403", "403", "403", "404"},
		"B":  {"404", "404", "403", "403", "403", ok},
	}[body]
	return strings.Join(cols[:], " ") + " 403 403 403 401"
}

// pageRow turns an API read row into the page's: anonymous users are sent
// to the login page.
func pageRow(apiRow string) string { return strings.TrimSuffix(apiRow, "401") + "303" }

func (w *world) apiRows() []row {
	A, A1, B := w.bodyA, w.bodyA1, w.bodyB
	bp := func(b *org.Body, rest string) string { return fmt.Sprintf("/api/v1/bodies/%d%s", b.ID, rest) }
	rows := []row{
		{"GET /api/v1/regions", "all", readAll, get("/api/v1/regions")},
		{"POST /api/v1/regions", "under city A", "201 422 403 403 403 422 403 403 403 401", func(w *world) (string, string, any) {
			n := w.next()
			return "POST", "/api/v1/regions", map[string]any{"code": fmt.Sprintf("4502%02d", 91+n%9), "name": fmt.Sprintf("新区%d", n),
				"level": "county", "parent_id": w.cityA.ID}
		}},
		{"GET /api/v1/bodies", "all", readAll, get("/api/v1/bodies")},
		{"POST /api/v1/bodies", "under A", writeRow("A", "201"), func(w *world) (string, string, any) {
			r := w.freshCounty(w.cityA)
			return "POST", "/api/v1/bodies", map[string]any{"kind": "leading_group", "name": r.Name + "领导小组", "region_id": r.ID, "parent_id": w.bodyA.ID}
		}},
		{"POST /api/v1/bodies", "under B", writeRow("B", "201"), func(w *world) (string, string, any) {
			r := w.freshCounty(w.cityB)
			return "POST", "/api/v1/bodies", map[string]any{"kind": "leading_group", "name": r.Name + "领导小组", "region_id": r.ID, "parent_id": w.bodyB.ID}
		}},
		{"GET /api/v1/units", "all", readAll, get("/api/v1/units?q=教育局")},
		{"POST /api/v1/units", "in city A", "201 422 403 403 403 422 403 403 403 401", func(w *world) (string, string, any) {
			return "POST", "/api/v1/units", map[string]any{"region_id": w.cityA.ID, "name": fmt.Sprintf("柳州市新单位%d", w.next()), "kind": "government"}
		}},
		{"POST /api/v1/units", "in county A1", "201 201 403 403 403 422 403 403 403 401", func(w *world) (string, string, any) {
			return "POST", "/api/v1/units", map[string]any{"region_id": w.countyA1.ID, "name": fmt.Sprintf("柳城县新单位%d", w.next()), "kind": "government"}
		}},
		{"POST /api/v1/units", "in city B", "422 422 403 403 403 201 403 403 403 401", func(w *world) (string, string, any) {
			return "POST", "/api/v1/units", map[string]any{"region_id": w.cityB.ID, "name": fmt.Sprintf("桂林市新单位%d", w.next()), "kind": "government"}
		}},
		{"GET /api/v1/units/{id}", "unit X of A", readAll, get(fmt.Sprintf("/api/v1/units/%d", w.unitX.ID))},
		{"GET /api/v1/units/{id}", "unit Z of B", readAll, get(fmt.Sprintf("/api/v1/units/%d", w.unitZ.ID))},
	}
	regionPatch := func(id int64) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/v1/regions/%d", id), map[string]any{"name": fmt.Sprintf("更名%d", w.next()), "version": w.version("regions", id)}
		}
	}
	unitPatch := func(u *org.Unit) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/v1/units/%d", u.ID), map[string]any{"short_name": fmt.Sprintf("简称%d", w.next()), "version": w.version("units", u.ID)}
		}
	}
	rows = append(rows,
		row{"PATCH /api/v1/regions/{id}", "city A", writeRow("A", "200"), regionPatch(w.cityA.ID)},
		row{"PATCH /api/v1/regions/{id}", "county A1", "200 200 403 403 403 404 403 403 403 401", regionPatch(w.countyA1.ID)},
		row{"PATCH /api/v1/regions/{id}", "city B", writeRow("B", "200"), regionPatch(w.cityB.ID)},
		row{"PATCH /api/v1/units/{id}", "unit X of A", writeRow("A", "200"), unitPatch(w.unitX)},
		row{"PATCH /api/v1/units/{id}", "a unit of A1", "200 200 403 403 403 404 403 403 403 401", unitPatch(w.eduA1)},
		row{"PATCH /api/v1/units/{id}", "unit Z of B", writeRow("B", "200"), unitPatch(w.unitZ)},
	)

	type bodyCase struct {
		name          string
		b             *org.Body
		read, history string
		mu            *org.MemberUnit
		seat          *org.Member
		liaisonUnit   *org.Unit
		duty          *org.Duty
	}
	for _, c := range []bodyCase{
		{"A", A, readA, historyA, w.muA, w.seatA, w.unitX, w.dutyA},
		{"A1", A1, readA1, historyA1, w.muA1, w.seatA1, w.eduA1, w.dutyA1},
		{"B", B, readB, readB, w.muB, w.seatB, w.unitZ, w.dutyB},
	} {
		b := c.b
		rows = append(rows,
			row{"GET /api/v1/bodies/{id}", c.name, c.read, get(bp(b, ""))},
			row{"GET /api/v1/bodies/{id}/roster", c.name, c.read, get(bp(b, "/roster?date=2021-01-01"))},
			row{"GET /api/v1/bodies/{id}/roster.xlsx", c.name, c.read, get(bp(b, "/roster.xlsx"))},
			row{"GET /api/v1/bodies/{id}/liaisons.xlsx", c.name, c.read, get(bp(b, "/liaisons.xlsx"))},
			row{"GET /api/v1/bodies/{id}/history", c.name, c.history, get(bp(b, "/history"))},
			row{"GET /api/v1/bodies/{id}/subordinates", c.name, c.read, get(bp(b, "/subordinates"))},
			row{"GET /api/v1/bodies/{id}/member-units", c.name, c.read, get(bp(b, "/member-units"))},
			row{"GET /api/v1/bodies/{id}/members", c.name, c.read, get(bp(b, "/members"))},
			row{"GET /api/v1/bodies/{id}/liaisons", c.name, c.read, get(bp(b, "/liaisons"))},
			row{"GET /api/v1/bodies/{id}/duties", c.name, c.read, get(bp(b, "/duties"))},
			row{"PATCH /api/v1/bodies/{id}", c.name, writeRow(c.name, "200"), func(w *world) (string, string, any) {
				return "PATCH", bp(b, ""), map[string]any{"doc_prefix": fmt.Sprintf("发文%d", w.next()), "version": w.version("bodies", b.ID)}
			}},
			row{"POST /api/v1/bodies/{id}/member-units", c.name, writeRow(c.name, "201"), func(w *world) (string, string, any) {
				u := w.freshUnit(region.Region{ID: b.RegionID, Name: b.RegionName})
				return "POST", bp(b, "/member-units"), map[string]any{"unit_id": u.ID, "joined_on": "2024-01-01"}
			}},
			row{"POST /api/v1/member-units/{id}/end", c.name, writeRow(c.name, "200"), func(w *world) (string, string, any) {
				m := w.freshMembership(b)
				return "POST", fmt.Sprintf("/api/v1/member-units/%d/end", m.ID), map[string]any{"left_on": "2025-01-01"}
			}},
			row{"POST /api/v1/bodies/{id}/members", c.name, writeRow(c.name, "201"), func(w *world) (string, string, any) {
				return "POST", bp(b, "/members"), map[string]any{"role": "member", "person_name": fmt.Sprintf("新成员%d", w.next()), "term_start": "2024-01-01"}
			}},
			row{"PATCH /api/v1/members/{id}", c.name, writeRow(c.name, "200"), func(w *world) (string, string, any) {
				return "PATCH", fmt.Sprintf("/api/v1/members/%d", c.seat.ID), map[string]any{"position": fmt.Sprintf("职务%d", w.next()), "version": w.version("members", c.seat.ID)}
			}},
			row{"POST /api/v1/members/{id}/replace", c.name, writeRow(c.name, "201"), func(w *world) (string, string, any) {
				m := w.freshSeat(b)
				return "POST", fmt.Sprintf("/api/v1/members/%d/replace", m.ID), map[string]any{"person_name": fmt.Sprintf("继任%d", w.next()), "on_date": "2024-06-01", "version": m.Version}
			}},
			row{"POST /api/v1/members/{id}/end", c.name, writeRow(c.name, "200"), func(w *world) (string, string, any) {
				m := w.freshSeat(b)
				return "POST", fmt.Sprintf("/api/v1/members/%d/end", m.ID), map[string]any{"on_date": "2024-06-01", "version": m.Version}
			}},
			row{"POST /api/v1/bodies/{id}/liaisons", c.name, writeRow(c.name, "201"), func(w *world) (string, string, any) {
				return "POST", bp(b, "/liaisons"), map[string]any{"unit_id": c.liaisonUnit.ID, "name": fmt.Sprintf("联络员%d", w.next()), "phone": "0772-2600001"}
			}},
			row{"POST /api/v1/bodies/{id}/duties", c.name, writeRow(c.name, "201"), func(w *world) (string, string, any) {
				return "POST", bp(b, "/duties"), map[string]any{"scope": "common", "text": fmt.Sprintf("新增职责%d", w.next())}
			}},
			row{"POST /api/v1/bodies/{id}/duties/reorder", c.name, writeRow(c.name, "204"), func(w *world) (string, string, any) {
				ds, err := org.FindDuties(w.ctx, w.a.DB.R(), b.ID)
				if err != nil {
					w.t.Fatal(err)
				}
				var ids []int64
				for _, d := range ds {
					if d.Scope == org.DutyCommon {
						ids = append([]int64{d.ID}, ids...)
					}
				}
				return "POST", bp(b, "/duties/reorder"), map[string]any{"scope": "common", "ids": ids}
			}},
			row{"PATCH /api/v1/duties/{id}", c.name, writeRow(c.name, "200"), func(w *world) (string, string, any) {
				return "PATCH", fmt.Sprintf("/api/v1/duties/%d", c.duty.ID), map[string]any{"text": fmt.Sprintf("修改后的职责%d", w.next()), "version": w.version("duties", c.duty.ID)}
			}},
			row{"DELETE /api/v1/duties/{id}", c.name, writeRow(c.name, "204"), func(w *world) (string, string, any) {
				d := w.freshDuty(b)
				return "DELETE", fmt.Sprintf("/api/v1/duties/%d?version=%d", d.ID, d.Version), nil
			}},
		)
	}

	// Liaison entries: the office of the body, and the liaison of the
	// entry's own unit; liaison X editing Y's entry by id is 404 (B3).
	liaisonPatch := func(l *org.Liaison) func(w *world) (string, string, any) {
		return func(w *world) (string, string, any) {
			return "PATCH", fmt.Sprintf("/api/v1/liaisons/%d", l.ID), map[string]any{"post": fmt.Sprintf("岗位%d", w.next()), "version": w.version("liaisons", l.ID)}
		}
	}
	rows = append(rows,
		row{"GET /api/v1/liaisons/{id}", "X's liaison in A", readA, get(fmt.Sprintf("/api/v1/liaisons/%d", w.lx.ID))},
		row{"GET /api/v1/liaisons/{id}", "liaison in A1", readA1, get(fmt.Sprintf("/api/v1/liaisons/%d", w.la1.ID))},
		row{"GET /api/v1/liaisons/{id}", "Z's liaison in B", readB, get(fmt.Sprintf("/api/v1/liaisons/%d", w.lz.ID))},
		row{"PATCH /api/v1/liaisons/{id}", "X's liaison in A", "200 404 403 200 404 404 403 403 403 401", liaisonPatch(w.lx)},
		row{"PATCH /api/v1/liaisons/{id}", "Y's liaison in A", "200 404 403 404 200 404 403 403 403 401", liaisonPatch(w.ly)},
		row{"PATCH /api/v1/liaisons/{id}", "liaison in A1", "404 200 403 404 404 404 403 403 403 401", liaisonPatch(w.la1)},
		row{"PATCH /api/v1/liaisons/{id}", "Z's liaison in B", "404 404 403 404 404 200 403 403 403 401", liaisonPatch(w.lz)},
	)
	return rows
}

// pageRows are the registry's GET pages (internal/web/org_routes.go) in the
// same matrix. A page that changes something is refused exactly like the
// change itself.
func (w *world) pageRows() []row {
	A, B := w.bodyA, w.bodyB
	bp := func(b *org.Body, rest string) string { return fmt.Sprintf("/org/bodies/%d%s", b.ID, rest) }
	writePage := func(body string) string { return pageRow(writeRow(body, "200")) }
	rows := []row{
		{"GET /org", "tree", pageRow(readAll), get("/org")},
		{"GET /org/regions", "all", pageRow(readAll), get("/org/regions")},
		{"GET /org/units", "all", pageRow(readAll), get("/org/units?q=教育局")},
		{"GET /org/units.xlsx", "all", pageRow(readAll), get("/org/units.xlsx?q=教育局")},
		{"GET /org/units/new", "form", "200 200 403 403 403 200 403 403 403 303", get("/org/units/new")},
		{"GET /org/units/{id}", "unit X of A", pageRow(readAll), get(fmt.Sprintf("/org/units/%d", w.unitX.ID))},
		{"GET /org/units/{id}", "unit Z of B", pageRow(readAll), get(fmt.Sprintf("/org/units/%d", w.unitZ.ID))},
		// A liaison entry of B reached through body A's URL.
		{"GET /org/bodies/{id}/liaisons/{lid}/edit", "B's liaison under A", "404 404 403 404 404 404 403 403 403 303",
			get(bp(A, fmt.Sprintf("/liaisons/%d/edit", w.lz.ID)))},
		{"GET /org/bodies/{id}/liaisons/{lid}/edit", "X's liaison in A", "200 404 403 200 404 404 403 403 403 303",
			get(bp(A, fmt.Sprintf("/liaisons/%d/edit", w.lx.ID)))},
		{"GET /org/bodies/{id}/liaisons/{lid}/edit", "Y's liaison in A", "200 404 403 404 200 404 403 403 403 303",
			get(bp(A, fmt.Sprintf("/liaisons/%d/edit", w.ly.ID)))},
	}
	for _, c := range []struct {
		name          string
		b             *org.Body
		read, history string
		mu            *org.MemberUnit
		seat          *org.Member
		duty          *org.Duty
	}{
		{"A", A, readA, historyA, w.muA, w.seatA, w.dutyA},
		{"A1", w.bodyA1, readA1, historyA1, w.muA1, w.seatA1, w.dutyA1},
		{"B", B, readB, readB, w.muB, w.seatB, w.dutyB},
	} {
		b := c.b
		rows = append(rows,
			row{"GET /org/bodies/{id}", c.name, pageRow(c.read), get(bp(b, ""))},
			row{"GET /org/bodies/{id}/roster", c.name, pageRow(c.read), get(bp(b, "/roster?date=2021-01-01"))},
			row{"GET /org/bodies/{id}/roster.xlsx", c.name, pageRow(c.read), get(bp(b, "/roster.xlsx"))},
			row{"GET /org/bodies/{id}/liaisons.xlsx", c.name, pageRow(c.read), get(bp(b, "/liaisons.xlsx"))},
			row{"GET /org/bodies/{id}/history", c.name, pageRow(c.history), get(bp(b, "/history"))},
			row{"GET /org/bodies/{id}/subordinates", c.name, pageRow(c.read), get(bp(b, "/subordinates"))},
			row{"GET /org/bodies/{id}/edit", c.name, writePage(c.name), get(bp(b, "/edit"))},
			row{"GET /org/bodies/{id}/member-units/new", c.name, writePage(c.name), get(bp(b, "/member-units/new"))},
			row{"GET /org/bodies/{id}/member-units/{mid}/end", c.name, writePage(c.name), get(bp(b, fmt.Sprintf("/member-units/%d/end", c.mu.ID)))},
			row{"GET /org/bodies/{id}/members/new", c.name, writePage(c.name), get(bp(b, "/members/new"))},
			row{"GET /org/bodies/{id}/members/{mid}/replace", c.name, writePage(c.name), get(bp(b, fmt.Sprintf("/members/%d/replace", c.seat.ID)))},
			row{"GET /org/bodies/{id}/members/{mid}/end", c.name, writePage(c.name), get(bp(b, fmt.Sprintf("/members/%d/end", c.seat.ID)))},
			row{"GET /org/bodies/{id}/members/{mid}/edit", c.name, writePage(c.name), get(bp(b, fmt.Sprintf("/members/%d/edit", c.seat.ID)))},
			row{"GET /org/bodies/{id}/subordinates/new", c.name, writePage(c.name), get(bp(b, "/subordinates/new"))},
			row{"GET /org/bodies/{id}/liaisons/new", c.name, writePage(c.name), get(bp(b, "/liaisons/new"))},
			row{"GET /org/bodies/{id}/duties/new", c.name, writePage(c.name), get(bp(b, "/duties/new"))},
			row{"GET /org/bodies/{id}/duties/{did}/edit", c.name, writePage(c.name), get(bp(b, fmt.Sprintf("/duties/%d/edit", c.duty.ID)))},
		)
	}
	return rows
}

// isRegistryRoute tells the registry's routes among all of the app's.
func isRegistryRoute(pattern string) bool {
	if isPlanRoute(pattern) {
		return false // plan_authz_test.go has their matrix
	}
	method, path, _ := strings.Cut(pattern, " ")
	for _, p := range []string{"/api/v1/regions", "/api/v1/bodies", "/api/v1/member-units", "/api/v1/members",
		"/api/v1/liaisons", "/api/v1/duties", "/api/v1/units"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return method == http.MethodGet && (path == "/org" || strings.HasPrefix(path, "/org/"))
}

// patternRegexp matches the paths a route pattern serves, each wildcard
// standing for an id.
func patternRegexp(pattern string) *regexp.Regexp {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = "[0-9]+"
		} else {
			parts[i] = regexp.QuoteMeta(p)
		}
	}
	return regexp.MustCompile("^" + strings.Join(parts, "/") + "$")
}

// TestRegistryAuthorizationMatrix sends every registry API route, and every
// registry page, as each user of the world and compares the status with
// the matrix (SECURITY.md B1, B3). Every refusal of a logged-in user is
// audited as denied and changes nothing; every change that succeeds is
// audited and shows in the database.
func TestRegistryAuthorizationMatrix(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		w := newWorld(t, dsn)
		rows := append(w.apiRows(), w.pageRows()...)

		// Every registry route has at least one row, and each row's path
		// fits its route.
		covered := map[string]bool{}
		for _, r := range rows {
			covered[r.route] = true
		}
		served := map[string]bool{}
		for _, rt := range w.a.Routes() {
			served[rt.Pattern] = true
			if isRegistryRoute(rt.Pattern) && !covered[rt.Pattern] {
				t.Errorf("route %s has no row in the authorization matrix", rt.Pattern)
			}
		}
		for route := range covered {
			if !served[route] {
				t.Errorf("the matrix has rows for %s, which the app does not serve", route)
			}
		}
		for _, r := range rows {
			want := strings.Fields(r.want)
			if len(want) != len(users) {
				t.Fatalf("%s (%s): %d expectations for %d users", r.route, r.of, len(want), len(users))
			}
			method, pattern, _ := strings.Cut(r.route, " ")
			fits := patternRegexp(pattern)
			for i, user := range users {
				m, path, body := r.req(w)
				if p, _, _ := strings.Cut(path, "?"); m != method || !fits.MatchString(p) {
					t.Fatalf("row %s (%s) sends %s %s", r.route, r.of, m, path)
				}
				before, denied, succeeded := w.fingerprint(), w.auditCount("denied"), w.auditCount("success")
				status, resp := w.call(user, m, path, body)
				what := fmt.Sprintf("%s %s [%s] as %s", m, path, r.of, user)
				if strconv.Itoa(status) != want[i] {
					t.Errorf("%s: status %d, want %s: %.300s", what, status, want[i], resp)
					continue
				}
				unsafe := m != http.MethodGet
				changed := w.fingerprint() != before
				switch {
				case status >= 400 && changed:
					t.Errorf("%s: refused with %d but the registry changed", what, status)
				case status < 300 && !unsafe && changed:
					t.Errorf("%s: a read changed the registry", what)
				case status < 300 && unsafe && !changed:
					t.Errorf("%s: answered %d but nothing changed", what, status)
				}
				if unsafe && status < 300 && w.auditCount("success") <= succeeded {
					t.Errorf("%s: the change was not audited", what)
				}
				if (status == 403 || status == 404) && user != "anon" && w.auditCount("denied") <= denied {
					t.Errorf("%s: the %d refusal was not audited as denied", what, status)
				}
				if status >= 400 && strings.HasPrefix(path, "/api/") {
					if code, msg, _ := apiError(t, resp); code == "" || msg == "" {
						t.Errorf("%s: error without code or message: %s", what, resp)
					}
				}
			}
		}
	})
}
