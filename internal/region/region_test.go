package region_test

import (
	"context"
	"database/sql"
	"testing"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/region"
	"liandong/internal/testkit"
)

func TestValidateChecksCodeShapeAgainstLevel(t *testing.T) {
	cases := []struct {
		code, name string
		level      region.Level
		field      string // "" = valid
	}{
		{"450000", "广西壮族自治区", region.Province, ""},
		{"450200", "柳州市", region.City, ""},
		{"450222", "柳城县", region.County, ""},
		{"", "柳州市", region.City, "code"},
		{"45020", "柳州市", region.City, "code"},
		{"4502000", "柳州市", region.City, "code"},
		{"45O200", "柳州市", region.City, "code"},
		{"４５０２００", "柳州市", region.City, "code"},
		{"450200", "柳州市", region.Province, "code"},
		{"450000", "广西", region.City, "code"},
		{"450200", "柳州市", region.County, "code"},
		{"000000", "无", region.Province, "code"},
		{"450200", "", region.City, "name"},
		{"450200", "   ", region.City, "name"},
		{"450200", "柳州\n市", region.City, "name"},
		{"450200", string(make([]rune, 101)), region.City, "name"},
		{"450200", "柳州市", region.Level("town"), "level"},
	}
	for _, c := range cases {
		r := region.Region{Code: c.code, Name: c.name, Level: c.level}
		err := r.Validate()
		got := core.FieldErrors(err)
		if c.field == "" {
			if err != nil {
				t.Errorf("%q %q %s: unexpected error %v", c.code, c.name, c.level, err)
			}
			continue
		}
		if got[c.field] == "" || core.ErrorCode(err) != core.EINVALID {
			t.Errorf("%q %q %s: errors %v, want one on %s", c.code, c.name, c.level, got, c.field)
		}
	}
}

func TestCheckParentFollowsTheCodeTree(t *testing.T) {
	gx := &region.Region{Code: "450000", Level: region.Province}
	hb := &region.Region{Code: "420000", Level: region.Province}
	lz := &region.Region{Code: "450200", Level: region.City}
	cases := []struct {
		name   string
		r      region.Region
		parent *region.Region
		field  string
	}{
		{"province alone", region.Region{Code: "450000", Level: region.Province}, nil, ""},
		{"province under province", region.Region{Code: "450000", Level: region.Province}, hb, "parent_id"},
		{"city in its province", region.Region{Code: "450200", Level: region.City}, gx, ""},
		{"city without parent", region.Region{Code: "450200", Level: region.City}, nil, "parent_id"},
		{"city in another province", region.Region{Code: "450200", Level: region.City}, hb, "code"},
		{"city under city", region.Region{Code: "450300", Level: region.City}, lz, "parent_id"},
		{"county in its city", region.Region{Code: "450222", Level: region.County}, lz, ""},
		{"county in another city", region.Region{Code: "450322", Level: region.County}, lz, "code"},
		{"province-administered county", region.Region{Code: "429004", Level: region.County}, hb, ""},
		{"county under county", region.Region{Code: "450223", Level: region.County}, &region.Region{Code: "450222", Level: region.County}, "parent_id"},
	}
	for _, c := range cases {
		err := region.CheckParent(&c.r, c.parent)
		if c.field == "" && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.field != "" && core.FieldErrors(err)[c.field] == "" {
			t.Errorf("%s: err %v, want a field error on %s", c.name, err, c.field)
		}
	}
}

func TestStoreCreatesWalksAndRenames(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var gx, lz, lc region.Region
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			gx = region.Region{Code: "450000", Name: "广西壮族自治区", Level: region.Province}
			if err := region.Create(ctx, tx, &gx); err != nil {
				return err
			}
			lz = region.Region{Code: "450200", Name: "柳州市", Level: region.City, ParentID: gx.ID}
			if err := region.Create(ctx, tx, &lz); err != nil {
				return err
			}
			lc = region.Region{Code: "450222", Name: "柳城县", Level: region.County, ParentID: lz.ID}
			return region.Create(ctx, tx, &lc)
		})
		if err != nil {
			t.Fatal(err)
		}

		// A duplicate code is the user's mistake in the code field: 422.
		dup := region.Region{Code: "450222", Name: "另一个县", Level: region.County, ParentID: lz.ID}
		err = d.InTx(ctx, func(tx *sql.Tx) error { return region.Create(ctx, tx, &dup) })
		if core.ErrorCode(err) != core.EINVALID || core.FieldErrors(err)["code"] == "" {
			t.Errorf("duplicate code: %v, want invalid on code", err)
		}
		// A missing parent is named on the parent field.
		orphan := region.Region{Code: "450223", Name: "鹿寨县", Level: region.County, ParentID: 99999}
		err = d.InTx(ctx, func(tx *sql.Tx) error { return region.Create(ctx, tx, &orphan) })
		if core.FieldErrors(err)["parent_id"] == "" {
			t.Errorf("missing parent: %v", err)
		}

		kids, err := region.Children(ctx, d.R(), lz.ID)
		if err != nil || len(kids) != 1 || kids[0].Name != "柳城县" {
			t.Errorf("children of 柳州市 = %+v, %v", kids, err)
		}
		all, err := region.List(ctx, d.R())
		if err != nil || len(all) != 3 || all[0].Code != "450000" || all[2].Code != "450222" {
			t.Errorf("list = %+v, %v", all, err)
		}
		for _, c := range []struct {
			id, root int64
			want     bool
		}{{lc.ID, gx.ID, true}, {lc.ID, lz.ID, true}, {lc.ID, lc.ID, true}, {lz.ID, lc.ID, false}, {gx.ID, lz.ID, false}} {
			if got, err := region.Within(ctx, d.R(), c.id, c.root); err != nil || got != c.want {
				t.Errorf("Within(%d, %d) = %v, %v; want %v", c.id, c.root, got, err, c.want)
			}
		}

		// Rename with the version the user saw; a second edit from the
		// same version is refused and the first one's name stays.
		err = d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := region.Rename(ctx, tx, lc.ID, "柳城县（新）", lc.Version)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = d.InTx(ctx, func(tx *sql.Tx) error {
			_, err := region.Rename(ctx, tx, lc.ID, "覆盖", lc.Version)
			return err
		})
		if core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("stale rename: %v, want conflict", err)
		}
		got, _ := region.FindByID(ctx, d.R(), lc.ID)
		if got.Name != "柳城县（新）" || got.Version != lc.Version+1 {
			t.Errorf("after rename: %+v", got)
		}
	})
}
