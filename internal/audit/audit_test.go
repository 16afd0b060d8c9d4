package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/testkit"
)

// t0 is a fixed "now" for the tests: 2026-03-10 09:30 in Beijing.
var t0 = time.Date(2026, 3, 10, 1, 30, 0, 0, time.UTC)

func actorCtx(id int64, username string, role core.Role, unit int64) context.Context {
	return core.WithActor(context.Background(), &core.Actor{UserID: id, Username: username, Role: role,
		UnitID: unit, IP: "192.0.2.7", RequestID: fmt.Sprintf("req-%s", username)})
}

// record appends an event at the given time and fails the test on error.
func record(t *testing.T, d *db.DB, ctx context.Context, at time.Time, ev audit.Event) {
	t.Helper()
	if err := audit.Log(ctx, d, at, ev); err != nil {
		t.Fatalf("record %s: %v", ev.Action, err)
	}
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.R().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func mustVerify(t *testing.T, d *db.DB) int {
	t.Helper()
	broken, n, err := audit.Verify(context.Background(), d.R())
	if err != nil || broken != 0 {
		t.Fatalf("chain must verify: broken at %d, err %v", broken, err)
	}
	return n
}

func TestFindFilters(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// A user whose display name can be searched for.
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, role, password_hash,
				password_changed_at, created_at, updated_at) VALUES (7, 'zhangwei', '张伟', 'office', 'x', 0, 0, 0)`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		zhang := actorCtx(7, "zhangwei", core.RoleOffice, 3)
		auditor := actorCtx(9, "auditor", core.RoleAuditAdmin, 0)
		record(t, d, zhang, t0.Add(-48*time.Hour), audit.Event{Action: "auth.login", ObjectType: "user", ObjectID: 7})
		record(t, d, zhang, t0.Add(-47*time.Hour), audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: 12,
			Before: map[string]any{"name": "柳州市科技局"}, After: map[string]any{"name": "柳州市科学技术局"}})
		record(t, d, zhang, t0.Add(-2*time.Hour), audit.Event{Action: "access.denied", ObjectType: "route",
			ObjectID: "GET /audit", Outcome: audit.Denied})
		record(t, d, auditor, t0.Add(-1*time.Hour), audit.Event{Action: "audit.export", ObjectType: "audit_log"})
		record(t, d, context.Background(), t0.Add(-30*time.Minute), audit.Event{Action: "auth.login", ObjectType: "user",
			Outcome: audit.Failure, Detail: "unknown user 100%_x"})

		cases := []struct {
			name string
			f    audit.Filter
			want []string // actions, newest first
		}{
			{"all", audit.Filter{}, []string{"auth.login", "audit.export", "access.denied", "unit.update", "auth.login"}},
			{"by username part", audit.Filter{ActorQuery: "ZHANG"}, []string{"access.denied", "unit.update", "auth.login"}},
			{"by display name", audit.Filter{ActorQuery: "张伟"}, []string{"access.denied", "unit.update", "auth.login"}},
			{"LIKE wildcards are literal", audit.Filter{ActorQuery: "%"}, nil},
			{"object", audit.Filter{ObjectType: "unit", ObjectID: "12"}, []string{"unit.update"}},
			{"action exact", audit.Filter{Action: "auth.login"}, []string{"auth.login", "auth.login"}},
			{"action prefix", audit.Filter{Action: "a*"}, []string{"auth.login", "audit.export", "access.denied", "auth.login"}},
			{"action prefix is not a pattern", audit.Filter{Action: "_uth.*"}, nil},
			{"outcome", audit.Filter{Outcome: audit.Failure}, []string{"auth.login"}},
			{"role", audit.Filter{ActorRole: string(core.RoleAuditAdmin)}, []string{"audit.export"}},
			{"time window", audit.Filter{From: t0.Add(-47 * time.Hour), To: t0.Add(-1 * time.Hour)},
				[]string{"access.denied", "unit.update"}},
			{"ascending", audit.Filter{Outcome: audit.Success, Ascending: true}, []string{"auth.login", "unit.update", "audit.export"}},
			{"up to id", audit.Filter{UpTo: 2}, []string{"unit.update", "auth.login"}},
		}
		for _, c := range cases {
			es, total, err := audit.Find(ctx, d.R(), c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.Action)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") || total != len(c.want) {
				t.Errorf("%s: got %v (total %d), want %v", c.name, got, total, c.want)
			}
		}

		// Pagination: a page and the total of all.
		es, total, err := audit.Find(ctx, d.R(), audit.Filter{Page: core.Page{Offset: 1, Limit: 2}})
		if err != nil || total != 5 || len(es) != 2 || es[0].Action != "audit.export" {
			t.Fatalf("page 2 of 2-row pages: %v %d %v", es, total, err)
		}
		// The display name is joined in, and the stored row is intact.
		es, _, _ = audit.Find(ctx, d.R(), audit.Filter{ObjectType: "unit"})
		if es[0].ActorDisplayName != "张伟" || es[0].ActorUnitID != 3 || es[0].IP != "192.0.2.7" {
			t.Fatalf("entry: %+v", es[0])
		}
		if e, err := audit.Get(ctx, d.R(), es[0].ID); err != nil || e.AfterJSON != `{"name":"柳州市科学技术局"}` {
			t.Fatalf("get: %+v %v", e, err)
		}
		if _, err := audit.Get(ctx, d.R(), 999); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("missing row: %v", err)
		}
	})
}

func TestFilterValidate(t *testing.T) {
	cases := []struct {
		f     audit.Filter
		field string
	}{
		{audit.Filter{Outcome: "maybe"}, "outcome"},
		{audit.Filter{ActorRole: "root"}, "role"},
		{audit.Filter{ActorQuery: strings.Repeat("张", 101)}, "actor"},
		{audit.Filter{ObjectID: "\xff"}, "object_id"},
		{audit.Filter{From: t0, To: t0.Add(-time.Hour)}, "to"},
		{audit.Filter{From: t0, To: t0}, "to"},
	}
	for _, c := range cases {
		err := c.f.Validate()
		if core.ErrorCode(err) != core.EINVALID || core.FieldErrors(err)[c.field] == "" {
			t.Errorf("%+v: want an error on %s, got %v", c.f, c.field, err)
		}
	}
	if err := (&audit.Filter{ActorQuery: " 张伟 ", Outcome: audit.Denied, From: t0, To: t0.Add(time.Hour)}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDiff(t *testing.T) {
	cs := audit.Diff(`{"name":"旧名","phone":"138","office":{"unit_id":3,"dept":"科普部"},"ids":[1,2]}`,
		`{"name":"新名","phone":"138","office":{"unit_id":4,"dept":"科普部"},"ids":[1,2,3],"email":"a@example.gov.cn"}`)
	want := []audit.Change{
		{Field: "email", Before: "", After: "a@example.gov.cn", Changed: true},
		{Field: "ids", Before: "[1,2]", After: "[1,2,3]", Changed: true},
		{Field: "name", Before: "旧名", After: "新名", Changed: true},
		{Field: "office.dept", Before: "科普部", After: "科普部"},
		{Field: "office.unit_id", Before: "3", After: "4", Changed: true},
		{Field: "phone", Before: "138", After: "138"},
	}
	if fmt.Sprint(cs) != fmt.Sprint(want) {
		t.Fatalf("diff:\n got %v\nwant %v", cs, want)
	}
	// A creation has no before; a scalar is one unnamed field.
	if cs := audit.Diff("", `{"username":"li"}`); len(cs) != 1 || !cs[0].Changed || cs[0].Before != "" {
		t.Fatalf("creation: %v", cs)
	}
	if cs := audit.Diff(`"a"`, `"b"`); len(cs) != 1 || cs[0].Field != "" || cs[0].After != "b" {
		t.Fatalf("scalar: %v", cs)
	}
}

func TestExportXLSX(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := actorCtx(9, "auditor", core.RoleAuditAdmin, 0)
		office := actorCtx(7, "office", core.RoleOffice, 3)
		record(t, d, office, t0.Add(-time.Hour), audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: 12,
			Before: map[string]any{"name": "=HYPERLINK(\"http://x\")"}, After: map[string]any{"name": "柳州市科学技术局"}, Detail: "=1+1"})
		record(t, d, office, t0.Add(-30*time.Minute), audit.Event{Action: "auth.logout", ObjectType: "user", ObjectID: 7})

		var buf bytes.Buffer
		n, err := audit.Export(ctx, d, t0, audit.Filter{ObjectType: "unit"}, &buf)
		if err != nil || n != 1 {
			t.Fatalf("export: %d %v", n, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("the export must open in a real XLSX reader: %v", err)
		}
		rows, err := f.GetRows("审计日志")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("want title, header and one row, got %d rows: %v", len(rows), rows)
		}
		if !strings.Contains(rows[0][0], "共1条") || rows[1][1] != "时间（北京时间）" || rows[1][13] != "变更前" {
			t.Fatalf("title/header: %v / %v", rows[0], rows[1])
		}
		r := rows[2]
		// 2026-03-10 00:30 UTC is 08:30 in Beijing, shown with its offset.
		if r[1] != "2026-03-10 08:30:00 +08:00" || r[2] != "office" || r[4] != "办公室工作人员" || r[6] != "192.0.2.7" ||
			r[8] != "修改单位" || r[9] != "unit.update" || r[11] != "12" || r[12] != "成功" {
			t.Fatalf("row: %q", r)
		}
		// Before/after are the JSON text, and a formula-looking value is
		// neutralised rather than evaluated.
		if !strings.HasPrefix(r[13], `{"name":"=HYPERLINK`) || r[14] != `{"name":"柳州市科学技术局"}` {
			t.Fatalf("before/after: %q %q", r[13], r[14])
		}
		for _, cell := range []string{"N3", "P3"} {
			if fm, _ := f.GetCellFormula("审计日志", cell); fm != "" {
				t.Fatalf("no cell may be a formula: %s = %q", cell, fm)
			}
		}
		if r[15] != "'=1+1" {
			t.Fatalf("a detail that looks like a formula must stay text: %q", r[15])
		}
		// The export is itself audited, with the filter.
		es, _, err := audit.Find(context.Background(), d.R(), audit.Filter{Action: "audit.export"})
		if err != nil || len(es) != 1 || es[0].ActorName != "auditor" || !strings.Contains(es[0].Detail, `object_type="unit"`) ||
			!strings.Contains(es[0].Detail, "1 rows") {
			t.Fatalf("export audit row: %+v %v", es, err)
		}
		mustVerify(t, d)
	})
}

// TestExportSpansPages exports more rows than one page of Find holds.
func TestExportSpansPages(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := actorCtx(7, "office", core.RoleOffice, 3)
		want := core.MaxPageSize + 7
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			for i := 0; i < want; i++ {
				if err := audit.Record(ctx, tx, d.Engine, t0.Add(time.Duration(i)*time.Second),
					audit.Event{Action: "unit.update", ObjectType: "unit", ObjectID: i}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := audit.Export(ctx, d, t0, audit.Filter{Ascending: true}, &buf)
		if err != nil || n != want {
			t.Fatalf("exported %d of %d: %v", n, want, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("审计日志")
		seen := map[string]bool{}
		for _, r := range rows[2:] {
			if seen[r[11]] {
				t.Fatalf("object %s exported twice", r[11])
			}
			seen[r[11]] = true
		}
		if len(seen) != want || rows[2][11] != "0" || rows[len(rows)-1][11] != fmt.Sprint(want-1) {
			t.Fatalf("rows: %d distinct, first %v, last %v", len(seen), rows[2], rows[len(rows)-1])
		}
	})
}

func TestSearchAndViewAreAudited(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		auditor := actorCtx(9, "auditor", core.RoleAuditAdmin, 0)
		record(t, d, actorCtx(7, "office", core.RoleOffice, 3), t0, audit.Event{Action: "unit.create", ObjectType: "unit", ObjectID: 1})
		es, total, err := audit.Search(auditor, d, t0, audit.Filter{Action: "unit.*"})
		if err != nil || total != 1 || len(es) != 1 {
			t.Fatalf("search: %v %d %v", es, total, err)
		}
		got, _, _ := audit.Find(context.Background(), d.R(), audit.Filter{Action: "audit.search"})
		if len(got) != 1 || got[0].ActorName != "auditor" || got[0].ActorRole != "audit_admin" ||
			!strings.Contains(got[0].Detail, `action="unit.*"`) {
			t.Fatalf("search audit row: %+v", got)
		}
		// The security administrator may look only at the audit
		// administrator's rows; others are "not found".
		sec := actorCtx(8, "secadmin", core.RoleSecurityAdmin, 0)
		if _, err := audit.View(sec, d, t0, es[0].ID, core.RoleAuditAdmin); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("security admin viewing an office row: %v", err)
		}
		if e, err := audit.View(sec, d, t0, got[0].ID, core.RoleAuditAdmin); err != nil || e.Action != "audit.search" {
			t.Fatalf("security admin viewing the auditor's search: %v %v", e, err)
		}
		views, _, _ := audit.Find(context.Background(), d.R(), audit.Filter{Action: "audit.view"})
		if len(views) != 1 || views[0].ObjectID != fmt.Sprint(got[0].ID) || views[0].ActorName != "secadmin" {
			t.Fatalf("view audit rows: %+v", views)
		}
		// A bad filter is refused before anything is read or written.
		if _, _, err := audit.Search(auditor, d, t0, audit.Filter{Outcome: "x"}); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("bad filter: %v", err)
		}
		mustVerify(t, d)
	})
}
