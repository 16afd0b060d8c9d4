package httpx

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"liandong/internal/core"
)

// LimitClass names a rate limit that routes share (SECURITY.md D7): each
// user, or each client address for anonymous requests, has one token
// bucket per class, whichever route of the class it calls.
type LimitClass string

// The limit classes. A route declares one in Route.Limit.
const (
	// LimitUpload: routes that take files (photos, attachments, imported
	// documents).
	LimitUpload LimitClass = "upload"
	// LimitExport: routes that produce exports, downloads of generated
	// files and bundles (XLSX, ZIP).
	LimitExport LimitClass = "export"
)

// limitNames are the Chinese names of the classes for the 429 message.
var limitNames = map[LimitClass]string{LimitUpload: "上传", LimitExport: "导出"}

// DefaultLimits returns the default buckets: uploads 60 at once, then one
// a second (on a deadline day a liaison uploads a dozen photos in a minute
// and a county office several reports); exports 10 at once, then one every
// 6 seconds (an export is a whole table read and written; nobody needs
// more by hand).
func DefaultLimits(clock core.Clock) map[LimitClass]*Throttle {
	return map[LimitClass]*Throttle{
		LimitUpload: {Clock: clock, Burst: 60, Every: time.Second},
		LimitExport: {Clock: clock, Burst: 10, Every: 6 * time.Second},
	}
}

// Unlimited returns buckets that never run out, for tests that walk every
// route many times as one user on a frozen clock (an authorization matrix,
// an output-encoding sweep): the limit would rightly stop them, and is
// tested on its own.
func Unlimited() map[LimitClass]*Throttle {
	return map[LimitClass]*Throttle{LimitUpload: {Burst: -1}, LimitExport: {Burst: -1}}
}

// defaultLimits fills in the default bucket of each class not set.
func (g *Guard) defaultLimits() {
	if g.Limits == nil {
		g.Limits = map[LimitClass]*Throttle{}
	}
	for c, t := range DefaultLimits(g.Clock) {
		if g.Limits[c] == nil {
			g.Limits[c] = t
		}
	}
}

// limitKey is whom a request is counted against: its user when logged in
// (so that an office behind one NAT address is not limited as one), its
// client address otherwise.
func limitKey(r *http.Request) string {
	if a := core.ActorFrom(r.Context()); a != nil {
		return "user:" + strconv.FormatInt(a.UserID, 10)
	}
	return "ip:" + ClientIP(r)
}

// allowLimit takes one token of class for the request. When none is left
// it answers 429 with Retry-After and a Chinese message (an HTML page or
// the API envelope) and reports false.
func (g *Guard) allowLimit(w http.ResponseWriter, r *http.Request, class LimitClass) bool {
	key := limitKey(r)
	ok, wait := g.Limits[class].Allow(key)
	if ok {
		return true
	}
	SetRetryAfter(w, wait)
	g.Log.Warn("rate limited", "request_id", RequestID(r.Context()), "class", string(class), "key", key,
		"path", r.URL.Path, "retry_after_s", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
	g.Error(w, r, http.StatusTooManyRequests, LimitError(class, wait))
	return false
}

// LimitError is the 429 error of class: what was limited and when to try
// again, in Chinese.
func LimitError(class LimitClass, wait time.Duration) error {
	name := limitNames[class]
	if name == "" {
		name = "操作"
	}
	return core.Errorf(core.ETOOMANY, "%s过于频繁，请%d秒后再试", name, int(math.Ceil(wait.Seconds())))
}
