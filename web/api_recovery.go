package web

import (
	"context"
	"jedenlogin"
	"net/http"
	"strings"

	"jedenlogin/account"
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

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// Limits of the names and addresses the recovery forms accept at all.
const maxRecoveryField = 254

// recoveryFields checks the fields common to both forms: the names given,
// a well-formed PESEL and e-mail address, and sizes. Errors are 400
// bad_request naming the field; they depend only on the form, never on
// the data on record.
func (s *Server) recoveryFields(fields map[string]*string) (pesel, email string, err error) {
	for _, name := range []string{"first_name", "last_name", "pesel", "email", "login"} {
		v, ok := fields[name]
		if !ok {
			continue
		}
		if v == nil || strings.TrimSpace(*v) == "" {
			he := s.errf(jedenlogin.EINVALID, "request.missing_field", name)
			he.Extra = map[string]any{"field": name}
			return "", "", he
		}
	}
	for name, v := range fields {
		if v != nil && len(*v) > maxRecoveryField {
			he := s.errf(jedenlogin.EINVALID, "recovery.field_too_long", name)
			he.Extra = map[string]any{"field": name}
			return "", "", he
		}
	}
	pesel, err = account.NormalizePESEL(deref(fields["pesel"]))
	if err != nil {
		return "", "", s.fieldError(err, "pesel")
	}
	email, err = account.NormalizeEmail(deref(fields["email"]))
	if err != nil {
		return "", "", s.fieldError(err, "email")
	}
	return pesel, email, nil
}

// acceptLoginRecovery validates and queues "Odzyskaj login"; the answer is
// the same whatever the data match.
func (s *Server) acceptLoginRecovery(ctx context.Context, r *http.Request, req loginRecoveryRequest) error {
	pesel, email, err := s.recoveryFields(map[string]*string{
		"first_name": req.FirstName, "second_name": req.SecondName, "last_name": req.LastName, "pesel": req.PESEL, "email": req.Email,
	})
	if err != nil {
		return err
	}
	now, addr := s.now(), s.clientAddr(r)
	if err := s.countRecovery(ctx, addr, now); err != nil {
		return err
	}
	lr := account.LoginRecovery{FirstName: deref(req.FirstName), SecondName: deref(req.SecondName), LastName: deref(req.LastName), PESEL: pesel, Email: email}
	return s.queueRecovery(ctx, "login recovery", func(ctx context.Context) error {
		return s.requestLoginRecovery(ctx, lr, addr, now)
	})
}

// acceptPasswordRecovery validates and queues "Nie pamiętasz hasła?".
func (s *Server) acceptPasswordRecovery(ctx context.Context, r *http.Request, req passwordRecoveryRequest) error {
	pesel, email, err := s.recoveryFields(map[string]*string{
		"login": req.Login, "first_name": req.FirstName, "last_name": req.LastName, "pesel": req.PESEL, "email": req.Email,
	})
	if err != nil {
		return err
	}
	if len(*req.Login) > maxLoginLen {
		return s.errf(jedenlogin.EINVALID, "request.login_too_long")
	}
	now, addr := s.now(), s.clientAddr(r)
	if err := s.countRecovery(ctx, addr, now); err != nil {
		return err
	}
	pr := account.PasswordRecovery{Login: strings.TrimSpace(*req.Login), FirstName: deref(req.FirstName), LastName: deref(req.LastName), PESEL: pesel, Email: email}
	return s.queueRecovery(ctx, "password recovery", func(ctx context.Context) error {
		return s.requestPasswordRecovery(ctx, pr, addr, now)
	})
}

// apiRecoverLogin is POST /api/v1/recovery/login: always 202 with the same
// body once the form is well formed; 400 for a malformed one, 429 over the
// address's limit.
func (s *Server) apiRecoverLogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRecoveryRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.acceptLoginRecovery(r.Context(), r, req); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, recoveryAccepted{Message: s.msg("recovery.login_sent")})
	return nil
}

// apiRecoverPassword is POST /api/v1/recovery/password: always 202 with
// the same body once the form is well formed.
func (s *Server) apiRecoverPassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordRecoveryRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.acceptPasswordRecovery(r.Context(), r, req); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, recoveryAccepted{Message: s.msg("recovery.password_sent")})
	return nil
}

// apiRecoveredLogin is POST /api/v1/recovery/login/{token} {"pesel"}: 200
// {"login","logins","consolidation_required"}; 422 pesel_mismatch; 410
// link_expired.
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
	res, err := s.showLogin(r.Context(), r.PathValue("token"), strings.TrimSpace(*req.PESEL), s.clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// apiResetPassword is POST /api/v1/recovery/password/{token}
// {"new_password"}: 204; 422 weak_password with "reasons"; 410
// link_expired.
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
	if _, err := s.resetPassword(r.Context(), r.PathValue("token"), *req.NewPassword, s.clientAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
