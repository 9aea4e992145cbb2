package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"jedenlogin"
)

// NewToken returns 32 random bytes, base64url-encoded (256 bits): session
// ids, CSRF tokens, lease holders.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("service: crypto/rand failed: %v", err)) // never returns an error on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidToken reports whether v looks like a NewToken (43 base64url chars).
func ValidToken(v string) bool {
	if len(v) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

// HashID is how the store keeps a session id: hex SHA-256, so a database
// leak does not leak usable cookies.
func HashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// startSession creates a fresh session for the login, always under a new
// id, ending the session whose id hash is replaces (renewal; "" for none).
// The session is written in one transaction with whatever else with holds
// (Store.StartSession: a cleared failure counter, the login's last
// sign-in, audit events), so that either all of it happens or nothing
// does; with.Session and with.ReplacesIDHash are filled in here, keeping
// with.Session's MFA, AMR (default "pwd") and EntityID. It returns the new
// session's id (for the client) and the stored session.
func (s *Service) startSession(ctx context.Context, loginID, personID int64, now time.Time, replaces string, with jedenlogin.SessionStart) (string, *jedenlogin.Session, error) {
	id := NewToken()
	amr := with.Session.AMR
	if len(amr) == 0 {
		amr = []string{jedenlogin.AMRPassword}
	}
	with.Session = jedenlogin.Session{
		MFA:        with.Session.MFA,
		AMR:        amr,
		EntityID:   with.Session.EntityID,
		IDHash:     HashID(id),
		LoginID:    loginID,
		PersonID:   personID,
		CSRFToken:  NewToken(),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(s.cfg.AbsoluteTimeout),
	}
	with.ReplacesIDHash = replaces
	if err := s.st.StartSession(ctx, with); err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	return id, &with.Session, nil
}

// TouchInterval is how stale the recorded activity of a session may get
// before a request writes it again. Writing the session on every request
// would make every read a database write; instead activity is recorded at
// most once per interval, so a session may end up to TouchInterval before
// IdleTimeout has passed since its last request (at most 30 s, and at most
// a twentieth of IdleTimeout: between 9 min 30 s and 10 min with the
// default 10 minutes). "Przedłuż sesję" always records (LoadOptions.Extend).
func (s *Service) TouchInterval() time.Duration {
	return min(30*time.Second, s.cfg.IdleTimeout/20)
}

// LoadSession returns the valid session with the id hash idHash as a
// Caller, or nil and why there is none; a session found invalid is
// deleted (the face clears its cookie). A session is valid while it is
// within the idle and absolute timeouts and its login can still sign in —
// for a consolidated person, only through the unified login. Unless
// opt.NoTouch the request counts as activity (recorded at most once per
// TouchInterval). A session acting for an entity whose grant was revoked
// or expired stops acting for it at once. The second result is when the
// session idles out. Errors are internal.
func (s *Sessions) LoadSession(ctx context.Context, idHash string, opt jedenlogin.LoadOptions) (*jedenlogin.Caller, time.Time, jedenlogin.SessionEnd, error) {
	var (
		sess *jedenlogin.Session
		v    *jedenlogin.SessionView
		err  error
	)
	if opt.Light {
		v, err = s.st.SessionView(ctx, idHash)
		if v != nil {
			sess = &v.Session
		}
	} else {
		sess, err = s.st.Session(ctx, idHash)
	}
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, time.Time{}, jedenlogin.SessionNone, nil
	} else if err != nil {
		return nil, time.Time{}, jedenlogin.SessionNone, fmt.Errorf("load session: %w", err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || !now.Before(sess.LastSeenAt.Add(s.cfg.IdleTimeout)) {
		s.dropSession(ctx, idHash)
		return nil, time.Time{}, jedenlogin.SessionExpired, nil
	}
	c := &jedenlogin.Caller{Session: sess, Addr: opt.Addr}
	var actsFor func() bool
	if v != nil {
		c.Person, c.Grants = &v.Person, v.Grants
		if v.Login.ID != 0 { // else the login is gone, or is not the person's
			c.Login = &v.Login
		}
		actsFor = func() bool {
			return slices.ContainsFunc(v.Grants, func(g jedenlogin.GrantView) bool {
				return g.Grant.EntityID == sess.EntityID && g.Grant.ValidAt(now)
			})
		}
	} else {
		rec, err := s.st.Person(ctx, sess.PersonID)
		if errors.Is(err, jedenlogin.ErrNotFound) {
			s.dropSession(ctx, idHash)
			return nil, time.Time{}, jedenlogin.SessionNone, nil
		} else if err != nil {
			return nil, time.Time{}, jedenlogin.SessionNone, fmt.Errorf("load session: person %d: %w", sess.PersonID, err)
		}
		c.Record, c.Person, c.Login = rec, &rec.Person, rec.Login(sess.LoginID)
		actsFor = func() bool { return StillActsFor(rec, c.Login.ID, sess.EntityID, now) }
	}
	if end, ok := sessionLoginValid(c.Person, c.Login); !ok {
		s.dropSession(ctx, idHash)
		return nil, time.Time{}, end, nil
	}

	var entity *string
	if sess.EntityID != "" && !actsFor() {
		// The grant was revoked or expired: the session stops acting for
		// the entity at once.
		none := ""
		entity = &none
	}
	seen := sess.LastSeenAt
	if !opt.NoTouch && (opt.Extend || now.Sub(sess.LastSeenAt) >= s.TouchInterval()) {
		seen = now
	}
	if entity != nil || !seen.Equal(sess.LastSeenAt) {
		// Clearing the entity alone keeps LastSeenAt: it is not activity.
		if err := s.st.TouchSession(ctx, idHash, seen, entity); err != nil {
			return nil, time.Time{}, jedenlogin.SessionNone, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt = seen
		if entity != nil {
			sess.EntityID = ""
		}
	}
	return c, sess.LastSeenAt.Add(s.cfg.IdleTimeout), jedenlogin.SessionNone, nil
}

// sessionLoginValid reports whether a session bound to login l (nil: gone,
// or not the person's) of person p may go on, and if not, why: a merged
// login means the person consolidated meanwhile (SessionReplaced); an
// inactive login, or for a consolidated person any login but the unified
// one, ends it (SessionNone).
func sessionLoginValid(p *jedenlogin.Person, l *jedenlogin.Login) (jedenlogin.SessionEnd, bool) {
	switch {
	case l != nil && l.State == jedenlogin.LoginMerged:
		// The person consolidated (in another window or browser) and this
		// session's login was merged: the session is over.
		return jedenlogin.SessionReplaced, false
	case l == nil || l.State != jedenlogin.LoginActive:
		return jedenlogin.SessionNone, false
	case p.State == jedenlogin.StateDone && (p.UnifiedLoginID == nil || *p.UnifiedLoginID != l.ID):
		return jedenlogin.SessionNone, false
	}
	return jedenlogin.SessionNone, true
}

// dropSession deletes a session that has ended. A failure to delete is
// logged: the session has timed out anyway and the store's cleanup will
// remove it.
func (s *Service) dropSession(ctx context.Context, idHash string) {
	if err := s.st.DeleteSession(ctx, idHash); err != nil {
		s.log.ErrorContext(ctx, "delete session", "err", err)
	}
}

// SignOut ends the session with the id hash idHash, if there is one, and
// audits it (as its login, from addr). Every module that holds the
// session through OpenID Connect learns it by back-channel logout, and
// their tokens are revoked at once (before the session is deleted: a
// failure leaves the session, so signing out again finishes the job).
// Errors are internal.
func (s *Sessions) SignOut(ctx context.Context, idHash, addr string) error {
	sess, err := s.st.Session(ctx, idHash)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil
	} else if err != nil {
		return s.internal(fmt.Errorf("sign-out: %w", err))
	}
	if err := s.endClientSessions(ctx, jedenlogin.OIDCSessionEnd{SessionIDHash: idHash, Reason: jedenlogin.OIDCEndSignOut, At: s.now()}); err != nil {
		return err
	}
	actor := "system"
	if rec, err := s.st.Person(ctx, sess.PersonID); err == nil {
		if l := rec.Login(sess.LoginID); l != nil {
			actor = l.Name
		}
	}
	ev := jedenlogin.AuditEvent{
		At: s.now(), Action: jedenlogin.AuditSignOut, Actor: actor, PersonID: &sess.PersonID,
		Subject: actor, Address: addr, Outcome: "ok",
	}
	if err := s.st.DeleteSession(ctx, idHash, ev); err != nil {
		return s.internal(fmt.Errorf("sign-out: %w", err))
	}
	return nil
}

// StillActsFor reports whether login loginID of rec holds a grant valid at
// now at the entity: a session acting for an entity whose grant was
// revoked or expired stops acting for it.
func StillActsFor(rec *jedenlogin.PersonRecord, loginID int64, entityID string, now time.Time) bool {
	return slices.ContainsFunc(rec.Grants, func(g jedenlogin.Grant) bool {
		return g.LoginID == loginID && g.EntityID == entityID && g.ValidAt(now)
	})
}
