package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
)

// The benchmark's legacy data: every login shares one password and one
// hash (hashing thousands of passwords with the OWASP parameters would
// take longer than the benchmark; verifying still costs a full argon2id
// computation per sign-in).
const (
	benchPassword = "Obciazenie-Test-Haslo"
	entityA       = "99001"
	entityB       = "99002"
)

var csvHeader = []string{"login", "password_hash", "status", "first_name", "second_name", "last_name",
	"pesel", "email", "phone", "entity_id", "entity_name", "entity_parent_id", "function", "scopes",
	"valid_to", "accepted_at", "last_login_at"}

func legacyRow(login, hash, first, last, email, entity string) []string {
	name := map[string]string{
		entityA: "Szkoła Podstawowa nr 1 w Obciążeniowie",
		entityB: "Przedszkole nr 2 w Obciążeniowie",
	}[entity]
	return []string{login, hash, "active", first, "", last, "", email, "", entity, name, "",
		"pracownik", "sio", "", "2024-09-01T10:00:00Z", ""}
}

func writeCSV(rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(csvHeader)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return buf.Bytes(), nil
}

// userLogin is the login of consolidated user i (case unchanged: one
// uppercase login each, standing alone).
func userLogin(i int) string { return fmt.Sprintf("LGUSER%05d", i) }

// usersCSV returns n consolidated users.
func usersCSV(n int, hash string) ([]byte, error) {
	rows := make([][]string, n)
	for i := range n {
		rows[i] = legacyRow(userLogin(i), hash, "Anna", "Testowa", "", entityA)
	}
	return writeCSV(rows)
}

// The persons of the confirm scenario: even ones in case choose (two
// uppercase logins, grouped by e-mail and name), odd ones in case generate
// (one lowercase login; all named Jan Kowalski, so their generated logins
// are JANKOW1, JANKOW2, …).
func chooseLogins(i int) (signIn, choose string) {
	return fmt.Sprintf("CHA%05d", i), fmt.Sprintf("CHB%05d", i)
}

func generateLogin(i int) string { return fmt.Sprintf("gen%05d", i) }

func personsCSV(n int, hash string) ([]byte, error) {
	var rows [][]string
	for i := range n {
		if i%2 == 0 {
			a, b := chooseLogins(i)
			email := fmt.Sprintf("osoba%05d@loadgen.example", i)
			rows = append(rows,
				legacyRow(a, hash, "Maria", "Wybierająca", email, entityA),
				legacyRow(b, hash, "Maria", "Wybierająca", email, entityB))
		} else {
			rows = append(rows, legacyRow(generateLogin(i), hash, "Jan", "Kowalski", "", entityA))
		}
	}
	return writeCSV(rows)
}
