package loadtest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
)

// The legacy data: every login shares one password and one hash (hashing
// thousands of passwords with the OWASP parameters would take longer than
// a benchmark; verifying still costs a full argon2id computation per
// sign-in).
const (
	Password = "Obciazenie-Test-Haslo"
	EntityA  = "99001"
	EntityB  = "99002"
)

// Header is the column order of the files written here (SPEC §4).
var Header = []string{"login", "password_hash", "status", "first_name", "second_name", "last_name",
	"pesel", "email", "phone", "entity_id", "entity_name", "entity_parent_id", "function", "scopes",
	"valid_to", "accepted_at", "last_login_at"}

// Row is an active login of a pracownik of entity with scope sio, accepted
// on 2024-09-01.
func Row(login, hash, first, last, pesel, email, entity string) []string {
	name := map[string]string{
		EntityA: "Szkoła Podstawowa nr 1 w Obciążeniowie",
		EntityB: "Przedszkole nr 2 w Obciążeniowie",
	}[entity]
	return []string{login, hash, "active", first, "", last, pesel, email, "", entity, name, "",
		"pracownik", "sio", "", "2024-09-01T10:00:00Z", ""}
}

// WriteCSV returns rows as a legacy file with its header.
func WriteCSV(rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(Header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return buf.Bytes(), nil
}

// UserLogin is the login of consolidated user i (case unchanged: one
// uppercase login each).
func UserLogin(i int) string { return fmt.Sprintf("LGUSER%05d", i) }

// UsersCSV returns n consolidated users of entity A, standing alone.
func UsersCSV(n int, hash string) ([]byte, error) {
	rows := make([][]string, n)
	for i := range n {
		rows[i] = Row(UserLogin(i), hash, "Anna", "Testowa", "", "", EntityA)
	}
	return WriteCSV(rows)
}

// UserPESEL is the PESEL of user i of UsersWithDataCSV: born 1980-01-01,
// serial i, with its check digit.
func UserPESEL(i int) string {
	p := fmt.Sprintf("800101%04d", i%10000)
	w := [...]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for k := range w {
		sum += int(p[k]-'0') * w[k]
	}
	return p + fmt.Sprint((10-sum%10)%10)
}

// UserEmail is the e-mail address of user i of UsersWithDataCSV.
func UserEmail(i int) string { return fmt.Sprintf("uzytkownik%05d@loadgen.example", i) }

// UsersWithDataCSV returns n (at most 10,000) consolidated users of
// entity A as UsersCSV (all named Anna Testowa), each with a PESEL and an
// e-mail address of their own, so recovery requests can match them.
func UsersWithDataCSV(n int, hash string) ([]byte, error) {
	if n > 10000 {
		return nil, fmt.Errorf("at most 10,000 users with a PESEL, not %d", n)
	}
	rows := make([][]string, n)
	for i := range n {
		rows[i] = Row(UserLogin(i), hash, "Anna", "Testowa", UserPESEL(i), UserEmail(i), EntityA)
	}
	return WriteCSV(rows)
}

// ChooseLogins are the two uppercase logins of person i of PersonsCSV
// (i even, case choose): signIn is the one the person signs in with,
// choose the one they confirm.
func ChooseLogins(i int) (signIn, choose string) {
	return fmt.Sprintf("CHA%05d", i), fmt.Sprintf("CHB%05d", i)
}

// GenerateLogin is the one lowercase login of person i of PersonsCSV (i
// odd, case generate).
func GenerateLogin(i int) string { return fmt.Sprintf("gen%05d", i) }

// PersonsCSV returns persons from to from+n-1 of the confirmation
// scenarios: even ones in case choose (two uppercase logins, of entities
// A and B, grouped by e-mail and name), odd ones in case generate (one
// lowercase login of entity A; all named Jan Kowalski, so their generated
// logins are JANKOW1, JANKOW2, …). Files of disjoint ranges import one
// after another.
func PersonsCSV(from, n int, hash string) ([]byte, error) {
	var rows [][]string
	for i := from; i < from+n; i++ {
		if i%2 == 0 {
			a, b := ChooseLogins(i)
			email := fmt.Sprintf("osoba%05d@loadgen.example", i)
			rows = append(rows,
				Row(a, hash, "Maria", "Wybierająca", "", email, EntityA),
				Row(b, hash, "Maria", "Wybierająca", "", email, EntityB))
		} else {
			rows = append(rows, Row(GenerateLogin(i), hash, "Jan", "Kowalski", "", "", EntityA))
		}
	}
	return WriteCSV(rows)
}

// ConfirmPerson signs person i of PersonsCSV in and confirms their one
// login: a choose person picks the other login than the one signed in
// with, a generate person confirms the reserved login with the current
// password. It returns the login confirmed.
func ConfirmPerson(ctx context.Context, c *Client, i int) (string, error) {
	login, want := GenerateLogin(i), ""
	if i%2 == 0 {
		login, want = ChooseLogins(i)
	}
	cookie, body, err := c.SignIn(ctx, login, Password)
	if err != nil {
		return "", fmt.Errorf("sign in %s: %w", login, err)
	}
	var s struct {
		Required      bool `json:"consolidation_required"`
		Consolidation struct {
			Generated *string `json:"generated_login"`
		} `json:"consolidation"`
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return "", fmt.Errorf("sign-in answer of %s: %w", login, err)
	}
	if !s.Required {
		return "", fmt.Errorf("%s: consolidation not required: %s", login, body)
	}
	if want == "" {
		if s.Consolidation.Generated == nil || *s.Consolidation.Generated == "" {
			return "", fmt.Errorf("%s: no generated login offered: %s", login, body)
		}
		want = *s.Consolidation.Generated
	}
	req, _ := json.Marshal(map[string]string{"login": want, "password": Password})
	body, _, err = c.Do(ctx, http.MethodPost, "/api/v1/consolidation/confirm", cookie, req)
	if err != nil {
		return "", fmt.Errorf("confirm %s as %s: %w", login, want, err)
	}
	var m struct {
		Login string `json:"login"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.Login != want {
		return "", fmt.Errorf("confirm %s: answer %s, want login %s", login, body, want)
	}
	return want, nil
}
