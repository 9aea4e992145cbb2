package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"jedenlogin/store/storetest"
)

// formPhones is the one table of phone numbers both forms that take a phone
// are held to: the application form (wniosek, public) and "Zmiana danych
// kontaktowych". A phone accepted in a wniosek must be one the person can
// keep as their account's phone (SPEC §2: account data are superior to
// application data, so the wniosek's phone is what they will carry over).
var formPhones = []struct {
	name  string
	phone string
	ok    bool
	kept  string // the phone as stored, when ok
}{
	{"Polish mobile with country code", "+48 600 100 200", true, "+48 600 100 200"},
	{"Polish mobile with hyphens", "600-100-200", true, "600-100-200"},
	{"Polish mobile without separators", "600100200", true, "600100200"},
	{"Warsaw landline", "22 123 45 67", true, "22 123 45 67"},
	{"landline, area code in parentheses", "(22) 123 45 67", true, "(22) 123 45 67"},
	{"extra white space is collapsed", "  +48  600\t100 200 ", true, "+48 600 100 200"},
	{"six digits in pairs", "12-34-56", false, ""},
	{"8 digits", "600 100 20", false, ""},
	{"16 digits", "+1234 5678 9012 3456", false, ""},
	{"letters", "600 ABC 200", false, ""},
	{"+ inside", "600+100200", false, ""},
	{"dots", "600.100.200", false, ""},
}

// TestPhoneRuleSameInBothForms runs formPhones through the JSON API and the
// HTML page of both forms: each row is accepted by all four or refused by
// all four with the error on the phone field, and an accepted phone is
// stored alike by the wniosek and by contact change.
func TestPhoneRuleSameInBothForms(t *testing.T) {
	e := newAppEnv(t, storetest.Backends(t)[0])
	for i, tc := range formPhones {
		t.Run(tc.name, func(t *testing.T) {
			addr := fmt.Sprintf("198.51.100.%d:1000", 100+i) // the public form counts per address

			// The wniosek, JSON API.
			body := publicApp("SP1", "pracownik")
			body["phone"] = tc.phone
			rec := e.do(req{method: "POST", path: "/api/v1/applications", json: body, addr: addr})
			if tc.ok {
				wantStatus(t, rec, http.StatusCreated)
				id := int64(decode(t, rec)["id"].(float64))
				got := decode(t, e.get(e.adam, fmt.Sprintf("/api/v1/applications/%d", id)))
				if p := got["applicant"].(map[string]any)["phone"]; p != tc.kept {
					t.Errorf("wniosek (API) stored phone %q, want %q", p, tc.kept)
				}
			} else {
				m := wantError(t, rec, http.StatusBadRequest, "bad_request")
				if f, _ := m["fields"].(map[string]any); len(f) != 1 || f["phone"] == nil {
					t.Errorf("wniosek (API) refused with fields %v, want only phone", m["fields"])
				}
			}

			// The wniosek, HTML page.
			pub := e.browser()
			pub.addr = addr
			tok := csrfOf(t, page(t, pub.get("/wniosek"), http.StatusOK, "Złóż wniosek o dostęp"))
			form := url.Values{"csrf": {tok}, "akcja": {"zloz"}, "entity_id": {"SP1"}, "function": {"pracownik"}, "scopes": {"sio"},
				"first_name": {"Jan"}, "last_name": {"Nowy"}, "pesel": {peselNowy}, "email": {emailNowy}, "phone": {tc.phone}}
			if tc.ok {
				page(t, pub.post("/wniosek", form), http.StatusOK, "OPERACJA ZAKOŃCZONA POMYŚLNIE")
			} else {
				pageHas(t, "wniosek (page)", page(t, pub.post("/wniosek", form), http.StatusBadRequest, "Złóż wniosek o dostęp"), `id="phone-blad"`)
			}

			// Zmiana danych kontaktowych, JSON API.
			rec = e.call("PUT", "/api/v1/me/contact", map[string]any{"phone": tc.phone, "password": pwLukasz}, e.lukasz)
			if tc.ok {
				wantStatus(t, rec, http.StatusOK)
				if p := decode(t, rec)["phone"]; p != tc.kept {
					t.Errorf("contact change (API) kept phone %q, want %q", p, tc.kept)
				}
			} else if m := wantError(t, rec, http.StatusBadRequest, "bad_request"); m["field"] != "phone" {
				t.Errorf("contact change (API) refused on field %v, want phone", m["field"])
			}

			// Zmiana danych kontaktowych, HTML page.
			rec = e.post("/profil/kontakt", "/profil/kontakt", url.Values{"phone": {tc.phone}, "password": {pwLukasz}}, e.lukasz)
			switch {
			case tc.ok && rec.Code != http.StatusSeeOther:
				t.Errorf("contact change (page) of an accepted phone: %d, want %d", rec.Code, http.StatusSeeOther)
			case !tc.ok && (rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `id="phone-blad"`)):
				t.Errorf("contact change (page) of a refused phone: %d, want %d with the phone field's error", rec.Code, http.StatusBadRequest)
			}
		})
	}
}
