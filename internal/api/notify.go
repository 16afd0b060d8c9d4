package api

import (
	"net/http"
	"time"

	"liandong/internal/auth"
	"liandong/internal/core"
	"liandong/internal/httpx"
)

// notifyRoutes: every user's own notifications. Mail settings are not in
// the API: they hold a server password and are set on the system
// administrator's page.
func (s *Server) notifyRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /api/v1/notifications", Perm: auth.PermLogin, Handler: s.listNotifications},
		{Pattern: "POST /api/v1/notifications/read", Perm: auth.PermLogin, Handler: s.readNotifications},
	}
}

// Notification is one of the caller's notifications.
type Notification struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"` // null while unread
}

// NotificationList is a page of notifications with the unread count.
type NotificationList struct {
	List[Notification]
	Unread int `json:"unread"`
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := core.ActorFrom(ctx)
	p := page(r)
	items, total, err := s.Notify.List(ctx, a.UserID, p)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	unread, err := s.Notify.Unread(ctx, a.UserID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	out := NotificationList{List: List[Notification]{Items: make([]Notification, 0, len(items)), Total: total,
		Offset: p.Offset, Limit: p.Limit}, Unread: unread}
	for _, n := range items {
		j := Notification{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, Link: n.Link, CreatedAt: n.CreatedAt}
		if !n.ReadAt.IsZero() {
			t := n.ReadAt
			j.ReadAt = &t
		}
		out.Items = append(out.Items, j)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// ReadNotificationsRequest is the body of POST /notifications/read: the ids
// to mark read, or all: true. Ids of other users' notifications are
// ignored.
type ReadNotificationsRequest struct {
	IDs []int64 `json:"ids"`
	All bool    `json:"all"`
}

func (s *Server) readNotifications(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var req ReadNotificationsRequest
	if err := decode(r, &req); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	if !req.All && len(req.IDs) == 0 {
		s.Guard.Error(w, r, 0, core.Invalid("ids", "请给出要标为已读的通知编号，或用 \"all\": true 标记全部。"))
		return
	}
	if len(req.IDs) > 500 {
		s.Guard.Error(w, r, 0, core.Invalid("ids", "一次最多标记 500 条通知。"))
		return
	}
	a := core.ActorFrom(ctx)
	ids := req.IDs
	if req.All {
		ids = nil
	}
	if err := s.Notify.MarkRead(ctx, a, ids...); err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	unread, err := s.Notify.Unread(ctx, a.UserID)
	if err != nil {
		s.Guard.Error(w, r, 0, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"unread": unread})
}
