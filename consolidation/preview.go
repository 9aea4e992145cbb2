package consolidation

import (
	"errors"
	"slices"
	"time"

	"jedenlogin"
)

// Outcome is what a transition with one choice will do, computed by the
// same rules as Confirm (it runs Confirm on a copy of the record), for the
// person to read before confirming and in the confirmation afterwards.
type Outcome struct {
	// Unified is the login the person will sign in with; Generated is
	// true when it is new (generate).
	Unified   string
	Generated bool
	// Stopped are the other active logins: they stop working (signing in
	// with one names Unified). Ended are the inactive logins: access
	// through them ends for good.
	Stopped, Ended []string
	// Grants are the open grants Unified holds afterwards (its own, the
	// moved and the merged ones), by entity id; EndedGrants the open
	// grants left on the inactive logins.
	Grants, EndedGrants []jedenlogin.Grant
}

// Preview returns the Outcome of confirming unifiedName ("" in generate and
// unchanged) for rec, which it leaves unchanged. Errors: those of Choose.
func Preview(rec *jedenlogin.PersonRecord, unifiedName string) (*Outcome, error) {
	ch, err := Choose(rec, nil, unifiedName)
	if err != nil {
		return nil, err
	}
	cp := *rec
	cp.Logins = slices.Clone(rec.Logins)
	cp.Grants = cloneGrants(rec.Grants)
	hash := ""
	if ch.Case == jedenlogin.CaseGenerate {
		hash = "preview" // Confirm requires one; the copy is dropped
	}
	if _, err := Confirm(&cp, ch.UnifiedName, hash, time.Time{}); err != nil {
		if errors.Is(err, ErrNotEligible) {
			return nil, &NotEligible{Candidates: Candidates(rec)}
		}
		return nil, err
	}
	o := &Outcome{Unified: ch.UnifiedName, Generated: ch.Case == jedenlogin.CaseGenerate}
	unified := cp.LoginByName(ch.UnifiedName)
	inactive := map[int64]bool{}
	for _, before := range rec.Logins {
		if before.ID == unified.ID {
			continue
		}
		if before.State == jedenlogin.LoginActive {
			o.Stopped = append(o.Stopped, before.Name)
		} else if before.State == jedenlogin.LoginInactive {
			o.Ended = append(o.Ended, before.Name)
			inactive[before.ID] = true
		}
	}
	for _, g := range cp.Grants {
		if g.RevokedAt != nil || g.MergedInto != nil {
			continue
		}
		if g.LoginID == unified.ID {
			o.Grants = append(o.Grants, g)
		} else if inactive[g.LoginID] {
			o.EndedGrants = append(o.EndedGrants, g)
		}
	}
	slices.Sort(o.Stopped)
	slices.Sort(o.Ended)
	return o, nil
}

// Done returns the Outcome of the transition rec went through, read from the
// record afterwards (Login.StateBeforeMerge), or nil when rec is not
// consolidated or has no unified login. Its Generated is true when the
// unified login was reserved for the person (generate).
func Done(rec *jedenlogin.PersonRecord) *Outcome {
	if rec.Person.State != jedenlogin.StateDone || rec.Person.UnifiedLoginID == nil {
		return nil
	}
	unified := rec.Login(*rec.Person.UnifiedLoginID)
	if unified == nil {
		return nil
	}
	o := &Outcome{Unified: unified.Name, Generated: rec.Person.Case == jedenlogin.CaseGenerate}
	ended := map[int64]bool{}
	for _, l := range rec.Logins {
		if l.ID == unified.ID || l.State != jedenlogin.LoginMerged || l.MergedInto == nil || *l.MergedInto != unified.ID {
			continue
		}
		switch l.StateBeforeMerge {
		case jedenlogin.LoginActive:
			o.Stopped = append(o.Stopped, l.Name)
		case jedenlogin.LoginInactive:
			o.Ended = append(o.Ended, l.Name)
			ended[l.ID] = true
		}
	}
	for _, g := range rec.Grants {
		if g.RevokedAt != nil || g.MergedInto != nil {
			continue
		}
		if g.LoginID == unified.ID {
			o.Grants = append(o.Grants, g)
		} else if ended[g.LoginID] {
			o.EndedGrants = append(o.EndedGrants, g)
		}
	}
	slices.Sort(o.Stopped)
	slices.Sort(o.Ended)
	return o
}
