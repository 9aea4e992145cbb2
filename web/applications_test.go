package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/conformance"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// A newcomer without an account (valid PESEL, nobody in the fixtures).
const (
	peselNowy = "90010112349"
	emailNowy = "jan.nowy@example.pl"
)

// headConflictMessage is SPEC §9's refusal.
const headConflictMessage = "W podmiocie nie mogą istnieć 2 wnioski z funkcją kierownik lub p.o. kierownika z nachodzącym na siebie okresem ważności upoważnienia."

// appEnv is an accountEnv where ADAM has consolidated onto ADAM1, the head
// (kierownik, scopes sio and wnioski) of SP1. SP1's parent GM1 is not in
// the database, so heads at SP1 are approved by an operator: DAREK.
type appEnv struct {
	*accountEnv
	adam, darek, filip, lukasz *http.Cookie
}

func newAppEnv(t *testing.T, b storetest.Backend) *appEnv {
	t.Helper()
	e := newAccountEnv(t, b, web.Config{})
	adam := e.mustSignIn("ADAM1", pwAdam1)
	rec, c := e.confirm(adam, "ADAM1", pwAdam1)
	if rec.Code != http.StatusOK || c == nil {
		t.Fatalf("consolidate ADAM: %d %s", rec.Code, rec.Body)
	}
	return &appEnv{accountEnv: e, adam: c, darek: e.mustSignIn("DAREK", pwDarek),
		filip: e.mustSignIn("FILIP", pwFilip), lukasz: e.mustSignIn("LWISNIEWSKI", pwLukasz)}
}

// publicApp is the body of a public application of the newcomer.
func publicApp(entity, function string) map[string]any {
	return map[string]any{"entity_id": entity, "function": function, "scopes": []string{"sio"},
		"first_name": "Jan", "last_name": "Nowy", "pesel": peselNowy, "email": emailNowy, "phone": "600 500 400"}
}

// apply files an application (c nil: the public form) and returns its id.
func (e *appEnv) apply(c *http.Cookie, body map[string]any) int64 {
	e.t.Helper()
	rec := e.call("POST", "/api/v1/applications", body, c)
	wantStatus(e.t, rec, http.StatusCreated)
	m := decode(e.t, rec)
	if m["status"] != "zlozony" {
		e.t.Fatalf("new application status %v", m["status"])
	}
	return int64(m["id"].(float64))
}

// act posts an action on application id and returns the answer.
func (e *appEnv) act(c *http.Cookie, id int64, action string, body any) *httpRecorder {
	e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	return e.call("POST", fmt.Sprintf("/api/v1/applications/%d/%s", id, action), body, c)
}

// accepted reviews and accepts application id as the approver c.
func (e *appEnv) accepted(c *http.Cookie, id int64) map[string]any {
	e.t.Helper()
	wantStatus(e.t, e.act(c, id, "review", nil), http.StatusOK)
	rec := e.act(c, id, "accept", map[string]any{"identity_confirmed": true})
	wantStatus(e.t, rec, http.StatusOK)
	return decode(e.t, rec)
}

// me returns GET /api/v1/me.
func (e *appEnv) me(c *http.Cookie) map[string]any {
	e.t.Helper()
	rec := e.get(c, "/api/v1/me")
	wantStatus(e.t, rec, http.StatusOK)
	return decode(e.t, rec)
}

// grantAt returns the /me entity at entityID, nil when not listed.
func grantAt(m map[string]any, entityID string) map[string]any {
	for _, x := range m["entities"].([]any) {
		if g := x.(map[string]any); g["id"] == entityID {
			return g
		}
	}
	return nil
}

func appIDs(t *testing.T, rec *httpRecorder) []int64 {
	t.Helper()
	wantStatus(t, rec, http.StatusOK)
	var out []int64
	for _, x := range decode(t, rec)["applications"].([]any) {
		out = append(out, int64(x.(map[string]any)["id"].(float64)))
	}
	return out
}

// TestApplicationNewcomer: the public form, the queue, review, identity
// confirmation, acceptance creating a person and a generated login, the
// mailed activation link and the first sign-in.
func TestApplicationNewcomer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAppEnv(t, b)
		ctx := context.Background()

		// Bad input is answered field by field.
		bad := publicApp("SP1", "pracownik")
		bad["pesel"], bad["email"], bad["first_name"] = "90010112346", "jan", ""
		m := wantError(t, e.call("POST", "/api/v1/applications", bad, nil), http.StatusBadRequest, "bad_request")
		fields, _ := m["fields"].(map[string]any)
		for _, f := range []string{"pesel", "email", "first_name"} {
			if fields[f] == nil {
				t.Errorf("no message for %s: %v", f, m)
			}
		}
		bad = publicApp("NOPE", "dyrektor")
		m = wantError(t, e.call("POST", "/api/v1/applications", bad, nil), http.StatusBadRequest, "bad_request")
		if fields, _ := m["fields"].(map[string]any); fields["entity_id"] == nil || fields["function"] == nil {
			t.Errorf("unknown entity and function not named: %v", m)
		}
		tooLate := publicApp("SP1", "pracownik")
		tooLate["valid_to"] = start.AddDate(5, 0, 1).Format(time.DateOnly)
		wantError(t, e.call("POST", "/api/v1/applications", tooLate, nil), http.StatusBadRequest, "bad_request")

		id := e.apply(nil, publicApp("SP1", "pracownik"))
		if got := e.lastMail(emailNowy); !strings.Contains(got.Subject, "Złożony") || !strings.Contains(got.Text, "Szkoła Podstawowa nr 1") {
			t.Errorf("submission mail %q:\n%s", got.Subject, got.Text)
		}

		// The head of SP1 sees it in the queue; others do not.
		if ids := appIDs(t, e.get(e.adam, "/api/v1/applications?queue=1")); len(ids) != 1 || ids[0] != id {
			t.Errorf("ADAM's queue %v, want [%d]", ids, id)
		}
		if ids := appIDs(t, e.get(e.filip, "/api/v1/applications?queue=1")); len(ids) != 0 {
			t.Errorf("FILIP's queue %v, want none", ids)
		}
		if ids := appIDs(t, e.get(e.darek, "/api/v1/applications?queue=1")); len(ids) != 0 {
			t.Errorf("the operator sees an employee's application at SP1: %v", ids)
		}
		wantError(t, e.get(e.filip, fmt.Sprintf("/api/v1/applications/%d", id)), http.StatusNotFound, "not_found")

		// Only the approver decides, only in the right status, only with
		// the identity confirmed.
		wantError(t, e.act(e.filip, id, "review", nil), http.StatusForbidden, "not_approver")
		wantError(t, e.act(e.adam, id, "accept", map[string]any{"identity_confirmed": true}), http.StatusConflict, "invalid_status")
		rec := e.act(e.adam, id, "review", nil)
		wantStatus(t, rec, http.StatusOK)
		if m := decode(t, rec); m["status"] != "rozpatrywany" || m["reviewed_by"] != "ADAM1" {
			t.Errorf("after review %v", m)
		}
		if got := e.lastMail(emailNowy); !strings.Contains(got.Subject, "Rozpatrywany") {
			t.Errorf("review mail %q", got.Subject)
		}
		wantError(t, e.act(e.adam, id, "review", nil), http.StatusConflict, "invalid_status")
		wantError(t, e.act(e.adam, id, "accept", map[string]any{}), http.StatusUnprocessableEntity, "identity_not_confirmed")
		wantError(t, e.act(e.adam, id, "accept", map[string]any{"identity_confirmed": false}), http.StatusUnprocessableEntity, "identity_not_confirmed")
		wantError(t, e.act(e.filip, id, "accept", map[string]any{"identity_confirmed": true}), http.StatusForbidden, "not_approver")

		rec = e.act(e.adam, id, "accept", map[string]any{"identity_confirmed": true})
		wantStatus(t, rec, http.StatusOK)
		if m := decode(t, rec); m["status"] != "zaakceptowany" || m["decided_by"] != "ADAM1" || m["identity_confirmed"] != true || m["grant_id"] == nil {
			t.Errorf("after acceptance %v", m)
		}
		wantError(t, e.act(e.adam, id, "accept", map[string]any{"identity_confirmed": true}), http.StatusConflict, "invalid_status")

		// The status mail, then the activation link.
		ms := e.mails(emailNowy)
		if len(ms) != 4 {
			t.Fatalf("%d mails to the newcomer, want 4 (submitted, under review, accepted, activation)", len(ms))
		}
		if !strings.Contains(ms[2].Subject, "Zaakceptowany") {
			t.Errorf("third mail %q, want the acceptance", ms[2].Subject)
		}
		act := ms[3]
		if !strings.Contains(act.Text, "JANNOW1") {
			t.Errorf("activation mail lacks the generated login JANNOW1:\n%s", act.Text)
		}
		path := linkIn(t, act, "/aktywuj/")
		token := strings.TrimPrefix(path, "/aktywuj/")

		// The new person: consolidated, account data from the application.
		l := mustLogin(t, e.st, "JANNOW1")
		rec2, err := e.st.Person(ctx, l.PersonID)
		if err != nil {
			t.Fatal(err)
		}
		if p := rec2.Person; p.Key != "pesel:"+peselNowy || p.State != jedenlogin.StateDone || p.Account == nil || p.Account.Email != emailNowy || p.Account.Phone != "600 500 400" {
			t.Errorf("new person %+v", p)
		}
		if l.PasswordHash != "" || l.CanSignIn() {
			t.Error("the new login can sign in before activation")
		}
		if r, _ := e.signIn("JANNOW1", newPassword); r.Code != http.StatusUnauthorized {
			t.Errorf("sign-in before activation: %d", r.Code)
		}

		// Activation: the policy applies; the link works once.
		m = wantError(t, e.call("POST", "/api/v1/activation/"+token, map[string]string{"new_password": "krotkie"}, nil), http.StatusUnprocessableEntity, "weak_password")
		if m["reasons"] == nil {
			t.Errorf("weak password without reasons: %v", m)
		}
		rec = e.call("POST", "/api/v1/activation/"+token, map[string]string{"new_password": newPassword}, nil)
		wantStatus(t, rec, http.StatusOK)
		if m := decode(t, rec); m["login"] != "JANNOW1" {
			t.Errorf("activation answer %v", m)
		}
		wantError(t, e.call("POST", "/api/v1/activation/"+token, map[string]string{"new_password": newPassword + "2"}, nil), http.StatusGone, "link_expired")
		wantError(t, e.call("POST", "/api/v1/activation/"+strings.Repeat("x", 43), map[string]string{"new_password": newPassword}, nil), http.StatusGone, "link_expired")

		rec, c := e.signIn("JANNOW1", newPassword)
		wantStatus(t, rec, http.StatusOK)
		if m := decode(t, rec); m["consolidation_required"] != false {
			t.Errorf("the new login must go through the transition: %v", m)
		}
		me := e.me(c)
		g := grantAt(me, "SP1")
		if len(me["entities"].([]any)) != 1 || g == nil || g["function"] != "pracownik" || g["valid"] != true || g["grant_id"] == nil || g["grant_id"].(float64) <= 0 {
			t.Errorf("the newcomer's entities: %v", me["entities"])
		}
		if acc := me["account"].(map[string]any); acc["first_name"] != "Jan" || acc["last_name"] != "Nowy" {
			t.Errorf("account %v", acc)
		}

		// Every step is audited.
		if n := len(e.audit(jedenlogin.AuditApplicationChanged)); n != 3 {
			t.Errorf("%d application_changed events, want 3 (submitted, reviewed, accepted)", n)
		}
		for _, action := range []string{jedenlogin.AuditAccountCreated, jedenlogin.AuditAccountActivated} {
			if evs := e.audit(action); len(evs) != 1 || evs[0].Subject != "JANNOW1" || evs[0].PersonID == nil || *evs[0].PersonID != l.PersonID {
				t.Errorf("%s events %+v", action, evs)
			}
		}
		if evs := e.audit(jedenlogin.AuditGrantChanged); len(evs) != 1 || !strings.Contains(evs[0].Details, `"change":"granted"`) || evs[0].Actor != "ADAM1" {
			t.Errorf("grant events %+v", evs)
		}
	})
}

// TestApplicationKnownPerson: a consolidated person's application lands on
// their one login; the public form with a known PESEL too; application
// data never overwrite account data.
func TestApplicationKnownPerson(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAppEnv(t, b)
		ctx := context.Background()
		sum0, _ := e.st.PlanSummary(ctx)

		id := e.apply(e.filip, map[string]any{"entity_id": "SP1", "function": "pracownik", "scopes": []string{"sio", "wnioski"}})
		got := decode(t, e.get(e.filip, fmt.Sprintf("/api/v1/applications/%d", id)))
		if a := got["applicant"].(map[string]any); a["first_name"] != "Filip" || a["email"] != "filip@example.pl" {
			t.Errorf("a signed-in applicant applies with the account data: %v", a)
		}
		if ids := appIDs(t, e.get(e.filip, "/api/v1/applications")); len(ids) != 1 || ids[0] != id {
			t.Errorf("FILIP's applications %v", ids)
		}
		e.accepted(e.adam, id)
		me := e.me(e.filip)
		if me["login"] != "FILIP" || grantAt(me, "SP1") == nil || grantAt(me, "SP2") == nil {
			t.Errorf("FILIP after acceptance: %v", me)
		}

		// The public form with Łukasz's PESEL but other names and address.
		body := publicApp("SP1", "pracownik")
		body["pesel"], body["valid_to"] = peselLukasz, "2028-01-31"
		id = e.apply(nil, body)
		e.accepted(e.adam, id)
		rec := mustPerson(t, e.st, "LWISNIEWSKI")
		if acc := rec.Person.Account; acc.FirstName != "Łukasz" || acc.Email != emailLukasz || acc.PESEL != peselLukasz {
			t.Errorf("application data overwrote account data: %+v", acc)
		}
		if g := grantAt(e.me(e.lukasz), "SP1"); g == nil || g["valid_to"] != "2028-01-31" {
			t.Errorf("Łukasz's SP1 grant %v, want extended to 2028-01-31 (not duplicated)", g)
		}
		if n := len(e.me(e.lukasz)["entities"].([]any)); n != 1 {
			t.Errorf("Łukasz has %d entities, want 1", n)
		}
		// The mails went to the address in the application.
		if ms := e.mails(emailNowy); len(ms) != 3 || withSubject(ms, "Zaakceptowany") == nil {
			t.Errorf("mails to the application's address: %d", len(ms))
		}
		if ms := e.mails(emailLukasz); len(ms) != 0 {
			t.Errorf("%d mails to the account's address", len(ms))
		}

		// A person still pending: the grant goes to the login the account
		// data will come from, and moves at consolidation.
		body = publicApp("SP1", "pracownik")
		body["pesel"] = peselZofia
		e.accepted(e.adam, e.apply(nil, body))
		zofia := mustPerson(t, e.st, "ZKOWAL")
		var holder string
		for _, g := range zofia.Grants {
			if g.EntityID == "SP1" {
				holder = zofia.Login(g.LoginID).Name
			}
		}
		if holder != "ZKOWAL" || zofia.Person.State != jedenlogin.StatePending {
			t.Errorf("pending Zofia's SP1 grant is held by %q (state %s), want ZKOWAL (accepted last)", holder, zofia.Person.State)
		}

		sum, _ := e.st.PlanSummary(ctx)
		if sum.Persons != sum0.Persons || sum.Logins != sum0.Logins {
			t.Errorf("persons %d→%d, logins %d→%d: known persons got new ones", sum0.Persons, sum.Persons, sum0.Logins, sum.Logins)
		}
	})
}

// TestApplicationHeadConflict: at most one active kierownik and one active
// po_kierownika per entity, also when approvers accept at the same moment.
func TestApplicationHeadConflict(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAppEnv(t, b)
		// ADAM1 is kierownik of SP1 until 2027-08-31: a second one conflicts.
		id := e.apply(e.filip, map[string]any{"entity_id": "SP1", "function": "kierownik", "scopes": []string{"sio"}})
		wantError(t, e.act(e.adam, id, "review", nil), http.StatusForbidden, "not_approver")
		wantStatus(t, e.act(e.darek, id, "review", nil), http.StatusOK)
		m := wantError(t, e.act(e.darek, id, "accept", map[string]any{"identity_confirmed": true}), http.StatusConflict, "head_conflict")
		if m["message"] != headConflictMessage {
			t.Errorf("message %q, want SPEC §9's", m["message"])
		}
		if got := decode(t, e.get(e.darek, fmt.Sprintf("/api/v1/applications/%d", id))); got["status"] != "rozpatrywany" {
			t.Errorf("a refused acceptance changed the status to %v", got["status"])
		}
		// A shorter validity still overlaps the current head's.
		late := e.apply(e.lukasz, map[string]any{"entity_id": "SP1", "function": "kierownik", "valid_to": "2026-06-30", "scopes": []string{"sio"}})
		wantStatus(t, e.act(e.darek, late, "review", nil), http.StatusOK)
		wantError(t, e.act(e.darek, late, "accept", map[string]any{"identity_confirmed": true}), http.StatusConflict, "head_conflict")

		// No acting head yet: four applications accepted at once, one wins.
		jan := e.apply(nil, publicApp("SP1", "po_kierownika"))
		zofia := publicApp("SP1", "po_kierownika")
		zofia["pesel"], zofia["email"] = peselZofia, "zofia.k@example.pl"
		ids := []int64{
			e.apply(e.filip, map[string]any{"entity_id": "SP1", "function": "po_kierownika", "scopes": []string{"sio"}}),
			e.apply(e.lukasz, map[string]any{"entity_id": "SP1", "function": "po_kierownika", "scopes": []string{"sio"}}),
			jan, e.apply(nil, zofia),
		}
		for _, id := range ids {
			wantStatus(t, e.act(e.darek, id, "review", nil), http.StatusOK)
		}
		// A second instance whose acceptances wait at a barrier after
		// deciding: unserialised acceptances would all decide at once.
		slow := &barrierStore{Store: e.st, b: conformance.NewBarrier(len(ids), 250*time.Millisecond)}
		srv, err := web.New(web.Config{Store: slow, Hasher: hasher, Logger: discardLogger(), Now: e.clock.Now,
			Mailer: mustOutbox(t, e.outbox), PublicURL: publicURL})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		other := *e.env
		other.h = srv.Handler()
		codes := make([]int, len(ids))
		bodies := make([]string, len(ids))
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec := other.do(req{method: "POST", path: fmt.Sprintf("/api/v1/applications/%d/accept", id),
					json: map[string]any{"identity_confirmed": true}, cookies: []*http.Cookie{e.darek}})
				codes[i], bodies[i] = rec.Code, rec.Body.String()
			}()
		}
		wg.Wait()
		won := 0
		for i, c := range codes {
			switch {
			case c == http.StatusOK:
				won++
			case c == http.StatusConflict && strings.Contains(bodies[i], `"head_conflict"`):
			default:
				t.Errorf("acceptance %d: %d %s", i, c, bodies[i])
			}
		}
		if won != 1 {
			t.Fatalf("%d of %d concurrent acceptances of an acting head won, want exactly 1", won, len(ids))
		}
		heads := 0
		held, err := e.st.GrantsAt(context.Background(), []string{"SP1"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range held {
			if h.Grant.Function == jedenlogin.FunctionActingHead && h.Grant.RevokedAt == nil {
				heads++
			}
		}
		if heads != 1 {
			t.Errorf("%d acting heads at SP1, want 1", heads)
		}
	})
}

// TestApplicationRejectWithdraw: rejection with a reason, withdrawal by
// the applicant while zlozony, duplicates refused.
func TestApplicationRejectWithdraw(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAppEnv(t, b)
		id := e.apply(nil, publicApp("SP1", "pracownik"))
		wantError(t, e.act(e.adam, id, "reject", map[string]any{"reason": "Brak zatrudnienia"}), http.StatusConflict, "invalid_status")
		wantStatus(t, e.act(e.adam, id, "review", nil), http.StatusOK)
		wantError(t, e.act(e.adam, id, "reject", map[string]any{"reason": "  "}), http.StatusBadRequest, "bad_request")
		wantError(t, e.act(e.filip, id, "reject", map[string]any{"reason": "x"}), http.StatusForbidden, "not_approver")
		rec := e.act(e.adam, id, "reject", map[string]any{"reason": "Brak zatrudnienia w szkole"})
		wantStatus(t, rec, http.StatusOK)
		if m := decode(t, rec); m["status"] != "odrzucony" || m["reason"] != "Brak zatrudnienia w szkole" {
			t.Errorf("after rejection %v", m)
		}
		if m := e.mailWith(emailNowy, "Odrzucony"); !strings.Contains(m.Text, "Brak zatrudnienia w szkole") {
			t.Errorf("rejection mail %q:\n%s", m.Subject, m.Text)
		}
		if _, err := e.st.LoginByName(context.Background(), "JANNOW1"); err == nil {
			t.Error("a rejected application created a login")
		}

		// Withdrawal: only the applicant, only while zlozony.
		id = e.apply(e.filip, map[string]any{"entity_id": "SP1", "function": "pracownik", "scopes": []string{"sio"}})
		m := wantError(t, e.call("POST", "/api/v1/applications", map[string]any{"entity_id": "SP1", "function": "pracownik", "scopes": []string{"sio"}}, e.filip), http.StatusConflict, "conflict")
		if !strings.Contains(m["message"].(string), "został już złożony") {
			t.Errorf("duplicate message %v", m["message"])
		}
		wantError(t, e.act(e.lukasz, id, "withdraw", nil), http.StatusNotFound, "not_found")
		wantError(t, e.act(e.adam, id, "withdraw", nil), http.StatusNotFound, "not_found")
		rec = e.act(e.filip, id, "withdraw", nil)
		wantStatus(t, rec, http.StatusOK)
		if m := decode(t, rec); m["status"] != "wycofany" {
			t.Errorf("after withdrawal %v", m)
		}
		if m := e.mailWith("filip@example.pl", "Wycofany"); !strings.Contains(m.Text, publicURL+fmt.Sprintf("/wnioski/%d", id)) {
			t.Errorf("withdrawal mail %q:\n%s", m.Subject, m.Text)
		}
		wantError(t, e.act(e.filip, id, "withdraw", nil), http.StatusConflict, "invalid_status")
		wantError(t, e.act(e.adam, id, "review", nil), http.StatusConflict, "invalid_status")

		id = e.apply(e.filip, map[string]any{"entity_id": "SP1", "function": "pracownik", "scopes": []string{"sio"}})
		wantStatus(t, e.act(e.adam, id, "review", nil), http.StatusOK)
		wantError(t, e.act(e.filip, id, "withdraw", nil), http.StatusConflict, "invalid_status")
		wantError(t, e.call("POST", "/api/v1/applications/99999/review", map[string]any{}, e.adam), http.StatusNotFound, "not_found")

		// A person still pending consolidation cannot use the API.
		zofia := e.mustSignIn("ZKOWAL", pwZofiaU)
		wantError(t, e.call("POST", "/api/v1/applications", map[string]any{"entity_id": "SP1", "function": "pracownik", "scopes": []string{"sio"}}, zofia), http.StatusForbidden, "consolidation_required")
	})
}

// TestGrantRevokeAndExtend: COFNIJ UPOWAŻNIENIE ends the grant at once,
// also for the session acting for the entity; PRZEDŁUŻ files an extension
// application whose acceptance moves the end of validity.
func TestGrantRevokeAndExtend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAppEnv(t, b)
		ctx := context.Background()
		e.accepted(e.adam, e.apply(e.filip, map[string]any{"entity_id": "SP1", "function": "pracownik", "scopes": []string{"sio"}}))
		g := grantAt(e.me(e.filip), "SP1")
		gid := int64(g["grant_id"].(float64))
		wantStatus(t, e.call("PUT", "/api/v1/me/entity", map[string]string{"entity_id": "SP1"}, e.filip), http.StatusOK)

		path := fmt.Sprintf("/api/v1/grants/%d/revoke", gid)
		reason := "Utrata danych niezbędnych do logowania"
		wantError(t, e.call("POST", path, map[string]string{"reason": "bo tak"}, e.adam), http.StatusBadRequest, "bad_request")
		wantError(t, e.call("POST", path, map[string]string{"reason": reason}, e.filip), http.StatusForbidden, "not_approver")
		wantError(t, e.call("POST", path, map[string]string{"reason": reason}, e.darek), http.StatusForbidden, "not_approver")
		wantError(t, e.call("POST", "/api/v1/grants/99999/revoke", map[string]string{"reason": reason}, e.adam), http.StatusNotFound, "not_found")
		rec := e.call("POST", path, map[string]string{"reason": reason}, e.adam)
		wantStatus(t, rec, http.StatusOK)
		if m := decode(t, rec); m["revoked"] != true || m["revoke_reason"] != reason || m["login"] != "FILIP" {
			t.Errorf("revocation answer %v", m)
		}
		wantError(t, e.call("POST", path, map[string]string{"reason": reason}, e.adam), http.StatusConflict, "conflict")

		// At once: the session acting for SP1 no longer does.
		s := decode(t, e.get(e.filip, "/api/v1/session"))
		if s["entity_id"] != nil {
			t.Errorf("the session still acts for %v after the revocation", s["entity_id"])
		}
		if grantAt(e.me(e.filip), "SP1") != nil {
			t.Error("the revoked grant is still listed")
		}
		wantError(t, e.call("PUT", "/api/v1/me/entity", map[string]string{"entity_id": "SP1"}, e.filip), http.StatusForbidden, "forbidden")
		if evs := e.audit(jedenlogin.AuditGrantChanged); len(evs) != 2 || !strings.Contains(evs[0].Details, `"change":"revoked"`) || evs[0].Actor != "ADAM1" {
			t.Errorf("grant events %+v", evs)
		}

		// A head's own head grant is not theirs to revoke; the operator's.
		adam := e.me(e.adam)
		head := int64(grantAt(adam, "SP1")["grant_id"].(float64))
		wantError(t, e.call("POST", fmt.Sprintf("/api/v1/grants/%d/revoke", head), map[string]string{"reason": reason}, e.adam), http.StatusForbidden, "not_approver")

		// PRZEDŁUŻ: not for a grant valid for long; from 3 months before its end.
		e.accepted(e.adam, e.apply(e.lukasz, map[string]any{"entity_id": "SP1", "function": "pracownik", "valid_to": "2026-12-31", "scopes": []string{"sio"}}))
		lg := int64(grantAt(e.me(e.lukasz), "SP1")["grant_id"].(float64))
		wantError(t, e.call("POST", fmt.Sprintf("/api/v1/grants/%d/extend", lg), nil, e.lukasz), http.StatusConflict, "conflict")
		l := mustLogin(t, e.st, "LWISNIEWSKI")
		if err := e.st.UpdatePerson(ctx, l.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
			for i := range rec.Grants {
				if rec.Grants[i].ID == lg {
					d := time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)
					rec.Grants[i].ValidTo = &d
				}
			}
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		wantError(t, e.call("POST", fmt.Sprintf("/api/v1/grants/%d/extend", gid), nil, e.filip), http.StatusConflict, "conflict")
		wantError(t, e.call("POST", fmt.Sprintf("/api/v1/grants/%d/extend", lg), nil, e.filip), http.StatusNotFound, "not_found")
		rec = e.call("POST", fmt.Sprintf("/api/v1/grants/%d/extend", lg), nil, e.lukasz)
		wantStatus(t, rec, http.StatusCreated)
		ext := decode(t, rec)
		if ext["status"] != "zlozony" || ext["extends_grant_id"] != float64(lg) || ext["valid_to"] != "2027-04-30" || ext["function"] != "pracownik" {
			t.Errorf("extension application %v", ext)
		}
		wantError(t, e.call("POST", fmt.Sprintf("/api/v1/grants/%d/extend", lg), nil, e.lukasz), http.StatusConflict, "conflict")
		e.accepted(e.adam, int64(ext["id"].(float64)))
		if g := grantAt(e.me(e.lukasz), "SP1"); g["valid_to"] != "2027-04-30" || int64(g["grant_id"].(float64)) != lg {
			t.Errorf("after the extension %v", g)
		}
	})
}

// barrierStore makes every acceptance wait at a barrier after its decision
// function decided, inside the store's transaction.
type barrierStore struct {
	jedenlogin.Store
	b *conformance.Barrier
}

func (s *barrierStore) AcceptApplication(ctx context.Context, id int64, fn func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error)) (*jedenlogin.Acceptance, error) {
	return s.Store.AcceptApplication(ctx, id, func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error) {
		evs, err := fn(a)
		if err == nil {
			s.b.Wait()
		}
		return evs, err
	})
}
