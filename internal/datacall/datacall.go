// Package datacall holds data calls (材料征集): the office asks named units
// or subordinate offices for documents, captioned photos and forms by a
// deadline; each addressee submits; the office follows a live board,
// accepts or returns each submission and downloads them all as one ZIP.
package datacall

import (
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/file"
	"liandong/internal/job"
	"liandong/internal/notify"
)

// Service is the data calls' domain service. Every method takes the actor
// from ctx and enforces its scope (see scope.go).
type Service struct {
	DB     *db.DB
	Clock  core.Clock
	Files  *file.Service
	Notify *notify.Service
	Jobs   *job.Queue
}

// Status is where a call is in its life: a draft is seen by its office
// only; an open call is in its addressees' inboxes and takes submissions;
// a closed one takes none.
type Status string

// The call statuses.
const (
	Draft  Status = "draft"
	Open   Status = "open"
	Closed Status = "closed"
)

// Label is the status in Chinese.
func (s Status) Label() string {
	return map[Status]string{Draft: "草稿", Open: "征集中", Closed: "已结束"}[s]
}

// ItemKind is what an item asks for.
type ItemKind string

// The item kinds.
const (
	Document ItemKind = "document" // one file: PDF, DOCX, XLSX …
	Photos   ItemKind = "photos"   // min..max photos, each with a caption
	Form     ItemKind = "form"     // typed fields
)

// Label is the kind in Chinese.
func (k ItemKind) Label() string {
	return map[ItemKind]string{Document: "文档", Photos: "图片", Form: "表单"}[k]
}

// FieldType is the type of a form field.
type FieldType string

// The form field types.
const (
	Text    FieldType = "text"
	Number  FieldType = "number"
	Integer FieldType = "integer"
	Date    FieldType = "date"
	Choice  FieldType = "choice"
)

// FieldTypeNames are the field types in Chinese, in display order.
var FieldTypeNames = []struct {
	Type FieldType
	Name string
}{{Text, "文字"}, {Number, "数字"}, {Integer, "整数"}, {Date, "日期"}, {Choice, "选项"}}

// Field is one field of a form item. Key is its stable name within the
// item ("f1", "f2" … when the office does not give one).
type Field struct {
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Options  []string  `json:"options,omitempty"`
}

// Item is one thing a call asks for.
type Item struct {
	ID              int64    `json:"id"`
	Seq             int      `json:"seq"`
	Kind            ItemKind `json:"kind"`
	Label           string   `json:"label"`
	Hint            string   `json:"hint,omitempty"`
	Required        bool     `json:"required"`
	MinCount        int      `json:"min_count,omitempty"`        // photos
	MaxCount        int      `json:"max_count,omitempty"`        // photos
	JPEGOnly        bool     `json:"jpeg_only,omitempty"`        // photos: the upload must be a JPEG
	CaptionRequired bool     `json:"caption_required,omitempty"` // photos
	Fields          []Field  `json:"fields,omitempty"`           // form
}

// Addressee is one unit or subordinate office that must submit.
type Addressee struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`    // "unit" or "office"
	BodyID int64  `json:"body_id"` // the call's body for a unit; the subordinate body for an office
	UnitID int64  `json:"unit_id,omitempty"`
	Name   string `json:"name"`
}

// Addressee kinds.
const (
	ToUnit   = "unit"
	ToOffice = "office"
)

// Call is a data call with its items and addressees.
type Call struct {
	ID           int64       `json:"id"`
	BodyID       int64       `json:"body_id"`
	BodyName     string      `json:"body_name"`
	Title        string      `json:"title"`
	NoticeNumber string      `json:"notice_number,omitempty"`
	NoticeTitle  string      `json:"notice_title,omitempty"`
	Instructions string      `json:"instructions,omitempty"`
	Deadline     time.Time   `json:"deadline"`
	LateAllowed  bool        `json:"late_allowed"`
	ContactName  string      `json:"contact_name,omitempty"`
	ContactPhone string      `json:"contact_phone,omitempty"`
	ContactEmail string      `json:"contact_email,omitempty"`
	Reminders    []string    `json:"reminders"`
	Status       Status      `json:"status"`
	OpenedAt     time.Time   `json:"opened_at,omitzero"`
	ClosedAt     time.Time   `json:"closed_at,omitzero"`
	Version      int64       `json:"version"`
	CreatedAt    time.Time   `json:"created_at"`
	Items        []Item      `json:"items"`
	Addressees   []Addressee `json:"addressees"`
}

// Overdue reports whether the deadline has passed at now.
func (c *Call) Overdue(now time.Time) bool { return now.After(c.Deadline) }

// DeadlineText is the deadline as shown: Beijing time, minutes.
func (c *Call) DeadlineText() string { return c.Deadline.In(cst).Format("2006-01-02 15:04") }

// Item returns the item with id, nil if none.
func (c *Call) Item(id int64) *Item {
	for i := range c.Items {
		if c.Items[i].ID == id {
			return &c.Items[i]
		}
	}
	return nil
}

// cst is Beijing time: deadlines are entered and shown in it.
var cst = notify.ChinaTime()

// CallInput is what the office enters for a call. The deadline is a date
// and an optional time (HH:MM, Beijing time); without a time it is the end
// of that day. Addressees: every current member unit (AllMembers) or the
// picked UnitIDs, plus every subordinate body's office (AllOffices) or the
// picked OfficeBodyIDs.
type CallInput struct {
	BodyID        int64   `json:"body_id"`
	Title         string  `json:"title"`
	NoticeNumber  string  `json:"notice_number"`
	NoticeTitle   string  `json:"notice_title"`
	Instructions  string  `json:"instructions"`
	DeadlineDate  string  `json:"deadline_date"`
	DeadlineTime  string  `json:"deadline_time"`
	LateAllowed   bool    `json:"late_allowed"`
	ContactName   string  `json:"contact_name"`
	ContactPhone  string  `json:"contact_phone"`
	ContactEmail  string  `json:"contact_email"`
	Reminders     string  `json:"reminders"` // "-3d, -1d, +1d"; empty takes the notification settings'
	Items         []Item  `json:"items"`
	AllMembers    bool    `json:"all_members"`
	UnitIDs       []int64 `json:"unit_ids"`
	AllOffices    bool    `json:"all_offices"`
	OfficeBodyIDs []int64 `json:"office_body_ids"`
	Version       int64   `json:"version"` // for an update: the version the user saw
}

// Limits of a call's content.
const (
	MaxItems     = 30
	MaxFields    = 40
	MaxPhotos    = 20
	maxLine      = 200
	maxParagraph = 5000
)

var (
	hhmm   = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
	keyRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)
	phones = regexp.MustCompile(`^[0-9+()\- 、,，/]{3,60}$`)
)

// validate checks in and returns the deadline and the reminder rules.
// Every fault is reported on its field, with the user's text kept by the
// caller.
func (in *CallInput) validate() (time.Time, []string, error) {
	var es core.Errors
	in.Title = line(&es, "title", "标题", in.Title, maxLine, true)
	in.NoticeNumber = line(&es, "notice_number", "通知文号", in.NoticeNumber, 60, false)
	in.NoticeTitle = line(&es, "notice_title", "通知标题", in.NoticeTitle, maxLine, false)
	in.Instructions = strings.TrimSpace(in.Instructions)
	if utf8.RuneCountInString(in.Instructions) > maxParagraph {
		es.Add("instructions", fmt.Sprintf("说明不能超过 %d 字", maxParagraph))
	}
	in.ContactName = line(&es, "contact_name", "联系人", in.ContactName, 40, false)
	in.ContactPhone = strings.TrimSpace(in.ContactPhone)
	if in.ContactPhone != "" && !phones.MatchString(in.ContactPhone) {
		es.Add("contact_phone", "联系电话只能包含数字、空格和 + - ( ) 、")
	}
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	if in.ContactEmail != "" {
		if a, err := mail.ParseAddress(in.ContactEmail); err != nil || a.Address != in.ContactEmail {
			es.Add("contact_email", "电子信箱格式不正确，例如 kxb@example.gov.cn")
		}
	}
	var deadline time.Time
	in.DeadlineDate, in.DeadlineTime = strings.TrimSpace(in.DeadlineDate), strings.TrimSpace(in.DeadlineTime)
	d, err := time.ParseInLocation(core.DateLayout, in.DeadlineDate, cst)
	switch {
	case in.DeadlineDate == "":
		es.Add("deadline_date", "请填写截止日期")
	case err != nil || d.Year() < 2000 || d.Year() > 2100:
		es.Add("deadline_date", "截止日期格式应为 2020-12-04")
	case in.DeadlineTime != "" && !hhmm.MatchString(in.DeadlineTime):
		es.Add("deadline_time", "截止时间格式应为 17:30")
	case in.DeadlineTime == "":
		deadline = d.Add(24*time.Hour - time.Second) // the end of that day
	default:
		h, _ := strconv.Atoi(in.DeadlineTime[:2])
		m, _ := strconv.Atoi(in.DeadlineTime[3:])
		deadline = d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	var rules []string
	if strings.TrimSpace(in.Reminders) != "" {
		for _, r := range strings.FieldsFunc(in.Reminders, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' }) {
			if _, err := notify.ParseOffset(r); err != nil {
				es.Add("reminders", fmt.Sprintf("提醒时间“%s”无法识别，格式如 -3d（截止前3天）、-2h（前2小时）、+1d（截止后1天）", r))
				break
			}
			rules = append(rules, r)
		}
	}
	if len(in.Items) == 0 {
		es.Add("items", "请至少添加一项征集内容")
	}
	if len(in.Items) > MaxItems {
		es.Add("items", fmt.Sprintf("征集内容最多 %d 项", MaxItems))
	}
	for i := range in.Items {
		validateItem(&es, i, &in.Items[i])
	}
	if !in.AllMembers && len(in.UnitIDs) == 0 && !in.AllOffices && len(in.OfficeBodyIDs) == 0 {
		es.Add("addressees", "请选择报送对象：成员单位、下级办公室或指定单位")
	}
	return deadline, rules, es.Err()
}

// validateItem checks one item; its faults are reported on fields named
// items.<i>.<name> so that the items editor can show each by its row.
func validateItem(es *core.Errors, i int, it *Item) {
	f := func(name string) string { return fmt.Sprintf("items.%d.%s", i, name) }
	it.Label = line(es, f("label"), fmt.Sprintf("第 %d 项的名称", i+1), it.Label, maxLine, true)
	it.Hint = strings.TrimSpace(it.Hint)
	if utf8.RuneCountInString(it.Hint) > 1000 {
		es.Add(f("hint"), "说明不能超过 1000 字")
	}
	switch it.Kind {
	case Document:
		it.MinCount, it.MaxCount, it.JPEGOnly, it.CaptionRequired, it.Fields = 0, 0, false, false, nil
	case Photos:
		it.Fields = nil
		if it.MaxCount == 0 {
			it.MaxCount = MaxPhotos
		}
		if it.MinCount < 0 || it.MaxCount < 1 || it.MaxCount > MaxPhotos || it.MinCount > it.MaxCount {
			es.Add(f("max_count"), fmt.Sprintf("图片张数应为 0 至 %d 张，且最少不超过最多", MaxPhotos))
		}
		if it.Required && it.MinCount == 0 {
			it.MinCount = 1
		}
		it.Required = it.MinCount > 0
	case Form:
		it.MinCount, it.MaxCount, it.JPEGOnly, it.CaptionRequired = 0, 0, false, false
		if len(it.Fields) == 0 {
			es.Add(f("fields"), "表单至少要有一个字段")
		}
		if len(it.Fields) > MaxFields {
			es.Add(f("fields"), fmt.Sprintf("表单最多 %d 个字段", MaxFields))
		}
		seen := map[string]bool{}
		it.Required = false
		for j := range it.Fields {
			fd := &it.Fields[j]
			ff := fmt.Sprintf("items.%d.fields.%d.", i, j)
			fd.Label = line(es, ff+"label", fmt.Sprintf("第 %d 个字段的名称", j+1), fd.Label, 100, true)
			fd.Key = strings.TrimSpace(fd.Key)
			if fd.Key == "" {
				fd.Key = fmt.Sprintf("f%d", j+1)
			}
			if !keyRE.MatchString(fd.Key) || seen[fd.Key] {
				es.Add(ff+"key", "字段代码应为小写字母开头的字母、数字或下划线，且不能重复")
			}
			seen[fd.Key] = true
			switch fd.Type {
			case Text, Number, Integer, Date:
				fd.Options = nil
			case Choice:
				var opts []string
				for _, o := range fd.Options {
					if o = strings.TrimSpace(o); o != "" {
						opts = append(opts, o)
					}
				}
				fd.Options = opts
				if len(opts) < 2 {
					es.Add(ff+"options", "选项字段至少要有两个选项")
				}
			default:
				es.Add(ff+"type", "字段类型只能是文字、数字、整数、日期或选项")
			}
			it.Required = it.Required || fd.Required
		}
	default:
		es.Add(f("kind"), "征集内容的类型只能是文档、图片或表单")
	}
}

func line(es *core.Errors, field, label, s string, max int, required bool) string {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		es.Add(field, "请填写"+label)
	case utf8.RuneCountInString(s) > max:
		es.Add(field, fmt.Sprintf("%s不能超过 %d 字", label, max))
	case strings.ContainsAny(s, "\r\n\x00"):
		es.Add(field, label+"不能换行")
	}
	return s
}
