package auth

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"

	"liandong/internal/core"
)

// MaxPasswordRunes is the longest password accepted. Long passphrases are
// welcome (ASVS 6.2.9 asks for at least 64); the cap only keeps a request
// from making the server hash megabytes.
const MaxPasswordRunes = 128

//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords is the embedded blocklist, lower case.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// contextWords are words tied to this product and to the science-association
// world it serves: the first guesses of anyone attacking a Liandong site
// (SECURITY.md A2: 单位名, 科协, liandong). Matched anywhere in the password.
var contextWords = []string{"liandong", "联动", "kexie", "科协", "kepu", "科普"}

// leet undoes the usual look-alike substitutions (p@ssw0rd → password).
var leet = strings.NewReplacer("@", "a", "4", "a", "0", "o", "1", "i", "!", "i", "3", "e", "$", "s", "5", "s", "7", "t", "+", "t")

// ValidatePassword checks pw against the policy and the account's own
// details (SECURITY.md A2): length, character classes, the username, the
// phone number, the product's context words, the words the security
// administrator added to the policy, the extra words passed in (the
// account's unit names, its real name), and the list of common passwords.
// It returns a field error on "password" with a Chinese reason.
func ValidatePassword(p Policy, pw, username, phone string, extra ...string) error {
	if !utf8.ValidString(pw) {
		// Bytes that are not UTF-8 (a terminal in GBK, say) could never be
		// typed again into the login form, which sends UTF-8.
		return core.Invalid("password", "密码含有无法识别的字符，请重新输入")
	}
	n := utf8.RuneCountInString(pw)
	if n < p.MinLength {
		return core.Invalid("password", "密码长度至少为"+itoa(p.MinLength)+"个字符")
	}
	if n > MaxPasswordRunes {
		return core.Invalid("password", "密码长度不能超过"+itoa(MaxPasswordRunes)+"个字符")
	}
	var lower, upper, digit, other int
	distinct := map[rune]bool{}
	for _, r := range pw {
		distinct[r] = true
		switch {
		case unicode.IsControl(r):
			return core.Invalid("password", "密码不能包含控制字符")
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
	if len(distinct) < 5 {
		return core.Invalid("password", "密码中重复的字符过多，请使用更多不同的字符")
	}
	lp := strings.ToLower(pw)
	if u := strings.ToLower(strings.TrimSpace(username)); utf8.RuneCountInString(u) >= 3 && strings.Contains(lp, u) {
		return core.Invalid("password", "密码不能包含用户名")
	}
	if digits := onlyDigits(phone); len(digits) >= 6 && strings.Contains(pw, digits) {
		return core.Invalid("password", "密码不能包含手机号码")
	}
	for _, w := range contextWords {
		if strings.Contains(lp, w) {
			return core.Invalid("password", "密码不能包含本系统或单位相关的常见词（如“"+w+"”）")
		}
	}
	for _, w := range append(append([]string(nil), p.BlockedWords...), extra...) {
		if w = strings.ToLower(strings.TrimSpace(w)); containsWord(lp, w) {
			return core.Invalid("password", "密码不能包含单位名称、姓名等与您相关的词（如“"+w+"”）")
		}
	}
	if isCommonPassword(lp) {
		return core.Invalid("password", "该密码属于常见弱密码，容易被猜中，请换一个")
	}
	return nil
}

// containsWord reports whether w occurs in the lower-cased password. Chinese
// words count from two characters (单位简称 like 教育局 are short), other
// words from four, so that short fragments do not refuse good passwords.
func containsWord(lp, w string) bool {
	if w == "" {
		return false
	}
	minRunes := 4
	for _, r := range w {
		if unicode.Is(unicode.Han, r) {
			minRunes = 2
			break
		}
	}
	return utf8.RuneCountInString(w) >= minRunes && strings.Contains(lp, w)
}

// isCommonPassword reports whether lp (lower case) is on the list, possibly
// with digits and symbols only added before or after a listed word, or
// written with look-alike characters.
func isCommonPassword(lp string) bool {
	if commonPasswords[lp] || commonPasswords[leet.Replace(lp)] {
		return true
	}
	if trimmed := strings.TrimFunc(lp, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }); commonPasswords[trimmed] {
		return true // 1qaz2wsx!@#
	}
	base := strings.TrimFunc(lp, func(r rune) bool { return !unicode.IsLetter(r) })
	if base == "" {
		// Digits and symbols only: check the run without its decorations.
		base = strings.TrimFunc(lp, func(r rune) bool { return !unicode.IsDigit(r) })
		return commonPasswords[base]
	}
	return commonPasswords[base] || commonPasswords[leet.Replace(base)]
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
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
