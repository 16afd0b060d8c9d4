package auth

import (
	"strings"
	"testing"
	"time"
)

// TestHOTPRFC6238 checks the SHA-1 test vectors of RFC 6238 appendix B
// (8 digits, the 20-byte ASCII secret "12345678901234567890").
func TestHOTPRFC6238(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := HOTP(key, TOTPStepAt(time.Unix(v.unix, 0)), 8); got != v.want {
			t.Errorf("T=%d: got %s, want %s", v.unix, got, v.want)
		}
	}
}

// TestHOTPRFC4226 checks the 6-digit values of RFC 4226 appendix D.
func TestHOTPRFC4226(t *testing.T) {
	key := []byte("12345678901234567890")
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := HOTP(key, int64(i), 6); got != w {
			t.Errorf("counter %d: got %s, want %s", i, got, w)
		}
	}
}

func TestVerifyTOTPWindowAndReplay(t *testing.T) {
	secret := NewTOTPSecret()
	if len(secret) != 32 {
		t.Fatalf("secret %q: want 32 base32 characters (160 bits)", secret)
	}
	now := time.Unix(1_800_000_015, 0)
	code := func(d time.Duration) string {
		c, err := TOTPCode(secret, now.Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, d := range []time.Duration{-TOTPStep, 0, TOTPStep} {
		if _, ok := VerifyTOTP(secret, code(d), now, 0); !ok {
			t.Errorf("code of step %+v refused", d)
		}
	}
	for _, d := range []time.Duration{-2 * TOTPStep, 2 * TOTPStep} {
		if _, ok := VerifyTOTP(secret, code(d), now, 0); ok {
			t.Errorf("code %v away accepted", d)
		}
	}
	step, ok := VerifyTOTP(secret, code(0), now, 0)
	if !ok || step != TOTPStepAt(now) {
		t.Fatalf("step %d ok %v", step, ok)
	}
	if _, ok := VerifyTOTP(secret, code(0), now, step); ok {
		t.Fatal("the same code accepted twice")
	}
	if _, ok := VerifyTOTP(secret, code(-TOTPStep), now, step); ok {
		t.Fatal("an older code accepted after a newer one was used")
	}
	if _, ok := VerifyTOTP(secret, code(TOTPStep), now, step); !ok {
		t.Fatal("the next step's code refused")
	}
	// People copy secrets with spaces and in lower case.
	if _, ok := VerifyTOTP(strings.ToLower(FormatSecret(secret)), code(0), now, 0); !ok {
		t.Fatal("formatted secret not accepted")
	}
	if c := code(0); func() bool { _, ok := VerifyTOTP(secret, c[:3]+" "+c[3:], now, 0); return !ok }() {
		t.Fatal("a code typed with a space in the middle refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := VerifyTOTP(secret, bad, now, 0); ok {
			t.Errorf("code %q accepted", bad)
		}
	}
}

func TestTOTPURI(t *testing.T) {
	uri := TOTPURI(MFAIssuer, "secadmin", "JBSWY3DPEHPK3PXP")
	for _, want := range []string{"otpauth://totp/", "secret=JBSWY3DPEHPK3PXP", "period=30", "digits=6", "algorithm=SHA1", "secadmin"} {
		if !strings.Contains(uri, want) {
			t.Errorf("%s lacks %s", uri, want)
		}
	}
}
