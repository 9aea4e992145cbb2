package jedenlogin

import (
	"context"
	"fmt"
)

// ImportSize tells Store.BeginImport how many rows an import will write,
// so a backend can prepare for a large load (for example build a table's
// secondary indexes once after the load instead of row by row). The counts
// may be approximate; they only steer how the rows are written.
type ImportSize struct {
	Persons, Logins, Grants int
}

// ImportWriter writes one import in one transaction, in chunks, so that an
// importer never holds every row of a large file as domain values at once.
// It is obtained from Store.BeginImport and must be finished with Commit or
// Rollback: until then it holds the database's import lock (on SQLite the
// write lock, so every other writer waits).
//
// Each method may be called any number of times, with chunks of any size,
// in any order: a row may come before the rows it refers to (a login before
// its person, a grant before its entity), as an importer writes the rows of
// a file while it still reads it. Every reference must be satisfied at
// Commit, by a row of the import or of the database; Commit fails, writing
// nothing, when one is not. Ids are assigned by the caller from the
// snapshot's Next… values. The slices are not retained after a method
// returns.
//
// Every method returns an error wrapping the cause with context; after any
// error the writer is unusable, nothing of the import is written, and the
// caller must still call Rollback (which is then a no-op returning nil).
type ImportWriter interface {
	// Entities upserts entities: new ones and existing ones whose name or
	// parent changed, parents before children.
	Entities(ctx context.Context, es []Entity) error
	// NewPersons inserts persons.
	NewPersons(ctx context.Context, ps []Person) error
	// UpdatePersons rewrites existing persons (case, state, account, …).
	UpdatePersons(ctx context.Context, ps []Person) error
	// Logins inserts new logins (legacy and reserved generated ones).
	Logins(ctx context.Context, ls []Login) error
	// Grants inserts new grants; an OriginLoginID of 0 is taken as LoginID.
	Grants(ctx context.Context, gs []Grant) error
	// Audit appends audit events.
	Audit(ctx context.Context, es []AuditEvent) error
	// Persons reads persons of the database with all their logins and
	// grants, as Store.Person does, inside the import's transaction: a read
	// from elsewhere could have to wait for the import itself (its locks,
	// the indexes it dropped). Ids of no person are left out; the records
	// come in id order.
	Persons(ctx context.Context, ids []int64) ([]*PersonRecord, error)
	// Commit finishes the import (for example rebuilds indexes, checking
	// their uniqueness) and commits; on error nothing is written.
	Commit(ctx context.Context) error
	// Rollback discards the import and releases the lock; after Commit or
	// an earlier Rollback it does nothing and returns nil.
	Rollback() error
}

// WriteImportBatch writes a whole batch through st.BeginImport in one
// transaction. It returns an error wrapping ErrImportConflict, writing
// nothing, when the database changed since the snapshot the batch was made
// from; other errors come from the store, and nothing is written then
// either.
func WriteImportBatch(ctx context.Context, st Store, b *ImportBatch) error {
	w, err := st.BeginImport(ctx, b.SnapshotVersion, ImportSize{
		Persons: len(b.NewPersons), Logins: len(b.Logins), Grants: len(b.Grants),
	})
	if err != nil {
		return err
	}
	defer w.Rollback()
	steps := []func() error{
		func() error { return w.Entities(ctx, b.Entities) },
		func() error { return w.NewPersons(ctx, b.NewPersons) },
		func() error { return w.UpdatePersons(ctx, b.UpdatedPersons) },
		func() error { return w.Logins(ctx, b.Logins) },
		func() error { return w.Grants(ctx, b.Grants) },
		func() error { return w.Audit(ctx, b.Audit) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	if err := w.Commit(ctx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}
