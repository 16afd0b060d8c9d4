package auth

import (
	"strings"
	"unicode"

	"liandong/internal/core"
)

// ValidatePassword checks pw against the policy and the user's own details:
// length, character classes, and no username or phone number inside it
// (SECURITY.md A2). It returns a field error on "password" in Chinese.
func ValidatePassword(p Policy, pw, username, phone string) error {
	n := len([]rune(pw))
	if n < p.MinLength {
		return core.Invalid("password", "密码长度至少为"+itoa(p.MinLength)+"个字符")
	}
	if n > 128 {
		return core.Invalid("password", "密码长度不能超过128个字符")
	}
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < p.MinClasses {
		return core.Invalid("password", "密码须包含大写字母、小写字母、数字、符号中的至少"+itoa(p.MinClasses)+"类")
	}
	lp := strings.ToLower(pw)
	if username != "" && strings.Contains(lp, strings.ToLower(username)) {
		return core.Invalid("password", "密码不能包含用户名")
	}
	if len(phone) >= 6 && strings.Contains(pw, phone) {
		return core.Invalid("password", "密码不能包含手机号码")
	}
	return nil
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
