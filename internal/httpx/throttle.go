package httpx

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"liandong/internal/core"
)

// Throttle limits attempts per client address with a token bucket: Burst
// attempts at once, then one every Every. It guards password and code
// entry across accounts (SECURITY.md A5: the per-IP throttle beside the
// per-account lock). It is kept in memory: each instance limits on its own,
// and a restart forgets, which the per-account lock (stored) makes up for.
type Throttle struct {
	Clock core.Clock
	Burst int
	Every time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLoginThrottle returns the default login throttle: 60 attempts at once
// (a whole office behind one NAT address logging in at nine o'clock), then
// one a second. Guessing one account is stopped much sooner by its lock
// (A5); this bounds guessing across many accounts from one address.
func NewLoginThrottle(clock core.Clock) *Throttle {
	return &Throttle{Clock: clock, Burst: 60, Every: time.Second}
}

// Allow takes one attempt for key. When none is left it reports false and
// how long until the next one.
func (t *Throttle) Allow(key string) (bool, time.Duration) {
	if t.Burst < 0 {
		return true, 0 // Unlimited
	}
	now := t.Clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buckets == nil {
		t.buckets = map[string]*bucket{}
	}
	t.sweep(now)
	b := t.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(t.Burst), at: now}
		t.buckets[key] = b
	}
	b.tokens = math.Min(float64(t.Burst), b.tokens+float64(now.Sub(b.at))/float64(t.Every))
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(t.Every))
	return false, wait.Round(time.Second) + time.Second
}

// sweep drops buckets that have refilled, at most once a minute, so that
// the map does not grow with every address ever seen.
func (t *Throttle) sweep(now time.Time) {
	if now.Sub(t.swept) < time.Minute {
		return
	}
	t.swept = now
	full := time.Duration(t.Burst) * t.Every
	for k, b := range t.buckets {
		if now.Sub(b.at) >= full {
			delete(t.buckets, k)
		}
	}
}

// TooMany is the error for a throttled attempt; SetRetryAfter sets the
// header that goes with it.
func TooMany(wait time.Duration) error {
	return core.Errorf(core.ETOOMANY, "尝试过于频繁，请%d秒后再试", int(math.Ceil(wait.Seconds())))
}

// SetRetryAfter sets Retry-After in whole seconds.
func SetRetryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
}

// AllowAttempt applies the guard's login throttle to the request's client
// address. When over the limit it sets Retry-After and returns the 429
// error for the caller to show; otherwise nil.
func (g *Guard) AllowAttempt(w http.ResponseWriter, r *http.Request) error {
	if g.LoginThrottle == nil {
		return nil
	}
	ok, wait := g.LoginThrottle.Allow(ClientIP(r))
	if ok {
		return nil
	}
	SetRetryAfter(w, wait)
	g.Log.Warn("throttled", "request_id", RequestID(r.Context()), "ip", ClientIP(r), "path", r.URL.Path,
		"retry_after_s", fmt.Sprint(int(wait.Seconds())))
	return TooMany(wait)
}
