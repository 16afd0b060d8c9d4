package datacall

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"liandong/internal/audit"
	"liandong/internal/core"
	"liandong/internal/db"
	"liandong/internal/file"
)

// fieldTypeByName reads a field type written in Chinese or by its code.
func fieldTypeByName(s string) (FieldType, bool) {
	for _, n := range FieldTypeNames {
		if s == n.Name || s == string(n.Type) {
			return n.Type, true
		}
	}
	return "", false
}

// ParseFields reads a form item's fields written one per line, as the
// items editor takes them: "名称 | 类型 | 必填 | 选项1/选项2", where the
// type is 文字, 数字, 整数, 日期 or 选项 (文字 when left out), "必填"
// marks a required field, and options are for 选项 only.
func ParseFields(text string) ([]Field, error) {
	var out []Field
	for n, ln := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		ln = strings.TrimSpace(ln)
		if ln == "" {
			continue
		}
		parts := strings.Split(strings.ReplaceAll(ln, "｜", "|"), "|")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		f := Field{Label: parts[0], Type: Text, Key: fmt.Sprintf("f%d", len(out)+1)}
		for _, p := range parts[1:] {
			switch t, ok := fieldTypeByName(p); {
			case ok:
				f.Type = t
			case p == "必填":
				f.Required = true
			case p == "" || p == "选填":
			case strings.ContainsAny(p, "/／、"):
				f.Options = strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '／' || r == '、' })
			default:
				return nil, core.Invalid("fields", fmt.Sprintf("第 %d 行“%s”无法识别：类型应为文字、数字、整数、日期或选项，选项用 / 分隔", n+1, p))
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// FieldsText writes fields back in ParseFields' syntax.
func FieldsText(fs []Field) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Label)
		for _, n := range FieldTypeNames {
			if n.Type == f.Type {
				b.WriteString(" | " + n.Name)
			}
		}
		if f.Required {
			b.WriteString(" | 必填")
		}
		if len(f.Options) > 0 {
			b.WriteString(" | " + strings.Join(f.Options, "/"))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Candidates are who a call of body may be addressed to: its current
// member units and its subordinate bodies' offices.
func (s *Service) Candidates(ctx context.Context, bodyID int64) (units, offices []Addressee, err error) {
	err = s.read(ctx, func(a *core.Actor, q db.Querier) error {
		if a.Role != core.RoleOffice || !a.InBody(bodyID) {
			return audit.OutOfScope("机构", "body", bodyID, "call.candidates")
		}
		all, err := resolveAddressees(ctx, q, bodyID, &CallInput{AllMembers: true, AllOffices: true}, today(s))
		if err != nil && core.ErrorCode(err) != core.EINVALID {
			return err
		}
		for _, ad := range all {
			if ad.Kind == ToUnit {
				units = append(units, ad)
			} else {
				offices = append(offices, ad)
			}
		}
		return nil
	})
	return units, offices, err
}

// OpenFile opens file fileID of submission subID for someone who may read
// that submission (its office and overseers, or its addressee); any other
// file id answers ENOTFOUND.
func (s *Service) OpenFile(ctx context.Context, subID, fileID int64, v file.Variant) (*file.File, io.ReadCloser, error) {
	m, err := s.Submission(ctx, subID)
	if err != nil {
		return nil, nil, err
	}
	if !slices.ContainsFunc(m.Submission.Files, func(f SubFile) bool { return f.FileID == fileID }) {
		return nil, nil, core.NotFound("文件")
	}
	return s.Files.Open(ctx, fileID, v)
}
