package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/storetest"
)

// pageHas fails for every want the body lacks, naming the page.
func pageHas(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// signedIn returns a browser carrying the session cookie c.
func (e *appEnv) signedIn(c *http.Cookie) *browser {
	b := e.browser()
	b.cookies[c.Name] = c
	return b
}

var locRe = regexp.MustCompile(`^/wnioski/(\d+)\?gotowe=[a-z]+$`)

// locID returns the application id of a redirect to /wnioski/ID?gotowe=….
func locID(t *testing.T, rec *httpRecorder) string {
	t.Helper()
	m := locRe.FindStringSubmatch(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || m == nil {
		t.Fatalf("want a redirect to an application, got %d %q", rec.Code, rec.Header().Get("Location"))
	}
	return m[1]
}

// TestApplicationPages: the whole flow through the pages — the public
// form with the entity search, the approver's Wnioski, rozpatruj,
// acceptance with osobiste stawiennictwo, activation, COFNIJ UPOWAŻNIENIE,
// the signed-in form, Moje wnioski and WYCOFAJ WNIOSEK, PRZEDŁUŻ.
func TestApplicationPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAppEnv(t, b)
		ctx := context.Background()

		// The sign-in page leads to the public form.
		pub := e.browser()
		pageHas(t, "sign-in page", page(t, pub.get("/logowanie"), 200, "Logowanie"), `href="/wniosek"`, "Złóż wniosek o dostęp")
		body := page(t, pub.get("/wniosek"), 200, "Złóż wniosek o dostęp")
		pageHas(t, "public form", body, "Szukaj podmiotu", "SZUKAJ", `<label for="pesel">PESEL</label>`, "Kierownik jednostki",
			"p.o. Kierownika jednostki", "Pracownik", "Zakresy dostępu", `type="date"`, "ZŁÓŻ WNIOSEK")
		tok := csrfOf(t, body)

		// Search keeps what was typed and selects a sole result.
		form := url.Values{"csrf": {tok}, "akcja": {"szukaj"}, "szukaj": {"podstawowa nr 1"}, "function": {"pracownik"},
			"scopes": {"sio"}, "first_name": {"Jan"}, "last_name": {"Nowy"}, "pesel": {peselNowy}, "email": {emailNowy}}
		body = page(t, pub.post("/wniosek", form), 200, "Złóż wniosek o dostęp")
		pageHas(t, "search results", body, `value="SP1" id="entity_id" checked`, "Szkoła Podstawowa nr 1 (SP1)", `value="Nowy"`, `value="`+peselNowy+`"`)
		form.Set("szukaj", "nic takiego")
		body = page(t, pub.post("/wniosek", form), 200, "Złóż wniosek o dostęp")
		pageHas(t, "search without results", body, "Nie znaleziono podmiotu.")
		form.Set("szukaj", " ")
		body = page(t, pub.post("/wniosek", form), 400, "Złóż wniosek o dostęp")
		pageHas(t, "nothing typed", body, "Wpisz nazwę lub numer podmiotu.", `href="#szukaj"`)
		if strings.Contains(body, "Nie znaleziono podmiotu") {
			t.Error("an empty search says nothing was found")
		}

		// Submitting with mistakes: each field says what is wrong.
		form = url.Values{"csrf": {tok}, "akcja": {"zloz"}, "entity_id": {"SP1"}, "function": {"pracownik"}, "scopes": {"sio"},
			"first_name": {"Jan"}, "last_name": {"Nowy"}, "pesel": {"90010112346"}, "email": {"jan"}}
		body = page(t, pub.post("/wniosek", form), 400, "Złóż wniosek o dostęp")
		pageHas(t, "form with mistakes", body, "Popraw błędy w formularzu.", "Numer PESEL jest nieprawidłowy", "Podaj adres e-mail w postaci",
			`href="#pesel"`, `aria-invalid="true"`, `value="SP1" id="entity_id" checked`)
		form.Set("csrf", "zly")
		page(t, pub.post("/wniosek", form), 403, "Złóż wniosek o dostęp")
		form.Set("csrf", tok)
		form.Set("pesel", peselNowy)
		form.Set("email", emailNowy)
		body = page(t, pub.post("/wniosek", form), 200, "OPERACJA ZAKOŃCZONA POMYŚLNIE")
		m := regexp.MustCompile(`Wniosek o dostęp nr (\d+) do podmiotu Szkoła Podstawowa nr 1 został złożony`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no confirmation of the application:\n%s", body)
		}
		id := m[1]
		pageHas(t, "confirmation", body, emailNowy)

		// The approver's Wnioski: the application and the grants at SP1.
		adam := e.signedIn(e.adam)
		body = page(t, adam.get("/wnioski"), 200, "Wnioski")
		pageHas(t, "queue", body, `href="/wnioski/`+id+`"`, "POKAŻ WNIOSEK", "Jan Nowy", "Złożony", "COFNIJ UPOWAŻNIENIE", "LWISNIEWSKI", "Łukasz Wiśniewski")
		if strings.Contains(body, "<td>ADAM1</td>") {
			t.Error("the approver's own head grant is offered for revocation")
		}
		body = page(t, adam.get("/wnioski/"+id), 200, "Wniosek o dostęp nr "+id)
		pageHas(t, "application page", body, "Złożony", peselNowy, emailNowy, "ROZPATRUJ WNIOSEK")
		if strings.Contains(body, "AKCEPTUJ WNIOSEK") {
			t.Error("acceptance offered before the review")
		}
		csrf := csrfOf(t, body)
		rec := adam.post("/wnioski/"+id+"/rozpatruj", url.Values{"csrf": {csrf}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/wnioski/"+id+"?gotowe=rozpatrywany" {
			t.Fatalf("review: %d %s", rec.Code, rec.Header().Get("Location"))
		}
		body = page(t, adam.get("/wnioski/"+id+"?gotowe=rozpatrywany"), 200, "Wniosek o dostęp nr "+id)
		pageHas(t, "after review", body, "OPERACJA ZAKOŃCZONA POMYŚLNIE", "Rozpatrywany", "Potwierdzam tożsamość wnioskodawcy (osobiste stawiennictwo)",
			"AKCEPTUJ WNIOSEK", "ODRZUĆ WNIOSEK", `<label for="reason">`,
			"<dt>Rozpatruje</dt><dd>Adam Nowak</dd>") // the person, not the login
		body = page(t, adam.post("/wnioski/"+id+"/akceptuj", url.Values{"csrf": {csrf}}), 422, "Wniosek o dostęp nr "+id)
		pageHas(t, "acceptance without the confirmation", body, "osobiste stawiennictwo", `id="identity_confirmed-blad"`, "Rozpatrywany")
		page(t, adam.post("/wnioski/"+id+"/akceptuj", url.Values{"identity_confirmed": {"tak"}}), 403, "Nie udało się wykonać operacji")
		rec = adam.post("/wnioski/"+id+"/akceptuj", url.Values{"csrf": {csrf}, "identity_confirmed": {"tak"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", rec.Code, rec.Body)
		}
		body = page(t, adam.get(rec.Header().Get("Location")), 200, "Wniosek o dostęp nr "+id)
		pageHas(t, "after acceptance", body, "OPERACJA ZAKOŃCZONA POMYŚLNIE", "Zaakceptowany", "potwierdzona (osobiste stawiennictwo)", "ADAM1")
		body = page(t, adam.get("/wnioski"), 200, "Wnioski")
		pageHas(t, "queue after acceptance", body, "Nie masz wniosków do rozpatrzenia.", "JANNOW1", "Jan Nowy")

		// Activation from the mailed link.
		link := linkIn(t, e.lastMail(emailNowy), "/aktywuj/")
		act := e.browser()
		body = page(t, act.get(link), 200, "Aktywacja konta")
		pageHas(t, "activation page", body, "JANNOW1", `autocomplete="new-password"`, "USTAW HASŁO")
		tok = csrfOf(t, body)
		body = page(t, act.post(link, url.Values{"csrf": {tok}, "new": {newPassword}, "repeat": {newPassword + "x"}}), 400, "Aktywacja konta")
		pageHas(t, "mismatched repetition", body, `id="repeat-blad"`)
		body = page(t, act.post(link, url.Values{"csrf": {tok}, "new": {"krotkie"}, "repeat": {"krotkie"}}), 422, "Aktywacja konta")
		pageHas(t, "weak password", body, `id="new-blad"`)
		body = page(t, act.post(link, url.Values{"csrf": {tok}, "new": {newPassword}, "repeat": {newPassword}}), 200, "OPERACJA ZAKOŃCZONA POMYŚLNIE")
		pageHas(t, "activated", body, "Konto zostało aktywowane.", "JANNOW1", `href="/logowanie"`)
		body = page(t, act.get(link), 410, "Nie udało się wykonać operacji")
		pageHas(t, "used link", body, "Link aktywacyjny wygasł lub został już użyty.")
		e.mustSignIn("JANNOW1", newPassword)

		// COFNIJ UPOWAŻNIENIE on Łukasz's grant at SP1.
		gid := int64(grantAt(e.me(e.lukasz), "SP1")["grant_id"].(float64))
		rpath := fmt.Sprintf("/upowaznienia/%d/cofnij", gid)
		body = page(t, adam.get(rpath), 200, "Cofnij upoważnienie")
		pageHas(t, "revocation form", body, "Utrata danych niezbędnych do logowania",
			"rozumiem, że cofam upoważnienie i użytkownik nie będzie mógł się zalogować", "COFNIJ UPOWAŻNIENIE", "LWISNIEWSKI")
		body = page(t, adam.post(rpath, url.Values{"csrf": {csrf}, "reason": {"Utrata danych niezbędnych do logowania"}}), 400, "Cofnij upoważnienie")
		pageHas(t, "revocation unconfirmed", body, "Zaznacz, że rozumiesz skutki cofnięcia upoważnienia.", `value="lost_credentials" id="reason" checked`)
		body = page(t, adam.post(rpath, url.Values{"csrf": {csrf}, "rozumiem": {"tak"}}), 400, "Cofnij upoważnienie")
		pageHas(t, "revocation without a reason", body, "Wybierz powód cofnięcia upoważnienia.")
		page(t, e.signedIn(e.filip).get(rpath), 403, "Nie udało się wykonać operacji")
		rec = adam.post(rpath, url.Values{"csrf": {csrf}, "rozumiem": {"tak"}, "reason": {"Zakończenie zatrudnienia w podmiocie"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
		}
		body = page(t, adam.get(rec.Header().Get("Location")), 200, "Wnioski")
		pageHas(t, "after revocation", body, "OPERACJA ZAKOŃCZONA POMYŚLNIE", "Cofnięto upoważnienie użytkownika Łukasz Wiśniewski (LWISNIEWSKI)", "cofnięte")
		page(t, adam.get(rpath), 409, "Nie udało się wykonać operacji")

		// The signed-in form, Moje wnioski, WYCOFAJ WNIOSEK.
		filip := e.signedIn(e.filip)
		body = page(t, filip.get("/wniosek?podmiot=SP1"), 200, "Złóż wniosek o dostęp")
		pageHas(t, "signed-in form", body, "uniwersalnymi danymi konta", "Filip Stary", `value="SP1" id="entity_id" checked`, `aria-current`)
		if strings.Contains(body, `id="pesel"`) {
			t.Error("the signed-in form asks for the PESEL")
		}
		fcsrf := csrfOf(t, body)
		rec = filip.post("/wniosek", url.Values{"csrf": {fcsrf}, "akcja": {"zloz"}, "entity_id": {"SP1"}, "function": {"pracownik"}, "scopes": {"sio"}})
		if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "?gotowe=zlozony") {
			t.Fatalf("signed-in application: %d %s", rec.Code, rec.Body)
		}
		fid := locID(t, rec)
		body = page(t, filip.get(rec.Header().Get("Location")), 200, "Wniosek o dostęp nr "+fid)
		pageHas(t, "filed", body, "OPERACJA ZAKOŃCZONA POMYŚLNIE", "Złożony", "WYCOFAJ WNIOSEK")
		body = page(t, filip.get("/moje-wnioski"), 200, "Moje wnioski")
		pageHas(t, "Moje wnioski", body, "POKAŻ WNIOSEK", "WYCOFAJ WNIOSEK", "Szkoła Podstawowa nr 1", "Złożony", `action="/wnioski/`+fid+`/wycofaj"`)
		body = page(t, filip.post("/wniosek", url.Values{"csrf": {fcsrf}, "akcja": {"zloz"}, "entity_id": {"SP1"}, "function": {"pracownik"}, "scopes": {"sio"}}), 409, "Złóż wniosek o dostęp")
		pageHas(t, "duplicate", body, "został już złożony")
		rec = filip.post("/wnioski/"+fid+"/wycofaj", url.Values{"csrf": {fcsrf}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("withdraw: %d %s", rec.Code, rec.Body)
		}
		body = page(t, filip.get(rec.Header().Get("Location")), 200, "Wniosek o dostęp nr "+fid)
		pageHas(t, "withdrawn", body, "OPERACJA ZAKOŃCZONA POMYŚLNIE", "Wycofany")
		body = page(t, filip.post("/wnioski/"+fid+"/wycofaj", url.Values{"csrf": {fcsrf}}), 409, "Wniosek o dostęp nr "+fid)
		pageHas(t, "withdrawn twice", body, "Odśwież stronę")
		page(t, e.signedIn(e.lukasz).get("/wnioski/"+fid), 404, "Nie udało się wykonać operacji")
		pageHas(t, "empty queue", page(t, filip.get("/wnioski"), 200, "Wnioski"), "Nie masz wniosków do rozpatrzenia.", "Nie zarządzasz żadnymi upoważnieniami.")

		// PRZEDŁUŻ: JANNOW1's grant ends in six weeks.
		jan := mustLogin(t, e.st, "JANNOW1")
		if err := e.st.UpdatePerson(ctx, jan.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
			d := time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC)
			rec.Grants[0].ValidTo = &d
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		janB := e.signedIn(e.mustSignIn("JANNOW1", newPassword))
		body = page(t, janB.get("/podmioty"), 200, "PODMIOTY")
		pageHas(t, "entities", body, "PRZEDŁUŻ", `href="/przedluz?upowaznienie=`)
		m = regexp.MustCompile(`href="(/przedluz\?upowaznienie=\d+)"`).FindStringSubmatch(body)
		body = page(t, janB.get(m[1]), 200, "Przedłużenie upoważnienia")
		pageHas(t, "extension form", body, "20.04.2026", `value="2027-04-20"`, "ZŁÓŻ WNIOSEK O PRZEDŁUŻENIE")
		jcsrf := csrfOf(t, body)
		upow := strings.TrimPrefix(m[1], "/przedluz?upowaznienie=")
		body = page(t, janB.post("/przedluz", url.Values{"csrf": {jcsrf}, "upowaznienie": {upow}, "valid_to": {"2026-04-20"}}), 400, "Przedłużenie upoważnienia")
		pageHas(t, "extension too early", body, "Nowa data końca ważności musi być późniejsza niż obecna.")
		rec = janB.post("/przedluz", url.Values{"csrf": {jcsrf}, "upowaznienie": {upow}, "valid_to": {"2027-03-31"}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("extend: %d %s", rec.Code, rec.Body)
		}
		body = page(t, janB.get(rec.Header().Get("Location")), 200, "Wniosek o dostęp nr "+locID(t, rec))
		pageHas(t, "extension filed", body, "OPERACJA ZAKOŃCZONA POMYŚLNIE", "Przedłużenie upoważnienia", "31.03.2027")
	})
}
