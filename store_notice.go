package jedenlogin

import (
	"context"
	"time"
)

// NoticeState is where one person's notice of a campaign stands.
type NoticeState string

// Notice states. A notice is claimed (recorded with its Message-ID) before
// it is handed to the mail system and confirmed sent after; what a crash
// between the two leaves behind is the campaign runner's to resolve.
const (
	NoticeClaimed   NoticeState = "claimed"   // recorded, hand-over to mail not yet confirmed
	NoticeSent      NoticeState = "sent"      // handed over to the mail system
	NoticeFailed    NoticeState = "failed"    // the mail system refused it; a later run retries
	NoticeUncertain NoticeState = "uncertain" // a run died between claim and confirmation; never re-sent
)

// NoticeSend is one person's notice in a campaign (`jedenlogin notify`).
type NoticeSend struct {
	Campaign  string
	PersonID  int64
	State     NoticeState
	MessageID string // the Message-ID the notice carries, without angle brackets
	Email     string // the address it went to
	Case      Case
	At        time.Time // of the last state change
	Error     string    // why it failed; never a secret
}

// NoticeStore records notice campaigns so that a campaign killed at any
// moment and run again sends every remaining notice exactly once.
type NoticeStore interface {
	// NoticeSends returns every row of the campaign, in person id order.
	NoticeSends(ctx context.Context, campaign string) ([]NoticeSend, error)
	// ClaimNotices records the claims in one transaction and reports, per
	// claim, whether it was recorded: a claim is recorded (State claimed)
	// when the person exists and is still pending and the campaign has no
	// row for them, or only a failed one (which the claim replaces).
	ClaimNotices(ctx context.Context, claims []NoticeSend) ([]bool, error)
	// SetNoticeStates sets State, At and Error of the campaign's rows of
	// the given persons in one transaction, but only of rows whose state
	// is from; it returns how many rows changed.
	SetNoticeStates(ctx context.Context, campaign string, from NoticeState, updates []NoticeSend) (int, error)
}
