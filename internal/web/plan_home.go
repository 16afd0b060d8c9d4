package web

import (
	"context"

	"liandong/internal/core"
	"liandong/internal/org"
)

// unassignedInbound counts, for the work bench of an office, the tasks
// handed down to each of its bodies from the body above that it has not
// yet assigned to its units.
func (s *Server) unassignedInbound(ctx context.Context, bodies []org.Overview) (map[int64]int, error) {
	out := map[int64]int{}
	a := core.ActorFrom(ctx)
	if a == nil || a.Role != core.RoleOffice {
		return out, nil
	}
	for _, o := range bodies {
		if o.Body.ParentID == 0 {
			continue
		}
		list, err := s.Plan.Inbound(ctx, o.Body.ID)
		if err != nil {
			return nil, err
		}
		for _, in := range list {
			if in.Cascade.Status != "assigned" {
				out[o.Body.ID]++
			}
		}
	}
	return out, nil
}
