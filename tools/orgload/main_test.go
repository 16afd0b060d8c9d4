package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReportPassesOnlyAnswered200sAndExplains404s(t *testing.T) {
	var sawToken bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawToken = r.Header.Get("Authorization") == "Bearer tok"
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte("fine"))
		case "/login-redirect":
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var results []*result
	for _, p := range []string{"/ok", "/org/units", "/login-redirect"} {
		r := &result{path: p, statuses: map[int]int{}}
		measure(context.Background(), client, srv.URL+p, "tok", 40, 3, r)
		results = append(results, r)
	}
	if !sawToken {
		t.Error("the bearer token was not sent")
	}
	var out bytes.Buffer
	if report(&out, results, time.Minute) {
		t.Errorf("report passed with 404s and redirects:\n%s", out.String())
	}
	text := out.String()
	for _, want := range []string{
		"/org/units: 40 × 404 Not Found — the route is not built yet",
		"/login-redirect: 40 × HTTP 303 See Other",
		"FAIL: some URL",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if results[0].ok != 40 || len(results[0].latencies) != 40 {
		t.Errorf("/ok: %d of 40 answered 200", results[0].ok)
	}

	out.Reset()
	if !report(&out, results[:1], time.Minute) {
		t.Errorf("report failed a URL answering 200 well under target:\n%s", out.String())
	}
	// A target no request can meet fails the same URL.
	out.Reset()
	if report(&out, []*result{{path: "/ok", ok: 1, latencies: []time.Duration{time.Millisecond}, statuses: map[int]int{}}}, time.Microsecond) {
		t.Error("report passed a p95 over target")
	}
}

func TestRunRefusesNonLoopbackServers(t *testing.T) {
	for _, base := range []string{"http://10.0.0.8:8080", "http://example.org", "https://127.0.0.1:8080"} {
		if _, err := cmdRun([]string{"-base", base, "-token", "x", "/org/units"}); err == nil {
			t.Errorf("run against %s was not refused", base)
		}
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond,
		99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if got := percentile(ds[:1], 95); got != time.Millisecond {
		t.Errorf("p95 of one sample = %v", got)
	}
}
