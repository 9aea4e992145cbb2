package legacyfuzz

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"jedenlogin"
	"jedenlogin/internal/termsafe"
	"jedenlogin/legacy"
	"jedenlogin/loginname"
	"jedenlogin/password"
)

// Hashes of "Haslo123!" fixed here, so that the seeds do not change from
// run to run.
const (
	Argon  = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0MTIzNA$bRQuGGxI47XCGoycLn6junJV+y61u4Ke2qbEVPieWqE"
	Bcrypt = "$2b$04$99Cb0lD6P0Xcp/BLBizPNeDI1D.ZcRwJ2tkKTaQed5gAqJJMVX5ku"
)

// Row is a valid row for login, with the given column=value pairs set.
func Row(login string, kv ...string) map[string]string {
	r := map[string]string{
		"login": login, "password_hash": Argon, "status": "active",
		"first_name": "Jan", "last_name": "Kowalski",
		"entity_id": "E1", "entity_name": "Szkoła Podstawowa nr 1",
		"function": "pracownik", "scopes": "sio|wnioski",
	}
	for i := 0; i+1 < len(kv); i += 2 {
		r[kv[i]] = kv[i+1]
	}
	return r
}

// CSV writes a file with the full header (legacy.Header) and the rows.
func CSV(rows ...map[string]string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	h := legacy.Header()
	w.Write(h)
	for _, r := range rows {
		line := make([]string, len(h))
		for i, c := range h {
			line[i] = r[c]
		}
		w.Write(line)
	}
	w.Flush()
	return b.String()
}

// Seeds are whole files: valid ones, each kind of error and warning, and
// the start of the module's sample file.
func Seeds() []string {
	seeds := []string{
		CSV(Row("JANKOW1")),
		CSV(Row("JANKOW1"), Row("jankow1"), Row("JANKOW1")),
		CSV(Row("A", "pesel", "44051401458", "email", "jan@szkola.pl", "password_hash", Bcrypt),
			Row("B", "pesel", "44051401458", "first_name", "Janusz"), Row("C", "email", "JAN@szkola.pl")),
		CSV(Row("A", "valid_to", "2027-02-29"), Row("B", "accepted_at", "2024-05-17T10:30:00+02:00", "last_login_at", "wczoraj")),
		CSV(Row("A", "status", "ACTIVE", "function", "Kierownik"), Row("B", "function", "kierownik"), Row("C", "status", "usuniety")),
		CSV(Row("A", "first_name", "Jan\u202eNowak", "entity_id", "E\x1b1"), Row("B", "scopes", "sio| |wnioski|sio", "phone", "600\r\n100")),
		CSV(Row("A", "password_hash", "md5$abc"), Row("B", "pesel", "00000000000", "email", "jan@localhost")),
		CSV(Row("Z.a_b-9", "entity_parent_id", "E0", "second_name", "Maria"), Row("with space")),
		"\uFEFFLOGIN, Status ,first_name,last_name,entity_id,entity_name,function\nA,active,Jan,Nowak,E1,Szkoła,pracownik\n",
		"login,status\nA,active\n",
		"login,login\n",
		"",
		"login,password_hash\n\"a\"b,x\n",
		"login,status,first_name,last_name,entity_id,entity_name,function\r\nA,active,\"Jan\r\nMaria\",Nowak,E1,S,pracownik\r\n",
		"login,status,first_name,last_name,entity_id,entity_name,function\nA,active,Jan,Nowak,E1\nB,active,Jan,Nowak,E1,S,pracownik,extra\n",
		"login,status,first_name,last_name,entity_id,entity_name,function\nA,active,\xff,Nowak,E1,S,pracownik\n",
	}
	_, file, _, _ := runtime.Caller(0)
	if sample, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "legacy-sample.csv")); err == nil {
		lines := strings.SplitAfter(string(sample), "\n")
		seeds = append(seeds, strings.Join(lines[:min(len(lines), 12)], ""))
	}
	return seeds
}

// CheckFile parses data twice and checks the result, which it returns:
// Parse reads it all (an in-memory file cannot fail to read) and answers
// the same twice; every issue has a line within the file, a message, a
// column of the file or none, and prints no control or bidi character;
// every kept row is well formed (CheckRow), logins are unique, and no kept
// row is on a line an error names.
func CheckFile(t testing.TB, data []byte) *legacy.File {
	t.Helper()
	pf, err := legacy.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Parse: %v (an in-memory file cannot fail to read)", err)
	}
	again, _ := legacy.Parse(bytes.NewReader(data))
	if !reflect.DeepEqual(pf, again) {
		t.Fatalf("Parse gave two answers for one file:\n%+v\n%+v", pf, again)
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, list := range [][]legacy.Issue{pf.Errors, pf.Warnings} {
		for _, is := range list {
			if is.Line < 1 || is.Line > lines || is.Message == "" {
				t.Fatalf("issue %+v: line outside 1..%d or no message", is, lines)
			}
			if is.Column != "" && !slices.Contains(legacy.Header(), is.Column) && is.Line != 1 {
				t.Fatalf("issue %+v names no column of the file", is)
			}
			if s := is.String(); strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cc, r) || termsafe.Bidi(r) }) {
				t.Fatalf("issue %q would print a control or bidi character to the operator's terminal", s)
			}
		}
	}
	logins := map[string]bool{}
	for i := range pf.Rows {
		r := &pf.Rows[i]
		CheckRow(t, r)
		if i > 0 && r.Line <= pf.Rows[i-1].Line {
			t.Fatalf("row of line %d after the row of line %d", r.Line, pf.Rows[i-1].Line)
		}
		if r.Line < 2 || r.Line > lines {
			t.Fatalf("row of line %d outside 2..%d", r.Line, lines)
		}
		if logins[r.Login] {
			t.Fatalf("login %q kept twice", r.Login)
		}
		logins[r.Login] = true
		if slices.ContainsFunc(pf.Errors, func(is legacy.Issue) bool { return is.Line == r.Line }) {
			t.Fatalf("row of line %d kept, and an error names that line: %v", r.Line, pf.Errors)
		}
	}
	return pf
}

// CheckRow checks everything a row Parse kept promises.
func CheckRow(t testing.TB, r *legacy.Row) {
	t.Helper()
	bad := func(what string) { t.Fatalf("row of line %d: %s\n%+v", r.Line, what, *r) }
	if !loginname.ValidLegacy(r.Login) {
		bad("login not [A-Za-z0-9._-]{1,64}")
	}
	if r.Status != jedenlogin.LoginActive && r.Status != jedenlogin.LoginInactive {
		bad("status neither active nor inactive")
	}
	switch r.Function {
	case jedenlogin.FunctionHead, jedenlogin.FunctionActingHead, jedenlogin.FunctionEmployee:
	default:
		bad("unknown function")
	}
	if r.PasswordHash != "" && password.Supported(r.PasswordHash) != nil {
		bad("password hash not supported")
	}
	if r.PESEL != "" && !jedenlogin.ValidPESEL(r.PESEL) {
		bad("invalid PESEL kept")
	}
	if r.Email != "" && !jedenlogin.ValidEmail(r.Email) {
		bad("invalid e-mail kept")
	}
	for _, v := range []struct{ name, value string }{
		{"first name", r.FirstName}, {"last name", r.LastName}, {"entity id", r.EntityID}, {"entity name", r.EntityName},
	} {
		if v.value == "" {
			bad(v.name + " empty")
		}
	}
	texts := []string{r.Login, r.FirstName, r.SecondName, r.LastName, r.PESEL, r.Email, r.Phone, r.EntityID, r.EntityName, r.EntityParentID}
	texts = append(texts, r.Scopes...)
	for _, s := range texts {
		if !utf8.ValidString(s) || strings.ContainsFunc(s, unsafe) || strings.TrimSpace(s) != s {
			bad("value " + termsafe.String(s) + " not valid UTF-8, with a control or bidi character, or not trimmed")
		}
	}
	if !slices.IsSorted(r.Scopes) || len(slices.Compact(slices.Clone(r.Scopes))) != len(r.Scopes) || slices.Contains(r.Scopes, "") {
		bad("scopes not sorted, unique and non-empty")
	}
	if !r.ValidTo.IsZero() && (r.ValidTo.Location() != time.UTC || !r.ValidTo.Equal(r.ValidTo.Truncate(24*time.Hour))) {
		bad("valid_to not a UTC midnight")
	}
	for _, tm := range []time.Time{r.AcceptedAt, r.LastLoginAt} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			bad("time not in UTC")
		}
	}
	switch {
	case r.PESEL != "":
		if r.PersonKey != "pesel:"+r.PESEL {
			bad("person key not by PESEL")
		}
	case r.Email != "":
		if !strings.HasPrefix(r.PersonKey, "email:"+strings.ToLower(r.Email)+"|") {
			bad("person key not by e-mail")
		}
	default:
		if r.PersonKey != "login:"+r.Login {
			bad("person key not by login")
		}
	}
}

// unsafe reports a control or bidirectional formatting character.
func unsafe(r rune) bool { return unicode.Is(unicode.Cc, r) || termsafe.Bidi(r) }
