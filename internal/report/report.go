// Package report holds progress reports (进展报告): a unit's report on an
// assigned task for one period of its plan's cadence, its review by the
// office or the task's lead unit, its revisions, the lead unit's
// consolidated report, and the roll-up of reported figures against the
// task's targets and the plan's goals.
//
// This file holds the types and their validation; period.go the periods of
// a cadence; store.go the SQL; service.go the use cases with their scope
// and workflow rules; rollup.go the sums and the office's overview.
package report

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/core"
)

// Field limits.
const (
	MaxTextLen     = 20000
	MaxReasonLen   = 1000
	MaxCaptionLen  = 200
	MaxPhotos      = 20
	MaxAttachments = 10
)

// Kind says whose report it is.
type Kind string

// Kinds of reports.
const (
	UnitReport   Kind = "unit"         // a lead or responsible unit's own report
	Consolidated Kind = "consolidated" // the lead unit's report on the whole task
)

// Label is the Chinese name of k.
func (k Kind) Label() string {
	if k == Consolidated {
		return "牵头单位汇总报告"
	}
	return "单位报告"
}

// State is where a report is in its review (SECURITY.md B5).
type State string

// Report states: a draft is edited and saved as often as needed; a
// submitted report is locked until its reviewer accepts it or returns it
// with a reason; a returned report is edited again and resubmitted; an
// accepted report is final.
const (
	Draft     State = "draft"
	Submitted State = "submitted"
	Returned  State = "returned"
	Accepted  State = "accepted"
)

var stateNames = map[State]string{Draft: "草稿", Submitted: "已报", Returned: "退回", Accepted: "已采纳"}

// Label is the Chinese name of s; "未报" for a report not started.
func (s State) Label() string {
	if s == "" {
		return "未报"
	}
	return stateNames[s]
}

// Editable reports whether a report in state s may be changed by its unit.
func (s State) Editable() bool { return s == Draft || s == Returned }

// Progress is what the unit says about the work.
type Progress string

// Progress values.
const (
	NotStarted Progress = "not_started"
	OnTrack    Progress = "on_track"
	AtRisk     Progress = "at_risk"
	Done       Progress = "done"
)

// Progresses lists the values in display order.
var Progresses = []Progress{NotStarted, OnTrack, AtRisk, Done}

var progressNames = map[Progress]string{NotStarted: "未开始", OnTrack: "按计划推进", AtRisk: "进度滞后", Done: "已完成"}

// Valid reports whether p is a known value.
func (p Progress) Valid() bool { _, ok := progressNames[p]; return ok }

// Label is the Chinese name of p.
func (p Progress) Label() string { return progressNames[p] }

// Key names one report: a unit's (or the lead unit's consolidated) report
// on a task in a body for a period.
type Key struct {
	BodyID int64  `json:"body_id"`
	ItemID int64  `json:"item_id"`
	UnitID int64  `json:"unit_id"`
	Period string `json:"period"`
	Kind   Kind   `json:"kind"`
}

// Report is one progress report with its figures and files.
type Report struct {
	ID           int64    `json:"id"`
	BodyID       int64    `json:"body_id"`
	BodyName     string   `json:"body_name"`
	ItemID       int64    `json:"item_id"`
	ItemTitle    string   `json:"item_title"`
	ItemPath     string   `json:"item_path"`
	PlanID       int64    `json:"plan_id"`
	PlanTitle    string   `json:"plan_title"`
	UnitID       int64    `json:"unit_id"`
	UnitName     string   `json:"unit_name"`
	Period       string   `json:"period"`
	PeriodLabel  string   `json:"period_label"`
	Due          string   `json:"due"`
	Kind         Kind     `json:"kind"`
	State        State    `json:"state"`
	Progress     Progress `json:"progress"`
	Narrative    string   `json:"narrative"`
	Problems     string   `json:"problems"`
	ReturnReason string   `json:"return_reason"`
	Version      int64    `json:"version"`
	Revision     int64    `json:"revision"` // submissions so far
	SubmittedBy  int64    `json:"submitted_by,omitempty"`
	SubmittedAt  int64    `json:"submitted_at,omitempty"`
	ReviewedAt   int64    `json:"reviewed_at,omitempty"`
	UpdatedAt    int64    `json:"updated_at"`
	Figures      []Figure `json:"figures"`
	Photos       []Attach `json:"photos"`
	Attachments  []Attach `json:"attachments"`

	submitVersion int64
}

// Figure is the report's value against one target of the task.
type Figure struct {
	Seq    int64    `json:"seq"`    // the target's position in the task (plan_targets.seq)
	Target string   `json:"target"` // the target as written
	Goal   float64  `json:"goal"`   // the target's value
	Unit   string   `json:"unit"`   // the target's unit (人, 场次)
	Value  *float64 `json:"value"`  // nil when not reported
	Note   string   `json:"note"`
}

// ValueText renders the value for a page; "" when not reported.
func (f Figure) ValueText() string {
	if f.Value == nil {
		return ""
	}
	return Num(*f.Value)
}

// Num renders a figure without a needless fraction.
func Num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Attach is a file held by a report: a photo with its caption, or an
// attachment.
type Attach struct {
	FileID   int64  `json:"file_id"`
	Name     string `json:"name"`
	Caption  string `json:"caption"`
	Size     int64  `json:"size"`
	HasThumb bool   `json:"has_thumb"`
}

// DraftInput is what the unit writes: every editable field of a report, saved
// as a whole. Version is the report version the edit started from.
type DraftInput struct {
	Version     int64         `json:"version"`
	Progress    Progress      `json:"progress"`
	Narrative   string        `json:"narrative"`
	Problems    string        `json:"problems"`
	Figures     []FigureInput `json:"figures"`
	Photos      []FileInput   `json:"photos"`
	Attachments []FileInput   `json:"attachments"`
}

// FigureInput is a figure as typed.
type FigureInput struct {
	Seq   int64    `json:"seq"`
	Value *float64 `json:"value"`
	Note  string   `json:"note"`
}

// FileInput names a file the user uploaded, with its caption (photos).
type FileInput struct {
	FileID  int64  `json:"file_id"`
	Caption string `json:"caption"`
}

// Validate checks a draft against the task's number of targets, trimming
// text in place. A draft may be incomplete; what a submission needs in
// addition is checked by validateSubmit.
func (in *DraftInput) Validate(targets int) error {
	var es core.Errors
	if in.Progress == "" {
		in.Progress = NotStarted
	}
	if !in.Progress.Valid() {
		es.Add("progress", "请选择进展状态")
	}
	in.Narrative = strings.TrimSpace(in.Narrative)
	in.Problems = strings.TrimSpace(in.Problems)
	text(&es, "narrative", "工作进展", in.Narrative, MaxTextLen)
	text(&es, "problems", "问题与需求", in.Problems, MaxTextLen)
	seen := map[int64]bool{}
	for i := range in.Figures {
		f := &in.Figures[i]
		field := "figure_" + strconv.FormatInt(f.Seq, 10)
		f.Note = strings.TrimSpace(f.Note)
		switch {
		case f.Seq < 1 || f.Seq > int64(targets) || seen[f.Seq]:
			es.Add(field, "该任务没有这项指标")
		case f.Value != nil && (math.IsNaN(*f.Value) || math.IsInf(*f.Value, 0) || *f.Value < 0 || *f.Value > 1e12):
			es.Add(field, "完成数应为不小于0的数字")
		}
		seen[f.Seq] = true
		text(&es, field+"_note", "指标说明", f.Note, MaxCaptionLen)
	}
	if len(in.Photos) > MaxPhotos {
		es.Add("photos", "照片不能超过"+strconv.Itoa(MaxPhotos)+"张")
	}
	if len(in.Attachments) > MaxAttachments {
		es.Add("attachments", "附件不能超过"+strconv.Itoa(MaxAttachments)+"个")
	}
	ids := map[int64]bool{}
	for i := range in.Photos {
		p := &in.Photos[i]
		p.Caption = strings.TrimSpace(p.Caption)
		field := "caption_" + strconv.FormatInt(p.FileID, 10)
		text(&es, field, "照片说明", p.Caption, MaxCaptionLen)
		if ids[p.FileID] || p.FileID <= 0 {
			es.Add("photos", "照片重复或不存在")
		}
		ids[p.FileID] = true
	}
	for _, f := range in.Attachments {
		if ids[f.FileID] || f.FileID <= 0 {
			es.Add("attachments", "附件重复或不存在")
		}
		ids[f.FileID] = true
	}
	return es.Err()
}

// validateSubmit checks what a submitted report must have: a narrative,
// and a caption for every photo.
func validateSubmit(in *DraftInput) error {
	var es core.Errors
	if in.Narrative == "" {
		es.Add("narrative", "提交前请填写工作进展")
	}
	for _, p := range in.Photos {
		if p.Caption == "" {
			es.Add("caption_"+strconv.FormatInt(p.FileID, 10), "请为每张照片填写说明")
		}
	}
	return es.Err()
}

func text(es *core.Errors, field, label, v string, max int) {
	switch {
	case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
		es.Add(field, label+"含有无效字符")
	case utf8.RuneCountInString(v) > max:
		es.Add(field, label+"不能超过"+strconv.Itoa(max)+"个字")
	}
}

// Input returns the report's fields as a draft input, for a form to start
// from and for the snapshot of a revision.
func (r *Report) Input() DraftInput {
	in := DraftInput{Version: r.Version, Progress: r.Progress, Narrative: r.Narrative, Problems: r.Problems,
		Figures: []FigureInput{}, Photos: []FileInput{}, Attachments: []FileInput{}}
	for _, f := range r.Figures {
		if f.Value != nil || f.Note != "" {
			in.Figures = append(in.Figures, FigureInput{Seq: f.Seq, Value: f.Value, Note: f.Note})
		}
	}
	for _, p := range r.Photos {
		in.Photos = append(in.Photos, FileInput{FileID: p.FileID, Caption: p.Caption})
	}
	for _, a := range r.Attachments {
		in.Attachments = append(in.Attachments, FileInput{FileID: a.FileID})
	}
	return in
}

// Revision is a stored snapshot of a report: one per submission, and one
// per draft save that lost to another save (kind "conflict").
type Revision struct {
	ID        int64      `json:"id"`
	ReportID  int64      `json:"report_id"`
	Kind      string     `json:"kind"` // submitted | conflict
	Revision  int64      `json:"revision"`
	UserName  string     `json:"user_name"`
	CreatedAt int64      `json:"created_at"`
	Input     DraftInput `json:"snapshot"`

	userID int64
}

// Time is when the revision was made.
func (v *Revision) Time() time.Time { return time.Unix(v.CreatedAt, 0).UTC() }

// Label names the revision for a list.
func (v *Revision) Label() string {
	if v.Kind == "conflict" {
		return "冲突稿（未保存成功的编辑）"
	}
	return "第" + strconv.FormatInt(v.Revision, 10) + "次提交"
}

// WithVersion returns in as a save from version v: how a conflict copy is
// taken back into the current report.
func (in DraftInput) WithVersion(v int64) DraftInput {
	in.Version = v
	return in
}
