package web

import (
	"jedenlogin"
	"net/http"
	"strings"
)

// loginRecoveryRequest is the body of POST /api/v1/recovery/login.
type loginRecoveryRequest struct {
	FirstName  *string `json:"first_name"`
	SecondName *string `json:"second_name"`
	LastName   *string `json:"last_name"`
	PESEL      *string `json:"pesel"`
	Email      *string `json:"email"`
}

// passwordRecoveryRequest is the body of POST /api/v1/recovery/password.
type passwordRecoveryRequest struct {
	Login     *string `json:"login"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	PESEL     *string `json:"pesel"`
	Email     *string `json:"email"`
}

// recoveryAccepted is the one answer of both recovery forms.
type recoveryAccepted struct {
	Message string `json:"message"`
}

// recoveredLoginJSON is the answer of a login recovery link.
type recoveredLoginJSON struct {
	Login   string   `json:"login"`
	Logins  []string `json:"logins"`
	Pending bool     `json:"consolidation_required"`
}

// str is a JSON member's value, "" when it was not sent.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// apiRecoverLogin is POST /api/v1/recovery/login
// (service.RequestLoginRecovery): always 202 with the same body once the
// form is well formed; 400 for a malformed one, 429 over the address's
// limit.
func (s *Server) apiRecoverLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRecoveryRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	he := s.recovery.RequestLoginRecovery(r.Context(), jedenlogin.LoginRecoveryRequest{
		FirstName: str(req.FirstName), SecondName: str(req.SecondName), LastName: str(req.LastName),
		PESEL: str(req.PESEL), Email: str(req.Email),
	}, s.clientAddr(r))
	if he != nil {
		return he
	}
	writeJSON(w, http.StatusAccepted, recoveryAccepted{Message: s.msg("recovery.login_sent")})
	return nil
}

// apiRecoverPassword is POST /api/v1/recovery/password
// (service.RequestPasswordRecovery): always 202 with the same body once
// the form is well formed.
func (s *Server) apiRecoverPassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordRecoveryRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	he := s.recovery.RequestPasswordRecovery(r.Context(), jedenlogin.PasswordRecoveryRequest{
		Login: str(req.Login), FirstName: str(req.FirstName), LastName: str(req.LastName),
		PESEL: str(req.PESEL), Email: str(req.Email),
	}, s.clientAddr(r))
	if he != nil {
		return he
	}
	writeJSON(w, http.StatusAccepted, recoveryAccepted{Message: s.msg("recovery.password_sent")})
	return nil
}

// apiRecoveredLogin is POST /api/v1/recovery/login/{token} {"pesel"}
// (service.RecoverLogin): 200 {"login","logins","consolidation_required"};
// 422 pesel_mismatch; 410 link_expired.
func (s *Server) apiRecoveredLogin(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		PESEL *string `json:"pesel"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("pesel", req.PESEL); err != nil {
		return err
	}
	res, err := s.recovery.RecoverLogin(r.Context(), r.PathValue("token"), strings.TrimSpace(*req.PESEL), s.clientAddr(r))
	he := jedenlogin.AsError(err)
	if he != nil {
		return he
	}
	writeJSON(w, http.StatusOK, recoveredLoginJSON{Login: res.Login, Logins: res.Logins, Pending: res.Pending})
	return nil
}

// apiResetPassword is POST /api/v1/recovery/password/{token}
// {"new_password"} (service.ResetPassword): 204; 422 weak_password with
// "reasons"; 410 link_expired.
func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		NewPassword *string `json:"new_password"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("new_password", req.NewPassword); err != nil {
		return err
	}
	if _, err := s.recovery.ResetPassword(r.Context(), r.PathValue("token"), *req.NewPassword, s.clientAddr(r)); err != nil {
		he := jedenlogin.AsError(err)
		return he
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
