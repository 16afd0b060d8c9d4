package api

import "liandong/internal/httpx"

func (s *Server) reportRoutes() []httpx.Route {
	return nil
}
