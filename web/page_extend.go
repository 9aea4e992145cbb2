package web

import "net/http"

// pageExtend is GET /przedluz: the application to extend a grant is not
// built yet; the page says so plainly rather than pretend.
func (s *Server) pageExtend(w http.ResponseWriter, r *http.Request, a *authState) error {
	s.render(w, r, http.StatusOK, "extend", &pageData{
		Title: s.msg("extend.title"), User: s.user(r, a, "entities"), CSRF: a.sess.CSRFToken,
	})
	return nil
}
