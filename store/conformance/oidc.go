package conformance

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"jedenlogin"
)

// runOIDCTests runs the OIDCStore part of the suite.
func runOIDCTests(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"OIDCClients", testOIDCClients},
		{"OIDCKeys", testOIDCKeys},
		{"OIDCAuthRequest", testOIDCAuthRequest},
		{"OIDCTokens", testOIDCTokens},
		{"OIDCTokenWithPerson", testOIDCTokenWithPerson},
		{"OIDCAuthRequestWithClient", testOIDCAuthRequestWithClient},
		{"OIDCConcurrentExchange", testOIDCConcurrentExchange},
		{"OIDCSecret", testOIDCSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
	runOIDCLogoutTests(t, open)
}

func oidcClient(id string) jedenlogin.OIDCClient {
	return jedenlogin.OIDCClient{
		ID: id, Name: "Moduł " + id, SecretHash: "hash-" + id,
		RedirectURIs:           []string{"https://" + id + ".example/cb", "https://" + id + ".example/cb2"},
		PostLogoutRedirectURIs: []string{"https://" + id + ".example/"},
		BackchannelLogoutURI:   "https://" + id + ".example/bcl",
		SigningAlg:             jedenlogin.AlgES256, CreatedAt: t0,
	}
}

func clientEvent(id string) jedenlogin.AuditEvent {
	return jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditOIDCClient, Actor: "cli", Subject: "client:" + id, Outcome: "ok"}
}

func countAudit(t *testing.T, st jedenlogin.Store, action string) int {
	t.Helper()
	evs, err := st.Audit(context.Background(), jedenlogin.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	return len(evs)
}

func testOIDCClients(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	a, b := oidcClient("b-mod"), oidcClient("a-mod")
	b.Public, b.SecretHash, b.PostLogoutRedirectURIs, b.BackchannelLogoutURI, b.SigningAlg = true, "", nil, "", jedenlogin.AlgRS256
	for _, c := range []jedenlogin.OIDCClient{a, b} {
		if err := st.CreateOIDCClient(ctx, c, clientEvent(c.ID)); err != nil {
			t.Fatalf("CreateOIDCClient %s: %v", c.ID, err)
		}
	}
	if err := st.CreateOIDCClient(ctx, a); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("CreateOIDCClient twice: %v, want ErrConflict", err)
	}
	got, err := st.OIDCClient(ctx, "b-mod")
	if err != nil {
		t.Fatalf("OIDCClient: %v", err)
	}
	if got.Name != a.Name || got.SecretHash != a.SecretHash || got.Public || !slices.Equal(got.RedirectURIs, a.RedirectURIs) ||
		!slices.Equal(got.PostLogoutRedirectURIs, a.PostLogoutRedirectURIs) || got.BackchannelLogoutURI != a.BackchannelLogoutURI ||
		got.SigningAlg != a.SigningAlg || !got.CreatedAt.Equal(t0) {
		t.Errorf("OIDCClient = %+v, want %+v", got, a)
	}
	all, err := st.OIDCClients(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "a-mod" || !all[0].Public || all[0].SigningAlg != jedenlogin.AlgRS256 || len(all[0].PostLogoutRedirectURIs) != 0 {
		t.Errorf("OIDCClients = %+v, %v", all, err)
	}
	if _, err := st.OIDCClient(ctx, "nope"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("OIDCClient(nope): %v, want ErrNotFound", err)
	}

	err = st.UpdateOIDCClient(ctx, "b-mod", func(c *jedenlogin.OIDCClient) ([]jedenlogin.AuditEvent, error) {
		c.SecretHash = "new"
		return []jedenlogin.AuditEvent{clientEvent(c.ID)}, nil
	})
	if err != nil {
		t.Fatalf("UpdateOIDCClient: %v", err)
	}
	if got, _ := st.OIDCClient(ctx, "b-mod"); got.SecretHash != "new" {
		t.Errorf("after update SecretHash = %q", got.SecretHash)
	}
	boom := errors.New("boom")
	err = st.UpdateOIDCClient(ctx, "b-mod", func(c *jedenlogin.OIDCClient) ([]jedenlogin.AuditEvent, error) {
		c.SecretHash = "lost"
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("UpdateOIDCClient with failing fn: %v", err)
	}
	if got, _ := st.OIDCClient(ctx, "b-mod"); got.SecretHash != "new" {
		t.Errorf("a failed update wrote SecretHash %q", got.SecretHash)
	}
	if err := st.UpdateOIDCClient(ctx, "nope", func(*jedenlogin.OIDCClient) ([]jedenlogin.AuditEvent, error) { return nil, nil }); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("UpdateOIDCClient(nope): %v", err)
	}

	// Removing a client takes its requests and tokens.
	req := oidcRequest("req-1", "b-mod")
	if err := st.CreateOIDCAuthRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	if err := st.IssueOIDCTokens(ctx, jedenlogin.OIDCIssue{At: t0, Tokens: []jedenlogin.OIDCToken{oidcToken("tok-1", jedenlogin.OIDCAccessToken, "b-mod", "req-1")}}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteOIDCClient(ctx, "b-mod", clientEvent("b-mod")); err != nil {
		t.Fatalf("DeleteOIDCClient: %v", err)
	}
	if _, err := st.OIDCAuthRequest(ctx, "req-1"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("request of a removed client: %v", err)
	}
	if _, err := st.OIDCToken(ctx, "tok-1"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("token of a removed client: %v", err)
	}
	if err := st.DeleteOIDCClient(ctx, "b-mod"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("DeleteOIDCClient twice: %v", err)
	}
	if n := countAudit(t, st, jedenlogin.AuditOIDCClient); n != 4 {
		t.Errorf("%d client audit events, want 4", n)
	}
}

func testOIDCKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	k1 := jedenlogin.OIDCKey{ID: "k1", Alg: jedenlogin.AlgES256, PrivateKey: "pem1", CreatedAt: t0}
	k2 := jedenlogin.OIDCKey{ID: "k2", Alg: jedenlogin.AlgRS256, PrivateKey: "pem2", CreatedAt: t0.Add(time.Second)}
	k3 := jedenlogin.OIDCKey{ID: "k3", Alg: jedenlogin.AlgES256, PrivateKey: "pem3", CreatedAt: t0.Add(time.Hour)}
	for _, k := range []jedenlogin.OIDCKey{k1, k2} {
		if err := st.AddOIDCKey(ctx, k, nil); err != nil {
			t.Fatalf("AddOIDCKey %s: %v", k.ID, err)
		}
	}
	if err := st.AddOIDCKey(ctx, k1, nil); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("AddOIDCKey twice: %v", err)
	}
	// Rotating ES256 retires k1 at t0+2h and leaves the RS256 key alone.
	ev := jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditOIDCKeyRotated, Actor: "cli", Outcome: "ok"}
	if err := st.AddOIDCKey(ctx, k3, at(2*time.Hour), ev); err != nil {
		t.Fatalf("AddOIDCKey rotate: %v", err)
	}
	ids := func(now time.Time) []string {
		ks, err := st.OIDCKeys(ctx, now)
		if err != nil {
			t.Fatalf("OIDCKeys: %v", err)
		}
		var out []string
		for _, k := range ks {
			out = append(out, k.ID)
		}
		return out
	}
	if got := ids(t0.Add(time.Hour)); !slices.Equal(got, []string{"k3", "k2", "k1"}) {
		t.Errorf("keys before retirement = %v", got)
	}
	if got := ids(t0.Add(3 * time.Hour)); !slices.Equal(got, []string{"k3", "k2"}) {
		t.Errorf("keys after retirement = %v", got)
	}
	ks, _ := st.OIDCKeys(ctx, t0)
	for _, k := range ks {
		switch k.ID {
		case "k1":
			if k.RetireAt == nil || !k.RetireAt.Equal(t0.Add(2*time.Hour)) || k.PrivateKey != "pem1" {
				t.Errorf("k1 = %+v", k)
			}
		case "k2", "k3":
			if k.RetireAt != nil {
				t.Errorf("%s retires at %v", k.ID, k.RetireAt)
			}
		}
	}
	if n, err := st.DeleteExpiredOIDC(ctx, t0.Add(3*time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredOIDC = %d, %v; want the retired key", n, err)
	}
	if n := countAudit(t, st, jedenlogin.AuditOIDCKeyRotated); n != 1 {
		t.Errorf("%d key audit events", n)
	}
}

func oidcRequest(id, client string) *jedenlogin.OIDCAuthRequest {
	return &jedenlogin.OIDCAuthRequest{
		ID: id, ClientID: client, RedirectURI: "https://" + client + ".example/cb",
		Scopes: []string{"openid", "profile", "entity"}, State: "st", Nonce: "no",
		ResponseType: "code", CodeChallenge: "abc", CodeChallengeMethod: "S256",
		Prompt: []string{"login", "select_account"}, MaxAge: i64(300), LoginHint: "JAN",
		CreatedAt: t0, ExpiresAt: t0.Add(30 * time.Minute),
	}
}

func oidcToken(idHash, kind, client, family string) jedenlogin.OIDCToken {
	return jedenlogin.OIDCToken{
		IDHash: idHash, Kind: kind, ClientID: client, PersonID: 7, LoginID: 8,
		Scopes: []string{"openid", "entity"}, EntityID: "E1", AuthTime: t0, AMR: []string{"pwd"},
		FamilyID: family, SessionIDHash: "sid", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour),
	}
}

func testOIDCAuthRequest(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	if err := st.CreateOIDCClient(ctx, oidcClient("m")); err != nil {
		t.Fatal(err)
	}
	r := oidcRequest("r1", "m")
	if err := st.CreateOIDCAuthRequest(ctx, r); err != nil {
		t.Fatalf("CreateOIDCAuthRequest: %v", err)
	}
	if err := st.CreateOIDCAuthRequest(ctx, r); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("CreateOIDCAuthRequest twice: %v", err)
	}
	got, err := st.OIDCAuthRequest(ctx, "r1")
	if err != nil {
		t.Fatalf("OIDCAuthRequest: %v", err)
	}
	if got.ClientID != "m" || got.RedirectURI != r.RedirectURI || !slices.Equal(got.Scopes, r.Scopes) || got.State != "st" ||
		got.Nonce != "no" || got.ResponseType != "code" || got.CodeChallenge != "abc" || got.CodeChallengeMethod != "S256" ||
		!slices.Equal(got.Prompt, r.Prompt) || got.MaxAge == nil || *got.MaxAge != 300 || got.LoginHint != "JAN" ||
		!got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(r.ExpiresAt) || got.Done || got.CodeHash != "" || got.ExchangedAt != nil {
		t.Errorf("OIDCAuthRequest = %+v", got)
	}
	if _, err := st.OIDCAuthRequest(ctx, "nope"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("OIDCAuthRequest(nope): %v", err)
	}
	// No code before the request is done.
	if err := st.SetOIDCAuthCode(ctx, "r1", "code1", t0.Add(time.Minute)); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("SetOIDCAuthCode before done: %v", err)
	}
	done := *got
	done.Done, done.PersonID, done.LoginID, done.SessionIDHash, done.EntityID, done.AuthTime, done.AMR = true, 7, 8, "sid", "E1", t0.Add(time.Second), []string{"pwd"}
	ev := jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditOIDCCode, Actor: "JAN", Outcome: "ok"}
	if err := st.FinishOIDCAuthRequest(ctx, &done); err != nil {
		t.Fatalf("FinishOIDCAuthRequest: %v", err)
	}
	if err := st.SetOIDCAuthCode(ctx, "r1", "code1", t0.Add(time.Minute), ev); err != nil {
		t.Fatalf("SetOIDCAuthCode: %v", err)
	}
	if err := st.SetOIDCAuthCode(ctx, "r1", "code2", t0.Add(time.Minute)); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("SetOIDCAuthCode twice: %v", err)
	}
	if err := st.FinishOIDCAuthRequest(ctx, &done); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("FinishOIDCAuthRequest after the code: %v", err)
	}
	got, err = st.OIDCAuthRequestByCode(ctx, "code1")
	if err != nil {
		t.Fatalf("OIDCAuthRequestByCode: %v", err)
	}
	if got.ID != "r1" || !got.Done || got.PersonID != 7 || got.LoginID != 8 || got.SessionIDHash != "sid" || got.EntityID != "E1" ||
		!got.AuthTime.Equal(t0.Add(time.Second)) || !slices.Equal(got.AMR, []string{"pwd"}) || got.CodeHash != "code1" ||
		!got.CodeExpiresAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("OIDCAuthRequestByCode = %+v", got)
	}
	if _, err := st.OIDCAuthRequestByCode(ctx, "code2"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("OIDCAuthRequestByCode(unknown): %v", err)
	}
	// The read by code brings the count of changes to clients and keys:
	// a new client moves it on (the provider's caches trust it).
	if err := st.CreateOIDCClient(ctx, oidcClient("m-nowy"), clientEvent("m-nowy")); err != nil {
		t.Fatalf("CreateOIDCClient: %v", err)
	}
	if again, err := st.OIDCAuthRequestByCode(ctx, "code1"); err != nil || again.ConfigVersion <= got.ConfigVersion {
		t.Errorf("ConfigVersion after a new client = %v (%v), before %d", again, err, got.ConfigVersion)
	}
	// A denied request gets no code.
	r2 := oidcRequest("r2", "m")
	if err := st.CreateOIDCAuthRequest(ctx, r2); err != nil {
		t.Fatal(err)
	}
	r2.Error = "access_denied"
	if err := st.FinishOIDCAuthRequest(ctx, r2); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.OIDCAuthRequest(ctx, "r2"); got.Error != "access_denied" || got.Done {
		t.Errorf("denied request = %+v", got)
	}
	if err := st.SetOIDCAuthCode(ctx, "r2", "code3", t0.Add(time.Minute)); !errors.Is(err, jedenlogin.ErrConflict) {
		t.Errorf("SetOIDCAuthCode on a denied request: %v", err)
	}
	if n := countAudit(t, st, jedenlogin.AuditOIDCCode); n != 1 {
		t.Errorf("%d code audit events", n)
	}
	// Cleanup keeps a request while its code may still be presented.
	if n, err := st.DeleteExpiredOIDC(ctx, t0.Add(20*time.Minute)); err != nil || n != 0 {
		t.Errorf("DeleteExpiredOIDC early = %d, %v", n, err)
	}
	if n, err := st.DeleteExpiredOIDC(ctx, t0.Add(31*time.Minute)); err != nil || n != 2 {
		t.Errorf("DeleteExpiredOIDC = %d, %v; want both requests", n, err)
	}
}

func testOIDCTokens(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	for _, id := range []string{"m", "n"} {
		if err := st.CreateOIDCClient(ctx, oidcClient(id)); err != nil {
			t.Fatal(err)
		}
	}
	r := oidcRequest("fam", "m")
	if err := st.CreateOIDCAuthRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Done = true
	if err := st.FinishOIDCAuthRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := st.SetOIDCAuthCode(ctx, "fam", "c", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	tokEv := jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditOIDCToken, Actor: "JAN", Outcome: "ok"}
	iss := jedenlogin.OIDCIssue{ConsumeCode: "fam", At: t0, Audit: []jedenlogin.AuditEvent{tokEv}, Tokens: []jedenlogin.OIDCToken{
		oidcToken("a1", jedenlogin.OIDCAccessToken, "m", "fam"), oidcToken("r1", jedenlogin.OIDCRefreshToken, "m", "fam"),
	}}
	if err := st.IssueOIDCTokens(ctx, iss); err != nil {
		t.Fatalf("IssueOIDCTokens: %v", err)
	}
	got, err := st.OIDCToken(ctx, "r1")
	if err != nil {
		t.Fatalf("OIDCToken: %v", err)
	}
	want := oidcToken("r1", jedenlogin.OIDCRefreshToken, "m", "fam")
	if got.Kind != want.Kind || got.ClientID != "m" || got.PersonID != 7 || got.LoginID != 8 || !slices.Equal(got.Scopes, want.Scopes) ||
		got.EntityID != "E1" || !got.AuthTime.Equal(t0) || !slices.Equal(got.AMR, want.AMR) || got.FamilyID != "fam" ||
		got.SessionIDHash != "sid" || !got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(want.ExpiresAt) || got.UsedAt != nil || got.RevokedAt != nil {
		t.Errorf("OIDCToken = %+v", got)
	}
	if ar, _ := st.OIDCAuthRequest(ctx, "fam"); ar.ExchangedAt == nil || !ar.ExchangedAt.Equal(t0) {
		t.Errorf("exchanged request = %+v", ar)
	}
	// The code a second time: ErrOIDCReused, nothing written.
	iss.Tokens = []jedenlogin.OIDCToken{oidcToken("a9", jedenlogin.OIDCAccessToken, "m", "fam")}
	if err := st.IssueOIDCTokens(ctx, iss); !errors.Is(err, jedenlogin.ErrOIDCReused) {
		t.Errorf("second exchange: %v, want ErrOIDCReused", err)
	}
	if _, err := st.OIDCToken(ctx, "a9"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("a failed exchange wrote a token: %v", err)
	}
	// Rotation: r1 → r2.
	rot := jedenlogin.OIDCIssue{RotateRefresh: "r1", At: t0.Add(time.Minute), Tokens: []jedenlogin.OIDCToken{
		oidcToken("a2", jedenlogin.OIDCAccessToken, "m", "fam"), oidcToken("r2", jedenlogin.OIDCRefreshToken, "m", "fam"),
	}}
	if err := st.IssueOIDCTokens(ctx, rot); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if got, _ := st.OIDCToken(ctx, "r1"); got.UsedAt == nil || !got.UsedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("rotated token = %+v", got)
	}
	rot.Tokens = []jedenlogin.OIDCToken{oidcToken("r3", jedenlogin.OIDCRefreshToken, "m", "fam")}
	if err := st.IssueOIDCTokens(ctx, rot); !errors.Is(err, jedenlogin.ErrOIDCReused) {
		t.Errorf("second rotation: %v, want ErrOIDCReused", err)
	}
	// An access token is not a refresh token.
	rot.RotateRefresh = "a2"
	if err := st.IssueOIDCTokens(ctx, rot); !errors.Is(err, jedenlogin.ErrOIDCReused) {
		t.Errorf("rotating an access token: %v", err)
	}

	// Another family, of another client, survives what follows.
	other := oidcToken("o1", jedenlogin.OIDCRefreshToken, "n", "fam2")
	other.PersonID = 9
	if err := st.IssueOIDCTokens(ctx, jedenlogin.OIDCIssue{At: t0, Tokens: []jedenlogin.OIDCToken{other, oidcToken("o2", jedenlogin.OIDCAccessToken, "n", "fam3")}}); err != nil {
		t.Fatal(err)
	}
	// Revoking an access token revokes it alone.
	if err := st.RevokeOIDCToken(ctx, "a2", t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("RevokeOIDCToken: %v", err)
	}
	if got, _ := st.OIDCToken(ctx, "a2"); got.RevokedAt == nil {
		t.Error("access token not revoked")
	}
	if got, _ := st.OIDCToken(ctx, "r2"); got.RevokedAt != nil {
		t.Error("revoking an access token revoked its refresh token")
	}
	if err := st.RevokeOIDCToken(ctx, "nope", t0); err != nil {
		t.Errorf("RevokeOIDCToken(unknown): %v", err)
	}
	// Revoking a refresh token revokes its family.
	revEv := jedenlogin.AuditEvent{At: t0, Action: jedenlogin.AuditOIDCRevoked, Actor: "m", Outcome: "ok"}
	if err := st.RevokeOIDCToken(ctx, "r2", t0.Add(3*time.Minute), revEv); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a1", "r1", "r2"} {
		if got, _ := st.OIDCToken(ctx, id); got.RevokedAt == nil {
			t.Errorf("%s not revoked with its family", id)
		}
	}
	if got, _ := st.OIDCToken(ctx, "a1"); !got.RevokedAt.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("a1 revoked at %v", got.RevokedAt)
	}
	if got, _ := st.OIDCToken(ctx, "a2"); !got.RevokedAt.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("a revoked token's time changed: %v", got.RevokedAt)
	}
	if got, _ := st.OIDCToken(ctx, "o1"); got.RevokedAt != nil {
		t.Error("another family revoked")
	}
	if n, err := st.RevokeOIDCFamily(ctx, "fam2", t0); err != nil || n != 1 {
		t.Errorf("RevokeOIDCFamily = %d, %v", n, err)
	}
	if n, err := st.RevokeOIDCFamily(ctx, "fam2", t0); err != nil || n != 0 {
		t.Errorf("RevokeOIDCFamily again = %d, %v", n, err)
	}
	if n, err := st.RevokeOIDCTokensOfPerson(ctx, 7, "n", t0); err != nil || n != 1 {
		t.Errorf("RevokeOIDCTokensOfPerson(7, n) = %d, %v; want o2", n, err)
	}
	if n, err := st.RevokeOIDCTokensOfPerson(ctx, 7, "", t0); err != nil || n != 0 {
		t.Errorf("RevokeOIDCTokensOfPerson(7) = %d, %v", n, err)
	}
	if n := countAudit(t, st, jedenlogin.AuditOIDCToken) + countAudit(t, st, jedenlogin.AuditOIDCRevoked); n != 2 {
		t.Errorf("%d token audit events, want 2", n)
	}
	if n, err := st.DeleteExpiredOIDC(ctx, t0.Add(2*time.Hour)); err != nil || n != 7 {
		t.Errorf("DeleteExpiredOIDC = %d, %v; want 6 tokens and the request", n, err)
	}
}

// testOIDCConcurrentExchange: of concurrent exchanges of one refresh
// token exactly one succeeds.
// testOIDCTokenWithPerson: a token comes with its person's record, the
// same as Person reads it (on PostgreSQL the two are one batch keyed by
// the token's hash); a missing token is ErrNotFound, a token whose person
// is gone comes without a record.
func testOIDCTokenWithPerson(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	w := seed(t, st)
	if err := st.CreateOIDCClient(ctx, oidcClient("m")); err != nil {
		t.Fatal(err)
	}
	a := oidcToken("a1", jedenlogin.OIDCAccessToken, "m", "fam")
	a.PersonID, a.LoginID = w.p1, w.jankow1
	b := oidcToken("b1", jedenlogin.OIDCAccessToken, "m", "fam2")
	b.PersonID, b.LoginID = w.p2, w.ann
	gone := oidcToken("g1", jedenlogin.OIDCAccessToken, "m", "fam3")
	gone.PersonID = w.p1 + 1000
	if err := st.IssueOIDCTokens(ctx, jedenlogin.OIDCIssue{At: t0, Tokens: []jedenlogin.OIDCToken{a, b, gone}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		hash   string
		person int64
	}{{"a1", w.p1}, {"b1", w.p2}} {
		tok, rec, err := st.OIDCTokenWithPerson(ctx, c.hash)
		if err != nil {
			t.Fatalf("OIDCTokenWithPerson(%s): %v", c.hash, err)
		}
		alone, err := st.OIDCToken(ctx, c.hash)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "token "+c.hash, tok, alone)
		if rec == nil {
			t.Fatalf("token %s came without its person", c.hash)
		}
		sameJSON(t, "person of token "+c.hash, rec, mustPerson(t, st, c.person))
	}
	tok, rec, err := st.OIDCTokenWithPerson(ctx, "g1")
	if err != nil || tok == nil || tok.IDHash != "g1" || rec != nil {
		t.Errorf("token of a missing person: %+v, %+v, %v; want the token, no record", tok, rec, err)
	}
	if tok, rec, err := st.OIDCTokenWithPerson(ctx, "nope"); !errors.Is(err, jedenlogin.ErrNotFound) || tok != nil || rec != nil {
		t.Errorf("missing token: %+v, %+v, %v; want ErrNotFound", tok, rec, err)
	}
}

// testOIDCAuthRequestWithClient: a request comes with its client, the same
// as each is read alone; once the client is gone, without it; a missing
// request is ErrNotFound.
func testOIDCAuthRequestWithClient(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	for _, id := range []string{"m", "n"} {
		if err := st.CreateOIDCClient(ctx, oidcClient(id)); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"rm", "rn"} {
		if err := st.CreateOIDCAuthRequest(ctx, oidcRequest(id, id[1:])); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ req, client string }{{"rm", "m"}, {"rn", "n"}} {
		r, cl, err := st.OIDCAuthRequestWithClient(ctx, c.req)
		if err != nil {
			t.Fatalf("OIDCAuthRequestWithClient(%s): %v", c.req, err)
		}
		alone, err := st.OIDCAuthRequest(ctx, c.req)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "request "+c.req, r, alone)
		client, err := st.OIDCClient(ctx, c.client)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "client of "+c.req, cl, client)
	}
	if err := st.DeleteOIDCClient(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	// The request goes with its client (ON DELETE CASCADE) where the
	// schema says so; either way it comes without one.
	if r, cl, err := st.OIDCAuthRequestWithClient(ctx, "rn"); cl != nil || (err == nil) == (r == nil) || (err != nil && !errors.Is(err, jedenlogin.ErrNotFound)) {
		t.Errorf("request of a removed client: %+v, %+v, %v; want no client", r, cl, err)
	}
	if r, cl, err := st.OIDCAuthRequestWithClient(ctx, "nope"); !errors.Is(err, jedenlogin.ErrNotFound) || r != nil || cl != nil {
		t.Errorf("missing request: %+v, %+v, %v; want ErrNotFound", r, cl, err)
	}
}

func testOIDCConcurrentExchange(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	if err := st.CreateOIDCClient(ctx, oidcClient("m")); err != nil {
		t.Fatal(err)
	}
	if err := st.IssueOIDCTokens(ctx, jedenlogin.OIDCIssue{At: t0, Tokens: []jedenlogin.OIDCToken{oidcToken("r", jedenlogin.OIDCRefreshToken, "m", "f")}}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, used int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.IssueOIDCTokens(ctx, jedenlogin.OIDCIssue{RotateRefresh: "r", At: t0, Tokens: []jedenlogin.OIDCToken{
				oidcToken("new"+string(rune('a'+i)), jedenlogin.OIDCRefreshToken, "m", "f"),
			}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, jedenlogin.ErrOIDCReused):
				used++
			default:
				t.Errorf("IssueOIDCTokens: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || used != n-1 {
		t.Errorf("%d exchanges succeeded and %d were refused, want 1 and %d", ok, used, n-1)
	}
}

func testOIDCSecret(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	calls := 0
	gen := func(v string) func() ([]byte, error) {
		return func() ([]byte, error) { calls++; return []byte(v), nil }
	}
	a, err := st.OIDCSecret(ctx, "crypto", gen("first"))
	if err != nil || string(a) != "first" {
		t.Fatalf("OIDCSecret = %q, %v", a, err)
	}
	b, err := st.OIDCSecret(ctx, "crypto", gen("second"))
	if err != nil || string(b) != "first" || calls != 1 {
		t.Errorf("OIDCSecret again = %q, %v (%d generations)", b, err, calls)
	}
	c, err := st.OIDCSecret(ctx, "other", gen("x"))
	if err != nil || string(c) != "x" {
		t.Errorf("OIDCSecret(other) = %q, %v", c, err)
	}
	if _, err := st.OIDCSecret(ctx, "broken", func() ([]byte, error) { return nil, errors.New("no entropy") }); err == nil {
		t.Error("OIDCSecret with a failing generator: no error")
	}
}
