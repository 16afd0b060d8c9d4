// Command deadlineload plays a deadline day at province scale against a
// server on this machine: every load-test liaison (liandong demo --scale
// province --liaison-tokens FILE) reads its tasks, uploads two ~300 KB
// photos, saves its report with the photos and their captions, and submits
// it, all within the target time (60 s). It prints requests per second,
// the median and 99th percentile of each step and every error, and then
// verifies that nothing acknowledged was lost: every submitted report is
// stored as submitted with its two photos, every photo downloads with the
// SHA-256 the server acknowledged at upload, and a direct count in the
// database agrees.
//
// It refuses non-loopback addresses, bounds its concurrency and stops at
// a hard time limit. scripts/load-deadline builds, loads and runs it.
//
//	deadlineload -base http://127.0.0.1:PORT -tokens FILE -dsn DSN [-c 24] [-target 60s] [-limit 5m] [-units 0]
//
// Exit status: 0 when every submission was acknowledged within the target
// with no error and the verification found everything intact; 1 otherwise;
// 2 on usage errors.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"liandong/internal/db"
)

func main() {
	ok, err := run(os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "deadlineload:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	base, tokens, dsn string
	c, units          int
	target, limit     time.Duration
}

func parse(args []string) (*config, error) {
	fs := flag.NewFlagSet("deadlineload", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.base, "base", "", "server URL, e.g. http://127.0.0.1:8080 (loopback only)")
	fs.StringVar(&cfg.tokens, "tokens", "", `file of "username<TAB>token" lines (liandong demo --liaison-tokens)`)
	fs.StringVar(&cfg.dsn, "dsn", "", "the server's database (SQLite file or postgres:// URL), for the direct count")
	fs.IntVar(&cfg.c, "c", 24, "concurrent liaisons")
	fs.IntVar(&cfg.units, "units", 0, "liaisons to play (0: every one in the file)")
	fs.DurationVar(&cfg.target, "target", 60*time.Second, "every submission must be acknowledged within this time")
	fs.DurationVar(&cfg.limit, "limit", 5*time.Minute, "hard time limit of the submission phase")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.base)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("-base must be an http:// URL without a path, got %q", cfg.base)
	}
	if !loopback(u.Hostname()) {
		return nil, fmt.Errorf("-base %s is not a loopback address: deadlineload only loads this machine", cfg.base)
	}
	cfg.base = strings.TrimRight(cfg.base, "/")
	if cfg.tokens == "" || cfg.dsn == "" {
		return nil, errors.New("-tokens and -dsn are required")
	}
	if cfg.c < 1 || cfg.c > 64 || cfg.units < 0 || cfg.limit <= 0 || cfg.limit > 30*time.Minute {
		return nil, errors.New("-c must be 1..64, -units >= 0, -limit up to 30m")
	}
	return &cfg, nil
}

// loopback reports whether host names this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// liaison is one virtual liaison: its account and the photos it uploads.
type liaison struct {
	username, token string
	photos          [2]photo
}

// ack is what the server acknowledged to one liaison: its report as
// submitted, and each photo's file id and SHA-256 as answered at upload.
type ack struct {
	username string
	token    string
	report   int64
	files    [2]int64
	sha      [2]string
	captions [2]string
}

// readTokens reads the token file.
func readTokens(path string, limit int) ([]liaison, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []liaison
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		user, tok, ok := strings.Cut(strings.TrimSpace(sc.Text()), "\t")
		if !ok || user == "" || tok == "" {
			continue
		}
		out = append(out, liaison{username: user, token: tok})
		if limit > 0 && len(out) == limit {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no tokens", path)
	}
	return out, nil
}

func run(args []string, out io.Writer) (bool, error) {
	cfg, err := parse(args)
	if err != nil {
		return false, err
	}
	ls, err := readTokens(cfg.tokens, cfg.units)
	if err != nil {
		return false, err
	}

	// The photos, before the clock starts.
	start := time.Now()
	ps, err := newPhotoSet()
	if err != nil {
		return false, fmt.Errorf("photos: %w", err)
	}
	if err := makePhotos(ps, ls); err != nil {
		return false, fmt.Errorf("photos: %w", err)
	}
	fmt.Fprintf(out, "deadlineload: %d liaisons, %d distinct photos of %d×%d (~%d KB) made in %s; concurrency %d, target %s, against %s\n\n",
		len(ls), 2*len(ls), photoW, photoH, ps.size(ls[0].photos[0])>>10, time.Since(start).Round(time.Millisecond), cfg.c, cfg.target, cfg.base)

	cl := &client{base: cfg.base, http: &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: cfg.c, MaxConnsPerHost: cfg.c, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, ps: ps, stats: newStats()}

	// The deadline day.
	ctx, cancel := context.WithTimeout(context.Background(), cfg.limit)
	defer cancel()
	acks := make([]*ack, len(ls))
	var failed []string
	var mu sync.Mutex
	begin := time.Now()
	var lastAck atomic.Int64
	each(ctx, len(ls), cfg.c, func(i int) {
		a, err := cl.play(ctx, &ls[i])
		if err != nil {
			mu.Lock()
			failed = append(failed, ls[i].username+": "+err.Error())
			mu.Unlock()
			return
		}
		acks[i] = a
		lastAck.Store(int64(time.Since(begin)))
	})
	wall := time.Since(begin)
	cut := ctx.Err() != nil
	var done []*ack
	for _, a := range acks {
		if a != nil {
			done = append(done, a)
		}
	}
	took := time.Duration(lastAck.Load())
	fmt.Fprintf(out, "submission phase: %d of %d reports submitted and acknowledged in %s (last acknowledgement at %s), %.1f reports/s, %.1f requests/s\n",
		len(done), len(ls), wall.Round(time.Millisecond), took.Round(time.Millisecond),
		float64(len(done))/wall.Seconds(), float64(cl.stats.total())/wall.Seconds())
	cl.stats.print(out, wall, []string{"tasks", "upload", "start", "save", "submit"})
	ok := true
	if cut {
		fmt.Fprintf(out, "FAIL: the hard limit of %s stopped the run\n", cfg.limit)
		ok = false
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		fmt.Fprintf(out, "FAIL: %d liaisons did not finish; first errors:\n", len(failed))
		for _, f := range failed[:min(len(failed), 10)] {
			fmt.Fprintln(out, "  ", f)
		}
		ok = false
	}
	if len(done) == len(ls) && took > cfg.target {
		fmt.Fprintf(out, "FAIL: the last submission was acknowledged after %s, target %s\n", took.Round(time.Millisecond), cfg.target)
		ok = false
	}

	// Verification: outside the clock, nothing acknowledged may be lost.
	fmt.Fprintln(out)
	vctx, vcancel := context.WithTimeout(context.Background(), cfg.limit)
	defer vcancel()
	cl.stats = newStats()
	vstart := time.Now()
	problems := cl.verify(vctx, done, cfg.c)
	vwall := time.Since(vstart)
	fmt.Fprintf(out, "verification over HTTP: %d reports and %d photos read back in %s\n", len(done), 2*len(done), vwall.Round(time.Millisecond))
	cl.stats.print(out, vwall, []string{"report", "download"})
	dbProblems, err := verifyDB(vctx, cfg.dsn, done, out)
	if err != nil {
		dbProblems = append(dbProblems, "database: "+err.Error())
	}
	problems = append(problems, dbProblems...)
	if len(problems) > 0 {
		fmt.Fprintf(out, "FAIL: verification found %d problems; first ones:\n", len(problems))
		for _, p := range problems[:min(len(problems), 20)] {
			fmt.Fprintln(out, "  ", p)
		}
		ok = false
	} else {
		fmt.Fprintf(out, "verified: %d acknowledged submissions stored as submitted, %d photos intact (SHA-256 as acknowledged, over HTTP and in the database)\n",
			len(done), 2*len(done))
	}
	if ok {
		fmt.Fprintln(out, "PASS")
	}
	return ok, nil
}

// makePhotos gives every liaison two photos of its own, on every core.
func makePhotos(ps *photoSet, ls []liaison) error {
	var firstErr error
	var mu sync.Mutex
	each(context.Background(), len(ls), runtime.GOMAXPROCS(0), func(i int) {
		for k := range 2 {
			p, err := ps.make(2*i + k)
			if err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			ls[i].photos[k] = p
		}
	})
	return firstErr
}

// each calls fn(0..n-1) on c workers until done or ctx ends.
func each(ctx context.Context, n, c int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// client sends the liaisons' requests and times each step.
type client struct {
	base  string
	http  *http.Client
	ps    *photoSet
	stats *stats
}

// apiError is an answer other than the one expected.
type apiError struct {
	status int
	body   string
}

func (e *apiError) Error() string {
	b := e.body
	if len(b) > 300 {
		b = b[:300] + "…"
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, b)
}

// do sends one request as step and decodes a 2xx JSON answer into out.
func (c *client) do(ctx context.Context, step, token, method, path, contentType string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	t0 := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.stats.add(step, 0, 0, err)
		return err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if err == nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		err = &apiError{status: resp.StatusCode, body: string(data)}
	}
	if err == nil && out != nil {
		if b, ok := out.(*[]byte); ok {
			*b = data
		} else if jerr := json.Unmarshal(data, out); jerr != nil {
			err = fmt.Errorf("answer is not the expected JSON: %w", jerr)
		}
	}
	c.stats.add(step, resp.StatusCode, d, err)
	return err
}

func (c *client) json(ctx context.Context, step, token, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	return c.do(ctx, step, token, method, path, "application/json", body, out)
}

// The parts of the API's answers the liaisons read.
type (
	cell struct {
		Period struct {
			Key string `json:"key"`
		} `json:"period"`
		ReportID int64  `json:"report_id"`
		State    string `json:"state"`
	}
	mineAnswer struct {
		Items []struct {
			Periods []struct {
				Key string `json:"key"`
			} `json:"periods"`
			Tasks []struct {
				Item struct {
					ID    int64  `json:"id"`
					Title string `json:"title"`
				} `json:"item"`
				BodyID int64  `json:"body_id"`
				Cells  []cell `json:"cells"`
			} `json:"tasks"`
		} `json:"items"`
	}
	fileAnswer struct {
		ID     int64  `json:"id"`
		SHA256 string `json:"sha256"`
		Kind   string `json:"kind"`
	}
	reportAnswer struct {
		ID        int64  `json:"id"`
		UnitID    int64  `json:"unit_id"`
		ItemTitle string `json:"item_title"`
		State     string `json:"state"`
		Version   int64  `json:"version"`
		Figures   []struct {
			Seq  int64   `json:"seq"`
			Goal float64 `json:"goal"`
		} `json:"figures"`
		Photos []struct {
			FileID  int64  `json:"file_id"`
			Caption string `json:"caption"`
		} `json:"photos"`
	}
	figureIn struct {
		Seq   int64    `json:"seq"`
		Value *float64 `json:"value"`
		Note  string   `json:"note"`
	}
	fileIn struct {
		FileID  int64  `json:"file_id"`
		Caption string `json:"caption"`
	}
	draftIn struct {
		Version   int64      `json:"version"`
		Progress  string     `json:"progress"`
		Narrative string     `json:"narrative"`
		Problems  string     `json:"problems"`
		Figures   []figureIn `json:"figures"`
		Photos    []fileIn   `json:"photos"`
	}
)

// play is one liaison's deadline day: find the report due, upload the
// photos, save the report, submit it.
func (c *client) play(ctx context.Context, l *liaison) (*ack, error) {
	var mine mineAnswer
	if err := c.json(ctx, "tasks", l.token, "GET", "/api/v1/me/reports?limit=100", nil, &mine); err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	// The latest period of the first plan; the first task whose report
	// for it is not yet submitted.
	var key struct {
		BodyID int64  `json:"body_id"`
		ItemID int64  `json:"item_id"`
		Period string `json:"period"`
		Kind   string `json:"kind"`
	}
	for _, b := range mine.Items {
		if len(b.Periods) == 0 {
			continue
		}
		last := len(b.Periods) - 1
		for _, t := range b.Tasks {
			if len(t.Cells) != len(b.Periods) {
				continue
			}
			if s := t.Cells[last].State; s == "" || s == "draft" || s == "returned" {
				key.BodyID, key.ItemID, key.Period, key.Kind = t.BodyID, t.Item.ID, b.Periods[last].Key, "unit"
				break
			}
		}
		if key.ItemID != 0 {
			break
		}
	}
	if key.ItemID == 0 {
		return nil, errors.New("tasks: no task with a report left to submit")
	}

	a := &ack{username: l.username, token: l.token}
	for k, p := range l.photos {
		f, err := c.upload(ctx, l.token, p, fmt.Sprintf("现场照片%d.jpg", k+1))
		if err != nil {
			return nil, fmt.Errorf("upload: %w", err)
		}
		if f.ID == 0 || len(f.SHA256) != 64 || f.Kind != "photo" {
			return nil, fmt.Errorf("upload: answer without id, sha256 or kind photo: %+v", f)
		}
		a.files[k], a.sha[k] = f.ID, f.SHA256
	}

	var rep reportAnswer
	if err := c.json(ctx, "start", l.token, "POST", "/api/v1/reports", map[string]any{
		"body_id": key.BodyID, "item_id": key.ItemID, "unit_id": unitOf(l.username), "period": key.Period, "kind": key.Kind,
	}, &rep); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	a.report = rep.ID
	a.captions = [2]string{"活动现场（" + l.username + "，一）", "参加人员合影（" + l.username + "，二）"}
	in := draftIn{Version: rep.Version, Progress: "on_track",
		Narrative: "本期按计划推进“" + rep.ItemTitle + "”，组织开展专题活动，覆盖面较上期扩大。",
		Problems:  "基层活动经费偏紧，需统筹协调。",
		Figures:   []figureIn{},
		Photos:    []fileIn{{a.files[0], a.captions[0]}, {a.files[1], a.captions[1]}}}
	for _, f := range rep.Figures {
		v := f.Goal * 1.1
		in.Figures = append(in.Figures, figureIn{Seq: f.Seq, Value: &v, Note: "含线上活动"})
	}
	var saved reportAnswer
	if err := c.json(ctx, "save", l.token, "PUT", "/api/v1/reports/"+strconv.FormatInt(rep.ID, 10), in, &saved); err != nil {
		return nil, fmt.Errorf("save: %w", err)
	}
	in.Version = saved.Version
	var sub reportAnswer
	if err := c.json(ctx, "submit", l.token, "POST", "/api/v1/reports/"+strconv.FormatInt(rep.ID, 10)+"/submit", in, &sub); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	if sub.State != "submitted" || sub.ID != rep.ID {
		return nil, fmt.Errorf("submit: answered report %d in state %q", sub.ID, sub.State)
	}
	return a, nil
}

// unitOf reads the unit id from a load-test liaison's username.
func unitOf(username string) int64 {
	n, _ := strconv.ParseInt(username[strings.LastIndexByte(username, '-')+1:], 10, 64)
	return n
}

// upload posts one photo as multipart form data.
func (c *client) upload(ctx context.Context, token string, p photo, name string) (*fileAnswer, error) {
	var body bytes.Buffer
	body.Grow(c.ps.size(p) + 1024)
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, name))
	h.Set("Content-Type", "image/jpeg")
	w, err := mw.CreatePart(h)
	if err != nil {
		return nil, err
	}
	if err := c.ps.writeTo(w, p); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var f fileAnswer
	err = c.do(ctx, "upload", token, "POST", "/api/v1/files?kind=photo", mw.FormDataContentType(), body.Bytes(), &f)
	return &f, err
}

// verify reads every acknowledged report back and downloads its photos.
func (c *client) verify(ctx context.Context, acks []*ack, conc int) []string {
	var mu sync.Mutex
	var problems []string
	bad := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	each(ctx, len(acks), conc, func(i int) {
		a := acks[i]
		var got struct {
			Report reportAnswer `json:"report"`
		}
		path := "/api/v1/reports/" + strconv.FormatInt(a.report, 10)
		if err := c.json(ctx, "report", a.token, "GET", path, nil, &got); err != nil {
			bad("report %d of %s: %v", a.report, a.username, err)
			return
		}
		if got.Report.State != "submitted" {
			bad("report %d of %s is %q, acknowledged as submitted", a.report, a.username, got.Report.State)
		}
		if len(got.Report.Photos) != 2 {
			bad("report %d of %s holds %d photos, acknowledged with 2", a.report, a.username, len(got.Report.Photos))
			return
		}
		for k := range 2 {
			ph := got.Report.Photos[k]
			if ph.FileID != a.files[k] || ph.Caption != a.captions[k] {
				bad("report %d of %s: photo %d is file %d %q, acknowledged file %d %q", a.report, a.username, k+1,
					ph.FileID, ph.Caption, a.files[k], a.captions[k])
				continue
			}
			var data []byte
			if err := c.do(ctx, "download", a.token, "GET", path+"/files/"+strconv.FormatInt(a.files[k], 10), "", nil, &data); err != nil {
				bad("report %d of %s: photo %d: %v", a.report, a.username, a.files[k], err)
				continue
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != a.sha[k] {
				bad("report %d of %s: photo %d downloads with SHA-256 %x, acknowledged %s", a.report, a.username, a.files[k], sum, a.sha[k])
			}
		}
	})
	if ctx.Err() != nil {
		problems = append(problems, "verification stopped by the time limit")
	}
	return problems
}

// verifyDB counts in the database itself: the load-test liaisons'
// submitted reports (at least the acknowledged ones; more only if an
// answer was lost after the commit), and each acknowledged report's photo
// rows and the files' stored checksums.
func verifyDB(ctx context.Context, dsn string, acks []*ack, out io.Writer) ([]string, error) {
	d, err := db.Open(ctx, dsn, db.Options{AllowNonDurable: true})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var submitted, photos int
	if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM reports r JOIN users u ON u.id = r.submitted_by
		WHERE u.username LIKE 'load-liaison-%' AND r.state = 'submitted'`).Scan(&submitted); err != nil {
		return nil, err
	}
	if err := d.R().QueryRowContext(ctx, `SELECT COUNT(*) FROM report_files rf JOIN reports r ON r.id = rf.report_id
		JOIN users u ON u.id = r.submitted_by
		WHERE u.username LIKE 'load-liaison-%' AND r.state = 'submitted' AND rf.role = 'photo'`).Scan(&photos); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "database: %d submitted reports of the load-test liaisons with %d photos; %d acknowledged\n", submitted, photos, len(acks))
	var problems []string
	if submitted < len(acks) {
		problems = append(problems, fmt.Sprintf("database holds %d submitted reports, %d were acknowledged", submitted, len(acks)))
	} else if submitted > len(acks) {
		fmt.Fprintf(out, "note: %d submissions were stored though their answer did not arrive (not a loss)\n", submitted-len(acks))
	}
	// Each acknowledged report's photo rows and stored checksums.
	rows, err := d.R().QueryContext(ctx, `SELECT rf.report_id, rf.file_id, f.sha256 FROM report_files rf
		JOIN files f ON f.id = rf.file_id JOIN reports r ON r.id = rf.report_id
		JOIN users u ON u.id = r.submitted_by WHERE u.username LIKE 'load-liaison-%' AND rf.role = 'photo'`)
	if err != nil {
		return problems, err
	}
	defer rows.Close()
	stored := map[int64][]string{} // report → "file:sha"
	for rows.Next() {
		var rep, fid int64
		var sha string
		if err := rows.Scan(&rep, &fid, &sha); err != nil {
			return problems, err
		}
		stored[rep] = append(stored[rep], strconv.FormatInt(fid, 10)+":"+sha)
	}
	if err := rows.Err(); err != nil {
		return problems, err
	}
	for _, a := range acks {
		got := stored[a.report]
		for k := range 2 {
			if !slices.Contains(got, strconv.FormatInt(a.files[k], 10)+":"+a.sha[k]) {
				problems = append(problems, fmt.Sprintf("database: report %d of %s lacks photo %d with SHA-256 %s (has %v)",
					a.report, a.username, a.files[k], a.sha[k], got))
			}
		}
	}
	return problems, nil
}

// stats collects the latencies and errors of each step.
type stats struct {
	mu    sync.Mutex
	steps map[string]*stepStats
}

type stepStats struct {
	lat      []time.Duration
	statuses map[int]int
	errors   int
	firstErr string
}

func newStats() *stats { return &stats{steps: map[string]*stepStats{}} }

func (s *stats) add(step string, status int, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.steps[step]
	if st == nil {
		st = &stepStats{statuses: map[int]int{}}
		s.steps[step] = st
	}
	if status != 0 {
		st.lat = append(st.lat, d)
		st.statuses[status]++
	}
	if err != nil {
		st.errors++
		if st.firstErr == "" {
			st.firstErr = err.Error()
		}
	}
}

func (s *stats) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.steps {
		n += len(st.lat)
	}
	return n
}

// print writes one line per step: requests, req/s over the phase, p50,
// p99, max, statuses and errors.
func (s *stats) print(out io.Writer, wall time.Duration, order []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\trequests\treq/s\tp50\tp99\tmax\terrors\tstatuses\t")
	for _, name := range order {
		st := s.steps[name]
		if st == nil {
			continue
		}
		slices.Sort(st.lat)
		var codes []string
		for code, n := range st.statuses {
			codes = append(codes, fmt.Sprintf("%d×%d", code, n))
		}
		sort.Strings(codes)
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%d\t%s\t\n", name, len(st.lat), float64(len(st.lat))/wall.Seconds(),
			ms(pct(st.lat, 50)), ms(pct(st.lat, 99)), ms(pct(st.lat, 100)), st.errors, strings.Join(codes, " "))
	}
	tw.Flush()
	for _, name := range order {
		if st := s.steps[name]; st != nil && st.firstErr != "" {
			fmt.Fprintf(out, "  first %s error: %s\n", name, st.firstErr)
		}
	}
}

// pct is the p-th percentile of sorted latencies (nearest rank).
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(len(sorted), i)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
