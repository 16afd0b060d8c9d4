package org_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/demo"
	"liandong/internal/org"
	"liandong/internal/testkit"
)

// likeSearch is the unit search as the substring test alone gives it, the
// answer the search index must reproduce exactly: units of the kind (any
// if empty) whose name, short name or an alias contains q
// (case-insensitively when q has Latin letters), in name order.
func likeSearch(t *testing.T, d *db.DB, q string, kind org.UnitKind) []string {
	t.Helper()
	text := strings.TrimSpace(q)
	col := func(c string) string { return c }
	if strings.ContainsFunc(text, func(r rune) bool { return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' }) {
		text = strings.ToLower(text)
		col = func(c string) string { return "LOWER(" + c + ")" }
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text) + "%"
	rows, err := d.R().QueryContext(context.Background(), `SELECT u.name FROM units u WHERE (`+col("u.name")+` LIKE $1 ESCAPE '\'
		OR `+col("u.short_name")+` LIKE $1 ESCAPE '\'
		OR EXISTS (SELECT 1 FROM unit_aliases a WHERE a.unit_id = u.id AND `+col("a.alias")+` LIKE $1 ESCAPE '\'))
		AND ($2 = '' OR u.kind = $2) ORDER BY u.name, u.id`, pattern, string(kind))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// findAll reads every page of FindUnits' answer to q, pageSize at a time,
// and checks the totals the pages report.
func findAll(t *testing.T, d *db.DB, q string, kind org.UnitKind, pageSize int) []string {
	t.Helper()
	out := []string{}
	for off := 0; ; off += pageSize {
		us, total, err := org.FindUnits(context.Background(), d.R(), d.Engine, org.UnitFilter{Query: q, Kind: kind, Page: core.Page{Offset: off, Limit: pageSize}})
		if err != nil {
			t.Fatalf("FindUnits(%q, offset %d): %v", q, off, err)
		}
		for _, u := range us {
			out = append(out, u.Name)
		}
		if off > 0 && len(us) == 0 && total != len(out) {
			t.Errorf("FindUnits(%q): total %d past the end, read %d", q, total, len(out))
		}
		if len(us) < pageSize {
			if total != len(out) {
				t.Errorf("FindUnits(%q): total %d, rows %d", q, total, len(out))
			}
			return out
		}
	}
}

// searchWorld is the city-scale synthetic registry plus units whose names
// mix scripts and carry LIKE's special characters.
func searchWorld(t *testing.T, d *db.DB) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := demo.LoadScale(ctx, d, "city"); err != nil {
		t.Fatal(err)
	}
	var region int64
	if err := d.R().QueryRowContext(ctx, `SELECT id FROM regions WHERE code = '990100'`).Scan(&region); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		for _, u := range []org.UnitInput{
			{Name: "丙市100%科普中心", ShortName: "100%中心", Aliases: []string{"百分百科普", "丙市科普中心"}},
			{Name: "丙市A_B实验室", ShortName: "AB实验室", Aliases: []string{"Lab_1"}},
			{Name: `丙市C:\科技馆`, ShortName: `C\馆`},
			{Name: "丙市ScienceHub科普站", ShortName: "SH科普", Aliases: []string{"Science Hub", "科普站"}},
			{Name: "丙市EDU教育中心", ShortName: "教育中心", Aliases: []string{"Edu-Center"}},
			{Name: "丙市第二十区教育局筹备组", ShortName: "二十区教育局（筹）"},
			{Name: "𠮷野科普馆", ShortName: "𠮷野馆"},
		} {
			u.RegionID, u.Kind = region, org.UnitInstitution
			if _, err := org.InsertUnit(ctx, tx, now, u); err != nil {
				return fmt.Errorf("%s: %w", u.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return region
}

// searchQueries returns prefixes, suffixes and middles of the names,
// short names and aliases of some units, in several cases, and queries
// made of LIKE's special characters, spaces, mixed scripts and nothing
// that exists.
func searchQueries(t *testing.T, d *db.DB) []string {
	t.Helper()
	qs := []string{
		"教育局", "局", "丙市", "第三区", "科学技术", "人民政府办公室", "科协", "不存在的单位", "  教育局  ",
		"100%", "%", "%科普", "_", "A_B", "a_b", "AB", `\`, `C:\`, `\科`, "Lab_1", "lab",
		"science hub", "SCIENCEHUB", "Hub科普", "hub 科普", "edu", "EDU教育", "Edu-Center", "-",
		"（筹）", "教育局（筹", "𠮷野", "野科", "二十区教育局", "百分百", "区区", "丙市丙市",
	}
	rows, err := d.R().QueryContext(context.Background(), `SELECT u.name, u.short_name FROM units u
		WHERE u.id % 37 = 0 OR u.name LIKE '丙市%' AND u.region_id IN (SELECT id FROM regions WHERE code = '990100')
		ORDER BY u.id LIMIT 30`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, short string
		if err := rows.Scan(&name, &short); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{name, short} {
			r := []rune(s)
			for n := 1; n <= min(len(r), 5); n++ {
				qs = append(qs, string(r[:n]), string(r[len(r)-n:]), string(r[(len(r)-n)/2:(len(r)-n)/2+n]))
			}
			qs = append(qs, s, strings.ToUpper(s))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(qs)
	return slices.Compact(qs)
}

func TestUnitSearchFindsExactlyWhatTheSubstringTestFinds(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		searchWorld(t, d)
		qs := searchQueries(t, d)
		found := 0
		for _, q := range qs {
			want := likeSearch(t, d, q, "")
			// Pages of 7 and 50 make SQLite read pages both ways (walking
			// the name index and sorting the candidates).
			for _, size := range []int{7, 50} {
				if got := findAll(t, d, q, "", size); !slices.Equal(got, want) {
					t.Errorf("search %q, pages of %d:\n got %d %v\nwant %d %v", q, size, len(got), got, len(want), want)
				}
			}
			if len(want) > 0 {
				found++
			}
			for _, kind := range []org.UnitKind{org.UnitGovernment, org.UnitInstitution} {
				if got, want := findAll(t, d, q, kind, 50), likeSearch(t, d, q, kind); !slices.Equal(got, want) {
					t.Errorf("search %q of kind %s:\n got %d %v\nwant %d %v", q, kind, len(got), got, len(want), want)
				}
			}
		}
		if found < len(qs)*3/4 {
			t.Errorf("only %d of %d queries find anything: the comparison proves little", found, len(qs))
		}
	})
}

func TestUnitSearchIndexFollowsEveryChange(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		region := searchWorld(t, d)
		count := func(q string) int {
			t.Helper()
			var n int
			if err := d.R().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// The bulk loader indexed the units it wrote with plain SQL.
		if u, s := count(`SELECT COUNT(*) FROM units`), count(`SELECT COUNT(*) FROM unit_search`); u != s || u < 300 {
			t.Errorf("%d units, %d index rows", u, s)
		}
		names := func(q string) []string { t.Helper(); return findAll(t, d, q, "", 50) }
		now := time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)
		var u *org.Unit
		err := d.InTx(ctx, func(tx *sql.Tx) (err error) {
			u, err = org.InsertUnit(ctx, tx, now, org.UnitInput{RegionID: region, Name: "丙市青少年科技教育协会", ShortName: "青科协",
				Kind: org.UnitPeopleOrg, Aliases: []string{"少科站"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := names("青少年科技"); !slices.Equal(got, []string{"丙市青少年科技教育协会"}) {
			t.Errorf("new unit by name: %v", got)
		}
		if got := names("少科站"); len(got) != 1 {
			t.Errorf("new unit by alias: %v", got)
		}
		// Renamed, with other aliases: the old names no longer find it.
		err = d.InTx(ctx, func(tx *sql.Tx) (err error) {
			_, err = org.UpdateUnit(ctx, tx, now, u.ID, org.UnitInput{RegionID: region, Name: "丙市科技辅导员协会", ShortName: "辅导员协会",
				Kind: org.UnitPeopleOrg, Aliases: []string{"科辅协"}, Version: u.Version})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]int{"青少年科技": 0, "少科站": 0, "青科协": 0, "科技辅导员": 1, "科辅协": 1, "辅导员协会": 1} {
			if got := names(q); len(got) != want {
				t.Errorf("after the rename, %q finds %v, want %d", q, got, want)
			}
		}
		// A unit that is deleted leaves the index with it.
		if err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM units WHERE id = $1`, u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(fmt.Sprintf(`SELECT COUNT(*) FROM unit_search WHERE unit_id = %d`, u.ID)); n != 0 {
			t.Errorf("index row of a deleted unit: %d", n)
		}
		if got := names("科技辅导员"); len(got) != 0 {
			t.Errorf("deleted unit found: %v", got)
		}
	})
}

func TestReindexUnitsFillsAMissingIndexInBatches(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		searchWorld(t, d)
		before := findAll(t, d, "教育局", "", 50)
		if len(before) < 13 {
			t.Fatalf("教育局 finds %v", before)
		}
		// A database upgraded to the index has units and no index rows:
		// the search finds nothing until the backfill has run, which shows
		// that it answers from the index.
		if err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM unit_search`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := findAll(t, d, "教育局", "", 50); len(got) != 0 {
			t.Errorf("without index rows the search found %d units", len(got))
		}
		org.SetReindexBatch(t, 40)
		var units int
		if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM units`).Scan(&units); err != nil {
			t.Fatal(err)
		}
		n, err := org.ReindexUnits(ctx, d)
		if err != nil || n != units {
			t.Fatalf("ReindexUnits = %d, %v; want %d", n, err, units)
		}
		if got := findAll(t, d, "教育局", "", 50); !slices.Equal(got, before) {
			t.Errorf("after the backfill: %v, want %v", got, before)
		}
		if got, want := findAll(t, d, "丙市科普中心", "", 50), likeSearch(t, d, "丙市科普中心", ""); len(want) != 1 || !slices.Equal(got, want) {
			t.Errorf("alias after the backfill: %v, want %v", got, want)
		}
		// Nothing left to do: the second run writes nothing.
		if n, err := org.ReindexUnits(ctx, d); err != nil || n != 0 {
			t.Errorf("second ReindexUnits = %d, %v", n, err)
		}
	})
}

func TestUnitListRegionFilterOffersProvincesAndCities(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		codes := func(selected int64) []string {
			t.Helper()
			rs, err := c.svc.ListFilterRegions(as(c.liaisonEdu), selected)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rs {
				out = append(out, r.Code)
			}
			return out
		}
		if got := codes(0); !slices.Equal(got, []string{"450000", "450200"}) {
			t.Errorf("no selection: %v", got)
		}
		if got := codes(c.Luzhai.ID); !slices.Equal(got, []string{"450000", "450200", "450223"}) {
			t.Errorf("county selected: %v", got)
		}
		_, err := c.svc.ListFilterRegions(as(c.sysAdmin), 0)
		wantCode(t, "system administrator", err, core.EFORBIDDEN)
	})
}
