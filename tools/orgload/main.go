// Command orgload measures the organisation pages against the performance
// requirement: with the national-scale synthetic data loaded (~100,000
// units), the roster and unit-list pages and their API answer in under
// 50 ms at the 95th percentile on SQLite, and the server starts (process
// start to /healthz 200) in under a second.
//
// It is a small, bounded load generator for a server on this machine only:
// it refuses non-loopback addresses, sends a fixed number of requests per
// URL with a fixed concurrency, and stops at a hard time limit.
// scripts/load-org builds the binaries, loads the data and runs it.
//
//	orgload run -base http://127.0.0.1:PORT -token TOKEN [-n 2000] [-c 4] [-url-limit 90s] PATH...
//	orgload coldstart -bin ./liandong -data DIR [-runs 5]
//
// Both exit with status 1 when a target is missed, 2 on usage errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	var ok bool
	switch os.Args[1] {
	case "run":
		ok, err = cmdRun(os.Args[2:])
	case "coldstart":
		ok, err = cmdColdStart(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "orgload:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage:
  orgload run -base http://127.0.0.1:PORT -token TOKEN [-n 2000] [-c 4] [-p95 50ms] [-limit 10m] [-url-limit 90s] PATH...
  orgload coldstart -bin PATH/liandong -data DIR [-runs 5] [-max 1s]`)
	os.Exit(2)
}

// loopback reports whether host names this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// result is what one URL's measurement found.
type result struct {
	path      string
	latencies []time.Duration // of every answered request, whatever its status
	ok        int             // 200 responses
	statuses  map[int]int     // non-200 status → count
	failures  int             // transport errors and timeouts
	firstErr  string
	sent      int
	cut       bool // the time limit stopped it early
}

func cmdRun(args []string) (bool, error) {
	fs := flag.NewFlagSet("orgload run", flag.ContinueOnError)
	base := fs.String("base", "", "server URL, e.g. http://127.0.0.1:8080 (loopback only)")
	token := fs.String("token", "", "API token (liandong token create), sent as Authorization: Bearer")
	n := fs.Int("n", 2000, "requests per URL")
	c := fs.Int("c", 4, "concurrent requests")
	warm := fs.Int("warmup", 20, "unmeasured requests per URL before measuring")
	p95 := fs.Duration("p95", 50*time.Millisecond, "target for the 95th percentile")
	limit := fs.Duration("limit", 10*time.Minute, "hard time limit for the whole run")
	perURL := fs.Duration("url-limit", 90*time.Second, "hard time limit per URL, so one slow URL cannot starve the rest")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return false, fmt.Errorf("-base must be an http:// URL, got %q", *base)
	}
	if !loopback(u.Hostname()) {
		return false, fmt.Errorf("-base %s is not a loopback address: orgload only loads this machine", *base)
	}
	if *token == "" || fs.NArg() == 0 {
		return false, errors.New("-token and at least one PATH are required")
	}
	if *n < 1 || *n > 100000 || *c < 1 || *c > 64 {
		return false, errors.New("-n must be 1..100000 and -c 1..64")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *limit)
	defer cancel()
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *c, MaxConnsPerHost: *c, DisableCompression: true},
		// A redirect (to /login, say) is an answer to report, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	fmt.Printf("orgload: %d requests per URL, concurrency %d, target p95 < %s, against %s\n\n", *n, *c, *p95, *base)
	var results []*result
	for _, p := range fs.Args() {
		target := strings.TrimRight(*base, "/") + p
		uctx, ucancel := context.WithTimeout(ctx, *perURL)
		measure(uctx, client, target, *token, *warm, *c, nil)
		r := &result{path: p, statuses: map[int]int{}}
		measure(uctx, client, target, *token, *n, *c, r)
		ucancel()
		results = append(results, r)
	}
	return report(os.Stdout, results, *p95), nil
}

// measure sends n GETs to target with c workers; with r nil it only warms up.
func measure(ctx context.Context, client *http.Client, target, token string, n, c int, r *result) {
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if ctx.Err() != nil {
					if r != nil {
						mu.Lock()
						r.cut = true
						mu.Unlock()
					}
					return
				}
				status, d, err := get(ctx, client, target, token)
				if r == nil {
					continue
				}
				mu.Lock()
				switch {
				case err != nil && ctx.Err() != nil:
					// Cut off by the time limit, not an answer of the server.
					r.cut = true
					mu.Unlock()
					return
				case err != nil:
					r.failures++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
				case status == http.StatusOK:
					r.ok++
					r.latencies = append(r.latencies, d)
				default:
					r.statuses[status]++
					r.latencies = append(r.latencies, d)
				}
				r.sent++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// get times one request until its whole body has been read.
func get(ctx context.Context, client *http.Client, target, token string) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), err
}

// percentile returns the nearest-rank p-th percentile of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds))*p/100+0.999999) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func report(w io.Writer, results []*result, target time.Duration) bool {
	// Latencies are over every answered request; a URL passes only when
	// all of them were 200 and the 95th percentile is under target.
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "URL\tok\terrors\tp50 ms\tp95 ms\tp99 ms\tmax ms\tverdict")
	pass := true
	var notes []string
	for _, r := range results {
		slices.Sort(r.latencies)
		errs := r.failures
		for _, k := range r.statuses {
			errs += k
		}
		verdict := "PASS"
		switch {
		case r.ok == 0:
			verdict = "FAIL"
		case percentile(r.latencies, 95) >= target || errs > 0 || r.cut:
			verdict = "FAIL"
		}
		if verdict == "FAIL" {
			pass = false
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", r.path, r.ok, errs,
			ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 95)), ms(percentile(r.latencies, 99)),
			ms(percentile(r.latencies, 100)), verdict)
		if r.statuses[http.StatusNotFound] > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d × 404 Not Found — the route is not built yet, or the id is outside the token user's scope",
				r.path, r.statuses[http.StatusNotFound]))
		}
		var codes []int
		for code := range r.statuses {
			if code != http.StatusNotFound {
				codes = append(codes, code)
			}
		}
		sort.Ints(codes)
		for _, code := range codes {
			notes = append(notes, fmt.Sprintf("%s: %d × HTTP %d %s", r.path, r.statuses[code], code, http.StatusText(code)))
		}
		if r.failures > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d requests failed (first: %s)", r.path, r.failures, r.firstErr))
		}
		if r.cut {
			notes = append(notes, fmt.Sprintf("%s: stopped by the time limit after %d requests", r.path, r.sent))
		}
	}
	tw.Flush()
	for _, n := range notes {
		fmt.Fprintln(w, "  note:", n)
	}
	if pass {
		fmt.Fprintf(w, "\nPASS: every URL answered 200 with p95 under %s\n", target)
	} else {
		fmt.Fprintf(w, "\nFAIL: some URL answered errors or missed p95 < %s\n", target)
	}
	return pass
}

func cmdColdStart(args []string) (bool, error) {
	fs := flag.NewFlagSet("orgload coldstart", flag.ContinueOnError)
	bin := fs.String("bin", "", "the liandong binary")
	data := fs.String("data", "", "its data directory (already migrated and loaded)")
	runs := fs.Int("runs", 5, "number of starts")
	limit := fs.Duration("max", time.Second, "target: every start under this")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if *bin == "" || *data == "" || *runs < 1 || *runs > 50 {
		return false, errors.New("-bin and -data are required, -runs 1..50")
	}
	fmt.Printf("orgload: cold start of %s on %s, %d runs, target < %s\n", *bin, *data, *runs, *limit)
	var ds []time.Duration
	for i := 1; i <= *runs; i++ {
		d, err := startOnce(*bin, *data)
		if err != nil {
			return false, fmt.Errorf("run %d: %w", i, err)
		}
		fmt.Printf("  run %d: %s ms to /healthz 200\n", i, ms(d))
		ds = append(ds, d)
	}
	slices.Sort(ds)
	worst := ds[len(ds)-1]
	fmt.Printf("cold start: median %s ms, max %s ms\n", ms(ds[len(ds)/2]), ms(worst))
	if worst >= *limit {
		fmt.Printf("FAIL: a start took %s ms, target < %s\n", ms(worst), *limit)
		return false, nil
	}
	fmt.Printf("PASS: every start under %s\n", *limit)
	return true, nil
}

// freePort asks the kernel for an unused loopback port.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startOnce starts `liandong serve`, times process start to the first
// /healthz 200, then stops it with SIGINT (a graceful shutdown).
func startOnce(bin, data string) (time.Duration, error) {
	addr, err := freePort()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", addr)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &limitedWriter{w: &logs, n: 4096}
	client := &http.Client{Timeout: 500 * time.Millisecond}
	health := "http://" + addr + "/healthz"
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	deadline := start.Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return 0, fmt.Errorf("server exited before answering (%v): %s", err, logs.String())
		default:
		}
		resp, err := client.Get(health)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				d := time.Since(start)
				stop()
				return d, nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	stop()
	return 0, fmt.Errorf("no /healthz 200 within 30 s: %s", logs.String())
}

// limitedWriter keeps the first n bytes written to it (the server's early
// log, shown if it fails to start).
type limitedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
	n  int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
