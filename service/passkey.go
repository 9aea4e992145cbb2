package service

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"jedenlogin"
)

// ceremonyTTL is how long a WebAuthn ceremony may take between its options
// and its answer.
const ceremonyTTL = 5 * time.Minute

// MaxPasskeyName bounds a passkey's name.
const MaxPasskeyName = 60

// webAuthn is the relying party: its id is the --public-url host, its
// origin the public URL's.
func (s *Service) webAuthn() (*webauthn.WebAuthn, error) {
	u, err := url.Parse(s.public)
	if err != nil {
		return nil, err
	}
	return webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: s.issuer(), RPOrigins: []string{u.Scheme + "://" + u.Host},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: ceremonyTTL},
		},
	})
}

// passkeyUser is a person as the WebAuthn library sees them.
type passkeyUser struct {
	id    int64
	name  string
	creds []webauthn.Credential
}

// WebAuthnID is the user handle: the person id, 8 bytes big-endian (no
// personal data, stable across logins).
func (u *passkeyUser) WebAuthnID() []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(u.id))
}
func (u *passkeyUser) WebAuthnName() string                       { return u.name }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.name }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// passkeyUserOf loads the person's passkeys for the library.
func (s *Service) passkeyUserOf(ctx context.Context, c *jedenlogin.Caller) (*passkeyUser, *jedenlogin.MFAFactors, error) {
	f, err := s.st.MFAFactors(ctx, c.Person.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("second factors: %w", err)
	}
	u := &passkeyUser{id: c.Person.ID, name: c.Login.Name}
	for _, pc := range f.Credentials {
		var wc webauthn.Credential
		if err := json.Unmarshal(pc.Data, &wc); err != nil {
			return nil, nil, fmt.Errorf("passkey %x: %w", pc.ID, err)
		}
		wc.Authenticator.SignCount = pc.SignCount
		u.creds = append(u.creds, wc)
	}
	return u, f, nil
}

// ceremony is what a WebAuthn ceremony keeps between its options and its
// answer, in a token: the session it belongs to and the library's state.
type ceremony struct {
	Session string               `json:"session"`
	Data    webauthn.SessionData `json:"data"`
}

func (s *Service) saveCeremony(ctx context.Context, c *jedenlogin.Caller, kind jedenlogin.TokenKind, sd *webauthn.SessionData, now time.Time) error {
	data, err := json.Marshal(ceremony{Session: c.Session.IDHash, Data: *sd})
	if err != nil {
		return err
	}
	_, hash := jedenlogin.NewTokenSecret()
	return s.st.CreateToken(ctx, &jedenlogin.Token{Kind: kind, Hash: hash, PersonID: c.Person.ID, LoginID: c.Login.ID,
		Data: string(data), CreatedAt: now, ExpiresAt: now.Add(ceremonyTTL)}, nil)
}

// takeCeremony spends the person's newest ceremony of kind, if it is
// usable and the caller's session began it; nil otherwise.
func (s *Service) takeCeremony(ctx context.Context, c *jedenlogin.Caller, kind jedenlogin.TokenKind, now time.Time) (*webauthn.SessionData, error) {
	var out *webauthn.SessionData
	err := s.st.UpdateLatestToken(ctx, c.Person.ID, kind, func(t *jedenlogin.Token) error {
		if !t.Usable(now) {
			return nil
		}
		var cer ceremony
		if json.Unmarshal([]byte(t.Data), &cer) != nil || cer.Session != c.Session.IDHash {
			return nil
		}
		t.UsedAt = &now
		out = &cer.Data
		return nil
	})
	if err != nil && !errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, err
	}
	return out, nil
}

// BeginPasskeyRegistration returns the options for navigator.credentials
// .create() to register a passkey of the caller (excluding those they
// have). Errors: 403 mfa_required, internal.
func (s *MFA) BeginPasskeyRegistration(ctx context.Context, c *jedenlogin.Caller) (*protocol.CredentialCreation, error) {
	if err := s.mayManageMFA(c); err != nil {
		return nil, err
	}
	wa, err := s.webAuthn()
	if err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: %w", err))
	}
	u, _, err := s.passkeyUserOf(ctx, c)
	if err != nil {
		return nil, s.internal(err)
	}
	var exclude []protocol.CredentialDescriptor
	for _, wc := range u.creds {
		exclude = append(exclude, wc.Descriptor())
	}
	opts, sd, err := wa.BeginRegistration(u,
		webauthn.WithExclusions(exclude),
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementPreferred, UserVerification: protocol.VerificationPreferred,
		}))
	if err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: begin registration: %w", err))
	}
	if err := s.saveCeremony(ctx, c, jedenlogin.TokenWebAuthnRegister, sd, s.now()); err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: save ceremony: %w", err))
	}
	return opts, nil
}

// FinishPasskeyRegistration checks the authenticator's answer (JSON of
// the PublicKeyCredential) to the caller's newest registration options and
// stores the passkey under name. Errors: 400 bad_request (no or a too long
// name), 422 invalid_code (no ceremony, or an answer that does not verify;
// Fields["passkey"]), 409 conflict (the passkey is registered already),
// 403 mfa_required, internal.
func (s *MFA) FinishPasskeyRegistration(ctx context.Context, c *jedenlogin.Caller, name string, response []byte) (*jedenlogin.PasskeyAdded, error) {
	if err := s.mayManageMFA(c); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxPasskeyName {
		he := s.errf(jedenlogin.EINVALID, "passkey.name_invalid", MaxPasskeyName)
		he.Fields = map[string]jedenlogin.Text{"name": jedenlogin.T("passkey.name_invalid", MaxPasskeyName)}
		return nil, he
	}
	now := s.now()
	sd, err := s.takeCeremony(ctx, c, jedenlogin.TokenWebAuthnRegister, now)
	if err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: ceremony: %w", err))
	}
	bad := func(reason error) error {
		s.log.InfoContext(ctx, "passkey registration refused", "person_id", c.Person.ID, "reason", reason)
		he := s.errf(jedenlogin.CodeInvalidCode, "passkey.failed")
		he.Fields = map[string]jedenlogin.Text{"passkey": jedenlogin.T("passkey.failed")}
		return he
	}
	if sd == nil {
		return nil, bad(errors.New("no ceremony"))
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, bad(err)
	}
	wa, err := s.webAuthn()
	if err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: %w", err))
	}
	u, f, err := s.passkeyUserOf(ctx, c)
	if err != nil {
		return nil, s.internal(err)
	}
	wc, err := wa.CreateCredential(u, *sd, parsed)
	if err != nil {
		return nil, bad(err)
	}
	data, err := json.Marshal(wc)
	if err != nil {
		return nil, s.internal(err)
	}
	pc := jedenlogin.WebAuthnCredential{ID: wc.ID, PersonID: c.Person.ID, PublicKey: wc.PublicKey,
		SignCount: wc.Authenticator.SignCount, Name: name, Data: data, CreatedAt: now}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditMFAChanged, Actor: c.Login.Name, PersonID: &c.Person.ID,
		Subject: c.Login.Name, Address: c.Addr, Outcome: "passkey_added", Details: Details(map[string]any{"name": name}),
	}
	err = s.st.AddWebAuthnCredential(ctx, &pc, ev)
	if errors.Is(err, jedenlogin.ErrConflict) {
		return nil, s.errf(jedenlogin.ECONFLICT, "passkey.exists")
	} else if err != nil {
		return nil, s.internal(fmt.Errorf("add passkey: %w", err))
	}
	res := &jedenlogin.PasskeyAdded{Credential: pc}
	if f.RecoveryCodesLeft == 0 && !(f.TOTP != nil && f.TOTP.Confirmed) {
		codes, hashes := newRecoveryCodes()
		ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditMFAChanged, Actor: c.Login.Name, PersonID: &c.Person.ID,
			Subject: c.Login.Name, Address: c.Addr, Outcome: "recovery_codes", Details: Details(map[string]any{"recovery_codes": len(codes)})}
		if err := s.st.ReplaceRecoveryCodes(ctx, c.Person.ID, hashes, now, ev); err != nil {
			return nil, s.internal(fmt.Errorf("recovery codes: %w", err))
		}
		res.RecoveryCodes = codes
	}
	if res.Renewed, err = s.renewWithFactor(ctx, c, jedenlogin.AMRHardware, now); err != nil {
		return nil, err
	}
	return res, nil
}

// RemovePasskey removes the caller's passkey with this id. Errors: 404
// not_found, 409 conflict when the policy requires a factor and none would
// remain, 403 mfa_required, internal.
func (s *MFA) RemovePasskey(ctx context.Context, c *jedenlogin.Caller, id []byte) error {
	if err := needRecord(c, "remove passkey"); err != nil {
		return err
	}
	if err := s.mayManageMFA(c); err != nil {
		return err
	}
	now := s.now()
	f, err := s.st.MFAFactors(ctx, c.Person.ID)
	if err != nil {
		return s.internal(fmt.Errorf("second factors: %w", err))
	}
	var name string
	found := false
	for _, pc := range f.Credentials {
		if bytes.Equal(pc.ID, id) {
			name, found = pc.Name, true
		}
	}
	if !found {
		return s.errf(jedenlogin.ENOTFOUND, "passkey.not_found")
	}
	totp := f.TOTP != nil && f.TOTP.Confirmed
	if len(f.Credentials) == 1 && !totp && s.MFARequired(c.Record, now) {
		return s.errf(jedenlogin.ECONFLICT, "mfa.required_keep")
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditMFAChanged, Actor: c.Login.Name, PersonID: &c.Person.ID,
		Subject: c.Login.Name, Address: c.Addr, Outcome: "passkey_removed", Details: Details(map[string]any{"name": name}),
	}
	err = s.st.DeleteWebAuthnCredential(ctx, c.Person.ID, id, ev)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return s.errf(jedenlogin.ENOTFOUND, "passkey.not_found")
	} else if err != nil {
		return s.internal(fmt.Errorf("remove passkey: %w", err))
	}
	if len(f.Credentials) == 1 && !totp {
		if _, err := s.st.DeleteMFA(ctx, c.Person.ID, jedenlogin.MFAReset{RecoveryCodes: true}); err != nil {
			return s.internal(fmt.Errorf("remove recovery codes: %w", err))
		}
	}
	return nil
}

// BeginPasskeySignIn returns the options for navigator.credentials.get()
// for a session owing its second factor: the person's passkeys. Errors:
// 409 conflict (no code owed, or no passkey), internal.
func (s *MFA) BeginPasskeySignIn(ctx context.Context, c *jedenlogin.Caller) (*protocol.CredentialAssertion, error) {
	if c.Session.MFA != jedenlogin.MFAPending {
		return nil, s.errf(jedenlogin.ECONFLICT, "mfa.not_pending")
	}
	u, _, err := s.passkeyUserOf(ctx, c)
	if err != nil {
		return nil, s.internal(err)
	}
	if len(u.creds) == 0 {
		return nil, s.errf(jedenlogin.ECONFLICT, "passkey.none")
	}
	wa, err := s.webAuthn()
	if err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: %w", err))
	}
	opts, sd, err := wa.BeginLogin(u, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: begin login: %w", err))
	}
	if err := s.saveCeremony(ctx, c, jedenlogin.TokenWebAuthnLogin, sd, s.now()); err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: save ceremony: %w", err))
	}
	return opts, nil
}

// VerifyPasskey checks the authenticator's answer (JSON of the
// PublicKeyCredential) to the session's newest sign-in options, counted
// like a code (the same failure counter as passwords, before the check),
// and renews the session with "hwk" in its amr. A sign count that did not
// grow (a cloned authenticator) is refused. Errors as VerifyMFA's.
func (s *MFA) VerifyPasskey(ctx context.Context, c *jedenlogin.Caller, response []byte) (*jedenlogin.SignedIn, error) {
	if c.Session.MFA != jedenlogin.MFAPending {
		return nil, s.errf(jedenlogin.ECONFLICT, "mfa.not_pending")
	}
	now := s.now()
	name, pid := c.Login.Name, &c.Person.ID
	att, err := s.BeginAttempt(ctx, name, c.Addr, now)
	if err != nil {
		return nil, s.RefuseBlocked(ctx, name, c.Addr, pid, "mfa", jedenlogin.AsError(err), now)
	}
	fail := func(reason string, cause error) error {
		s.log.InfoContext(ctx, "passkey sign-in refused", "person_id", c.Person.ID, "reason", reason, "err", cause)
		he := s.FailAttempt(ctx, att, pid, reason, "mfa", now)
		if he.Code == jedenlogin.CodeInvalidCredentials {
			he.Text = jedenlogin.T("passkey.failed")
		}
		return he
	}
	sd, err := s.takeCeremony(ctx, c, jedenlogin.TokenWebAuthnLogin, now)
	if err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: ceremony: %w", err))
	}
	if sd == nil {
		return nil, fail("no_ceremony", nil)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, fail("passkey_invalid", err)
	}
	wa, err := s.webAuthn()
	if err != nil {
		return nil, s.internal(fmt.Errorf("webauthn: %w", err))
	}
	u, _, err := s.passkeyUserOf(ctx, c)
	if err != nil {
		return nil, s.internal(err)
	}
	wc, err := wa.ValidateLogin(u, *sd, parsed)
	if err != nil {
		return nil, fail("passkey_invalid", err)
	}
	if wc.Authenticator.CloneWarning {
		return nil, fail("passkey_cloned", nil)
	}
	data, err := json.Marshal(wc)
	if err != nil {
		return nil, s.internal(err)
	}
	if err := s.st.UseWebAuthnCredential(ctx, c.Person.ID, wc.ID, wc.Authenticator.SignCount, data, now); err != nil {
		return nil, s.internal(fmt.Errorf("use passkey: %w", err))
	}
	if err := s.SucceedAttempt(ctx, att, now); err != nil {
		return nil, s.internal(err)
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditMFAUsed, Actor: name, PersonID: pid, Subject: name, Address: c.Addr,
		Outcome: "ok", Details: Details(map[string]any{"method": "passkey"}),
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return nil, s.internal(fmt.Errorf("audit second factor: %w", err))
	}
	return s.renewWithFactor(ctx, c, jedenlogin.AMRHardware, now)
}
