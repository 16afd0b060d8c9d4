package auth

import (
	"strings"
	"testing"

	"liandong/internal/core"
)

// TestPasswordPolicy is SECURITY.md A2's table: what the default policy
// accepts and refuses, and why.
func TestPasswordPolicy(t *testing.T) {
	p := DefaultPolicy
	p.BlockedWords = []string{"lzkx"} // the security administrator's own word
	const user, phone = "zhangwei01", "13877201234"
	unit := []string{"柳州市教育局", "市教育局", "张伟"}
	cases := []struct {
		name, pw string
		ok       bool
		why      string // part of the Chinese reason when refused
	}{
		{"demo password", "Zhanshi@2026", true, ""},
		{"passphrase of 64 characters", strings.Repeat("Tea-Mountain-Rain-7", 4)[:64], true, ""},
		{"long passphrase at the cap", strings.Repeat("Bamboo river 9 ", 9)[:MaxPasswordRunes], true, ""},
		{"three classes without symbol", "Hongshui5Ri", true, ""},
		{"three classes without upper", "hong-shui-he-9", true, ""},
		{"Chinese characters count as symbols", "柳江Bridge2026", true, ""},
		{"too short", "Ab1!xyz", false, "长度至少为10"},
		{"nine characters", "Ab1!xyzQw", false, "长度至少为10"},
		{"over the cap", strings.Repeat("Ab1!", 40), false, "不能超过128"},
		{"two classes", "abcdefgh12345", false, "至少3类"},
		{"letters only", "HongShuiRiver", false, "至少3类"},
		{"few distinct characters", "Aa1!Aa1!Aa1!", false, "重复的字符"},
		{"control character", "Hongshui5Ri\n", false, "控制字符"},
		{"contains username", "Zhangwei01!x", false, "用户名"},
		{"contains username upper case", "x!ZHANGWEI01y", false, "用户名"},
		{"contains phone", "Ph#13877201234", false, "手机号码"},
		{"product name", "Liandong@2026", false, "liandong"},
		{"kexie", "Kexie#2026ab", false, "kexie"},
		{"kepu", "MyKepu!2026", false, "kepu"},
		{"科协 in Chinese", "市科协Abc12345", false, "科协"},
		{"unit short name", "市教育局Ab12!xy", false, "市教育局"},
		{"own name", "张伟Abc!1234", false, "张伟"},
		{"policy word", "Lzkx!20262026", false, "lzkx"},
		{"common: password + year", "Password@2024", false, "常见弱密码"},
		{"common: leet", "P@ssw0rd!!", false, "常见弱密码"},
		{"common: leet with digits", "P@ssw0rd2024", false, "常见弱密码"},
		{"common: qwerty", "Qwerty!12345", false, "常见弱密码"},
		{"common: keyboard walk", "1Qaz2wsx!@#", false, "常见弱密码"},
		{"common: woaini", "Woaini1314!", false, "常见弱密码"},
		{"common: admin", "Admin@123456", false, "常见弱密码"},
		{"common: abc123", "Abc123!!!!!", false, "常见弱密码"},
		{"common word inside a longer one is fine", "Passwordless-Tea7", true, ""},
		{"short username is not a context word", "Hongshui5Ri", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidatePassword(p, c.pw, user, phone, unit...)
			if c.ok {
				if err != nil {
					t.Fatalf("%q refused: %v", c.pw, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%q accepted; want refused (%s)", c.pw, c.why)
			}
			if core.ErrorCode(err) != core.EINVALID || core.ErrorField(err) != "password" {
				t.Fatalf("error %v: want an invalid-field error on password", err)
			}
			if msg := core.ErrorMessage(err); !strings.Contains(msg, c.why) {
				t.Fatalf("reason %q does not mention %q", msg, c.why)
			}
		})
	}
}

// TestPasswordPolicyShortUsername: a two-letter username must not refuse
// every password that happens to contain those letters.
func TestPasswordPolicyShortUsername(t *testing.T) {
	if err := ValidatePassword(DefaultPolicy, "Zhanshi@2026", "zh", ""); err != nil {
		t.Fatal(err)
	}
}

// TestPasswordPolicyConfigurable: the security administrator's settings
// change what is accepted.
func TestPasswordPolicyConfigurable(t *testing.T) {
	p := DefaultPolicy
	p.MinLength, p.MinClasses = 16, 4
	if err := ValidatePassword(p, "Zhanshi@2026", "", ""); err == nil {
		t.Fatal("12 characters accepted with a minimum of 16")
	}
	if err := ValidatePassword(p, "Hongshui5Ri-Bridge", "", ""); err != nil {
		t.Fatalf("18 characters of 4 classes refused: %v", err)
	}
	if err := ValidatePassword(p, "Hongshui5RiBridgeX", "", ""); err == nil {
		t.Fatal("3 classes accepted with 4 required")
	}
}

// TestPasswordPolicyDigitRuns: with a policy of two classes, a common digit
// run dressed in symbols is still refused.
func TestPasswordPolicyDigitRuns(t *testing.T) {
	p := DefaultPolicy
	p.MinClasses = 2
	for _, pw := range []string{"!@#$%1234567890", "**1234567890**", "5201314!@#$%"} {
		if err := ValidatePassword(p, pw, "", ""); err == nil || !strings.Contains(core.ErrorMessage(err), "常见弱密码") {
			t.Errorf("%q: got %v, want refused as common", pw, err)
		}
	}
}

func TestCommonListLoaded(t *testing.T) {
	if n := len(commonPasswords); n < 200 {
		t.Fatalf("common password list has %d entries, want at least 200", n)
	}
	for w := range commonPasswords {
		if w != strings.ToLower(w) {
			t.Errorf("entry %q is not lower case", w)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy.Validate(); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
	bad := DefaultPolicy
	bad.MinLength, bad.AuditRetentionDays, bad.MaxSessions = 6, 30, -1
	fields := core.FieldErrors(bad.Validate())
	for _, f := range []string{"min_length", "audit_retention_days", "max_sessions"} {
		if fields[f] == "" {
			t.Errorf("no error on %s: %v", f, fields)
		}
	}
}
