package plan

import (
	"context"
	"slices"
	"strings"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
)

// UnitChoices are the units a task of a body may be assigned to, as the
// forms that choose them offer them: the body's current member units first,
// in the roster's order, then the other units of its region by name.
type UnitChoices struct {
	Members []UnitRef `json:"members"`
	Others  []UnitRef `json:"others"`
}

// All returns the members and the others in one list.
func (c *UnitChoices) All() []UnitRef { return slices.Concat(c.Members, c.Others) }

// AssignableUnits lists the units a task of body bodyID may be assigned to
// (the same set AddItem, UpdateItem and AssignCascade accept). Any user who
// may see the body may list them; a body outside the scope is not found.
func (s *Service) AssignableUnits(ctx context.Context, bodyID int64) (*UnitChoices, error) {
	var out *UnitChoices
	err := s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if !a.CanSee(bodyID) {
			return denied("机构", "body", bodyID, "plan.units")
		}
		day := today(s.Clock.Now())
		units, err := assignable(ctx, q, bodyID, day)
		if err != nil {
			return err
		}
		members, err := org.FindMemberUnitsOn(ctx, q, bodyID, day)
		if err != nil {
			return err
		}
		out = &UnitChoices{Members: []UnitRef{}, Others: []UnitRef{}}
		for _, m := range members {
			if name, ok := units[m.UnitID]; ok {
				out.Members = append(out.Members, UnitRef{ID: m.UnitID, Name: name})
				delete(units, m.UnitID)
			}
		}
		for id, name := range units {
			out.Others = append(out.Others, UnitRef{ID: id, Name: name})
		}
		slices.SortFunc(out.Others, func(x, y UnitRef) int {
			if c := strings.Compare(x.Name, y.Name); c != 0 {
				return c
			}
			return int(x.ID - y.ID)
		})
		return nil
	})
	return out, err
}
