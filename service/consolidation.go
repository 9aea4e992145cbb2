package service

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
)

// confirmLeaseTTL bounds how long a confirmation holds its person's lease
// (lockConsolidation) should its instance die holding it: far longer than
// a confirmation takes, short enough for the person to try again soon.
// A confirmation outliving it (hashing slots all taken for a minute) may
// overlap the next one; Store.UpdatePerson still lets only one of them
// consolidate.
const confirmLeaseTTL = time.Minute

// confirmLeaseWait is how long a confirmation waits for another one of the
// same person to end before it gives up (503 unavailable).
const confirmLeaseWait = 10 * time.Second

// Confirm performs the one-login transition of the session's person with
// the chosen login name (choose cases; in generate the reserved login,
// "" meaning it) and the password (SPEC §6): in the choose cases it must
// be the chosen login's own password, in generate the password of the
// login the session is bound to, which the new login then gets.
//
// Confirmations of one person run one at a time, on every instance
// (lockConsolidation), and read the person afresh once their turn comes:
// of several racing, the first consolidates and the others are answered
// 409 without a password check. A confirmation counts a failure for the
// login name before it checks the password, as sign-in does, so parallel
// wrong passwords never check more than the limit allows (SPEC §8).
//
// The password is verified outside the person's lock (argon2 is slow);
// inside Store.UpdatePerson the hash is checked to be unchanged before
// consolidation.Confirm runs. On success the session is renewed, bound to
// the unified login. Errors (*jedenlogin.Error): 409 already_consolidated; 403
// login_not_eligible with "candidates"; 401 invalid_credentials (counted as
// a failure of that login name) or 429 too_many_attempts; 409 conflict when
// the password changed meanwhile; 503 unavailable when another
// confirmation of the person does not end in time; 500 internal.
func (s *Consolidation) Confirm(ctx context.Context, a *jedenlogin.Caller, name, pw string) (*jedenlogin.Confirmed, error) {
	if !a.Pending() || midTransition(a.Record) {
		return nil, jedenlogin.AsError(jedenlogin.ErrAlreadyConsolidated)
	}
	release, err := s.lockConsolidation(ctx, a.Person.ID)
	if err != nil {
		return nil, err
	}
	defer release()
	// The record the session was checked with may predate a confirmation
	// that held the lease before this one.
	rec, err := s.st.Person(ctx, a.Person.ID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("confirm: load person %d: %w", a.Person.ID, err))
	}
	if rec.Person.State == jedenlogin.StateDone || midTransition(rec) {
		return nil, jedenlogin.AsError(jedenlogin.ErrAlreadyConsolidated)
	}
	login := rec.Login(a.Login.ID)
	if login == nil { // logins are never deleted
		return nil, s.internal(fmt.Errorf("confirm: login %d is not of person %d", a.Login.ID, rec.Person.ID))
	}
	now := s.now()

	ch, err := consolidation.Choose(rec, login, name)
	var ne *consolidation.NotEligible
	if errors.As(err, &ne) {
		return nil, s.notEligible(ne.Candidates)
	} else if err != nil {
		return nil, jedenlogin.AsError(err)
	}
	c, unifiedName, verifyAs := ch.Case, ch.UnifiedName, ch.VerifyAs

	att, err := s.BeginAttempt(ctx, verifyAs.Name, a.Addr, now)
	if err != nil {
		var he *jedenlogin.Error
		if errors.As(err, &he) {
			return nil, s.RefuseBlocked(ctx, verifyAs.Name, a.Addr, &rec.Person.ID, "consolidation", he, now)
		}
		return nil, err
	}
	ok, err := s.VerifyPassword(ctx, verifyAs.PasswordHash, pw, nil)
	if errors.Is(err, ErrHashingWait) {
		return nil, s.internal(fmt.Errorf("confirm: %w", err))
	} else if err != nil {
		s.log.ErrorContext(ctx, "confirm: unusable password hash", "login_id", verifyAs.ID, "err", err)
		ok = false
	}
	if !ok {
		return nil, s.FailAttempt(ctx, att, &rec.Person.ID, "wrong_password", "consolidation", now)
	}
	if err := s.SucceedAttempt(ctx, att, now); err != nil {
		return nil, s.internal(err)
	}

	// generate: the new login gets the password just verified. choose:
	// the chosen login keeps its password, rehashed when its hash is old.
	newHash := ""
	if c == jedenlogin.CaseGenerate || s.hasher.NeedsRehash(verifyAs.PasswordHash) {
		if newHash, err = s.HashPassword(ctx, pw); err != nil {
			return nil, s.internal(fmt.Errorf("confirm: hash: %w", err))
		}
	}

	var unifiedID int64
	var ev jedenlogin.AuditEvent
	err = s.st.UpdatePerson(ctx, rec.Person.ID, func(cur *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		if cur.Person.State == jedenlogin.StateDone {
			return nil, jedenlogin.ErrAlreadyConsolidated
		}
		v := cur.Login(verifyAs.ID)
		if v == nil || v.State != verifyAs.State || v.PasswordHash != verifyAs.PasswordHash {
			return nil, s.errf(jedenlogin.ECONFLICT, "consolidation.credentials_changed")
		}
		e, err := consolidation.Confirm(cur, unifiedName, newHash, now)
		if err != nil {
			return nil, err
		}
		e.Actor = login.Name
		e.Address = a.Addr
		ev = *e
		unifiedID = *cur.Person.UnifiedLoginID
		events := []jedenlogin.AuditEvent{*e}
		if newHash != "" && c != jedenlogin.CaseGenerate {
			events = append(events, jedenlogin.AuditEvent{
				At: now, Action: jedenlogin.AuditPasswordRehashed, Actor: login.Name, PersonID: &cur.Person.ID,
				Subject: unifiedName, Address: a.Addr, Outcome: "ok",
			})
		}
		return events, nil
	})
	if err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.CodeLoginNotEligible {
			he.Extra = map[string]any{"candidates": nonNil(consolidation.Candidates(rec))}
		}
		return nil, he
	}
	s.metrics.Consolidated(c)
	s.log.InfoContext(ctx, "consolidated", "person_id", rec.Person.ID, "case", c, "audit_subject", ev.Subject)

	after, err := s.st.Person(ctx, rec.Person.ID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("confirm: reload person: %w", err))
	}
	s.mailTransitionDone(ctx, after)
	// The renewed session keeps where it stood with the second factor.
	id, sess, err := s.startSession(ctx, unifiedID, rec.Person.ID, now, a.Session.IDHash, jedenlogin.SessionStart{
		Session: jedenlogin.Session{MFA: a.Session.MFA, AMR: a.Session.AMR},
	})
	if err != nil {
		return nil, s.internal(fmt.Errorf("confirm: renew session: %w", err))
	}
	return &jedenlogin.Confirmed{SessionID: id, Session: sess, Record: after, Unified: after.Login(unifiedID)}, nil
}

// lockConsolidation makes the confirmations of one person run one at a
// time, on every instance sharing the database: it takes the person's
// lease in the store ("consolidation:<id>", confirmLeaseTTL), waiting
// while another confirmation holds it, and returns the function that
// releases it. Without it, correct confirmations racing for one person
// would each count a failure of their login name before the first of them
// clears it, and the rest would find the name blocked instead of the
// person consolidated. The wait polls the store every 10 ms, growing to
// 25 ms (each pause lengthened by up to half at random, so waiters do not
// poll in step), until the lease is free, the request ends (500, the
// client is gone) or confirmLeaseWait passes (503 unavailable).
func (s *Service) lockConsolidation(ctx context.Context, personID int64) (release func(), err error) {
	key := "consolidation:" + strconv.FormatInt(personID, 10)
	holder := NewToken()
	wait, cancel := context.WithTimeout(ctx, confirmLeaseWait)
	defer cancel()
	pause := 10 * time.Millisecond
	for {
		ok, err := s.st.AcquireLease(ctx, key, holder, s.now(), confirmLeaseTTL)
		if err != nil {
			return nil, s.internal(fmt.Errorf("confirm: take lease %s: %w", key, err))
		}
		if ok {
			return func() {
				// Released also when the client went away meanwhile; a
				// lease left behind would keep the person waiting for
				// confirmLeaseTTL.
				if err := s.st.ReleaseLease(context.WithoutCancel(ctx), key, holder); err != nil {
					s.log.ErrorContext(ctx, "confirm: release lease", "key", key, "err", err)
				}
			}, nil
		}
		t := time.NewTimer(pause + rand.N(pause/2))
		select {
		case <-wait.Done():
			t.Stop()
			if ctx.Err() != nil {
				return nil, s.internal(fmt.Errorf("confirm: waiting for another confirmation: %w", context.Cause(ctx)))
			}
			he := s.errf(jedenlogin.CodeUnavailable, "consolidation.busy")
			he.RetryAfter = 5 * time.Second
			return nil, he
		case <-t.C:
		}
		pause = min(pause+pause/4, 25*time.Millisecond)
	}
}

// midTransition reports a record read while a confirmation committed: the
// person still pending but some login already merged. Only consolidation
// merges logins, so the transition has happened. (Store.Person does not
// promise one snapshot across its queries.)
func midTransition(rec *jedenlogin.PersonRecord) bool {
	if rec.Person.State == jedenlogin.StateDone {
		return false
	}
	return slices.ContainsFunc(rec.Logins, func(l jedenlogin.Login) bool { return l.State == jedenlogin.LoginMerged })
}

// notEligible is the 403 login_not_eligible answer listing the candidates.
func (s *Service) notEligible(cands []string) *jedenlogin.Error {
	he := s.errf(jedenlogin.CodeLoginNotEligible, "consolidation.not_eligible")
	he.Extra = map[string]any{"candidates": nonNil(cands)}
	return he
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
