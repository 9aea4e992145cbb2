package conformance

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jedenlogin"
)

// accountTests are the AccountStore part of the suite (RunTests runs them).
var accountTests = []struct {
	name string
	fn   func(t *testing.T, open Opener)
}{
	{"TokenCreateAndRead", testTokenCreateAndRead},
	{"TokenUpdate", testTokenUpdate},
	{"TokenSingleUseConcurrent", testTokenSingleUseConcurrent},
	{"TokenFailuresConcurrent", testTokenFailuresConcurrent},
	{"TokenLatest", testTokenLatest},
	{"TokenExpireAndDelete", testTokenExpireAndDelete},
	{"LatestToken", testLatestToken},
	{"PersonByKey", testPersonByKey},
}

func runAccountTests(t *testing.T, open Opener) {
	for _, tc := range accountTests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

func newToken(t testing.TB, s jedenlogin.Store, kind jedenlogin.TokenKind, person int64, created time.Duration) (*jedenlogin.Token, string) {
	t.Helper()
	secret, hash := jedenlogin.NewTokenSecret()
	tok := &jedenlogin.Token{Kind: kind, Hash: hash, PersonID: person, LoginID: person * 10, Data: `{"email":"nowy@example.pl"}`,
		CreatedAt: t0.Add(created), ExpiresAt: t0.Add(created + time.Hour)}
	if err := s.CreateToken(context.Background(), tok, nil); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if tok.ID == 0 {
		t.Fatalf("CreateToken left ID 0")
	}
	return tok, secret
}

func testTokenCreateAndRead(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	tok, secret := newToken(t, s, jedenlogin.TokenPasswordReset, 7, 0)
	if tok.Hash != jedenlogin.TokenHash(secret) {
		t.Fatalf("hash %q is not TokenHash(secret)", tok.Hash)
	}
	got, err := s.Token(ctx, jedenlogin.TokenPasswordReset, jedenlogin.TokenHash(secret))
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	sameJSON(t, "token read back", got, tok)
	if !got.Usable(t0.Add(59*time.Minute)) || got.Usable(t0.Add(time.Hour)) {
		t.Errorf("Usable: want usable before ExpiresAt and not at it")
	}

	cases := []struct {
		name string
		kind jedenlogin.TokenKind
		hash string
	}{
		{"other kind", jedenlogin.TokenLoginRecovery, tok.Hash},
		{"unknown hash", jedenlogin.TokenPasswordReset, jedenlogin.TokenHash("nie ma")},
		{"the secret instead of its hash", jedenlogin.TokenPasswordReset, secret},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.Token(ctx, tc.kind, tc.hash); !errors.Is(err, jedenlogin.ErrNotFound) {
				t.Errorf("Token: %v, want ErrNotFound", err)
			}
			called := false
			err := s.UpdateToken(ctx, tc.kind, tc.hash, func(*jedenlogin.Token) error { called = true; return nil })
			if !errors.Is(err, jedenlogin.ErrNotFound) || called {
				t.Errorf("UpdateToken: %v (fn called: %v), want ErrNotFound without calling fn", err, called)
			}
		})
	}

	dup := *tok
	dup.ID = 0
	if err := s.CreateToken(ctx, &dup, nil); jedenlogin.ErrorCode(err) != jedenlogin.ECONFLICT {
		t.Errorf("CreateToken with an existing hash: %v, want %s", err, jedenlogin.ECONFLICT)
	}
}

func testTokenUpdate(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	tok, _ := newToken(t, s, jedenlogin.TokenLoginRecovery, 3, 0)
	wrong := errors.New("wrong PESEL")

	// A failing fn still saves what it changed, and its error comes back unchanged.
	err := s.UpdateToken(ctx, tok.Kind, tok.Hash, func(x *jedenlogin.Token) error {
		x.Failures++
		return wrong
	})
	if err != wrong {
		t.Fatalf("UpdateToken: %v, want fn's error unchanged", err)
	}
	got, _ := s.Token(ctx, tok.Kind, tok.Hash)
	if got.Failures != 1 || got.UsedAt != nil {
		t.Errorf("after a failed try: failures %d used %v, want 1 and nil", got.Failures, got.UsedAt)
	}

	used := t0.Add(10 * time.Minute)
	err = s.UpdateToken(ctx, tok.Kind, tok.Hash, func(x *jedenlogin.Token) error {
		x.UsedAt = &used
		x.Data = `{"shown":true}`
		x.ExpiresAt = t0.Add(30 * time.Minute)
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateToken: %v", err)
	}
	got, _ = s.Token(ctx, tok.Kind, tok.Hash)
	want := *tok
	want.Failures, want.UsedAt, want.Data, want.ExpiresAt = 1, &used, `{"shown":true}`, t0.Add(30*time.Minute)
	sameJSON(t, "token after use", got, &want)
	if got.Usable(t0.Add(11 * time.Minute)) {
		t.Errorf("a used token is still usable")
	}
}

// testTokenSingleUseConcurrent: of many simultaneous uses exactly one
// finds the token unused.
func testTokenSingleUseConcurrent(t *testing.T, open Opener) {
	s := open(t)
	tok, _ := newToken(t, s, jedenlogin.TokenPasswordReset, 1, 0)
	const n = 20
	var wg sync.WaitGroup
	var winners atomic.Int32
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.UpdateToken(context.Background(), tok.Kind, tok.Hash, func(x *jedenlogin.Token) error {
				if x.UsedAt != nil {
					return jedenlogin.NewError(jedenlogin.ECONFLICT, "error.conflict")
				}
				at := t0.Add(time.Minute)
				x.UsedAt = &at
				return nil
			})
			if err == nil {
				winners.Add(1)
			} else if jedenlogin.ErrorCode(err) != jedenlogin.ECONFLICT {
				t.Errorf("UpdateToken: %v", err)
			}
		}()
	}
	wg.Wait()
	if w := winners.Load(); w != 1 {
		t.Errorf("%d of %d concurrent uses succeeded, want exactly 1", w, n)
	}
}

// testTokenFailuresConcurrent: wrong tries in parallel are all counted, and
// the one reaching the limit spends the token.
func testTokenFailuresConcurrent(t *testing.T, open Opener) {
	s := open(t)
	tok, _ := newToken(t, s, jedenlogin.TokenEmailVerify, 1, 0)
	const n = 12
	var wg sync.WaitGroup
	var spent atomic.Int32
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.UpdateToken(context.Background(), tok.Kind, tok.Hash, func(x *jedenlogin.Token) error {
				if x.UsedAt != nil {
					return errors.New("spent")
				}
				x.Failures++
				if x.Failures >= jedenlogin.MaxTokenFailures {
					at := t0
					x.UsedAt = &at
					spent.Add(1)
				}
				return errors.New("wrong code")
			})
		}()
	}
	wg.Wait()
	got, err := s.Token(context.Background(), tok.Kind, tok.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if got.Failures != jedenlogin.MaxTokenFailures || got.UsedAt == nil || spent.Load() != 1 {
		t.Errorf("after %d parallel wrong tries: failures %d, used %v, spent %d times; want %d, set, once",
			n, got.Failures, got.UsedAt, spent.Load(), jedenlogin.MaxTokenFailures)
	}
}

func testTokenLatest(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if err := s.UpdateLatestToken(ctx, 5, jedenlogin.TokenEmailVerify, func(*jedenlogin.Token) error { return nil }); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("UpdateLatestToken with no token: %v, want ErrNotFound", err)
	}
	newToken(t, s, jedenlogin.TokenEmailVerify, 5, 0)
	second, _ := newToken(t, s, jedenlogin.TokenEmailVerify, 5, time.Minute)
	newToken(t, s, jedenlogin.TokenPasswordReset, 5, 2*time.Minute) // other kind
	newToken(t, s, jedenlogin.TokenEmailVerify, 6, 3*time.Minute)   // other person
	var seen int64
	err := s.UpdateLatestToken(ctx, 5, jedenlogin.TokenEmailVerify, func(x *jedenlogin.Token) error {
		seen = x.ID
		x.Failures = 2
		return nil
	})
	if err != nil || seen != second.ID {
		t.Fatalf("UpdateLatestToken saw token %d (%v), want the newest of the person and kind, %d", seen, err, second.ID)
	}
	if got, _ := s.Token(ctx, second.Kind, second.Hash); got.Failures != 2 {
		t.Errorf("UpdateLatestToken did not save: failures %d, want 2", got.Failures)
	}
}

func testTokenExpireAndDelete(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	a, _ := newToken(t, s, jedenlogin.TokenEmailVerify, 5, 0)
	b, _ := newToken(t, s, jedenlogin.TokenEmailVerify, 5, time.Minute)
	used := t0
	s.UpdateToken(ctx, b.Kind, b.Hash, func(x *jedenlogin.Token) error { x.UsedAt = &used; return nil })
	early, _ := newToken(t, s, jedenlogin.TokenEmailVerify, 5, -59*time.Minute) // expires at t0+1m
	other, _ := newToken(t, s, jedenlogin.TokenPasswordReset, 5, 0)

	n, err := s.ExpireTokens(ctx, 5, jedenlogin.TokenEmailVerify, t0.Add(5*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("ExpireTokens: %d, %v; want 1 (the used one, the earlier-expiring one and other kinds left alone)", n, err)
	}
	for _, tc := range []struct {
		name string
		tok  *jedenlogin.Token
		want time.Time
	}{
		{"unused", a, t0.Add(5 * time.Minute)},
		{"used", b, b.ExpiresAt},
		{"expires earlier", early, early.ExpiresAt},
		{"other kind", other, other.ExpiresAt},
	} {
		got, err := s.Token(ctx, tc.tok.Kind, tc.tok.Hash)
		if err != nil || !got.ExpiresAt.Equal(tc.want) {
			t.Errorf("%s: expires %v (%v), want %v", tc.name, got.ExpiresAt, err, tc.want)
		}
	}

	n, err = s.DeleteExpiredTokens(ctx, t0.Add(30*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredTokens: %d, %v; want 2", n, err)
	}
	if _, err := s.Token(ctx, a.Kind, a.Hash); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("expired token still there: %v", err)
	}
	if _, err := s.Token(ctx, other.Kind, other.Hash); err != nil {
		t.Errorf("unexpired token deleted: %v", err)
	}
}

func testLatestToken(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	if _, err := s.LatestToken(ctx, 5, jedenlogin.TokenEmailVerify); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("LatestToken with no token: %v, want ErrNotFound", err)
	}
	newToken(t, s, jedenlogin.TokenEmailVerify, 5, 0)
	second, _ := newToken(t, s, jedenlogin.TokenEmailVerify, 5, time.Minute)
	newToken(t, s, jedenlogin.TokenPasswordReset, 5, 2*time.Minute)
	newToken(t, s, jedenlogin.TokenEmailVerify, 6, 3*time.Minute)
	got, err := s.LatestToken(ctx, 5, jedenlogin.TokenEmailVerify)
	if err != nil {
		t.Fatalf("LatestToken: %v", err)
	}
	sameJSON(t, "latest token", got, second)
}

func testPersonByKey(t *testing.T, open Opener) {
	s := open(t)
	w := seed(t, s)
	ctx := context.Background()
	got, err := s.PersonByKey(ctx, "pesel:44051401458")
	if err != nil {
		t.Fatalf("PersonByKey: %v", err)
	}
	sameJSON(t, "PersonByKey equals Person", got, mustPerson(t, s, w.p1))
	for _, key := range []string{"pesel:00000000000", "PESEL:44051401458", "44051401458", ""} {
		if _, err := s.PersonByKey(ctx, key); !errors.Is(err, jedenlogin.ErrNotFound) {
			t.Errorf("PersonByKey(%q): %v, want ErrNotFound", key, err)
		}
	}
}
