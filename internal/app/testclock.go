package app

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// The test clock lets browser tests move the server's time (an idle
// timeout, a deadline) without waiting: `serve --demo --test-clock` runs on
// a clock that follows the system clock plus an offset, and serves
// POST /test/clock?advance=31m. The route exists only with the flag, and
// the flag is refused without --demo.

// advancer is a clock that tests can move forward.
type advancer interface {
	core.Clock
	Advance(time.Duration)
}

// offsetClock is the system clock plus an offset that only grows.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

func (c *offsetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// maxAdvance bounds one step of the test clock: more than a year is never
// what a test means.
const maxAdvance = 400 * 24 * time.Hour

// testClockSetup checks the test clock's preconditions and returns the
// clock the application runs on.
func testClockSetup(cfg *Config) (advancer, error) {
	if !cfg.Demo {
		return nil, errors.New("app: --test-clock is allowed only with --demo")
	}
	if cfg.Clock == nil {
		cfg.Clock = &offsetClock{}
	}
	c, ok := cfg.Clock.(advancer)
	if !ok {
		return nil, errors.New("app: the test clock needs a clock that can be advanced")
	}
	cfg.Log.Warn("TEST CLOCK ENABLED: anyone can move this server's time with POST /test/clock; never use this outside tests")
	return c, nil
}

// testClockRoutes serves POST /test/clock?advance=DURATION: the clock moves
// forward and the new time is returned.
func (a *App) testClockRoutes(c advancer) []httpx.Route {
	return []httpx.Route{{Pattern: "POST /test/clock", Perm: auth.PermPublic, Handler: func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("advance"))
		if err != nil || d <= 0 || d > maxAdvance {
			httpx.WriteJSONError(w, r, http.StatusUnprocessableEntity,
				core.Invalid("advance", "请给出向前拨动的时长，如 31m、26m、2h（不超过400天）"))
			return
		}
		c.Advance(d)
		a.Log.Warn("test clock advanced", "by", d.String(), "now", c.Now().Format(time.RFC3339))
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"now": c.Now().Format(time.RFC3339)})
	}}}
}
