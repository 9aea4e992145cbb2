package web

import (
	"jedenlogin"
	"net/http"
)

// passwordRequest is the body of PUT /api/v1/me/password.
type passwordRequest struct {
	Current *string `json:"current"`
	New     *string `json:"new"`
}

// apiChangePassword is PUT /api/v1/me/password {"current","new"}
// (service.ChangePassword): 204, or 422 weak_password with "reasons", 401
// invalid_credentials for a wrong current password, 429 when blocked.
func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req passwordRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("current", req.Current); err != nil {
		return err
	}
	if err := s.requireField("new", req.New); err != nil {
		return err
	}
	if err := s.accounts.ChangePassword(r.Context(), a.caller(), jedenlogin.PasswordChange{Current: *req.Current, New: *req.New}); err != nil {
		he := jedenlogin.AsError(err)
		return he
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
