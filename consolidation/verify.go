package consolidation

import (
	"fmt"

	"jedenlogin"
	"jedenlogin/locale"
	"jedenlogin/loginname"
)

// Violation is one broken invariant found by Verifier. PersonID is the
// person the message is about (for a clash between two persons, the one
// added later); Message is the text for operators (from the catalogue,
// verify.*) naming the person key and the logins.
type Violation struct {
	PersonID int64
	Message  string
}

// nameEntry is what the Verifier remembers of all logins sharing one folded
// name: a representative login (a generated one when there is one, else a
// unified one, else the first) and how many generated and unified logins
// had that folded name.
type nameEntry struct {
	name      string // the representative login's name
	personKey string // and its person's key
	generated int32
	unified   int32
}

// Verifier checks the invariants of SPEC §11 over all persons, fed one
// record at a time (Store.ForEachPerson, or ForEachPersonOutline: it reads
// no other field of logins and grants): per person, that no grant was lost,
// that merged logins point to the person's unified login, that a done person
// has exactly one active login — the unified one — and account data, that
// a pending person has no merged logins, and that every login belongs to
// the record's person; across persons, that no two unified logins are equal
// ignoring case and that no generated login is equal ignoring case to any
// other login. Legacy logins differing only in case are not violations
// (they are import warnings).
//
// It keeps one small entry per distinct folded login name and no records,
// so a million logins cost tens of megabytes. Not safe for concurrent use.
type Verifier struct {
	names      map[string]nameEntry
	violations []Violation
	persons    int
	logins     int
}

// NewVerifier returns an empty verifier.
func NewVerifier() *Verifier {
	return &Verifier{names: make(map[string]nameEntry)}
}

// Checked returns how many persons and logins were added so far.
func (v *Verifier) Checked() (persons, logins int) { return v.persons, v.logins }

// report records a violation of rec: the catalogue's text of key with
// args, after the person's key.
func (v *Verifier) report(rec *jedenlogin.PersonRecord, key string, args ...any) {
	v.violations = append(v.violations, Violation{
		PersonID: rec.Person.ID,
		Message:  locale.Polish.Msg("verify.person", rec.Person.Key, locale.Polish.Msg(key, args...)),
	})
}

// Add checks one person and remembers what the cross-person checks need.
// Cross-person clashes are reported as soon as the second login arrives.
func (v *Verifier) Add(rec *jedenlogin.PersonRecord) {
	v.persons++
	v.logins += len(rec.Logins)
	p := &rec.Person

	var unified *jedenlogin.Login
	if p.UnifiedLoginID != nil {
		unified = rec.Login(*p.UnifiedLoginID)
	}
	v.checkLogins(rec, unified)
	if p.State == jedenlogin.StateDone && unified != nil {
		v.checkGrants(rec, unified)
	}
	v.checkNames(rec, unified)
}

// checkLogins checks ownership, the done/pending state and merged logins.
func (v *Verifier) checkLogins(rec *jedenlogin.PersonRecord, unified *jedenlogin.Login) {
	p := &rec.Person
	var active []string
	for i := range rec.Logins {
		l := &rec.Logins[i]
		if l.PersonID != p.ID {
			v.report(rec, "verify.login_of_other_person", l.Name, l.PersonID, p.ID)
		}
		if l.State == jedenlogin.LoginActive {
			active = append(active, l.Name)
		}
		if l.State != jedenlogin.LoginMerged {
			continue
		}
		if p.State != jedenlogin.StateDone {
			v.report(rec, "verify.merged_while_pending", l.Name)
		} else if l.MergedInto == nil {
			v.report(rec, "verify.merged_nowhere", l.Name)
		} else if rec.Login(*l.MergedInto) == nil {
			v.report(rec, "verify.merged_into_other_person", l.Name, *l.MergedInto)
		} else if unified == nil || *l.MergedInto != unified.ID {
			v.report(rec, "verify.merged_not_into_unified", l.Name, rec.Login(*l.MergedInto).Name)
		}
	}
	if p.State != jedenlogin.StateDone {
		return
	}
	if p.UnifiedLoginID == nil {
		v.report(rec, "verify.no_unified")
	} else if unified == nil {
		v.report(rec, "verify.unified_of_other_person", *p.UnifiedLoginID)
	} else if unified.State != jedenlogin.LoginActive {
		v.report(rec, "verify.unified_inactive", unified.Name, unified.State)
	} else if len(active) != 1 {
		v.report(rec, "verify.active_logins", len(active), active)
	}
	if p.Account == nil {
		v.report(rec, "verify.no_account_data")
	}
}

// checkGrants checks that no grant of a login that was active at
// consolidation was lost: it is held, open, by the unified login, or merged
// (possibly through a chain) into a grant held by the unified login for the
// same entity.
func (v *Verifier) checkGrants(rec *jedenlogin.PersonRecord, unified *jedenlogin.Login) {
	byID := make(map[int64]*jedenlogin.Grant, len(rec.Grants))
	for i := range rec.Grants {
		byID[rec.Grants[i].ID] = &rec.Grants[i]
	}
	for i := range rec.Grants {
		g := &rec.Grants[i]
		origin := rec.Login(g.OriginLoginID)
		if origin == nil {
			continue // given to another person's login; checked with that person
		}
		wasActive := origin.ID == unified.ID ||
			origin.State == jedenlogin.LoginMerged && origin.StateBeforeMerge == jedenlogin.LoginActive
		if !wasActive {
			continue
		}
		final, ok := g, true
		for steps := 0; final.MergedInto != nil; steps++ {
			next := byID[*final.MergedInto]
			if next == nil || steps > len(rec.Grants) {
				ok = false
				break
			}
			final = next
		}
		if ok && final.LoginID == unified.ID && final.EntityID == g.EntityID {
			continue
		}
		holder := fmt.Sprintf("id %d", final.LoginID)
		if l := rec.Login(final.LoginID); l != nil {
			holder = l.Name
		}
		if !ok {
			v.report(rec, "verify.grant_merged_away",
				g.ID, g.EntityID, origin.Name)
		} else {
			v.report(rec, "verify.grant_lost",
				g.ID, g.EntityID, origin.Name, holder, final.EntityID, unified.Name)
		}
	}
}

// checkNames records the person's logins by folded name and reports clashes
// with generated logins and between unified logins.
func (v *Verifier) checkNames(rec *jedenlogin.PersonRecord, unified *jedenlogin.Login) {
	for i := range rec.Logins {
		l := &rec.Logins[i]
		isGen := l.Origin == jedenlogin.OriginGenerated
		isUnified := rec.Person.State == jedenlogin.StateDone && unified != nil && l.ID == unified.ID
		folded := loginname.Fold(l.Name)
		e, seen := v.names[folded]
		if seen {
			if isUnified && e.unified > 0 {
				v.report(rec, "verify.unified_clash",
					l.Name, e.name, e.personKey)
			} else if isGen || e.generated > 0 {
				v.report(rec, "verify.generated_clash",
					l.Name, e.name, e.personKey)
			}
		}
		if !seen || isGen && e.generated == 0 || isUnified && e.generated == 0 && e.unified == 0 {
			e.name, e.personKey = l.Name, rec.Person.Key
		}
		if isGen {
			e.generated++
		}
		if isUnified {
			e.unified++
		}
		v.names[folded] = e
	}
}

// Finish returns every violation found, in the order found (persons in the
// order added); nil when every invariant holds.
func (v *Verifier) Finish() []Violation {
	return v.violations
}
