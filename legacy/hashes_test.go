package legacy

import (
	"strings"
	"testing"
)

// foreignHashes are one hash of each Django and OpenLDAP form, copied from
// password/vectors_django_test.go (made by Django 3.2, slappasswd 2.5 and
// argon2-cffi: scripts/make-hash-vectors).
var foreignHashes = []string{
	"argon2$argon2id$v=19$m=256,t=1,p=2$b1I2Z1FXZHo0YmlWZ1NYVGRCcUdKMw$vv7v86/qQTHS89AtSlAjrg",
	"argon2$argon2i$v=19$m=512,t=2,p=2$dmpkZXJJUzh2VmJ1ZmtpZUR1STU5NQ$jYUoJdpVxe9B8u2V8yGDTg",
	"bcrypt$$2b$05$BpEZG0KqAza428GQjMBNnuKbiWKK/2R83UARY9q9IGhv4ZUDs9tfW",
	"bcrypt_sha256$$2b$05$5cY2nmddi18zeOtEKxTegeFynhxDxyaVm3JKNfjKvGh5f34vv/Xcy",
	"{ARGON2}$argon2i$v=19$m=4096,t=3,p=1$9I3yOBVgRgp2sk3o73cEeQ$P/QQ4tWVQKmxs+SwdE8D5jwgM8G5FvKyCDIlpf8UY2o",
	"{ARGON2}$argon2id$v=19$m=128,t=1,p=1$+6L1vwwXHLGJzHeB0AokZQ$9EN56Y8WscUZT2JJLOrPUccoPKLc1vSmxW1t3MVFxP0",
}

// TestParseForeignHashes: a file holding the hashes real Django and
// OpenLDAP systems write is accepted with every hash kept as it was; a
// broken one is an error of its line that says what is wrong.
func TestParseForeignHashes(t *testing.T) {
	var rows []rec
	for i, h := range foreignHashes {
		rows = append(rows, base("L"+string(rune('A'+i))).with("password_hash", h))
	}
	f := mustParse(t, makeCSV(t, rows...))
	checkIssues(t, "errors", f.Errors, nil)
	if len(f.Rows) != len(foreignHashes) {
		t.Fatalf("%d rows, want %d", len(f.Rows), len(foreignHashes))
	}
	for i, r := range f.Rows {
		if r.PasswordHash != foreignHashes[i] {
			t.Errorf("row %d: hash %q, want %q", i+2, r.PasswordHash, foreignHashes[i])
		}
	}

	bad := []struct{ hash, want string }{
		{strings.Replace(foreignHashes[0], "m=256", "m=4194304", 1), "django argon2id: memory m 4194304"},
		{strings.Replace(foreignHashes[3], "$05$", "$25$", 1), "django bcrypt_sha256: cost 25"},
		{"argon2$argon2d$v=19$m=256,t=1,p=2$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdA", `prefix "argon2$argon2d$"`},
		{"{ARGON2}$argon2i$v=19$m=4096,t=3,p=1$9I3y*BVgRgp2sk3o73cEeQ$P/QQ4tWVQKmxs+SwdE8D5jwgM8G5FvKyCDIlpf8UY2o", "salt is not valid base64"},
	}
	rows = rows[:0]
	var want []wantIssue
	for i, b := range bad {
		rows = append(rows, base("B"+string(rune('A'+i))).with("password_hash", b.hash))
		want = append(want, wantIssue{i + 2, "password_hash", b.want})
	}
	f = mustParse(t, makeCSV(t, rows...))
	checkIssues(t, "errors", f.Errors, want)
}
