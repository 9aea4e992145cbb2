package main

// Browser end-to-end tests: the real server on a demo database, driven in
// headless Chromium by mouse and by keyboard, every screen checked with
// axe-core. JEDENLOGIN_UPDATE_SCREENS=1 also saves a screenshot of each
// screen to docs/screens/ for the README.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"jedenlogin/demo"
	"jedenlogin/internal/browsertest"
	"jedenlogin/mail"
	"jedenlogin/password"
	"jedenlogin/store/sqlstore"
	"jedenlogin/web"
)

// e2e is the running system under test.
type e2e struct {
	t     *testing.T
	b     *browsertest.Browser
	url   string
	creds *demo.Credentials
	shots string // directory for screenshots; "" = do not save
}

func startE2E(t *testing.T) *e2e {
	t.Helper()
	b := browsertest.New(t) // first: skips before any work when Chromium is missing
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
	mailer, err := mail.NewOutbox(outbox, "jedenlogin@example.org", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Store: st, Hasher: h, Logger: slog.New(slog.DiscardHandler), Mailer: mailer,
		HelpURL: "https://pomoc.sio.gov.pl", SupportContact: "tel. 22 123 45 67, pomoc@sio.example.gov.pl"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkOutbox(t, outbox) })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e := &e2e{t: t, b: b, url: ts.URL, creds: creds}
	if os.Getenv("JEDENLOGIN_UPDATE_SCREENS") == "1" {
		e.shots = filepath.Join(browsertest.RepoRoot(t), "docs", "screens")
	}
	return e
}

// screen checks the current page with axe-core and, when screenshots are
// being updated, saves it as docs/screens/NN-name.png.
func (e *e2e) screen(p *browsertest.Page, n int, name string) {
	e.t.Helper()
	p.CheckAccessibility(fmt.Sprintf("screen %02d-%s", n, name))
	if e.shots != "" {
		p.Screenshot(filepath.Join(e.shots, fmt.Sprintf("%02d-%s.png", n, name)))
	}
}

// check runs axe-core on a screen that gets no screenshot.
func (e *e2e) check(p *browsertest.Page, name string) {
	e.t.Helper()
	p.CheckAccessibility(name)
}

func (e *e2e) person(key string) *demo.Person {
	e.t.Helper()
	p := e.creds.Person(key)
	if p == nil {
		e.t.Fatalf("no demo person %s", key)
	}
	return p
}

// signIn opens the sign-in page and types login and password into the
// fields labelled "Login" and "Hasło"; it submits with Enter or by clicking
// "Zaloguj".
func browserSignIn(p *browsertest.Page, url, login, pw string, enter bool) {
	p.Open(url + "/logowanie")
	p.WaitHeading("Logowanie")
	p.Type(p.FieldByLabel("Login"), login)
	p.Type(p.FieldByLabel("Hasło"), pw)
	if enter {
		p.Press(browsertest.Enter)
	} else {
		p.ClickText("button", "Zaloguj")
	}
}

// wantText fails the test unless the page's visible text holds every want.
func wantPageText(t *testing.T, p *browsertest.Page, wants ...string) {
	t.Helper()
	text := p.InnerText()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("page %q lacks %q; it reads:\n%s", p.Heading(), w, text)
		}
	}
}

// waitText waits until the page's visible text holds want.
func waitPageText(p *browsertest.Page, want string) {
	p.WaitFor(fmt.Sprintf("text %q", want), "document.body.innerText.includes("+e2eJSString(want)+")")
}

func e2eJSString(s string) string { return fmt.Sprintf("%q", s) }

// e2eEntityRow is one row of the PODMIOTY table as a user reads it.
type e2eEntityRow struct {
	Name, ID, Status, Actions string
}

// checkEntities compares the PODMIOTY table with the grants the demo
// person should hold: every entity listed, valid ones "ważne", expired ones
// "wygasło", PRZEDŁUŻ offered for the one expiring soon.
func checkEntityList(t *testing.T, p *browsertest.Page, dp *demo.Person) {
	t.Helper()
	p.WaitHeading("PODMIOTY")
	rows := browsertest.Eval[[]e2eEntityRow](p, `[...document.querySelectorAll('main table tbody tr')].map(tr => ({
  Name: tr.querySelector('th').innerText.trim(),
  ID: tr.querySelectorAll('td')[0].innerText.trim(),
  Status: tr.querySelectorAll('td')[4].innerText.trim(),
  Actions: tr.querySelector('td.actions').innerText.trim(),
}))`)
	if len(rows) != len(dp.Grants) {
		t.Errorf("%s: %d entities listed, want %d: %+v", dp.Key, len(rows), len(dp.Grants), rows)
	}
	for _, g := range dp.Grants {
		i := slices.IndexFunc(rows, func(r e2eEntityRow) bool { return r.ID == g.EntityID })
		if i < 0 {
			t.Errorf("%s: entity %s (%s) not listed", dp.Key, g.EntityName, g.EntityID)
			continue
		}
		r := rows[i]
		if r.Name != g.EntityName {
			t.Errorf("entity %s named %q, want %q", g.EntityID, r.Name, g.EntityName)
		}
		wantStatus := "ważne"
		if !g.Valid {
			wantStatus = "wygasło"
		}
		if r.Status != wantStatus {
			t.Errorf("entity %s status %q, want %q", g.EntityName, r.Status, wantStatus)
		}
		if g.Expiring && !strings.Contains(r.Actions, "PRZEDŁUŻ") {
			t.Errorf("entity %s expires soon but offers no PRZEDŁUŻ: %q", g.EntityName, r.Actions)
		}
		if g.Valid && !g.Expiring && strings.Contains(r.Actions, "PRZEDŁUŻ") {
			t.Errorf("entity %s valid for long offers PRZEDŁUŻ", g.EntityName)
		}
	}
}

// radioFor returns a selector of the radio button choosing login.
func radioForLogin(login string) string { return fmt.Sprintf("input[type=radio][value=%q]", login) }

// signOut presses WYLOGUJ SIĘ and waits for the sign-in page.
func browserSignOut(p *browsertest.Page) {
	p.ClickText("button", "WYLOGUJ SIĘ")
	p.WaitHeading("Logowanie")
}

func TestBrowserE2E(t *testing.T) {
	e := startE2E(t)
	const wrongCredentials = "Podano nieprawidłowy login lub hasło."

	t.Run("sign-in page, wrong password, unchanged login straight to the entities", func(t *testing.T) {
		dp := e.person(demo.Unchanged)
		l := dp.Logins[0]
		p := e.b.NewPage(t)
		p.Open(e.url + "/")
		p.WaitHeading("Logowanie")
		e.screen(p, 1, "logowanie")

		browserSignIn(p, e.url, l.Name, l.Password+"-zle", true)
		waitPageText(p, wrongCredentials)
		wantPageText(t, p, "Do zablokowania użytkownika pozostały 4 próby logowania.")
		e.screen(p, 2, "zle-haslo")

		browserSignIn(p, e.url, l.Name, l.Password, false)
		checkEntityList(t, p, dp)
		wantPageText(t, p, "Zalogowano jako "+l.Name)
		e.screen(p, 3, "podmioty")
	})

	t.Run("choose: signed in with one login, choose the other by mouse", func(t *testing.T) {
		dp := e.person(demo.Choose)
		from, to := dp.Logins[0], dp.Logins[1] // MDABROWSKA → MDABROWSKA2
		p := e.b.NewPage(t)
		browserSignIn(p, e.url, from.Name, from.Password, true)
		p.WaitHeading("Potwierdź wybór loginu")
		for _, c := range dp.Candidates {
			if !browsertest.Eval[bool](p, fmt.Sprintf("!!document.querySelector(%q)", radioForLogin(c))) {
				t.Errorf("candidate %s not offered", c)
			}
		}
		if browsertest.Eval[bool](p, fmt.Sprintf("!!document.querySelector(%q)", radioForLogin(dp.Logins[2].Name))) {
			t.Errorf("inactive %s offered", dp.Logins[2].Name)
		}
		e.screen(p, 4, "wybor-loginu")

		id := browsertest.Eval[string](p, fmt.Sprintf("document.querySelector(%q).id", radioForLogin(to.Name)))
		p.Click("label[for=" + browsertest.CSSEscapeID(id) + "]")
		// The label names the login checked: its password is asked for.
		p.Type(p.FieldByLabel("Hasło loginu "+to.Name), to.Password)
		p.ClickText("label", "POTWIERDZAM")
		p.ClickText("button", "POTWIERDŹ")
		p.WaitHeading("Dane konta")
		// Account data come from the login accepted last (MDABROWSKA2).
		wantPageText(t, p, "Przejście na jeden login zostało zakończone.", "Od teraz logujesz się loginem "+to.Name+".",
			"Uniwersalne dane konta", "Małgorzata", "Anna", "Dąbrowska",
			"malgorzata.dabrowska@przedszkole5.swidnik.example", "+48 600 100 202")
		e.screen(p, 5, "dane-konta")

		p.ClickText("a", "Przejdź do listy podmiotów")
		checkEntityList(t, p, dp)
		e.screen(p, 6, "podmioty-przedluz")

		// One click switches the entity the user acts for.
		sp1 := dp.Grants[0]
		p.ClickText("button", "WYBIERZ podmiot "+sp1.EntityName)
		waitPageText(p, "Pracujesz teraz w imieniu podmiotu")
		current := browsertest.Eval[string](p, "(document.querySelector('main tr.current th') || {innerText: ''}).innerText.trim()")
		if current != sp1.EntityName {
			t.Errorf("after WYBIERZ the current entity is %q, want %q", current, sp1.EntityName)
		}
		wantPageText(t, p, "Wybrany")
		e.check(p, "entity selected")

		browserSignOut(p)
		e.screen(p, 7, "wylogowano")

		// The merged login: with a wrong password nothing is revealed…
		browserSignIn(p, e.url, from.Name, to.Password, true)
		waitPageText(p, wrongCredentials)
		if strings.Contains(p.InnerText(), to.Name) {
			t.Errorf("a wrong password on a merged login reveals its replacement %s", to.Name)
		}
		// …with its own password the page names the login that replaced it.
		browserSignIn(p, e.url, from.Name, from.Password, true)
		waitPageText(p, "został zastąpiony loginem "+to.Name)
		e.screen(p, 8, "login-scalony")
	})

	t.Run("choose_uppercase: a mixed-case login chooses the uppercase one by keyboard", func(t *testing.T) {
		dp := e.person(demo.ChooseUppercase1)
		upper, mixed := dp.Logins[0], dp.Logins[1] // GZOLKIEWSKI, g.zolkiewski
		p := e.b.NewPage(t)
		browserSignIn(p, e.url, mixed.Name, mixed.Password, true)
		p.WaitHeading("Potwierdź wybór loginu")
		wantPageText(t, p, "Login "+mixed.Name+", którym się zalogowano, zawiera małe litery")
		if n := browsertest.Eval[int](p, "document.querySelectorAll('input[type=radio]').length"); n != 1 {
			t.Errorf("%d logins offered, want only %s", n, upper.Name)
		}
		e.screen(p, 9, "wybor-wielkie-litery")

		p.TabTo(radioForLogin(upper.Name))
		p.Press(browsertest.Space)
		p.TabTo(p.FieldByLabel("Hasło loginu " + upper.Name))
		p.Press(upper.Password)
		p.TabTo("#potwierdzam")
		p.Press(browsertest.Space)
		p.TabTo("main form button[type=submit]")
		p.Press(browsertest.Enter)
		p.WaitHeading("Dane konta")
		wantPageText(t, p, "Od teraz logujesz się loginem "+upper.Name+".")

		p.TabTo("main a[href='/podmioty']")
		p.Press(browsertest.Enter)
		checkEntityList(t, p, dp)
		e.screen(p, 10, "podmioty-wygasle")
	})

	t.Run("choose_uppercase: the signed-in uppercase login confirmed by keyboard", func(t *testing.T) {
		dp := e.person(demo.ChooseUppercase2)
		cur := *dp.Login("BLUKASIK2")
		p := e.b.NewPage(t)
		browserSignIn(p, e.url, cur.Name, cur.Password, true)
		p.WaitHeading("Potwierdź wybór loginu")
		if browsertest.Eval[bool](p, fmt.Sprintf("!!document.querySelector(%q)", radioForLogin("bozena.lukasik"))) {
			t.Error("the mixed-case login bozena.lukasik is offered")
		}
		p.TabTo("input[type=radio]")
		for range len(dp.Candidates) {
			if browsertest.Eval[bool](p, fmt.Sprintf("document.querySelector(%q).checked", radioForLogin(cur.Name))) {
				break
			}
			p.Press("\u0301") // ArrowDown moves the choice within the group
		}
		p.Press(browsertest.Space)
		p.TabTo(p.FieldByLabel("Hasło loginu " + cur.Name))
		p.Press(cur.Password)
		p.TabTo("#potwierdzam")
		p.Press(browsertest.Space)
		p.TabTo("main form button[type=submit]")
		p.Press(browsertest.Enter)
		p.WaitHeading("Dane konta")
		wantPageText(t, p, "Od teraz logujesz się loginem "+cur.Name+".")
		p.Open(e.url + "/podmioty")
		checkEntityList(t, p, dp)
	})

	t.Run("generate: confirmed with the current password by mouse; the new login signs in", func(t *testing.T) {
		dp := e.person(demo.Generate1)
		old := dp.Logins[0]
		p := e.b.NewPage(t)
		browserSignIn(p, e.url, old.Name, old.Password, false)
		p.WaitHeading("Potwierdź wybór loginu")
		if got := p.Text("#nowy-login .new-login-name"); got != dp.GeneratedLogin {
			t.Errorf("new login shown %q, want %s", got, dp.GeneratedLogin)
		}
		e.screen(p, 11, "nowy-login")

		p.Type(p.FieldByLabel("Potwierdź dotychczasowym hasłem"), old.Password)
		p.ClickText("label", "POTWIERDZAM")
		p.ClickText("button", "POTWIERDŹ")
		p.WaitHeading("Dane konta")
		wantPageText(t, p, "Od teraz logujesz się loginem "+dp.GeneratedLogin+".", "Jędrzej", "Wójcik")
		browserSignOut(p)

		browserSignIn(p, e.url, dp.GeneratedLogin, old.Password, false)
		checkEntityList(t, p, dp)
		browserSignOut(p)
		browserSignIn(p, e.url, old.Name, old.Password, true)
		waitPageText(p, "został zastąpiony loginem "+dp.GeneratedLogin)
	})

	t.Run("generate: POTWIERDZAM forgotten, then confirmed by keyboard", func(t *testing.T) {
		dp := e.person(demo.Generate2)
		l := *dp.Login("Agnieszka.NK")
		p := e.b.NewPage(t)
		browserSignIn(p, e.url, l.Name, l.Password, true)
		p.WaitHeading("Potwierdź wybór loginu")
		pw := p.FieldByLabel("Potwierdź dotychczasowym hasłem")
		p.TabTo(pw)
		p.Press(l.Password)
		p.TabTo("main form button[type=submit]")
		p.Press(browsertest.Enter)
		waitPageText(p, "Zaznacz pole POTWIERDZAM.")
		e.screen(p, 12, "brak-potwierdzenia")

		p.TabTo(pw)
		if browsertest.Eval[string](p, "document.activeElement.value") == "" {
			p.Press(l.Password)
		}
		p.TabTo("#potwierdzam")
		p.Press(browsertest.Space)
		p.TabTo("main form button[type=submit]")
		p.Press(browsertest.Enter)
		p.WaitHeading("Dane konta")
		wantPageText(t, p, "Od teraz logujesz się loginem "+dp.GeneratedLogin+".", "Agnieszka", "Nowak-Kowalska", "+48 698 555 012")
		p.TabTo("main a[href='/podmioty']")
		p.Press(browsertest.Enter)
		checkEntityList(t, p, dp)
	})

	t.Run("no active login: the correct password still does not sign in", func(t *testing.T) {
		dp := e.person(demo.NoActiveLogin)
		p := e.b.NewPage(t)
		for _, l := range dp.Logins {
			browserSignIn(p, e.url, l.Name, l.Password, true)
			waitPageText(p, wrongCredentials)
			if h := p.Heading(); h != "Logowanie" {
				t.Errorf("inactive %s reached %q", l.Name, h)
			}
		}
	})
}
