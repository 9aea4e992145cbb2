package web

import (
	"net/http"
	"strings"
)

// pageSessionExtend is POST /sesja/przedluz ("Przedłuż sesję"): the
// request itself counts as activity. The countdown script posts it with
// fetch and gets JSON; without script the browser is sent back.
func (s *Server) pageSessionExtend(w http.ResponseWriter, r *http.Request, a *authState) error {
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		writeJSON(w, http.StatusOK, s.fullSessionBody(a))
		return nil
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
	return nil
}

// localPath returns p when it is a path on this site, "/" otherwise, so a
// form cannot redirect elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}
