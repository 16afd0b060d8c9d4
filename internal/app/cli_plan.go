package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"liandong/internal/plan/extract"
	"liandong/internal/plan/source"
)

const planUsage = "usage: liandong plan extract FILE [--format json|text]   (FILE: .txt, .docx or .xlsx; - for text on stdin)"

func cmdPlan(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "extract" {
		return errors.New(planUsage)
	}
	return cmdPlanExtract(args[1:], os.Stdin, stdout, stderr)
}

// cmdPlanExtract prints what the importer finds in a plan document, in the
// JSON shape of the import screen, or as an outline to read.
func cmdPlanExtract(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan extract", stderr)
	format := fs.String("format", "text", "json or text")
	// The file may come before or after the flags.
	var file string
	if len(args) > 0 && (args[0] == "-" || !strings.HasPrefix(args[0], "-")) {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if file == "" || fs.NArg() != 0 {
		return errors.New(planUsage)
	}
	if *format != "json" && *format != "text" {
		return fmt.Errorf("unknown format %q: %s", *format, planUsage)
	}
	name, r := file, stdin
	if file == "-" {
		name = "stdin.txt"
	} else {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	doc, err := source.Read(filepath.Base(name), r, source.DefaultLimits)
	if err != nil {
		return err
	}
	res := extract.Extract(doc.Text)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return printOutline(stdout, res)
}

// printOutline writes res as an indented outline with the units, targets
// and schedule of each item.
func printOutline(w io.Writer, res extract.Result) error {
	var b strings.Builder
	for _, g := range res.Goals {
		fmt.Fprintf(&b, "目标  %s %s %g%s (%d年)\n", g.Metric, g.Comparator, g.Value, g.Unit, g.Year)
	}
	tasks := 0
	for _, it := range res.Items {
		indent := strings.Repeat("  ", max(len(it.Path)-1, 0))
		fmt.Fprintf(&b, "%s%s %s\n", indent, strings.Join(it.Path, ""), it.Title)
		if it.Kind == extract.KindTask {
			tasks++
		}
		if len(it.Lead) > 0 {
			fmt.Fprintf(&b, "%s    牵头：%s\n", indent, strings.Join(it.Lead, "、"))
		}
		if len(it.Responsible) > 0 {
			fmt.Fprintf(&b, "%s    责任：%s\n", indent, strings.Join(it.Responsible, "、"))
		}
		for _, t := range it.Targets {
			fmt.Fprintf(&b, "%s    指标：%s\n", indent, t.Text)
		}
		if it.Schedule != "" {
			fmt.Fprintf(&b, "%s    时间：%s\n", indent, it.Schedule)
		}
	}
	fmt.Fprintf(&b, "共 %d 条，其中任务 %d 项，目标 %d 个\n", len(res.Items), tasks, len(res.Goals))
	_, err := io.WriteString(w, b.String())
	return err
}
