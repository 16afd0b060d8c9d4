package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"liandong/internal/auth"
	"liandong/internal/core"
)

func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: liandong user add|passwd|list")
	}
	switch args[0] {
	case "add":
		return cmdUserAdd(ctx, args[1:], stdout, stderr)
	case "passwd":
		return cmdUserPasswd(ctx, args[1:], stdout, stderr)
	case "list":
		return cmdUserList(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown user command %q", args[0])
}

// readPassword reads a password from stdin (--password-stdin, for scripts)
// or asks for it twice on the terminal without echo.
func readPassword(fromStdin bool, stderr io.Writer) (string, error) {
	if fromStdin || !term.IsTerminal(int(os.Stdin.Fd())) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("no password on standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(stderr, "密码: ")
	a, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(stderr, "再次输入密码: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", errors.New("the two passwords differ")
	}
	return string(a), nil
}

func cmdUserAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var n auth.NewUser
	var role, bodies string
	var unit int64
	var stdin bool
	a, _, err := openForCommand(ctx, "user add", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&n.Username, "username", "", "login name (lower-case letters, digits, - _ .)")
		fs.StringVar(&n.DisplayName, "name", "", "real name")
		fs.StringVar(&role, "role", "", "role: "+rolesList())
		fs.Int64Var(&unit, "unit", 0, "unit id the user belongs to")
		fs.StringVar(&bodies, "body", "", "comma-separated body ids the user acts in")
		fs.StringVar(&n.Phone, "phone", "", "mobile phone")
		fs.StringVar(&n.Email, "email", "", "e-mail")
		fs.BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	n.Role, n.UnitID = core.Role(role), unit
	for _, s := range strings.Split(bodies, ",") {
		if s = strings.TrimSpace(s); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("--body: %q is not a body id", s)
			}
			n.BodyIDs = append(n.BodyIDs, id)
		}
	}
	if role == "" {
		// Accounts made at the command line are the operator's: they get
		// their role at once. (The web page leaves it to the security
		// administrator.)
		return errors.New("--role is required: " + rolesList())
	}
	if n.Password, err = readPassword(stdin, stderr); err != nil {
		return err
	}
	u, err := a.Auth.CreateUser(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s (id %d, %s)\n", u.Username, u.ID, core.RoleNames[u.Role])
	return nil
}

func rolesList() string {
	var s []string
	for _, r := range core.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func cmdUserPasswd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var username string
	var stdin bool
	a, _, err := openForCommand(ctx, "user passwd", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "login name")
		fs.BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := a.Auth.SetPassword(ctx, username, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed; the user must choose a new one at next login\n", username)
	return nil
}

func cmdUserList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, _, err := openForCommand(ctx, "user list", args, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	users, err := auth.ListUsers(ctx, a.DB.R())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLE\tSTATE")
	for _, u := range users {
		state := "active"
		if u.Disabled {
			state = "disabled"
		}
		role := string(u.Role)
		if role == "" {
			role = "(pending)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.DisplayName, role, state)
	}
	return tw.Flush()
}

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: liandong token create --user NAME [--name LABEL]")
	}
	var username, name string
	a, _, err := openForCommand(ctx, "token create", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "user", "", "login name of the token's owner")
		fs.StringVar(&name, "name", "cli", "label to recognise the token by")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	tok, err := a.Auth.CreateToken(ctx, username, name)
	if err != nil {
		return err
	}
	// The token is the last word of the output, so scripts can take it.
	fmt.Fprintf(stdout, "API token for %s (shown once, keep it secret): %s\n", username, tok)
	return nil
}

// printSetupHint tells the operator how to create the first accounts when
// the database has none (SECURITY.md A1): a one-time setup link, printed on
// standard output only (never into the JSON log), or the command line.
func printSetupHint(ctx context.Context, a *App, addr string, stdout io.Writer) {
	token, err := a.Auth.PrepareSetup(ctx)
	if err != nil {
		a.Log.Error("setup token", "err", err.Error())
		return
	}
	if token == "" {
		return
	}
	scheme := "http"
	if a.Config.Secure {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "\nThe database has no accounts yet. Create the system, security and audit administrators at\n"+
		"  %s://%s/setup?token=%s\n(valid for %s and for one use; restarting prints a new link), or at the command line with\n"+
		"  liandong user add --role system_admin --username NAME --name 姓名\n\n", scheme, addr, token, auth.SetupTokenTTL)
}
