package auth_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/testkit"
)

// An office reads its own body and every body below it, at any depth; a
// leader or liaison reads only the bodies it acts in.
func TestScopeFollowsTheBodyTree(t *testing.T) {
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ids := map[string]int64{}
		err := d.InTx(ctx, func(tx *sql.Tx) error {
			// province ← city ← two counties; a second city elsewhere.
			for _, r := range []struct{ key, code, level, parent string }{
				{"gx", "450000", "province", ""}, {"lz", "450200", "city", "gx"},
				{"lj", "450206", "county", "lz"}, {"lc", "450222", "county", "lz"}, {"gl", "450300", "city", "gx"},
			} {
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO regions (code, name, level, parent_id) VALUES ($1, $2, $3, $4) RETURNING id`,
					r.code, r.key, r.level, nullable(ids["r"+r.parent])).Scan(&id); err != nil {
					return err
				}
				ids["r"+r.key] = id
				if err := tx.QueryRowContext(ctx, `INSERT INTO bodies (kind, name, region_id, parent_id, created_at, updated_at)
					VALUES ('leading_group', $1, $2, $3, 0, 0) RETURNING id`, r.key+"领导小组", id, nullable(ids[r.parent])).Scan(&id); err != nil {
					return err
				}
				ids[r.key] = id
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s := &auth.Service{DB: d, Clock: core.SystemClock{}, Argon: auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}}
		for _, c := range []struct {
			role core.Role
			body string
			want []string
		}{
			{core.RoleOffice, "gx", []string{"gx", "lz", "lj", "lc", "gl"}},
			{core.RoleOffice, "lz", []string{"lz", "lj", "lc"}},
			{core.RoleOffice, "lj", []string{"lj"}},
			{core.RoleLeader, "lz", []string{"lz"}},
		} {
			u, err := s.CreateUser(ctx, auth.NewUser{Username: string(c.role) + "-" + c.body, DisplayName: "甲",
				Role: c.role, BodyIDs: []int64{ids[c.body]}, Password: "Xq7#pLm2vR9k"})
			if err != nil {
				t.Fatal(err)
			}
			a, err := auth.ActorFor(ctx, d.R(), u)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, k := range c.want {
				want = append(want, ids[k])
			}
			got := slices.Clone(a.ScopeIDs)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s of %s: scope %v, want %v (%v)", c.role, c.body, got, want, c.want)
			}
		}
	})
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
