package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
)

// signIn checks a login name and password exactly as SPEC §8 says and, on
// success, starts a new session (cookie set on w once the session, its
// audit event, the cleared failure counter and the login's last sign-in
// are stored, together: Store.StartSession). Its errors are
// *jedenlogin.Error answers: 429 too_many_attempts (address or name blocked,
// also for the correct password and for unknown names), 409 login_merged
// (a merged login with its correct password; "unified_login" names the
// replacement), 401 invalid_credentials (anything else, alike for unknown,
// inactive and known names), 500 internal.
func (s *Sessions) SignIn(ctx context.Context, req jedenlogin.SignInRequest) (*jedenlogin.SignedIn, error) {
	now := s.now()
	name, pw, addr := req.Name, req.Password, req.Addr

	att, err := s.BeginAttempt(ctx, name, addr, now)
	if err != nil {
		var he *jedenlogin.Error
		if errors.As(err, &he) {
			return nil, s.RefuseBlocked(ctx, name, addr, nil, "sign_in", he, now)
		}
		return nil, err
	}

	l, err := s.st.LoginByName(ctx, name)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		l = nil
	} else if err != nil {
		return nil, s.internal(fmt.Errorf("sign-in: look up login: %w", err))
	}
	// Every branch spends one hashing slot and one verification, so an
	// unknown or inactive name answers as slowly as a known one; a failure
	// is answered no sooner than the slowest check lately (padFailure), so
	// legacy hashes, fast or slow, answer alike too.
	var began time.Time
	ok, reason := false, "wrong_password"
	switch {
	case l == nil:
		err = s.DummyVerify(ctx, pw, &began)
		reason = "unknown_login"
	case l.PasswordHash == "":
		err = s.DummyVerify(ctx, pw, &began)
		reason = "no_password"
	case l.State == jedenlogin.LoginActive || l.State == jedenlogin.LoginMerged:
		ok, err = s.VerifyPassword(ctx, l.PasswordHash, pw, &began)
		if err != nil && !errors.Is(err, ErrHashingWait) {
			// A hash the import should have refused; the user sees the
			// ordinary failure, operators see the log.
			s.log.ErrorContext(ctx, "sign-in: unusable password hash", "login_id", l.ID, "err", err)
			ok, reason, err = false, "unusable_hash", nil
		}
	default:
		err = s.DummyVerify(ctx, pw, &began)
		reason = "login_" + string(l.State)
	}
	if err != nil {
		// The client went away while waiting; its attempt stays counted.
		return nil, s.internal(fmt.Errorf("sign-in: %w", err))
	}
	if !ok {
		var pid *int64
		if l != nil {
			pid = &l.PersonID
		}
		he := s.FailAttempt(ctx, att, pid, reason, "sign_in", now)
		s.PadFailure(ctx, began)
		return nil, he
	}
	if l.State == jedenlogin.LoginMerged {
		if err := s.SucceedAttempt(ctx, att, now); err != nil {
			return nil, s.internal(err)
		}
		return nil, s.mergedAnswer(ctx, l, addr, now)
	}

	s.rehash(ctx, l, pw, addr, now)
	rec, err := s.st.Person(ctx, l.PersonID)
	if err != nil {
		return nil, s.internal(fmt.Errorf("sign-in: load person %d: %w", l.PersonID, err))
	}
	// One transaction: no session exists unaudited, and a sign-in that
	// failed to be stored leaves the previous session and the failure
	// counted when the attempt began.
	mfa, err := s.mfaStateAtSignIn(ctx, rec, now)
	if err != nil {
		return nil, s.internal(fmt.Errorf("sign-in: %w", err))
	}
	// The password alone clears the failure counter only when no second
	// factor is owed. Otherwise it clears the counter only when its own
	// attempt is all it holds: earlier failures (wrong codes, typed
	// passwords) stay counted, and this attempt with them, until the code
	// is right — else a password holder could guess codes forever, a few
	// per sign-in.
	clear := LoginKey(att.Name)
	if mfa == jedenlogin.MFAPending && att.t.Failures > 1 {
		clear = ""
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditSignIn, Actor: l.Name, PersonID: &l.PersonID,
		Subject: l.Name, Address: addr, Outcome: "ok",
		Details: Details(map[string]any{"consolidation_required": rec.Person.State != jedenlogin.StateDone, "mfa": string(mfa)}),
	}
	// A success does not count against the address: BeginAttempt counted
	// it before the check, and the session's transaction takes it back.
	id, sess, err := s.startSession(ctx, l.ID, l.PersonID, now, req.ReplacesIDHash, jedenlogin.SessionStart{
		Session:       jedenlogin.Session{MFA: mfa},
		ClearThrottle: clear, TouchLogin: true, Audit: []jedenlogin.AuditEvent{ev},
		Forgive: s.addrForgiveness(att, now),
	})
	if err != nil {
		return nil, s.internal(fmt.Errorf("sign-in: %w", err))
	}
	// The record was read before the sign-in was recorded.
	login := rec.Login(l.ID)
	if login != nil {
		login.LastLoginAt = &now
	}
	s.metrics.SignIn(OutcomeSuccess)
	return &jedenlogin.SignedIn{SessionID: id, Session: sess, Login: login, Record: rec}, nil
}

// mergedAnswer is the 409 login_merged answer for a merged login whose
// correct password was given: it names the login that replaced it.
func (s *Service) mergedAnswer(ctx context.Context, l *jedenlogin.Login, addr string, now time.Time) error {
	rec, err := s.st.Person(ctx, l.PersonID)
	if err != nil {
		return s.internal(fmt.Errorf("sign-in: load person of merged login: %w", err))
	}
	var unified *jedenlogin.Login
	if l.MergedInto != nil {
		unified = rec.Login(*l.MergedInto)
	}
	if unified == nil {
		return s.internal(fmt.Errorf("sign-in: merged login %d points to no login of its person", l.ID))
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditSignInFailed, Actor: l.Name, PersonID: &l.PersonID,
		Subject: l.Name, Address: addr, Outcome: "merged",
		Details: Details(map[string]any{"reason": "login_merged", "unified_login": unified.Name}),
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return s.internal(fmt.Errorf("sign-in: audit: %w", err))
	}
	s.metrics.SignIn(OutcomeMerged)
	he := s.errf(jedenlogin.CodeLoginMerged, "signin.merged", l.Name, unified.Name)
	he.Extra = map[string]any{"unified_login": unified.Name}
	return he
}

// rehash replaces a hash in an older format or with older parameters by a
// fresh argon2id hash of the password just verified. It never fails the
// sign-in: a lost race (the hash changed meanwhile) or an error is logged.
func (s *Service) rehash(ctx context.Context, l *jedenlogin.Login, pw, addr string, now time.Time) {
	if !s.hasher.NeedsRehash(l.PasswordHash) {
		return
	}
	nh, err := s.HashPassword(ctx, pw)
	if err != nil {
		s.log.ErrorContext(ctx, "rehash: hash", "login_id", l.ID, "err", err)
		return
	}
	// The password itself did not change: keep its age.
	changedAt := now
	if l.PasswordChangedAt != nil {
		changedAt = *l.PasswordChangedAt
	}
	swapped, err := s.st.SetPasswordHash(ctx, l.ID, l.PasswordHash, nh, changedAt)
	if err != nil {
		s.log.ErrorContext(ctx, "rehash: store", "login_id", l.ID, "err", err)
		return
	}
	if !swapped {
		return
	}
	l.PasswordHash = nh
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditPasswordRehashed, Actor: l.Name, PersonID: &l.PersonID,
		Subject: l.Name, Address: addr, Outcome: "ok",
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		s.log.ErrorContext(ctx, "rehash: audit", "login_id", l.ID, "err", err)
	}
}

// ConsolidationOf describes the pending transition of rec for a session
// bound to login l.
func ConsolidationOf(rec *jedenlogin.PersonRecord, l *jedenlogin.Login) *jedenlogin.ConsolidationInfo {
	c := &jedenlogin.ConsolidationInfo{Case: consolidation.Classify(rec.Logins), Candidates: consolidation.Candidates(rec)}
	if c.Candidates == nil {
		c.Candidates = []string{}
	}
	if c.Case == jedenlogin.CaseGenerate {
		if g := GeneratedLogin(rec); g != nil {
			c.GeneratedLogin = &g.Name
		}
	}
	c.CurrentLoginEligible = slices.Contains(c.Candidates, l.Name)
	return c
}

// GeneratedLogin returns the login reserved for a generate person, or nil.
func GeneratedLogin(rec *jedenlogin.PersonRecord) *jedenlogin.Login {
	if rec.Person.GeneratedLoginID == nil {
		return nil
	}
	return rec.Login(*rec.Person.GeneratedLoginID)
}
