package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"liandong/internal/demo"
)

// cmdDemo loads synthetic data at one of the sizes in DOMAIN.md. It prints
// the counts and one sample body per level ("sample city body: id=…"), so
// scripts such as scripts/load-org can find bodies to point at.
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
	if st.Bodies == 0 {
		fmt.Fprintln(stdout, "(already loaded: nothing was added)")
	}
	for _, s := range st.Samples {
		fmt.Fprintf(stdout, "sample %s body: id=%d name=%s\n", s.Level, s.ID, s.Name)
	}
	return nil
}
