package auth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"liandong/internal/core"
)

// declaredPermissions reads every Permission constant out of permission.go,
// so that a permission added later is in the matrix without editing this
// test.
func declaredPermissions(t *testing.T) map[string]Permission {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "permission.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Permission{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || vs.Type == nil {
			return true
		}
		if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Permission" {
			return true
		}
		for i, name := range vs.Names {
			lit, ok := vs.Values[i].(*ast.BasicLit)
			if !ok {
				t.Fatalf("%s is not a string literal", name.Name)
			}
			v, _ := strconv.Unquote(lit.Value)
			out[name.Name] = Permission(v)
		}
		return true
	})
	if len(out) < 10 {
		t.Fatalf("found only %d permissions in permission.go", len(out))
	}
	return out
}

// TestPermissionMatrix is SECURITY.md B1/B2 on the permission table: every
// declared permission × every role (and an account without a role, and
// anonymous). The three administrators get exactly their own permissions
// and no business one (三员分立); business roles get no administrator
// permission; anonymous gets only public; unknown permissions deny.
func TestPermissionMatrix(t *testing.T) {
	perms := declaredPermissions(t)
	adminOwn := map[core.Role]map[Permission]bool{
		core.RoleSystemAdmin:   {PermUserManage: true, PermSystem: true},
		core.RoleSecurityAdmin: {PermSecurity: true, PermAuditOfAudits: true},
		core.RoleAuditAdmin:    {PermAuditRead: true},
	}
	adminPerm := map[Permission]bool{}
	for _, own := range adminOwn {
		for p := range own {
			adminPerm[p] = true
		}
	}
	everyone := map[Permission]bool{PermPublic: true, PermLogin: true}
	grantedToBusiness := map[Permission]bool{}
	for name, p := range perms {
		if !Known(p) {
			t.Errorf("%s (%q) is declared but no role holds it: unknown permissions deny every request", name, p)
		}
		if got := Allowed(nil, p); got != (p == PermPublic) {
			t.Errorf("anonymous × %s: %v", name, got)
		}
		if got := Allowed(&core.Actor{Role: ""}, p); got != everyone[p] {
			t.Errorf("account without a role × %s: %v", name, got)
		}
		for _, role := range core.Roles {
			got := Allowed(&core.Actor{Role: role}, p)
			if role.IsAdmin() {
				if want := everyone[p] || adminOwn[role][p]; got != want {
					t.Errorf("%s × %s: %v, want %v", role, name, got, want)
				}
				continue
			}
			if adminPerm[p] && got {
				t.Errorf("business role %s holds administrator permission %s", role, name)
			}
			if got && !everyone[p] {
				grantedToBusiness[p] = true
			}
		}
	}
	for name, p := range perms {
		if !everyone[p] && !adminPerm[p] && !grantedToBusiness[p] {
			t.Errorf("%s is neither an administrator's nor any business role's", name)
		}
	}
	for _, bogus := range []Permission{"", "admin", "org.*", "ORG.READ"} {
		for _, role := range append([]core.Role{""}, core.Roles...) {
			if Allowed(&core.Actor{Role: role}, bogus) {
				t.Errorf("%s × unknown %q allowed", role, bogus)
			}
		}
	}
}
