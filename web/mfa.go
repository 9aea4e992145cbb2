package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"net/http"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"

	"jedenlogin"
	"jedenlogin/service"
)

// Paths of the second-factor pages.
const (
	pathMFACode    = "/logowanie/kod"
	pathMFAProfile = "/profil/weryfikacja-dwuetapowa"
)

// mfaRoutes wires the second factor's API and pages (issue 14).
func (s *Server) mfaRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/session/mfa", s.api(s.authed(mfaRoute, s.apiVerifyMFA)))
	mux.HandleFunc("GET /api/v1/me/mfa", s.api(s.authed(enrolRoute, s.apiMFAStatus)))
	mux.HandleFunc("POST /api/v1/me/mfa/totp", s.api(s.authed(enrolRoute, s.apiBeginTOTP)))
	mux.HandleFunc("POST /api/v1/me/mfa/totp/confirm", s.api(s.authed(enrolRoute, s.apiConfirmTOTP)))
	mux.HandleFunc("DELETE /api/v1/me/mfa/totp", s.api(s.authed(0, s.apiDisableTOTP)))

	mux.HandleFunc("GET "+pathMFACode, s.page(s.authedPage(mfaRoute, s.pageMFACode)))
	mux.HandleFunc("POST "+pathMFACode, s.page(s.authedPage(mfaRoute, s.pageMFACodePost)))
	mux.HandleFunc("GET "+pathMFAProfile, s.page(s.authedPage(enrolRoute, s.pageMFA)))
	mux.HandleFunc("POST "+pathMFAProfile+"/totp", s.page(s.authedPage(enrolRoute, s.pageBeginTOTP)))
	mux.HandleFunc("POST "+pathMFAProfile+"/totp/potwierdz", s.page(s.authedPage(enrolRoute, s.pageConfirmTOTP)))
	mux.HandleFunc("POST "+pathMFAProfile+"/totp/wylacz", s.page(s.authedPage(0, s.pageDisableTOTP)))
	s.passkeyRoutes(mux)
}

// mfaGate is the answer for a session that owes its second factor on a
// route not open to it (403 mfa_required), nil when the route may go on:
// a session owing the code may use only the mfaRoutes; one that must
// enrol, the enrolment and the transition (sessionRoutes) too.
func (s *Server) mfaGate(a *authState, flags authFlags) *jedenlogin.Error {
	switch a.sess.MFA {
	case jedenlogin.MFAPending:
		if flags&mfaRoute == 0 {
			return s.errf(jedenlogin.CodeMFARequired, "mfa.required")
		}
	case jedenlogin.MFAEnrol:
		if flags&(mfaRoute|enrolRoute|sessionRoute) == 0 {
			return s.errf(jedenlogin.CodeMFARequired, "mfa.enrolment_required")
		}
	}
	return nil
}

// codeRequest is the body of POST /api/v1/session/mfa and of
// POST /api/v1/me/mfa/totp/confirm.
type codeRequest struct {
	Code *string `json:"code"`
}

// maxCodeLen bounds a typed code: a recovery code with its dashes and some
// spaces.
const maxCodeLen = 64

func (s *Server) decodeCode(w http.ResponseWriter, r *http.Request) (string, error) {
	var req codeRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return "", err
	}
	if err := s.requireField("code", req.Code); err != nil {
		return "", err
	}
	if len(*req.Code) > maxCodeLen {
		return "", s.errf(jedenlogin.EINVALID, "request.code_too_long", maxCodeLen)
	}
	return *req.Code, nil
}

// apiVerifyMFA is POST /api/v1/session/mfa {"code"}: a TOTP or recovery
// code (service.VerifyMFA). 200 with the renewed session; 401
// invalid_credentials with "remaining_attempts"; 429 when blocked; 409
// when the session owes no code.
func (s *Server) apiVerifyMFA(w http.ResponseWriter, r *http.Request, a *authState) error {
	code, err := s.decodeCode(w, r)
	if err != nil {
		return err
	}
	res, err := s.mfa.VerifyMFA(r.Context(), a.caller(), code)
	if err != nil {
		return err
	}
	s.setSession(w, res.SessionID)
	a.sess = res.Session
	a.idleAt = res.Session.LastSeenAt.Add(s.cfg.IdleTimeout)
	writeJSON(w, http.StatusOK, s.fullSessionBody(a))
	return nil
}

// mfaStatusJSON is the answer of GET /api/v1/me/mfa.
type mfaStatusJSON struct {
	TOTP              bool          `json:"totp"`
	RecoveryCodesLeft int           `json:"recovery_codes_left"`
	Passkeys          []passkeyJSON `json:"passkeys"`
	Required          bool          `json:"required"`
}

type passkeyJSON struct {
	ID         string     `json:"id"` // base64url, as WebAuthn writes credential ids
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// apiMFAStatus is GET /api/v1/me/mfa: the caller's second factors.
func (s *Server) apiMFAStatus(w http.ResponseWriter, r *http.Request, a *authState) error {
	st, err := s.mfa.MFAStatus(r.Context(), a.caller())
	if err != nil {
		return err
	}
	out := mfaStatusJSON{TOTP: st.TOTP, RecoveryCodesLeft: st.RecoveryCodesLeft, Required: st.Required, Passkeys: []passkeyJSON{}}
	for _, c := range st.Passkeys {
		out.Passkeys = append(out.Passkeys, passkeyJSON{ID: base64.RawURLEncoding.EncodeToString(c.ID), Name: c.Name,
			CreatedAt: c.CreatedAt.UTC(), LastUsedAt: c.LastUsedAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiBeginTOTP is POST /api/v1/me/mfa/totp: 200 {"secret","otpauth_uri"};
// 409 conflict when a TOTP is configured already.
func (s *Server) apiBeginTOTP(w http.ResponseWriter, r *http.Request, a *authState) error {
	e, err := s.mfa.BeginTOTP(r.Context(), a.caller())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, e)
	return nil
}

// apiConfirmTOTP is POST /api/v1/me/mfa/totp/confirm {"code"}: 200
// {"recovery_codes":[…]} (shown only here); a session that had to enrol is
// renewed (new cookie). 422 invalid_code for a wrong code.
func (s *Server) apiConfirmTOTP(w http.ResponseWriter, r *http.Request, a *authState) error {
	code, err := s.decodeCode(w, r)
	if err != nil {
		return err
	}
	res, err := s.mfa.ConfirmTOTP(r.Context(), a.caller(), code)
	if err != nil {
		return err
	}
	if res.Renewed != nil {
		s.setSession(w, res.Renewed.SessionID)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string][]string{"recovery_codes": res.RecoveryCodes})
	return nil
}

// passwordOnly is the body of DELETE /api/v1/me/mfa/totp.
type passwordOnly struct {
	Password *string `json:"password"`
}

// apiDisableTOTP is DELETE /api/v1/me/mfa/totp {"password"}: 204; 401
// invalid_credentials for a wrong password; 404 when there is no TOTP;
// 409 when the policy requires it as the last factor.
func (s *Server) apiDisableTOTP(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req passwordOnly
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("password", req.Password); err != nil {
		return err
	}
	if err := s.checkCredentials(a.login.Name, *req.Password); err != nil {
		return err
	}
	if err := s.mfa.DisableTOTP(r.Context(), a.caller(), *req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resetRequest is the body of POST /api/v1/admin/mfa/reset.
type resetRequest struct {
	Login  *string `json:"login"`
	Reason *string `json:"reason"`
}

// apiResetMFA is POST /api/v1/admin/mfa/reset {"login","reason"}: an
// operator (who gave their own second factor, if any) removes every second
// factor of the person behind login (service.ResetMFA): 204; 403 forbidden
// for others; 404 for an unknown login.
func (s *Server) apiResetMFA(w http.ResponseWriter, r *http.Request, a *authState) error {
	if err := s.operator(a); err != nil {
		return err
	}
	var req resetRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("login", req.Login); err != nil {
		return err
	}
	if err := s.requireField("reason", req.Reason); err != nil {
		return err
	}
	if err := s.mfa.ResetMFA(r.Context(), service.OperatorActor(a.caller()), s.clientAddr(r), *req.Login, *req.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// qrSVG draws text as a QR code in inline SVG (the page's CSP allows
// images from 'self' only, so no data: URL): one path of unit squares with
// a 4-module quiet zone, scaled by CSS.
func qrSVG(text, label string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("QR code: %w", err)
	}
	n := code.Bounds().Dx()
	var d strings.Builder
	for y := range n {
		for x := range n {
			if isDark(code.At(x, y)) {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x+4, y+4)
			}
		}
	}
	svg := fmt.Sprintf(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="232" height="232" role="img" aria-label="%s" shape-rendering="crispEdges"><rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		n+8, n+8, template.HTMLEscapeString(label), d.String())
	return template.HTML(svg), nil
}

func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r+g+b < 3*0x8000
}
