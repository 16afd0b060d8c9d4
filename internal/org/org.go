// Package org is the organisation registry: bodies (a region's leading
// group or joint conference), units, the units' memberships of bodies, the
// seats people hold (组长, 副组长, 成员, 办公室主任), liaisons and numbered
// duties. This file holds the types, their validation and the pure rules;
// store.go the SQL; service.go the use cases, which check the actor's scope
// and audit every change in the same transaction.
package org

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"liandong/internal/core"
)

// Field limits. Names of bodies, units and people, positions and
// departments are one line; duty texts are paragraphs.
const (
	MaxNameLen    = 100
	MaxTextLen    = 2000
	MaxPrefixLen  = 50
	MaxPhoneLen   = 50
	MaxEmailLen   = 100
	MaxAliases    = 20
	MaxSortOrder  = 1_000_000
	minDateYear   = 1949
	maxDateYear   = 2100
	staleMessage  = "已被他人修改，请刷新页面查看最新内容后再修改"
	unitNotMember = "该单位不是本机构的现任成员单位"
)

// BodyKind tells a leading group from a joint conference.
type BodyKind string

// Body kinds (DOMAIN.md).
const (
	LeadingGroup    BodyKind = "leading_group"    // 全民科学素质工作领导小组
	JointConference BodyKind = "joint_conference" // 科普工作联席会议, convened by the science bureau
)

// BodyKinds lists the kinds in display order.
var BodyKinds = []BodyKind{LeadingGroup, JointConference}

var bodyKindNames = map[BodyKind]string{LeadingGroup: "全民科学素质工作领导小组", JointConference: "科普工作联席会议"}

// Valid reports whether k is a known kind.
func (k BodyKind) Valid() bool { _, ok := bodyKindNames[k]; return ok }

// Label is the Chinese name of k.
func (k BodyKind) Label() string { return bodyKindNames[k] }

// Body is a leading group or joint conference of one region. Its office is
// hosted in a unit (often the 科协's 科普部, or the 科技局).
type Body struct {
	ID             int64     `json:"id"`
	Kind           BodyKind  `json:"kind"`
	Name           string    `json:"name"`
	RegionID       int64     `json:"region_id"`
	RegionName     string    `json:"region_name"`
	OfficeUnitID   int64     `json:"office_unit_id,omitempty"`
	OfficeUnitName string    `json:"office_unit_name,omitempty"`
	OfficeDept     string    `json:"office_dept"`
	DocPrefix      string    `json:"doc_prefix"`
	ParentID       int64     `json:"parent_id,omitempty"`
	ParentName     string    `json:"parent_name,omitempty"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Office describes where the office is set up: "市科协科普部".
func (b Body) Office() string { return b.OfficeUnitName + b.OfficeDept }

// BodyInput creates a body.
type BodyInput struct {
	Kind         BodyKind `json:"kind"`
	Name         string   `json:"name"`
	RegionID     int64    `json:"region_id"`
	ParentID     int64    `json:"parent_id"`
	OfficeUnitID int64    `json:"office_unit_id"`
	OfficeDept   string   `json:"office_dept"`
	DocPrefix    string   `json:"doc_prefix"`
}

// Validate trims and checks the fields of a new body.
func (in *BodyInput) Validate() error {
	var es core.Errors
	if !in.Kind.Valid() {
		es.Add("kind", "请选择机构类型：领导小组或联席会议")
	}
	in.Name = oneLine(&es, "name", "机构名称", in.Name, MaxNameLen, true)
	if in.RegionID <= 0 {
		es.Add("region_id", "请选择所属行政区划")
	}
	in.OfficeDept = oneLine(&es, "office_dept", "办公室所在处室", in.OfficeDept, MaxNameLen, false)
	in.DocPrefix = oneLine(&es, "doc_prefix", "发文字号前缀", in.DocPrefix, MaxPrefixLen, false)
	return es.Err()
}

// BodyUpdate changes what an office maintains about its body. Kind, region
// and parent are fixed: they decide who may see the body.
type BodyUpdate struct {
	Name         string `json:"name"`
	OfficeUnitID int64  `json:"office_unit_id"`
	OfficeDept   string `json:"office_dept"`
	DocPrefix    string `json:"doc_prefix"`
	Version      int64  `json:"version"`
}

// Validate trims and checks the fields.
func (in *BodyUpdate) Validate() error {
	var es core.Errors
	in.Name = oneLine(&es, "name", "机构名称", in.Name, MaxNameLen, true)
	in.OfficeDept = oneLine(&es, "office_dept", "办公室所在处室", in.OfficeDept, MaxNameLen, false)
	in.DocPrefix = oneLine(&es, "doc_prefix", "发文字号前缀", in.DocPrefix, MaxPrefixLen, false)
	return es.Err()
}

// UnitKind classifies units.
type UnitKind string

// Unit kinds, as the member lists of the seeds group them.
const (
	UnitParty           UnitKind = "party"            // 党委部门: 市委组织部, 市委宣传部
	UnitGovernment      UnitKind = "government"       // 政府部门: 市教育局, 市科技局
	UnitPeopleOrg       UnitKind = "people_org"       // 人民团体: 市总工会, 团市委, 市妇联, 市科协
	UnitInstitution     UnitKind = "institution"      // 事业单位: 市气象局, 市委党校
	UnitUniversity      UnitKind = "university"       // 高等院校
	UnitLowerGovernment UnitKind = "lower_government" // 下级政府: 各县（区）人民政府
	UnitOther           UnitKind = "other"
)

// UnitKinds lists the kinds in display order.
var UnitKinds = []UnitKind{UnitParty, UnitGovernment, UnitPeopleOrg, UnitInstitution, UnitUniversity, UnitLowerGovernment, UnitOther}

var unitKindNames = map[UnitKind]string{
	UnitParty: "党委部门", UnitGovernment: "政府部门", UnitPeopleOrg: "人民团体", UnitInstitution: "事业单位",
	UnitUniversity: "高等院校", UnitLowerGovernment: "下级政府", UnitOther: "其他",
}

// Valid reports whether k is a known kind.
func (k UnitKind) Valid() bool { _, ok := unitKindNames[k]; return ok }

// Label is the Chinese name of k.
func (k UnitKind) Label() string { return unitKindNames[k] }

// Unit is an agency, organisation or lower-level government.
type Unit struct {
	ID         int64     `json:"id"`
	RegionID   int64     `json:"region_id"`
	RegionName string    `json:"region_name"`
	Name       string    `json:"name"`
	ShortName  string    `json:"short_name"`
	Kind       UnitKind  `json:"kind"`
	Aliases    []string  `json:"aliases"`
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// DisplayName is the short name where there is one (市科协), else the name.
func (u *Unit) DisplayName() string {
	if u.ShortName != "" {
		return u.ShortName
	}
	return u.Name
}

// UnitInput creates or (with Version) updates a unit.
type UnitInput struct {
	RegionID  int64    `json:"region_id"`
	Name      string   `json:"name"`
	ShortName string   `json:"short_name"`
	Kind      UnitKind `json:"kind"`
	Aliases   []string `json:"aliases"`
	Version   int64    `json:"version,omitempty"`
}

// Validate trims and checks the fields, and drops empty and repeated aliases.
func (in *UnitInput) Validate() error {
	var es core.Errors
	if in.RegionID <= 0 {
		es.Add("region_id", "请选择单位所属行政区划")
	}
	in.Name = oneLine(&es, "name", "单位名称", in.Name, MaxNameLen, true)
	in.ShortName = oneLine(&es, "short_name", "单位简称", in.ShortName, MaxNameLen, false)
	if !in.Kind.Valid() {
		es.Add("kind", "请选择单位类别")
	}
	var aliases []string
	seen := map[string]bool{in.Name: true}
	for _, a := range in.Aliases {
		var one core.Errors
		a = oneLine(&one, "aliases", "单位别名", a, MaxNameLen, false)
		if len(one) > 0 {
			es = append(es, one...)
			break
		}
		if a != "" && !seen[a] {
			seen[a] = true
			aliases = append(aliases, a)
		}
	}
	if len(aliases) > MaxAliases {
		es.Add("aliases", "单位别名不能超过20个")
	}
	in.Aliases = aliases
	return es.Err()
}

// MemberUnit is a unit's membership of a body from JoinedOn until the day
// before LeftOn (empty while it lasts).
type MemberUnit struct {
	ID        int64  `json:"id"`
	BodyID    int64  `json:"body_id"`
	UnitID    int64  `json:"unit_id"`
	UnitName  string `json:"unit_name"`
	ShortName string `json:"unit_short_name"`
	JoinedOn  string `json:"joined_on"`
	LeftOn    string `json:"left_on,omitempty"`
	SortOrder int64  `json:"sort_order"`
}

// ActiveOn reports whether the membership holds on date d.
func (m *MemberUnit) ActiveOn(d string) bool { return activeOn(m.JoinedOn, m.LeftOn, d) }

// MemberUnitInput adds a unit to a body.
type MemberUnitInput struct {
	UnitID    int64  `json:"unit_id"`
	JoinedOn  string `json:"joined_on"`
	SortOrder int64  `json:"sort_order"`
}

// Validate checks the fields.
func (in *MemberUnitInput) Validate() error {
	var es core.Errors
	if in.UnitID <= 0 {
		es.Add("unit_id", "请选择成员单位")
	}
	in.JoinedOn = date(&es, "joined_on", "加入日期", in.JoinedOn, true)
	sortOrder(&es, in.SortOrder)
	return es.Err()
}

// SeatRole is the post a member holds in a body.
type SeatRole string

// Seat roles (DOMAIN.md: 组长 / 副组长 / 成员 / 办公室主任).
const (
	SeatLeader         SeatRole = "leader"
	SeatDeputy         SeatRole = "deputy_leader"
	SeatMember         SeatRole = "member"
	SeatOfficeDirector SeatRole = "office_director"
)

// SeatRoles lists the roles in the order a roster shows them.
var SeatRoles = []SeatRole{SeatLeader, SeatDeputy, SeatMember, SeatOfficeDirector}

// Valid reports whether r is a known role.
func (r SeatRole) Valid() bool {
	switch r {
	case SeatLeader, SeatDeputy, SeatMember, SeatOfficeDirector:
		return true
	}
	return false
}

// Single reports whether only one person holds r at a time.
func (r SeatRole) Single() bool { return r == SeatLeader || r == SeatOfficeDirector }

// rank orders roles on a roster.
func (r SeatRole) rank() int {
	switch r {
	case SeatLeader:
		return 0
	case SeatDeputy:
		return 1
	case SeatMember:
		return 2
	}
	return 3
}

// Label is the Chinese name of r in a body of kind k: a joint
// conference is headed by a 总召集人 with 召集人 under them.
func (r SeatRole) Label(k BodyKind) string {
	if k == JointConference {
		switch r {
		case SeatLeader:
			return "总召集人"
		case SeatDeputy:
			return "召集人"
		}
	}
	switch r {
	case SeatLeader:
		return "组长"
	case SeatDeputy:
		return "副组长"
	case SeatMember:
		return "成员"
	case SeatOfficeDirector:
		return "办公室主任"
	}
	return string(r)
}

// Member is one person's term in a seat, from TermStart until the day
// before TermEnd (empty while it lasts). Replacing the person ends this row
// and starts another whose ReplacesID points here, so history is kept.
type Member struct {
	ID           int64    `json:"id"`
	BodyID       int64    `json:"body_id"`
	Role         SeatRole `json:"role"`
	PersonName   string   `json:"person_name"`
	Position     string   `json:"position"`
	UnitID       int64    `json:"unit_id,omitempty"`
	UnitName     string   `json:"unit_name,omitempty"`
	TermStart    string   `json:"term_start"`
	TermEnd      string   `json:"term_end,omitempty"`
	ReplacesID   int64    `json:"replaces_id,omitempty"`
	ReplacedByID int64    `json:"replaced_by_id,omitempty"`
	SortOrder    int64    `json:"sort_order"`
	Version      int64    `json:"version"`
}

// ActiveOn reports whether the term covers date d.
func (m *Member) ActiveOn(d string) bool { return activeOn(m.TermStart, m.TermEnd, d) }

// MemberInput seats a person.
type MemberInput struct {
	Role       SeatRole `json:"role"`
	PersonName string   `json:"person_name"`
	Position   string   `json:"position"`
	UnitID     int64    `json:"unit_id"`
	TermStart  string   `json:"term_start"`
	SortOrder  int64    `json:"sort_order"`
}

// Validate trims and checks the fields.
func (in *MemberInput) Validate() error {
	var es core.Errors
	if !in.Role.Valid() {
		es.Add("role", "请选择职务：组长、副组长、成员或办公室主任")
	}
	in.PersonName = oneLine(&es, "person_name", "姓名", in.PersonName, MaxNameLen, true)
	in.Position = oneLine(&es, "position", "职务", in.Position, MaxNameLen, false)
	in.TermStart = date(&es, "term_start", "任职日期", in.TermStart, true)
	sortOrder(&es, in.SortOrder)
	return es.Err()
}

// Replacement puts a new person into a seat from OnDate: the current
// holder's term ends that day. Version is the seat row the user saw.
type Replacement struct {
	PersonName string `json:"person_name"`
	Position   string `json:"position"`
	UnitID     int64  `json:"unit_id"`
	OnDate     string `json:"on_date"`
	Version    int64  `json:"version"`
}

// Validate trims and checks the fields.
func (in *Replacement) Validate() error {
	var es core.Errors
	in.PersonName = oneLine(&es, "person_name", "新任人员姓名", in.PersonName, MaxNameLen, true)
	in.Position = oneLine(&es, "position", "职务", in.Position, MaxNameLen, false)
	in.OnDate = date(&es, "on_date", "调整日期", in.OnDate, true)
	return es.Err()
}

// MemberUpdate corrects a seat row (a misspelt name, a new position title)
// without making it a replacement.
type MemberUpdate struct {
	PersonName string `json:"person_name"`
	Position   string `json:"position"`
	UnitID     int64  `json:"unit_id"`
	SortOrder  int64  `json:"sort_order"`
	Version    int64  `json:"version"`
}

// Validate trims and checks the fields.
func (in *MemberUpdate) Validate() error {
	var es core.Errors
	in.PersonName = oneLine(&es, "person_name", "姓名", in.PersonName, MaxNameLen, true)
	in.Position = oneLine(&es, "position", "职务", in.Position, MaxNameLen, false)
	sortOrder(&es, in.SortOrder)
	return es.Err()
}

// Liaison is a member unit's contact person in a body (联络员).
type Liaison struct {
	ID        int64     `json:"id"`
	BodyID    int64     `json:"body_id"`
	UnitID    int64     `json:"unit_id"`
	UnitName  string    `json:"unit_name"`
	Name      string    `json:"name"`
	Post      string    `json:"post"`
	Phone     string    `json:"phone"`
	Email     string    `json:"email"`
	Active    bool      `json:"active"`
	Masked    bool      `json:"masked"` // phone and e-mail are masked for this reader
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// LiaisonInput creates or (with Version) updates a liaison entry. A liaison
// editing their own unit's entry cannot change UnitID or Active.
type LiaisonInput struct {
	UnitID  int64  `json:"unit_id"`
	Name    string `json:"name"`
	Post    string `json:"post"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	Active  bool   `json:"active"`
	Version int64  `json:"version,omitempty"`
}

// Validate trims and checks the fields.
func (in *LiaisonInput) Validate() error {
	var es core.Errors
	if in.UnitID <= 0 {
		es.Add("unit_id", "请选择联络员所在成员单位")
	}
	in.Name = oneLine(&es, "name", "联络员姓名", in.Name, MaxNameLen, true)
	in.Post = oneLine(&es, "post", "联络员职务", in.Post, MaxNameLen, false)
	in.Phone = oneLine(&es, "phone", "联系电话", in.Phone, MaxPhoneLen, false)
	if in.Phone != "" && strings.ContainsFunc(in.Phone, func(r rune) bool {
		return !(r >= '0' && r <= '9' || strings.ContainsRune(" -+()、,，/转", r))
	}) {
		es.Add("phone", "联系电话只能包含数字、空格和 - + ( ) / 、 等分隔符")
	}
	in.Email = oneLine(&es, "email", "电子邮箱", in.Email, MaxEmailLen, false)
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			es.Add("email", "电子邮箱格式不正确，如 lzkxkpb@163.com")
		}
	}
	return es.Err()
}

// DutyScope says whose duty list a duty belongs to.
type DutyScope string

// Duty scopes (DOMAIN.md: 共同职责 / 具体职责).
const (
	DutyCommon  DutyScope = "common"  // 成员单位共同职责
	DutyOffice  DutyScope = "office"  // 办公室职责
	DutyLiaison DutyScope = "liaison" // 联络员职责
	DutyUnit    DutyScope = "unit"    // 成员单位具体职责
)

// DutyScopes lists the scopes in display order.
var DutyScopes = []DutyScope{DutyCommon, DutyOffice, DutyLiaison, DutyUnit}

var dutyScopeNames = map[DutyScope]string{DutyCommon: "成员单位共同职责", DutyOffice: "办公室职责",
	DutyLiaison: "联络员职责", DutyUnit: "成员单位具体职责"}

// Valid reports whether s is a known scope.
func (s DutyScope) Valid() bool { _, ok := dutyScopeNames[s]; return ok }

// Label is the Chinese name of s.
func (s DutyScope) Label() string { return dutyScopeNames[s] }

// Duty is one numbered item of a duty list.
type Duty struct {
	ID       int64     `json:"id"`
	BodyID   int64     `json:"body_id"`
	Scope    DutyScope `json:"scope"`
	UnitID   int64     `json:"unit_id,omitempty"`
	UnitName string    `json:"unit_name,omitempty"`
	Seq      int64     `json:"seq"`
	Text     string    `json:"text"`
	Version  int64     `json:"version"`
}

// DutyInput adds a duty at the end of its list.
type DutyInput struct {
	Scope  DutyScope `json:"scope"`
	UnitID int64     `json:"unit_id"`
	Text   string    `json:"text"`
}

// Validate trims and checks the fields: a unit is named exactly when the
// scope is a unit's specific duties.
func (in *DutyInput) Validate() error {
	var es core.Errors
	if !in.Scope.Valid() {
		es.Add("scope", "请选择职责类别")
	} else if in.Scope == DutyUnit && in.UnitID <= 0 {
		es.Add("unit_id", "成员单位具体职责须选择单位")
	} else if in.Scope != DutyUnit {
		in.UnitID = 0
	}
	in.Text = paragraph(&es, "text", "职责内容", in.Text, MaxTextLen)
	return es.Err()
}

// DutyUpdate changes a duty's text.
type DutyUpdate struct {
	Text    string `json:"text"`
	Version int64  `json:"version"`
}

// Validate trims and checks the text.
func (in *DutyUpdate) Validate() error {
	var es core.Errors
	in.Text = paragraph(&es, "text", "职责内容", in.Text, MaxTextLen)
	return es.Err()
}

// DutyList is one numbered list: the common duties, the office's, the
// liaisons', or one unit's.
type DutyList struct {
	Scope    DutyScope `json:"scope"`
	UnitID   int64     `json:"unit_id,omitempty"`
	UnitName string    `json:"unit_name,omitempty"`
	Duties   []Duty    `json:"duties"`
}

// Title names the list as a heading.
func (l DutyList) Title() string {
	if l.Scope == DutyUnit {
		return l.UnitName + "具体职责"
	}
	return l.Scope.Label()
}

// GroupDuties splits duties, already ordered by scope, unit and seq, into
// lists in display order.
func GroupDuties(ds []Duty) []DutyList {
	var out []DutyList
	for _, scope := range DutyScopes {
		for _, d := range ds {
			if d.Scope != scope {
				continue
			}
			if n := len(out); n == 0 || out[n-1].Scope != scope || out[n-1].UnitID != d.UnitID {
				out = append(out, DutyList{Scope: scope, UnitID: d.UnitID, UnitName: d.UnitName})
			}
			out[len(out)-1].Duties = append(out[len(out)-1].Duties, d)
		}
	}
	return out
}

// Roster is a body as it stood on one date: who held each seat, which
// units were members, where its office sat.
type Roster struct {
	Body            Body         `json:"body"`
	AsOf            string       `json:"as_of"`
	Leaders         []Member     `json:"leaders"`
	Deputies        []Member     `json:"deputies"`
	Members         []Member     `json:"members"`
	OfficeDirectors []Member     `json:"office_directors"`
	MemberUnits     []MemberUnit `json:"member_units"`
}

// Seats returns every seat of the roster in roster order.
func (r *Roster) Seats() []Member {
	var all []Member
	all = append(all, r.Leaders...)
	all = append(all, r.Deputies...)
	all = append(all, r.Members...)
	return append(all, r.OfficeDirectors...)
}

// BuildRoster sorts the seats active on asOf into the roster's groups,
// each in sort order.
func BuildRoster(b Body, asOf string, seats []Member, units []MemberUnit) Roster {
	r := Roster{Body: b, AsOf: asOf}
	for _, m := range seats {
		if !m.ActiveOn(asOf) {
			continue
		}
		switch m.Role {
		case SeatLeader:
			r.Leaders = append(r.Leaders, m)
		case SeatDeputy:
			r.Deputies = append(r.Deputies, m)
		case SeatMember:
			r.Members = append(r.Members, m)
		case SeatOfficeDirector:
			r.OfficeDirectors = append(r.OfficeDirectors, m)
		}
	}
	for _, u := range units {
		if u.ActiveOn(asOf) {
			r.MemberUnits = append(r.MemberUnits, u)
		}
	}
	return r
}

// Seat is one seat's succession: the people who held it, in order.
type Seat struct {
	Role    SeatRole `json:"role"`
	Holders []Member `json:"holders"`
}

// SeatHistory follows replaces_id links to group seat rows into seats.
// Rows are expected in id order; each chain starts at a row that replaces
// nobody. Seats come out in roster order, then by their first holder's
// sort order and start date.
func SeatHistory(rows []Member) []Seat {
	byID := map[int64]*Member{}
	next := map[int64]int64{}
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
		if rows[i].ReplacesID != 0 {
			next[rows[i].ReplacesID] = rows[i].ID
		}
	}
	var seats []Seat
	for i := range rows {
		head := rows[i]
		if head.ReplacesID != 0 && byID[head.ReplacesID] != nil {
			continue
		}
		s := Seat{Role: head.Role}
		for id, guard := head.ID, 0; id != 0 && guard <= len(rows); id, guard = next[id], guard+1 {
			m := *byID[id]
			m.ReplacedByID = next[id]
			s.Holders = append(s.Holders, m)
		}
		seats = append(seats, s)
	}
	sortSeats(seats)
	return seats
}

func sortSeats(seats []Seat) {
	less := func(a, b Seat) bool {
		if a.Role.rank() != b.Role.rank() {
			return a.Role.rank() < b.Role.rank()
		}
		fa, fb := a.Holders[0], b.Holders[0]
		if fa.SortOrder != fb.SortOrder {
			return fa.SortOrder < fb.SortOrder
		}
		if fa.TermStart != fb.TermStart {
			return fa.TermStart < fb.TermStart
		}
		return fa.ID < fb.ID
	}
	for i := 1; i < len(seats); i++ {
		for j := i; j > 0 && less(seats[j], seats[j-1]); j-- {
			seats[j], seats[j-1] = seats[j-1], seats[j]
		}
	}
}

// BodyNode is a body with the visible bodies under it.
type BodyNode struct {
	Body     Body       `json:"body"`
	Children []BodyNode `json:"children,omitempty"`
}

// BuildTree arranges bodies into trees: a body whose parent is not in the
// list is a root. Order within a level follows the input.
func BuildTree(bodies []Body) []BodyNode {
	in := map[int64]bool{}
	for _, b := range bodies {
		in[b.ID] = true
	}
	var build func(parent int64, depth int) []BodyNode
	build = func(parent int64, depth int) []BodyNode {
		var out []BodyNode
		if depth > 8 {
			return nil
		}
		for _, b := range bodies {
			root := parent == 0 && (b.ParentID == 0 || !in[b.ParentID])
			if root || (parent != 0 && b.ParentID == parent) {
				out = append(out, BodyNode{Body: b, Children: build(b.ID, depth+1)})
			}
		}
		return out
	}
	return build(0, 0)
}

// MaskPhone hides the middle of each number in a phone field the way
// bank and carrier notices do (13877246160 → 138****6160), so that a
// reader outside the person's unit can tell the entry is filled in without
// seeing the number (SECURITY.md H2).
func MaskPhone(s string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		switch n := len(run); {
		case n >= 11:
			b.WriteString(string(run[:3]) + "****" + string(run[n-4:]))
		case n >= 7:
			// A landline shows less: 3+4 digits would be all of it.
			b.WriteString(string(run[:2]) + "****" + string(run[n-2:]))
		case n >= 5:
			b.WriteString("****")
		default:
			// Country and area codes and extensions (+86, 0772, 转801)
			// identify nobody: keep them.
			b.WriteString(string(run))
		}
		run = run[:0]
	}
	for _, r := range s {
		if r >= '0' && r <= '9' {
			run = append(run, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}

// MaskEmail keeps the first character of the mailbox and the domain.
func MaskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		if s == "" {
			return ""
		}
		return "***"
	}
	first, _ := utf8.DecodeRuneInString(s)
	return string(first) + "***" + s[at:]
}

// PadName spaces out a two-character name with an ideographic space, as
// official rosters do so that names line up (侯刚 → 侯　刚).
func PadName(name string) string {
	if r := []rune(name); len(r) == 2 {
		return string(r[0]) + "\u3000" + string(r[1])
	}
	return name
}

// ValidDate reports whether s is a calendar date written YYYY-MM-DD.
func ValidDate(s string) bool {
	t, err := time.Parse(core.DateLayout, s)
	return err == nil && t.Format(core.DateLayout) == s && t.Year() >= minDateYear && t.Year() <= maxDateYear
}

// Today is the current date in China (Asia/Shanghai, no daylight saving),
// which is the calendar every date in the registry is written in.
func Today(c core.Clock) string { return c.Now().In(cst).Format(core.DateLayout) }

var cst = time.FixedZone("CST", 8*3600)

// activeOn: a period [start, end) covers d. An empty end is open.
func activeOn(start, end, d string) bool { return start <= d && (end == "" || d < end) }

// oneLine trims s and checks it is present if required, at most max
// characters, valid UTF-8 and free of control characters.
func oneLine(es *core.Errors, field, label, s string, max int, required bool) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		es.Add(field, "请填写"+label)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		es.Add(field, label+"含有不允许的字符")
	case utf8.RuneCountInString(s) > max:
		es.Add(field, label+"不能超过"+strconv.Itoa(max)+"个字符（当前"+strconv.Itoa(utf8.RuneCountInString(s))+"个）")
	}
	return s
}

// paragraph is oneLine for multi-line text: line breaks and tabs pass.
func paragraph(es *core.Errors, field, label, s string, max int) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	switch {
	case s == "":
		es.Add(field, "请填写"+label)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		es.Add(field, label+"含有不允许的字符")
	case utf8.RuneCountInString(s) > max:
		es.Add(field, label+"不能超过"+strconv.Itoa(max)+"个字符（当前"+strconv.Itoa(utf8.RuneCountInString(s))+"个）")
	}
	return s
}

func date(es *core.Errors, field, label, s string, required bool) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		es.Add(field, "请填写"+label)
	case s != "" && !ValidDate(s):
		es.Add(field, label+"格式应为YYYY-MM-DD，如 2020-08-06")
	}
	return s
}

func sortOrder(es *core.Errors, n int64) {
	if n < 0 || n > MaxSortOrder {
		es.Add("sort_order", "排序号应为0到1000000之间的整数")
	}
}
