package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"jedenlogin"
	"jedenlogin/internal/browsertest"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// TestBrowserMFA enrols a passkey from "Weryfikacja dwuetapowa" with
// Chromium's virtual authenticator (CDP WebAuthn.enable and
// addVirtualAuthenticator), signs out, signs in with the password and the
// passkey, and checks every new screen with axe-core: the page before
// enrolment, the TOTP step with its QR code, the recovery codes, and "Kod
// weryfikacyjny".
func TestBrowserMFA(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests skipped with -short")
	}
	br := browsertest.New(t)
	// WebAuthn wants a domain as the relying party: the server is reached
	// as localhost, which the public URL names.
	ts := httptest.NewUnstartedServer(nil)
	port := ts.Listener.Addr().String()[strings.LastIndex(ts.Listener.Addr().String(), ":"):]
	base := "http://localhost" + port
	e := newEnv(t, storetest.Backends(t)[0], web.Config{PublicURL: base})
	ts.Config.Handler = e.h
	ts.Start()
	defer ts.Close()

	p := br.NewPage(t)
	ctx, cancel := context.WithTimeout(p.Ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	}); err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}

	signIn := func() {
		p.Open(base + "/logowanie")
		p.WaitHeading("Logowanie")
		p.Type("#login", "FILIP")
		p.Type("#password", pwFilip)
		p.ClickText("button", "Zaloguj")
	}
	signIn()
	p.WaitHeading("PODMIOTY")

	p.Open(base + "/profil/weryfikacja-dwuetapowa")
	p.WaitHeading("Weryfikacja dwuetapowa")
	p.CheckAccessibility("weryfikacja dwuetapowa")
	screenshot(p, "mfa-01")
	p.ClickText("button", "Skonfiguruj aplikację uwierzytelniającą")
	p.WaitFor("the QR code", `document.querySelector('svg.qr') !== null`)
	p.CheckAccessibility("weryfikacja dwuetapowa: kod QR")
	screenshot(p, "mfa-02-qr")

	p.Type("#name", "Klucz testowy")
	p.ClickText("button", "Dodaj klucz dostępu")
	p.WaitFor("the recovery codes", `document.querySelectorAll('ol.recovery-codes li').length === 10`)
	if txt := p.InnerText(); !strings.Contains(txt, "Dodano klucz dostępu „Klucz testowy”") {
		t.Errorf("after adding the passkey: %s", txt)
	}
	p.CheckAccessibility("kody odzyskiwania")
	screenshot(p, "mfa-03-kody")
	p.ClickText("a", "Dalej")
	p.WaitHeading("PODMIOTY")

	p.ClickText("button", "WYLOGUJ SIĘ")
	p.WaitHeading("Logowanie")
	signIn()
	p.WaitHeading("Kod weryfikacyjny")
	p.CheckAccessibility("kod weryfikacyjny")
	screenshot(p, "mfa-04-kod")
	p.ClickText("button", "Użyj klucza dostępu")
	p.WaitHeading("PODMIOTY")

	evs := e.audit(jedenlogin.AuditMFAUsed)
	if len(evs) != 1 || !strings.Contains(evs[0].Details, `"passkey"`) {
		t.Errorf("mfa_used events: %+v", evs)
	}
}
