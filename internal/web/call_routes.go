package web

import "liandong/internal/httpx"

func (s *Server) callRoutes() []httpx.Route {
	return nil
}
