package httpx

import (
	"testing"
	"time"

	"liandong/internal/core"
)

// TestThrottleBucket: a burst, then one attempt per interval, per address;
// the wait reported is until the next attempt; idle buckets are dropped.
func TestThrottleBucket(t *testing.T) {
	clock := core.NewFakeClock(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	th := &Throttle{Clock: clock, Burst: 3, Every: 10 * time.Second}
	for i := 0; i < 3; i++ {
		if ok, _ := th.Allow("10.0.0.1"); !ok {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	ok, wait := th.Allow("10.0.0.1")
	if ok || wait < 10*time.Second || wait > 11*time.Second {
		t.Fatalf("over the burst: ok=%v wait=%v, want refused for about 10 s", ok, wait)
	}
	if ok, _ := th.Allow("10.0.0.2"); !ok {
		t.Fatal("another address refused")
	}
	clock.Advance(10 * time.Second)
	if ok, _ := th.Allow("10.0.0.1"); !ok {
		t.Fatal("refused after one interval")
	}
	if ok, _ := th.Allow("10.0.0.1"); ok {
		t.Fatal("two attempts after one interval")
	}
	clock.Advance(time.Hour)
	th.Allow("10.0.0.3")
	if _, kept := th.buckets["10.0.0.2"]; kept {
		t.Fatal("an idle, refilled bucket was kept")
	}
	if ok, _ := th.Allow("10.0.0.1"); !ok {
		t.Fatal("refused after an hour")
	}
}
