package web

import "liandong/internal/httpx"

func (s *Server) auditRoutes() []httpx.Route {
	return nil
}
