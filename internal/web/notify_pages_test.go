package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"liandong/internal/app"
	"liandong/internal/core"
	"liandong/internal/notify"
	"liandong/internal/testkit"
)

// ntfSMTP is a real SMTP server on loopback that keeps the decoded
// subjects of what it receives.
type ntfSMTP struct {
	port     int
	mu       sync.Mutex
	subjects []string
	to       []string
}

func ntfStartSMTP(t *testing.T) *ntfSMTP {
	s := &ntfSMTP{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &ntfSession{s: s}, nil }))
	srv.Domain, srv.ErrorLog = "localhost", nil
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

type ntfSession struct {
	s  *ntfSMTP
	to string
}

func (x *ntfSession) Reset()                                    {}
func (x *ntfSession) Logout() error                             { return nil }
func (x *ntfSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (x *ntfSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = to; return nil }
func (x *ntfSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.subjects, x.s.to = append(x.s.subjects, subj), append(x.s.to, x.to)
	x.s.mu.Unlock()
	return nil
}

func ntfNotify(t *testing.T, e *secEnv) *notify.Service {
	return &notify.Service{DB: e.App.DB, Clock: e.Clock, Jobs: e.App.Jobs}
}

func ntfSend(t *testing.T, e *secEnv, userID int64, title, link string) {
	t.Helper()
	s := ntfNotify(t, e)
	if err := e.App.DB.InTx(context.Background(), func(tx *sql.Tx) error {
		return s.Send(context.Background(), tx, notify.Note{To: notify.Recipients{Users: []int64{userID}}, Kind: "call.new", Title: title, Link: link})
	}); err != nil {
		t.Fatal(err)
	}
}

// The 通知 page and the header badge: a liaison sees only their own
// notifications, opens one (marked read, taken to its page), cannot open
// another user's (404), and a link that leaves the site is not followed.
func TestNotificationPages(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		liaison := e.user("liaison1", core.RoleLiaison)
		other := e.user("liaison2", core.RoleLiaison)
		ntfSend(t, e, liaison.ID, "新的材料征集：2020年工作总结", "/calls/12")
		ntfSend(t, e, liaison.ID, "外部链接", "//evil.example.com/x")
		ntfSend(t, e, other.ID, "别人的通知", "/calls/13")

		c := e.login("liaison1")
		_, home := c.Get("/")
		if !strings.Contains(home, `class="badge"`) || !strings.Contains(home, ">2</span>") {
			t.Fatalf("header shows no unread count of 2:\n%s", home)
		}
		resp, page := c.Get("/notifications")
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "新的材料征集：2020年工作总结") || strings.Contains(page, "别人的通知") {
			t.Fatalf("notifications page %d:\n%s", resp.StatusCode, page)
		}
		ids := ntfIDs(t, e, liaison.ID)
		otherIDs := ntfIDs(t, e, other.ID)

		resp, _ = c.Post("/notifications/"+secItoa(ids["新的材料征集：2020年工作总结"])+"/open", nil)
		secExpectRedirect(t, "open", resp, "/calls/12")
		resp, _ = c.Post("/notifications/"+secItoa(ids["外部链接"])+"/open", nil)
		secExpectRedirect(t, "open external", resp, "/notifications")
		if resp.Header.Get("Location") != "/notifications" {
			t.Errorf("external link followed: %s", resp.Header.Get("Location"))
		}
		resp, _ = c.Post("/notifications/"+secItoa(otherIDs["别人的通知"])+"/open", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("opening another user's notification: %d, want 404", resp.StatusCode)
		}
		// Mark-read by id ignores another user's id.
		resp, _ = c.Post("/notifications/read", url.Values{"id": {secItoa(otherIDs["别人的通知"])}})
		secExpectRedirect(t, "mark read", resp, "/notifications")
		if n, _ := ntfNotify(t, e).Unread(context.Background(), other.ID); n != 1 {
			t.Errorf("another user's notification was marked read")
		}
		_, home = c.Get("/")
		if strings.Contains(home, `class="badge"`) {
			t.Errorf("badge still shown after reading everything")
		}

		// The API: list with the unread count, mark read, unknown fields refused.
		ntfSend(t, e, liaison.ID, "报告被退回", "/reports/3")
		resp, body := c.Get("/api/v1/notifications?limit=10")
		var list struct {
			Items []struct {
				ID     int64   `json:"id"`
				Title  string  `json:"title"`
				ReadAt *string `json:"read_at"`
			} `json:"items"`
			Total, Unread int
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 || list.Total != 3 || list.Unread != 1 ||
			list.Items[0].Title != "报告被退回" || list.Items[0].ReadAt != nil {
			t.Fatalf("GET /api/v1/notifications: %d %v %s", resp.StatusCode, err, body)
		}
		resp, body = c.Do("POST", "/api/v1/notifications/read", "application/json",
			strings.NewReader(`{"ids":[`+secItoa(list.Items[0].ID)+`,`+secItoa(otherIDs["别人的通知"])+`]}`))
		if resp.StatusCode != 200 || strings.TrimSpace(body) != `{"unread":0}` {
			t.Fatalf("POST read: %d %s", resp.StatusCode, body)
		}
		if n, _ := ntfNotify(t, e).Unread(context.Background(), other.ID); n != 1 {
			t.Errorf("the API marked another user's notification read")
		}
		resp, body = c.Do("POST", "/api/v1/notifications/read", "application/json", strings.NewReader(`{"ids":[1],"user_id":2}`))
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("unknown field: %d %s", resp.StatusCode, body)
		}
		resp, body = c.Do("POST", "/api/v1/notifications/read", "application/json", strings.NewReader(`{}`))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "ids") {
			t.Errorf("empty request: %d %s", resp.StatusCode, body)
		}

		// The digest opt-in on the account page.
		_, acct := c.Get("/account")
		if !strings.Contains(acct, `name="digest"`) || !strings.Contains(acct, "尚未配置邮件服务器") {
			t.Fatalf("account page lacks the digest opt-in or the in-app-only notice")
		}
		resp, _ = c.Post("/account/notify", url.Values{"digest": {"on"}})
		secExpectRedirect(t, "opt in", resp, "/account")
		if p, _ := ntfNotify(t, e).LoadPrefs(context.Background(), liaison.ID); !p.Digest {
			t.Errorf("digest opt-in not stored")
		}
	})
}

func ntfIDs(t *testing.T, e *secEnv, userID int64) map[string]int64 {
	t.Helper()
	list, _, err := ntfNotify(t, e).List(context.Background(), userID, core.Page{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, n := range list {
		out[n.Title] = n.ID
	}
	return out
}

// The mail settings page: the system administrator's only; says plainly
// when mail is off; keeps what was typed on an error; never shows the
// password back; sends a test mail to a real SMTP server.
func TestMailSettingsPage(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, dsn string) {
		e := secStart(t, dsn, app.Config{})
		e.user("office1", core.RoleOffice)
		e.user("sys", core.RoleSystemAdmin)
		e.user("sec", core.RoleSecurityAdmin)
		for _, who := range []string{"office1"} {
			c := e.login(who)
			if resp, _ := c.Get("/admin/mail"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s GET /admin/mail: %d, want 403", who, resp.StatusCode)
			}
			if resp, _ := c.Post("/admin/mail", url.Values{"host": {"evil.example.com"}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST /admin/mail: %d, want 403", who, resp.StatusCode)
			}
		}
		sec := e.loginAdmin("sec")
		if resp, _ := sec.Get("/admin/mail"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("security admin GET /admin/mail: %d, want 403", resp.StatusCode)
		}

		c := e.loginAdmin("sys")
		resp, page := c.Get("/admin/mail")
		if resp.StatusCode != 200 || !strings.Contains(page, "尚未配置邮件服务器，目前只在系统内通知") {
			t.Fatalf("mail page %d without the in-app-only notice:\n%s", resp.StatusCode, page)
		}
		bad := url.Values{"host": {"smtp.example.gov.cn"}, "port": {"五八七"}, "from": {"kx@example.gov.cn"}, "tls": {"starttls"},
			"reminder_offsets": {"-3d 三天后"}, "digest_hour": {"8"}}
		resp, page = c.Post("/admin/mail", bad)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="五八七"`) ||
			!strings.Contains(page, "端口请填写整数") || !strings.Contains(page, `value="-3d 三天后"`) {
			t.Fatalf("bad settings: %d\n%s", resp.StatusCode, page)
		}
		box := ntfStartSMTP(t)
		good := url.Values{"host": {"127.0.0.1"}, "port": {secItoa(int64(box.port))}, "from": {"柳州市科协 <kx@example.gov.cn>"},
			"tls": {"none"}, "username": {"kx"}, "password": {"Smtp-Secret-9"}, "reminder_offsets": {"-3d，-1d，+1d"}, "digest_hour": {"8"}}
		resp, _ = c.Post("/admin/mail", good)
		secExpectRedirect(t, "save", resp, "/admin/mail?flash=saved")
		_, page = c.Get("/admin/mail")
		if strings.Contains(page, "Smtp-Secret-9") || !strings.Contains(page, "已设置。留空表示不修改") || !strings.Contains(page, "邮件已启用") {
			t.Fatalf("saved page shows the password or no state:\n%s", page)
		}
		if e.auditCount("mail.settings", "success") != 1 {
			t.Errorf("settings change not audited")
		}
		// The test server takes no login: save without one to send.
		good.Set("username", "")
		good.Set("password", "")
		resp, _ = c.Post("/admin/mail", good)
		secExpectRedirect(t, "save without login", resp, "/admin/mail")
		resp, page = c.Post("/admin/mail/test", url.Values{"test_to": {"不是邮箱"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "请填写正确的收件邮箱地址") {
			t.Fatalf("bad test address: %d", resp.StatusCode)
		}
		resp, _ = c.Post("/admin/mail/test", url.Values{"test_to": {"sys@example.gov.cn"}})
		secExpectRedirect(t, "test mail", resp, "/admin/mail?flash=mailtest")
		box.mu.Lock()
		defer box.mu.Unlock()
		if len(box.subjects) != 1 || box.subjects[0] != "【联动】测试邮件" || box.to[0] != "sys@example.gov.cn" {
			t.Fatalf("test mail: %v to %v", box.subjects, box.to)
		}
		if e.auditCount("mail.test", "success") != 1 {
			t.Errorf("test mail not audited")
		}
	})
}
