package web

import "liandong/internal/httpx"

func (s *Server) accountRoutes() []httpx.Route {
	return nil
}
