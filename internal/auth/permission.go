package auth

import (
	"liandong/internal/core"
)

// Permission names what a route needs. Every route declares one; a route
// without one, or with one not in this file, is denied (SECURITY.md B2).
type Permission string

const (
	PermPublic        Permission = "public"          // anyone, logged in or not
	PermLogin         Permission = "login"           // any logged-in user: own password, own sessions, logout
	PermWork          Permission = "work"            // business users (not the three administrators)
	PermOrgRead       Permission = "org.read"        // read regions, bodies, rosters, duties
	PermOrgWrite      Permission = "org.write"       // maintain the registry of one's own bodies
	PermLiaisonWrite  Permission = "liaison.write"   // change liaison entries (a liaison: own unit only)
	PermPlanRead      Permission = "plan.read"       // read plans, decomposition tables, one's unit's tasks
	PermPlanWrite     Permission = "plan.write"      // change plans and tasks (a liaison: own unit's work plan only)
	PermPlanManage    Permission = "plan.manage"     // import plans, assign tasks handed down, start key points (office)
	PermReportRead    Permission = "report.read"     // read progress reports in scope (one's unit's, one's led tasks', the office's body)
	PermReportWrite   Permission = "report.write"    // write and submit one's unit's reports; review as office or lead unit
	PermCallRead      Permission = "call.read"       // read data calls addressed to one's unit or body, and one's submissions
	PermCallSubmit    Permission = "call.submit"     // submit to a data call (a liaison for the unit, a county office for its body)
	PermCallManage    Permission = "call.manage"     // create calls, follow the board, accept or return, download the ZIP (office)
	PermUserManage    Permission = "user.manage"     // accounts (系统管理员)
	PermSystem        Permission = "system.manage"   // settings, backup (系统管理员)
	PermSecurity      Permission = "security.manage" // policy, unlock, role grants, sessions (安全管理员)
	PermAuditRead     Permission = "audit.read"      // search and export the audit log (审计管理员)
	PermAuditOfAudits Permission = "audit.review"    // the audit administrator's own actions (安全管理员)
)

// grants is the role → permission table: the one place where what a role
// may do is decided. The three administrators have no business permission
// (三员分立, SECURITY.md B1).
var grants = map[core.Role][]Permission{
	core.RoleSystemAdmin:   {PermUserManage, PermSystem},
	core.RoleSecurityAdmin: {PermSecurity, PermAuditOfAudits},
	core.RoleAuditAdmin:    {PermAuditRead},
	core.RoleOffice: {PermWork, PermOrgRead, PermOrgWrite, PermLiaisonWrite, PermPlanRead, PermPlanWrite, PermPlanManage,
		PermReportRead, PermReportWrite, PermCallRead, PermCallSubmit, PermCallManage},
	core.RoleLeader:  {PermWork, PermOrgRead, PermPlanRead, PermReportRead, PermCallRead},
	core.RoleLiaison: {PermWork, PermOrgRead, PermLiaisonWrite, PermPlanRead, PermPlanWrite, PermReportRead, PermReportWrite, PermCallRead, PermCallSubmit},
}

// Known reports whether p is a declared permission.
func Known(p Permission) bool {
	switch p {
	case PermPublic, PermLogin:
		return true
	}
	for _, ps := range grants {
		for _, q := range ps {
			if q == p {
				return true
			}
		}
	}
	return false
}

// Allowed reports whether a may use a route that needs p. A nil actor is
// anonymous. Unknown permissions deny.
func Allowed(a *core.Actor, p Permission) bool {
	if p == PermPublic {
		return true
	}
	if a == nil || !Known(p) {
		return false
	}
	if p == PermLogin {
		return true
	}
	for _, q := range grants[a.Role] {
		if q == p {
			return true
		}
	}
	return false
}
