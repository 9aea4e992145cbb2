package consolidation

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"jedenlogin"
	"jedenlogin/loginname"
)

// Errors returned by Confirm besides jedenlogin.ErrAlreadyConsolidated. They
// are *jedenlogin.Error values, wrapped with context: test with errors.Is,
// read the code with jedenlogin.ErrorCode.
var (
	// ErrNotEligible: the named login may not become the person's one
	// login (not a candidate, not the reserved login). The web layer
	// answers 403 login_not_eligible with the candidates.
	ErrNotEligible = &jedenlogin.Error{Code: jedenlogin.CodeLoginNotEligible, Text: jedenlogin.T("consolidation.not_eligible")}
	// ErrNoActiveLogin: the person has no active login (case
	// no_active_login), so there is nothing to consolidate.
	ErrNoActiveLogin = &jedenlogin.Error{Code: jedenlogin.EFORBIDDEN, Text: jedenlogin.T("consolidation.no_active_login")}
	// ErrNoGeneratedLogin: the person is in case generate but no login is
	// reserved for them yet; reserve one (Store.ReserveLogin) and retry.
	ErrNoGeneratedLogin = &jedenlogin.Error{Code: jedenlogin.ECONFLICT, Text: jedenlogin.T("consolidation.no_generated_login")}
	// ErrPasswordRequired: the generated login needs a password hash.
	ErrPasswordRequired = &jedenlogin.Error{Code: jedenlogin.EINVALID, Text: jedenlogin.T("consolidation.password_missing")}
)

// Classify returns the case of a person with these logins (SPEC §6). Only
// active logins count; inactive, reserved and merged ones are ignored.
// "Uppercase" means loginname.IsUnified.
func Classify(logins []jedenlogin.Login) jedenlogin.Case {
	var upper, other int
	for i := range logins {
		if logins[i].State != jedenlogin.LoginActive {
			continue
		}
		if loginname.IsUnified(logins[i].Name) {
			upper++
		} else {
			other++
		}
	}
	return CaseOf(upper, other)
}

// CaseOf is the case of a person with upper active logins in the unified
// form (loginname.IsUnified) and other active logins in any other form:
// Classify for a caller that counts the logins as it reads them.
func CaseOf(upper, other int) jedenlogin.Case {
	// (if, not switch, here and in the package's other chains of
	// conditions: gremlins sees no coverage of case expressions.)
	if upper == 0 && other == 0 {
		return jedenlogin.CaseNoActiveLogin
	} else if upper == 0 {
		return jedenlogin.CaseGenerate
	} else if other > 0 {
		return jedenlogin.CaseChooseUppercase
	} else if upper == 1 {
		return jedenlogin.CaseUnchanged
	} else {
		return jedenlogin.CaseChoose
	}
}

// Candidates returns the names of the active unified logins the person may
// choose, sorted; empty (never nil) unless the person is pending and their
// logins classify as choose or choose_uppercase.
func Candidates(rec *jedenlogin.PersonRecord) []string {
	out := []string{}
	if rec.Person.State == jedenlogin.StateDone {
		return out
	}
	if c := Classify(rec.Logins); c != jedenlogin.CaseChoose && c != jedenlogin.CaseChooseUppercase {
		return out
	}
	for i := range rec.Logins {
		l := &rec.Logins[i]
		if l.State == jedenlogin.LoginActive && loginname.IsUnified(l.Name) {
			out = append(out, l.Name)
		}
	}
	slices.Sort(out)
	return out
}

// AccountSource returns the active login whose application data become the
// account data: the latest AcceptedAt (a nil AcceptedAt counts as older than
// any date); ties are won by the login with ID preferID, remaining ties by
// the lowest ID. It returns nil when the person has no active login.
func AccountSource(rec *jedenlogin.PersonRecord, preferID int64) *jedenlogin.Login {
	var best *jedenlogin.Login
	for i := range rec.Logins {
		l := &rec.Logins[i]
		if l.State != jedenlogin.LoginActive {
			continue
		}
		if best == nil || newerSource(l, best, preferID) {
			best = l
		}
	}
	return best
}

// newerSource reports whether a beats b as the account source.
func newerSource(a, b *jedenlogin.Login, preferID int64) bool {
	if a.AcceptedAt != nil && b.AcceptedAt == nil {
		return true
	} else if a.AcceptedAt == nil && b.AcceptedAt != nil {
		return false
	} else if a.AcceptedAt != nil && !a.AcceptedAt.Equal(*b.AcceptedAt) {
		return a.AcceptedAt.After(*b.AcceptedAt)
	} else if a.ID == preferID || b.ID == preferID {
		return a.ID == preferID
	} else {
		return a.ID < b.ID
	}
}

// accountFrom copies a login's application data into account data.
func accountFrom(l *jedenlogin.Login) *jedenlogin.AccountData {
	return &jedenlogin.AccountData{
		FirstName:  l.FirstName,
		SecondName: l.SecondName,
		LastName:   l.LastName,
		PESEL:      l.PESEL,
		Email:      l.Email,
		Phone:      l.Phone,
	}
}

// CompleteUnchanged marks an unchanged person done at import: account data
// from their one active login (kept when the person already has account
// data), UnifiedLoginID set, State done, ConsolidatedAt now. The login, its
// password and its grants stay as they are, and so do the person's inactive
// logins. It returns jedenlogin.ErrAlreadyConsolidated when the person is
// done, and an internal error when their logins are not in case unchanged
// or the login has no id yet (assign ids before calling).
func CompleteUnchanged(rec *jedenlogin.PersonRecord, now time.Time) error {
	p := &rec.Person
	if p.State == jedenlogin.StateDone {
		return fmt.Errorf("consolidation: person %s: %w", p.Key, jedenlogin.ErrAlreadyConsolidated)
	}
	if c := Classify(rec.Logins); c != jedenlogin.CaseUnchanged {
		return fmt.Errorf("consolidation: person %s: case is %s, not %s", p.Key, c, jedenlogin.CaseUnchanged)
	}
	l := AccountSource(rec, 0) // the one active login
	if l.ID == 0 {
		return fmt.Errorf("consolidation: person %s: login %s has no id yet", p.Key, l.Name)
	}
	p.Case = jedenlogin.CaseUnchanged
	p.State = jedenlogin.StateDone
	p.UnifiedLoginID = ptr(l.ID)
	if p.Account == nil {
		p.Account = accountFrom(l)
	}
	p.ConsolidatedAt = ptr(now)
	return nil
}

// auditDetails is the Details JSON of an AuditConsolidated event.
type auditDetails struct {
	Case         jedenlogin.Case `json:"case"`
	MergedLogins []string        `json:"merged_logins"`
	MovedGrants  int             `json:"moved_grants"`
	MergedGrants int             `json:"merged_grants"`
	AccountFrom  string          `json:"account_from,omitempty"`
}

// Choice is what a confirmation of the one-login transition resolves to
// before any password is checked: the person's case, the name the unified
// login will have, and the login whose password proves the choice.
type Choice struct {
	Case        jedenlogin.Case
	UnifiedName string
	// VerifyAs is the login whose password must be given: the chosen
	// login in the choose cases, the session's own login otherwise (in
	// generate the new login gets that password).
	VerifyAs *jedenlogin.Login
}

// Choose applies SPEC §6's rule of who may confirm what: with session the
// login the person signed in with and name the login they chose ("" in
// generate and unchanged: the reserved, resp. the one login). It returns
// ErrNotEligible wrapped in a *NotEligible that lists the logins that can
// be chosen, ErrNoGeneratedLogin when generate has no reserved login yet,
// ErrNoActiveLogin, or ErrAlreadyConsolidated.
func Choose(rec *jedenlogin.PersonRecord, session *jedenlogin.Login, name string) (Choice, error) {
	if rec.Person.State == jedenlogin.StateDone {
		return Choice{}, jedenlogin.ErrAlreadyConsolidated
	}
	ch := Choice{Case: Classify(rec.Logins), UnifiedName: name}
	switch ch.Case {
	case jedenlogin.CaseChoose, jedenlogin.CaseChooseUppercase:
		cands := Candidates(rec)
		if !slices.Contains(cands, name) {
			return ch, &NotEligible{Candidates: cands}
		}
		ch.VerifyAs = rec.LoginByName(name)
	case jedenlogin.CaseGenerate:
		g := generated(rec)
		if g == nil {
			return ch, ErrNoGeneratedLogin
		}
		if name == "" {
			ch.UnifiedName = g.Name
		} else if name != g.Name {
			return ch, &NotEligible{Candidates: []string{g.Name}}
		}
		ch.VerifyAs = session
	case jedenlogin.CaseUnchanged:
		// Normally completed at import; confirming the one login finishes it.
		one := AccountSource(rec, 0)
		if name == "" {
			ch.UnifiedName = one.Name
		} else if name != one.Name {
			return ch, &NotEligible{Candidates: []string{one.Name}}
		}
		ch.VerifyAs = session
	case jedenlogin.CaseNoActiveLogin:
		return ch, ErrNoActiveLogin
	default:
		return ch, &NotEligible{Candidates: []string{}}
	}
	return ch, nil
}

// NotEligible is the error of a login that cannot be the one login; it
// matches ErrNotEligible (errors.Is) and lists the logins that can.
type NotEligible struct {
	Candidates []string
}

func (e *NotEligible) Error() string {
	return fmt.Sprintf("%v (candidates %v)", ErrNotEligible, e.Candidates)
}

func (e *NotEligible) Unwrap() error { return ErrNotEligible }

// generated returns the login reserved for a generate person, or nil.
func generated(rec *jedenlogin.PersonRecord) *jedenlogin.Login {
	if rec.Person.GeneratedLoginID == nil {
		return nil
	}
	return rec.Login(*rec.Person.GeneratedLoginID)
}

// Confirm performs the consolidation of SPEC §6 on rec in memory; the caller
// persists it in one transaction via Store.UpdatePerson, which serialises
// concurrent confirmations of one person. The case is classified from the
// record's logins as they are now.
//
//   - choose, choose_uppercase: unifiedName must be one of Candidates. A
//     non-empty passwordHash replaces the chosen login's hash (a fresh
//     rehash of the password the user just entered); "" keeps it.
//   - generate: unifiedName must be the login reserved for the person
//     (Person.GeneratedLoginID); it becomes active with passwordHash, which
//     is required, and PasswordChangedAt now.
//   - unchanged: unifiedName must be the one active login; completes the
//     person like CompleteUnchanged.
//
// Then the account data are created from AccountSource (ties won by the
// chosen login; in generate, among the legacy logins); existing account data
// are kept. Every grant held by another active login moves to the unified
// login; open (not revoked, not merged) grants of the unified login with the
// same entity and function are merged into one — the one already on the
// unified login, else the lowest id — which gets the union of the scopes and
// the widest validity, the others get MergedInto. Grants of inactive logins
// stay. Every other login of the person becomes merged into the unified one,
// with StateBeforeMerge. The person becomes done. Confirm returns the audit
// event to append; the caller fills Actor and Address.
//
// Errors: jedenlogin.ErrAlreadyConsolidated when the person is done;
// ErrNotEligible for any other unifiedName; ErrNoActiveLogin in case
// no_active_login; ErrNoGeneratedLogin in generate without a reserved login;
// ErrPasswordRequired in generate with passwordHash "". All are wrapped with
// the person's key. On error rec is unchanged.
func Confirm(rec *jedenlogin.PersonRecord, unifiedName, passwordHash string, now time.Time) (*jedenlogin.AuditEvent, error) {
	p := &rec.Person
	ch, err := Choose(rec, nil, unifiedName)
	if err != nil || ch.UnifiedName != unifiedName {
		if err == nil || errors.Is(err, ErrNotEligible) {
			return nil, fmt.Errorf("consolidation: person %s: login %q: %w", p.Key, unifiedName, ErrNotEligible)
		}
		return nil, fmt.Errorf("consolidation: person %s: %w", p.Key, err)
	}
	c := ch.Case
	var unified, source *jedenlogin.Login
	switch c {
	case jedenlogin.CaseUnchanged:
		if err := CompleteUnchanged(rec, now); err != nil {
			return nil, err
		}
		return consolidatedEvent(rec, unifiedName, auditDetails{Case: c, MergedLogins: []string{}, AccountFrom: unifiedName}, now)

	case jedenlogin.CaseChoose, jedenlogin.CaseChooseUppercase:
		unified = ch.VerifyAs
		source = AccountSource(rec, unified.ID)

	case jedenlogin.CaseGenerate:
		unified = generated(rec)
		if unified.State != jedenlogin.LoginReserved {
			return nil, fmt.Errorf("consolidation: person %s: generated login %d not reserved: %w", p.Key, *p.GeneratedLoginID, ErrNoGeneratedLogin)
		}
		if passwordHash == "" {
			return nil, fmt.Errorf("consolidation: person %s: %w", p.Key, ErrPasswordRequired)
		}
		// Before the reserved login turns active: it has no application data.
		source = AccountSource(rec, 0)

	default:
		return nil, fmt.Errorf("consolidation: person %s: unknown case %q", p.Key, c)
	}
	if unified.ID == 0 {
		return nil, fmt.Errorf("consolidation: person %s: login %s has no id", p.Key, unified.Name)
	}

	activeBefore := make(map[int64]bool)
	for i := range rec.Logins {
		if l := &rec.Logins[i]; l.State == jedenlogin.LoginActive && l.ID != unified.ID {
			activeBefore[l.ID] = true
		}
	}
	// Work on a copy of the grants so an error leaves rec unchanged.
	grants := cloneGrants(rec.Grants)
	moved, merged, err := moveGrants(grants, unified.ID, activeBefore)
	if err != nil {
		return nil, fmt.Errorf("consolidation: person %s: %w", p.Key, err)
	}

	// No error is possible from here on.
	rec.Grants = grants
	if c == jedenlogin.CaseGenerate {
		unified.State = jedenlogin.LoginActive
		unified.PasswordHash = passwordHash
		unified.PasswordChangedAt = ptr(now)
	} else if passwordHash != "" {
		unified.PasswordHash = passwordHash
	}
	details := auditDetails{Case: c, MergedLogins: []string{}, MovedGrants: moved, MergedGrants: merged}
	for i := range rec.Logins {
		l := &rec.Logins[i]
		if l.ID == unified.ID || l.State == jedenlogin.LoginMerged {
			continue
		}
		l.StateBeforeMerge = l.State
		l.State = jedenlogin.LoginMerged
		l.MergedInto = ptr(unified.ID)
		l.MergedAt = ptr(now)
		details.MergedLogins = append(details.MergedLogins, l.Name)
	}
	slices.Sort(details.MergedLogins)

	p.Case = c
	p.State = jedenlogin.StateDone
	p.UnifiedLoginID = ptr(unified.ID)
	if p.Account == nil && source != nil {
		p.Account = accountFrom(source)
	}
	if source != nil {
		details.AccountFrom = source.Name
	}
	p.ConsolidatedAt = ptr(now)
	return consolidatedEvent(rec, unified.Name, details, now)
}

// consolidatedEvent builds the audit event of a confirmation.
func consolidatedEvent(rec *jedenlogin.PersonRecord, unifiedName string, d auditDetails, now time.Time) (*jedenlogin.AuditEvent, error) {
	js, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("consolidation: audit details: %w", err)
	}
	return &jedenlogin.AuditEvent{
		At:       now,
		Action:   jedenlogin.AuditConsolidated,
		PersonID: ptr(rec.Person.ID),
		Subject:  unifiedName,
		Outcome:  "ok",
		Details:  string(js),
	}, nil
}

// cloneGrants copies grants deeply enough that changing the copy's scopes
// and validity leaves the original alone.
func cloneGrants(gs []jedenlogin.Grant) []jedenlogin.Grant {
	out := slices.Clone(gs)
	for i := range out {
		out[i].Scopes = slices.Clone(out[i].Scopes)
	}
	return out
}

// moveGrants moves every grant held by a login in from to the unified login
// and merges the open duplicates (same entity and function) now held by it.
// It returns how many grants moved and how many were merged away.
func moveGrants(grants []jedenlogin.Grant, unifiedID int64, from map[int64]bool) (moved, merged int, err error) {
	onUnified := make(map[int]bool) // indexes of grants the unified login held before
	for i := range grants {
		g := &grants[i]
		if g.LoginID == unifiedID {
			onUnified[i] = true
		} else if from[g.LoginID] {
			g.LoginID = unifiedID
			moved++
		}
	}

	type key struct {
		entity   string
		function jedenlogin.Function
	}
	groups := make(map[key][]int)
	var keys []key
	for i := range grants {
		g := &grants[i]
		if g.LoginID != unifiedID || g.RevokedAt != nil || g.MergedInto != nil {
			continue
		}
		k := key{g.EntityID, g.Function}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range keys {
		idx := groups[k]
		if len(idx) < 2 {
			continue
		}
		// The keeper: already on the unified login, then a saved grant
		// (id > 0), then the lowest id.
		sort.Slice(idx, func(a, b int) bool {
			ga, gb := &grants[idx[a]], &grants[idx[b]]
			if onUnified[idx[a]] != onUnified[idx[b]] {
				return onUnified[idx[a]]
			}
			if (ga.ID == 0) != (gb.ID == 0) {
				return gb.ID == 0
			}
			return ga.ID < gb.ID
		})
		keep := &grants[idx[0]]
		if keep.ID == 0 {
			return 0, 0, fmt.Errorf("grants of entity %s (%s) to merge have no id yet", k.entity, k.function)
		}
		for _, i := range idx[1:] {
			g := &grants[i]
			keep.Merge(g)
			g.MergedInto = ptr(keep.ID)
			merged++
		}
	}
	return moved, merged, nil
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
