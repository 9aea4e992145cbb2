package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"

	"jedenlogin"
)

// passkeyCeremonies starts the WebAuthn ceremonies. It is not on
// jedenlogin.MFAService because its results are go-webauthn's types, which
// the root package (standard library only) cannot name; the handlers send
// them to the browser as they are.
type passkeyCeremonies interface {
	BeginPasskeyRegistration(ctx context.Context, c *jedenlogin.Caller) (*protocol.CredentialCreation, error)
	BeginPasskeySignIn(ctx context.Context, c *jedenlogin.Caller) (*protocol.CredentialAssertion, error)
}

// passkeyRoutes wires the passkey (WebAuthn) ceremonies: the options come
// from the JSON API (static/passkey.js asks for them); the authenticator's
// answer goes back either to the API or, from the pages, in a form.
func (s *Server) passkeyRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/me/mfa/passkeys/options", s.api(s.authed(enrolRoute, s.apiPasskeyOptions)))
	mux.HandleFunc("POST /api/v1/me/mfa/passkeys", s.api(s.authed(enrolRoute, s.apiAddPasskey)))
	mux.HandleFunc("DELETE /api/v1/me/mfa/passkeys/{id}", s.api(s.authed(0, s.apiRemovePasskey)))
	mux.HandleFunc("POST /api/v1/session/mfa/passkey/options", s.api(s.authed(mfaRoute, s.apiPasskeySignInOptions)))
	mux.HandleFunc("POST /api/v1/session/mfa/passkey", s.api(s.authed(mfaRoute, s.apiPasskeySignIn)))

	mux.HandleFunc("POST "+pathMFAProfile+"/klucze", s.page(s.authedPage(enrolRoute, s.pageAddPasskey)))
	mux.HandleFunc("POST "+pathMFAProfile+"/klucze/usun", s.page(s.authedPage(0, s.pageRemovePasskey)))
	mux.HandleFunc("POST "+pathMFACode+"/klucz", s.page(s.authedPage(mfaRoute, s.pagePasskeySignIn)))
}

// apiPasskeyOptions is POST /api/v1/me/mfa/passkeys/options: the
// PublicKeyCredentialCreationOptions ({"publicKey": …}) for
// navigator.credentials.create().
func (s *Server) apiPasskeyOptions(w http.ResponseWriter, r *http.Request, a *authState) error {
	opts, err := s.passkeys.BeginPasskeyRegistration(r.Context(), a.caller())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, opts)
	return nil
}

// passkeyRequest is the body of POST /api/v1/me/mfa/passkeys and of
// POST /api/v1/session/mfa/passkey: the PublicKeyCredential as JSON
// (WebAuthn's toJSON form) and, to register, its name.
type passkeyRequest struct {
	Name       *string         `json:"name,omitempty"`
	Credential json.RawMessage `json:"credential"`
}

// apiAddPasskey is POST /api/v1/me/mfa/passkeys {"name","credential"}: 201
// {"id","name","recovery_codes"} (recovery codes only with the first
// factor); the session is renewed. 422 invalid_code for an answer that does
// not verify.
func (s *Server) apiAddPasskey(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req passkeyRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("name", req.Name); err != nil {
		return err
	}
	if len(req.Credential) == 0 {
		return s.errf(jedenlogin.EINVALID, "request.missing_field", "credential")
	}
	res, err := s.mfa.FinishPasskeyRegistration(r.Context(), a.caller(), *req.Name, req.Credential)
	if err != nil {
		return err
	}
	s.setSession(w, res.Renewed.SessionID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": base64.RawURLEncoding.EncodeToString(res.Credential.ID), "name": res.Credential.Name,
		"recovery_codes": nonNil(res.RecoveryCodes),
	})
	return nil
}

// apiRemovePasskey is DELETE /api/v1/me/mfa/passkeys/{id} (base64url): 204;
// 404 when there is no such passkey; 409 when the policy requires it as the
// last factor.
func (s *Server) apiRemovePasskey(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := base64.RawURLEncoding.DecodeString(r.PathValue("id"))
	if err != nil {
		return s.errf(jedenlogin.ENOTFOUND, "passkey.not_found")
	}
	if err := s.mfa.RemovePasskey(r.Context(), a.caller(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// apiPasskeySignInOptions is POST /api/v1/session/mfa/passkey/options: the
// PublicKeyCredentialRequestOptions ({"publicKey": …}) for
// navigator.credentials.get().
func (s *Server) apiPasskeySignInOptions(w http.ResponseWriter, r *http.Request, a *authState) error {
	opts, err := s.passkeys.BeginPasskeySignIn(r.Context(), a.caller())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, opts)
	return nil
}

// apiPasskeySignIn is POST /api/v1/session/mfa/passkey {"credential"}: as
// POST /api/v1/session/mfa, with a passkey (amr gains "hwk").
func (s *Server) apiPasskeySignIn(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req passkeyRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if len(req.Credential) == 0 {
		return s.errf(jedenlogin.EINVALID, "request.missing_field", "credential")
	}
	res, err := s.mfa.VerifyPasskey(r.Context(), a.caller(), req.Credential)
	if err != nil {
		return err
	}
	s.setSession(w, res.SessionID)
	a.sess = res.Session
	a.idleAt = res.Session.LastSeenAt.Add(s.cfg.IdleTimeout)
	writeJSON(w, http.StatusOK, s.fullSessionBody(a))
	return nil
}

// pageAddPasskey is POST /profil/weryfikacja-dwuetapowa/klucze: the form
// static/passkey.js submits with the authenticator's answer.
func (s *Server) pageAddPasskey(w http.ResponseWriter, r *http.Request, a *authState) error {
	res, err := s.mfa.FinishPasskeyRegistration(r.Context(), a.caller(), r.PostFormValue("name"), []byte(r.PostFormValue("credential")))
	if err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.CodeMFARequired {
			return he
		}
		d, p, err := s.mfaPageData(r, a)
		if err != nil {
			return err
		}
		p.PasskeyName = r.PostFormValue("name")
		s.formError(d, he)
		s.render(w, r, statusOfError(he), "mfa", d)
		return nil
	}
	s.setSession(w, res.Renewed.SessionID)
	a.sess = res.Renewed.Session
	d, p, err := s.mfaPageData(r, a)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	d.Info = s.msg("passkey.added", res.Credential.Name)
	if res.RecoveryCodes != nil || a.sess.MFA == jedenlogin.MFADone {
		p.RecoveryCodes, p.Next = res.RecoveryCodes, s.nextAfterSignIn(r, a.sess, a.person, a.login)
	}
	s.render(w, r, http.StatusOK, "mfa", d)
	return nil
}

// pageRemovePasskey is POST /profil/weryfikacja-dwuetapowa/klucze/usun
// {id}: removes a passkey.
func (s *Server) pageRemovePasskey(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := base64.RawURLEncoding.DecodeString(r.PostFormValue("id"))
	if err == nil {
		err = s.mfa.RemovePasskey(r.Context(), a.caller(), id)
	} else {
		err = s.errf(jedenlogin.ENOTFOUND, "passkey.not_found")
	}
	d, _, derr := s.mfaPageData(r, a)
	if derr != nil {
		return derr
	}
	if err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		s.formError(d, he)
		s.render(w, r, statusOfError(he), "mfa", d)
		return nil
	}
	d.Info = s.msg("passkey.removed")
	s.render(w, r, http.StatusOK, "mfa", d)
	return nil
}

// pagePasskeySignIn is POST /logowanie/kod/klucz: the form static/passkey.js
// submits with the authenticator's answer on "Kod weryfikacyjny".
func (s *Server) pagePasskeySignIn(w http.ResponseWriter, r *http.Request, a *authState) error {
	if a.sess.MFA != jedenlogin.MFAPending {
		http.Redirect(w, r, s.nextAfterSignIn(r, a.sess, a.person, a.login), http.StatusSeeOther)
		return nil
	}
	res, err := s.mfa.VerifyPasskey(r.Context(), a.caller(), []byte(strings.TrimSpace(r.PostFormValue("credential"))))
	if err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		d, err := s.mfaCodeData(r, a)
		if err != nil {
			return err
		}
		s.formError(d, he)
		setRetryAfter(w, he.RetryAfter)
		s.render(w, r, statusOfError(he), "mfa_code", d)
		return nil
	}
	s.setSession(w, res.SessionID)
	http.Redirect(w, r, s.nextAfterSignIn(r, res.Session, a.person, a.login), http.StatusSeeOther)
	return nil
}
