package web

import (
	"jedenlogin"
)

// msg returns the catalogue text for key formatted with args.
func (s *Server) msg(key string, args ...any) string { return s.cat.Msg(key, args...) }

// text translates a Text from a service or an error.
func (s *Server) text(t jedenlogin.Text) string { return s.cat.Text(t) }
