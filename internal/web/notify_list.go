package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"liandong/internal/core"
	"liandong/internal/notify"
)

// The notifications page ("通知"): the user's own notifications, unread
// first, each opened through a POST that marks it read.

type notifyListPage struct {
	Base
	Items   []notify.Notification
	Total   int
	Unread  int
	PrevURL string
	NextURL string
}

const notifyPageSize = 30

func (s *Server) showNotifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := core.ActorFrom(ctx)
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	if offset < 0 {
		offset = 0
	}
	p := &notifyListPage{Base: s.base(r, "通知")}
	items, total, err := s.Notify.List(ctx, a.UserID, core.Page{Offset: offset, Limit: notifyPageSize})
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	p.Items, p.Total, p.Unread = items, total, p.Base.Unread
	if offset > 0 {
		p.PrevURL = fmt.Sprintf("/notifications?offset=%d", max(0, offset-notifyPageSize))
	}
	if offset+notifyPageSize < total {
		p.NextURL = fmt.Sprintf("/notifications?offset=%d", offset+notifyPageSize)
	}
	s.render(w, r, http.StatusOK, "notify/list", p)
}

// markNotificationsRead marks the checked notifications read, or all of
// them when the form says all=1.
func (s *Server) markNotificationsRead(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		s.Guard.Error(w, r, http.StatusBadRequest, core.Invalid("id", "表单无效。"))
		return
	}
	var ids []int64
	if r.PostFormValue("all") != "1" {
		for _, v := range r.PostForm["id"] {
			id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || id <= 0 {
				continue
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			http.Redirect(w, r, "/notifications", http.StatusSeeOther)
			return
		}
	}
	if err := s.Notify.MarkRead(ctx, core.ActorFrom(ctx), ids...); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	http.Redirect(w, r, "/notifications?flash=read", http.StatusSeeOther)
}

// openNotification marks one notification read and goes to what it is
// about. Only a local path is followed, so a stored link can never send
// the user to another site.
func (s *Server) openNotification(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := orgPathID(r, "id")
	if err != nil {
		s.Guard.Error(w, r, http.StatusNotFound, core.NotFound("通知"))
		return
	}
	link, err := s.Notify.Open(ctx, core.ActorFrom(ctx), id)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if !localPath(link) {
		link = "/notifications"
	}
	http.Redirect(w, r, link, http.StatusSeeOther)
}

// localPath reports whether p is a path on this site: "/x", not "//host"
// or "/\host", which browsers read as another site.
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") &&
		!strings.ContainsAny(p, "\r\n")
}

// saveNotifyPrefs stores the user's digest opt-in from the account page.
func (s *Server) saveNotifyPrefs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	prefs := notify.Prefs{Digest: r.PostFormValue("digest") == "on"}
	if err := s.Notify.SavePrefs(ctx, core.ActorFrom(ctx), prefs); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	http.Redirect(w, r, "/account?flash=saved#notify", http.StatusSeeOther)
}
