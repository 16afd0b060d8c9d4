// Package orgtest builds a small, realistic registry for tests: Liuzhou
// city's leading group as its 2020 membership notice lists it (leader,
// two deputies, four members, the office in the 科协's 科普部 and its
// director), five member units with liaisons and duties, and two county
// groups under it. Liaison names and phone numbers are invented.
package orgtest

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/org"
	"liandong/internal/region"
)

// Dates of the fixture: the units joined when the group was set up; the
// seats are those of the 2020 adjustment notice.
const (
	Founded    = "2016-06-01"
	SeatsSince = "2020-08-06"
)

// World is the fixture.
type World struct {
	Guangxi, Liuzhou, Liucheng, Luzhai region.Region

	Kexie, Edu, Keji, Finance, Organization, Government *org.Unit // city units
	LiuchengKexie, LiuchengEdu, LuzhaiKexie             *org.Unit // county units

	City, LiuchengBody, LuzhaiBody *org.Body

	Leader, DeputyGov, DeputyKexie                    *org.Member
	MemberOrganization, MemberFinance, MemberEdu      *org.Member
	MemberKeji, Director, LiuchengLeader              *org.Member
	LiaisonKexie, LiaisonEdu, LiaisonFinance          *org.Liaison
	LiaisonKeji, LiaisonOrganization, LiuchengLiaison *org.Liaison
}

// Build writes the fixture into d in one transaction, through the store
// functions (no actor: this is installation-time data).
func Build(ctx context.Context, d *db.DB, now time.Time) (*World, error) {
	w := &World{}
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		return w.build(ctx, tx, now)
	})
	return w, err
}

func (w *World) build(ctx context.Context, q db.Querier, now time.Time) error {
	regions := []struct {
		r      *region.Region
		code   string
		name   string
		level  region.Level
		parent *region.Region
	}{
		{&w.Guangxi, "450000", "广西壮族自治区", region.Province, nil},
		{&w.Liuzhou, "450200", "柳州市", region.City, &w.Guangxi},
		{&w.Liucheng, "450222", "柳城县", region.County, &w.Liuzhou},
		{&w.Luzhai, "450223", "鹿寨县", region.County, &w.Liuzhou},
	}
	for _, x := range regions {
		*x.r = region.Region{Code: x.code, Name: x.name, Level: x.level}
		if x.parent != nil {
			x.r.ParentID = x.parent.ID
		}
		if err := region.Create(ctx, q, x.r); err != nil {
			return fmt.Errorf("region %s: %w", x.name, err)
		}
	}
	var err error
	unit := func(dst **org.Unit, r region.Region, name, short string, kind org.UnitKind, aliases ...string) {
		if err == nil {
			*dst, err = org.InsertUnit(ctx, q, now, org.UnitInput{RegionID: r.ID, Name: name, ShortName: short, Kind: kind, Aliases: aliases})
		}
	}
	unit(&w.Kexie, w.Liuzhou, "柳州市科学技术协会", "市科协", org.UnitPeopleOrg, "柳州市科协")
	unit(&w.Edu, w.Liuzhou, "柳州市教育局", "市教育局", org.UnitGovernment)
	unit(&w.Keji, w.Liuzhou, "柳州市科学技术局", "市科技局", org.UnitGovernment, "柳州市科技局")
	unit(&w.Finance, w.Liuzhou, "柳州市财政局", "市财政局", org.UnitGovernment)
	unit(&w.Organization, w.Liuzhou, "中共柳州市委组织部", "市委组织部", org.UnitParty)
	unit(&w.Government, w.Liuzhou, "柳州市人民政府", "市人民政府", org.UnitGovernment)
	unit(&w.LiuchengKexie, w.Liucheng, "柳城县科学技术协会", "县科协", org.UnitPeopleOrg)
	unit(&w.LiuchengEdu, w.Liucheng, "柳城县教育局", "县教育局", org.UnitGovernment)
	unit(&w.LuzhaiKexie, w.Luzhai, "鹿寨县科学技术协会", "县科协", org.UnitPeopleOrg)
	if err != nil {
		return err
	}
	body := func(dst **org.Body, in org.BodyInput) {
		if err == nil {
			*dst, err = org.InsertBody(ctx, q, now, in)
		}
	}
	body(&w.City, org.BodyInput{Kind: org.LeadingGroup, Name: "柳州市全民科学素质工作领导小组", RegionID: w.Liuzhou.ID,
		OfficeUnitID: w.Kexie.ID, OfficeDept: "科普部", DocPrefix: "柳全科组办发"})
	if err != nil {
		return err
	}
	body(&w.LiuchengBody, org.BodyInput{Kind: org.LeadingGroup, Name: "柳城县全民科学素质工作领导小组", RegionID: w.Liucheng.ID,
		ParentID: w.City.ID, OfficeUnitID: w.LiuchengKexie.ID, OfficeDept: "办公室"})
	body(&w.LuzhaiBody, org.BodyInput{Kind: org.LeadingGroup, Name: "鹿寨县全民科学素质工作领导小组", RegionID: w.Luzhai.ID,
		ParentID: w.City.ID, OfficeUnitID: w.LuzhaiKexie.ID})
	if err != nil {
		return err
	}
	join := func(b *org.Body, u *org.Unit) {
		if err == nil {
			_, err = org.InsertMemberUnit(ctx, q, b.ID, org.MemberUnitInput{UnitID: u.ID, JoinedOn: Founded})
		}
	}
	for _, u := range []*org.Unit{w.Kexie, w.Organization, w.Finance, w.Edu, w.Keji} {
		join(w.City, u)
	}
	join(w.LiuchengBody, w.LiuchengKexie)
	join(w.LiuchengBody, w.LiuchengEdu)
	join(w.LuzhaiBody, w.LuzhaiKexie)
	if err != nil {
		return err
	}
	seat := func(dst **org.Member, b *org.Body, role org.SeatRole, name, position string, u *org.Unit) {
		if err == nil {
			*dst, err = org.InsertMember(ctx, q, b.ID, org.MemberInput{Role: role, PersonName: name, Position: position,
				UnitID: u.ID, TermStart: SeatsSince})
		}
	}
	seat(&w.Leader, w.City, org.SeatLeader, "侯刚", "市委常委、副市长", w.Government)
	seat(&w.DeputyGov, w.City, org.SeatDeputy, "王颖", "市人民政府副秘书长", w.Government)
	seat(&w.DeputyKexie, w.City, org.SeatDeputy, "郑晓鸿", "市科协党组书记、主席", w.Kexie)
	seat(&w.MemberOrganization, w.City, org.SeatMember, "宋军", "市委组织部副部长", w.Organization)
	seat(&w.MemberFinance, w.City, org.SeatMember, "徐进辉", "市财政局副局长", w.Finance)
	seat(&w.MemberKeji, w.City, org.SeatMember, "靳磊", "市科技局副局长", w.Keji)
	seat(&w.MemberEdu, w.City, org.SeatMember, "程卓", "市教育局调研员", w.Edu)
	seat(&w.Director, w.City, org.SeatOfficeDirector, "任俊峰", "市科协副主席", w.Kexie)
	seat(&w.LiuchengLeader, w.LiuchengBody, org.SeatLeader, "赵县长", "县人民政府副县长", w.LiuchengKexie)
	if err != nil {
		return err
	}
	liaison := func(dst **org.Liaison, b *org.Body, u *org.Unit, name, post, phone, email string) {
		if err == nil {
			*dst, err = org.InsertLiaison(ctx, q, now, b.ID, org.LiaisonInput{UnitID: u.ID, Name: name, Post: post, Phone: phone, Email: email})
		}
	}
	liaison(&w.LiaisonKexie, w.City, w.Kexie, "李明", "科普部部长", "13800008000", "liming@example.cn")
	liaison(&w.LiaisonEdu, w.City, w.Edu, "张华", "基础教育科科长", "13900001111", "zhanghua@example.cn")
	liaison(&w.LiaisonFinance, w.City, w.Finance, "王芳", "教科文科科员", "0772-2600001", "wangfang@example.cn")
	liaison(&w.LiaisonKeji, w.City, w.Keji, "刘强", "政策法规科科长", "13700002222", "")
	liaison(&w.LiaisonOrganization, w.City, w.Organization, "陈静", "干部教育科科员", "13600003333", "")
	liaison(&w.LiuchengLiaison, w.LiuchengBody, w.LiuchengEdu, "黄磊", "办公室主任", "13500004444", "")
	if err != nil {
		return err
	}
	duty := func(b *org.Body, scope org.DutyScope, u *org.Unit, text string) {
		if err == nil {
			in := org.DutyInput{Scope: scope, Text: text}
			if u != nil {
				in.UnitID = u.ID
			}
			_, err = org.InsertDuty(ctx, q, b.ID, in)
		}
	}
	duty(w.City, org.DutyCommon, nil, "制定本单位年度科学素质工作计划并组织实施。")
	duty(w.City, org.DutyCommon, nil, "按时报送本单位工作进展和年度总结。")
	duty(w.City, org.DutyOffice, nil, "承担领导小组日常工作。")
	duty(w.City, org.DutyUnit, w.Edu, "牵头青少年科学素质提升工作。")
	duty(w.City, org.DutyUnit, w.Edu, "加强科学教师队伍建设。")
	return err
}

// Actor stores a user with role, unit and bodies (without a usable
// password) and builds its actor the way a request does (auth.ActorFor),
// so office staff get their subordinate bodies in scope.
func Actor(t testing.TB, d *db.DB, role core.Role, unitID int64, bodies ...*org.Body) *core.Actor {
	t.Helper()
	ctx := context.Background()
	u := &auth.User{Username: fmt.Sprintf("%s-%d", role, actorSeq.Add(1)), Role: role, UnitID: unitID}
	u.DisplayName = u.Username
	for _, b := range bodies {
		u.BodyIDs = append(u.BodyIDs, b.ID)
	}
	err := d.InTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, role, unit_id, password_hash,
			password_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, 0, 0) RETURNING id`,
			u.Username, u.DisplayName, string(role), nullID(unitID), "!").Scan(&u.ID); err != nil {
			return err
		}
		for _, b := range u.BodyIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_bodies (user_id, body_id) VALUES ($1, $2)`, u.ID, b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.ActorFor(ctx, d.R(), u)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var actorSeq atomic.Int64

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// As returns ctx acting as a.
func As(ctx context.Context, a *core.Actor) context.Context { return core.WithActor(ctx, a) }
