package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"jedenlogin/store/storetest"
)

// TestEntitySearchLength: an entity search longer than 100 characters is
// refused with 400 and a message saying so — on the JSON API and on the
// public form — instead of reaching the database (a 12,600-character query
// made SQLite answer 500 "pattern too complex"); 100 characters still search.
func TestEntitySearchLength(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAppEnv(t, b)
		long := strings.Repeat("ą%_*[", 2520) // 12,600 characters
		m := wantError(t, e.do(req{method: "GET", path: "/api/v1/entities?q=" + url.QueryEscape(long)}), http.StatusBadRequest, "bad_request")
		if msg := m["message"].(string); !strings.Contains(msg, "najwyżej 100 znaków") {
			t.Errorf("message %q does not say how long a search may be", msg)
		}
		if f, _ := m["fields"].(map[string]any); f["q"] == nil {
			t.Errorf("answer %v does not name the field q", m)
		}
		wantStatus(t, e.do(req{method: "GET", path: "/api/v1/entities?q=" + url.QueryEscape(strings.Repeat("ś", 100))}), http.StatusOK)

		pub := e.browser()
		tok := csrfOf(t, page(t, pub.get("/wniosek"), 200, "Złóż wniosek o dostęp"))
		form := url.Values{"csrf": {tok}, "akcja": {"szukaj"}, "szukaj": {long}}
		body := page(t, pub.post("/wniosek", form), 400, "Złóż wniosek o dostęp")
		pageHas(t, "too long a search", body, "najwyżej 100 znaków", `href="#szukaj"`, `aria-invalid="true"`)
		form.Set("szukaj", "podstawowa nr 1")
		pageHas(t, "search after", page(t, pub.post("/wniosek", form), 200, "Złóż wniosek o dostęp"), "Szkoła Podstawowa nr 1 (SP1)")
	})
}
