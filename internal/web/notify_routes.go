package web

import "liandong/internal/httpx"

func (s *Server) notifyRoutes() []httpx.Route {
	return nil
}
