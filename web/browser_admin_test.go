package web_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"jedenlogin/internal/browsertest"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// TestBrowserConsole drives the operator console with the keyboard in
// headless Chromium and checks each screen with axe-core (WCAG 2.1 A and
// AA): progress chart, search, a person's page, a helpdesk action (with
// its error and its success), and the audit log filters.
func TestBrowserConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests skipped with -short")
	}
	br := browsertest.New(t)
	b := storetest.Backends(t)[0] // the pages do not depend on the backend
	e := newAccountEnv(t, b, web.Config{})
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	for range 5 {
		e.signIn("ADAM1", "zle-haslo") // blocks ADAM1
	}
	adam := mustLogin(t, e.st, "ADAM1").PersonID
	p := br.NewPage(t)

	p.Open(ts.URL + "/logowanie")
	p.Type("#login", "DAREK")
	p.Type("#password", pwDarek)
	p.Press(browsertest.Enter)
	p.WaitFor("signed in", `location.pathname !== '/logowanie'`)

	p.Open(ts.URL + "/konsola")
	p.WaitHeading("Postęp zmiany")
	if n := browsertest.Eval[int](p, `document.querySelectorAll('svg[role=img] rect').length`); n != 30 {
		t.Errorf("chart has %d bars, want 30", n)
	}
	p.CheckAccessibility("konsola: postęp")
	screenshot(p, "20-konsola-postep")

	// To the search through the console's navigation, by keyboard.
	p.TabTo(`.subnav a[href="/konsola/osoby"]`)
	p.Press(browsertest.Enter)
	p.WaitHeading("Wyszukiwanie osób")
	p.TabTo("#q")
	p.Type("#q", "adam1")
	p.Press(browsertest.Enter)
	p.WaitFor("the results", `document.querySelector('table') !== null`)
	p.CheckAccessibility("konsola: wyniki wyszukiwania")
	screenshot(p, "21-konsola-wyszukiwanie")

	p.TabTo(fmt.Sprintf(`a[href="/konsola/osoby/%d"]:not(.subnav a)`, adam))
	p.Press(browsertest.Enter)
	p.WaitHeading(fmt.Sprintf("Osoba nr %d", adam))
	if txt := p.InnerText(); !strings.Contains(txt, "nieudane próby: 5") {
		t.Errorf("person page shows no block:\n%s", txt)
	}
	p.CheckAccessibility("konsola: osoba")
	screenshot(p, "22-konsola-osoba")

	// Unblock without a reason: the error is announced and tied to the field.
	p.TabTo("#unblock_login")
	p.Press(browsertest.Space)
	p.TabTo(`form[action$="/odblokuj"] button[type=submit]`)
	p.Press(browsertest.Enter)
	p.WaitFor("the error", `document.querySelector('#unblock_reason[aria-invalid=true]') !== null`)
	if txt := p.Text("#komunikat"); !strings.Contains(txt, "Podaj powód działania.") {
		t.Errorf("error box: %q", txt)
	}
	p.CheckAccessibility("konsola: działanie z błędem")
	screenshot(p, "23-konsola-blad")

	// With a reason it is done and said so.
	p.TabTo("#unblock_login")
	p.Press(browsertest.Space)
	p.TabTo("#unblock_reason")
	p.Type("#unblock_reason", "zgłoszenie 4711, tożsamość potwierdzona")
	p.TabTo(`form[action$="/odblokuj"] button[type=submit]`)
	p.Press(browsertest.Enter)
	p.WaitFor("the notice", `document.querySelector('[role=status]') && document.querySelector('[role=status]').innerText.includes('Blokada została zdjęta.')`)
	p.CheckAccessibility("konsola: po zdjęciu blokady")
	screenshot(p, "24-konsola-odblokowano")

	// The audit log, filtered by keyboard.
	p.TabTo(`.subnav a[href="/konsola/dziennik"]`)
	p.Press(browsertest.Enter)
	p.WaitHeading("Dziennik zdarzeń")
	p.TabTo("#action")
	p.Type("#action", "unblocked")
	p.Press(browsertest.Enter)
	p.WaitFor("the filtered log", `location.search.includes('action=unblocked') && document.querySelector('table') !== null`)
	if txt := p.InnerText(); !strings.Contains(txt, "operator:DAREK") {
		t.Errorf("filtered log lacks the unblock:\n%s", txt)
	}
	p.CheckAccessibility("konsola: dziennik zdarzeń")
	screenshot(p, "25-konsola-dziennik")

	p.Open(ts.URL + "/konsola/dziennik?from=wczoraj")
	p.WaitFor("the error", `document.querySelector('#from[aria-invalid=true]') !== null`)
	p.CheckAccessibility("konsola: dziennik, zły filtr")
}
