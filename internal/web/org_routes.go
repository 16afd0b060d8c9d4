package web

import (
	"liandong/internal/auth"
	"liandong/internal/httpx"
)

// orgRoutes are the organisation registry's pages. Reading needs
// org.read; changing a body needs org.write; liaison entries need
// liaison.write (a liaison: own unit only, checked by the service).
func (s *Server) orgRoutes() []httpx.Route {
	read, write, liaison := auth.PermOrgRead, auth.PermOrgWrite, auth.PermLiaisonWrite
	return []httpx.Route{
		{Pattern: "GET /org", Perm: read, Handler: s.showBodyTree},
		{Pattern: "GET /org/regions", Perm: read, Handler: s.showRegions},
		{Pattern: "POST /org/regions", Perm: write, Handler: s.createRegion},

		{Pattern: "GET /org/bodies/{id}", Perm: read, Handler: s.showBody},
		{Pattern: "GET /org/bodies/{id}/edit", Perm: write, Handler: s.showBodyEditPage},
		{Pattern: "POST /org/bodies/{id}/edit", Perm: write, Handler: s.saveBody},
		{Pattern: "GET /org/bodies/{id}/roster", Perm: read, Handler: s.showRoster},
		{Pattern: "GET /org/bodies/{id}/roster.xlsx", Perm: read, Handler: s.exportRoster, Limit: httpx.LimitExport},
		{Pattern: "GET /org/bodies/{id}/liaisons.xlsx", Perm: read, Handler: s.exportLiaisons, Limit: httpx.LimitExport},
		{Pattern: "GET /org/bodies/{id}/history", Perm: read, Handler: s.showSeatHistory},
		{Pattern: "GET /org/bodies/{id}/subordinates", Perm: read, Handler: s.showSubordinates},
		{Pattern: "GET /org/bodies/{id}/subordinates/new", Perm: write, Handler: s.showSubordinateNewPage},
		{Pattern: "POST /org/bodies/{id}/subordinates/new", Perm: write, Handler: s.createSubordinate},

		{Pattern: "GET /org/bodies/{id}/member-units/new", Perm: write, Handler: s.showMemberUnitNewPage},
		{Pattern: "POST /org/bodies/{id}/member-units/new", Perm: write, Handler: s.addMemberUnit},
		{Pattern: "GET /org/bodies/{id}/member-units/{mid}/end", Perm: write, Handler: s.showMembershipEndPage},
		{Pattern: "POST /org/bodies/{id}/member-units/{mid}/end", Perm: write, Handler: s.endMembership},

		{Pattern: "GET /org/bodies/{id}/members/new", Perm: write, Handler: s.showSeatNewPage},
		{Pattern: "POST /org/bodies/{id}/members/new", Perm: write, Handler: s.addSeat},
		{Pattern: "GET /org/bodies/{id}/members/{mid}/replace", Perm: write, Handler: s.showSeatReplacePage},
		{Pattern: "POST /org/bodies/{id}/members/{mid}/replace", Perm: write, Handler: s.replaceSeat},
		{Pattern: "GET /org/bodies/{id}/members/{mid}/edit", Perm: write, Handler: s.showSeatEditPage},
		{Pattern: "POST /org/bodies/{id}/members/{mid}/edit", Perm: write, Handler: s.saveSeat},
		{Pattern: "GET /org/bodies/{id}/members/{mid}/end", Perm: write, Handler: s.showSeatEndPage},
		{Pattern: "POST /org/bodies/{id}/members/{mid}/end", Perm: write, Handler: s.endSeat},

		{Pattern: "GET /org/bodies/{id}/liaisons/new", Perm: write, Handler: s.showLiaisonNewPage},
		{Pattern: "POST /org/bodies/{id}/liaisons/new", Perm: write, Handler: s.createLiaison},
		{Pattern: "GET /org/bodies/{id}/liaisons/{lid}/edit", Perm: liaison, Handler: s.showLiaisonEditPage},
		{Pattern: "POST /org/bodies/{id}/liaisons/{lid}/edit", Perm: liaison, Handler: s.saveLiaison},

		{Pattern: "GET /org/bodies/{id}/duties/new", Perm: write, Handler: s.showDutyNewPage},
		{Pattern: "POST /org/bodies/{id}/duties/new", Perm: write, Handler: s.addDuty},
		{Pattern: "GET /org/bodies/{id}/duties/{did}/edit", Perm: write, Handler: s.showDutyEditPage},
		{Pattern: "POST /org/bodies/{id}/duties/{did}/edit", Perm: write, Handler: s.saveDuty},
		{Pattern: "POST /org/bodies/{id}/duties/{did}/move", Perm: write, Handler: s.moveDuty},
		{Pattern: "POST /org/bodies/{id}/duties/{did}/delete", Perm: write, Handler: s.deleteDuty},

		{Pattern: "GET /org/units", Perm: read, Handler: s.showUnitList},
		{Pattern: "GET /org/units.xlsx", Perm: read, Handler: s.exportUnits, Limit: httpx.LimitExport},
		{Pattern: "GET /org/units/new", Perm: write, Handler: s.showUnitNewPage},
		{Pattern: "POST /org/units", Perm: write, Handler: s.createUnit},
		{Pattern: "GET /org/units/{id}", Perm: read, Handler: s.showUnit},
		{Pattern: "POST /org/units/{id}", Perm: write, Handler: s.saveUnit},
	}
}
