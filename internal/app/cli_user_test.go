package app_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/internal/app"
)

// cliBuf is a concurrency-safe writer for a command's output.
type cliBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (c *cliBuf) Write(p []byte) (int, error) { c.mu.Lock(); defer c.mu.Unlock(); return c.b.Write(p) }
func (c *cliBuf) String() string              { c.mu.Lock(); defer c.mu.Unlock(); return c.b.String() }

var setupLinkRe = regexp.MustCompile(`(http://[^\s/]+)/setup\?token=([A-Za-z0-9_-]+)`)

// TestServeOnEmptyDatabasePrintsSetupLink is SECURITY.md A1 at the command
// line: `liandong serve` on a database without accounts prints a one-time
// setup link on standard output (never into the JSON log), and that link
// creates the first administrators.
func TestServeOnEmptyDatabasePrintsSetupLink(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr cliBuf
	done := make(chan int, 1)
	go func() {
		done <- app.Main(ctx, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, &stdout, &stderr)
	}()
	var m []string
	for deadline := time.Now().Add(20 * time.Second); m == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no setup link printed:\n%s\n%s", stdout.String(), stderr.String())
		}
		m = setupLinkRe.FindStringSubmatch(stdout.String())
	}
	base, token := m[1], m[2]
	if !strings.Contains(stdout.String(), "liandong user add --role system_admin") {
		t.Fatal("the command-line alternative is not printed")
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/setup?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	_, _ = page.ReadFrom(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page.String())
	if resp.StatusCode != http.StatusOK || csrf == nil {
		t.Fatalf("setup page: %d", resp.StatusCode)
	}
	form := url.Values{"csrf_token": {csrf[1]}, "token": {token}}
	for _, p := range []string{"sys_", "sec_", "aud_"} {
		form.Set(p+"username", p+"first")
		form.Set(p+"display_name", "测试")
		form.Set(p+"password", "Hongshui-River-77")
		form.Set(p+"password2", "Hongshui-River-77")
	}
	resp, err = c.PostForm(base+"/setup", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup with the printed link: %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), token) {
		t.Fatal("the setup token is in the log")
	}
	// The next start has accounts: no link.
	var out2, err2 cliBuf
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() {
		done <- app.Main(ctx2, []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, &out2, &err2)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out2.String(), "serving on"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("second start: %s", err2.String())
		}
	}
	cancel2()
	<-done
	if strings.Contains(out2.String(), "/setup") {
		t.Fatal("a setup link printed although accounts exist")
	}
}

// TestUserAddNeedsRole: the command line creates accounts with a role, or
// not at all.
func TestUserAddNeedsRole(t *testing.T) {
	var stdout, stderr cliBuf
	code := app.Main(context.Background(), []string{"user", "add", "--data", t.TempDir(), "--username", "zhang",
		"--name", "张三"}, &stdout, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "--role is required") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}
