package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// Kinds of JSON value a request member takes.
const (
	kindString  = 's' // string or *string: a JSON string or null
	kindBool    = 'b' // a JSON true, false or null
	kindStrings = 'a' // []string: an array of strings (or nulls), or null
	kindRaw     = 'r' // json.RawMessage: any JSON
)

// fuzzEndpoint is one JSON endpoint, with the members its body may have.
type fuzzEndpoint struct {
	method, path string
	as           string // "" public, else the login whose session calls it
	fields       map[string]byte
	valid        string // a well-formed body, for the seeds
}

// fuzzEndpoints are every endpoint of the API that reads a JSON body
// (web/api*.go, mfa.go, passkey.go). Paths name things that do not exist
// or belong to FILIP, so that no request the fuzzer makes can end the
// sessions the others use. {filip} is FILIP's person id.
var fuzzEndpoints = []fuzzEndpoint{
	{"POST", "/api/v1/session", "", map[string]byte{"login": kindString, "password": kindString}, `{"login":"FILIP","password":"x"}`},
	{"POST", "/api/v1/recovery/login", "", map[string]byte{"first_name": kindString, "second_name": kindString, "last_name": kindString, "pesel": kindString, "email": kindString},
		`{"first_name":"Jan","second_name":"","last_name":"Nowak","pesel":"44051401458","email":"jan@szkola.pl"}`},
	{"POST", "/api/v1/recovery/login/nieznany-token", "", map[string]byte{"pesel": kindString}, `{"pesel":"44051401458"}`},
	{"POST", "/api/v1/recovery/password", "", map[string]byte{"login": kindString, "first_name": kindString, "last_name": kindString, "pesel": kindString, "email": kindString},
		`{"login":"FILIP","first_name":"Filip","last_name":"Stary","pesel":"","email":"filip@example.pl"}`},
	{"POST", "/api/v1/recovery/password/nieznany-token", "", map[string]byte{"new_password": kindString}, `{"new_password":"Nowe-haslo-123!"}`},
	{"POST", "/api/v1/applications", "", map[string]byte{"entity_id": kindString, "function": kindString, "scopes": kindStrings, "valid_to": kindString,
		"first_name": kindString, "second_name": kindString, "last_name": kindString, "pesel": kindString, "email": kindString, "phone": kindString},
		`{"entity_id":"SP1","function":"pracownik","scopes":["sio"],"valid_to":"2027-01-01","first_name":"Jan","last_name":"Nowak","pesel":"44051401458","email":"jan@szkola.pl","phone":"600100200"}`},
	{"POST", "/api/v1/activation/nieznany-token", "", map[string]byte{"new_password": kindString}, `{"new_password":"Nowe-haslo-123!"}`},
	{"PUT", "/api/v1/me/entity", "DAREK", map[string]byte{"entity_id": kindString}, `{"entity_id":"MEN"}`},
	{"PUT", "/api/v1/me/contact", "DAREK", map[string]byte{"email": kindString, "phone": kindString, "password": kindString}, `{"email":"d@example.pl","phone":null,"password":"x"}`},
	{"POST", "/api/v1/me/contact/verify", "DAREK", map[string]byte{"code": kindString}, `{"code":"123456"}`},
	{"PUT", "/api/v1/me/password", "DAREK", map[string]byte{"current": kindString, "new": kindString}, `{"current":"x","new":"Nowe-haslo-123!"}`},
	{"POST", "/api/v1/applications/999999/accept", "DAREK", map[string]byte{"identity_confirmed": kindBool}, `{"identity_confirmed":true}`},
	{"POST", "/api/v1/applications/999999/reject", "DAREK", map[string]byte{"reason": kindString}, `{"reason":"brak"}`},
	{"POST", "/api/v1/grants/999999/revoke", "DAREK", map[string]byte{"reason": kindString}, `{"reason":"Utrata danych niezbędnych do logowania"}`},
	{"POST", "/api/v1/grants/999999/extend", "DAREK", map[string]byte{"valid_to": kindString}, `{"valid_to":"2027-01-01"}`},
	{"POST", "/api/v1/admin/logins/FILIP/unlock", "DAREK", map[string]byte{"reason": kindString}, `{"reason":"telefon"}`},
	{"POST", "/api/v1/admin/persons/{filip}/sessions/end", "DAREK", map[string]byte{"reason": kindString}, `{"reason":"telefon"}`},
	{"POST", "/api/v1/admin/persons/{filip}/recovery", "DAREK", map[string]byte{"kind": kindString, "login": kindString, "reason": kindString}, `{"kind":"password","login":"FILIP","reason":"telefon"}`},
	{"PUT", "/api/v1/admin/persons/{filip}/contact", "DAREK", map[string]byte{"email": kindString, "phone": kindString, "reason": kindString}, `{"email":"filip@example.pl","phone":null,"reason":"telefon"}`},
	{"POST", "/api/v1/session/mfa", "DAREK", map[string]byte{"code": kindString}, `{"code":"123456"}`},
	{"POST", "/api/v1/me/mfa/totp/confirm", "DAREK", map[string]byte{"code": kindString}, `{"code":"123456"}`},
	{"DELETE", "/api/v1/me/mfa/totp", "DAREK", map[string]byte{"password": kindString}, `{"password":"x"}`},
	{"POST", "/api/v1/admin/mfa/reset", "DAREK", map[string]byte{"login": kindString, "reason": kindString}, `{"login":"FILIP","reason":"telefon"}`},
	{"POST", "/api/v1/me/mfa/passkeys", "DAREK", map[string]byte{"name": kindString, "credential": kindRaw}, `{"name":"klucz","credential":{"id":"AA","type":"public-key","response":{}}}`},
	{"POST", "/api/v1/session/mfa/passkey", "DAREK", map[string]byte{"name": kindString, "credential": kindRaw}, `{"credential":{"id":"AA","rawId":"AA","type":"public-key","response":{}}}`},
	{"POST", "/api/v1/consolidation/confirm", "ADAM1", map[string]byte{"login": kindString, "password": kindString}, `{"login":"ADAM2","password":"x"}`},
}

// FuzzAPIDecode sends fuzzed bodies to every JSON endpoint of a real server
// (SQLite, the fixture, signed-in sessions) and checks that the answer is
// never a 5xx and always a JSON error with a message when it is an error;
// that a body which is not JSON, not an object, or has an unknown member
// (names match exactly), a member given twice (at any depth) or a member of
// the wrong type is a 400 whose message names such a member; and that a
// body over 64 KiB is a 413.
func FuzzAPIDecode(f *testing.F) {
	for i, ep := range fuzzEndpoints {
		n := uint8(i)
		f.Add(n, []byte(ep.valid))
		f.Add(n, []byte(strings.Replace(ep.valid, "{", `{"nieznane":1,`, 1)))
		f.Add(n, []byte(ep.valid[:len(ep.valid)-1]+`,`+ep.valid[1:])) // every member twice
		f.Add(n, []byte(strings.ToUpper(ep.valid[:3])+ep.valid[3:]))  // the first name in capitals
		for _, name := range slices.Sorted(maps.Keys(ep.fields)) {
			wrong := map[byte]string{kindString: `1`, kindBool: `"tak"`, kindStrings: `"sio"`, kindRaw: `{"a":1,"a":2}`}[ep.fields[name]]
			f.Add(n, []byte(`{"`+name+`":`+wrong+`}`))
		}
	}
	for _, body := range []string{``, ` `, `null`, `[]`, `"x"`, `{`, `{"a"`, `{}{}`, `{} x`, `{"login":"\ud800"}`, `{"login":"a","log\u0069n":"b"}`,
		`{"login":"a"}` + strings.Repeat(" ", 70<<10), `{"scopes":[1]}`, `{"scopes":[null,"sio"]}`, `{"credential":{"a":{"b":1,"b":2}}}`,
		"{\"\xff\":1}", `{"ſcopes":["sio"]}`, `{"K":1}`} {
		f.Add(uint8(5), []byte(body))
		f.Add(uint8(23), []byte(body))
	}

	b := storetest.Backends(f)[0]
	st := storetest.Open(f, b.NewDSN(f))
	clk := &clock{t: start}
	importFixture(f, st, clk)
	srv, err := web.New(web.Config{Store: st, Hasher: hasher, Logger: discardLogger(), Now: clk.Now})
	if err != nil {
		f.Fatalf("web.New: %v", err)
	}
	h := srv.Handler()
	filip := fmt.Sprint(mustPerson(f, st, "FILIP").Person.ID)
	var addr atomic.Uint32
	serve := func(method, path, body string, c *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://konto.example.pl"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if c != nil {
			r.AddCookie(c)
		}
		// A new address each time: the per-address limits are not what
		// is tested here.
		n := addr.Add(1)
		r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	var sessions [2]atomic.Pointer[http.Cookie]
	signIn := func(tb testing.TB, who int) *http.Cookie {
		login, pw := "DAREK", pwDarek
		if who == 1 {
			login, pw = "ADAM1", pwAdam1
		}
		body, _ := json.Marshal(map[string]string{"login": login, "password": pw})
		rec := serve("POST", "/api/v1/session", string(body), nil)
		c := sessionCookie(rec)
		if rec.Code != http.StatusOK || c == nil {
			tb.Fatalf("sign in %s: %d %s", login, rec.Code, rec.Body)
		}
		sessions[who].Store(c)
		return c
	}
	signIn(f, 0)
	signIn(f, 1)

	f.Fuzz(func(t *testing.T, n uint8, body []byte) {
		ep := fuzzEndpoints[int(n)%len(fuzzEndpoints)]
		path := strings.ReplaceAll(ep.path, "{filip}", filip)
		who := -1
		switch ep.as {
		case "DAREK":
			who = 0
		case "ADAM1":
			who = 1
		}
		var rec *httptest.ResponseRecorder
		for attempt := 0; ; attempt++ {
			var c *http.Cookie
			if who >= 0 {
				c = sessions[who].Load()
			}
			rec = serve(ep.method, path, string(body), c)
			if rec.Code != http.StatusUnauthorized || who < 0 || attempt > 0 {
				break
			}
			// An earlier input may have ended the session legitimately
			// (a session ends with a password or second-factor change):
			// sign in again and retry once.
			signIn(t, who)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", ep.method, path, body, rec.Code, rec.Body)
		}
		msg := ""
		if rec.Code >= 400 {
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatalf("%s %s %q: %d answer is not JSON: %s", ep.method, path, body, rec.Code, rec.Body)
			}
			msg, _ = m["message"].(string)
			if code, _ := m["error"].(string); code == "" || msg == "" {
				t.Fatalf("%s %s %q: %d without an error code or message: %s", ep.method, path, body, rec.Code, rec.Body)
			}
		}
		if len(body) == 0 && ep.path == "/api/v1/grants/999999/extend" {
			return // the body is optional there
		}
		want, names := expectDecode(body, ep.fields)
		switch {
		case want == 0:
		case rec.Code != want:
			t.Fatalf("%s %s %q: %d %s; want %d (members at fault: %q)", ep.method, path, body, rec.Code, rec.Body, want, names)
		case len(names) > 0 && !namesAny(msg, names):
			t.Fatalf("%s %s %q: message %q names none of the members at fault %q", ep.method, path, body, msg, names)
		}
	})
}

// expectDecode is what decoding body should answer, worked out without the
// server's code: 413 over the limit; 400 for what is not one JSON value,
// or not an object (null aside), and for an object with members at fault
// (names returned: unknown, twice, or of the wrong kind); 0 when the body
// decodes and the handler decides.
func expectDecode(body []byte, fields map[string]byte) (int, []string) {
	if len(body) > 64<<10 {
		return http.StatusRequestEntityTooLarge, nil
	}
	if !json.Valid(body) {
		return http.StatusBadRequest, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, _ := dec.Token()
	if tok == nil {
		return 0, nil
	}
	if tok != json.Delim('{') {
		return http.StatusBadRequest, nil
	}
	var fault []string
	seen := map[string]bool{}
	for dec.More() {
		k, _ := dec.Token()
		name := k.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return http.StatusBadRequest, nil
		}
		kind, known := fields[name]
		if seen[name] || !known || !kindFits(kind, raw) || repeats(raw) {
			fault = append(fault, name)
		}
		seen[name] = true
		// A name repeated inside a value is at fault too.
		fault = append(fault, repeated(raw)...)
	}
	if len(fault) > 0 {
		return http.StatusBadRequest, fault
	}
	return 0, nil
}

// kindFits reports whether raw is a value of the kind.
func kindFits(kind byte, raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	if s == "null" || kind == kindRaw {
		return true
	}
	switch kind {
	case kindString:
		return strings.HasPrefix(s, `"`)
	case kindBool:
		return s == "true" || s == "false"
	case kindStrings:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return false
		}
		for _, it := range items {
			if it := strings.TrimSpace(string(it)); it != "null" && !strings.HasPrefix(it, `"`) {
				return false
			}
		}
		return true
	}
	return false
}

// repeats reports whether any object inside raw gives a name twice.
func repeats(raw json.RawMessage) bool { return len(repeated(raw)) > 0 }

// repeated returns the names given twice within one object anywhere in raw.
func repeated(raw json.RawMessage) []string {
	var out []string
	dec := json.NewDecoder(bytes.NewReader(raw))
	var walk func() bool
	walk = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				if name := k.(string); seen[name] {
					out = append(out, name)
				} else {
					seen[name] = true
				}
				if !walk() {
					return false
				}
			}
			_, err := dec.Token()
			return err == nil
		case json.Delim('['):
			for dec.More() {
				if !walk() {
					return false
				}
			}
			_, err := dec.Token()
			return err == nil
		}
		return true
	}
	walk()
	return out
}

// namesAny reports whether msg names one of names: the text between „ and
// ” equals one, or one ignoring case as encoding/json matches names.
func namesAny(msg string, names []string) bool {
	_, rest, ok := strings.Cut(msg, "„")
	quoted, _, ok2 := strings.Cut(rest, "”")
	if !ok || !ok2 {
		return false
	}
	for _, n := range names {
		if quoted == n || strings.EqualFold(quoted, n) {
			return true
		}
	}
	return false
}
