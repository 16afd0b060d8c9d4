package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"

	"liandong/internal/audit"
	"liandong/internal/auth"
	"liandong/internal/core"
)

const auditUsage = "usage: liandong audit verify | liandong audit purge [--days N] [--dry-run]"

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(auditUsage)
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(ctx, args[1:], stdout, stderr)
	case "purge":
		return cmdAuditPurge(ctx, args[1:], stdout, stderr)
	}
	return errors.New(auditUsage)
}

func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, _, err := openForCommand(ctx, "audit verify", args, stderr, nil)
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

// cmdAuditPurge removes audit rows older than the retention the security
// policy sets (at least 180 days, SECURITY.md C5), or --days if given. It is
// meant for the operator's scheduled maintenance; the purge is audited.
func cmdAuditPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var days int
	var dry bool
	a, _, err := openForCommand(ctx, "audit purge", args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&days, "days", 0, "keep this many days (at least 180); default: the security policy's audit retention")
		fs.BoolVar(&dry, "dry-run", false, "only say how many rows would be removed")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if days == 0 {
		pol, err := auth.LoadPolicy(ctx, a.DB.R())
		if err != nil {
			return err
		}
		days = pol.AuditRetentionDays
	}
	now := a.Auth.Clock.Now()
	if dry {
		if days < audit.MinRetentionDays {
			return core.Invalid("days", fmt.Sprintf("审计日志至少保留%d天", audit.MinRetentionDays))
		}
		cutoff := now.AddDate(0, 0, -days)
		_, n, err := audit.Find(ctx, a.DB.R(), audit.Filter{To: cutoff, Page: core.Page{Limit: 1}})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dry run: up to %d rows are older than %s (retention %d days); nothing removed\n",
			n, audit.FormatTime(cutoff), days)
		return nil
	}
	// The command line has no logged-in actor; the record names the
	// operating-system account that ran it.
	ctx = audit.WithMeta(ctx, &audit.Meta{RequestID: "cli"})
	if u, err := user.Current(); err == nil {
		ctx = core.WithActor(ctx, &core.Actor{Username: "os:" + u.Username, RequestID: "cli"})
	}
	res, err := audit.Purge(ctx, a.DB, now, days)
	if err != nil {
		return err
	}
	if res.Deleted == 0 {
		fmt.Fprintf(stdout, "nothing to purge: no audit rows older than %s (retention %d days)\n",
			audit.FormatTime(res.Cutoff), days)
		return nil
	}
	fmt.Fprintf(stdout, "purged %d audit rows (ids %d–%d) older than %s (retention %d days); chain anchor kept\n",
		res.Deleted, res.FirstID, res.LastID, audit.FormatTime(res.Cutoff), days)
	return nil
}
