package auth

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"liandong/internal/core"
)

// Fuzz targets for the account validators (SECURITY.md D1): the password
// rules, a new account's fields and the security policy. None may panic;
// a refusal is a Chinese EINVALID error naming its field; what is
// accepted satisfies the documented rules, checked here independently.

// fuzzFields checks err is a validation refusal and returns its fields.
func fuzzFields(t *testing.T, err error) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	if err == nil {
		return got
	}
	var es core.Errors
	var one *core.Error
	switch {
	case errors.As(err, &es):
	case errors.As(err, &one):
		es = core.Errors{one}
	default:
		t.Fatalf("refusal is %T: %v", err, err)
	}
	for _, e := range es {
		if e.Code != core.EINVALID || e.Field == "" ||
			!strings.ContainsFunc(e.Message, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
			t.Errorf("refusal %+v is not a Chinese EINVALID field error", e)
		}
		got[e.Field] = true
	}
	return got
}

// cleanLine: valid UTF-8 without control characters.
func cleanLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func FuzzValidatePassword(f *testing.F) {
	for _, s := range []struct{ pw, user, phone, extra string }{
		{"Hongshui-River-77", "zhangwei01", "13877201234", "柳州市教育局"},
		{"Zhanshi@2026", "office", "", ""},
		{"P@ssw0rd!", "admin", "", ""},
		{"zhangwei01-Aa!", "zhangwei01", "", ""},
		{"Aa1!138772012345", "x", "138 7720 1234", ""},
		{"柳州市教育局Aa1!", "x", "", "市教育局"},
		{"Aa1!\x00bcdefgh", "x", "", ""},
		{"Aa1!bcdefg\xff\xfe", "x", "", ""},
		{strings.Repeat("Aa1!", 33), "x", "", ""},
		{"Ab1!Ab1!Ab1!", "x", "", ""},
		{"Lzkx2026!Ab", "x", "", "lzkx"},
		{"KEXIE#2026ab", "x", "", ""},
	} {
		f.Add(s.pw, s.user, s.phone, s.extra, 10, 3)
	}
	f.Fuzz(func(t *testing.T, pw, username, phone, extra string, minLen, minClasses int) {
		p := DefaultPolicy
		p.MinLength, p.MinClasses = minLen, minClasses
		if p.Validate() != nil {
			p = DefaultPolicy
		}
		err := ValidatePassword(p, pw, username, phone, extra)
		if fs := fuzzFields(t, err); len(fs) > 0 && !fs["password"] || len(fs) > 1 {
			t.Errorf("ValidatePassword names fields %v", fs)
		}
		if err != nil {
			return
		}
		n := utf8.RuneCountInString(pw)
		if !cleanLine(pw) || n < p.MinLength || n > MaxPasswordRunes {
			t.Errorf("accepted password %q: not clean UTF-8 of %d to %d characters", pw, p.MinLength, MaxPasswordRunes)
		}
		classes := 0
		for _, is := range []func(rune) bool{unicode.IsLower, unicode.IsUpper, unicode.IsDigit,
			func(r rune) bool { return !unicode.IsLower(r) && !unicode.IsUpper(r) && !unicode.IsDigit(r) }} {
			if strings.ContainsFunc(pw, is) {
				classes++
			}
		}
		if classes < p.MinClasses {
			t.Errorf("accepted password %q has %d classes, policy wants %d", pw, classes, p.MinClasses)
		}
		lp := strings.ToLower(pw)
		if u := strings.ToLower(strings.TrimSpace(username)); utf8.RuneCountInString(u) >= 3 && strings.Contains(lp, u) {
			t.Errorf("accepted password %q contains the username %q", pw, username)
		}
		if d := onlyDigits(phone); len(d) >= 6 && strings.Contains(pw, d) {
			t.Errorf("accepted password %q contains the phone number %q", pw, phone)
		}
		for _, w := range contextWords {
			if strings.Contains(lp, w) {
				t.Errorf("accepted password %q contains %q", pw, w)
			}
		}
		if commonPasswords[lp] {
			t.Errorf("accepted password %q is on the common list", pw)
		}
	})
}

func FuzzNewUserValidate(f *testing.F) {
	for _, s := range []struct{ user, name, phone, email, role string }{
		{"zhangwei01", "张伟", "0772-2625843", "zw@example.cn", "office"},
		{" Zhang ", " 张伟 ", "138 7720 1234", "a@b", "liaison"},
		{"a.b_c-d", "<script>alert(1)</script>", "+86 (772) 262-5843", "a@@b.cn", "system_admin"},
		{"", "张\x00伟", "123", "zw@example.cn\x00", "king"},
		{strings.Repeat("a", 65), strings.Repeat("名", 51), "1234567890123456789012", "\xff@b.cn", ""},
		{"li", "\u202E伟张", "(0772)2625843", "李 <li@example.cn>", "leader"},
		{"u", "王\n芳", "12345678", "li@example.cn\r\n", "audit_admin"},
	} {
		f.Add(s.user, s.name, s.phone, s.email, s.role, int64(1), int64(1))
	}
	f.Fuzz(func(t *testing.T, username, name, phone, email, role string, unitID, bodyID int64) {
		n := NewUser{Username: username, DisplayName: name, Phone: phone, Email: email, Role: core.Role(role), UnitID: unitID}
		if bodyID != 0 {
			n.BodyIDs = []int64{bodyID}
		}
		err := n.Validate()
		fs := fuzzFields(t, err)
		for f := range fs {
			switch f {
			case "username", "role", "display_name", "phone", "email", "body_ids", "unit_id":
			default:
				t.Errorf("NewUser.Validate names field %q", f)
			}
		}
		tu, tn := strings.TrimSpace(username), strings.TrimSpace(name)
		userOK := tu != "" && len(tu) <= 64 && !strings.ContainsFunc(tu, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r))
		})
		if fs["username"] == userOK {
			t.Errorf("username %q: refused=%v", username, fs["username"])
		}
		nameOK := tn != "" && cleanLine(tn) && utf8.RuneCountInString(tn) <= 50
		if fs["display_name"] == nameOK {
			t.Errorf("display name %q: refused=%v", name, fs["display_name"])
		}
		if fs["role"] == (role == "" || core.Role(role).Valid()) {
			t.Errorf("role %q: refused=%v", role, fs["role"])
		}
		if err != nil {
			if te := strings.TrimSpace(email); te != "" && !cleanLine(te) && !fs["email"] {
				t.Errorf("e-mail %q with control characters or broken UTF-8 was not refused", email)
			}
			return
		}
		if n.Username != tu || n.DisplayName != tn || n.Phone != strings.TrimSpace(n.Phone) || n.Email != strings.TrimSpace(n.Email) {
			t.Errorf("accepted account not trimmed: %+v", n)
		}
		if n.Phone != "" {
			digits := len(onlyDigits(n.Phone))
			if digits < 7 || len(n.Phone) > 20 || strings.ContainsFunc(n.Phone, func(r rune) bool {
				return !(r >= '0' && r <= '9' || strings.ContainsRune(" +-()", r))
			}) {
				t.Errorf("accepted phone %q", n.Phone)
			}
		}
		if e := n.Email; e != "" {
			at := strings.IndexByte(e, '@')
			if !cleanLine(e) || len(e) > 100 || at <= 0 || strings.Count(e, "@") != 1 || !strings.Contains(e[at:], ".") ||
				strings.ContainsAny(e, " <>\"'") {
				t.Errorf("accepted e-mail %q", e)
			}
		}
		if n.Role.Valid() && !n.Role.IsAdmin() && len(n.BodyIDs) == 0 {
			t.Errorf("business account of role %s accepted without a body", n.Role)
		}
		if n.Role == core.RoleLiaison && n.UnitID == 0 {
			t.Error("liaison accepted without a unit")
		}
		again := n
		if err := again.Validate(); err != nil || again.Username != n.Username || again.DisplayName != n.DisplayName ||
			again.Phone != n.Phone || again.Email != n.Email {
			t.Errorf("validating an accepted account again: %v", err)
		}
	})
}

func FuzzPolicyValidate(f *testing.F) {
	d := DefaultPolicy
	f.Add(d.MinLength, d.MinClasses, d.MaxAgeDays, d.HistoryCount, d.LockThreshold, d.LockWindowMinutes, d.LockMinutes,
		d.IdleMinutes, d.AbsoluteHours, d.MaxSessions, d.AuditRetentionDays, "lzkx\n柳州科协")
	f.Add(8, 1, 0, 0, 1, 1, 1, 1, 1, 0, 180, "")
	f.Add(64, 4, 3650, 24, 100, 1440, 1440, 240, 72, 100, 3650, strings.Repeat("词", 51))
	f.Add(7, 0, -1, -1, 0, 0, 0, 0, 0, -1, 179, strings.Repeat("w\n", 201))
	f.Add(65, 5, 3651, 25, 101, 1441, 1441, 241, 73, 101, -1<<62, "\xff\n\x00")
	f.Fuzz(func(t *testing.T, minLen, minClasses, maxAge, history, lockThreshold, lockWindow, lockMinutes, idle, absolute,
		sessions, retention int, words string) {
		p := Policy{MinLength: minLen, MinClasses: minClasses, MaxAgeDays: maxAge, HistoryCount: history,
			LockThreshold: lockThreshold, LockWindowMinutes: lockWindow, LockMinutes: lockMinutes, IdleMinutes: idle,
			AbsoluteHours: absolute, MaxSessions: sessions, AuditRetentionDays: retention}
		if words != "" {
			p.BlockedWords = strings.Split(words, "\n")
		}
		fs := fuzzFields(t, p.Validate())
		in := func(v, lo, hi int) bool { return v >= lo && v <= hi }
		wordsOK := len(p.BlockedWords) <= 200
		for _, w := range p.BlockedWords {
			wordsOK = wordsOK && utf8.RuneCountInString(w) <= 50
		}
		for field, ok := range map[string]bool{
			"min_length": in(minLen, 8, 64), "min_classes": in(minClasses, 1, 4), "max_age_days": in(maxAge, 0, 3650),
			"history_count": in(history, 0, 24), "lock_threshold": in(lockThreshold, 1, 100),
			"lock_window_minutes": in(lockWindow, 1, 1440), "lock_minutes": in(lockMinutes, 1, 1440),
			"idle_minutes": in(idle, 1, 240), "absolute_hours": in(absolute, 1, 72), "max_sessions": in(sessions, 0, 100),
			"audit_retention_days": retention >= 180, "blocked_words": wordsOK,
		} {
			if fs[field] == ok {
				t.Errorf("%s: refused=%v for %+v", field, fs[field], p)
			}
			delete(fs, field)
		}
		if len(fs) > 0 {
			t.Errorf("Policy.Validate names unknown fields %v", fs)
		}
	})
}
