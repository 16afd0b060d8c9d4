package api

import "liandong/internal/httpx"

// planRoutes are the API of plans and tasks.
func (s *Server) planRoutes() []httpx.Route {
	return []httpx.Route{}
}
