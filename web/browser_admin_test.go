package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"jedenlogin"
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

// TestBrowserConsoleHelpdesk drives the helpdesk actions not covered by
// TestBrowserConsole with the keyboard in headless Chromium, checking each
// result with axe-core: ending a person's sessions, sending a
// login-recovery and a password-reset link (the mails arrive), and
// correcting contact data (an invalid address first, then a good one).
func TestBrowserConsoleHelpdesk(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests skipped with -short")
	}
	br := browsertest.New(t)
	b := storetest.Backends(t)[0] // the pages do not depend on the backend
	e := newAccountEnv(t, b, web.Config{})
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	filipSession := e.mustSignIn("FILIP", pwFilip)
	filip := mustLogin(t, e.st, "FILIP").PersonID
	p := br.NewPage(t)

	p.Open(ts.URL + "/logowanie")
	p.Type("#login", "DAREK")
	p.Type("#password", pwDarek)
	p.Press(browsertest.Enter)
	p.WaitFor("signed in", `location.pathname !== '/logowanie'`)
	p.Open(fmt.Sprintf("%s/konsola/osoby/%d", ts.URL, filip))
	p.WaitHeading(fmt.Sprintf("Osoba nr %d", filip))
	// submit sends a form with the keyboard; the page it leaves is marked,
	// so that waiting for the next one never accepts the old page (a
	// second action ends on the same address with the same notice).
	submit := func(action string) {
		t.Helper()
		p.TabTo(`form[action$="` + action + `"] button[type=submit]`)
		browsertest.Eval[bool](p, `window.wyslano = true`)
		p.Press(browsertest.Enter)
	}
	loaded := `!window.wyslano && document.readyState === 'complete'`
	notice := func(text string) {
		t.Helper()
		p.WaitFor("the notice "+text, loaded+` && document.querySelector('[role=status]') && document.querySelector('[role=status]').innerText.includes(`+"`"+text+"`"+`)`)
	}

	// End the person's sessions: Filip's session stops working.
	if txt := p.InnerText(); !strings.Contains(txt, "Zakończ sesje (otwarte: 1)") {
		t.Errorf("person page does not count Filip's session:\n%s", txt)
	}
	p.TabTo("#sessions_reason")
	p.Type("#sessions_reason", "zgłoszenie 4712: zgubiony laptop")
	submit("/sesje/zakoncz")
	notice("Sesje osoby zostały zakończone.")
	if rec := e.do(req{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{filipSession}}); rec.Code != http.StatusUnauthorized {
		t.Errorf("Filip's session after it was ended: %d, want 401", rec.Code)
	}
	p.CheckAccessibility("konsola: sesje zakończone")
	screenshot(p, "26-konsola-sesje")

	// A login-recovery link: the second kind of link, chosen with the arrow key.
	p.TabTo("#recovery_kind")
	p.Press(browsertest.Down)
	if !browsertest.Eval[bool](p, `document.querySelector('#recovery_kind-1').checked`) {
		t.Fatal("the arrow key did not choose the login-recovery link")
	}
	p.TabTo("#recovery_reason")
	p.Type("#recovery_reason", "zgłoszenie 4713: nie pamięta loginu")
	submit("/odzyskiwanie")
	notice("Link został wysłany na adres e-mail osoby.")
	p.CheckAccessibility("konsola: link odzyskania loginu wysłany")
	screenshot(p, "27-konsola-odzyskiwanie")
	// A password-reset link (the default kind).
	p.TabTo("#recovery_reason")
	p.Type("#recovery_reason", "zgłoszenie 4714: nie pamięta hasła")
	submit("/odzyskiwanie")
	notice("Link został wysłany na adres e-mail osoby.")
	var subjects []string
	for _, m := range e.mails("filip@example.pl") {
		subjects = append(subjects, m.Subject)
	}
	if len(subjects) != 2 || !strings.Contains(subjects[0], "ODZYSKAJ LOGIN") || !strings.Contains(subjects[1], "Nie pamiętasz hasła?") {
		t.Errorf("mails to filip@example.pl: %q, want the login-recovery then the password-reset link", subjects)
	}

	// Contact data: an invalid address is refused with the field marked.
	clear := func(css string) {
		t.Helper()
		browsertest.Eval[bool](p, `(() => { document.querySelector('`+css+`').value = ''; return true; })()`)
	}
	p.TabTo("#contact_email")
	clear("#contact_email")
	p.Type("#contact_email", "filip(at)example")
	p.TabTo("#contact_reason")
	p.Type("#contact_reason", "zgłoszenie 4715: nowy adres potwierdzony telefonicznie")
	submit("/kontakt")
	p.WaitFor("the error", loaded+` && document.querySelector('#contact_email[aria-invalid=true]') !== null`)
	if txt := p.Text("#komunikat"); !strings.Contains(txt, "Popraw zaznaczone pola.") {
		t.Errorf("error box: %q", txt)
	}
	p.CheckAccessibility("konsola: dane kontaktowe z błędem")
	screenshot(p, "28-konsola-kontakt-blad")
	// Corrected: saved, and the old address is told.
	p.TabTo("#contact_email")
	clear("#contact_email")
	p.Type("#contact_email", "filip.nowy@example.pl")
	submit("/kontakt")
	notice("Dane kontaktowe zostały zapisane.")
	p.CheckAccessibility("konsola: dane kontaktowe zapisane")
	screenshot(p, "29-konsola-kontakt")
	rec, err := e.st.Person(context.Background(), filip)
	if err != nil || rec.Person.Account == nil || rec.Person.Account.Email != "filip.nowy@example.pl" {
		t.Errorf("Filip's account after the correction: %+v, %v", rec.Person.Account, err)
	}
	if ms := e.mails("filip@example.pl"); len(ms) != 3 || !strings.Contains(ms[2].Subject, "Zmiana adresu e-mail") {
		t.Errorf("the old address was not told of the change: %d mails", len(ms))
	}
	for _, action := range []string{jedenlogin.AuditSessionsEnded, jedenlogin.AuditRecoveryRequested, jedenlogin.AuditContactChanged} {
		if ev := e.lastAudit(action); ev.Actor != "operator:DAREK" || !strings.Contains(ev.Details, "zgłoszenie 471") {
			t.Errorf("%s audited as %+v, want by operator:DAREK with the reason", action, ev)
		}
	}
}
