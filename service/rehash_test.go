package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"strings"
	"testing"

	"jedenlogin"
	"jedenlogin/legacy"
	"jedenlogin/password"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// Legacy hashes of a 100-byte password, made by Django 3.2 (copied from
// password/vectors_django_test.go, scripts/make-hash-vectors).
const (
	pw100             = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
	djangoBcrypt100   = "bcrypt$$2b$05$/4Yps2TF4Va2fv9L5O8iMenI4LFN4XnmAmvI.b6pKTBREiilsE4vm"
	djangoBcSHA256100 = "bcrypt_sha256$$2b$05$AhmL6mfkcAQ7Cxi6OmgCw.LKE8idCOFi8uguTb22B/EjutEWVUO5q"
)

// pw100Same72 shares the 72 bytes bcrypt reads with pw100.
var pw100Same72 = pw100[:72] + strings.Repeat("X", 28)

// TestSignInRehashEndsTruncation: an imported Django bcrypt hash of a
// 100-byte password lets in every password sharing its first 72 bytes —
// bcrypt's own behaviour, kept so that nobody is locked out — until the
// first sign-in rehashes what was typed with argon2id; from then on only
// the full password signs in. A bcrypt_sha256 hash never truncated.
func TestSignInRehashEndsTruncation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		st := storetest.Open(t, b.NewDSN(t))
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write([]string{"login", "password_hash", "status", "first_name", "last_name", "entity_id", "entity_name", "function"})
		w.Write([]string{"DJBC", djangoBcrypt100, "active", "Jan", "Bcrypt", "E1", "Szkoła", "pracownik"})
		w.Write([]string{"DJSHA", djangoBcSHA256100, "active", "Ewa", "Sha", "E2", "Przedszkole", "pracownik"})
		w.Flush()
		if _, err := (&legacy.Importer{Store: st}).Import(ctx, &buf, int64(buf.Len())); err != nil {
			t.Fatalf("import of Django hashes: %v", err)
		}
		svc, err := service.New(service.Config{Store: st, Hasher: &password.Hasher{Params: password.CheapParams},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close() })
		signIn := func(name, pw string) error {
			_, err := svc.Sessions.SignIn(ctx, jedenlogin.SignInRequest{Name: name, Password: pw, Addr: "192.0.2.1"})
			return err
		}
		hashOf := func(name string) string {
			l, err := st.LoginByName(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			return l.PasswordHash
		}

		// bcrypt_sha256 reads the whole password: the 72-byte twin fails
		// and nothing is rehashed by a failure.
		if err := signIn("DJSHA", pw100Same72); jedenlogin.ErrorCode(err) != "invalid_credentials" {
			t.Errorf("DJSHA with a password sharing 72 bytes: %v, want invalid_credentials", err)
		}
		if err := signIn("DJSHA", pw100); err != nil {
			t.Fatalf("DJSHA with its password: %v", err)
		}
		if h := hashOf("DJSHA"); !strings.HasPrefix(h, "$argon2id$") {
			t.Errorf("DJSHA's hash after sign-in: %q, want argon2id", h)
		}

		// bcrypt: the 72-byte twin signs in (bcrypt's behaviour), and what
		// was typed becomes the password.
		if err := signIn("DJBC", pw100Same72); err != nil {
			t.Fatalf("DJBC with a password sharing 72 bytes: %v (bcrypt reads 72 bytes: it must sign in)", err)
		}
		if h := hashOf("DJBC"); !strings.HasPrefix(h, "$argon2id$") {
			t.Fatalf("DJBC's hash after sign-in: %q, want argon2id", h)
		}
		if err := signIn("DJBC", pw100); jedenlogin.ErrorCode(err) != "invalid_credentials" {
			t.Errorf("DJBC with the other password after the rehash: %v, want invalid_credentials", err)
		}
		if err := signIn("DJBC", pw100Same72); err != nil {
			t.Errorf("DJBC with the password typed at the rehash: %v", err)
		}
		if err := signIn("DJBC", pw100Same72[:72]); jedenlogin.ErrorCode(err) != "invalid_credentials" {
			t.Errorf("DJBC with the first 72 bytes after the rehash: %v, want invalid_credentials", err)
		}
	})
}
