package consolidation

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"jedenlogin"
)

// DeadlineChoice is what completing the transition for a person who did not
// act by the deadline does (`jedenlogin finish`).
type DeadlineChoice struct {
	Case jedenlogin.Case
	// Keep is the name the person's one login will have.
	Keep string
	// PasswordFrom is, in generate, the login whose password hash the new
	// login gets; "" otherwise (the kept login keeps its own).
	PasswordFrom string
	passwordHash string
	// Retire are the other active logins, which stop working; sorted.
	Retire []string
}

// ChooseAtDeadline decides for a pending person who did not confirm by the
// deadline, by the rule of "most recently used":
//
//   - choose, choose_uppercase: the candidate (Candidates) with the latest
//     LastLoginAt is kept;
//   - generate: the reserved login becomes the person's, with the password
//     hash of the active login with a password that has the latest
//     LastLoginAt;
//   - unchanged: the one login.
//
// Ties, and logins never used (no LastLoginAt, older than any use), are
// decided as the account data are (AccountSource): the latest AcceptedAt,
// then the lowest id. It returns ErrAlreadyConsolidated, ErrNoActiveLogin,
// ErrNoGeneratedLogin (generate without a reserved login) or
// ErrPasswordRequired (generate where no active login has a password).
func ChooseAtDeadline(rec *jedenlogin.PersonRecord) (DeadlineChoice, error) {
	if rec.Person.State == jedenlogin.StateDone {
		return DeadlineChoice{}, jedenlogin.ErrAlreadyConsolidated
	}
	ch := DeadlineChoice{Case: Classify(rec.Logins), Retire: []string{}}
	var keep *jedenlogin.Login
	switch ch.Case {
	case jedenlogin.CaseChoose, jedenlogin.CaseChooseUppercase:
		for _, name := range Candidates(rec) {
			if l := rec.LoginByName(name); keep == nil || usedLater(l, keep) {
				keep = l
			}
		}
	case jedenlogin.CaseUnchanged:
		keep = AccountSource(rec, 0)
	case jedenlogin.CaseGenerate:
		keep = generated(rec)
		if keep == nil || keep.State != jedenlogin.LoginReserved {
			return ch, ErrNoGeneratedLogin
		}
		var from *jedenlogin.Login
		for i := range rec.Logins {
			if l := &rec.Logins[i]; l.CanSignIn() && (from == nil || usedLater(l, from)) {
				from = l
			}
		}
		if from == nil {
			return ch, ErrPasswordRequired
		}
		ch.PasswordFrom, ch.passwordHash = from.Name, from.PasswordHash
	case jedenlogin.CaseNoActiveLogin:
		return ch, ErrNoActiveLogin
	default:
		return ch, fmt.Errorf("consolidation: person %s: unknown case %q", rec.Person.Key, ch.Case)
	}
	ch.Keep = keep.Name
	for i := range rec.Logins {
		if l := &rec.Logins[i]; l.State == jedenlogin.LoginActive && l.ID != keep.ID {
			ch.Retire = append(ch.Retire, l.Name)
		}
	}
	slices.Sort(ch.Retire)
	return ch, nil
}

// usedLater reports whether a was used more recently than b: the later
// LastLoginAt (none is older than any), then AccountSource's order.
func usedLater(a, b *jedenlogin.Login) bool {
	if a.LastLoginAt != nil && b.LastLoginAt == nil {
		return true
	} else if a.LastLoginAt == nil && b.LastLoginAt != nil {
		return false
	} else if a.LastLoginAt != nil && !a.LastLoginAt.Equal(*b.LastLoginAt) {
		return a.LastLoginAt.After(*b.LastLoginAt)
	}
	return newerSource(a, b, 0)
}

// ConfirmAtDeadline completes the transition of a person who did not act
// by the deadline: ChooseAtDeadline, then Confirm with the same invariants
// as the person's own confirmation (grants moved and merged, the other
// logins merged, account data created). The audit event is Confirm's, its
// details extended with "completed_by": "deadline" (and "password_from" in
// generate); the caller sets Actor. Errors: those of ChooseAtDeadline and
// Confirm; on error rec is unchanged.
func ConfirmAtDeadline(rec *jedenlogin.PersonRecord, now time.Time) (*jedenlogin.AuditEvent, DeadlineChoice, error) {
	ch, err := ChooseAtDeadline(rec)
	if err != nil {
		return nil, ch, fmt.Errorf("consolidation: person %s: %w", rec.Person.Key, err)
	}
	ev, err := Confirm(rec, ch.Keep, ch.passwordHash, now)
	if err != nil {
		return nil, ch, err
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
		return nil, ch, fmt.Errorf("consolidation: audit details: %w", err)
	}
	d["completed_by"] = "deadline"
	if ch.PasswordFrom != "" {
		d["password_from"] = ch.PasswordFrom
	}
	js, err := json.Marshal(d)
	if err != nil {
		return nil, ch, fmt.Errorf("consolidation: audit details: %w", err)
	}
	ev.Details = string(js)
	return ev, ch, nil
}
