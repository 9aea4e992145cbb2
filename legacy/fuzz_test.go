package legacy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"jedenlogin"
	"jedenlogin/internal/termsafe"
	"jedenlogin/loginname"
	"jedenlogin/password"
	"jedenlogin/store/storetest"
)

// Fuzz targets of the legacy import (TESTING.md, "Fuzzing"): whatever the
// file holds, every row either comes out well formed or the file is refused
// with errors naming line and column — never a panic, and never half a
// file in the database.

// Hashes of "Haslo123!" fixed here, so that the seeds do not change from
// run to run.
const (
	fuzzArgon  = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0MTIzNA$bRQuGGxI47XCGoycLn6junJV+y61u4Ke2qbEVPieWqE"
	fuzzBcrypt = "$2b$04$99Cb0lD6P0Xcp/BLBizPNeDI1D.ZcRwJ2tkKTaQed5gAqJJMVX5ku"
)

// fuzzRow is a valid row, as base but with a fixed hash.
func fuzzRow(login string) rec { return base(login).with("password_hash", fuzzArgon) }

// fuzzSeeds are whole files: valid ones, each kind of error and warning,
// and the start of the sample file.
func fuzzSeeds(f *testing.F) []string {
	seeds := []string{
		makeCSV(f, fuzzRow("JANKOW1")),
		makeCSV(f, fuzzRow("JANKOW1"), fuzzRow("jankow1"), fuzzRow("JANKOW1")),
		makeCSV(f, fuzzRow("A").with("pesel", "44051401458", "email", "jan@szkola.pl", "password_hash", fuzzBcrypt),
			fuzzRow("B").with("pesel", "44051401458", "first_name", "Janusz"), fuzzRow("C").with("email", "JAN@szkola.pl")),
		makeCSV(f, fuzzRow("A").with("valid_to", "2027-02-29"), fuzzRow("B").with("accepted_at", "2024-05-17T10:30:00+02:00", "last_login_at", "wczoraj")),
		makeCSV(f, fuzzRow("A").with("status", "ACTIVE", "function", "Kierownik"), fuzzRow("B").with("function", "kierownik"), fuzzRow("C").with("status", "usuniety")),
		makeCSV(f, fuzzRow("A").with("first_name", "Jan\u202eNowak", "entity_id", "E\x1b1"), fuzzRow("B").with("scopes", "sio| |wnioski|sio", "phone", "600\r\n100")),
		makeCSV(f, fuzzRow("A").with("password_hash", "md5$abc"), fuzzRow("B").with("pesel", "00000000000", "email", "jan@localhost")),
		makeCSV(f, fuzzRow("Z.a_b-9").with("entity_parent_id", "E0", "second_name", "Maria"), fuzzRow("with space")),
		"\uFEFFLOGIN, Status ,first_name,last_name,entity_id,entity_name,function\nA,active,Jan,Nowak,E1,Szkoła,pracownik\n",
		"login,status\nA,active\n",
		"login,login\n",
		"",
		"login,password_hash\n\"a\"b,x\n",
		"login,status,first_name,last_name,entity_id,entity_name,function\r\nA,active,\"Jan\r\nMaria\",Nowak,E1,S,pracownik\r\n",
		"login,status,first_name,last_name,entity_id,entity_name,function\nA,active,Jan,Nowak,E1\nB,active,Jan,Nowak,E1,S,pracownik,extra\n",
		"login,status,first_name,last_name,entity_id,entity_name,function\nA,active,\xff,Nowak,E1,S,pracownik\n",
	}
	if sample, err := os.ReadFile("../testdata/legacy-sample.csv"); err == nil {
		lines := strings.SplitAfter(string(sample), "\n")
		seeds = append(seeds, strings.Join(lines[:min(len(lines), 12)], ""))
	}
	return seeds
}

// FuzzParse: Parse of any file reads it all (no error from an in-memory
// reader), gives the same answer twice, and every row it keeps is well
// formed (checkFile).
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFile(t, data)
	})
}

// FuzzParseRows: two fuzzed lines after the full header. Each line either
// gives a well-formed row or an error names its line.
func FuzzParseRows(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		lines := strings.Split(s, "\n")
		if len(lines) >= 3 && strings.HasPrefix(s, strings.Join(Header(), ",")) {
			f.Add(lines[1], lines[2])
		}
	}
	f.Add(`A,,active,Jan,,Nowak,,,,E1,S,,pracownik,,,,`, `"B",,inactive,"Jan ""J""",,Nowak,,,,E1,S,,pracownik,,,,`)
	header := strings.Join(Header(), ",")
	f.Fuzz(func(t *testing.T, row1, row2 string) {
		pf := checkFile(t, []byte(header+"\n"+row1+"\n"+row2+"\n"))
		if strings.ContainsAny(row1+row2, "\r\n\"") {
			// Quotes and line breaks may join the lines into one record, so
			// which line a row starts on is not known here.
			return
		}
		for line, row := range map[int]string{2: row1, 3: row2} {
			if row == "" {
				continue // an empty line is no record
			}
			kept := slices.ContainsFunc(pf.Rows, func(r Row) bool { return r.Line == line })
			refused := slices.ContainsFunc(pf.Errors, func(is Issue) bool { return is.Line == line })
			if kept == refused {
				t.Fatalf("line %d: kept %v, an error naming it %v; want exactly one\nrows %+v\nerrors %v", line, kept, refused, pf.Rows, pf.Errors)
			}
		}
	})
}

// checkFile parses data twice and checks the result; it returns it.
func checkFile(t *testing.T, data []byte) *File {
	t.Helper()
	pf, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Parse: %v (an in-memory file cannot fail to read)", err)
	}
	again, _ := Parse(bytes.NewReader(data))
	if !reflect.DeepEqual(pf, again) {
		t.Fatalf("Parse gave two answers for one file:\n%+v\n%+v", pf, again)
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for _, list := range [][]Issue{pf.Errors, pf.Warnings} {
		for _, is := range list {
			if is.Line < 1 || is.Line > lines || is.Message == "" {
				t.Fatalf("issue %+v: line outside 1..%d or no message", is, lines)
			}
			if is.Column != "" && columnByName(is.Column) < 0 && is.Line != 1 {
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
		checkRowWellFormed(t, r)
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
		if slices.ContainsFunc(pf.Errors, func(is Issue) bool { return is.Line == r.Line }) {
			t.Fatalf("row of line %d kept, and an error names that line: %v", r.Line, pf.Errors)
		}
	}
	return pf
}

// checkRowWellFormed checks everything a kept row promises.
func checkRowWellFormed(t *testing.T, r *Row) {
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
		if !utf8.ValidString(s) || hasUnsafe(s) || strings.TrimSpace(s) != s {
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

// FuzzImport: Import of any file into an empty database either imports
// every row Parse keeps, or — when Parse finds an error — returns those
// errors and leaves the database empty; importing the same file again
// writes nothing but its audit event.
func FuzzImport(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pf := checkFile(t, data)
		st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
		ctx := context.Background()
		sum, err := importer(st).Import(ctx, bytes.NewReader(data), int64(len(data)))
		if len(pf.Errors)+pf.ErrorsLeftOut > 0 {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Import = %v; Parse found errors %v", err, pf.Errors)
			}
			if !reflect.DeepEqual(ve.Errors, pf.Errors) || ve.ErrorsLeftOut != pf.ErrorsLeftOut {
				t.Fatalf("Import errors %v, Parse errors %v", ve.Errors, pf.Errors)
			}
			for table, n := range counts(t, st) {
				if n != 0 {
					t.Fatalf("%s has %d rows after a refused import", table, n)
				}
			}
			return
		}
		if err != nil {
			t.Fatalf("Import of a file Parse accepts: %v", err)
		}
		if sum.LoginsNew != len(pf.Rows) || sum.LoginsPresent != 0 {
			t.Fatalf("Import wrote %d logins (%d present); Parse kept %d rows", sum.LoginsNew, sum.LoginsPresent, len(pf.Rows))
		}
		before := counts(t, st)
		sum2, err := importer(st).Import(ctx, bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("second Import: %v", err)
		}
		after := counts(t, st)
		if sum2.LoginsNew != 0 || sum2.LoginsPresent != len(pf.Rows) {
			t.Fatalf("second Import wrote %d logins, found %d present; want 0 and %d", sum2.LoginsNew, sum2.LoginsPresent, len(pf.Rows))
		}
		for table, n := range before {
			want := n
			if table == "audit_events" {
				want++
			}
			if after[table] != want {
				t.Fatalf("second Import: %s went from %d to %d rows", table, n, after[table])
			}
		}
	})
}
