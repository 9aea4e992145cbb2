package notice

import (
	"slices"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/loginname"
	"jedenlogin/mail"
)

// Skip is why a person gets no notice.
type Skip string

// Reasons to skip a person.
const (
	SkipNone          Skip = ""
	SkipDone          Skip = "done"            // finished the transition already
	SkipNoActiveLogin Skip = "no_active_login" // nothing to do: no active login
	SkipUnchanged     Skip = "unchanged"       // one uppercase login: nothing changes
	SkipCase          Skip = "case"            // a case the campaign does not cover (--case)
	SkipNoEmail       Skip = "no_email"        // no valid e-mail address
	SkipNoReserved    Skip = "no_reserved"     // generate without a reserved login yet
)

// Notice is what one person is told.
type Notice struct {
	PersonID int64
	Email    string
	Case     jedenlogin.Case
	Data     mail.TransitionNoticeData
}

// Build returns the notice for rec, or why there is none. The case is
// classified from the person's logins as they are now; cases, when not
// empty, limits the campaign to those cases. The address is the account's
// e-mail when the person has account data, else the first valid e-mail of
// their active logins taken in the order consolidation takes the account
// data from them (latest acceptance first, then lowest id).
func Build(rec *jedenlogin.PersonRecord, cases []jedenlogin.Case, deadline time.Time, helpURL string) (Notice, Skip) {
	if rec.Person.State == jedenlogin.StateDone {
		return Notice{}, SkipDone
	}
	c := consolidation.Classify(rec.Logins)
	switch c {
	case jedenlogin.CaseNoActiveLogin:
		return Notice{}, SkipNoActiveLogin
	case jedenlogin.CaseUnchanged:
		return Notice{}, SkipUnchanged
	}
	if len(cases) > 0 && !slices.Contains(cases, c) {
		return Notice{}, SkipCase
	}
	n := Notice{PersonID: rec.Person.ID, Case: c, Data: mail.TransitionNoticeData{
		Case: c, Logins: []string{}, Keep: []string{}, Retire: []string{}, Deadline: deadline, HelpURL: helpURL,
	}}
	for i := range rec.Logins {
		l := &rec.Logins[i]
		if l.State != jedenlogin.LoginActive {
			continue
		}
		n.Data.Logins = append(n.Data.Logins, l.Name)
		if c == jedenlogin.CaseGenerate || !loginname.IsUnified(l.Name) {
			n.Data.Retire = append(n.Data.Retire, l.Name)
		}
	}
	slices.Sort(n.Data.Logins)
	slices.Sort(n.Data.Retire)
	if c == jedenlogin.CaseGenerate {
		g := (*jedenlogin.Login)(nil)
		if id := rec.Person.GeneratedLoginID; id != nil {
			g = rec.Login(*id)
		}
		if g == nil || g.State != jedenlogin.LoginReserved {
			return Notice{}, SkipNoReserved
		}
		n.Data.NewLogin = g.Name
	} else {
		n.Data.Keep = consolidation.Candidates(rec)
	}
	n.Email = Address(rec)
	if n.Email == "" {
		return Notice{}, SkipNoEmail
	}
	return n, SkipNone
}

// Address returns where a person's notices go: the account's e-mail when
// valid, else the first valid e-mail of the active logins, latest
// acceptance first (no acceptance last), then lowest id; "" when none.
func Address(rec *jedenlogin.PersonRecord) string {
	if a := rec.Person.Account; a != nil && jedenlogin.ValidEmail(a.Email) {
		return a.Email
	}
	var best *jedenlogin.Login
	for i := range rec.Logins {
		l := &rec.Logins[i]
		if l.State != jedenlogin.LoginActive || !jedenlogin.ValidEmail(l.Email) {
			continue
		}
		if best == nil || acceptedBefore(best, l) {
			best = l
		}
	}
	if best == nil {
		return ""
	}
	return best.Email
}

// acceptedBefore reports whether b comes before a in the account-source
// order: the later acceptance, then the lower id.
func acceptedBefore(a, b *jedenlogin.Login) bool {
	switch {
	case a.AcceptedAt == nil && b.AcceptedAt != nil:
		return true
	case a.AcceptedAt != nil && b.AcceptedAt == nil:
		return false
	case a.AcceptedAt != nil && !a.AcceptedAt.Equal(*b.AcceptedAt):
		return b.AcceptedAt.After(*a.AcceptedAt)
	}
	return b.ID < a.ID
}
