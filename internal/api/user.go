package api

import "liandong/internal/httpx"

func (s *Server) userRoutes() []httpx.Route {
	return nil
}
