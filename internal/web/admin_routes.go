package web

import "liandong/internal/httpx"

func (s *Server) adminRoutes() []httpx.Route {
	return nil
}
