package main

// Browser test of account self-service: a forgotten login and a forgotten
// password recovered through the mail in the outbox, on a demo database,
// every screen checked with axe-core.

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"jedenlogin/demo"
	"jedenlogin/internal/browsertest"
	"jedenlogin/mail"
	"jedenlogin/web"
)

// selfServiceWait waits until the page's visible text holds want.
func selfServiceWait(p *browsertest.Page, want string) {
	p.WaitFor(fmt.Sprintf("text %q", want), fmt.Sprintf("document.body.innerText.includes(%q)", want))
}

// mailedLink returns the newest link under base+prefix mailed to to.
func mailedLink(t *testing.T, srv *web.Server, outbox, to, base, prefix string) string {
	t.Helper()
	srv.Flush()
	m, err := mail.Latest(outbox, to)
	if err != nil {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(base+prefix) + `[A-Za-z0-9_-]{43}`).FindString(m.Text)
	if link == "" {
		t.Fatalf("mail %q to %s has no link %s…:\n%s", m.Subject, to, base+prefix, m.Text)
	}
	return link
}

func TestBrowserSelfService(t *testing.T) {
	// The same server as the applications test: demo database, outbox, public URL.
	e := startAppE2E(t)
	b, base, outbox, creds, st, srv, ctx := e.b, e.base, e.outbox, e.creds, e.st, e.srv, context.Background()

	dp := creds.Person(demo.Unchanged)
	rec, err := st.Person(ctx, dp.PersonID)
	if err != nil || rec.Person.Account == nil {
		t.Fatalf("demo person %s: %v (account %v)", dp.Key, err, rec)
	}
	acc := rec.Person.Account
	login := dp.Logins[0].Name
	p := b.NewPage(t)

	// Odzyskaj login: from the sign-in page, through the mailed link.
	p.Open(base + "/logowanie")
	p.WaitHeading("Logowanie")
	p.ClickText("a", "ODZYSKAJ LOGIN")
	p.WaitHeading("Odzyskaj login")
	p.CheckAccessibility("odzyskaj login")
	p.Type(p.FieldByLabel("Imię"), acc.FirstName)
	if acc.SecondName != "" {
		p.Type(p.FieldByLabel("Drugie imię"), acc.SecondName)
	}
	p.Type(p.FieldByLabel("Nazwisko"), acc.LastName)
	p.Type(p.FieldByLabel("PESEL"), acc.PESEL)
	p.Type(p.FieldByLabel("Adres e-mail"), acc.Email)
	p.ClickText("button", "ODZYSKAJ LOGIN")
	selfServiceWait(p, "został wysłany link do odzyskania loginu")
	p.CheckAccessibility("odzyskaj login: wysłano")

	p.Open(mailedLink(t, srv, outbox, acc.Email, base, "/odzyskaj-login/"))
	p.WaitHeading("Odzyskaj login")
	p.CheckAccessibility("odzyskaj login: PESEL")
	p.Type(p.FieldByLabel("PESEL"), acc.PESEL)
	p.ClickText("button", "POKAŻ LOGIN")
	selfServiceWait(p, "Twój login")
	if got := p.Text(".new-login-name"); got != login {
		t.Errorf("recovered login %q, want %q", got, login)
	}
	p.CheckAccessibility("odzyskaj login: login")

	// Nie pamiętasz hasła?: from the recovered login's page.
	p.ClickText("a", "Nie pamiętasz hasła?")
	p.WaitHeading("Nie pamiętasz hasła?")
	p.CheckAccessibility("nie pamiętasz hasła")
	p.Type(p.FieldByLabel("Login"), login)
	p.Type(p.FieldByLabel("Imię"), acc.FirstName)
	p.Type(p.FieldByLabel("Nazwisko"), acc.LastName)
	p.Type(p.FieldByLabel("PESEL"), acc.PESEL)
	p.Type(p.FieldByLabel("Adres e-mail"), acc.Email)
	p.ClickText("button", "WYŚLIJ LINK")
	selfServiceWait(p, "Zgłoszenie resetu hasła zostało wysłane poprawnie.")
	p.CheckAccessibility("nie pamiętasz hasła: wysłano")

	p.Open(mailedLink(t, srv, outbox, acc.Email, base, "/reset-hasla/"))
	p.WaitHeading("Ustaw nowe hasło")
	p.CheckAccessibility("ustaw nowe hasło")
	met := func() string {
		return browsertest.Eval[string](p, `[...document.querySelectorAll('li.rule.rule-met')].map(li => li.dataset.rule).join(' ')`)
	}
	if got := met(); got != "" {
		t.Errorf("rules met before typing: %q", got)
	}
	const newPW = "zielony!Ogrodek!Wiosna"
	p.Type(p.FieldByLabel("Nowe hasło"), "zielony")
	if got := met(); got != "lower edges personal" {
		t.Errorf("rules met by %q: %q", "zielony", got)
	}
	p.Type(p.FieldByLabel("Nowe hasło"), "!Ogrodek!Wiosna") // typed on at the end: newPW
	if got := met(); got != "min lower upper special edges personal" {
		t.Errorf("rules met by a good password before repeating it: %q", got)
	}
	p.Type(p.FieldByLabel("Powtórz nowe hasło"), newPW)
	if got := met(); got != "min lower upper special edges personal match" {
		t.Errorf("rules met after repeating: %q", got)
	}
	p.CheckAccessibility("ustaw nowe hasło: reguły spełnione")
	p.ClickText("button", "AKTUALIZUJ HASŁO")
	selfServiceWait(p, "Hasło zostało zmienione.")
	p.CheckAccessibility("hasło zostało zmienione")

	// The new password signs in.
	p.ClickText("a", "Przejdź do logowania")
	p.WaitHeading("Logowanie")
	p.Type(p.FieldByLabel("Login"), login)
	p.Type(p.FieldByLabel("Hasło"), newPW)
	p.ClickText("button", "Zaloguj")
	p.WaitHeading("PODMIOTY")

	// The profile with its forms, signed in.
	p.ClickText("a", "Profil")
	p.WaitHeading("Profil")
	p.CheckAccessibility("profil")
	p.ClickText("a", "Zmiana danych kontaktowych")
	p.WaitHeading("Zmiana danych kontaktowych")
	p.CheckAccessibility("zmiana danych kontaktowych")
}

// discard is an io.Writer that drops everything (logs of the test server).
type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
