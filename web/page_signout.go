package web

import (
	"errors"
	"net/http"

	"jedenlogin"
)

// pageSignOut is POST /wyloguj ("WYLOGUJ SIĘ"): ends the session and shows
// the sign-in page. The form's token must match the session's.
func (s *Server) pageSignOut(w http.ResponseWriter, r *http.Request) error {
	if id := s.sessionCookie(r); id != "" {
		sess, err := s.st.Session(r.Context(), hashID(id))
		switch {
		case errors.Is(err, jedenlogin.ErrNotFound):
		case err != nil:
			return s.internal(err)
		case !sameToken(r.PostFormValue("csrf"), sess.CSRFToken):
			return s.errf(jedenlogin.EFORBIDDEN, "error.csrf")
		}
	}
	if err := s.signOut(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/logowanie?wylogowano", http.StatusSeeOther)
	return nil
}
