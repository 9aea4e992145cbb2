package jedenlogin

import "context"

// ApplicationStore is the part of Store serving access applications
// (wnioski), their approval, and grant revocation and extension (issue 6).
type ApplicationStore interface {
	// CreateApplication inserts app (its ID set; CreatedAt and UpdatedAt
	// when zero) and the audit events that events returns for it, called
	// once the id is known (nil: none), in one transaction; events without
	// a PersonID get the applicant's person. An unknown EntityID or
	// ExtendsGrantID gives ErrNotFound.
	CreateApplication(ctx context.Context, app *Application, events func(app *Application) []AuditEvent) error
	// Application returns one application; ErrNotFound when there is none.
	Application(ctx context.Context, id int64) (*Application, error)
	// Applications returns the applications matching f, newest first.
	Applications(ctx context.Context, f ApplicationFilter) ([]Application, error)
	// UpdateApplication loads the application under a lock, calls fn, and
	// writes back the application and fn's audit events in one
	// transaction. An error from fn rolls back and is returned unchanged;
	// ErrNotFound when there is no such application. It returns the
	// application as written.
	UpdateApplication(ctx context.Context, id int64, fn func(app *Application) ([]AuditEvent, error)) (*Application, error)
	// UpdateApplicationMail is UpdateApplication whose fn also returns
	// mail, queued in the outbox in the same transaction.
	UpdateApplicationMail(ctx context.Context, id int64, fn func(app *Application) ([]AuditEvent, []OutboxMessage, error)) (*Application, error)
	// AcceptApplication runs the acceptance of application id in one
	// transaction: it locks the application and its entity (so acceptances
	// at one entity serialise, also across processes), loads what
	// Acceptance describes, calls fn, and writes the application, the
	// person, NewPerson, NewLogin, NewGrant and fn's audit events (those
	// without a PersonID get the applicant's person). An error from fn
	// rolls back and is returned unchanged; fn may run more than once when
	// the transaction is retried and must not call the store. It returns
	// the Acceptance as written (ids and the new login's name filled in).
	// ErrNotFound: no such application.
	AcceptApplication(ctx context.Context, id int64, fn func(a *Acceptance) ([]AuditEvent, error)) (*Acceptance, error)

	// HeldGrant returns one grant with its holder; ErrNotFound when there
	// is no such grant.
	HeldGrant(ctx context.Context, grantID int64) (*HeldGrant, error)
	// GrantsAt returns the grants held at any of the entities, or at any
	// entity whose parent is one of parents, with their holders, by entity
	// and grant id; merged duplicates are left out, revoked and expired
	// grants are not.
	GrantsAt(ctx context.Context, entities, parents []string) ([]HeldGrant, error)
	// SearchEntities returns up to limit entities whose id starts with
	// query or whose name contains it ignoring case (Polish letters
	// included), by name.
	SearchEntities(ctx context.Context, query string, limit int) ([]Entity, error)
	// Entity returns one entity; ErrNotFound when there is none.
	Entity(ctx context.Context, id string) (*Entity, error)
}
