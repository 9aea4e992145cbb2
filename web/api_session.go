package web

import (
	"net/http"
	"time"

	"jedenlogin"
	"jedenlogin/service"
)

// credentials is the body of POST /api/v1/session and
// POST /api/v1/consolidation/confirm.
type credentials struct {
	Login    *string `json:"login"`
	Password *string `json:"password"`
}

// sessionJSON is the answer of POST and GET /api/v1/session.
type sessionJSON struct {
	Login                 string `json:"login"`
	ConsolidationRequired bool   `json:"consolidation_required"`
	// Consolidation is null once the person is done; the key is always
	// there, as SPEC §13 lists it.
	Consolidation *jedenlogin.ConsolidationInfo `json:"consolidation"`
	EntityID      *string                       `json:"entity_id,omitempty"`
	IdleExpiresAt *time.Time                    `json:"idle_expires_at,omitempty"`
	ExpiresAt     *time.Time                    `json:"expires_at,omitempty"`
	// IdleSecondsLeft is what remains of the idle timeout, so the
	// countdown does not depend on the client's clock.
	IdleSecondsLeft *int `json:"idle_seconds_left,omitempty"`
	// PasswordChangeRequired: the password reached Config.PasswordMaxAge;
	// only PUT /api/v1/me/password (and the session endpoints) answer
	// until it is changed.
	PasswordChangeRequired bool `json:"password_change_required"`
	// MFARequired: the second factor is owed; only POST
	// /api/v1/session/mfa (and sign-out) answer until it is given.
	MFARequired bool `json:"mfa_required"`
	// MFAEnrolmentRequired: the policy requires a second factor the
	// person lacks; only the enrolment (and the transition) answer.
	MFAEnrolmentRequired bool `json:"mfa_enrolment_required"`
	// AMR lists how the session was authenticated ("pwd", "otp", "hwk").
	AMR []string `json:"amr"`
}

// withMFA fills in the session's second-factor state.
func (b sessionJSON) withMFA(sess *jedenlogin.Session) sessionJSON {
	b.MFARequired = sess.MFA == jedenlogin.MFAPending
	b.MFAEnrolmentRequired = sess.MFA == jedenlogin.MFAEnrol
	b.AMR = sess.AMR
	return b
}

func sessionBody(rec *jedenlogin.PersonRecord, l *jedenlogin.Login) sessionJSON {
	b := sessionJSON{Login: l.Name, ConsolidationRequired: rec.Person.State != jedenlogin.StateDone}
	if b.ConsolidationRequired {
		b.Consolidation = service.ConsolidationOf(rec, l)
	}
	return b
}

// apiSignIn is POST /api/v1/session: sign in with {"login","password"}.
func (s *Server) apiSignIn(w http.ResponseWriter, r *http.Request) error {
	var req credentials
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("login", req.Login); err != nil {
		return err
	}
	if err := s.requireField("password", req.Password); err != nil {
		return err
	}
	if err := s.checkCredentials(*req.Login, *req.Password); err != nil {
		return err
	}
	res, err := s.signIn(w, r, *req.Login, *req.Password)
	if err != nil {
		return err
	}
	b := sessionBody(res.Record, res.Login).withMFA(res.Session)
	b.PasswordChangeRequired = s.passwordExpired(&res.Record.Person, res.Login)
	writeJSON(w, http.StatusOK, b)
	return nil
}

// apiSignOut is DELETE /api/v1/session: ends the session, if any; always 204.
func (s *Server) apiSignOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.signOut(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// signOut ends the request's session (when there is one; the service
// audits it) and clears the cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	id := s.sessionCookie(r)
	s.setCookie(w, cookieSession, "", -1)
	if id == "" {
		return nil
	}
	return s.sessions.SignOut(r.Context(), hashID(id), s.clientAddr(r))
}

// signIn signs in (service.SignIn) and gives the client the new session.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, name, pw string) (*jedenlogin.SignedIn, error) {
	res, err := s.sessions.SignIn(r.Context(), jedenlogin.SignInRequest{
		Name: name, Password: pw, Addr: s.clientAddr(r), ReplacesIDHash: s.replacedSession(r),
	})
	if err != nil {
		return nil, err
	}
	s.setSession(w, res.SessionID)
	return res, nil
}

// confirm performs the transition (service.Confirm) and gives the client
// the renewed session.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request, a *authState, name, pw string) (*jedenlogin.Confirmed, error) {
	res, err := s.consolidation.Confirm(r.Context(), a.caller(), name, pw)
	if err != nil {
		return nil, err
	}
	s.setSession(w, res.SessionID)
	return res, nil
}

// fullSessionBody adds the session's entity and deadlines.
func (s *Server) fullSessionBody(a *authState) sessionJSON {
	b := sessionBody(a.rec, a.login).withMFA(a.sess)
	b.PasswordChangeRequired = s.passwordExpired(a.person, a.login)
	if a.sess.EntityID != "" {
		b.EntityID = &a.sess.EntityID
	}
	idle, abs := a.idleAt.UTC(), a.sess.ExpiresAt.UTC()
	b.IdleExpiresAt, b.ExpiresAt = &idle, &abs
	left := int((a.idleAt.Sub(s.now()) + time.Second - 1) / time.Second)
	b.IdleSecondsLeft = &left
	return b
}

// apiSessionInfo is GET /api/v1/session: the session's state without
// counting as activity (the countdown dialog asks it).
func (s *Server) apiSessionInfo(w http.ResponseWriter, r *http.Request, a *authState) error {
	writeJSON(w, http.StatusOK, s.fullSessionBody(a))
	return nil
}

// apiSessionRefresh is POST /api/v1/session/refresh: extends the idle
// timeout ("Przedłuż sesję").
func (s *Server) apiSessionRefresh(w http.ResponseWriter, r *http.Request, a *authState) error {
	writeJSON(w, http.StatusOK, s.fullSessionBody(a))
	return nil
}

// apiConsolidationInfo is GET /api/v1/consolidation: what the transition
// screen shows; 409 already_consolidated after the transition.
func (s *Server) apiConsolidationInfo(w http.ResponseWriter, r *http.Request, a *authState) error {
	if !a.pending() {
		return s.toHTTPError(jedenlogin.ErrAlreadyConsolidated)
	}
	writeJSON(w, http.StatusOK, service.ConsolidationOf(a.rec, a.login))
	return nil
}
