package main

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"jedenlogin/demo"
	"jedenlogin/internal/browsertest"
	"jedenlogin/mail"
)

// phoneWidth is the narrowest screen the pages are made for (a common
// phone held upright).
const phoneWidth = 390

// pageProblems measures the open page as a phone user sees it: no
// horizontal scroll (the document no wider than the screen, naming the
// elements that stick out) and no broken text — a Go formatting verb
// ("%!s(…)") or a missing template value ("<no value>").
func pageProblems(p *browsertest.Page) []string {
	return browsertest.Eval[[]string](p, `(() => {
  const out = [];
  const de = document.documentElement;
  if (de.scrollWidth > de.clientWidth) {
    const wide = [...document.body.querySelectorAll('*')]
      .filter(el => el.getBoundingClientRect().right > de.clientWidth + 1 && el.getClientRects().length)
      .slice(-3)
      .map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
    out.push('page ' + de.scrollWidth + ' px wide on a ' + de.clientWidth + ' px screen: ' + wide.join(', '));
  }
  const text = document.body.innerText + ' ' + de.outerHTML;
  for (const bad of ['%!', '<no value>', '&lt;no value&gt;']) {
    const i = text.indexOf(bad);
    if (i >= 0) out.push('broken text: …' + text.slice(Math.max(0, i - 60), i + 40) + '…');
  }
  return out;
})()`)
}

// crawl visits start and every page linked from it and from the pages it
// reaches on the same site (GET links only, at most limit pages), checking
// each with pageProblems and axe-core. visited is shared between calls.
func (e *e2e) crawl(t *testing.T, p *browsertest.Page, who string, visited map[string]bool, limit int, start ...string) {
	t.Helper()
	queue := append([]string(nil), start...)
	for n := 0; len(queue) > 0 && n < limit; {
		path := queue[0]
		queue = queue[1:]
		if visited[path] {
			continue
		}
		visited[path] = true
		n++
		p.Open(e.url + path)
		for _, pr := range pageProblems(p) {
			t.Errorf("%s, %s (%q): %s", who, path, p.Heading(), pr)
		}
		links := browsertest.Eval[[]string](p, `[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))`)
		for _, l := range links {
			u, err := url.Parse(l)
			// Downloads (the console's CSV export) are files, not pages.
			if err != nil || u.IsAbs() || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "/static/") || strings.HasSuffix(u.Path, ".csv") {
				continue
			}
			u.Fragment = ""
			if s := u.String(); !visited[s] {
				queue = append(queue, s)
			}
		}
	}
}

// phonePage opens a tab with a phone-sized screen.
func (e *e2e) phonePage(t *testing.T) *browsertest.Page {
	p := e.b.NewPage(t)
	p.Do("phone screen", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	return p
}

// phoneShot saves a phone-width screenshot for the README when screenshots
// are being updated.
func (e *e2e) phoneShot(p *browsertest.Page, name string) {
	if e.shots != "" {
		p.Screenshot(filepath.Join(e.shots, "telefon-"+name+".png"))
	}
}

// TestBrowserPhone goes through every page of the demo, signed out and
// signed in as a person of each case (before and after the transition), on
// a 390 px screen: nothing may scroll sideways and no text may be broken.
func TestBrowserPhone(t *testing.T) {
	e := startE2E(t)

	t.Run("signed out", func(t *testing.T) {
		p := e.phonePage(t)
		visited := map[string]bool{}
		e.crawl(t, p, "signed out", visited, 20, "/logowanie", "/wniosek", "/nie-ma-takiej-strony", "/reset-hasla/zly-token")
		p.Open(e.url + "/logowanie")
		e.phoneShot(p, "01-logowanie")
		// A wrong password: the error box must fit too.
		browserSignIn(p, e.url, "KWISNIEWSKA", "zle-haslo", true)
		waitPageText(p, "Podano nieprawidłowy login lub hasło.")
		for _, pr := range pageProblems(p) {
			t.Errorf("sign-in error: %s", pr)
		}
	})

	for _, dp := range e.creds.Persons {
		if dp.Case == "no_active_login" {
			continue // cannot sign in; the sign-in error is checked above
		}
		t.Run(dp.Key, func(t *testing.T) {
			p := e.phonePage(t)
			first := dp.Logins[0]
			for _, l := range dp.Logins {
				if l.Active && (dp.Case != "choose_uppercase" || strings.ToUpper(l.Name) != l.Name) {
					first = l // the mixed-case one in choose_uppercase shows its own hint
					break
				}
			}
			browserSignIn(p, e.url, first.Name, first.Password, true)
			p.WaitFor("signed in", `document.querySelector('h1') && document.querySelector('h1').innerText !== 'Logowanie'`)
			visited := map[string]bool{}
			if strings.Contains(p.Location(), "/potwierdz-login") {
				for _, pr := range pageProblems(p) {
					t.Errorf("%s, transition screen: %s", dp.Key, pr)
				}
				if dp.Key == demo.Choose {
					e.phoneShot(p, "02-przejscie-choose")
				}
				e.confirmByScript(t, p, dp, first)
			}
			e.crawl(t, p, dp.Key, visited, 30, "/dane-konta", "/podmioty", "/moje-wnioski", "/wnioski", "/profil", "/profil/kontakt", "/profil/haslo")
			if dp.Key == demo.Choose {
				p.Open(e.url + "/podmioty")
				e.phoneShot(p, "03-podmioty")
			}
			if dp.Key == demo.Unchanged {
				p.Open(e.url + "/wnioski")
				e.phoneShot(p, "04-wnioski")
				// A new e-mail waiting for its code.
				p.Open(e.url + "/profil/kontakt")
				p.Type("#email", "k.wisniewska@example.org")
				p.Type("#password", first.Password)
				p.ClickText("button", "ZAPISZ ZMIANY")
				waitPageText(p, "k.wisniewska@example.org")
				for _, pr := range pageProblems(p) {
					t.Errorf("contact change waiting for the code: %s", pr)
				}
			}
		})
	}
}

// confirmByScript completes the transition on the screen that is open: the
// first candidate (or the generated login) with its password.
func (e *e2e) confirmByScript(t *testing.T, p *browsertest.Page, dp demo.Person, signedIn demo.Login) {
	t.Helper()
	pw := signedIn.Password
	if len(dp.Candidates) > 0 && dp.Case != "generate" {
		c := dp.Candidates[0]
		pw = dp.Login(c).Password
		p.Click(radioForLogin(c))
	}
	p.Type("#password", pw)
	p.Click("#potwierdzam")
	p.Click("main form button[type=submit]")
	p.WaitHeading("Dane konta")
	for _, pr := range pageProblems(p) {
		t.Errorf("%s, after the transition: %s", dp.Key, pr)
	}
}

// checkOutbox fails the test on a mail in dir with broken text: a Go
// formatting verb gone wrong or a missing template value.
func checkOutbox(t *testing.T, dir string) {
	t.Helper()
	files, err := mail.OutboxFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		m, err := mail.ParseEML(f)
		if err != nil {
			t.Errorf("mail %s: %v", f, err)
			continue
		}
		for _, part := range []string{m.Subject, m.Text, m.HTML} {
			for _, bad := range []string{"%!", "<no value>"} {
				if i := strings.Index(part, bad); i >= 0 {
					t.Errorf("mail %q has broken text: …%s…", m.Subject, part[max(0, i-60):min(len(part), i+60)])
				}
			}
		}
	}
}
