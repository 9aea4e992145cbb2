package web

import (
	"net/http"

	"jedenlogin"
)

// pageHome is GET /: the entity list when signed in, the transition screen
// while it is pending, the sign-in page otherwise.
func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) error {
	a, end, err := s.loadSession(w, r, true)
	if err != nil {
		return s.internal(err)
	}
	switch {
	case a == nil && end == sessionExpired:
		http.Redirect(w, r, "/logowanie?sesja=wygasla", http.StatusSeeOther)
	case a == nil && end == sessionReplaced:
		http.Redirect(w, r, "/logowanie?sesja=zastapiona", http.StatusSeeOther)
	case a == nil:
		http.Redirect(w, r, "/logowanie", http.StatusSeeOther)
	case a.sess.MFA == jedenlogin.MFAPending:
		http.Redirect(w, r, pathMFACode, http.StatusSeeOther)
	case a.pending():
		http.Redirect(w, r, "/potwierdz-login", http.StatusSeeOther)
	case a.sess.MFA == jedenlogin.MFAEnrol:
		http.Redirect(w, r, pathMFAProfile, http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/podmioty", http.StatusSeeOther)
	}
	return nil
}
