package db_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sqlCalls are the database/sql methods whose query argument must be
// constant, with the position of that argument.
var sqlCalls = map[string]int{
	"ExecContext": 1, "QueryContext": 1, "QueryRowContext": 1, "PrepareContext": 1,
	"Exec": 0, "Query": 0, "QueryRow": 0, "Prepare": 0,
}

// dynamicSQLAllowed lists the functions ("path:Func", or "path:Type.Method")
// audited to build SQL from something other than constants, and why it is
// safe there. Keep it short: every other call must pass a string literal,
// a constant, or a concatenation of those (SECURITY.md D2).
var dynamicSQLAllowed = map[string]string{
	"internal/db/migrate.go:DB.Migrate":                  "runs the migration files embedded in the binary",
	"internal/db/db.go:DB.NonDurableSettings":            "SHOW of a setting name taken from a fixed list of literals",
	"internal/testkit/testkit.go:NewDSN":                 "CREATE/DROP DATABASE of a name built from pid, time and a counter (tests only)",
	"internal/auth/admin.go:FindUsers":                   "WHERE fragments are literals picked by switch; values, LIMIT and OFFSET are $n arguments",
	"internal/demo/scale.go:generator.province":          "table names from literal lists (MAX(id), setval after explicit ids)",
	"internal/demo/scale_activity.go:generator.activity": "table names from a literal list (MAX(id), setval after explicit ids)",
	"internal/demo/scale.go:insertMany":                  "table and column names from the literal lists in generator.province, generator.activity and the plan scale generator; values are $n arguments",
	"internal/org/store.go:InsertUnitIndex":              "a literal statement with one ($n, $m) pair per row; values are $n arguments",
}

// TestSQLIsNeverBuiltFromVariables parses every non-test Go file of the
// module and flags each query whose SQL text is not constant: values must
// travel as $n arguments, never inside the text (SECURITY.md D2). Constant
// means a string literal, a constant, a concatenation of those, a local
// variable only ever assigned such values, or a parameter that every
// caller fills with such a value (a helper like insertID(tx, query, ...)).
func TestSQLIsNeverBuiltFromVariables(t *testing.T) {
	c := &sqlChecker{t: t, root: moduleRoot(t), fset: token.NewFileSet(), pkgs: map[string]*srcPkg{}}
	c.load()
	if len(c.pkgs) < 5 {
		t.Fatalf("found only %d packages under %s", len(c.pkgs), c.root)
	}
	used := map[string]bool{}
	calls := 0
	for _, fc := range c.funcs {
		ast.Inspect(fc.decl.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			idx, ok := sqlCalls[sel.Sel.Name]
			if !ok || len(call.Args) <= idx {
				return true
			}
			calls++
			if c.isConst(fc, call.Args[idx], 0) {
				return true
			}
			if _, ok := dynamicSQLAllowed[fc.where]; ok {
				used[fc.where] = true
				return true
			}
			t.Errorf("%s: %s(%s): the SQL is built at run time; use a constant with $n arguments, "+
				"or pick fragments from a fixed allowlist and add the function to dynamicSQLAllowed with a reason",
				c.fset.Position(call.Pos()), sel.Sel.Name, c.source(fc, call.Args[idx]))
			return true
		})
	}
	// Parameters that carry SQL: every call must pass a constant there.
	for len(c.pending) > 0 {
		req := c.pending[0]
		c.pending = c.pending[1:]
		for _, fc := range c.funcs {
			ast.Inspect(fc.decl.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || !c.calls(fc, call, req.fn) {
					return true
				}
				if req.param >= len(call.Args) || c.isConst(fc, call.Args[req.param], 0) {
					return true
				}
				if _, ok := dynamicSQLAllowed[fc.where]; ok {
					used[fc.where] = true
					return true
				}
				t.Errorf("%s: %s(...%s...): passes a value computed at run time to %s, which puts it into SQL text",
					c.fset.Position(call.Pos()), req.fn.decl.Name.Name, c.source(fc, call.Args[req.param]), req.fn.where)
				return true
			})
		}
	}
	if calls < 20 {
		t.Errorf("only %d SQL calls found: is the walk broken?", calls)
	}
	for where := range dynamicSQLAllowed {
		if !used[where] {
			t.Errorf("dynamicSQLAllowed has %s, which no longer builds SQL dynamically: remove the entry", where)
		}
	}
}

type srcPkg struct {
	path   string // import path
	consts map[string]bool
}

// funcCtx is one function declaration with what resolving its names needs.
type funcCtx struct {
	pkg     *srcPkg
	file    string
	imports map[string]string // local name → import path
	decl    *ast.FuncDecl
	where   string // "path:Func" as in dynamicSQLAllowed
}

type paramReq struct {
	fn    *funcCtx
	param int
}

type sqlChecker struct {
	t       *testing.T
	root    string
	fset    *token.FileSet
	pkgs    map[string]*srcPkg
	funcs   []*funcCtx
	pending []paramReq
	asked   map[paramReq]bool
}

// load parses the module's non-test files.
func (c *sqlChecker) load() {
	type parsed struct {
		path string
		f    *ast.File
		pkg  *srcPkg
	}
	var files []parsed
	err := filepath.WalkDir(c.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != c.root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor" || n == "node_modules") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != c.root {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(c.fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(c.root, filepath.Dir(path))
		ip := "liandong"
		if rel != "." {
			ip += "/" + filepath.ToSlash(rel)
		}
		p := c.pkgs[ip]
		if p == nil {
			p = &srcPkg{path: ip, consts: map[string]bool{}}
			c.pkgs[ip] = p
		}
		for _, decl := range f.Decls {
			if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						p.consts[n.Name] = true
					}
				}
			}
		}
		files = append(files, parsed{path, f, p})
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
	for _, pf := range files {
		rel, _ := filepath.Rel(c.root, pf.path)
		imports := map[string]string{}
		for _, im := range pf.f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			name := ip[strings.LastIndex(ip, "/")+1:]
			if im.Name != nil {
				name = im.Name.Name
			}
			imports[name] = ip
		}
		for _, decl := range pf.f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Body != nil {
				c.funcs = append(c.funcs, &funcCtx{pkg: pf.pkg, file: pf.path, imports: imports, decl: fn,
					where: filepath.ToSlash(rel) + ":" + funcName(fn)})
			}
		}
	}
}

// isConst reports whether e is SQL text fixed at compile time, as far as a
// syntactic look can tell; it errs on the side of saying no.
func (c *sqlChecker) isConst(fc *funcCtx, e ast.Expr, depth int) bool {
	if depth > 8 {
		return false
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.STRING
	case *ast.ParenExpr:
		return c.isConst(fc, e.X, depth+1)
	case *ast.BinaryExpr:
		return e.Op == token.ADD && c.isConst(fc, e.X, depth+1) && c.isConst(fc, e.Y, depth+1)
	case *ast.Ident:
		if i := paramIndex(fc.decl, e.Name); i >= 0 {
			if fc.decl.Recv != nil {
				return false // forwarding through methods is not followed
			}
			req := paramReq{fn: fc, param: i}
			if c.asked == nil {
				c.asked = map[paramReq]bool{}
			}
			if !c.asked[req] {
				c.asked[req] = true
				c.pending = append(c.pending, req)
			}
			return true
		}
		values, local := assignments(fc.decl, e.Name)
		if !local {
			return fc.pkg.consts[e.Name]
		}
		for _, v := range values {
			if v == nil || !c.isConst(fc, v, depth+1) {
				return false
			}
		}
		return true
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			if _, local := assignments(fc.decl, x.Name); !local && paramIndex(fc.decl, x.Name) < 0 {
				if q := c.pkgs[fc.imports[x.Name]]; q != nil {
					return q.consts[e.Sel.Name]
				}
			}
		}
	}
	return false
}

// calls reports whether call, inside fc, calls the plain function target.
func (c *sqlChecker) calls(fc *funcCtx, call *ast.CallExpr, target *funcCtx) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return fc.pkg == target.pkg && f.Name == target.decl.Name.Name
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && f.Sel.Name == target.decl.Name.Name && fc.imports[x.Name] == target.pkg.path
	}
	return false
}

func (c *sqlChecker) source(fc *funcCtx, e ast.Expr) string { return shorten(c.fset, fc.file, e) }

// paramIndex is the argument position of the parameter name of fn, -1 if
// fn has no such parameter.
func paramIndex(fn *ast.FuncDecl, name string) int {
	i := 0
	for _, f := range fn.Type.Params.List {
		if len(f.Names) == 0 {
			i++
			continue
		}
		for _, id := range f.Names {
			if id.Name == name {
				return i
			}
			i++
		}
	}
	return -1
}

// assignments returns every value assigned to the local name in fn (nil
// for one that cannot be followed: a range variable, a multi-value call),
// and whether fn declares or assigns such a local at all.
func assignments(fn *ast.FuncDecl, name string) (values []ast.Expr, local bool) {
	if fn.Recv != nil {
		for _, f := range fn.Recv.List {
			for _, id := range f.Names {
				if id.Name == name {
					return []ast.Expr{nil}, true
				}
			}
		}
	}
	if fn.Type.Results != nil {
		for _, f := range fn.Type.Results.List {
			for _, id := range f.Names {
				if id.Name == name {
					return []ast.Expr{nil}, true
				}
			}
		}
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == name {
					local = true
					switch {
					case n.Tok != token.DEFINE && n.Tok != token.ASSIGN && n.Tok != token.ADD_ASSIGN:
						values = append(values, nil)
					case len(n.Lhs) == len(n.Rhs):
						values = append(values, n.Rhs[i])
					default:
						values = append(values, nil)
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if id.Name == name {
					local = true
					if i < len(n.Values) {
						values = append(values, n.Values[i])
					} else if len(n.Values) > 0 {
						values = append(values, nil)
					}
				}
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok && id.Name == name {
					local = true
					values = append(values, nil)
				}
			}
		case *ast.FuncLit:
			for _, f := range n.Type.Params.List {
				for _, id := range f.Names {
					if id.Name == name {
						local = true
						values = append(values, nil)
					}
				}
			}
		}
		return true
	})
	return values, local
}

// funcName is "Func" or "Type.Method".
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if ix, ok := typ.(*ast.IndexExpr); ok {
		typ = ix.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}

// shorten returns the source of e, cut to one line.
func shorten(fset *token.FileSet, path string, e ast.Expr) string {
	src, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	s := string(src[fset.Position(e.Pos()).Offset:fset.Position(e.End()).Offset])
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}
