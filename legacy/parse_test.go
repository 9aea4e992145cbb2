package legacy

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"jedenlogin"
	"jedenlogin/password"
)

// testHashes are real hashes of "Haslo123!" in two supported formats.
var testHashes = sync.OnceValues(func() (argon, bcr string) {
	h := &password.Hasher{Params: password.CheapParams}
	a, err := h.Hash("Haslo123!")
	if err != nil {
		panic(err)
	}
	b, err := bcrypt.GenerateFromPassword([]byte("Haslo123!"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return a, string(b)
})

// rec is one row of a test file: column name → value. Columns not given
// take base values.
type rec map[string]string

// base returns a valid row for login.
func base(login string) rec {
	a, _ := testHashes()
	return rec{
		"login": login, "password_hash": a, "status": "active",
		"first_name": "Jan", "last_name": "Kowalski",
		"entity_id": "E1", "entity_name": "Szkoła Podstawowa nr 1", "entity_parent_id": "",
		"function": "pracownik", "scopes": "sio|wnioski",
	}
}

// with returns a copy of r with the given column=value pairs set.
func (r rec) with(kv ...string) rec {
	out := rec{}
	for k, v := range r {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// makeCSV writes a file with the full header and the rows.
func makeCSV(t testing.TB, rows ...rec) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	h := Header()
	if err := w.Write(h); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		line := make([]string, len(h))
		for i, c := range h {
			line[i] = r[c]
		}
		if err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	return b.String()
}

// replaceLine replaces the first old in line n (1-based) of data.
func replaceLine(data string, n int, old, new string) string {
	lines := strings.Split(data, "\n")
	lines[n-1] = strings.Replace(lines[n-1], old, new, 1)
	return strings.Join(lines, "\n")
}

func mustParse(t *testing.T, data string) *File {
	t.Helper()
	f, err := Parse(strings.NewReader(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// wantIssue is an expected issue: line, column and a fragment of the message.
type wantIssue struct {
	line   int
	column string
	text   string
}

func checkIssues(t *testing.T, kind string, got []Issue, want []wantIssue) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d, want %d:\n%s", kind, len(got), len(want), issuesText(got))
		return
	}
	for i, w := range want {
		g := got[i]
		if g.Line != w.line || g.Column != w.column || !strings.Contains(g.Message, w.text) {
			t.Errorf("%s[%d] = %s; want line %d, column %q, message containing %q", kind, i, g, w.line, w.column, w.text)
		}
	}
}

func issuesText(is []Issue) string {
	var b strings.Builder
	for _, i := range is {
		b.WriteString("  " + i.String() + "\n")
	}
	return b.String()
}

func TestParseErrors(t *testing.T) {
	good := makeCSV(t, base("JANKOW1"))
	header := strings.SplitN(good, "\n", 2)[0]
	row := strings.SplitN(good, "\n", 3)[1]
	cases := []struct {
		name string
		data string
		want []wantIssue
	}{
		{"empty file", "", []wantIssue{{1, "", "brak wiersza nagłówka"}}},
		{"unknown column", strings.Replace(header, "phone", "telefon", 1) + "\n" + row + "\n",
			[]wantIssue{{1, "telefon", "nieznana kolumna"}}},
		{"missing required column", "login,first_name,last_name,entity_id,entity_name,function\nA,Jan,Kowalski,E1,Szkoła,pracownik\n",
			[]wantIssue{{1, "status", "brak wymaganej kolumny"}}},
		{"column twice", header + ",login\n" + row + ",B\n", []wantIssue{{1, "login", "więcej niż raz"}}},
		{"bare quote", replaceLine(makeCSV(t, base("A"), base("B"), base("C")), 3, "Jan", `Ja"n`),
			[]wantIssue{{3, "first_name", "cudzysłów"}}},
		{"unterminated quote reports earlier rows too",
			makeCSV(t, base("A").with("status", "bogus"), base("B")) + `C,"x,active` + "\n",
			[]wantIssue{{2, "status", "niepoprawny status"}, {4, "password_hash", "niedomknięty"}}},
		{"invalid UTF-8", makeCSV(t, base("A").with("last_name", "Kowalsk\xffi")),
			[]wantIssue{{2, "last_name", "UTF-8"}}},
		{"wrong field count", good + "B,x\n", []wantIssue{{3, "status", "wiersz ma 2 pól"}}},
		{"missing required value", makeCSV(t, base("A").with("entity_name", "")),
			[]wantIssue{{2, "entity_name", "brak wymaganej wartości"}}},
		{"bad login", makeCSV(t, base("jan kowalski")), []wantIssue{{2, "login", "niepoprawny login"}}},
		{"login too long", makeCSV(t, base(strings.Repeat("A", 65))), []wantIssue{{2, "login", "niepoprawny login"}}},
		{"duplicate login names both lines", makeCSV(t, base("JANKOW1"), base("X"), base("JANKOW1")),
			[]wantIssue{{4, "login", "występuje już w wierszu 2"}}},
		{"bad status", makeCSV(t, base("A").with("status", "aktywny")), []wantIssue{{2, "status", "niepoprawny status"}}},
		{"bad function", makeCSV(t, base("A").with("function", "dyrektor")), []wantIssue{{2, "function", "niepoprawna funkcja"}}},
		{"unknown hash format", makeCSV(t, base("A").with("password_hash", "md5$abc$def")),
			[]wantIssue{{2, "password_hash", "skrót hasła"}}},
		{"malformed bcrypt", makeCSV(t, base("A").with("password_hash", "$2b$10$tooshort")),
			[]wantIssue{{2, "password_hash", "skrót hasła"}}},
		{"bad valid_to", makeCSV(t, base("A").with("valid_to", "2025-02-29")), []wantIssue{{2, "valid_to", "RRRR-MM-DD"}}},
		{"bad accepted_at", makeCSV(t, base("A").with("accepted_at", "2024-05-17 10:30")), []wantIssue{{2, "accepted_at", "RFC 3339"}}},
		{"bad last_login_at", makeCSV(t, base("A").with("last_login_at", "wczoraj")), []wantIssue{{2, "last_login_at", "RFC 3339"}}},
		{"every problem of a row and of the file", makeCSV(t,
			base("A").with("status", "x", "function", "y"),
			base("B"),
			base("C").with("valid_to", "2024-13-01")),
			[]wantIssue{{2, "status", "status"}, {2, "function", "funkcja"}, {4, "valid_to", "data"}}},
		{"multi-line quoted field keeps line numbers", makeCSV(t, base("A").with("entity_name", "Szkoła\nnr 1"), base("B").with("status", "x")),
			[]wantIssue{{4, "status", "status"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, tc.data)
			checkIssues(t, "errors", f.Errors, tc.want)
		})
	}
}

func TestParseWarnings(t *testing.T) {
	cases := []struct {
		name  string
		rows  []rec
		want  []wantIssue
		check func(t *testing.T, f *File)
	}{
		{"invalid PESEL is dropped", []rec{base("A").with("pesel", "12345678901")},
			[]wantIssue{{2, "pesel", "niepoprawny PESEL"}},
			func(t *testing.T, f *File) {
				if f.Rows[0].PESEL != "" || f.Rows[0].PersonKey != "login:A" {
					t.Errorf("row = PESEL %q key %q; want PESEL dropped, key login:A", f.Rows[0].PESEL, f.Rows[0].PersonKey)
				}
			}},
		{"invalid e-mail is dropped", []rec{base("A").with("email", "jan@@szkola")},
			[]wantIssue{{2, "email", "niepoprawny adres e-mail"}},
			func(t *testing.T, f *File) {
				if f.Rows[0].Email != "" {
					t.Errorf("Email = %q; want dropped", f.Rows[0].Email)
				}
			}},
		{"e-mail with a display name is not a plain address", []rec{base("A").with("email", "Jan <jan@szkola.pl>")},
			[]wantIssue{{2, "email", "e-mail"}}, nil},
		{"case twins", []rec{base("JanKow1"), base("X"), base("JANKOW1")},
			[]wantIssue{{4, "login", "JanKow1 z wiersza 2 tylko wielkością liter"}}, nil},
		{"two active heads of one entity", []rec{
			base("A").with("function", "kierownik"),
			base("B").with("function", "kierownik", "status", "inactive"),
			base("C").with("function", "kierownik", "valid_to", "2001-01-01"),
			base("D").with("function", "kierownik")},
			[]wantIssue{{5, "function", "aktywnego kierownika (wiersz 2)"}}, nil},
		{"same PESEL under two last names", []rec{
			base("A").with("pesel", "44051401359", "last_name", "Kowalska"),
			base("B").with("pesel", "44051401359", "last_name", "Nowak-Kowalska")},
			[]wantIssue{{3, "pesel", "ten sam PESEL co w wierszu 2"}},
			func(t *testing.T, f *File) {
				if f.Rows[0].PersonKey != "pesel:44051401359" || f.Rows[1].PersonKey != f.Rows[0].PersonKey {
					t.Errorf("keys %q, %q; want both pesel:44051401359", f.Rows[0].PersonKey, f.Rows[1].PersonKey)
				}
			}},
		{"same PESEL, names differing only in case and diacritics", []rec{
			base("A").with("pesel", "44051401359", "first_name", "Łukasz", "last_name", "Wójcik"),
			base("B").with("pesel", "44051401359", "first_name", "LUKASZ", "last_name", " wojcik ")},
			nil, nil},
		{"entity described differently", []rec{base("A"), base("B").with("entity_name", "SP 1")},
			[]wantIssue{{3, "entity_name", "inną nazwę"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, makeCSV(t, tc.rows...))
			checkIssues(t, "errors", f.Errors, nil)
			checkIssues(t, "warnings", f.Warnings, tc.want)
			if len(f.Rows) != len(tc.rows) {
				t.Fatalf("got %d rows, want %d (warnings must not drop rows)", len(f.Rows), len(tc.rows))
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func TestParseGrouping(t *testing.T) {
	cases := []struct {
		name string
		rows []rec
		keys []string
	}{
		{"by PESEL", []rec{
			base("A").with("pesel", "02070803628", "email", "a@x.pl"),
			base("B").with("pesel", "02070803628", "email", "b@y.pl")},
			[]string{"pesel:02070803628", "pesel:02070803628"}},
		{"by e-mail and name, ignoring case and diacritics", []rec{
			base("A").with("email", "Anna.Nowak@Szkola.PL", "first_name", "Żaneta", "last_name", "Nowak-Kowalska"),
			base("B").with("email", " anna.nowak@szkola.pl ", "first_name", "zaneta", "last_name", "NOWAK-KOWALSKA")},
			[]string{"email:anna.nowak@szkola.pl|zaneta nowak-kowalska", "email:anna.nowak@szkola.pl|zaneta nowak-kowalska"}},
		{"same e-mail, other name: two persons", []rec{
			base("A").with("email", "sekretariat@sp1.pl", "first_name", "Anna"),
			base("B").with("email", "sekretariat@sp1.pl", "first_name", "Ewa")},
			[]string{"email:sekretariat@sp1.pl|anna kowalski", "email:sekretariat@sp1.pl|ewa kowalski"}},
		{"invalid PESEL treated as absent", []rec{
			base("A").with("pesel", "02070803629", "email", "jan@x.pl"),
			base("B").with("pesel", "0207080362")},
			[]string{"email:jan@x.pl|jan kowalski", "login:B"}},
		{"lone logins", []rec{base("A"), base("B")}, []string{"login:A", "login:B"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, makeCSV(t, tc.rows...))
			checkIssues(t, "errors", f.Errors, nil)
			for i, want := range tc.keys {
				if got := f.Rows[i].PersonKey; got != want {
					t.Errorf("row %d key = %q, want %q", i, got, want)
				}
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	_, bc := testHashes()
	data := "\uFEFFFunction, LOGIN ,status,first_name,last_name,entity_id,entity_name,entity_parent_id,scopes,valid_to,accepted_at,last_login_at,password_hash,pesel\n" +
		"kierownik,Jan.Kow-5,inactive,Jan,Kowalski,123,SP 1,G1,wnioski| sio|sio|,2027-08-31,2024-05-17T10:30:00+02:00,2025-01-02T03:04:05Z," + bc + ",44051401359\n"
	f := mustParse(t, data)
	checkIssues(t, "errors", f.Errors, nil)
	checkIssues(t, "warnings", f.Warnings, nil)
	if len(f.Rows) != 1 {
		t.Fatalf("rows = %d, want 1", len(f.Rows))
	}
	r := f.Rows[0]
	want := Row{
		Line: 2, Login: "Jan.Kow-5", PasswordHash: bc, Status: jedenlogin.LoginInactive,
		FirstName: "Jan", LastName: "Kowalski", PESEL: "44051401359",
		EntityID: "123", EntityName: "SP 1", EntityParentID: "G1", Function: jedenlogin.FunctionHead,
		ValidTo:     time.Date(2027, 8, 31, 0, 0, 0, 0, time.UTC),
		AcceptedAt:  time.Date(2024, 5, 17, 8, 30, 0, 0, time.UTC),
		LastLoginAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		PersonKey:   "pesel:44051401359",
	}
	gotScopes := strings.Join(r.Scopes, ",")
	r.Scopes = nil
	if !reflect.DeepEqual(r, want) {
		t.Errorf("row =\n%+v\nwant\n%+v", r, want)
	}
	if gotScopes != "sio,wnioski" {
		t.Errorf("scopes = %q, want sio,wnioski", gotScopes)
	}
}

func TestIssueString(t *testing.T) {
	is := Issue{Line: 17, Column: "status", Message: "niepoprawny status"}
	if got, want := is.String(), "wiersz 17, kolumna status: niepoprawny status"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
