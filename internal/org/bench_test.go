package org_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/org/orgtest"
	"liandong/internal/testkit"
)

// benchCity is the fixture grown to a real city's size (DOMAIN.md: ~35
// member units with a seat and a liaison each, a few hundred units in the
// registry).
func benchCity(b *testing.B) (*db.DB, *orgtest.World) {
	b.Helper()
	ctx := context.Background()
	d := testkit.OpenDB(b, db.SQLite)
	now := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	w, err := orgtest.Build(ctx, d, now)
	if err != nil {
		b.Fatal(err)
	}
	err = d.InTx(ctx, func(tx *sql.Tx) error {
		for i := range 400 {
			u, err := org.InsertUnit(ctx, tx, now, org.UnitInput{RegionID: w.Liuzhou.ID, Name: fmt.Sprintf("柳州市第%d局", i),
				Kind: org.UnitGovernment, Aliases: []string{fmt.Sprintf("市%d局", i)}})
			if err != nil {
				return err
			}
			if i < 30 {
				if _, err := org.InsertMemberUnit(ctx, tx, w.City.ID, org.MemberUnitInput{UnitID: u.ID, JoinedOn: orgtest.Founded}); err != nil {
					return err
				}
				if _, err := org.InsertMember(ctx, tx, w.City.ID, org.MemberInput{Role: org.SeatMember, PersonName: fmt.Sprintf("成员%d", i),
					Position: "副局长", UnitID: u.ID, TermStart: orgtest.SeatsSince}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return d, w
}

func BenchmarkRoster(b *testing.B) {
	d, w := benchCity(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		r, err := org.LoadRoster(ctx, d.R(), w.City.ID, "2021-01-01")
		if err != nil || len(r.Members) != 34 {
			b.Fatalf("roster: %v, %d members", err, len(r.Members))
		}
	}
}

func BenchmarkListUnits(b *testing.B) {
	d, _ := benchCity(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		us, n, err := org.FindUnits(ctx, d.R(), d.Engine, org.UnitFilter{Query: "局"})
		if err != nil || n < 400 || len(us) != 50 {
			b.Fatalf("units: %v, %d of %d", err, len(us), n)
		}
	}
}
