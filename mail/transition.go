package mail

import (
	"time"

	"jedenlogin"
)

// TransitionNoticeData fills KindTransitionNotice: the notice a pending
// person gets before the deadline of the one-login transition, written for
// their case.
type TransitionNoticeData struct {
	// Case is the person's case: choose, choose_uppercase or generate.
	Case jedenlogin.Case
	// Logins are the person's active logins, sorted.
	Logins []string
	// Keep are the logins the person may keep: the uppercase ones in
	// choose and choose_uppercase; empty in generate.
	Keep []string
	// Retire are the logins that stop working whatever the person
	// chooses: the non-uppercase ones in choose_uppercase, all of Logins
	// in generate; empty in choose.
	Retire []string
	// NewLogin is the login reserved for the person in generate.
	NewLogin string
	// Deadline is the last day to act (a date; its time is ignored).
	Deadline time.Time
	// HelpURL is the absolute URL of the help page.
	HelpURL string
}

// TransitionCompletedData fills KindTransitionCompleted: what `jedenlogin
// finish` did for a person who had not acted by the deadline.
type TransitionCompletedData struct {
	Case jedenlogin.Case
	// Login is the person's one login now: the kept one, or the new one in
	// generate.
	Login string
	// PasswordFrom is, in generate, the old login whose password the new
	// login got; "" otherwise.
	PasswordFrom string
	// Retired are the logins that stopped working, sorted.
	Retired  []string
	Deadline time.Time
	HelpURL  string
}
