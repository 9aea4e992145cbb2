package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// browser keeps cookies like a browser would, for page flows.
type browser struct {
	e       *env
	cookies map[string]*http.Cookie
	addr    string
}

func (e *env) browser() *browser {
	return &browser{e: e, cookies: map[string]*http.Cookie{}, addr: "198.51.100.20:1000"}
}

func (b *browser) send(r req) *httpRecorder {
	b.e.t.Helper()
	for _, c := range b.cookies {
		r.cookies = append(r.cookies, c)
	}
	r.addr = b.addr
	rec := b.e.do(r)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return rec
}

func (b *browser) get(path string) *httpRecorder {
	return b.send(req{method: "GET", path: path})
}

func (b *browser) post(path string, form url.Values) *httpRecorder {
	return b.send(req{method: "POST", path: path, form: form})
}

// page checks the structure every page must have and returns its body.
func page(t *testing.T, rec *httpRecorder, status int, h1 string) string {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d\n%s", rec.Code, status, rec.Body)
	}
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(body, `<html lang="pl">`) {
		t.Errorf("no <html lang=\"pl\">")
	}
	if n := strings.Count(body, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	if !strings.Contains(body, "<h1>"+h1+"</h1>") {
		t.Errorf("h1 is not %q", h1)
	}
	if !strings.Contains(body, `href="#tresc"`) || !strings.Contains(body, `id="tresc"`) {
		t.Errorf("no skip link")
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, "onclick") {
		t.Errorf("inline script or style")
	}
	checkLabels(t, body)
	return body
}

var (
	inputRe = regexp.MustCompile(`<input([^>]*)>`)
	idRe    = regexp.MustCompile(`\sid="([^"]+)"`)
	typeRe  = regexp.MustCompile(`\stype="([^"]+)"`)
)

// checkLabels: every visible input has a label tied to it by id.
func checkLabels(t *testing.T, body string) {
	t.Helper()
	for _, m := range inputRe.FindAllStringSubmatch(body, -1) {
		attrs := m[1]
		if ty := typeRe.FindStringSubmatch(attrs); ty != nil && ty[1] == "hidden" {
			continue
		}
		if strings.HasSuffix(attrs, " hidden") || strings.Contains(attrs, " hidden ") {
			continue // not rendered (e.g. the username for password managers)
		}
		id := idRe.FindStringSubmatch(attrs)
		if id == nil {
			t.Errorf("input without id: %s", m[0])
			continue
		}
		if !strings.Contains(body, `<label for="`+id[1]+`"`) {
			t.Errorf("input %s has no label", id[1])
		}
	}
}

func TestPagesSignInAndTransition(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		br := e.browser()

		body := page(t, br.get("/logowanie"), 200, "Logowanie")
		for _, want := range []string{`<label for="login">Login</label>`, `<label for="password">Hasło</label>`, ">Zaloguj</button>", `autocomplete="current-password"`} {
			if !strings.Contains(body, want) {
				t.Errorf("sign-in page lacks %s", want)
			}
		}
		tok := csrfOf(t, body)

		// Without the form's token: refused.
		body = page(t, br.post("/logowanie", url.Values{"login": {"beata.k"}, "password": {pwBeataL}}), 403, "Logowanie")
		if !strings.Contains(body, "Formularz wygasł") {
			t.Errorf("no form-expired message")
		}
		// Empty fields: errors tied to the fields.
		body = page(t, br.post("/logowanie", url.Values{"csrf": {tok}}), 400, "Logowanie")
		for _, want := range []string{"Podaj login.", "Podaj hasło.", `aria-describedby="login-wskazowka login-blad komunikat"`, `role="alert"`, `aria-invalid="true"`} {
			if !strings.Contains(body, want) {
				t.Errorf("empty form: page lacks %s", want)
			}
		}
		// Wrong password.
		body = page(t, br.post("/logowanie", url.Values{"csrf": {tok}, "login": {"beata.k"}, "password": {"zle"}}), 401, "Logowanie")
		for _, want := range []string{"Podano nieprawidłowy login lub hasło.", "Do zablokowania użytkownika pozostały 4 próby logowania.", `value="beata.k"`} {
			if !strings.Contains(body, want) {
				t.Errorf("wrong password: page lacks %s", want)
			}
		}
		if strings.Contains(body, "zle") {
			t.Errorf("the password was echoed")
		}

		// Sign in: on to the transition screen.
		rec := br.post("/logowanie", url.Values{"csrf": {tok}, "login": {"beata.k"}, "password": {pwBeataL}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/potwierdz-login" {
			t.Fatalf("sign-in: %d → %s", rec.Code, rec.Header().Get("Location"))
		}
		first := br.cookies["jedenlogin"].Value
		body = page(t, br.get("/potwierdz-login"), 200, "Potwierdź wybór loginu")
		for _, want := range []string{
			"Login beata.k, którym się zalogowano, zawiera małe litery", `value="BEATA1"`,
			`<label for="potwierdzam">POTWIERDZAM</label>`, ">POTWIERDŹ</button>", "WYLOGUJ SIĘ",
			`<dialog id="sesja-dialog"`, `src="/static/session.js"`, "Przedłuż sesję", "Wyloguj",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("transition page lacks %s", want)
			}
		}
		if !strings.Contains(body, `value="BEATA1" id="login" checked`) {
			t.Errorf("the only candidate is not pre-selected")
		}
		stok := csrfOf(t, body)
		if stok == tok {
			t.Errorf("the session's CSRF token equals the pre-session one")
		}

		// POTWIERDZAM not ticked.
		body = page(t, br.post("/potwierdz-login", url.Values{"csrf": {stok}, "login": {"BEATA1"}, "password": {pwBeataU}}), 400, "Potwierdź wybór loginu")
		if !strings.Contains(body, "Zaznacz pole POTWIERDZAM.") || !strings.Contains(body, `aria-describedby="potwierdzam-opis potwierdzam-blad"`) {
			t.Errorf("missing POTWIERDZAM not explained")
		}
		// Wrong token.
		if rec := br.post("/potwierdz-login", url.Values{"csrf": {tok}, "login": {"BEATA1"}, "password": {pwBeataU}, "potwierdzam": {"tak"}}); rec.Code != 403 {
			t.Errorf("wrong CSRF token: %d", rec.Code)
		}
		// Wrong password for the chosen login.
		body = page(t, br.post("/potwierdz-login", url.Values{"csrf": {stok}, "login": {"BEATA1"}, "password": {pwBeataL}, "potwierdzam": {"tak"}}), 401, "Potwierdź wybór loginu")
		// The error names the chosen login, whose password was asked for.
		if !strings.Contains(body, "To nie jest hasło loginu BEATA1.") || !strings.Contains(body, "checked") ||
			!strings.Contains(body, `href="/nie-pamietam-hasla?login=BEATA1"`) {
			t.Errorf("wrong password page")
		}
		// Confirm.
		rec = br.post("/potwierdz-login", url.Values{"csrf": {stok}, "login": {"BEATA1"}, "password": {pwBeataU}, "potwierdzam": {"tak"}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dane-konta?potwierdzono" {
			t.Fatalf("confirm: %d → %s\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		if br.cookies["jedenlogin"].Value == first {
			t.Errorf("session not renewed at consolidation")
		}
		body = page(t, br.get("/dane-konta?potwierdzono"), 200, "Dane konta")
		for _, want := range []string{"Przejście na jeden login zostało zakończone.", "Uniwersalne dane konta", "Beata", "Kowalska", "beata@example.pl", "BEATA1", `href="/podmioty"`} {
			if !strings.Contains(body, want) {
				t.Errorf("account page lacks %s", want)
			}
		}

		// Entities.
		body = page(t, br.get("/podmioty"), 200, "PODMIOTY")
		for _, want := range []string{
			"I Liceum Ogólnokształcące", "II Liceum Ogólnokształcące", "p.o. Kierownika jednostki", "Pracownik",
			"Zakresy dostępu", "30.04.2026", "bezterminowo", "ważne", "WYBIERZ", "PRZEDŁUŻ", `href="/przedluz?upowaznienie=`,
			`<th scope="col">`, "<caption>",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("entities page lacks %s", want)
			}
		}
		if strings.Count(body, "PRZEDŁUŻ") != 1 {
			t.Errorf("PRZEDŁUŻ offered for a grant far from its end")
		}
		stok = csrfOf(t, body)
		rec = br.post("/podmioty/wybierz", url.Values{"csrf": {stok}, "entity_id": {"LO1"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("select: %d %s", rec.Code, rec.Body)
		}
		body = page(t, br.get("/podmioty?wybrano"), 200, "PODMIOTY")
		if !strings.Contains(body, "Pracujesz teraz w imieniu podmiotu I Liceum Ogólnokształcące (numer LO1).") || !strings.Contains(body, "Wybrany") {
			t.Errorf("selected entity not marked")
		}
		if rec := br.post("/podmioty/wybierz", url.Values{"csrf": {stok}, "entity_id": {"SP1"}}); rec.Code != 403 {
			t.Errorf("acting for an entity without a grant: %d", rec.Code)
		}
		body = page(t, br.get("/przedluz?podmiot=LO2"), 200, "Przedłużenie upoważnienia")
		if !strings.Contains(body, "ZŁÓŻ WNIOSEK O PRZEDŁUŻENIE") || !strings.Contains(body, "II Liceum Ogólnokształcące") {
			t.Errorf("extension page offers no extension application")
		}

		// Sign out.
		if rec := br.post("/wyloguj", url.Values{"csrf": {"zly"}}); rec.Code != 403 {
			t.Errorf("sign-out with a wrong token: %d", rec.Code)
		}
		cookie := br.cookies["jedenlogin"]
		rec = br.post("/wyloguj", url.Values{"csrf": {stok}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/logowanie?wylogowano" {
			t.Fatalf("sign-out: %d → %s", rec.Code, rec.Header().Get("Location"))
		}
		if rec := e.get(cookie, "/podmioty"); rec.Header().Get("Location") != "/logowanie" {
			t.Errorf("session alive after sign-out: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		if body := page(t, br.get("/logowanie?wylogowano"), 200, "Logowanie"); !strings.Contains(body, "Wylogowano.") {
			t.Errorf("no signed-out notice")
		}
	})
}

func TestPagesTransitionScreens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		t.Run("choose: current login pre-selected", func(t *testing.T) {
			br := e.browser()
			signInBrowser(t, br, "ADAM2", pwAdam2)
			body := page(t, br.get("/potwierdz-login"), 200, "Potwierdź wybór loginu")
			if !regexp.MustCompile(`value="ADAM2" id="[^"]+" checked`).MatchString(body) {
				t.Errorf("ADAM2 not pre-selected")
			}
			for _, want := range []string{`value="ADAM1"`, `value="ADAM3"`, "obecny login", "Masz kilka loginów"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			if strings.Contains(body, `value="ADAM1x"`) {
				t.Errorf("the inactive login is offered")
			}
			// Before POTWIERDŹ the page says what happens with each choice.
			for _, want := range []string{"Co się stanie po potwierdzeniu", "Jeśli wybierzesz login ADAM3",
				"Te loginy przestaną działać", "Dostęp przez nieaktywne loginy wygaśnie:", "ADAM1x", "Hasło loginu ADAM2"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			// Choose another candidate with its own password.
			rec := br.post("/potwierdz-login", url.Values{"csrf": {csrfOf(t, body)}, "login": {"ADAM3"}, "password": {pwAdam3}, "potwierdzam": {"tak"}})
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("confirm ADAM3: %d %s", rec.Code, rec.Body)
			}
			body = page(t, br.get("/podmioty"), 200, "PODMIOTY")
			if !strings.Contains(body, "wygasło") || !strings.Contains(body, "Kierownik jednostki") {
				t.Errorf("moved grants not listed")
			}
			// Back on the transition screen: on to the entities.
			if rec := br.get("/potwierdz-login"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/podmioty" {
				t.Errorf("transition screen after the transition: %d", rec.Code)
			}
		})
		t.Run("generate", func(t *testing.T) {
			br := e.browser()
			signInBrowser(t, br, "celina.w", pwCelina)
			body := page(t, br.get("/potwierdz-login"), 200, "Potwierdź wybór loginu")
			for _, want := range []string{"CELWIS1", "Twój nowy login", `<label for="password">Potwierdź dotychczasowym hasłem</label>`, "Podaj hasło loginu celina.w",
				"Co się stanie po potwierdzeniu", "Od teraz będziesz logować się tylko nowym loginem CELWIS1.", "tylko nowego loginu CELWIS1"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			rec := br.post("/potwierdz-login", url.Values{"csrf": {csrfOf(t, body)}, "login": {"CELWIS1"}, "password": {pwCelina}, "potwierdzam": {"tak"}})
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
			}
			body = page(t, br.get("/dane-konta?potwierdzono"), 200, "Dane konta")
			// The confirmation says what the transition did, as the screen
			// said before it, and how to keep the new login.
			for _, want := range []string{"Od teraz logujesz się loginem CELWIS1.", "Co się zmieniło", "Te loginy przestały działać",
				"<li>celina.w</li>", "Loginem CELWIS1 pracujesz w imieniu podmiotów:", "Zapisz nowy login w bezpiecznym miejscu"} {
				if !strings.Contains(body, want) {
					t.Errorf("account page after the transition lacks %q", want)
				}
			}
		})
		t.Run("merged login on the page", func(t *testing.T) {
			br := e.browser()
			get := br.get("/logowanie")
			body := page(t, br.post("/logowanie", url.Values{"csrf": {csrfOf(t, get.Body.String())}, "login": {"celina.w"}, "password": {pwCelina}}), 409, "Logowanie")
			if !strings.Contains(body, "został zastąpiony loginem CELWIS1") {
				t.Errorf("merged login page does not name the unified login")
			}
		})
		t.Run("error page", func(t *testing.T) {
			body := page(t, e.get(nil, "/nie-ma"), 404, "Nie udało się wykonać operacji")
			if !strings.Contains(body, "Nie znaleziono strony.") {
				t.Errorf("404 page")
			}
		})
	})
}

func signInBrowser(t *testing.T, br *browser, login, pw string) {
	t.Helper()
	get := br.get("/logowanie")
	rec := br.post("/logowanie", url.Values{"csrf": {csrfOf(t, get.Body.String())}, "login": {login}, "password": {pw}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d\n%s", login, rec.Code, rec.Body)
	}
}

func TestStaticFiles(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		for path, want := range map[string]string{"/static/app.css": "text/css", "/static/session.js": "javascript"} {
			rec := e.get(nil, path)
			if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), want) {
				t.Errorf("%s: %d %s", path, rec.Code, rec.Header().Get("Content-Type"))
			}
		}
		js := e.get(nil, "/static/session.js").Body.String()
		for _, want := range []string{"sesja-dialog", "showModal", "/api/v1/session", "idle_seconds_left"} {
			if !strings.Contains(js, want) {
				t.Errorf("session.js lacks %s", want)
			}
		}
	})
}
