package web

import (
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/httpx"
	"liandong/internal/notify"
)

// The system administrator's mail page (/admin/mail): SMTP server, sender,
// reminder defaults and the digest hour, with a test mail. The password is
// never shown back: the field stays empty and blank keeps it.

// mailForm is the settings as typed: numbers stay text so that a wrong
// entry is shown back as it was.
type mailForm struct {
	Host, Port, Username, From, TLS, BaseURL string
	Offsets, DigestHour                      string
	HasPassword                              bool
}

func mailFormOf(set notify.Settings) mailForm {
	f := mailForm{Host: set.Host, Username: set.Username, From: set.From, TLS: set.TLS, BaseURL: set.BaseURL,
		Offsets: strings.Join(set.ReminderOffsets, " "), DigestHour: strconv.Itoa(set.DigestHour), HasPassword: set.HasPassword()}
	if set.Port != 0 {
		f.Port = strconv.Itoa(set.Port)
	}
	return f
}

type mailPage struct {
	Base
	Form       mailForm
	Configured bool
	TestTo     string
	TLSModes   []adminOption
	Recent     []notify.Outbox
}

func (s *Server) newMailPage(r *http.Request) (*mailPage, error) {
	set, err := s.Notify.LoadSettings(r.Context())
	if err != nil {
		return nil, err
	}
	p := &mailPage{Base: s.base(r, "邮件与提醒设置"), Form: mailFormOf(set), Configured: set.Configured(),
		TestTo: userEmail(r)}
	p.Recent, err = s.Notify.RecentMail(r.Context(), 20)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (p *mailPage) fillTLS() {
	p.TLSModes = nil
	for _, m := range []adminOption{
		{Value: notify.TLSStartTLS, Label: "STARTTLS（通常为 587 端口）"},
		{Value: notify.TLSImplicit, Label: "SSL/TLS（通常为 465 端口）"},
		{Value: notify.TLSNone, Label: "不加密（仅限内网中继，通常为 25 端口）"},
	} {
		m.Selected = m.Value == p.Form.TLS
		p.TLSModes = append(p.TLSModes, m)
	}
}

func (s *Server) showMailSettings(w http.ResponseWriter, r *http.Request) {
	p, err := s.newMailPage(r)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.fillTLS()
	s.render(w, r, http.StatusOK, "notify/mail", p)
}

func (s *Server) saveMailSettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := r.PostFormValue
	f := mailForm{Host: v("host"), Port: v("port"), Username: v("username"), From: v("from"), TLS: v("tls"),
		BaseURL: v("base_url"), Offsets: v("reminder_offsets"), DigestHour: v("digest_hour")}
	set := notify.Settings{Host: f.Host, Username: f.Username, Password: v("password"), From: f.From, TLS: f.TLS,
		BaseURL: f.BaseURL}
	var es core.Errors
	if strings.TrimSpace(f.Port) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(f.Port))
		if err != nil {
			es.Add("port", "端口请填写整数，常用 25、465 或 587。")
		}
		set.Port = n
	}
	if n, err := strconv.Atoi(strings.TrimSpace(f.DigestHour)); err != nil {
		es.Add("digest_hour", "请填写 0 到 23 之间的整数。")
	} else {
		set.DigestHour = n
	}
	set.ReminderOffsets = strings.FieldsFunc(f.Offsets, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\u3000' || r == '\n' || r == '\r' || r == '\t'
	})
	err := es.Err()
	if err == nil {
		err = s.Notify.SaveSettings(ctx, set)
	}
	if err == nil {
		http.Redirect(w, r, "/admin/mail?flash=saved", http.StatusSeeOther)
		return
	}
	if code := core.ErrorCode(err); code != core.EINVALID {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p, perr := s.newMailPage(r)
	if perr != nil {
		s.Guard.Error(w, r, 0, perr)
		return
	}
	f.HasPassword = p.Form.HasPassword
	p.Form = f
	p.fillTLS()
	authFormErrors(&p.Base, err)
	s.render(w, r, http.StatusUnprocessableEntity, "notify/mail", p)
}

// sendTestMail sends a test mail now and shows the server's answer.
func (s *Server) sendTestMail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	to := r.PostFormValue("test_to")
	err := s.Notify.SendTest(ctx, to)
	if err == nil {
		http.Redirect(w, r, "/admin/mail?flash=mailtest", http.StatusSeeOther)
		return
	}
	if core.ErrorCode(err) != core.EINVALID {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p, perr := s.newMailPage(r)
	if perr != nil {
		s.Guard.Error(w, r, 0, perr)
		return
	}
	p.TestTo = to
	p.fillTLS()
	authFormErrors(&p.Base, err)
	s.render(w, r, http.StatusUnprocessableEntity, "notify/mail", p)
}

// userEmail is the logged-in user's address, the test mail's default.
func userEmail(r *http.Request) string {
	if u := httpx.UserFrom(r.Context()); u != nil {
		return u.Email
	}
	return ""
}
