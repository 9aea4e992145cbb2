package demo_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/demo"
	"jedenlogin/legacy"
	"jedenlogin/password"
	"jedenlogin/store/sqlstore"
)

func openStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), sqlstore.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var now = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

func TestCSVIsCleanLegacyFile(t *testing.T) {
	h := &password.Hasher{Params: password.CheapParams}
	data, err := demo.CSV(h, now)
	if err != nil {
		t.Fatal(err)
	}
	f, err := legacy.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.Errors {
		t.Errorf("error: %v", e)
	}
	for _, w := range f.Warnings {
		t.Errorf("warning: %v", w)
	}
	if len(f.Rows) < 14 {
		t.Errorf("%d rows, want every demo login", len(f.Rows))
	}
}

func TestBuild(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	h := &password.Hasher{Params: password.CheapParams}
	creds, err := demo.Build(ctx, st, h, now)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("every case has a person, as stored", func(t *testing.T) {
		seen := map[jedenlogin.Case]int{}
		for _, p := range creds.Persons {
			rec, err := st.Person(ctx, p.PersonID)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Person.Case != p.Case {
				t.Errorf("%s: stored case %s, credentials say %s", p.Key, rec.Person.Case, p.Case)
			}
			seen[p.Case]++
		}
		for _, c := range jedenlogin.Cases {
			if seen[c] == 0 {
				t.Errorf("no demo person in case %s", c)
			}
		}
		if seen[jedenlogin.CaseChooseUppercase] < 2 || seen[jedenlogin.CaseGenerate] < 2 {
			t.Errorf("cases %v: want choose_uppercase and generate with one and with two logins", seen)
		}
	})

	t.Run("passwords open their logins", func(t *testing.T) {
		for _, p := range creds.Persons {
			for _, l := range p.Logins {
				got, err := st.LoginByName(ctx, l.Name)
				if err != nil {
					t.Fatalf("%s: %v", l.Name, err)
				}
				if (got.State == jedenlogin.LoginActive) != l.Active {
					t.Errorf("%s: state %s, credentials say active=%v", l.Name, got.State, l.Active)
				}
				if ok, err := h.Verify(got.PasswordHash, l.Password); err != nil || !ok {
					t.Errorf("%s: password %q does not verify (%v)", l.Name, l.Password, err)
				}
				if ok, _ := h.Verify(got.PasswordHash, l.Password+"x"); ok {
					t.Errorf("%s: a wrong password verifies", l.Name)
				}
				wantPrefix := map[string]string{"argon2id": "$argon2id$", "bcrypt": "$2"}[l.HashKind]
				if !strings.HasPrefix(got.PasswordHash, wantPrefix) {
					t.Errorf("%s: hash kind %s but stored hash starts %.10q", l.Name, l.HashKind, got.PasswordHash)
				}
			}
		}
	})

	t.Run("persons with a PESEL are grouped by it, the one without by e-mail", func(t *testing.T) {
		for _, p := range creds.Persons {
			want := jedenlogin.GroupedByPESEL
			if p.Key == demo.Generate2 {
				want = jedenlogin.GroupedByEmail
			}
			if p.Grouping != want {
				t.Errorf("%s grouped by %s, want %s", p.Key, p.Grouping, want)
			}
		}
	})

	t.Run("choices and generated logins", func(t *testing.T) {
		tests := []struct {
			key        string
			candidates string
			generated  string
		}{
			{demo.Choose, "MDABROWSKA MDABROWSKA2", ""},
			{demo.ChooseUppercase1, "GZOLKIEWSKI", ""},
			{demo.ChooseUppercase2, "BLUKASIK BLUKASIK2", ""},
			{demo.Generate1, "", "JEDWOJ1"},
			{demo.Generate2, "", "AGNNOW1"},
			{demo.Unchanged, "", ""},
		}
		for _, tt := range tests {
			p := creds.Person(tt.key)
			if got := strings.Join(p.Candidates, " "); got != tt.candidates {
				t.Errorf("%s candidates = %q, want %q", tt.key, got, tt.candidates)
			}
			if p.GeneratedLogin != tt.generated {
				t.Errorf("%s generated = %q, want %q", tt.key, p.GeneratedLogin, tt.generated)
			}
		}
	})

	t.Run("grants: one expired, one expiring within 3 months, inactive ones not listed", func(t *testing.T) {
		var expired, expiring int
		for _, p := range creds.Persons {
			for _, g := range p.Grants {
				if !g.Valid {
					expired++
					if !g.ValidTo.Before(now) {
						t.Errorf("%s: expired grant valid to %v", p.Key, g.ValidTo)
					}
				}
				if g.Expiring {
					expiring++
					if g.ValidTo.After(now.AddDate(0, 3, 0)) || g.ValidTo.Before(now) {
						t.Errorf("%s: expiring grant valid to %v", p.Key, g.ValidTo)
					}
				}
			}
		}
		if expired == 0 || expiring == 0 {
			t.Errorf("expired %d, expiring %d: want both", expired, expiring)
		}
		if n := len(creds.Person(demo.Choose).Grants); n != 2 {
			t.Errorf("choose person lists %d grants, want 2 (the inactive login's grant does not move)", n)
		}
		if n := len(creds.Person(demo.NoActiveLogin).Grants); n != 0 {
			t.Errorf("no_active_login person lists %d grants", n)
		}
	})

	t.Run("operator", func(t *testing.T) {
		p := creds.Person(demo.Operator)
		rec, err := st.Person(ctx, p.PersonID)
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Person.Operator || !p.Operator {
			t.Errorf("operator person not marked: stored %v, credentials %v", rec.Person.Operator, p.Operator)
		}
		if rec.Person.State != jedenlogin.StateDone {
			t.Errorf("operator state %s, want done (unchanged at import)", rec.Person.State)
		}
		for _, other := range creds.Persons {
			if other.Key != demo.Operator && other.Operator {
				t.Errorf("%s marked operator", other.Key)
			}
		}
	})

	t.Run("print lists every login with its password", func(t *testing.T) {
		var buf bytes.Buffer
		if err := creds.Print(&buf); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, p := range creds.Persons {
			for _, want := range append([]string{p.Name, p.Expect, p.ExpectEN, p.GeneratedLogin}, loginsAndPasswords(p)...) {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			// What recovery asks for, so it can be tried.
			if p.PESEL != "" && !strings.Contains(out, "PESEL "+p.PESEL) {
				t.Errorf("output lacks the PESEL of %s", p.Name)
			}
			for _, l := range p.Logins {
				if l.Email != "" && !strings.Contains(out, l.Email) {
					t.Errorf("output lacks the e-mail of %s (%q)", l.Name, l.Email)
				}
			}
		}
	})

	t.Run("refuses a database that is not empty", func(t *testing.T) {
		_, err := demo.Build(ctx, st, h, now)
		if jedenlogin.ErrorCode(err) != jedenlogin.EINVALID {
			t.Errorf("second Build: %v, want %s", err, jedenlogin.EINVALID)
		}
	})
}

func loginsAndPasswords(p demo.Person) []string {
	var out []string
	for _, l := range p.Logins {
		out = append(out, l.Name, l.Password)
	}
	return out
}
