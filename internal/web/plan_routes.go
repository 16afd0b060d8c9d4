package web

import "liandong/internal/httpx"

// planRoutes are the pages of plans and tasks.
func (s *Server) planRoutes() []httpx.Route {
	return []httpx.Route{}
}
