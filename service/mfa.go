package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"jedenlogin"
	"jedenlogin/mail"
)

// MFAPolicy says who must have a second factor (--mfa-required).
type MFAPolicy struct {
	// Operators: persons with Person.Operator.
	Operators bool
	// Heads: persons holding a valid kierownik or po_kierownika grant.
	Heads bool
}

// ParseMFAPolicy reads a comma-separated list of "operator" and
// "kierownik" ("" or "none": nobody); an unknown word is an error naming it.
func ParseMFAPolicy(v string) (MFAPolicy, error) {
	var p MFAPolicy
	for _, w := range strings.Split(v, ",") {
		switch strings.TrimSpace(w) {
		case "", "none":
		case "operator":
			p.Operators = true
		case "kierownik":
			p.Heads = true
		default:
			return p, fmt.Errorf("unknown role %q (known: operator, kierownik)", strings.TrimSpace(w))
		}
	}
	return p, nil
}

// TOTPOpts are the only TOTP parameters jedenlogin issues and accepts: the
// defaults every authenticator app reads (RFC 6238: SHA-1, 6 digits, 30 s).
var TOTPOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// RecoveryCodeCount is how many recovery codes an enrolment gives.
const RecoveryCodeCount = 10

// MatchTOTP returns the time step (Unix time / period) whose code of the
// secret equals code, trying the step of now and one step on either side
// (clocks drift, people type slowly); ok is false when none matches. It
// compares in constant time. Replay protection is the caller's: the step
// must be later than the last one accepted.
func MatchTOTP(secret, code string, now time.Time, opts totp.ValidateOpts) (step int64, ok bool) {
	if len(code) != opts.Digits.Length() {
		return 0, false
	}
	cur := now.Unix() / int64(opts.Period)
	for _, st := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(st*int64(opts.Period), 0), opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// normaliseCode drops spaces and dashes and lower-cases: how people copy
// codes.
func normaliseCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			return -1
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return r
	}, code)
}

// newRecoveryCodes returns RecoveryCodeCount codes of 128 random bits each
// (base32, lower case, in dashed groups) and their hashes. A plain SHA-256
// is enough for a secret of 128 random bits: nobody can try 2^127 guesses
// against a leaked hash, so the slow salted hashes passwords need (they
// are guessable) would only cost every sign-in time.
func newRecoveryCodes() (codes, hashes []string) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range RecoveryCodeCount {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			panic(fmt.Sprintf("service: crypto/rand failed: %v", err))
		}
		s := strings.ToLower(enc.EncodeToString(b)) // 26 characters
		codes = append(codes, s[0:5]+"-"+s[5:10]+"-"+s[10:15]+"-"+s[15:20]+"-"+s[20:])
		hashes = append(hashes, recoveryHash(s))
	}
	return codes, hashes
}

// recoveryHash is how a recovery code is stored: hex SHA-256 of its
// normalised form.
func recoveryHash(normalised string) string {
	sum := sha256.Sum256([]byte(normalised))
	return hex.EncodeToString(sum[:])
}

// MFARequired reports whether the policy requires a second factor of the
// person of rec: an operator, or (Heads) a holder of a kierownik or
// po_kierownika grant valid now.
func (s *Service) MFARequired(rec *jedenlogin.PersonRecord, now time.Time) bool {
	p := s.cfg.MFARequired
	if p.Operators && rec.Person.Operator {
		return true
	}
	return p.Heads && slices.ContainsFunc(rec.Grants, func(g jedenlogin.Grant) bool {
		return (g.Function == jedenlogin.FunctionHead || g.Function == jedenlogin.FunctionActingHead) && g.ValidAt(now)
	})
}

// mfaStateAtSignIn is the second-factor state a session starts in after a
// correct password: pending when the person has a factor, enrol when the
// policy requires one they lack, done otherwise.
func (s *Service) mfaStateAtSignIn(ctx context.Context, rec *jedenlogin.PersonRecord, now time.Time) (jedenlogin.MFAState, error) {
	has, err := s.st.HasMFA(ctx, rec.Person.ID)
	if err != nil {
		return "", err
	}
	switch {
	case has:
		return jedenlogin.MFAPending, nil
	case s.MFARequired(rec, now):
		return jedenlogin.MFAEnrol, nil
	}
	return jedenlogin.MFADone, nil
}

// MFAStatus returns the caller's second factors. Errors are internal.
func (s *MFA) MFAStatus(ctx context.Context, c *jedenlogin.Caller) (*jedenlogin.MFAStatus, error) {
	if err := needRecord(c, "second factors"); err != nil {
		return nil, err
	}
	f, err := s.st.MFAFactors(ctx, c.Person.ID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("second factors: %w", err))
	}
	return &jedenlogin.MFAStatus{
		TOTP: f.TOTP != nil && f.TOTP.Confirmed, RecoveryCodesLeft: f.RecoveryCodesLeft,
		Passkeys: f.Credentials, Required: s.MFARequired(c.Record, s.now()),
	}, nil
}

// issuer is the name authenticator apps show for jedenlogin's codes: the
// public host.
func (s *Service) issuer() string {
	if u, err := url.Parse(s.public); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "jedenlogin"
}

// mayManageMFA refuses a session still owing its second factor (403
// mfa_required): only one that gave it, or one that must enrol, may change
// factors.
func (s *Service) mayManageMFA(c *jedenlogin.Caller) error {
	if c.Session.MFA == jedenlogin.MFAPending {
		return s.errf(jedenlogin.CodeMFARequired, "mfa.required")
	}
	return nil
}

// BeginTOTP starts the caller's TOTP enrolment: a new secret (replacing one
// not yet confirmed), shown once here and confirmed by ConfirmTOTP. Errors:
// 409 conflict when the caller has a confirmed TOTP (remove it first), 403
// mfa_required, internal.
func (s *MFA) BeginTOTP(ctx context.Context, c *jedenlogin.Caller) (*jedenlogin.TOTPEnrolment, error) {
	if err := s.mayManageMFA(c); err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.issuer(), AccountName: c.Login.Name,
		Period: TOTPOpts.Period, Digits: TOTPOpts.Digits, Algorithm: TOTPOpts.Algorithm, SecretSize: 20,
	})
	if err != nil {
		return nil, s.internal(fmt.Errorf("TOTP secret: %w", err))
	}
	stored, err := s.sealSecret(key.Secret())
	if err != nil {
		return nil, s.internal(fmt.Errorf("seal TOTP secret: %w", err))
	}
	err = s.st.BeginTOTP(ctx, c.Person.ID, stored, s.now())
	if errors.Is(err, jedenlogin.ErrConflict) {
		return nil, s.errf(jedenlogin.ECONFLICT, "mfa.totp_exists")
	} else if err != nil {
		return nil, s.internal(fmt.Errorf("begin TOTP: %w", err))
	}
	return &jedenlogin.TOTPEnrolment{Secret: key.Secret(), OTPAuthURI: key.URL()}, nil
}

// PendingTOTP returns the caller's TOTP enrolment waiting for its first
// code (the page shows it again after a wrong code), nil when none.
func (s *MFA) PendingTOTP(ctx context.Context, c *jedenlogin.Caller) (*jedenlogin.TOTPEnrolment, error) {
	f, err := s.st.MFAFactors(ctx, c.Person.ID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("second factors: %w", err))
	}
	if f.TOTP == nil || f.TOTP.Confirmed {
		return nil, nil
	}
	secret, err := s.openSecret(f.TOTP.Secret)
	if err != nil {
		return nil, s.internal(err)
	}
	key, err := otp.NewKeyFromURL((&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + s.issuer() + ":" + c.Login.Name,
		RawQuery: url.Values{"secret": {secret}, "issuer": {s.issuer()}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}.Encode()}).String())
	if err != nil {
		return nil, s.internal(fmt.Errorf("TOTP key: %w", err))
	}
	return &jedenlogin.TOTPEnrolment{Secret: secret, OTPAuthURI: key.URL()}, nil
}

// ConfirmTOTP confirms the caller's pending TOTP enrolment with a first
// code and returns 10 new recovery codes. The session is renewed: the
// code proved the factor, so its second factor is done and amr gains
// "otp" (a session that had to enrol may now do everything).
// Errors: 422 invalid_code (a wrong code; Fields["code"]), 409 conflict
// (no enrolment pending), 403 mfa_required, internal.
func (s *MFA) ConfirmTOTP(ctx context.Context, c *jedenlogin.Caller, code string) (*jedenlogin.MFAConfirmed, error) {
	if err := s.mayManageMFA(c); err != nil {
		return nil, err
	}
	now := s.now()
	f, err := s.st.MFAFactors(ctx, c.Person.ID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("second factors: %w", err))
	}
	if f.TOTP == nil || f.TOTP.Confirmed {
		return nil, s.errf(jedenlogin.ECONFLICT, "mfa.no_enrolment")
	}
	secret, err := s.openSecret(f.TOTP.Secret)
	if err != nil {
		return nil, s.internal(err)
	}
	step, ok := MatchTOTP(secret, normaliseCode(code), now, TOTPOpts)
	if !ok {
		he := s.errf(jedenlogin.CodeInvalidCode, "mfa.code_wrong")
		he.Fields = map[string]jedenlogin.Text{"code": jedenlogin.T("mfa.code_wrong")}
		return nil, he
	}
	codes, hashes := newRecoveryCodes()
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditMFAChanged, Actor: c.Login.Name, PersonID: &c.Person.ID,
		Subject: c.Login.Name, Address: c.Addr, Outcome: "totp_enrolled",
		Details: Details(map[string]any{"recovery_codes": len(codes)}),
	}
	done, err := s.st.ConfirmTOTP(ctx, c.Person.ID, f.TOTP.Secret, step, hashes, now, ev)
	if err != nil {
		return nil, s.internal(fmt.Errorf("confirm TOTP: %w", err))
	}
	if !done {
		return nil, s.errf(jedenlogin.ECONFLICT, "mfa.no_enrolment")
	}
	res := &jedenlogin.MFAConfirmed{RecoveryCodes: codes}
	if res.Renewed, err = s.renewWithFactor(ctx, c, jedenlogin.AMROTP, now); err != nil {
		return nil, err
	}
	return res, nil
}

// renewWithFactor replaces the caller's session by a new one (a new id:
// the privilege changed) whose second factor is done and whose amr gained
// method.
func (s *Service) renewWithFactor(ctx context.Context, c *jedenlogin.Caller, method string, now time.Time) (*jedenlogin.SignedIn, error) {
	amr := slices.Clone(c.Session.AMR)
	if !slices.Contains(amr, method) {
		amr = append(amr, method)
	}
	id, sess, err := s.startSession(ctx, c.Session.LoginID, c.Session.PersonID, now, c.Session.IDHash, jedenlogin.SessionStart{
		Session: jedenlogin.Session{MFA: jedenlogin.MFADone, AMR: amr, EntityID: c.Session.EntityID},
	})
	if err != nil {
		return nil, s.internal(fmt.Errorf("renew session: %w", err))
	}
	return &jedenlogin.SignedIn{SessionID: id, Session: sess, Login: c.Login, Record: c.Record}, nil
}

// DisableTOTP removes the caller's TOTP after checking their password
// (counted like a sign-in attempt). The recovery codes go too unless a
// passkey remains. Errors: 401 invalid_credentials / 429 as for sign-in,
// 409 conflict when the policy requires a factor and no passkey would
// remain, 404 not_found when there is no TOTP, 403 mfa_required, internal.
func (s *MFA) DisableTOTP(ctx context.Context, c *jedenlogin.Caller, pw string) error {
	if err := needRecord(c, "disable TOTP"); err != nil {
		return err
	}
	if err := s.mayManageMFA(c); err != nil {
		return err
	}
	now := s.now()
	if err := s.confirmPassword(ctx, c, pw, "mfa_disable", "password", now); err != nil {
		return err
	}
	f, err := s.st.MFAFactors(ctx, c.Person.ID)
	if err != nil {
		return s.internal(fmt.Errorf("second factors: %w", err))
	}
	if f.TOTP == nil || !f.TOTP.Confirmed {
		return s.errf(jedenlogin.ENOTFOUND, "mfa.no_totp")
	}
	if len(f.Credentials) == 0 && s.MFARequired(c.Record, now) {
		return s.errf(jedenlogin.ECONFLICT, "mfa.required_keep")
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditMFAChanged, Actor: c.Login.Name, PersonID: &c.Person.ID,
		Subject: c.Login.Name, Address: c.Addr, Outcome: "totp_removed",
	}
	if _, err := s.st.DeleteMFA(ctx, c.Person.ID, jedenlogin.MFAReset{TOTP: true, RecoveryCodes: len(f.Credentials) == 0}, ev); err != nil {
		return s.internal(fmt.Errorf("disable TOTP: %w", err))
	}
	return nil
}

// VerifyMFA checks the second factor of a session that owes it: a TOTP
// code (accepted once: its time step must be later than the last accepted
// one) or an unused recovery code (then used up). Each try is counted for
// the login name before the check, in the same counter as passwords, so
// parallel tries never check more codes than the limit allows. On success
// the session is renewed with its second factor done and "otp" in its amr.
// Errors: 401 invalid_credentials (remaining attempts in Extra and Notice),
// 429 too_many_attempts, 409 conflict (the session owes no code), internal.
func (s *MFA) VerifyMFA(ctx context.Context, c *jedenlogin.Caller, code string) (*jedenlogin.SignedIn, error) {
	if c.Session.MFA != jedenlogin.MFAPending {
		return nil, s.errf(jedenlogin.ECONFLICT, "mfa.not_pending")
	}
	now := s.now()
	name, pid := c.Login.Name, &c.Person.ID
	att, err := s.BeginAttempt(ctx, name, c.Addr, now)
	if err != nil {
		return nil, s.RefuseBlocked(ctx, name, c.Addr, pid, "mfa", jedenlogin.AsError(err), now)
	}
	f, err := s.st.MFAFactors(ctx, c.Person.ID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("second factors: %w", err))
	}
	code = normaliseCode(code)
	reason, method := "wrong_code", ""
	if f.TOTP != nil && f.TOTP.Confirmed {
		secret, err := s.openSecret(f.TOTP.Secret)
		if err != nil {
			return nil, s.internal(err)
		}
		if step, ok := MatchTOTP(secret, code, now, TOTPOpts); ok {
			fresh, err := s.st.UseTOTPStep(ctx, c.Person.ID, step)
			if err != nil {
				return nil, s.internal(fmt.Errorf("use TOTP step: %w", err))
			}
			if fresh {
				method = "totp"
			} else {
				reason = "code_reused"
			}
		}
	}
	if method == "" && reason == "wrong_code" && len(code) == 26 {
		used, err := s.st.UseRecoveryCode(ctx, c.Person.ID, recoveryHash(code), now)
		if err != nil {
			return nil, s.internal(fmt.Errorf("use recovery code: %w", err))
		}
		if used {
			method = "recovery_code"
		}
	}
	if method == "" {
		he := s.FailAttempt(ctx, att, pid, reason, "mfa", now)
		if he.Code == jedenlogin.CodeInvalidCredentials {
			he.Text = jedenlogin.T("mfa.code_wrong")
			he.Fields = map[string]jedenlogin.Text{"code": jedenlogin.T("mfa.code_wrong")}
		}
		return nil, he
	}
	if err := s.SucceedAttempt(ctx, att, now); err != nil {
		return nil, s.internal(err)
	}
	left := f.RecoveryCodesLeft
	if method == "recovery_code" {
		left--
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditMFAUsed, Actor: name, PersonID: pid, Subject: name, Address: c.Addr,
		Outcome: "ok", Details: Details(map[string]any{"method": method, "recovery_codes_left": left}),
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return nil, s.internal(fmt.Errorf("audit second factor: %w", err))
	}
	return s.renewWithFactor(ctx, c, jedenlogin.AMROTP, now)
}

// ResetMFA removes every second factor of the person behind the login
// name (an operator's action from the CLI or console; reason is required
// and audited), ends the person's sessions and mails them (at the account's
// e-mail address; a person without account data has none to mail). At their next
// sign-in they enrol again where the policy requires it. Errors: 404
// not_found (no such login), 400 bad_request (no reason), internal.
func (s *MFA) ResetMFA(ctx context.Context, actor, addr, loginName, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return s.errf(jedenlogin.EINVALID, "mfa.reset_reason_required").WithField("reason")
	}
	reason, err := s.reason(reason)
	if err != nil {
		return err
	}
	l, err := s.st.LoginByName(ctx, loginName)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return s.errf(jedenlogin.ENOTFOUND, "mfa.reset_no_login", loginName)
	} else if err != nil {
		return s.internal(fmt.Errorf("reset second factors: %w", err))
	}
	rec, err := s.st.Person(ctx, l.PersonID)
	if err != nil {
		return s.internal(fmt.Errorf("reset second factors: person %d: %w", l.PersonID, err))
	}
	now := s.now()
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditMFAChanged, Actor: actor, PersonID: &l.PersonID,
		Subject: l.Name, Address: addr, Outcome: "reset", Details: Details(map[string]any{"reason": reason}),
	}
	if _, err := s.st.DeleteMFA(ctx, l.PersonID, jedenlogin.MFAReset{TOTP: true, RecoveryCodes: true, Credentials: true}, ev); err != nil {
		return s.internal(fmt.Errorf("reset second factors: %w", err))
	}
	if _, err := s.st.DeleteSessionsOfPerson(ctx, l.PersonID, ""); err != nil {
		return s.internal(fmt.Errorf("reset second factors: end sessions: %w", err))
	}
	if acc := rec.Person.Account; acc != nil {
		s.MailLater(ctx, mail.KindMFAReset, acc.Email, mail.MFAResetData{Login: l.Name, When: now})
	}
	return nil
}
