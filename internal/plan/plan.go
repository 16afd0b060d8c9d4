// Package plan holds a body's plans (纲要, 实施方案, 年度工作要点, 攻坚方案,
// 工作计划) and their tasks: the tree of sections and tasks, the lead and
// responsible units of each task, quantitative targets, schedules, headline
// goals with measured values, tasks cascaded to the bodies one level down,
// and the versions of a published plan.
//
// This file holds the types, their validation and the pure rules; store.go
// the SQL; service*.go the use cases, which check the actor's scope and
// audit every change in the same transaction; importer.go turns a published
// document (through internal/plan/extract) into a plan.
package plan

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"liandong/internal/core"
	"liandong/internal/plan/extract"
)

// Field limits.
const (
	MaxTitleLen   = 300
	MaxTextLen    = 10000
	MaxShortLen   = 100
	MaxSourceLen  = 4 << 20
	MaxItems      = 5000
	MaxTargets    = 50
	MaxUnitsPer   = 200
	MinYear       = 1990
	MaxYear       = 2100
	staleMessage  = "已被他人修改，请刷新页面查看最新内容后再修改"
	draftOnlyText = "已发布的计划中的任务不能删除，只能办结或取消并说明原因"
)

// Kind is the kind of a plan.
type Kind string

// Plan kinds (DOMAIN.md).
const (
	Outline         Kind = "outline"          // 纲要
	Implementation  Kind = "implementation"   // 实施方案
	AnnualKeyPoints Kind = "annual_keypoints" // 年度工作要点
	Action          Kind = "action"           // 攻坚方案 / 行动方案
	UnitWorkPlan    Kind = "unit_work_plan"   // 成员单位年度工作计划
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{Outline, Implementation, AnnualKeyPoints, Action, UnitWorkPlan}

var kindNames = map[Kind]string{Outline: "纲要", Implementation: "实施方案", AnnualKeyPoints: "年度工作要点",
	Action: "攻坚方案", UnitWorkPlan: "单位工作计划"}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := kindNames[k]; return ok }

// Label is the Chinese name of k.
func (k Kind) Label() string { return kindNames[k] }

// Status is where a plan is in its life.
type Status string

// Plan statuses. A draft is edited freely and seen only by its office; a
// published plan is the body's working plan, seen by every member unit,
// and every change to it is versioned; an archived plan is read-only.
const (
	Draft     Status = "draft"
	Published Status = "published"
	Archived  Status = "archived"
)

var statusNames = map[Status]string{Draft: "草稿", Published: "已发布", Archived: "已归档"}

// Label is the Chinese name of s.
func (s Status) Label() string { return statusNames[s] }

// Cadence is how often the units report on a plan's tasks.
type Cadence string

// Cadences.
const (
	Monthly    Cadence = "monthly"
	Quarterly  Cadence = "quarterly"
	HalfYearly Cadence = "half_yearly"
	Yearly     Cadence = "yearly"
)

// Cadences lists the cadences in display order.
var Cadences = []Cadence{Monthly, Quarterly, HalfYearly, Yearly}

var cadenceNames = map[Cadence]string{Monthly: "每月", Quarterly: "每季度", HalfYearly: "每半年", Yearly: "每年"}

// Valid reports whether c is a known cadence.
func (c Cadence) Valid() bool { _, ok := cadenceNames[c]; return ok }

// Label is the Chinese name of c.
func (c Cadence) Label() string { return cadenceNames[c] }

// Plan is one plan of a body.
type Plan struct {
	ID         int64   `json:"id"`
	BodyID     int64   `json:"body_id"`
	BodyName   string  `json:"body_name"`
	Kind       Kind    `json:"kind"`
	Title      string  `json:"title"`
	DocNumber  string  `json:"doc_number"`
	YearFrom   int     `json:"year_from"`
	YearTo     int     `json:"year_to"`
	ParentID   int64   `json:"parent_id,omitempty"` // the higher plan this one implements
	UnitID     int64   `json:"unit_id,omitempty"`   // the member unit owning a unit work plan
	Status     Status  `json:"status"`
	Cadence    Cadence `json:"cadence"`
	SourceName string  `json:"source_name"`
	Revision   int64   `json:"revision"` // changes since publication
	Published  int64   `json:"published_at,omitempty"`
	Version    int64   `json:"version"`
	Created    int64   `json:"created_at"`
	Updated    int64   `json:"updated_at"`
	Tasks      int     `json:"tasks"` // number of task items
}

// Period renders the plan's years: "2021—2025年" or "2026年".
func (p *Plan) Period() string { return PeriodText(p.YearFrom, p.YearTo) }

// PeriodText renders a span of years.
func PeriodText(from, to int) string {
	if from == to {
		return strconv.Itoa(from) + "年"
	}
	return strconv.Itoa(from) + "—" + strconv.Itoa(to) + "年"
}

// PlanInput is what a user gives to create or edit a plan.
type PlanInput struct {
	BodyID    int64   `json:"body_id"`
	Kind      Kind    `json:"kind"`
	Title     string  `json:"title"`
	DocNumber string  `json:"doc_number"`
	YearFrom  int     `json:"year_from"`
	YearTo    int     `json:"year_to"`
	ParentID  int64   `json:"parent_id"`
	UnitID    int64   `json:"unit_id"`
	Cadence   Cadence `json:"cadence"`
	Version   int64   `json:"version"`
}

// Validate checks the fields of a plan, trimming text in place.
func (in *PlanInput) Validate() error {
	var es core.Errors
	in.Title = strings.TrimSpace(in.Title)
	in.DocNumber = strings.TrimSpace(in.DocNumber)
	if in.Cadence == "" {
		in.Cadence = Quarterly
	}
	if in.BodyID <= 0 {
		es.Add("body_id", "请选择所属机构")
	}
	if !in.Kind.Valid() {
		es.Add("kind", "请选择计划类型")
	}
	text(&es, "title", "计划名称", in.Title, MaxTitleLen, true)
	text(&es, "doc_number", "文号", in.DocNumber, MaxShortLen, false)
	switch {
	case in.YearFrom < MinYear || in.YearFrom > MaxYear:
		es.Add("year_from", "起始年份应在1990至2100之间")
	case in.YearTo < MinYear || in.YearTo > MaxYear:
		es.Add("year_to", "结束年份应在1990至2100之间")
	case in.YearTo < in.YearFrom:
		es.Add("year_to", "结束年份不能早于起始年份")
	}
	if (in.Kind == AnnualKeyPoints || in.Kind == UnitWorkPlan) && in.YearFrom != in.YearTo {
		es.Add("year_to", "年度计划的起止年份应为同一年")
	}
	if in.Kind == UnitWorkPlan && in.UnitID <= 0 {
		es.Add("unit_id", "请选择制定计划的成员单位")
	}
	if in.Kind != UnitWorkPlan && in.UnitID != 0 {
		es.Add("unit_id", "只有单位工作计划属于某个成员单位")
	}
	if !in.Cadence.Valid() {
		es.Add("cadence", "请选择报送周期")
	}
	return es.Err()
}

// ItemKind is the kind of a plan item.
type ItemKind string

// Item kinds: a section groups items; an action (行动) and a project (工程)
// are named sections of an outline; a task is a piece of work units carry.
const (
	Section     ItemKind = "section"
	ActionGroup ItemKind = "action"
	Project     ItemKind = "project"
	Task        ItemKind = "task"
)

var itemKindNames = map[ItemKind]string{Section: "部分", ActionGroup: "行动", Project: "工程", Task: "任务"}

// Valid reports whether k is a known item kind.
func (k ItemKind) Valid() bool { _, ok := itemKindNames[k]; return ok }

// Label is the Chinese name of k.
func (k ItemKind) Label() string { return itemKindNames[k] }

// ItemStatus is where a task is: open, closed (办结) or cancelled.
type ItemStatus string

// Item statuses.
const (
	Open      ItemStatus = "open"
	Closed    ItemStatus = "closed"
	Cancelled ItemStatus = "cancelled"
)

// ItemStatuses lists the statuses in display order.
var ItemStatuses = []ItemStatus{Open, Closed, Cancelled}

var itemStatusNames = map[ItemStatus]string{Open: "进行中", Closed: "已办结", Cancelled: "已取消"}

// Valid reports whether s is a known item status.
func (s ItemStatus) Valid() bool { _, ok := itemStatusNames[s]; return ok }

// Label is the Chinese name of s.
func (s ItemStatus) Label() string { return itemStatusNames[s] }

// Role is what a unit does for an item.
type Role string

// Roles of an assignment.
const (
	Lead        Role = "lead"        // 牵头单位
	Responsible Role = "responsible" // 责任单位 / 配合单位
)

// Label is the Chinese name of r.
func (r Role) Label() string {
	if r == Lead {
		return "牵头单位"
	}
	return "责任单位"
}

// Item is one node of a plan's tree.
type Item struct {
	ID           int64        `json:"id"`
	PlanID       int64        `json:"plan_id"`
	ParentID     int64        `json:"parent_id,omitempty"`
	Seq          int64        `json:"seq"`
	Kind         ItemKind     `json:"kind"`
	Marker       string       `json:"marker"`
	Path         string       `json:"path"`
	Title        string       `json:"title"`
	Content      string       `json:"content"`
	Schedule     string       `json:"schedule"`
	WindowFrom   string       `json:"window_from"`
	WindowTo     string       `json:"window_to"`
	Audience     string       `json:"audience"`
	SourceLine   int          `json:"source_line"`
	Status       ItemStatus   `json:"status"`
	StatusReason string       `json:"status_reason"`
	CarriedFrom  int64        `json:"carried_from_id,omitempty"`
	ServesItem   int64        `json:"serves_item_id,omitempty"`
	Version      int64        `json:"version"`
	Updated      int64        `json:"updated_at"`
	Assignments  []Assignment `json:"assignments"`
	Cascades     []Cascade    `json:"cascades"`
	Targets      []Target     `json:"targets"`
	Depth        int          `json:"depth"`
}

// Units returns the names of the units assigned to the item in role r
// within body (the plan's own body for the decomposition table).
func (it *Item) Units(body int64, r Role) []string {
	var out []string
	for _, a := range it.Assignments {
		if a.Role == r && a.BodyID == body {
			out = append(out, a.UnitName)
		}
	}
	return out
}

// CascadeText is how the item's cascade reads in a table ("各县〔市〕政府").
func (it *Item) CascadeText(r Role) string {
	for _, c := range it.Cascades {
		if c.Role == r {
			if c.WrittenAs != "" {
				return c.WrittenAs
			}
			return "下级机构"
		}
	}
	return ""
}

// Assignment is a unit carrying an item in one role.
type Assignment struct {
	ID        int64  `json:"id"`
	ItemID    int64  `json:"item_id"`
	BodyID    int64  `json:"body_id"`
	UnitID    int64  `json:"unit_id"`
	UnitName  string `json:"unit_name"`
	Role      Role   `json:"role"`
	WrittenAs string `json:"written_as"`
}

// Cascade is an item handed down to a subordinate body.
type Cascade struct {
	ID         int64  `json:"id"`
	ItemID     int64  `json:"item_id"`
	BodyID     int64  `json:"body_id"`
	BodyName   string `json:"body_name"`
	Role       Role   `json:"role"`
	WrittenAs  string `json:"written_as"`
	Status     string `json:"status"` // received | assigned
	AssignedAt int64  `json:"assigned_at,omitempty"`
}

// Target is a quantitative target of an item.
type Target struct {
	Text       string  `json:"text"`
	Metric     string  `json:"metric"`
	Comparator string  `json:"comparator"`
	Value      float64 `json:"value"`
	Unit       string  `json:"unit"`
	Period     string  `json:"period"`
}

// ParseTarget reads a target typed by hand ("每年培训100名科技辅导员"):
// the text as written, and the metric, comparator, value, unit and period
// the extractor reads in it (none when it reads no number).
func ParseTarget(line string) Target {
	t := Target{Text: strings.TrimSpace(line)}
	if found := extract.ParseTargets(t.Text); len(found) > 0 {
		f := found[0]
		t.Metric, t.Comparator, t.Value, t.Unit, t.Period = f.Metric, f.Comparator, f.Value, f.Unit, f.Period
	}
	return t
}

// Goal is a headline indicator of a plan with the values measured so far.
type Goal struct {
	ID         int64     `json:"id"`
	PlanID     int64     `json:"plan_id"`
	Text       string    `json:"text"`
	Metric     string    `json:"metric"`
	Comparator string    `json:"comparator"`
	Value      float64   `json:"value"`
	Unit       string    `json:"unit"`
	Year       int       `json:"year"`
	Measures   []Measure `json:"measures"`
}

// Measure is a goal's value measured in one region and year.
type Measure struct {
	ID         int64   `json:"id"`
	GoalID     int64   `json:"goal_id"`
	RegionID   int64   `json:"region_id"`
	RegionName string  `json:"region_name"`
	Year       int     `json:"year"`
	Value      float64 `json:"value"`
	Note       string  `json:"note"`
	Met        bool    `json:"met"` // the value meets the goal's target
}

// Meets reports whether v satisfies comparator cmp against target.
func Meets(v float64, cmp string, target float64) bool {
	switch cmp {
	case ">":
		return v > target
	case ">=":
		return v >= target
	case "<":
		return v < target
	case "<=":
		return v <= target
	default:
		return v == target
	}
}

// Phase is a stage of a plan's period with its milestone.
type Phase struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
	Milestone string `json:"milestone"`
}

// Change is one versioned change of a published plan.
type Change struct {
	ID       int64         `json:"id"`
	Revision int64         `json:"revision"`
	ItemID   int64         `json:"item_id,omitempty"`
	Action   string        `json:"action"`
	Summary  string        `json:"summary"`
	UserName string        `json:"user_name"`
	At       int64         `json:"changed_at"`
	Diff     []FieldChange `json:"diff"`

	before, after string // the stored JSON snapshots the diff is made from
}

// FieldChange is one field of a change shown as a diff.
type FieldChange struct {
	Field  string `json:"field"`
	Label  string `json:"label"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// text validates one text field.
func text(es *core.Errors, field, label, v string, max int, required bool) {
	switch {
	case required && v == "":
		es.Add(field, "请填写"+label)
	case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
		es.Add(field, label+"含有无效字符")
	case utf8.RuneCountInString(v) > max:
		es.Add(field, label+"不能超过"+strconv.Itoa(max)+"个字")
	}
}
