package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"liandong/internal/demo"
)

// cmdDemo loads synthetic data at one of the sizes in DOMAIN.md. It prints
// the counts and one sample body per level ("sample city body: id=…"), so
// scripts such as scripts/load-org can find bodies to point at. With
// --liaison-tokens FILE it also gives every member unit of the scale a
// load-test liaison account and writes "username<TAB>token" lines to FILE
// (for scripts/load-deadline; the accounts work only with serve --demo).
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var scale, tokens string
	a, _, err := openForCommand(ctx, "demo", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&scale, "scale", "city", "city, province or national")
		fs.StringVar(&tokens, "liaison-tokens", "", "write a load-test liaison account's API token per member unit to this file")
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
	if tokens == "" {
		return nil
	}
	start = time.Now()
	list, err := demo.LiaisonTokens(ctx, a.DB, scale, a.Auth.Clock.Now())
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, t := range list {
		fmt.Fprintf(&b, "%s\t%s\n", t.Username, t.Token)
	}
	// The tokens are credentials: readable by this user only.
	if err := os.WriteFile(tokens, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(stdout, "issued %d liaison tokens in %s to %s\n", len(list), time.Since(start).Round(time.Millisecond), tokens)
	return nil
}
