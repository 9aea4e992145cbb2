package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/oidc"
	"jedenlogin/store/storetest"
)

// TestCLIClientsAndKeys: `client add|list|rotate-secret|remove` and
// `keys rotate` on a migrated database; the secret is the only line on
// stdout and only its hash is stored.
func TestCLIClientsAndKeys(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		dsn := b.NewDSN(t)
		st := storetest.Open(t, dsn)
		ctx := context.Background()
		code, out, errOut := cli(t, "client", "add", "--db", dsn, "--id", "sio-raporty", "--name", "Raporty SIO",
			"--redirect-uri", "https://raporty.example/cb", "--redirect-uri", "https://raporty.example/cb2",
			"--post-logout-redirect-uri", "https://raporty.example/", "--backchannel-logout-uri", "https://raporty.example/bcl")
		if code != 0 {
			t.Fatalf("client add: exit %d: %s", code, errOut)
		}
		secret := strings.TrimSuffix(out, "\n")
		if strings.Count(out, "\n") != 1 || len(secret) != 43 {
			t.Fatalf("client add printed %q, want the secret alone", out)
		}
		c, err := st.OIDCClient(ctx, "sio-raporty")
		if err != nil {
			t.Fatal(err)
		}
		if c.SecretHash != oidc.HashSecret(secret) || strings.Contains(c.SecretHash, secret) || c.Public || len(c.RedirectURIs) != 2 ||
			c.BackchannelLogoutURI != "https://raporty.example/bcl" || c.SigningAlg != jedenlogin.AlgES256 {
			t.Errorf("stored client %+v", c)
		}
		if code, out, _ := cli(t, "client", "add", "--db", dsn, "--id", "spa", "--name", "SPA", "--public", "--redirect-uri", "https://spa.example/cb"); code != 0 || out != "" {
			t.Errorf("public client add: exit %d, stdout %q", code, out)
		}
		for _, bad := range [][]string{
			{"--id", "sio-raporty", "--name", "X", "--redirect-uri", "https://x.example/cb"}, // exists
			{"--id", "x", "--name", "X"},                                                           // no redirect URI
			{"--id", "x", "--name", "X", "--redirect-uri", "/cb"},                                  // not absolute
			{"--id", "x", "--name", "X", "--redirect-uri", "https://x.example/cb#f"},               // fragment
			{"--id", "a b", "--name", "X", "--redirect-uri", "https://x.example/cb"},               // bad id
			{"--id", "x", "--name", "X", "--redirect-uri", "https://x.example/", "--alg", "HS256"}, // bad alg
		} {
			if code, out, _ := cli(t, append([]string{"client", "add", "--db", dsn}, bad...)...); code == 0 || out != "" {
				t.Errorf("client add %v: exit %d, stdout %q", bad, code, out)
			}
		}
		code, out, _ = cli(t, "client", "list", "--db", dsn)
		if code != 0 || !strings.Contains(out, "sio-raporty") || !strings.Contains(out, "Raporty SIO") || !strings.Contains(out, "public") || strings.Contains(out, secret) {
			t.Errorf("client list: exit %d:\n%s", code, out)
		}
		code, out, _ = cli(t, "client", "rotate-secret", "--db", dsn, "sio-raporty")
		if code != 0 || strings.TrimSpace(out) == secret || len(strings.TrimSpace(out)) != 43 {
			t.Errorf("rotate-secret: exit %d, %q", code, out)
		}
		if c, _ := st.OIDCClient(ctx, "sio-raporty"); c.SecretHash != oidc.HashSecret(strings.TrimSpace(out)) {
			t.Error("rotate-secret did not store the new secret's hash")
		}
		if code, _, _ := cli(t, "client", "rotate-secret", "--db", dsn, "spa"); code != 1 {
			t.Errorf("rotate-secret of a public client: exit %d", code)
		}
		if code, _, _ := cli(t, "client", "remove", "--db", dsn, "spa"); code != 0 {
			t.Errorf("client remove: exit %d", code)
		}
		if code, _, _ := cli(t, "client", "remove", "--db", dsn, "spa"); code != 1 {
			t.Errorf("client remove twice: exit %d", code)
		}
		if evs, _ := st.Audit(ctx, jedenlogin.AuditFilter{Action: jedenlogin.AuditOIDCClient}); len(evs) != 4 {
			t.Errorf("%d client audit events, want 4", len(evs))
		}

		for _, alg := range []string{"ES256", "ES256", "RS256"} {
			if code, out, errOut := cli(t, "keys", "rotate", "--db", dsn, "--alg", alg); code != 0 || !strings.Contains(out, alg) {
				t.Fatalf("keys rotate %s: exit %d: %s %s", alg, code, out, errOut)
			}
		}
		ks, err := st.OIDCKeys(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		signing, retiring := 0, 0
		for _, k := range ks {
			if k.RetireAt == nil {
				signing++
			} else if k.RetireAt.After(time.Now().Add(oidc.DefaultIDTokenLifetime)) {
				retiring++
			}
		}
		if len(ks) != 3 || signing != 2 || retiring != 1 {
			t.Errorf("after rotations: %d keys, %d signing, %d retiring later than the ID tokens live", len(ks), signing, retiring)
		}
		if code, _, _ := cli(t, "keys", "rotate", "--db", dsn, "--alg", "HS256"); code != 2 {
			t.Errorf("keys rotate --alg HS256: exit %d", code)
		}
	})
}
