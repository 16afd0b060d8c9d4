package app

import (
	"context"

	"liandong/internal/demo"
)

// loadDemo fills an empty database with the demo data; a database that
// already holds data is left as it is.
func loadDemo(ctx context.Context, a *App) error {
	return demo.Load(ctx, a.DB, a.Auth)
}
