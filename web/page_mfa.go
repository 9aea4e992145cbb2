package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"time"

	"jedenlogin"
)

// nextAfterSignIn is where a browser goes once a sign-in step is done: the
// code page while the second factor is owed, then the transition, the
// enrolment the policy requires, an expired password's change, the module
// it signs in for, or PODMIOTY.
func (s *Server) nextAfterSignIn(r *http.Request, sess *jedenlogin.Session, p *jedenlogin.Person, l *jedenlogin.Login) string {
	switch {
	case sess.MFA == jedenlogin.MFAPending:
		return pathMFACode
	case p.State != jedenlogin.StateDone:
		return "/potwierdz-login"
	case sess.MFA == jedenlogin.MFAEnrol:
		return pathMFAProfile
	case s.passwordExpired(p, l):
		return "/profil/haslo"
	}
	if next := s.oidcNext(r, false); next != "" {
		return next // back to the module (page_oidc.go)
	}
	return "/podmioty"
}

// pageMFACode is GET /logowanie/kod: "Kod weryfikacyjny", the sign-in's
// second step. A session that owes no code goes on.
func (s *Server) pageMFACode(w http.ResponseWriter, r *http.Request, a *authState) error {
	if a.sess.MFA != jedenlogin.MFAPending {
		http.Redirect(w, r, s.nextAfterSignIn(r, a.sess, a.person, a.login), http.StatusSeeOther)
		return nil
	}
	d, err := s.mfaCodeData(r, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "mfa_code", d)
	return nil
}

// mfaCodePage is the data of "Kod weryfikacyjny".
type mfaCodePage struct {
	// Passkeys: the person has passkeys, so the page offers them.
	Passkeys bool
}

func (s *Server) mfaCodeData(r *http.Request, a *authState) (*pageData, error) {
	st, err := s.mfa.MFAStatus(r.Context(), a.caller())
	if err != nil {
		return nil, err
	}
	return &pageData{Title: s.msg("mfa.code_title"), User: s.user(r, a, ""), CSRF: a.sess.CSRFToken, Fields: map[string]string{},
		Data: mfaCodePage{Passkeys: len(st.Passkeys) > 0}}, nil
}

// pageMFACodePost is POST /logowanie/kod: checks the code
// (service.VerifyMFA) and goes on; on failure shows the form again with
// the attempts left.
func (s *Server) pageMFACodePost(w http.ResponseWriter, r *http.Request, a *authState) error {
	if a.sess.MFA != jedenlogin.MFAPending {
		http.Redirect(w, r, s.nextAfterSignIn(r, a.sess, a.person, a.login), http.StatusSeeOther)
		return nil
	}
	d, err := s.mfaCodeData(r, a)
	if err != nil {
		return err
	}
	code := r.PostFormValue("code")
	switch {
	case strings.TrimSpace(code) == "":
		d.Fields["code"] = s.msg("mfa.code_required")
	case len(code) > maxCodeLen:
		d.Fields["code"] = s.msg("mfa.code_wrong")
	}
	if len(d.Fields) > 0 {
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "mfa_code", d)
		return nil
	}
	res, err := s.mfa.VerifyMFA(r.Context(), a.caller(), code)
	if err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return he
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

// mfaPage is the data of "Weryfikacja dwuetapowa".
type mfaPage struct {
	Status *jedenlogin.MFAStatus
	// Enrolment is a TOTP secret waiting for its first code, with its QR
	// code; nil when none.
	Enrolment *jedenlogin.TOTPEnrolment
	QR        template.HTML
	// RecoveryCodes are shown once, right after the enrolment; Next is
	// where "Dalej" then leads.
	RecoveryCodes []string
	Next          string
	// Enrolling: the policy holds the session until it enrols.
	Enrolling bool
	// PasskeyName is the name typed for a passkey that was refused.
	PasskeyName string
	Passkeys    []passkeyRow
}

// passkeyRow is one passkey on the page.
type passkeyRow struct {
	ID        string // base64url
	Name      string
	CreatedAt *time.Time
	LastUsed  *time.Time
}

// mfaPageData builds the page for the caller's factors as they are now.
func (s *Server) mfaPageData(r *http.Request, a *authState) (*pageData, *mfaPage, error) {
	c := a.caller()
	st, err := s.mfa.MFAStatus(r.Context(), c)
	if err != nil {
		return nil, nil, err
	}
	p := &mfaPage{Status: st, Enrolling: a.sess.MFA == jedenlogin.MFAEnrol}
	for _, c := range st.Passkeys {
		p.Passkeys = append(p.Passkeys, passkeyRow{ID: base64.RawURLEncoding.EncodeToString(c.ID), Name: c.Name, CreatedAt: &c.CreatedAt, LastUsed: c.LastUsedAt})
	}
	if !st.TOTP {
		if p.Enrolment, err = s.mfa.PendingTOTP(r.Context(), c); err != nil {
			return nil, nil, err
		}
		if p.Enrolment != nil {
			if p.QR, err = qrSVG(p.Enrolment.OTPAuthURI, s.msg("mfa.qr_label")); err != nil {
				return nil, nil, s.internal(err)
			}
		}
	}
	d := &pageData{Title: s.msg("mfa.title"), User: s.user(r, a, "profile"), CSRF: a.sess.CSRFToken, Data: p}
	if p.Enrolling {
		d.Notice = s.msg("mfa.enrolment_required")
	}
	return d, p, nil
}

// pageMFA is GET /profil/weryfikacja-dwuetapowa: the caller's second
// factors, the enrolment in progress, or the removal form.
func (s *Server) pageMFA(w http.ResponseWriter, r *http.Request, a *authState) error {
	d, _, err := s.mfaPageData(r, a)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "mfa", d)
	return nil
}

// pageBeginTOTP is POST /profil/weryfikacja-dwuetapowa/totp: a new secret
// (service.BeginTOTP), shown by the page.
func (s *Server) pageBeginTOTP(w http.ResponseWriter, r *http.Request, a *authState) error {
	if _, err := s.mfa.BeginTOTP(r.Context(), a.caller()); err != nil {
		return err
	}
	http.Redirect(w, r, pathMFAProfile+"#potwierdz", http.StatusSeeOther)
	return nil
}

// pageConfirmTOTP is POST /profil/weryfikacja-dwuetapowa/totp/potwierdz:
// confirms the enrolment with the first code and shows the recovery codes
// once.
func (s *Server) pageConfirmTOTP(w http.ResponseWriter, r *http.Request, a *authState) error {
	d, p, err := s.mfaPageData(r, a)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	code := r.PostFormValue("code")
	if strings.TrimSpace(code) == "" || len(code) > maxCodeLen {
		d.Error, d.Fields = s.msg("form.has_errors"), map[string]string{"code": s.msg("mfa.code_required")}
		s.render(w, r, http.StatusBadRequest, "mfa", d)
		return nil
	}
	res, err := s.mfa.ConfirmTOTP(r.Context(), a.caller(), code)
	if err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.CodeMFARequired {
			return he
		}
		s.formError(d, he)
		s.render(w, r, statusOfError(he), "mfa", d)
		return nil
	}
	s.setSession(w, res.Renewed.SessionID)
	a.sess = res.Renewed.Session
	if d, p, err = s.mfaPageData(r, a); err != nil {
		return err
	}
	p.RecoveryCodes, p.Next = res.RecoveryCodes, s.nextAfterSignIn(r, a.sess, a.person, a.login)
	d.Info = s.msg("mfa.totp_enabled")
	s.render(w, r, http.StatusOK, "mfa", d)
	return nil
}

// pageDisableTOTP is POST /profil/weryfikacja-dwuetapowa/totp/wylacz:
// removes the TOTP after the password (service.DisableTOTP).
func (s *Server) pageDisableTOTP(w http.ResponseWriter, r *http.Request, a *authState) error {
	pw := r.PostFormValue("password")
	var fail *jedenlogin.Error
	if pw == "" {
		fail = s.errf(jedenlogin.EINVALID, "form.has_errors")
		fail.Fields = map[string]jedenlogin.Text{"password": jedenlogin.T("password.current_required")}
	} else if err := s.checkCredentials(a.login.Name, pw); err != nil {
		fail = jedenlogin.AsError(err)
	} else if err := s.mfa.DisableTOTP(r.Context(), a.caller(), pw); err != nil {
		fail = jedenlogin.AsError(err)
		if fail.Code == jedenlogin.EINTERNAL {
			return fail
		}
		if fail.Code == jedenlogin.CodeInvalidCredentials {
			fail.Fields = map[string]jedenlogin.Text{"password": jedenlogin.T("password.current_wrong")}
		}
	}
	d, _, err := s.mfaPageData(r, a)
	if err != nil {
		return err
	}
	if fail != nil {
		s.formError(d, fail)
		setRetryAfter(w, fail.RetryAfter)
		s.render(w, r, statusOfError(fail), "mfa", d)
		return nil
	}
	d.Info = s.msg("mfa.totp_disabled")
	s.render(w, r, http.StatusOK, "mfa", d)
	return nil
}
