package datacall

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/core"
	"liandong/internal/file"
)

// SubStatus is a submission's state.
type SubStatus string

// The submission states. "None" is an addressee without a submission row.
const (
	None      SubStatus = ""
	SubDraft  SubStatus = "draft"
	Submitted SubStatus = "submitted"
	Accepted  SubStatus = "accepted"
	Returned  SubStatus = "returned"
)

// Submission is one addressee's answer to a call.
type Submission struct {
	ID           int64                        `json:"id"`
	CallID       int64                        `json:"call_id"`
	AddresseeID  int64                        `json:"addressee_id"`
	Status       SubStatus                    `json:"status"`
	Revision     int                          `json:"revision"` // times submitted
	Late         bool                         `json:"late"`
	Answers      map[string]map[string]string `json:"answers"` // item id → field key → value
	SubmittedAt  time.Time                    `json:"submitted_at,omitzero"`
	SubmittedBy  int64                        `json:"submitted_by,omitempty"`
	ReviewedAt   time.Time                    `json:"reviewed_at,omitzero"`
	ReturnReason string                       `json:"return_reason,omitempty"`
	Version      int64                        `json:"version"`
	Files        []SubFile                    `json:"files"`
	token        string
}

// SubFile is a file given for an item of a submission.
type SubFile struct {
	ItemID     int64      `json:"item_id"`
	Seq        int        `json:"seq"`
	FileID     int64      `json:"file_id"`
	Caption    string     `json:"caption,omitempty"`
	SourceType string     `json:"source_type,omitempty"`
	File       *file.File `json:"file,omitempty"`
}

// FilesOf returns the files given for item id, in order.
func (s *Submission) FilesOf(id int64) []SubFile {
	var out []SubFile
	if s == nil {
		return nil
	}
	for _, f := range s.Files {
		if f.ItemID == id {
			out = append(out, f)
		}
	}
	return out
}

// Answer returns the value given for field key of item id.
func (s *Submission) Answer(id int64, key string) string {
	if s == nil {
		return ""
	}
	return s.Answers[strconv.FormatInt(id, 10)][key]
}

// State is what the board and the inbox show for an addressee: the
// submission's status read with its lateness and revision.
type State string

// The states shown.
const (
	NotYet      State = "not_yet"     // 未报送 (no submission or a draft)
	OnTime      State = "submitted"   // 已报送
	Late        State = "late"        // 逾期报送
	Resubmitted State = "resubmitted" // 已重新报送
	StReturned  State = "returned"    // 已退回
	StAccepted  State = "accepted"    // 已采纳
)

// StateNames are the states in Chinese, in the board's order.
var StateNames = []struct {
	State State
	Name  string
}{{NotYet, "未报送"}, {OnTime, "已报送"}, {Late, "逾期报送"}, {Resubmitted, "已重新报送"}, {StReturned, "已退回"}, {StAccepted, "已采纳"}}

// Label is the state in Chinese.
func (s State) Label() string {
	for _, n := range StateNames {
		if n.State == s {
			return n.Name
		}
	}
	return ""
}

// StateOf reads a submission (nil for none) as the state shown.
func StateOf(s *Submission) State {
	switch {
	case s == nil || s.Status == SubDraft || s.Status == None:
		return NotYet
	case s.Status == Accepted:
		return StAccepted
	case s.Status == Returned:
		return StReturned
	case s.Late:
		return Late
	case s.Revision > 1:
		return Resubmitted
	}
	return OnTime
}

// Editable reports whether the addressee may change the submission: not
// yet submitted, or returned.
func (s *Submission) Editable() bool {
	return s == nil || s.Status == SubDraft || s.Status == Returned || s.Status == None
}

// DraftInput is a submission as the submitter edits it. Version is the
// version the user saw (0 when there was no submission yet). Token makes a
// submit idempotent: the same token submitted again changes nothing.
type DraftInput struct {
	Version int64                        `json:"version"`
	Answers map[string]map[string]string `json:"answers"`
	Files   []SubFile                    `json:"files"`
	Token   string                       `json:"token,omitempty"`
}

// checkDraft checks what a draft may hold whatever its completeness: the
// files belong to items of the right kind, within counts, of the right
// type, captions and answers of bounded length and the right type.
func checkDraft(c *Call, in *DraftInput, files map[int64]*file.File, userID int64) error {
	var es core.Errors
	count := map[int64]int{}
	seen := map[int64]bool{}
	for i := range in.Files {
		sf := &in.Files[i]
		it := c.Item(sf.ItemID)
		field := fmt.Sprintf("item_%d", sf.ItemID)
		if it == nil || it.Kind == Form {
			es.Add("files", "文件对应的征集内容不存在")
			continue
		}
		f := files[sf.FileID]
		if f == nil || f.CreatedBy != userID {
			// Only files the submitter uploaded may be referenced: a file
			// id of someone else's is as good as missing (SECURITY.md B3).
			es.Add(field, fmt.Sprintf("“%s”的文件不存在，请重新上传", it.Label))
			continue
		}
		if seen[sf.FileID] {
			es.Add(field, fmt.Sprintf("“%s”中有重复的文件", it.Label))
			continue
		}
		seen[sf.FileID] = true
		sf.File = f
		count[it.ID]++
		sf.Seq = count[it.ID]
		sf.Caption = strings.TrimSpace(sf.Caption)
		if utf8.RuneCountInString(sf.Caption) > 200 || strings.ContainsAny(sf.Caption, "\r\n\x00") {
			es.Add(fmt.Sprintf("caption_%d_%d", it.ID, sf.Seq), "图片说明应为一行，不超过 200 字")
		}
		switch it.Kind {
		case Document:
			if f.Kind != file.Document {
				es.Add(field, fmt.Sprintf("“%s”应上传文档（PDF、DOCX、XLSX 等），不能是图片", it.Label))
			}
			if count[it.ID] > 1 {
				es.Add(field, fmt.Sprintf("“%s”只能上传一个文件", it.Label))
			}
		case Photos:
			if f.Kind != file.Photo {
				es.Add(field, fmt.Sprintf("“%s”应上传图片", it.Label))
			} else if it.JPEGOnly && sf.SourceType != file.TypeJPEG {
				es.Add(field, fmt.Sprintf("“%s”要求 JPG 格式，“%s”不是 JPG 图片", it.Label, f.Name))
			}
			if count[it.ID] == it.MaxCount+1 {
				es.Add(field, fmt.Sprintf("“%s”最多 %d 张", it.Label, it.MaxCount))
			}
		}
	}
	for id, vals := range in.Answers {
		n, _ := strconv.ParseInt(id, 10, 64)
		it := c.Item(n)
		if it == nil || it.Kind != Form {
			es.Add("answers", "表单对应的征集内容不存在")
			continue
		}
		for key, v := range vals {
			fd := it.field(key)
			fn := fmt.Sprintf("item_%d_%s", it.ID, key)
			if fd == nil {
				es.Add(fn, "表单中没有这个字段")
				continue
			}
			v = strings.TrimSpace(v)
			vals[key] = v
			if msg := fd.check(v); msg != "" {
				es.Add(fn, fmt.Sprintf("“%s”的“%s”%s", it.Label, fd.Label, msg))
			}
		}
	}
	return es.Err()
}

// checkComplete reports every required item left empty, one message per
// item, for a submit.
func checkComplete(c *Call, in *DraftInput) error {
	var es core.Errors
	for _, it := range c.Items {
		field := fmt.Sprintf("item_%d", it.ID)
		n := 0
		for _, f := range in.Files {
			if f.ItemID == it.ID {
				n++
				if it.Kind == Photos && it.CaptionRequired && f.Caption == "" {
					es.Add(fmt.Sprintf("caption_%d_%d", it.ID, f.Seq), fmt.Sprintf("请为“%s”的第 %d 张图片填写文字说明", it.Label, f.Seq))
				}
			}
		}
		switch it.Kind {
		case Document:
			if it.Required && n == 0 {
				es.Add(field, fmt.Sprintf("请上传“%s”", it.Label))
			}
		case Photos:
			if n < it.MinCount {
				es.Add(field, fmt.Sprintf("“%s”至少需要 %d 张图片，现有 %d 张", it.Label, it.MinCount, n))
			}
		case Form:
			vals := in.Answers[strconv.FormatInt(it.ID, 10)]
			for _, fd := range it.Fields {
				if fd.Required && strings.TrimSpace(vals[fd.Key]) == "" {
					es.Add(fmt.Sprintf("item_%d_%s", it.ID, fd.Key), fmt.Sprintf("请填写“%s”的“%s”", it.Label, fd.Label))
				}
			}
		}
	}
	return es.Err()
}

func (it *Item) field(key string) *Field {
	for i := range it.Fields {
		if it.Fields[i].Key == key {
			return &it.Fields[i]
		}
	}
	return nil
}

// check returns why v is not a value of f ("" when it is, or is empty).
func (f *Field) check(v string) string {
	if v == "" {
		return ""
	}
	if utf8.RuneCountInString(v) > 2000 {
		return "不能超过 2000 字"
	}
	switch f.Type {
	case Number:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return "应填写数字，例如 12.5"
		}
	case Integer:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return "应填写整数，例如 120"
		}
	case Date:
		if _, err := time.Parse(core.DateLayout, v); err != nil {
			return "应填写日期，例如 2020-12-04"
		}
	case Choice:
		for _, o := range f.Options {
			if o == v {
				return ""
			}
		}
		return "只能从给定选项中选择"
	default:
		if strings.ContainsRune(v, 0) {
			return "含有无效字符"
		}
	}
	return ""
}
