package jedenlogin

import (
	"context"
	"time"
)

// Confirmed is the result of a successful transition: the renewed
// session (its id for the client, and the stored session), the person's
// record after the transition and the unified login.
type Confirmed struct {
	SessionID string
	Session   *Session
	Record    *PersonRecord // after the transition, reloaded
	Unified   *Login
}

// ConsolidationInfo is what a client must know to show the transition
// screen (the "consolidation" object of SPEC §13).
type ConsolidationInfo struct {
	Case                 Case     `json:"case"`
	Candidates           []string `json:"candidates"`
	GeneratedLogin       *string  `json:"generated_login"`
	CurrentLoginEligible bool     `json:"current_login_eligible"`
}

// TransitionSummary says in the person's terms what the one-login
// transition does (before POTWIERDŹ) or did (afterwards): the login to use,
// the logins that stop working, the inactive logins whose access ends, and
// the entities on either side, by name. It is computed by the
// consolidation rules (consolidation.Preview, consolidation.Done).
type TransitionSummary struct {
	// Unified is the login to sign in with from now on; Generated is true
	// when it is a new one (generate).
	Unified   string
	Generated bool
	// Stopped: the other active logins, which stop working. Ended: the
	// inactive logins, whose access ends.
	Stopped, Ended []string
	// Entities: what Unified acts for afterwards; EndedEntities: the open
	// grants left on the Ended logins.
	Entities, EndedEntities []SummaryEntity
}

// SummaryEntity is one grant of a summary.
type SummaryEntity struct {
	ID, Name string
	Function Function
	ValidTo  *time.Time
	// Valid: open now (an expired grant still moves, and shows as expired).
	Valid bool
}

// ConsolidationService runs the one-login transition (SPEC §6) and says
// in the person's terms what it does or did. Package service implements it
// (service.Consolidation).
type ConsolidationService interface {
	// Confirm performs the transition of the caller's person with the
	// chosen login name ("" in generate: the reserved login) and the
	// password, and renews the session bound to the unified login.
	// Errors: CodeAlreadyConsolidated; CodeLoginNotEligible with
	// Extra["candidates"]; CodeInvalidCredentials (counted as a failure of
	// that name) or CodeTooManyAttempts; ECONFLICT when the password
	// changed meanwhile; CodeUnavailable when another confirmation of the
	// person does not end in time; EINTERNAL.
	Confirm(ctx context.Context, c *Caller, name, pw string) (*Confirmed, error)
	// TransitionPreviews returns what the transition would do for each
	// choice the pending caller has (none when no transition is
	// possible); it changes nothing. Errors: EINTERNAL only.
	TransitionPreviews(ctx context.Context, c *Caller) ([]TransitionSummary, error)
	// TransitionDone returns what the transition did for a consolidated
	// person, nil when the person has not gone through it (or nothing
	// moved). Errors: EINTERNAL only.
	TransitionDone(ctx context.Context, rec *PersonRecord) (*TransitionSummary, error)
}
