package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"liandong/internal/audit"
	"liandong/internal/core"
)

const usage = `liandong: 全民科学素质工作协同平台 (Liandong)

Usage:
  liandong serve [--addr 127.0.0.1:8080] [--data DIR] [--db postgres://...] [--demo]
  liandong migrate [--data DIR] [--db ...]
  liandong user add --username NAME --name 姓名 --role ROLE [--unit ID] [--body ID,...] [--password-stdin]
  liandong user passwd --username NAME [--password-stdin]
  liandong user list
  liandong token create --user NAME [--name LABEL]
  liandong backup FILE
  liandong demo --scale city|province|national
  liandong audit verify
  liandong audit purge [--days N] [--dry-run]
  liandong plan extract FILE [--format json|text]
  liandong version

Every command that touches the database takes --data DIR (SQLite, default ./data)
or --db postgres://... (also read from LIANDONG_DB).
`

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], stdout, stderr)
	case "user":
		err = cmdUser(ctx, args[1:], stdout, stderr)
	case "token":
		err = cmdToken(ctx, args[1:], stdout, stderr)
	case "backup":
		err = cmdBackup(ctx, args[1:], stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, args[1:], stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, args[1:], stdout, stderr)
	case "plan":
		err = cmdPlan(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, Version())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "liandong: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "liandong %s: %s\n", args[0], describe(err))
		return 1
	}
	return 0
}

// describe shows a core error's Chinese message with its English cause.
func describe(err error) string {
	var e *core.Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message + " (" + err.Error() + ")"
	}
	return err.Error()
}

// Version reports the module version and VCS revision the binary was built from.
func Version() string {
	v, rev := "devel", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	if rev != "" {
		return "liandong " + v + " (" + rev + ")"
	}
	return "liandong " + v
}

// dbFlags registers --data and --db on fs.
func dbFlags(fs *flag.FlagSet, cfg *Config) {
	fs.StringVar(&cfg.DataDir, "data", "data", "directory for the SQLite database and uploaded files")
	fs.StringVar(&cfg.DSN, "db", os.Getenv("LIANDONG_DB"), "PostgreSQL URL (postgres://...); empty for SQLite in --data")
	fs.StringVar(&cfg.FileStore, "file-store", FileStoreFS, "where uploaded files are kept: fs (under --data/files) or db (in the database)")
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("liandong "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("serve", stderr)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.BoolVar(&cfg.Demo, "demo", false, "load the demo data into an empty database and allow demo logins")
	fs.BoolVar(&cfg.Secure, "secure", false, "served over HTTPS (directly or behind a TLS proxy): Secure cookies and HSTS")
	dbFlags(fs, &cfg)
	// --test-clock is for the browser tests and kept out of the usage text.
	args, cfg.TestClock = cutFlag(args, "--test-clock")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Log = slog.New(slog.NewJSONHandler(stderr, nil))
	a, err := Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Serve(ctx, func(addr string) {
		fmt.Fprintf(stdout, "Liandong is serving on http://%s/\n", addr)
		printSetupHint(ctx, a, addr, stdout)
	})
}

// cutFlag removes the boolean flag name (as --name or -name) from args and
// reports whether it was there.
func cutFlag(args []string, name string) ([]string, bool) {
	var out []string
	found := false
	for _, a := range args {
		if a == name || a == name[1:] {
			found = true
			continue
		}
		out = append(out, a)
	}
	return out, found
}

// openForCommand opens the application for an administration command,
// logging to stderr only at warning level so output stays readable.
func openForCommand(ctx context.Context, name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*App, *flag.FlagSet, error) {
	var cfg Config
	fs := newFlagSet(name, stderr)
	dbFlags(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	cfg.Log = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := Open(ctx, cfg)
	return a, fs, err
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, _, err := openForCommand(ctx, "migrate", args, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	names, err := a.DB.Applied(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema is up to date (%s)\n", strings.Join(names, ", "))
	return nil
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var dst string
	a, fs, err := openForCommand(ctx, "backup", args, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	if fs.NArg() != 1 {
		return errors.New("usage: liandong backup FILE")
	}
	dst = fs.Arg(0)
	if a.DB.Engine != "sqlite" {
		fmt.Fprintln(stdout, "PostgreSQL: take a consistent online backup with\n  pg_dump -Fc -f FILE \"$LIANDONG_DB\"\nand restore it with\n  pg_restore --single-transaction -d NEWDB FILE")
		return nil
	}
	// Claim the name first, exclusively and readable by the owner only (a
	// backup holds password hashes): an existing file is never overwritten,
	// even one created between a check and the copy. VACUUM INTO fills an
	// empty file.
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return &core.Error{Code: core.ECONFLICT, Message: "备份文件已存在，不会覆盖；请换一个文件名",
			Err: fmt.Errorf("%s already exists", dst)}
	} else if err != nil {
		return err
	}
	f.Close()
	ev := audit.Event{Action: "system.backup", ObjectType: "backup", ObjectID: dst}
	if err := a.DB.Backup(ctx, dst); err != nil {
		os.Remove(dst)
		ev.Outcome, ev.Detail = audit.Failure, err.Error()
		_ = audit.Log(ctx, a.DB, a.Auth.Clock.Now(), ev)
		return err
	}
	if err := audit.Log(ctx, a.DB, a.Auth.Clock.Now(), ev); err != nil {
		return fmt.Errorf("backup written to %s, but recording it in the audit log failed: %w", dst, err)
	}
	fmt.Fprintf(stdout, "backup written to %s\n", dst)
	return nil
}
