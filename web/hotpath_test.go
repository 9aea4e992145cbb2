package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// storedSession reads the session behind cookie c from the store.
func (e *env) storedSession(c *http.Cookie) *jedenlogin.Session {
	e.t.Helper()
	sum := sha256.Sum256([]byte(c.Value))
	s, err := e.st.Session(context.Background(), hex.EncodeToString(sum[:]))
	if err != nil {
		e.t.Fatalf("session in the store: %v", err)
	}
	return s
}

// TestSessionActivityRecordedSparingly: a request records activity (writes
// the session) only when the recorded activity is at least 30 s old, yet
// a session in use never times out, the idle timeout ends it at most 30 s
// early, and "Przedłuż sesję" records at once.
func TestSessionActivityRecordedSparingly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		t.Run("steady use keeps the session", func(t *testing.T) {
			c := e.mustSignIn("DAREK", pwDarek)
			for i := range 45 { // 15 minutes, a request every 20 s
				e.clock.Advance(20 * time.Second)
				if rec := e.get(c, "/api/v1/me"); rec.Code != 200 {
					t.Fatalf("request %d, %v after sign-in: %d", i+1, time.Duration(i+1)*20*time.Second, rec.Code)
				}
			}
		})
		t.Run("written at most every 30 s", func(t *testing.T) {
			c := e.mustSignIn("DAREK", pwDarek)
			signedIn := e.clock.Now()
			e.clock.Advance(29 * time.Second)
			if rec := e.get(c, "/api/v1/me"); rec.Code != 200 {
				t.Fatalf("me: %d", rec.Code)
			}
			if s := e.storedSession(c); !s.LastSeenAt.Equal(signedIn) {
				t.Errorf("after 29 s LastSeenAt = %v, want it unchanged at %v", s.LastSeenAt, signedIn)
			}
			e.clock.Advance(time.Second)
			if rec := e.get(c, "/podmioty"); rec.Code != 200 {
				t.Fatalf("page: %d", rec.Code)
			}
			if s := e.storedSession(c); !s.LastSeenAt.Equal(e.clock.Now()) {
				t.Errorf("after 30 s LastSeenAt = %v, want %v", s.LastSeenAt, e.clock.Now())
			}
		})
		t.Run("idle timeout at most 30 s early", func(t *testing.T) {
			c := e.mustSignIn("DAREK", pwDarek)
			e.clock.Advance(29 * time.Second)
			if rec := e.get(c, "/api/v1/me"); rec.Code != 200 { // not recorded
				t.Fatalf("me: %d", rec.Code)
			}
			e.clock.Advance(10*time.Minute - 30*time.Second)
			info := e.get(c, "/api/v1/session")
			if info.Code != 200 || decode(t, info)["idle_seconds_left"] != float64(1) {
				t.Fatalf("session info 9 min 59 s after sign-in: %d %s", info.Code, info.Body)
			}
			e.clock.Advance(time.Second)
			wantError(t, e.get(c, "/api/v1/me"), 401, "unauthenticated")
		})
		t.Run("extending records at once", func(t *testing.T) {
			c := e.mustSignIn("DAREK", pwDarek)
			e.clock.Advance(10 * time.Second)
			rec := e.do(req{method: "POST", path: "/api/v1/session/refresh", cookies: []*http.Cookie{c}})
			if rec.Code != 200 || decode(t, rec)["idle_seconds_left"] != float64(600) {
				t.Fatalf("refresh 10 s after sign-in: %d %s", rec.Code, rec.Body)
			}
			if s := e.storedSession(c); !s.LastSeenAt.Equal(e.clock.Now()) {
				t.Errorf("after refresh LastSeenAt = %v, want %v", s.LastSeenAt, e.clock.Now())
			}
		})
	})
}

// TestMeStopsActingForEntityOfEndedGrant: GET /api/v1/me, which reads the
// session in one query, also ends acting for an entity whose grant was
// revoked, and no longer lists that grant.
func TestMeStopsActingForEntityOfEndedGrant(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b, web.Config{})
		c := e.mustSignIn("DAREK", pwDarek)
		rec := e.do(req{method: "PUT", path: "/api/v1/me/entity", cookies: []*http.Cookie{c}, json: map[string]string{"entity_id": "MEN"}})
		if rec.Code != 200 {
			t.Fatalf("choose MEN: %d %s", rec.Code, rec.Body)
		}
		if s := e.storedSession(c); s.EntityID != "MEN" {
			t.Fatalf("session acts for %q", s.EntityID)
		}
		darek := mustLogin(t, e.st, "DAREK")
		now := e.clock.Now()
		err := e.st.UpdatePerson(context.Background(), darek.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
			for i := range rec.Grants {
				if rec.Grants[i].EntityID == "MEN" {
					rec.Grants[i].RevokedAt = &now
				}
			}
			return nil, nil
		})
		if err != nil {
			t.Fatalf("revoke: %v", err)
		}
		e.clock.Advance(time.Second)
		rec = e.get(c, "/api/v1/me")
		if rec.Code != 200 {
			t.Fatalf("me: %d %s", rec.Code, rec.Body)
		}
		if ents := decode(t, rec)["entities"].([]any); len(ents) != 0 {
			t.Errorf("entities after the revocation: %v", ents)
		}
		if s := e.storedSession(c); s.EntityID != "" {
			t.Errorf("the session still acts for %q after /me", s.EntityID)
		}
	})
}
