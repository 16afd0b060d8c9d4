package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"liandong/internal/demo"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var scale string
	a, _, err := openForCommand(ctx, "demo", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&scale, "scale", "city", "city, province or national")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	st, err := demo.LoadScale(ctx, a.DB, scale)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded %s scale in %s: %s\n", scale, time.Since(start).Round(time.Millisecond), st)
	return nil
}
