package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// heldRoutes: forms held across a session timeout, offered again after the
// next login (SECURITY.md I10), and the session's keep-alive for the
// warning before the idle timeout.
func (s *Server) heldRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /held", Perm: auth.PermLogin, Handler: s.showHeld},
		{Pattern: "POST /held/{id}/submit", Perm: auth.PermLogin, Handler: s.submitHeld},
		{Pattern: "POST /held/{id}/discard", Perm: auth.PermLogin, Handler: s.discardHeld},
		{Pattern: "GET " + httpx.PingPath, Perm: auth.PermLogin, Handler: s.sessionStatus},
		{Pattern: "GET " + httpx.StatusPath, Perm: auth.PermLogin, Handler: s.sessionStatus},
	}
}

type heldPage struct {
	Base
	Items []heldItem
}

type heldItem struct {
	ID        int64
	Method    string
	Path      string
	CreatedAt time.Time
	ExpiresAt time.Time
	Title     string // what the form is, when known ("进展报告")
	Fields    []heldField
	Undecoded bool // the body could not be shown field by field
}

// heldField is one field of a held form, shown read-only.
type heldField struct {
	Name      string
	Label     string // what the page calls the field (heldLabel)
	Value     string
	Multiline bool
	File      string // file name of a file part
	Size      int    // its size in bytes
}

// showHeld lists the actor's held requests with what they contained.
func (s *Server) showHeld(w http.ResponseWriter, r *http.Request) {
	a := core.ActorFrom(r.Context())
	held, err := s.Auth.HeldFor(r.Context(), a.UserID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p := &heldPage{Base: s.base(r, "恢复未提交的内容")}
	for _, h := range held {
		it := heldItem{ID: h.ID, Method: h.Method, Path: h.URI, CreatedAt: h.CreatedAt, ExpiresAt: h.ExpiresAt}
		if i := strings.IndexByte(it.Path, '?'); i >= 0 {
			it.Path = it.Path[:i]
		}
		it.Title = heldTitle(it.Path)
		fields, err := heldFields(h.ContentType, h.Body)
		it.Undecoded = err != nil
		for _, f := range fields {
			shown := f.Value
			if f.File != "" {
				shown = f.File
			}
			label, value, ok := heldLabel(it.Path, f.Name, shown)
			if !ok {
				continue
			}
			f.Label = label
			if f.File == "" {
				f.Value = value
			}
			it.Fields = append(it.Fields, f)
		}
		p.Items = append(p.Items, it)
	}
	s.render(w, r, http.StatusOK, "auth/held", p)
}

// submitHeld takes the held request out of the store and serves it through
// its own route as the current session. The route answers: a redirect to
// what was saved, or its form again with the errors and the values typed.
// Should the route fail on the server's side, the request is held again.
func (s *Server) submitHeld(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Guard.Error(w, r, http.StatusNotFound, core.Errorf(core.ENOTFOUND, "该暂存内容不存在"))
		return
	}
	h, err := s.Auth.TakeHeld(r.Context(), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if status := s.Guard.Replay(w, r, h); status >= 500 {
		if _, err := s.Auth.RestoreHeld(r.Context(), h); err != nil {
			s.Log.Error("hold again after a failed replay", "request_id", httpx.RequestID(r.Context()), "err", err.Error())
		}
	}
}

func (s *Server) discardHeld(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Guard.Error(w, r, http.StatusNotFound, core.Errorf(core.ENOTFOUND, "该暂存内容不存在"))
		return
	}
	if err := s.Auth.DiscardHeld(r.Context(), id); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	http.Redirect(w, r, "/held?flash=held_discarded", http.StatusSeeOther)
}

// sessionStatus answers how long the session has before it times out:
// at PingPath after touching it (the warning's 继续 button), at StatusPath
// without (the page's periodic check; the guard reads the session there
// without touching it).
func (s *Server) sessionStatus(w http.ResponseWriter, r *http.Request) {
	v := map[string]int{"idle_minutes": 0, "left_seconds": 0}
	if sess := httpx.SessionFrom(r.Context()); sess != nil {
		v["idle_minutes"] = int(sess.IdleTimeout / time.Minute)
		v["left_seconds"] = int(sess.IdleLeft(s.Clock.Now()) / time.Second)
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

// heldFields decodes a form body into its fields for display, in the order
// posted, leaving out the form token.
func heldFields(contentType string, body []byte) ([]heldField, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, err
	}
	var out []heldField
	add := func(name, value string) {
		if name == "csrf_token" {
			return
		}
		if !utf8.ValidString(value) {
			value = strings.ToValidUTF8(value, "�")
		}
		out = append(out, heldField{Name: name, Value: value, Multiline: strings.Contains(value, "\n") || utf8.RuneCountInString(value) > 80})
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		for _, pair := range strings.Split(string(body), "&") {
			if pair == "" {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			name, err1 := url.QueryUnescape(k)
			value, err2 := url.QueryUnescape(v)
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			add(name, value)
		}
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			} else if err != nil {
				return nil, err
			}
			b, err := io.ReadAll(part)
			if err != nil {
				return nil, err
			}
			if part.FileName() != "" {
				out = append(out, heldField{Name: part.FormName(), File: part.FileName(), Size: len(b)})
				continue
			}
			add(part.FormName(), string(b))
		}
	default:
		return nil, errors.New("web: held request of type " + mt)
	}
	return out, nil
}
