package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/mail"
	"jedenlogin/password"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

var hasher = &password.Hasher{Params: password.CheapParams}

const (
	pwJanek     = "Janek-haslo-stare"
	newPassword = "Zielony!Ogrodek!Wiosna"
	peselJanek  = "44051401359"
)

// outbox is a mail.Sender that keeps what it was given.
type outbox struct {
	mu   sync.Mutex
	msgs []*mail.Message
}

func (o *outbox) Send(_ context.Context, m *mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

// last returns the newest message to addr, failing the test when none.
func (o *outbox) last(t *testing.T, to string) *mail.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To[0] == to {
			return o.msgs[i]
		}
	}
	t.Fatalf("no mail to %s among %d", to, len(o.msgs))
	return nil
}

// fixture is a service on a fresh SQLite database holding JANEK (one
// login, done at import, with a PESEL and a phone) and NOWY (active,
// without a password yet, as an accepted application leaves it).
type fixture struct {
	st   jedenlogin.Store
	svc  *service.Service
	mail *outbox
	now  time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	h, err := hasher.Hash(pwJanek)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.WriteAll([][]string{
		{"login", "password_hash", "status", "first_name", "second_name", "last_name", "pesel", "email", "phone",
			"entity_id", "entity_name", "entity_parent_id", "function", "scopes", "valid_to", "accepted_at"},
		{"JANEK", h, "active", "Jan", "", "Kowalski", peselJanek, "jan@example.pl", "600100200", "SP1", "Szkoła Podstawowa nr 1", "", "pracownik", "sio", "", ""},
		{"NOWY", "", "active", "Norbert", "", "Nowy", "", "nowy@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "", "pracownik", "sio", "", ""},
	})
	im := &legacy.Importer{Store: st, Now: func() time.Time { return now }}
	if _, err := im.Import(context.Background(), &buf, int64(buf.Len())); err != nil {
		t.Fatalf("import: %v", err)
	}
	box := &outbox{}
	svc, err := service.New(service.Config{
		Store: st, Hasher: hasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, Mailer: box, PublicURL: "https://konto.example.pl",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return &fixture{st: st, svc: svc, mail: box, now: now}
}

// caller is a signed-in session of the login, its record freshly read.
func (f *fixture) caller(t *testing.T, name string) *jedenlogin.Caller {
	t.Helper()
	l, err := f.st.LoginByName(context.Background(), name)
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	rec, err := f.st.Person(context.Background(), l.PersonID)
	if err != nil {
		t.Fatal(err)
	}
	return &jedenlogin.Caller{
		Session: &jedenlogin.Session{IDHash: "session-of-" + name, LoginID: l.ID, PersonID: rec.Person.ID},
		Record:  rec, Login: rec.Login(l.ID), Person: &rec.Person, Addr: "192.0.2.7",
	}
}

// audit returns the events of the action, oldest first.
func (f *fixture) audit(t *testing.T, action string) []jedenlogin.AuditEvent {
	t.Helper()
	evs, err := f.st.Audit(context.Background(), jedenlogin.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

// token stores a link token of kind for the login and returns its secret.
func (f *fixture) token(t *testing.T, kind jedenlogin.TokenKind, login string) string {
	t.Helper()
	l, err := f.st.LoginByName(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	secret, hash := jedenlogin.NewTokenSecret()
	tok := &jedenlogin.Token{Kind: kind, Hash: hash, PersonID: l.PersonID, LoginID: l.ID,
		Data: `{"email":"jan@example.pl"}`, CreatedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}
	if err := f.st.CreateToken(context.Background(), tok, nil); err != nil {
		t.Fatal(err)
	}
	return secret
}

func ptr(s string) *string { return &s }

func TestChangeContactWrongPassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, he := f.svc.Accounts.ChangeContact(ctx, f.caller(t, "JANEK"), jedenlogin.ContactChange{Phone: ptr("600 999 888"), Password: "nie-to-haslo"})
	wantCode(t, he, jedenlogin.CodeInvalidCredentials)
	if je(he).Fields["password"].Key != "password.current_wrong" {
		t.Errorf("Fields = %v, want the password field marked", je(he).Fields)
	}
	if je(he).Extra["remaining_attempts"] != service.DefaultLoginFailureLimit-1 {
		t.Errorf("remaining_attempts = %v, want %d", je(he).Extra["remaining_attempts"], service.DefaultLoginFailureLimit-1)
	}
	th, err := f.st.ThrottleState(ctx, service.LoginKey("JANEK"))
	if err != nil {
		t.Fatal(err)
	}
	if th.Failures != 1 {
		t.Errorf("login failures = %d, want 1: a wrong password counts like a sign-in attempt", th.Failures)
	}
	evs := f.audit(t, jedenlogin.AuditSignInFailed)
	if len(evs) != 1 || evs[0].Subject != "JANEK" || !regexp.MustCompile(`"during":"contact_change"`).MatchString(evs[0].Details) {
		t.Errorf("sign_in_failed events = %+v, want one for JANEK during contact_change", evs)
	}
	if c, _ := f.svc.Accounts.Contact(ctx, f.caller(t, "JANEK")); c.Phone != "600100200" {
		t.Errorf("phone = %q, want it unchanged", c.Phone)
	}

	t.Run("malformed phone names the field", func(t *testing.T) {
		_, he := f.svc.Accounts.ChangeContact(ctx, f.caller(t, "JANEK"), jedenlogin.ContactChange{Phone: ptr("12-34"), Password: pwJanek})
		wantCode(t, he, jedenlogin.EINVALID)
		if je(he).Extra["field"] != "phone" || je(he).Fields["phone"].Key != "account.invalid_phone" {
			t.Errorf("Extra %v, Fields %v: want the phone field named", je(he).Extra, je(he).Fields)
		}
	})
}

func TestVerifyEmailCode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, he := f.svc.Accounts.ChangeContact(ctx, f.caller(t, "JANEK"), jedenlogin.ContactChange{Email: ptr("jan.nowy@example.pl"), Password: pwJanek})
	if he != nil {
		t.Fatalf("ChangeContact: %v", he)
	}
	if c.Email != "jan@example.pl" || c.EmailPending != "jan.nowy@example.pl" {
		t.Fatalf("contact %+v, want the old address and the new one pending", c)
	}
	f.svc.Flush()
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(f.mail.last(t, "jan.nowy@example.pl").Text)
	if code == "" {
		t.Fatal("no 6-digit code in the mail")
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}

	_, he = f.svc.Accounts.VerifyEmailCode(ctx, f.caller(t, "JANEK"), wrong)
	wantCode(t, he, jedenlogin.CodeInvalidCode)
	if je(he).Extra["remaining_attempts"] != jedenlogin.MaxTokenFailures-1 || je(he).Notice.Key == "" || je(he).Fields["code"].Key == "" {
		t.Errorf("wrong code: Extra %v, Notice %v, Fields %v", je(he).Extra, je(he).Notice, je(he).Fields)
	}
	if evs := f.audit(t, jedenlogin.AuditContactChanged); len(evs) != 2 || evs[1].Outcome != "failed" {
		t.Errorf("contact_changed events %+v, want pending then failed", evs)
	}

	c, he = f.svc.Accounts.VerifyEmailCode(ctx, f.caller(t, "JANEK"), code)
	if he != nil {
		t.Fatalf("right code: %v", he)
	}
	if c.Email != "jan.nowy@example.pl" || c.EmailPending != "" {
		t.Errorf("contact %+v, want the new address and nothing pending", c)
	}
	// The confirmed address is verified (OpenID Connect email_verified);
	// the imported one never was.
	pid := f.caller(t, "JANEK").Person.ID
	if ok, err := f.st.EmailVerified(ctx, pid, "jan.nowy@example.pl"); err != nil || !ok {
		t.Errorf("the confirmed address is not verified: %v, %v", ok, err)
	}
	if ok, _ := f.st.EmailVerified(ctx, pid, "jan@example.pl"); ok {
		t.Error("the imported address is verified")
	}
	evs := f.audit(t, jedenlogin.AuditContactChanged)
	if last := evs[len(evs)-1]; last.Outcome != "ok" || last.Subject != "JANEK" {
		t.Errorf("last contact_changed %+v, want ok for JANEK", last)
	}
	_, he = f.svc.Accounts.VerifyEmailCode(ctx, f.caller(t, "JANEK"), code)
	wantCode(t, he, jedenlogin.CodeCodeExpired)
}

func TestChangePassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	he := f.svc.Accounts.ChangePassword(ctx, f.caller(t, "JANEK"), jedenlogin.PasswordChange{Current: pwJanek, New: "krotkie"})
	wantCode(t, he, jedenlogin.CodeWeakPassword)
	reasons, _ := je(he).Extra["reasons"].([]password.Reason)
	codes := map[string]bool{}
	for _, r := range reasons {
		codes[r.Code] = true
		if r.Message == "" {
			t.Errorf("reason %s without a message", r.Code)
		}
	}
	if !codes[password.ReasonTooShort] || !codes[password.ReasonNoUppercase] {
		t.Errorf("reasons %v, want too_short and no_uppercase among them", reasons)
	}
	he = f.svc.Accounts.ChangePassword(ctx, f.caller(t, "JANEK"), jedenlogin.PasswordChange{Current: pwJanek, New: pwJanek})
	wantCode(t, he, jedenlogin.CodeWeakPassword)
	if rs, _ := je(he).Extra["reasons"].([]password.Reason); len(rs) == 0 || rs[len(rs)-1].Code != service.ReasonSameAsCurrent {
		t.Errorf("reasons %v, want same_as_current", rs)
	}
	if evs := f.audit(t, jedenlogin.AuditPasswordChanged); len(evs) != 0 {
		t.Fatalf("refused changes audited as done: %+v", evs)
	}

	if he := f.svc.Accounts.ChangePassword(ctx, f.caller(t, "JANEK"), jedenlogin.PasswordChange{Current: pwJanek, New: newPassword}); he != nil {
		t.Fatalf("ChangePassword: %v", he)
	}
	evs := f.audit(t, jedenlogin.AuditPasswordChanged)
	if len(evs) != 1 || evs[0].Subject != "JANEK" || evs[0].Address != "192.0.2.7" || evs[0].Details != `{"via":"change"}` {
		t.Errorf("password_changed events %+v, want one for JANEK via change", evs)
	}
	c := f.caller(t, "JANEK")
	if ok, err := f.svc.VerifyPassword(ctx, c.Login.PasswordHash, newPassword, nil); !ok || err != nil {
		t.Errorf("the new password does not verify: %v %v", ok, err)
	}
	f.svc.Flush()
	f.mail.last(t, "jan@example.pl") // the notice

	t.Run("wrong current password", func(t *testing.T) {
		he := f.svc.Accounts.ChangePassword(ctx, f.caller(t, "JANEK"), jedenlogin.PasswordChange{Current: pwJanek, New: newPassword + "X"})
		wantCode(t, he, jedenlogin.CodeInvalidCredentials)
		if je(he).Fields["current"].Key != "password.current_wrong" {
			t.Errorf("Fields %v, want the current field marked", je(he).Fields)
		}
	})
}

func TestResetPasswordSingleUse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	secret := f.token(t, jedenlogin.TokenPasswordReset, "JANEK")

	_, he := f.svc.Recovery.ResetPassword(ctx, secret, "krotkie", "192.0.2.8")
	wantCode(t, he, jedenlogin.CodeWeakPassword)
	if _, he := f.svc.Recovery.PasswordResetLink(ctx, secret); he != nil {
		t.Fatalf("a weak password spent the link: %v", he)
	}

	login, he := f.svc.Recovery.ResetPassword(ctx, secret, newPassword, "192.0.2.8")
	if he != nil || login != "JANEK" {
		t.Fatalf("ResetPassword = %q, %v; want JANEK", login, he)
	}
	if evs := f.audit(t, jedenlogin.AuditPasswordChanged); len(evs) != 1 || evs[0].Details != `{"via":"reset"}` {
		t.Errorf("password_changed events %+v, want one via reset", evs)
	}
	_, he = f.svc.Recovery.ResetPassword(ctx, secret, newPassword+"X", "192.0.2.8")
	wantCode(t, he, jedenlogin.CodeLinkExpired)
	_, he = f.svc.Recovery.PasswordResetLink(ctx, secret)
	wantCode(t, he, jedenlogin.CodeLinkExpired)
	c := f.caller(t, "JANEK")
	if ok, _ := f.svc.VerifyPassword(ctx, c.Login.PasswordHash, newPassword, nil); !ok {
		t.Error("the second use changed the password")
	}
}

func TestRecoverLogin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	secret := f.token(t, jedenlogin.TokenLoginRecovery, "JANEK")

	_, he := f.svc.Recovery.RecoverLogin(ctx, secret, "02070803628", "192.0.2.9")
	wantCode(t, he, jedenlogin.CodePESELMismatch)
	if je(he).Extra["remaining_attempts"] != jedenlogin.MaxTokenFailures-1 || je(he).Fields["pesel"].Key == "" {
		t.Errorf("wrong PESEL: Extra %v, Fields %v", je(he).Extra, je(he).Fields)
	}
	got, he := f.svc.Recovery.RecoverLogin(ctx, secret, peselJanek, "192.0.2.9")
	if he != nil || got.Login != "JANEK" || got.Pending {
		t.Fatalf("RecoverLogin = %+v, %v; want JANEK, done", got, he)
	}
	_, he = f.svc.Recovery.RecoverLogin(ctx, secret, peselJanek, "192.0.2.9")
	wantCode(t, he, jedenlogin.CodeLinkExpired)
}

func TestRequestPasswordRecovery(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	req := jedenlogin.PasswordRecoveryRequest{Login: "JANEK", FirstName: "Jan", LastName: "Kowalski", PESEL: peselJanek, Email: "jan@example.pl"}

	bad := req
	bad.PESEL = "12345678901"
	he := f.svc.Recovery.RequestPasswordRecovery(ctx, bad, "192.0.2.10")
	wantCode(t, he, jedenlogin.EINVALID)
	if je(he).Extra["field"] != "pesel" || je(he).Fields["pesel"].Key == "" {
		t.Errorf("malformed PESEL: Extra %v, Fields %v", je(he).Extra, je(he).Fields)
	}

	for i := range service.RecoveryTargetLimit + 1 {
		if he := f.svc.Recovery.RequestPasswordRecovery(ctx, req, "192.0.2.10"); he != nil {
			t.Fatalf("request %d: %v", i+1, he)
		}
	}
	f.svc.Flush()
	// Two background workers run the lookups, so the order of the outcomes
	// is not fixed; their counts are.
	outcomes := map[string]int{}
	for _, ev := range f.audit(t, jedenlogin.AuditRecoveryRequested) {
		outcomes[ev.Outcome]++
	}
	if outcomes["sent"] != service.RecoveryTargetLimit || outcomes["throttled"] != 1 || len(outcomes) != 2 {
		t.Errorf("outcomes %v, want %d sent and 1 throttled: the person's quota is %d", outcomes, service.RecoveryTargetLimit, service.RecoveryTargetLimit)
	}
}

func TestActivate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	secret := f.token(t, jedenlogin.TokenActivation, "NOWY")

	_, he := f.svc.Accounts.Activate(ctx, secret, "", "192.0.2.11")
	wantCode(t, he, jedenlogin.EINVALID)
	if je(he).Fields["new_password"].Key != "activation.password_required" {
		t.Errorf("Fields %v, want new_password marked", je(he).Fields)
	}
	login, he := f.svc.Accounts.Activate(ctx, secret, newPassword, "192.0.2.11")
	if he != nil || login != "NOWY" {
		t.Fatalf("Activate = %q, %v", login, he)
	}
	changed, activated := f.audit(t, jedenlogin.AuditPasswordChanged), f.audit(t, jedenlogin.AuditAccountActivated)
	if len(changed) != 1 || len(activated) != 1 || changed[0].Details != `{"via":"activation"}` || activated[0].Subject != "NOWY" {
		t.Errorf("password_changed %+v, account_activated %+v: want one each for NOWY", changed, activated)
	}
	_, he = f.svc.Accounts.Activate(ctx, secret, newPassword, "192.0.2.11")
	wantCode(t, he, jedenlogin.CodeLinkExpired)
	if je(he).Key != "activation.link_expired" {
		t.Errorf("key %s, want the activation's own message", je(he).Key)
	}
}

// je is err as the service's error type (nil for nil).
func je(err error) *jedenlogin.Error { return jedenlogin.AsError(err) }
