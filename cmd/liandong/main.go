// Command liandong runs the Liandong platform and its administration tasks.
// See `liandong help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"liandong/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
