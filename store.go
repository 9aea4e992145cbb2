package jedenlogin

import (
	"context"
	"time"
)

// Store is the persistence of jedenlogin. Every backend (SQLite, PostgreSQL)
// implements it and passes store/conformance. Implementations hold no state
// that a second process using the same database would need.
//
// Methods return ErrNotFound when a requested row does not exist; other
// errors are EINTERNAL unless stated.
type Store interface {
	Close() error

	// AccountStore: tokens and lookups for self-service (store_account.go).
	AccountStore
	// ApplicationStore: access applications and grant changes (store_application.go).
	ApplicationStore
	// OIDCStore: the OpenID Connect provider's clients, keys, requests and tokens (oidc.go).
	OIDCStore
	// OutboxStore: the durable mail outbox (store_outbox.go).
	OutboxStore
	// NoticeStore: notice campaigns sent exactly once (store_notice.go).
	NoticeStore
	// AdminStore: what the operator console reads (store_admin.go).
	AdminStore
	// VerifiedEmailStore: addresses confirmed by a link (email_verified.go).
	VerifiedEmailStore
	// MFAStore: second factors — TOTP, recovery codes, passkeys (mfa.go).
	MFAStore
	// AdminTokenStore: operator-only API tokens for scripts (admin_token.go).
	AdminTokenStore

	// ImportSnapshot returns what an import must know of the database: every
	// login name, every person key, every entity, and the version the
	// matching BeginImport call checks.
	ImportSnapshot(ctx context.Context) (*ImportSnapshot, error)
	// BeginImport starts writing an import in one transaction (see
	// ImportWriter; WriteImportBatch writes a whole ImportBatch). It takes
	// the import lock and returns an error wrapping ErrImportConflict,
	// writing nothing, when the database changed since the snapshot whose
	// Version is snapshotVersion.
	BeginImport(ctx context.Context, snapshotVersion string, size ImportSize) (ImportWriter, error)

	// Person returns a person with all their logins and grants.
	Person(ctx context.Context, id int64) (*PersonRecord, error)
	// ForEachPerson calls fn for every person in id order, with their logins
	// and grants, streaming (not loading everything at once). An error from
	// fn stops the walk and is returned.
	ForEachPerson(ctx context.Context, fn func(*PersonRecord) error) error
	// ForEachPersonOutline is ForEachPerson with logins and grants in
	// outline: of a login only ID, PersonID, Name, State, MergedInto,
	// Origin and StateBeforeMerge, of a grant only ID, LoginID,
	// OriginLoginID, EntityID and MergedInto (what consolidation.Classify,
	// Candidates, Row and the Verifier read); the Person is whole.
	ForEachPersonOutline(ctx context.Context, fn func(*PersonRecord) error) error
	// PlanSummary counts persons per case and state and per grouping.
	PlanSummary(ctx context.Context) (*PlanSummary, error)
	// UpdatePerson loads the person's record under a lock (row lock or
	// write transaction) so concurrent updates of one person serialise,
	// calls fn, and writes back the person, every login and every grant of
	// the record (grants with ID 0 are inserted), and the audit events fn
	// returns, in one transaction. An error from fn rolls back and is
	// returned unchanged. A new login name (ID 0 logins) that equals an
	// existing one ignoring case gives ErrLoginTaken.
	UpdatePerson(ctx context.Context, id int64, fn func(rec *PersonRecord) ([]AuditEvent, error)) error
	// UpdatePersonMail is UpdatePerson whose fn also returns mail, queued
	// in the outbox in the same transaction (see OutboxStore.EnqueueMail).
	UpdatePersonMail(ctx context.Context, id int64, fn func(rec *PersonRecord) ([]AuditEvent, []OutboxMessage, error)) error
	// ReserveLogin atomically inserts a login for the person with the
	// smallest name prefix+N (N ≥ 1) not equal, ignoring case, to any login
	// that ever existed, and returns it. Concurrent callers never get the
	// same name. l.Name is ignored.
	ReserveLogin(ctx context.Context, prefix string, l Login) (*Login, error)

	// LoginByName returns the login with exactly this name (case-sensitive).
	LoginByName(ctx context.Context, name string) (*Login, error)
	// LoginsByFoldedName returns the logins whose names equal name ignoring case.
	LoginsByFoldedName(ctx context.Context, name string) ([]Login, error)
	// SetPasswordHash replaces a login's hash if it still is oldHash
	// (compare-and-swap, so a rehash never overwrites a concurrent change);
	// it reports whether it did.
	SetPasswordHash(ctx context.Context, loginID int64, oldHash, newHash string, changedAt time.Time) (bool, error)
	// TouchLogin records a successful sign-in.
	TouchLogin(ctx context.Context, loginID int64, at time.Time) error

	// Entities returns the entities with the given ids that exist.
	Entities(ctx context.Context, ids []string) ([]Entity, error)

	// RecordFailure counts one failure for key at time now, atomically: a
	// counter whose window began more than window ago restarts at 1. When
	// the count reaches limit the key is blocked until now+block and
	// blocked is true for this call only (the call that caused the block).
	RecordFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int, block time.Duration) (t Throttle, blocked bool, err error)
	// ThrottleState returns the key's counter (zero Throttle when none).
	ThrottleState(ctx context.Context, key string) (Throttle, error)
	// CountAttempt counts the failures of one sign-in attempt before its
	// check, as these calls in turn do: ThrottleState of the address and
	// (unless the address is blocked at c.Now; NameBefore may then be the
	// zero Throttle) of the name; when neither is blocked at c.Now,
	// RecordFailure for the address; then, unless the address is now
	// blocked by a block this call did not set, RecordFailure for the name.
	// Each count is atomic as RecordFailure's; on PostgreSQL the whole is
	// one statement (one round trip instead of four).
	CountAttempt(ctx context.Context, c AttemptCount) (AttemptCounted, error)
	// ClearThrottle removes the key's counter and block (success, operator unblock).
	ClearThrottle(ctx context.Context, key string) error
	// ForgiveFailure takes back one failure counted for key by
	// RecordFailure (an attempt counted before its check that then
	// succeeded): while the key's window or block still runs at now (the
	// counter RecordFailure would grow rather than restart) the count
	// drops by one, never below 0, and when it falls below limit a block
	// is lifted; otherwise, and for a missing key, it does nothing.
	ForgiveFailure(ctx context.Context, key string, now time.Time, window time.Duration, limit int) error
	// DeleteExpiredThrottles removes the counters whose window began before
	// windowStartBefore and that no block holds at now, and returns how many.
	DeleteExpiredThrottles(ctx context.Context, now, windowStartBefore time.Time) (int, error)

	// AcquireLease takes the lease on key for holder until now+ttl when no
	// one else holds it — it is free, expired (at or before now), or
	// holder's own, which renews it — and reports whether holder holds it
	// now. It is atomic: of concurrent callers, also in other processes
	// sharing the database, at most one gets a free lease. Leases
	// serialise short work across instances; the ttl bounds how long a
	// crashed holder keeps others out. A ttl that is not positive is an
	// error.
	AcquireLease(ctx context.Context, key, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease ends the lease on key if holder holds it; otherwise (it
	// expired and was taken over, or was never held) it does nothing and
	// returns no error.
	ReleaseLease(ctx context.Context, key, holder string) error

	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *Session) error
	// StartSession writes a session's start in one transaction (see
	// SessionStart): it clears the throttle key, records the sign-in on the
	// login, deletes the replaced session, creates the new one and appends
	// the audit events, and takes back the failure SessionStart.Forgive
	// names (ForgiveFailure's rule). When any step fails nothing is written: ErrNotFound
	// when TouchLogin is set and the login does not exist, ECONFLICT when
	// the new session's IDHash exists already.
	StartSession(ctx context.Context, st SessionStart) error
	// Session returns the session with this id hash.
	Session(ctx context.Context, idHash string) (*Session, error)
	// SessionView returns the session with this id hash together with its
	// login, its person and the login's grants with their entities, in one
	// read (see SessionView); ErrNotFound when there is no such session.
	SessionView(ctx context.Context, idHash string) (*SessionView, error)
	// TouchSession sets LastSeenAt (and EntityID when entityID is non-nil)
	// and appends events in the same transaction.
	TouchSession(ctx context.Context, idHash string, at time.Time, entityID *string, events ...AuditEvent) error
	// DeleteSession removes one session and appends events in the same
	// transaction; removing a missing one is not an error.
	DeleteSession(ctx context.Context, idHash string, events ...AuditEvent) error
	// DeleteSessionsOfPerson removes every session of the person except
	// exceptIDHash (may be "") and returns how many it removed.
	DeleteSessionsOfPerson(ctx context.Context, personID int64, exceptIDHash string) (int, error)
	// DeleteExpiredSessions removes sessions idle since before idleBefore or
	// past their absolute expiry at now.
	DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error)

	// AppendAudit appends events to the audit log.
	AppendAudit(ctx context.Context, events ...AuditEvent) error
	// Audit returns events matching f, newest first.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
}

// ImportSnapshot is what an import reads before it writes.
type ImportSnapshot struct {
	Version string // opaque; BeginImport refuses an import made from an older one

	// Logins maps every existing login name (exact) to its person id.
	Logins map[string]int64
	// Persons maps every person key to the existing person (without logins).
	Persons map[string]Person
	// Entities maps every entity id to the entity.
	Entities map[string]Entity
	// NextPersonID, NextLoginID and NextGrantID are the ids the batch may
	// assign from (the store keeps its sequences past them after writing).
	NextPersonID, NextLoginID, NextGrantID int64
}

// ImportBatch is what one import writes, ids assigned by the importer from
// the snapshot's Next… values, held whole (WriteImportBatch); a large
// import streams through an ImportWriter instead.
type ImportBatch struct {
	SnapshotVersion string
	Entities        []Entity // new entities, and existing ones whose name/parent changed
	NewPersons      []Person
	UpdatedPersons  []Person // existing persons whose case, state or account changed
	Logins          []Login  // new logins only (legacy and reserved generated ones)
	Grants          []Grant  // new grants only
	Audit           []AuditEvent
}

// PlanSummary counts persons for `jedenlogin plan` and the operator console.
type PlanSummary struct {
	Persons     int
	Logins      int
	ByCaseState map[Case]map[PersonState]int
	ByGrouping  map[Grouping]int
}
