package auth

import (
	"context"
	"fmt"

	"liandong/internal/db"
)

// Choice is a unit or body offered in an account form.
type Choice struct {
	ID   int64
	Name string
}

// UnitChoices lists the units an account can belong to, by name.
func UnitChoices(ctx context.Context, q db.Querier) ([]Choice, error) {
	return choices(ctx, q, `SELECT u.id, u.name || CASE WHEN r.name IS NULL THEN '' ELSE '（' || r.name || '）' END
		FROM units u LEFT JOIN regions r ON r.id = u.region_id ORDER BY r.code, u.name, u.id`)
}

// BodyChoices lists the bodies (leading groups, joint conferences) an
// account can act in.
func BodyChoices(ctx context.Context, q db.Querier) ([]Choice, error) {
	return choices(ctx, q, `SELECT b.id, b.name FROM bodies b LEFT JOIN regions r ON r.id = b.region_id
		ORDER BY r.code, b.kind, b.id`)
}

func choices(ctx context.Context, q db.Querier, query string) ([]Choice, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("auth: choices: %w", err)
	}
	defer rows.Close()
	var cs []Choice
	for rows.Next() {
		var c Choice
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// ChoiceNames maps ids to names, for showing a user's unit and bodies.
func ChoiceNames(cs []Choice) map[int64]string {
	m := make(map[int64]string, len(cs))
	for _, c := range cs {
		m[c.ID] = c.Name
	}
	return m
}
