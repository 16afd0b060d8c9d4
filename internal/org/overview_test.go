package org_test

import (
	"context"
	"slices"
	"testing"

	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/org/orgtest"
	"liandong/internal/testkit"
)

// The work bench counts what the body page lists, and names the member
// units that have no active liaison, so the office knows whom to chase.
func TestOverviewCountsAndLiaisonGaps(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		c := newCity(t, d)
		ctx := orgtest.As(context.Background(), c.cityOffice)
		gaps := func() (org.Overview, []int64) {
			t.Helper()
			os, err := c.svc.Overviews(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(os) != 1 || os[0].Body.ID != c.City.ID {
				t.Fatalf("overviews = %+v, want the city body only", os)
			}
			var ids []int64
			for _, m := range os[0].NoLiaison {
				ids = append(ids, m.UnitID)
			}
			return os[0], ids
		}
		o, before := gaps()
		units, err := c.svc.ListMemberUnits(ctx, c.City.ID)
		if err != nil {
			t.Fatal(err)
		}
		current := 0
		for _, m := range units {
			if m.LeftOn == "" {
				current++
			}
		}
		if o.MemberUnits != current || o.Subordinates != 2 || o.Seats == 0 || o.Liaisons == 0 {
			t.Errorf("overview = %d units (want %d), %d subordinates (want 2), %d seats, %d liaisons",
				o.MemberUnits, current, o.Subordinates, o.Seats, o.Liaisons)
		}
		if slices.Contains(before, c.Edu.ID) {
			t.Fatalf("市教育局 has a liaison but is listed as a gap: %v", before)
		}

		// The education bureau's liaison leaves: the bureau becomes a gap.
		l := c.LiaisonEdu
		in := org.LiaisonInput{UnitID: l.UnitID, Name: l.Name, Post: l.Post, Phone: l.Phone, Email: l.Email, Active: false, Version: l.Version}
		if _, err := c.svc.UpdateLiaison(ctx, l.ID, in); err != nil {
			t.Fatal(err)
		}
		o2, after := gaps()
		if !slices.Contains(after, c.Edu.ID) || len(after) != len(before)+1 || o2.Liaisons != o.Liaisons-1 {
			t.Errorf("after deactivating 市教育局's liaison: gaps %v (before %v), liaisons %d (before %d)", after, before, o2.Liaisons, o.Liaisons)
		}

		// A liaison sees its own body; the administrators see none.
		if os, err := c.svc.Overviews(orgtest.As(context.Background(), c.liaisonFinance)); err != nil || len(os) != 1 {
			t.Errorf("liaison overviews = %d, %v", len(os), err)
		}
		if os, err := c.svc.Overviews(orgtest.As(context.Background(), c.sysAdmin)); err != nil || len(os) != 0 {
			t.Errorf("system administrator overviews = %d, %v; want none", len(os), err)
		}
	})
}
