package consolidation

import (
	"slices"

	"jedenlogin"
)

// PlanRow is one line of `jedenlogin plan --format json` (SPEC §6). Every
// field is always present: the slices marshal as [] when empty (never
// null), GeneratedLogin is "" unless the person's case is generate, and
// UnifiedLogin is "" until the person is done.
type PlanRow struct {
	PersonID       int64    `json:"person_id"`
	PersonKey      string   `json:"person_key"`
	Case           string   `json:"case"`
	State          string   `json:"state"`
	Logins         []string `json:"logins"`
	ActiveLogins   []string `json:"active_logins"`
	Candidates     []string `json:"candidates"`
	GeneratedLogin string   `json:"generated_login"`
	UnifiedLogin   string   `json:"unified_login"`
	Entities       []string `json:"entities"`
}

// Row returns the plan row of a person. Case is the person's stored case
// (the case they were in, also once done), or Classify of their logins when
// none is stored; State "" reads as pending. Logins lists every login name
// in any state, ActiveLogins the active ones, both sorted; Candidates is
// Candidates(rec); Entities are the sorted ids of the entities of the
// non-merged grants held by the person's logins (revoked and expired ones
// included).
func Row(rec *jedenlogin.PersonRecord) PlanRow {
	p := &rec.Person
	r := PlanRow{
		PersonID:     p.ID,
		PersonKey:    p.Key,
		Case:         string(p.Case),
		State:        string(p.State),
		Logins:       []string{},
		ActiveLogins: []string{},
		Candidates:   Candidates(rec),
		Entities:     []string{},
	}
	if r.Case == "" {
		r.Case = string(Classify(rec.Logins))
	}
	if r.State == "" {
		r.State = string(jedenlogin.StatePending)
	}
	held := make(map[int64]bool, len(rec.Logins))
	for i := range rec.Logins {
		l := &rec.Logins[i]
		held[l.ID] = true
		r.Logins = append(r.Logins, l.Name)
		if l.State == jedenlogin.LoginActive {
			r.ActiveLogins = append(r.ActiveLogins, l.Name)
		}
	}
	slices.Sort(r.Logins)
	slices.Sort(r.ActiveLogins)
	if p.Case == jedenlogin.CaseGenerate && p.GeneratedLoginID != nil {
		if l := rec.Login(*p.GeneratedLoginID); l != nil {
			r.GeneratedLogin = l.Name
		}
	}
	if p.State == jedenlogin.StateDone && p.UnifiedLoginID != nil {
		if l := rec.Login(*p.UnifiedLoginID); l != nil {
			r.UnifiedLogin = l.Name
		}
	}
	for i := range rec.Grants {
		if g := &rec.Grants[i]; g.MergedInto == nil && held[g.LoginID] {
			r.Entities = append(r.Entities, g.EntityID)
		}
	}
	slices.Sort(r.Entities)
	r.Entities = slices.Compact(r.Entities)
	return r
}
