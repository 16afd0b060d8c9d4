package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"liandong/internal/audit"
)

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: liandong audit verify")
	}
	a, _, err := openForCommand(ctx, "audit verify", args[1:], stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	broken, n, err := audit.Verify(ctx, a.DB.R())
	if err != nil {
		return err
	}
	if broken != 0 {
		return fmt.Errorf("audit chain broken at row %d (rows before it verified: %d)", broken, n-1)
	}
	fmt.Fprintf(stdout, "audit chain intact: %d rows verified\n", n)
	return nil
}
