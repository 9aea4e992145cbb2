package main

// Browser tests of access applications (SPEC §9) on a demo database: a
// newcomer applies through the public form, the school's head accepts, the
// newcomer activates the account from the mailed link and signs in with
// the generated uppercase login; a consolidated person applies for a second
// school and, once accepted, sees both schools under the same login. Every
// screen is checked with axe-core.

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"jedenlogin/demo"
	"jedenlogin/internal/browsertest"
	"jedenlogin/loginname"
	"jedenlogin/mail"
	"jedenlogin/password"
	"jedenlogin/store/sqlstore"
	"jedenlogin/web"
)

// appE2E is a server on a fresh demo database whose mail goes to an outbox.
type appE2E struct {
	t      *testing.T
	b      *browsertest.Browser
	base   string // the public URL, where the server listens
	srv    *web.Server
	st     *sqlstore.Store
	outbox string
	creds  *demo.Credentials
}

func startAppE2E(t *testing.T) *appE2E {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped with -short")
	}
	b := browsertest.New(t)
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "e2e.db"), sqlstore.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &password.Hasher{Params: password.CheapParams}
	creds, err := demo.Build(ctx, st, h, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	outbox := t.TempDir()
	ob, err := mail.NewOutbox(outbox, "Konto SIO <noreply@konto.example.gov.pl>", newLogger(discard{}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv, err := web.New(web.Config{Store: st, Hasher: h, Logger: newLogger(discard{}), Mailer: ob, PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &appE2E{t: t, b: b, base: base, srv: srv, st: st, outbox: outbox, creds: creds}
}

func (e *appE2E) person(key string) *demo.Person {
	e.t.Helper()
	p := e.creds.Person(key)
	if p == nil {
		e.t.Fatalf("no demo person %s", key)
	}
	return p
}

// mail returns the newest message to to, after the queued mail went out.
func (e *appE2E) mail(to string) *mail.Message {
	e.t.Helper()
	e.srv.Flush()
	m, err := mail.Latest(e.outbox, to)
	if err != nil {
		e.t.Fatalf("no mail to %s: %v", to, err)
	}
	return m
}

// appSignIn types login and password into the sign-in page and presses Enter.
func appSignIn(p *browsertest.Page, base, login, pw string, _ bool) {
	p.Open(base + "/logowanie")
	p.WaitHeading("Logowanie")
	p.Type(p.FieldByLabel("Login"), login)
	p.Type(p.FieldByLabel("Hasło"), pw)
	p.Press(browsertest.Enter)
}

// appSignOut presses WYLOGUJ SIĘ and waits for the sign-in page.
func appSignOut(p *browsertest.Page) {
	p.ClickText("button", "WYLOGUJ SIĘ")
	p.WaitHeading("Logowanie")
}

// appWaitText waits until the page's visible text holds want.
func appWaitText(p *browsertest.Page, want string) {
	p.WaitFor(fmt.Sprintf("text %q", want), fmt.Sprintf("document.body.innerText.includes(%q)", want))
}

// appWantText fails the test unless the page's visible text holds every want.
func appWantText(t *testing.T, p *browsertest.Page, wants ...string) {
	t.Helper()
	text := p.InnerText()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("page %q lacks %q; it reads:\n%s", p.Heading(), w, text)
		}
	}
}

// entityNames returns the names in the PODMIOTY table, with their status.
func entityNames(p *browsertest.Page) map[string]string {
	p.WaitHeading("PODMIOTY")
	return browsertest.Eval[map[string]string](p, `Object.fromEntries([...document.querySelectorAll('main table tbody tr')].map(tr => [
  tr.querySelector('th').innerText.trim(), tr.querySelectorAll('td')[4].innerText.trim()]))`)
}

// decide opens the application in the approver's Wnioski, takes it up
// (ROZPATRUJ WNIOSEK), confirms the applicant's identity and accepts it.
func (e *appE2E) decide(p *browsertest.Page, applicant string) {
	e.t.Helper()
	p.ClickText("a", "Wnioski")
	p.WaitHeading("Wnioski")
	appWantText(e.t, p, applicant, "Złożony")
	p.CheckAccessibility("wnioski")
	id := browsertest.Eval[string](p, `(() => { const a = [...document.querySelectorAll('main table tbody tr')].find(tr => tr.innerText.includes(`+fmt.Sprintf("%q", applicant)+`)); return a ? a.querySelector('th').innerText.trim() : ''; })()`)
	if id == "" {
		e.t.Fatalf("no application of %s in the queue", applicant)
	}
	p.ClickText("a", "POKAŻ WNIOSEK nr "+id)
	p.WaitHeading("Wniosek o dostęp nr " + id)
	p.CheckAccessibility("wniosek")
	p.ClickText("button", "ROZPATRUJ WNIOSEK")
	appWaitText(p, "OPERACJA ZAKOŃCZONA POMYŚLNIE")
	appWantText(e.t, p, "Rozpatrywany")
	p.CheckAccessibility("wniosek rozpatrywany")

	// Accepting without the identity confirmation is refused.
	p.ClickText("button", "AKCEPTUJ WNIOSEK")
	appWaitText(p, "Przed akceptacją potwierdź tożsamość wnioskodawcy")
	p.CheckAccessibility("akceptacja bez potwierdzenia tożsamości")
	p.ClickText("label", "Potwierdzam tożsamość wnioskodawcy (osobiste stawiennictwo)")
	p.ClickText("button", "AKCEPTUJ WNIOSEK")
	appWaitText(p, "Wniosek został zaakceptowany")
	appWantText(e.t, p, "OPERACJA ZAKOŃCZONA POMYŚLNIE", "Zaakceptowany", "potwierdzona (osobiste stawiennictwo)")
	p.CheckAccessibility("wniosek zaakceptowany")
}

// TestBrowserApplications runs both stories on one demo database (they
// involve different persons) in one browser.
func TestBrowserApplications(t *testing.T) {
	e := startAppE2E(t)
	t.Run("newcomer applies, the head accepts, the mailed link activates, the generated login signs in", func(t *testing.T) {
		e.t = t
		newcomerStory(t, e)
	})
	t.Run("a consolidated person applies for a second school and sees both under one login", func(t *testing.T) {
		e.t = t
		secondSchoolStory(t, e)
	})
}

func newcomerStory(t *testing.T, e *appE2E) {
	head := e.person(demo.Unchanged) // KWISNIEWSKA, kierownik of SP nr 3 in Świdnik
	const (
		school = "Szkoła Podstawowa nr 3 im. Marii Konopnickiej w Świdniku"
		email  = "tomasz.zielinski@example.pl"
		pesel  = "93042512349"
	)
	newPassword := "Zielone!Boisko!Szkolne"

	// The newcomer finds the form on the sign-in page.
	p := e.b.NewPage(t)
	p.Open(e.base + "/logowanie")
	p.WaitHeading("Logowanie")
	p.ClickText("a", "Złóż wniosek o dostęp")
	p.WaitHeading("Złóż wniosek o dostęp")
	p.CheckAccessibility("złóż wniosek o dostęp")
	p.Type(p.FieldByLabel("Szukaj podmiotu"), "konopnickiej")
	p.ClickText("button", "SZUKAJ")
	appWaitText(p, school+" (27631)")
	if !browsertest.Eval[bool](p, `document.querySelector('input[name=entity_id][value="27631"]').checked`) {
		t.Error("the only school found is not selected")
	}
	p.CheckAccessibility("złóż wniosek: wynik wyszukiwania")
	p.Type(p.FieldByLabel("Imię"), "Tomasz")
	p.Type(p.FieldByLabel("Nazwisko"), "Zieliński")
	p.Type(p.FieldByLabel("PESEL"), pesel)
	p.Type(p.FieldByLabel("Adres e-mail"), email)
	p.ClickText("button", "ZŁÓŻ WNIOSEK")
	p.WaitHeading("OPERACJA ZAKOŃCZONA POMYŚLNIE")
	appWantText(t, p, school, email)
	p.CheckAccessibility("wniosek złożony")
	if m := e.mail(email); !strings.Contains(m.Subject, "Złożony") {
		t.Errorf("submission mail %q", m.Subject)
	}

	// The school's head accepts it.
	a := e.b.NewPage(t)
	appSignIn(a, e.base, head.Logins[0].Name, head.Logins[0].Password, true)
	a.WaitHeading("PODMIOTY")
	e.decide(a, "Tomasz Zieliński")
	appSignOut(a)

	// The newcomer activates the account from the mailed link.
	m := e.mail(email)
	if !strings.Contains(m.Subject, "Aktywacja konta") {
		t.Fatalf("the newest mail is %q, want the activation", m.Subject)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(e.base+"/aktywuj/") + `[A-Za-z0-9_-]{43}`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no activation link in:\n%s", m.Text)
	}
	p.Open(link)
	p.WaitHeading("Aktywacja konta")
	login := p.Text("#nowy-login .new-login-name")
	if login != "TOMZIE1" || !loginname.IsUnified(login) {
		t.Errorf("generated login %q, want TOMZIE1 (SPEC §3)", login)
	}
	if !strings.Contains(m.Text, login) {
		t.Errorf("the activation mail does not name the login %s", login)
	}
	p.CheckAccessibility("aktywacja konta")
	p.Type(p.FieldByLabel("Nowe hasło"), newPassword)
	p.Type(p.FieldByLabel("Powtórz nowe hasło"), newPassword)
	p.ClickText("button", "USTAW HASŁO")
	p.WaitHeading("OPERACJA ZAKOŃCZONA POMYŚLNIE")
	appWantText(t, p, "Konto zostało aktywowane.", login)
	p.CheckAccessibility("konto aktywowane")

	// …and signs in with the generated uppercase login.
	p.ClickText("a", "Przejdź do logowania")
	p.WaitHeading("Logowanie")
	appSignIn(p, e.base, login, newPassword, true)
	if got := entityNames(p); len(got) != 1 || got[school] != "ważne" {
		t.Errorf("the newcomer's entities: %v, want %s (ważne)", got, school)
	}
	appWantText(t, p, "Zalogowano jako "+login)
	p.CheckAccessibility("podmioty nowego użytkownika")

	// The link worked once.
	p.Open(link)
	appWaitText(p, "Link aktywacyjny wygasł lub został już użyty.")
}

func secondSchoolStory(t *testing.T, e *appE2E) {
	applicant := e.person(demo.Generate1)   // jwojcik → JEDWOJ1, employee of SP nr 3 in Świdnik
	head := e.person(demo.ChooseUppercase1) // GZOLKIEWSKI, kierownik of the school in Łęczna
	const (
		first  = "Szkoła Podstawowa nr 3 im. Marii Konopnickiej w Świdniku"
		second = "Szkoła Podstawowa im. Jana Pawła II w Łęcznej"
	)

	// The applicant moves to one login (generate, confirmed with the current password).
	p := e.b.NewPage(t)
	old := applicant.Logins[0]
	appSignIn(p, e.base, old.Name, old.Password, true)
	p.WaitHeading("Potwierdź wybór loginu")
	p.Type(p.FieldByLabel("Potwierdź dotychczasowym hasłem"), old.Password)
	p.ClickText("label", "POTWIERDZAM")
	p.ClickText("button", "POTWIERDŹ")
	p.WaitHeading("Dane konta")
	login := applicant.GeneratedLogin

	// …and applies for a second school from Moje wnioski.
	p.ClickText("a", "Moje wnioski")
	p.WaitHeading("Moje wnioski")
	p.CheckAccessibility("moje wnioski (puste)")
	p.ClickText("a", "Złóż wniosek o dostęp")
	p.WaitHeading("Złóż wniosek o dostęp")
	appWantText(t, p, "uniwersalnymi danymi konta", "Jędrzej")
	if browsertest.Eval[bool](p, `!!document.querySelector('#pesel')`) {
		t.Error("the signed-in form asks for the PESEL")
	}
	p.CheckAccessibility("złóż wniosek (zalogowany)")
	p.Type(p.FieldByLabel("Szukaj podmiotu"), "Łęcznej")
	p.Press(browsertest.Enter)
	appWaitText(p, second)
	p.ClickText("label", second+" (31877)")
	p.ClickText("button", "ZŁÓŻ WNIOSEK")
	appWaitText(p, "OPERACJA ZAKOŃCZONA POMYŚLNIE")
	appWantText(t, p, "Złożony", second, "WYCOFAJ WNIOSEK")
	p.CheckAccessibility("wniosek złożony (zalogowany)")
	p.ClickText("a", "Moje wnioski")
	p.WaitHeading("Moje wnioski")
	appWantText(t, p, second, "Złożony", "POKAŻ WNIOSEK")
	p.CheckAccessibility("moje wnioski")
	appSignOut(p)

	// The head of the school in Łęczna consolidates (the only uppercase
	// login) and accepts.
	a := e.b.NewPage(t)
	mixed, upper := head.Logins[1], head.Logins[0]
	appSignIn(a, e.base, mixed.Name, mixed.Password, true)
	a.WaitHeading("Potwierdź wybór loginu")
	a.Type(a.FieldByLabel("Hasło loginu "+upper.Name), upper.Password)
	a.ClickText("label", "POTWIERDZAM")
	a.ClickText("button", "POTWIERDŹ")
	a.WaitHeading("Dane konta")
	e.decide(a, "Jędrzej Wójcik")
	appSignOut(a)

	// Both schools under the same login.
	appSignIn(p, e.base, login, old.Password, true)
	got := entityNames(p)
	if len(got) != 2 || got[first] != "ważne" || got[second] != "ważne" {
		t.Errorf("entities of %s: %v, want %s and %s, both ważne", login, got, first, second)
	}
	appWantText(t, p, "Zalogowano jako "+login)
	p.CheckAccessibility("podmioty: dwie szkoły")
	// The applicant was told, with a link to the application.
	if m := e.mail("jedrzej.wojcik@sp3.swidnik.example"); !strings.Contains(m.Subject, "Zaakceptowany") || !strings.Contains(m.Text, e.base+"/wnioski/") {
		t.Errorf("acceptance mail %q:\n%s", m.Subject, m.Text)
	}
}
