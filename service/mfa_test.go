package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// TestTOTPKnownVectors checks the RFC 6238 Appendix B SHA-1 vectors
// (secret "12345678901234567890", 8 digits) through pquerna/otp's
// validation and through MatchTOTP, which the sign-in uses.
func TestTOTPKnownVectors(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1}
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		at := time.Unix(v.unix, 0).UTC()
		if ok, err := totp.ValidateCustom(v.code, secret, at, opts); !ok || err != nil {
			t.Errorf("pquerna/otp: %s at %d = %v, %v; want valid", v.code, v.unix, ok, err)
		}
		step, ok := service.MatchTOTP(secret, v.code, at, opts)
		if !ok || step != v.unix/30 {
			t.Errorf("MatchTOTP(%s at %d) = %d, %v; want step %d", v.code, v.unix, step, ok, v.unix/30)
		}
		// One step either side is accepted, two are not.
		if _, ok := service.MatchTOTP(secret, v.code, at.Add(30*time.Second), opts); !ok {
			t.Errorf("%s refused one step later", v.code)
		}
		if _, ok := service.MatchTOTP(secret, v.code, at.Add(90*time.Second), opts); ok {
			t.Errorf("%s accepted three steps later", v.code)
		}
	}
	if _, ok := service.MatchTOTP(secret, "9428708", time.Unix(59, 0), opts); ok {
		t.Error("a code with a digit missing was accepted")
	}
}

// mfaFixture is a service with a clock the test moves, on a database
// holding JANEK (done), OPER (done, an operator), KIER (a kierownik) and
// BYLY (whose kierownik grant ended).
type mfaFixture struct {
	st    jedenlogin.Store
	svc   *service.Service
	mail  *outbox
	clock atomic.Int64 // Unix nanoseconds
}

func (f *mfaFixture) now() time.Time { return time.Unix(0, f.clock.Load()).UTC() }

func (f *mfaFixture) advance(d time.Duration) { f.clock.Add(int64(d)) }

func newMFAFixture(t *testing.T, policy service.MFAPolicy) *mfaFixture {
	t.Helper()
	f := &mfaFixture{mail: &outbox{}}
	f.clock.Store(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC).UnixNano())
	f.st = storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	h, err := hasher.Hash(pwJanek)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll([][]string{
		{"login", "password_hash", "status", "first_name", "second_name", "last_name", "pesel", "email", "phone",
			"entity_id", "entity_name", "entity_parent_id", "function", "scopes", "valid_to", "accepted_at"},
		{"JANEK", h, "active", "Jan", "", "Kowalski", peselJanek, "jan@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "", "pracownik", "sio", "", ""},
		{"OPER", h, "active", "Olga", "", "Operator", "", "olga@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "", "pracownik", "sio", "", ""},
		{"KIER", h, "active", "Krystyna", "", "Kierownik", "", "kier@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "", "kierownik", "sio", "", ""},
		{"BYLY", h, "active", "Bogdan", "", "Były", "", "byly@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "", "kierownik", "sio", "2026-01-31", ""},
	})
	im := &legacy.Importer{Store: f.st, Now: f.now}
	if _, err := im.Import(context.Background(), &buf, int64(buf.Len())); err != nil {
		t.Fatalf("import: %v", err)
	}
	l, err := f.st.LoginByName(context.Background(), "OPER")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.UpdatePerson(context.Background(), l.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		rec.Person.Operator = true
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.svc, err = service.New(service.Config{
		Store: f.st, Hasher: hasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: f.now, Mailer: f.mail, PublicURL: "https://konto.example.pl", MFARequired: policy,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.svc.Close() })
	return f
}

// signIn signs in with the password and returns the session as a Caller.
func (f *mfaFixture) signIn(t *testing.T, name string) *jedenlogin.Caller {
	t.Helper()
	res, err := f.svc.Sessions.SignIn(context.Background(), jedenlogin.SignInRequest{Name: name, Password: pwJanek, Addr: "192.0.2.7"})
	if err != nil {
		t.Fatalf("SignIn(%s): %v", name, err)
	}
	return f.load(t, res.SessionID)
}

func (f *mfaFixture) load(t *testing.T, id string) *jedenlogin.Caller {
	t.Helper()
	c, _, _, err := f.svc.Sessions.LoadSession(context.Background(), service.HashID(id), jedenlogin.LoadOptions{Addr: "192.0.2.7"})
	if err != nil || c == nil {
		t.Fatalf("LoadSession = %v, %v", c, err)
	}
	return c
}

// enrol enrols a TOTP for the caller and returns its secret and recovery codes.
func (f *mfaFixture) enrol(t *testing.T, c *jedenlogin.Caller) (string, []string) {
	t.Helper()
	ctx := context.Background()
	e, err := f.svc.MFA.BeginTOTP(ctx, c)
	if err != nil {
		t.Fatalf("BeginTOTP: %v", err)
	}
	if !strings.HasPrefix(e.OTPAuthURI, "otpauth://totp/konto.example.pl:"+c.Login.Name+"?") ||
		!strings.Contains(e.OTPAuthURI, "secret="+e.Secret) || !strings.Contains(e.OTPAuthURI, "algorithm=SHA1") ||
		!strings.Contains(e.OTPAuthURI, "digits=6") || !strings.Contains(e.OTPAuthURI, "period=30") {
		t.Errorf("otpauth URI %s", e.OTPAuthURI)
	}
	if _, err := f.svc.MFA.ConfirmTOTP(ctx, c, "000000"); jedenlogin.AsError(err).Code != jedenlogin.CodeInvalidCode {
		// 000000 is right once in a million; the clock is fixed, so never here.
		t.Fatalf("ConfirmTOTP(wrong) = %v", err)
	}
	res, err := f.svc.MFA.ConfirmTOTP(ctx, c, f.code(t, e.Secret, 0))
	if err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	if len(res.RecoveryCodes) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(res.RecoveryCodes))
	}
	return e.Secret, res.RecoveryCodes
}

// code is the TOTP code of secret at the fixture's time plus d.
func (f *mfaFixture) code(t *testing.T, secret string, d time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, f.now().Add(d), service.TOTPOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return jedenlogin.AsError(err).Code
}

// TestMFASignIn: after enrolment a sign-in owes the code; the code is
// accepted once (a replay is refused), the next step's code is accepted,
// and the renewed session has "otp" in its amr.
func TestMFASignIn(t *testing.T) {
	f := newMFAFixture(t, service.MFAPolicy{})
	ctx := context.Background()
	c := f.signIn(t, "JANEK")
	if c.Session.MFA != jedenlogin.MFADone {
		t.Fatalf("without a factor nor a policy the session owes %q", c.Session.MFA)
	}
	secret, _ := f.enrol(t, c)
	// The enrolment's code was of this step: it is used up.
	f.advance(5 * time.Second)
	c = f.signIn(t, "JANEK")
	if c.Session.MFA != jedenlogin.MFAPending || jedenlogin.JoinAMR(c.Session.AMR) != "pwd" {
		t.Fatalf("after enrolment the session is %q %v, want pending pwd", c.Session.MFA, c.Session.AMR)
	}
	if _, err := f.svc.MFA.BeginTOTP(ctx, c); code(err) != jedenlogin.CodeMFARequired {
		t.Errorf("a pending session began an enrolment: %v", err)
	}
	if _, err := f.svc.MFA.VerifyMFA(ctx, c, f.code(t, secret, 0)); code(err) != jedenlogin.CodeInvalidCredentials {
		t.Fatalf("the enrolment's code again = %v, want invalid_credentials (replay)", err)
	}
	f.advance(30 * time.Second)
	next := f.code(t, secret, 0)
	res, err := f.svc.MFA.VerifyMFA(ctx, c, next[:3]+" "+next[3:])
	if err != nil {
		t.Fatalf("VerifyMFA: %v", err)
	}
	if res.Session.MFA != jedenlogin.MFADone || jedenlogin.JoinAMR(res.Session.AMR) != "pwd otp" {
		t.Errorf("renewed session %q %v", res.Session.MFA, res.Session.AMR)
	}
	if _, _, _, err := f.svc.Sessions.LoadSession(ctx, c.Session.IDHash, jedenlogin.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if old, _, _, _ := f.svc.Sessions.LoadSession(ctx, c.Session.IDHash, jedenlogin.LoadOptions{}); old != nil {
		t.Error("the pending session survived its renewal")
	}
	// The same code in another session (an attacker who saw it): refused.
	c2 := f.signIn(t, "JANEK")
	_, err = f.svc.MFA.VerifyMFA(ctx, c2, next)
	if he := jedenlogin.AsError(err); he.Code != jedenlogin.CodeInvalidCredentials || he.Extra["remaining_attempts"] != 4 {
		t.Fatalf("replayed code = %v (%v), want invalid_credentials with 4 attempts left", err, he.Extra)
	}
	evs, _ := f.st.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditSignInFailed})
	if len(evs) == 0 || !strings.Contains(evs[0].Details, `"code_reused"`) || !strings.Contains(evs[0].Details, `"mfa"`) {
		t.Errorf("replay audited as %+v", evs)
	}
	// A password sign-in does not wipe out the failed code (and, with a
	// failure counted already, its own attempt stays counted too).
	c3 := f.signIn(t, "JANEK")
	_, err = f.svc.MFA.VerifyMFA(ctx, c3, "123456")
	if he := jedenlogin.AsError(err); he.Extra["remaining_attempts"] != 2 {
		t.Errorf("after a failed code and a new sign-in: %v, %v attempts left, want 2", err, he.Extra)
	}
}

// TestMFAParallelWrongCodes: 20 wrong codes at once check exactly 5 (the
// password limit) and answer 429 to the rest; then even the right code and
// the right password are refused.
func TestMFAParallelWrongCodes(t *testing.T) {
	f := newMFAFixture(t, service.MFAPolicy{})
	ctx := context.Background()
	secret, _ := f.enrol(t, f.signIn(t, "JANEK"))
	f.advance(time.Minute)
	c := f.signIn(t, "JANEK")
	var invalid, blocked atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.MFA.VerifyMFA(ctx, c, "99999"+string(rune('0'+i%10)))
			switch code(err) {
			case jedenlogin.CodeInvalidCredentials:
				invalid.Add(1)
			case jedenlogin.CodeTooManyAttempts:
				blocked.Add(1)
			default:
				t.Errorf("VerifyMFA = %v", err)
			}
		}()
	}
	wg.Wait()
	evs, err := f.st.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditSignInFailed, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range evs {
		if strings.Contains(e.Details, `"wrong_code"`) {
			checked++
		}
	}
	if checked != 5 || invalid.Load() != 4 || blocked.Load() != 16 {
		t.Errorf("%d codes checked, %d invalid, %d blocked; want 5, 4, 16", checked, invalid.Load(), blocked.Load())
	}
	if _, err := f.svc.MFA.VerifyMFA(ctx, c, f.code(t, secret, 0)); code(err) != jedenlogin.CodeTooManyAttempts {
		t.Errorf("right code while blocked = %v, want too_many_attempts", err)
	}
	if _, err := f.svc.Sessions.SignIn(ctx, jedenlogin.SignInRequest{Name: "JANEK", Password: pwJanek, Addr: "192.0.2.7"}); code(err) != jedenlogin.CodeTooManyAttempts {
		t.Errorf("password while blocked = %v, want too_many_attempts", err)
	}
}

// TestMFARecoveryCode: a recovery code signs in once, in any case and
// without dashes; the second use is refused.
func TestMFARecoveryCode(t *testing.T) {
	f := newMFAFixture(t, service.MFAPolicy{})
	ctx := context.Background()
	_, codes := f.enrol(t, f.signIn(t, "JANEK"))
	seen := map[string]bool{}
	for _, rc := range codes {
		if seen[rc] || len(rc) != 30 {
			t.Errorf("recovery code %q (duplicate or not 26 characters in 5 groups)", rc)
		}
		seen[rc] = true
	}
	c := f.signIn(t, "JANEK")
	typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", ""))
	res, err := f.svc.MFA.VerifyMFA(ctx, c, typed)
	if err != nil {
		t.Fatalf("VerifyMFA(recovery code) = %v", err)
	}
	if !jedenlogin.SecondFactor(res.Session.AMR) {
		t.Errorf("amr %v", res.Session.AMR)
	}
	c = f.signIn(t, "JANEK")
	if _, err := f.svc.MFA.VerifyMFA(ctx, c, codes[3]); code(err) != jedenlogin.CodeInvalidCredentials {
		t.Errorf("a used recovery code = %v, want invalid_credentials", err)
	}
	st, err := f.svc.MFA.MFAStatus(ctx, f.callerWithRecord(t, c))
	if err != nil || st.RecoveryCodesLeft != 9 || !st.TOTP {
		t.Errorf("MFAStatus = %+v, %v", st, err)
	}
}

func (f *mfaFixture) callerWithRecord(t *testing.T, c *jedenlogin.Caller) *jedenlogin.Caller {
	t.Helper()
	if c.Record == nil {
		rec, err := f.st.Person(context.Background(), c.Person.ID)
		if err != nil {
			t.Fatal(err)
		}
		c.Record, c.Person, c.Login = rec, &rec.Person, rec.Login(c.Login.ID)
	}
	return c
}

// TestMFAPolicyOperator: an operator without a factor must enrol right
// after the password; enrolment renews the session with the factor done;
// the TOTP cannot then be removed (it is the only factor); an operator's
// reset removes it, ends the sessions, mails the person, and the next
// sign-in must enrol again. JANEK, not an operator, is not asked.
func TestMFAPolicyOperator(t *testing.T) {
	f := newMFAFixture(t, service.MFAPolicy{Operators: true})
	ctx := context.Background()
	if c := f.signIn(t, "JANEK"); c.Session.MFA != jedenlogin.MFADone {
		t.Errorf("JANEK must %q", c.Session.MFA)
	}
	c := f.signIn(t, "OPER")
	if c.Session.MFA != jedenlogin.MFAEnrol {
		t.Fatalf("an operator without a factor: %q, want enrol", c.Session.MFA)
	}
	if _, err := f.svc.MFA.VerifyMFA(ctx, c, "123456"); code(err) != jedenlogin.ECONFLICT {
		t.Errorf("VerifyMFA in an enrolment session = %v", err)
	}
	e, err := f.svc.MFA.BeginTOTP(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.MFA.ConfirmTOTP(ctx, c, f.code(t, e.Secret, 0))
	if err != nil {
		t.Fatal(err)
	}
	if res.Renewed == nil || res.Renewed.Session.MFA != jedenlogin.MFADone || jedenlogin.JoinAMR(res.Renewed.Session.AMR) != "pwd otp" {
		t.Fatalf("after enrolment: %+v", res.Renewed)
	}
	c = f.callerWithRecord(t, f.load(t, res.Renewed.SessionID))
	if err := f.svc.MFA.DisableTOTP(ctx, c, pwJanek); code(err) != jedenlogin.ECONFLICT {
		t.Errorf("DisableTOTP of the only factor an operator must have = %v, want conflict", err)
	}
	if err := f.svc.MFA.ResetMFA(ctx, "cli", "", "OPER", ""); code(err) != jedenlogin.EINVALID {
		t.Errorf("ResetMFA without a reason = %v", err)
	}
	if err := f.svc.MFA.ResetMFA(ctx, "cli", "", "NIKT", "zgubiony telefon"); code(err) != jedenlogin.ENOTFOUND {
		t.Errorf("ResetMFA of an unknown login = %v", err)
	}
	if err := f.svc.MFA.ResetMFA(ctx, "cli", "", "OPER", "zgubiony telefon"); err != nil {
		t.Fatalf("ResetMFA: %v", err)
	}
	if c, _, _, _ := f.svc.Sessions.LoadSession(ctx, c.Session.IDHash, jedenlogin.LoadOptions{}); c != nil {
		t.Error("a session survived the reset")
	}
	evs, _ := f.st.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditMFAChanged})
	if len(evs) == 0 || evs[0].Outcome != "reset" || evs[0].Actor != "cli" || !strings.Contains(evs[0].Details, "zgubiony telefon") {
		t.Errorf("reset audited as %+v", evs)
	}
	f.svc.Flush()
	if m := f.mail.last(t, "olga@example.pl"); !strings.Contains(m.Text, "OPER") || !strings.Contains(m.Subject, "dwuetapowa") {
		t.Errorf("reset mail %q: %s", m.Subject, m.Text)
	}
	if c := f.signIn(t, "OPER"); c.Session.MFA != jedenlogin.MFAEnrol {
		t.Errorf("after a reset: %q, want enrol", c.Session.MFA)
	}
}

// TestMFADisable: the TOTP goes with the right password only (a wrong one
// counts like a sign-in failure), and the recovery codes with it.
func TestMFADisable(t *testing.T) {
	f := newMFAFixture(t, service.MFAPolicy{})
	ctx := context.Background()
	c := f.callerWithRecord(t, f.signIn(t, "JANEK"))
	_, codes := f.enrol(t, c)
	if err := f.svc.MFA.DisableTOTP(ctx, c, "zle-haslo"); code(err) != jedenlogin.CodeInvalidCredentials {
		t.Fatalf("DisableTOTP(wrong password) = %v", err)
	}
	if err := f.svc.MFA.DisableTOTP(ctx, c, pwJanek); err != nil {
		t.Fatalf("DisableTOTP: %v", err)
	}
	if err := f.svc.MFA.DisableTOTP(ctx, c, pwJanek); code(err) != jedenlogin.ENOTFOUND {
		t.Errorf("DisableTOTP again = %v", err)
	}
	c = f.signIn(t, "JANEK")
	if c.Session.MFA != jedenlogin.MFADone {
		t.Errorf("after disabling: %q", c.Session.MFA)
	}
	st, _ := f.svc.MFA.MFAStatus(ctx, f.callerWithRecord(t, c))
	if st.TOTP || st.RecoveryCodesLeft != 0 {
		t.Errorf("after disabling: %+v (codes were %d)", st, len(codes))
	}
}

// TestMFAPolicyHeads: --mfa-required kierownik holds a holder of a valid
// head grant, not one whose grant has ended, nor an operator (not named).
func TestMFAPolicyHeads(t *testing.T) {
	f := newMFAFixture(t, service.MFAPolicy{Heads: true})
	for _, tc := range []struct {
		login string
		want  jedenlogin.MFAState
	}{
		{"KIER", jedenlogin.MFAEnrol},
		{"BYLY", jedenlogin.MFADone},
		{"OPER", jedenlogin.MFADone},
		{"JANEK", jedenlogin.MFADone},
	} {
		if c := f.signIn(t, tc.login); c.Session.MFA != tc.want {
			t.Errorf("%s: %q, want %q", tc.login, c.Session.MFA, tc.want)
		}
	}
	if _, err := service.ParseMFAPolicy("operator,dyrektor"); err == nil || !strings.Contains(err.Error(), `"dyrektor"`) {
		t.Errorf("ParseMFAPolicy of an unknown role = %v", err)
	}
	if p, err := service.ParseMFAPolicy("operator, kierownik"); err != nil || !p.Operators || !p.Heads {
		t.Errorf("ParseMFAPolicy = %+v, %v", p, err)
	}
}

// withKey replaces the fixture's service by one that encrypts TOTP secrets
// with key.
func (f *mfaFixture) withKey(t *testing.T, key []byte) {
	t.Helper()
	svc, err := service.New(service.Config{
		Store: f.st, Hasher: hasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: f.now, Mailer: f.mail, PublicURL: "https://konto.example.pl", MFAKey: key,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	f.svc = svc
}

// TestMFASecretEncrypted: with an MFA key the store holds the TOTP secret
// only encrypted, sign-in works, and another key cannot read it (an
// internal error, never a guess).
func TestMFASecretEncrypted(t *testing.T) {
	f := newMFAFixture(t, service.MFAPolicy{})
	ctx := context.Background()
	key := bytes.Repeat([]byte{7}, 32)
	f.withKey(t, key)
	secret, _ := f.enrol(t, f.signIn(t, "JANEK"))
	c := f.signIn(t, "JANEK")
	fs, err := f.st.MFAFactors(ctx, c.Person.ID)
	if err != nil || !strings.HasPrefix(fs.TOTP.Secret, "aesgcm:") || strings.Contains(fs.TOTP.Secret, secret) {
		t.Fatalf("stored secret %q (plain %q), %v", fs.TOTP.Secret, secret, err)
	}
	f.advance(30 * time.Second)
	if _, err := f.svc.MFA.VerifyMFA(ctx, c, f.code(t, secret, 0)); err != nil {
		t.Fatalf("VerifyMFA with the key: %v", err)
	}
	f.withKey(t, bytes.Repeat([]byte{8}, 32))
	f.advance(30 * time.Second)
	c = f.signIn(t, "JANEK")
	if _, err := f.svc.MFA.VerifyMFA(ctx, c, f.code(t, secret, 0)); code(err) != jedenlogin.EINTERNAL {
		t.Errorf("VerifyMFA with another key = %v, want internal", err)
	}
	if _, err := service.New(service.Config{Store: f.st, Hasher: hasher, Logger: slog.New(slog.DiscardHandler), MFAKey: []byte("short")}); err == nil {
		t.Error("a 5-byte MFA key was accepted")
	}
}
