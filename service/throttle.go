package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
	_ "time/tzdata" // block times are shown in Polish time even where the system has no zoneinfo

	"jedenlogin"
	"jedenlogin/locale"
)

// Warsaw is the time zone block times are shown in.
var Warsaw = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		panic(fmt.Sprintf("web: time zone Europe/Warsaw: %v", err)) // embedded by time/tzdata
	}
	return loc
}()

// LoginKey is the throttle key of a login name for sign-in failures.
func LoginKey(name string) string { return "login:" + name }

// AddrKey is the throttle key of a client address for sign-in failures:
// ThrottleKey("addr", addr).
func AddrKey(addr string) string { return ThrottleKey("addr", addr) }

// ThrottleKey is the key under which requests of a kind ("addr" for
// sign-in failures, "apply" for public applications, …) from a client
// address are counted: kind + ":" + the address. IPv6 clients usually hold
// a whole /64, so an IPv6 address counts as its /64 ("2001:db8::/64");
// other addresses, IPv4 in IPv6 included, count as themselves. It is the
// one place the address folding is written, so every limit per address
// treats a /64 alike.
func ThrottleKey(kind, addr string) string {
	if a, err := netip.ParseAddr(addr); err == nil && a.Is6() && !a.Is4In6() {
		return kind + ":" + netip.PrefixFrom(a, 64).Masked().String()
	}
	return kind + ":" + addr
}

func BlockedAt(t jedenlogin.Throttle, now time.Time) bool {
	return t.BlockedUntil != nil && now.Before(*t.BlockedUntil)
}

// NameBlocked is the 429 answer for a blocked login name ("Użytkownik
// został zablokowany do HH:MM.").
func (s *Service) NameBlocked(until, now time.Time) *jedenlogin.Error {
	he := s.errf(jedenlogin.CodeTooManyAttempts, "signin.blocked", until.In(Warsaw).Format("15:04"))
	he.RetryAfter = until.Sub(now)
	return he
}

// AddrBlocked is the 429 answer for a blocked client address.
func (s *Service) AddrBlocked(until, now time.Time) *jedenlogin.Error {
	he := s.errf(jedenlogin.CodeTooManyAttempts, "signin.address_blocked")
	he.RetryAfter = until.Sub(now)
	return he
}

// Attempt is one password check against a login name from a client
// address, its failure counted for the address and the name before the
// check.
type Attempt struct {
	Name, Addr string
	t          jedenlogin.Throttle // the name's counter after this failure was counted
	blockedNow bool                // this Attempt's failure blocked the name
	addrT      jedenlogin.Throttle // the address's counter after this failure was counted
	addrNow    bool                // this Attempt's failure blocked the address
}

// addrLimit is the count at which an address is blocked: more than
// AddressFailureLimit failures.
func (s *Service) addrLimit() int { return s.cfg.AddressFailureLimit + 1 }

// BeginAttempt refuses (429 too_many_attempts) when the address or the
// name is blocked, and otherwise counts a failure for the address and then
// for the name, each atomically, before the password is checked, so that
// parallel attempts never check more passwords than the limits allow: the
// Attempt whose count reaches a limit is still checked (its success takes
// the count back), later ones are refused without a check. A successful
// Attempt takes its address failure back (SucceedAttempt, ForgiveAddress),
// so many people signing in behind one address (a school's NAT) are never
// blocked by their successes. Other errors are internal.
func (s *Service) BeginAttempt(ctx context.Context, name, addr string, now time.Time) (*Attempt, error) {
	// One call for the four steps (on PostgreSQL one statement): the
	// counters read, then the failures counted, each only as far as the
	// steps before allow.
	c, err := s.st.CountAttempt(ctx, jedenlogin.AttemptCount{
		Now:  now,
		Addr: jedenlogin.FailureCount{Key: AddrKey(addr), Window: s.cfg.AddressFailureWindow, Limit: s.addrLimit(), Block: s.cfg.AddressFailureWindow},
		Name: jedenlogin.FailureCount{Key: LoginKey(name), Window: s.cfg.LoginFailureWindow, Limit: s.cfg.LoginFailureLimit, Block: s.cfg.LoginBlock},
	})
	if err != nil {
		return nil, s.internal(fmt.Errorf("count attempt: %w", err))
	}
	if BlockedAt(c.AddrBefore, now) {
		return nil, s.AddrBlocked(*c.AddrBefore.BlockedUntil, now)
	}
	if BlockedAt(c.NameBefore, now) {
		return nil, s.NameBlocked(*c.NameBefore.BlockedUntil, now)
	}
	if !c.AddrCounted {
		return nil, s.internal(fmt.Errorf("count attempt: the address's failure was not counted"))
	}
	a := &Attempt{Name: name, Addr: addr, addrT: c.Addr, addrNow: c.AddrBlocked}
	if !a.addrNow && BlockedAt(a.addrT, now) {
		// A parallel Attempt blocked the address first. This refusal stays
		// counted, as the Attempts racing a block are an address's flood.
		return nil, s.AddrBlocked(*a.addrT.BlockedUntil, now)
	}
	if !c.NameCounted {
		return nil, s.internal(fmt.Errorf("count attempt: the name's failure was not counted"))
	}
	a.t, a.blockedNow = c.Name, c.NameBlocked
	if !a.blockedNow && BlockedAt(a.t, now) {
		// A parallel Attempt reached the name's limit first. RefuseBlocked
		// counts this refusal for the address, so the count taken above is
		// given back: one refusal, one count.
		if err := s.ForgiveAddress(ctx, a, now); err != nil {
			return nil, s.internal(err)
		}
		return nil, s.NameBlocked(*a.t.BlockedUntil, now)
	}
	return a, nil
}

// ForgiveAddress takes back the failure a's BeginAttempt counted for its
// address: the check succeeded (or the Attempt was refused otherwise).
func (s *Service) ForgiveAddress(ctx context.Context, a *Attempt, now time.Time) error {
	f := s.addrForgiveness(a, now)
	if err := s.st.ForgiveFailure(ctx, f.Key, f.Now, f.Window, f.Limit); err != nil {
		return fmt.Errorf("forgive address failure: %w", err)
	}
	return nil
}

// addrForgiveness is what ForgiveAddress takes back, for a transaction
// that takes it back with its other writes (SessionStart.Forgive).
func (s *Service) addrForgiveness(a *Attempt, now time.Time) jedenlogin.Forgiveness {
	return jedenlogin.Forgiveness{Key: AddrKey(a.Addr), Now: now, Window: s.cfg.AddressFailureWindow, Limit: s.addrLimit()}
}

// SucceedAttempt clears the name's counter and takes the address's failure
// back after a correct password.
func (s *Service) SucceedAttempt(ctx context.Context, a *Attempt, now time.Time) error {
	if err := s.st.ClearThrottle(ctx, LoginKey(a.Name)); err != nil {
		return fmt.Errorf("clear throttle: %w", err)
	}
	return s.ForgiveAddress(ctx, a, now)
}

// FailAttempt records a failed check (counted for the address and the name
// when the Attempt began): writes the audit events and returns the answer — 401 invalid_credentials with the remaining
// attempts, or 429 too_many_attempts when this failure blocked the name
// or the address. personID is the person behind the name, nil when
// unknown; it goes only to the audit log, never into the answer.
func (s *Service) FailAttempt(ctx context.Context, a *Attempt, personID *int64, reason, during string, now time.Time) *jedenlogin.Error {
	addrT, addrBlockedNow := a.addrT, a.addrNow
	var he *jedenlogin.Error
	outcome := "failed"
	switch {
	// A block set by another Attempt refused this one in BeginAttempt, so
	// the name is blocked here only when this failure blocked it.
	case a.blockedNow:
		he = s.NameBlocked(*a.t.BlockedUntil, now)
		outcome = "blocked"
		s.metrics.SignIn(OutcomeBlocked)
	case addrBlockedNow:
		he = s.AddrBlocked(*addrT.BlockedUntil, now)
		outcome = "address_blocked"
		s.metrics.SignIn(OutcomeAddressBlocked)
	default:
		remaining := max(s.cfg.LoginFailureLimit-a.t.Failures, 0)
		he = s.errf(jedenlogin.CodeInvalidCredentials, "signin.invalid")
		he.Extra = map[string]any{"remaining_attempts": remaining}
		he.Notice = locale.Plural("signin.remaining", remaining)
		s.metrics.SignIn(OutcomeInvalid)
	}

	events := []jedenlogin.AuditEvent{{
		At: now, Action: jedenlogin.AuditSignInFailed, Actor: a.Name, PersonID: personID,
		Subject: a.Name, Address: a.Addr, Outcome: outcome,
		Details: Details(map[string]any{"reason": reason, "during": during}),
	}}
	if a.blockedNow {
		events = append(events, jedenlogin.AuditEvent{
			At: now, Action: jedenlogin.AuditBlocked, Actor: "system", PersonID: personID,
			Subject: LoginKey(a.Name), Address: a.Addr, Outcome: "blocked",
			Details: Details(map[string]any{"until": a.t.BlockedUntil.UTC().Format(time.RFC3339), "failures": a.t.Failures}),
		})
	}
	if addrBlockedNow {
		events = append(events, jedenlogin.AuditEvent{
			At: now, Action: jedenlogin.AuditBlocked, Actor: "system",
			Subject: AddrKey(a.Addr), Address: a.Addr, Outcome: "blocked",
			Details: Details(map[string]any{"until": addrT.BlockedUntil.UTC().Format(time.RFC3339), "failures": addrT.Failures}),
		})
	}
	if err := s.st.AppendAudit(ctx, events...); err != nil {
		return s.internal(fmt.Errorf("audit failed sign-in: %w", err))
	}
	return he
}

// RefuseBlocked records an Attempt refused because its name or address was
// blocked already, and passes the answer on. A refusal for a blocked name
// is audited and counts as a failure of the address, so one address cannot
// hammer blocked names without end; a refusal for a blocked address is only
// counted in the metrics (its block was audited when it began), so a
// blocked address cannot flood the audit log.
func (s *Service) RefuseBlocked(ctx context.Context, name, addr string, personID *int64, during string, he *jedenlogin.Error, now time.Time) error {
	if he.Code != jedenlogin.CodeTooManyAttempts {
		return he
	}
	if he.Key == "signin.address_blocked" {
		s.metrics.SignIn(OutcomeAddressBlocked)
		return he
	}
	s.metrics.SignIn(OutcomeBlocked)
	if _, _, err := s.st.RecordFailure(ctx, AddrKey(addr), now, s.cfg.AddressFailureWindow, s.addrLimit(), s.cfg.AddressFailureWindow); err != nil {
		return s.internal(fmt.Errorf("count refused Attempt: %w", err))
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditSignInFailed, Actor: name, PersonID: personID,
		Subject: name, Address: addr, Outcome: "blocked",
		Details: Details(map[string]any{"reason": "blocked", "during": during}),
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return s.internal(fmt.Errorf("audit refused sign-in: %w", err))
	}
	return he
}

// Details encodes audit Details; values are facts, never secrets.
func Details(m map[string]any) string {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}
