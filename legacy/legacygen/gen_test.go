package legacygen_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/legacy/legacygen"
	"jedenlogin/password"
)

func generate(t *testing.T, rows int, seed uint64) ([]byte, *legacygen.Stats) {
	t.Helper()
	var b bytes.Buffer
	st, err := legacygen.Generate(&b, legacygen.Options{Rows: rows, Seed: seed})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return b.Bytes(), st
}

func TestDeterministic(t *testing.T) {
	a, _ := generate(t, 300, 7)
	b, _ := generate(t, 300, 7)
	c, _ := generate(t, 300, 8)
	if sha256.Sum256(a) != sha256.Sum256(b) {
		t.Error("two files of seed 7 differ")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 7 and 8 gave the same file")
	}
}

func TestGeneratedFileImportsCleanly(t *testing.T) {
	data, st := generate(t, 5000, 1)
	f, err := legacy.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Errors) != 0 {
		t.Fatalf("generated file has %d errors, first: %s", len(f.Errors), f.Errors[0])
	}
	if len(f.Rows) != 5000 || st.Rows != 5000 {
		t.Errorf("rows: parsed %d, stats %d, want 5000", len(f.Rows), st.Rows)
	}
	if st.Persons < 2000 || st.Persons > 3000 {
		t.Errorf("persons = %d, want about half the rows", st.Persons)
	}
	for _, c := range jedenlogin.Cases {
		if st.Cases[c] == 0 {
			t.Errorf("no person of case %s", c)
		}
	}

	// A small share of warnings, of every kind the generator plants.
	if n := len(f.Warnings); n == 0 || n > 5000/20 {
		t.Errorf("%d warnings for 5000 rows, want a few", n)
	}
	kinds := map[string]string{
		"pesel":    "PESEL",
		"email":    "e-mail",
		"login":    "wielkością liter",
		"function": "kierownika",
	}
	for col, text := range kinds {
		found := false
		for _, w := range f.Warnings {
			if w.Column == col && strings.Contains(w.Message, text) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no warning in column %s about %q", col, text)
		}
	}

	// Every hash format of SPEC §4, some rows without a hash, grouping of
	// every kind, diacritics and entities with parents.
	prefixes := []string{"$argon2id$", "$argon2i$", "$2a$", "$2b$", "$2y$", "pbkdf2_sha256$", "$pbkdf2-sha256$", "$pbkdf2-sha512$", "{SSHA}", "{SSHA256}", "{SSHA512}"}
	seen := map[string]int{}
	empty, parents := 0, 0
	keys := map[string]int{}
	for _, r := range f.Rows {
		if r.PasswordHash == "" {
			empty++
		}
		for _, p := range prefixes {
			if strings.HasPrefix(r.PasswordHash, p) {
				seen[p]++
			}
		}
		if r.EntityParentID != "" {
			parents++
		}
		k, _, _ := strings.Cut(r.PersonKey, ":")
		keys[k]++
	}
	for _, p := range prefixes {
		if seen[p] == 0 {
			t.Errorf("no hash of format %s", p)
		}
	}
	if empty == 0 || parents == 0 {
		t.Errorf("rows without hash %d, with a parent entity %d; want some of each", empty, parents)
	}
	for _, k := range []string{"pesel", "email", "login"} {
		if keys[k] == 0 {
			t.Errorf("no login grouped by %s", k)
		}
	}
	if !bytes.ContainsAny(data, "ŁŻżłąęśćńó") {
		t.Error("no Polish diacritics in the file")
	}
}

func TestHashesAreOfPassword(t *testing.T) {
	data, _ := generate(t, 2000, 3)
	f, err := legacy.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := &password.Hasher{Params: password.CheapParams}
	checked := map[string]bool{}
	for _, r := range f.Rows {
		if r.PasswordHash == "" {
			continue
		}
		scheme := r.PasswordHash[:min(8, len(r.PasswordHash))]
		if checked[scheme] {
			continue
		}
		checked[scheme] = true
		ok, err := h.Verify(r.PasswordHash, legacygen.Password)
		if err != nil || !ok {
			t.Errorf("hash %s… does not verify %q: %v", scheme, legacygen.Password, err)
		}
		if ok, _ := h.Verify(r.PasswordHash, "wrong"); ok {
			t.Errorf("hash %s… verifies a wrong password", scheme)
		}
	}
}
