package api

import "liandong/internal/httpx"

func (s *Server) orgRoutes() []httpx.Route {
	return nil
}
