package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP after RFC 6238 with the parameters every authenticator app uses:
// HMAC-SHA1, 6 digits, a 30-second step. A code is accepted for the current
// step and one step either side (clock drift, SECURITY.md A7), and only once:
// the step of the last accepted code is stored and codes of that step or an
// earlier one are refused.
const (
	TOTPStep   = 30 * time.Second
	TOTPDigits = 6
	// totpSkew is how many steps before and after the current one count.
	totpSkew = 1
	// totpSecretBytes is the secret length RFC 4226 §4 recommends (160 bits).
	totpSecretBytes = 20
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a fresh random secret in base32, as authenticator
// apps take it.
func NewTOTPSecret() string {
	b := make([]byte, totpSecretBytes)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: crypto/rand failed: %v", err))
	}
	return b32.EncodeToString(b)
}

// decodeSecret reads a base32 secret, tolerating lower case, spaces and
// padding as people copy them.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(secret))
	return b32.DecodeString(s)
}

// TOTPStepAt returns the step number of t.
func TOTPStepAt(t time.Time) int64 { return t.Unix() / int64(TOTPStep/time.Second) }

// HOTP computes the RFC 4226 one-time password of key for counter, with
// digits digits (6 to 8), using HMAC-SHA1.
func HOTP(key []byte, counter int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < digits; i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, code%mod)
}

// TOTPCode returns the 6-digit code of a base32 secret at time t: what the
// user's authenticator app shows. Tests use it to log in as an administrator.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", fmt.Errorf("auth: totp secret: %w", err)
	}
	return HOTP(key, TOTPStepAt(t), TOTPDigits), nil
}

// VerifyTOTP checks code against the secret at time now. It accepts a step
// within ±1 of now's that is later than lastStep, and returns that step so
// the caller can store it and refuse the same code again (single use).
func VerifyTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	// Apps show "123 456"; people type it so.
	code = strings.NewReplacer(" ", "", "\u00a0", "", "-", "").Replace(strings.TrimSpace(code))
	if len(code) != TOTPDigits {
		return 0, false
	}
	key, err := decodeSecret(secret)
	if err != nil || len(key) == 0 {
		return 0, false
	}
	cur := TOTPStepAt(now)
	// Check every candidate step so that the time taken does not depend on
	// which one matched.
	var found int64
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want := HOTP(key, s, TOTPDigits)
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > lastStep && found == 0 {
			found = s
		}
	}
	return found, found != 0
}

// TOTPURI returns the otpauth:// URI an authenticator app imports (by QR
// code or by pasting), naming the site and the account.
func TOTPURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(TOTPDigits))
	q.Set("period", fmt.Sprint(int(TOTPStep/time.Second)))
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// FormatSecret groups a base32 secret in fours for reading aloud or typing.
func FormatSecret(secret string) string {
	var b strings.Builder
	for i, r := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
