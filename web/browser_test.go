package web_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"jedenlogin/internal/browsertest"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// screenshot saves a picture of the page when JEDENLOGIN_SCREENSHOTS names
// a directory (for looking at the pages; the test does not need them).
func screenshot(p *browsertest.Page, name string) {
	if dir := os.Getenv("JEDENLOGIN_SCREENSHOTS"); dir != "" {
		p.Screenshot(filepath.Join(dir, name+".png"))
	}
}

// TestBrowser drives the pages in one headless Chromium.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests skipped with -short")
	}
	br := browsertest.New(t)
	t.Run("keyboard flow", func(t *testing.T) { testBrowserKeyboardFlow(t, br) })
	t.Run("transition screens", func(t *testing.T) { testBrowserTransitionScreens(t, br) })
	t.Run("session countdown", func(t *testing.T) { testBrowserSessionCountdown(t, br) })
}

// testBrowserKeyboardFlow signs in and goes through the transition with the
// keyboard only, checking every screen with axe-core (WCAG 2.1 A and AA).
func testBrowserKeyboardFlow(t *testing.T, br *browsertest.Browser) {
	b := storetest.Backends(t)[0] // the pages do not depend on the backend
	e := newEnv(t, b, web.Config{})
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	p := br.NewPage(t)

	p.Open(ts.URL + "/logowanie")
	p.WaitHeading("Logowanie")
	p.CheckAccessibility("logowanie")
	screenshot(p, "01-logowanie")

	// Skip link first, then the form.
	p.Press(browsertest.Tab)
	if f := p.Focused(); !strings.Contains(f, "Przejdź do treści głównej") {
		t.Errorf("first Tab focuses %s, want the skip link", f)
	}
	p.TabTo("#login")
	p.Type("#login", "beata.k")
	p.TabTo("#password")
	p.Type("#password", "zle-haslo")
	p.Press(browsertest.Enter)
	p.WaitFor("the error", `document.querySelector('[role=alert]') !== null`)
	if txt := p.Text("#komunikat"); !strings.Contains(txt, "Podano nieprawidłowy login lub hasło.") || !strings.Contains(txt, "pozostały 4 próby") {
		t.Errorf("error box: %q", txt)
	}
	p.CheckAccessibility("logowanie z błędem")
	screenshot(p, "02-logowanie-blad")

	p.TabTo("#password")
	p.Type("#password", pwBeataL)
	p.Press(browsertest.Enter)
	p.WaitHeading("Potwierdź wybór loginu")
	p.CheckAccessibility("potwierdź wybór loginu")
	screenshot(p, "03-potwierdz-wybor-loginu")

	p.TabTo("#login")
	p.Press(browsertest.Space) // select the only candidate, BEATA1
	p.TabTo("#password")
	p.Type("#password", pwBeataU)
	p.TabTo("#potwierdzam")
	p.Press(browsertest.Space)
	p.TabTo("button[type=submit].button:not(.button-light)")
	p.Press(browsertest.Enter)
	p.WaitHeading("Dane konta")
	p.CheckAccessibility("dane konta")
	screenshot(p, "04-dane-konta")

	p.TabTo(`main a[href="/podmioty"]`)
	p.Press(browsertest.Enter)
	p.WaitHeading("PODMIOTY")
	p.CheckAccessibility("podmioty")
	screenshot(p, "05-podmioty")
	if txt := p.InnerText(); !strings.Contains(txt, "II Liceum Ogólnokształcące") || !strings.Contains(txt, "PRZEDŁUŻ") {
		t.Errorf("entity list: %s", txt)
	}

	// The countdown dialog, opened by hand (its timing is tested below).
	browsertest.Eval[bool](p, `(document.getElementById('sesja-dialog').showModal(), true)`)
	p.CheckAccessibility("okno wygasania sesji")
	screenshot(p, "07-sesja")
	p.Press(kb.Escape)
	p.WaitFor("the dialog to close", `!document.getElementById('sesja-dialog').open`)
}

// testBrowserTransitionScreens checks the generate screen and the error
// page with axe-core.
func testBrowserTransitionScreens(t *testing.T, br *browsertest.Browser) {
	b := storetest.Backends(t)[0]
	e := newEnv(t, b, web.Config{})
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	p := br.NewPage(t)

	p.Open(ts.URL + "/logowanie")
	p.Type("#login", "celina.w")
	p.Type("#password", pwCelina)
	p.Press(browsertest.Enter)
	p.WaitHeading("Potwierdź wybór loginu")
	if txt := p.Text(".new-login-name"); txt != "CELWIS1" {
		t.Errorf("new login shown as %q", txt)
	}
	// Submitting without POTWIERDZAM: the error is announced and linked.
	p.Type("#password", pwCelina)
	p.Press(browsertest.Enter)
	p.WaitFor("the error", `document.querySelector('#potwierdzam-blad') !== null`)
	p.CheckAccessibility("generate z błędem")
	screenshot(p, "06-generate-blad")

	p.Open(ts.URL + "/nie-ma-takiej-strony")
	p.CheckAccessibility("strona błędu")
}

// testBrowserSessionCountdown: with a short idle timeout the dialog opens
// in the last part of it, "Przedłuż sesję" extends the session, and when
// time runs out the browser lands on the sign-in page with the notice.
func testBrowserSessionCountdown(t *testing.T, br *browsertest.Browser) {
	b := storetest.Backends(t)[0]
	e := newEnv(t, b, web.Config{IdleTimeout: 4 * time.Second, Now: time.Now})
	ts := httptest.NewServer(e.h)
	defer ts.Close()
	p := br.NewPage(t)

	p.Open(ts.URL + "/logowanie")
	p.Type("#login", "DAREK")
	p.Type("#password", pwDarek)
	p.Press(browsertest.Enter)
	p.WaitHeading("PODMIOTY")
	p.WaitFor("the countdown dialog", `document.getElementById('sesja-dialog').open`)
	if txt := p.Text("#sesja-opis"); !strings.HasPrefix(txt, "Twoja sesja wygaśnie za 0:0") {
		t.Errorf("dialog text %q", txt)
	}
	if f := p.Focused(); !strings.Contains(f, "button") {
		t.Errorf("focus in the dialog is on %s", f)
	}
	p.Press(browsertest.Enter) // "Przedłuż sesję" has the focus
	p.WaitFor("the dialog to close", `!document.getElementById('sesja-dialog').open`)
	if h := p.Heading(); h != "PODMIOTY" {
		t.Errorf("after extending: %q", h)
	}
	// Ignore it now: the session runs out.
	p.WaitFor("the dialog again", `document.getElementById('sesja-dialog').open`)
	p.Press(kb.Escape)
	p.WaitHeading("Logowanie")
	if txt := p.Text("#komunikat"); !strings.Contains(txt, "Sesja wygasła") {
		t.Errorf("notice after expiry: %q", txt)
	}
}
