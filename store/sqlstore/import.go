package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"jedenlogin"
)

// version returns the import version of the database: the change counter
// (advanced by every UpdatePerson, ReserveLogin and import) and the
// highest ids, so any write an import's plan depends on changes it.
func (s *Store) version(ctx context.Context, q queryer) (string, error) {
	var (
		changes    int64
		mp, ml, mg sql.NullInt64
	)
	err := q.QueryRowContext(ctx, `SELECT (SELECT change_count FROM store_meta WHERE id = 1),
		(SELECT max(id) FROM persons), (SELECT max(id) FROM logins), (SELECT max(id) FROM grants)`).
		Scan(&changes, &mp, &ml, &mg)
	if err != nil {
		return "", fmt.Errorf("read import version: %w", err)
	}
	return fmt.Sprintf("c%d-p%d-l%d-g%d", changes, mp.Int64, ml.Int64, mg.Int64), nil
}

// ImportSnapshot reads, in one consistent snapshot, every login name with
// its person id, every person (without logins), every entity, the next
// free ids and the version BeginImport checks.
func (s *Store) ImportSnapshot(ctx context.Context) (*jedenlogin.ImportSnapshot, error) {
	snap := &jedenlogin.ImportSnapshot{}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		if snap.Version, err = s.version(ctx, tx); err != nil {
			return err
		}
		var nl, np, ne int
		var mp, ml, mg sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM logins), (SELECT count(*) FROM persons),
			(SELECT count(*) FROM entities), (SELECT max(id) FROM persons), (SELECT max(id) FROM logins),
			(SELECT max(id) FROM grants)`).Scan(&nl, &np, &ne, &mp, &ml, &mg); err != nil {
			return fmt.Errorf("import snapshot: count rows: %w", err)
		}
		snap.NextPersonID, snap.NextLoginID, snap.NextGrantID = mp.Int64+1, ml.Int64+1, mg.Int64+1

		snap.Logins = make(map[string]int64, nl)
		rows, err := tx.QueryContext(ctx, "SELECT name, person_id FROM logins")
		if err != nil {
			return fmt.Errorf("import snapshot: read logins: %w", err)
		}
		var (
			name string
			pid  int64
		)
		for rows.Next() {
			if err := rows.Scan(&name, &pid); err != nil {
				rows.Close()
				return fmt.Errorf("import snapshot: read logins: %w", err)
			}
			snap.Logins[name] = pid
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("import snapshot: read logins: %w", err)
		}

		snap.Persons = make(map[string]jedenlogin.Person, np)
		rows, err = tx.QueryContext(ctx, "SELECT "+personSelect+" FROM persons")
		if err != nil {
			return fmt.Errorf("import snapshot: read persons: %w", err)
		}
		for rows.Next() {
			p, err := scanPerson(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("import snapshot: read persons: %w", err)
			}
			snap.Persons[p.Key] = p
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("import snapshot: read persons: %w", err)
		}

		snap.Entities = make(map[string]jedenlogin.Entity, ne)
		rows, err = tx.QueryContext(ctx, "SELECT "+colList(entityCols, "")+" FROM entities")
		if err != nil {
			return fmt.Errorf("import snapshot: read entities: %w", err)
		}
		for rows.Next() {
			var e jedenlogin.Entity
			if err := rows.Scan(&e.ID, &e.Name, &e.Kind, &e.ParentID); err != nil {
				rows.Close()
				return fmt.Errorf("import snapshot: read entities: %w", err)
			}
			snap.Entities[e.ID] = e
		}
		return rows.Close()
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// bulkLoader is the part of an import the two databases do each in a way
// of its own: COPY on PostgreSQL; multi-row INSERTs of prepared statements
// on a connection without foreign-key enforcement on SQLite. Each dialect
// has one (dialect.bulk); it keeps no state of its own, the import's being
// in the importWriter.
type bulkLoader interface {
	// begin begins w.tx on w.conn and takes the import's locks.
	begin(ctx context.Context, w *importWriter) error
	// write loads n rows of cols into table; fill(dst, i) stores the values
	// of row i into dst. It may buffer them until commit.
	write(ctx context.Context, w *importWriter, table string, cols []string, n int, fill func(dst []any, i int)) error
	// commit does what comes between the last write and the change
	// counter: writes what write buffered, checks the references, builds
	// the dropped indexes (w.buildIndexes), brings the database's own
	// bookkeeping up to date.
	commit(ctx context.Context, w *importWriter) error
	// finish restores the settings begin and commit changed on w.conn,
	// or marks it bad, before it goes back to the pool.
	finish(w *importWriter)
}

// bulkIndexThreshold is the smallest load for which an import considers
// rebuilding a table's indexes after the load.
var bulkIndexThreshold = 10000

// BeginImport starts an import: one transaction that holds the import lock
// until Commit or Rollback (SQLite: the write transaction, and this
// process's writer mutex; PostgreSQL: EXCLUSIVE locks on the imported
// tables, which let readers through but hold other writers of those tables
// until the import ends — and when a large load drops a table's indexes,
// the ACCESS EXCLUSIVE lock of DROP INDEX holds its readers too, so read
// the database through ImportWriter.Persons meanwhile). It returns an error wrapping
// jedenlogin.ErrImportConflict, writing nothing, when the database changed
// since the snapshot.
//
// On SQLite the import's connection runs with foreign-key enforcement off
// (the importer assigns every id from the snapshot it checked, under the
// write lock), and a load bigger than a table already holds drops that
// table's secondary indexes and builds them at Commit in one sorted pass
// each, which also checks the unique ones; such a load runs in
// rollback-journal mode when no other connection has the database open
// (leaveWAL). On PostgreSQL such a load also
// drops the table's foreign keys and adds them at Commit, which checks
// every row in one pass instead of one deferred lookup per row.
func (s *Store) BeginImport(ctx context.Context, snapshotVersion string, size jedenlogin.ImportSize) (jedenlogin.ImportWriter, error) {
	w := &importWriter{s: s, load: s.d.bulk, size: size, ins: map[string]*bulkInsert{}, entities: map[string]bool{}, pendingEntities: map[string]bool{}}
	s.wmu.Lock()
	w.unlock = s.wmu.Unlock
	if err := w.begin(ctx, snapshotVersion, size); err != nil {
		w.Rollback()
		return nil, err
	}
	return w, nil
}

// importWriter is the jedenlogin.ImportWriter of both backends: what the
// two do alike is here, what they do differently is in its bulkLoader,
// whose state (the SQLite fields below) it keeps.
type importWriter struct {
	s      *Store
	load   bulkLoader
	conn   *sql.Conn
	tx     *sql.Tx
	unlock func()
	fkOff  bool // SQLite: foreign_keys was turned off on conn
	// ckptPaused: SQLite: the Store's checkpoints wait for the load to
	// finish (checkpoint.go).
	ckptPaused bool
	// rollbackJournal: SQLite: conn left WAL mode for the load (leaveWAL);
	// finish goes back.
	rollbackJournal bool
	size            jedenlogin.ImportSize
	// sorting: SQLite's sort pragmas for the index rebuild are set on conn
	// (commit restores them; finish does when commit did not get there).
	sorting bool
	// persons, logins and entities are what this import wrote or found,
	// for checking references on SQLite (checkRefs). A reference to a row
	// not written (yet) waits in the pending lists until Commit, since a
	// row may be written after the rows that refer to it.
	persons, logins idRanges
	entities        map[string]bool
	pendingPersons  []int64
	pendingLogins   []int64
	pendingEntities map[string]bool
	rebuild         []string // CREATE INDEX statements to run at Commit
	// colTypes: PostgreSQL: the types of the columns a bulk write copies,
	// by table and columns (columnTypes).
	colTypes map[string][]uint32
	ins      map[string]*bulkInsert
	order    []*bulkInsert // SQLite: flush order at Commit
	err      error
	done     bool
}

func (w *importWriter) begin(ctx context.Context, version string, size jedenlogin.ImportSize) error {
	s := w.s
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	w.conn = conn
	if err := w.load.begin(ctx, w); err != nil {
		return err
	}
	v, err := s.version(ctx, w.tx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}

	if v != version {
		return fmt.Errorf("import: database version %s, snapshot %s: %w", v, version, jedenlogin.ErrImportConflict)
	}
	for _, t := range []struct {
		table string
		rows  int
	}{{"persons", size.Persons}, {"logins", size.Logins}, {"grants", size.Grants}} {
		if t.rows < bulkIndexThreshold {
			continue
		}
		defs, err := s.dropIndexesForLoad(ctx, w.tx, t.table, t.rows)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		w.rebuild = append(w.rebuild, defs...)
	}
	return nil
}

// fail records the writer's first error and returns it.
func (w *importWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

func (w *importWriter) usable() error {
	if w.err != nil {
		return fmt.Errorf("import: writer failed earlier: %w", w.err)
	}
	if w.done {
		return errors.New("import: writer already finished")
	}
	return nil
}

func (w *importWriter) Entities(ctx context.Context, es []jedenlogin.Entity) error {
	if err := w.usable(); err != nil || len(es) == 0 {
		return err
	}
	// Few rows, and an upsert: through database/sql.
	const per = 1000
	for start := 0; start < len(es); start += per {
		chunk := es[start:min(start+per, len(es))]
		args := make([]any, 0, len(chunk)*len(entityCols))
		for i := range chunk {
			e := &chunk[i]
			args = append(args, e.ID, e.Name, e.Kind, e.ParentID)
			w.entities[e.ID] = true
		}
		q := insertSQL("entities", entityCols, len(chunk)) +
			" ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent_id = excluded.parent_id"
		if _, err := w.tx.ExecContext(ctx, w.s.q(q), args...); err != nil {
			return w.fail(fmt.Errorf("import: write entities: %w", err))
		}
	}
	return nil
}

func (w *importWriter) NewPersons(ctx context.Context, ps []jedenlogin.Person) error {
	if w.fkOff {
		for i := range ps {
			w.persons.add(ps[i].ID)
		}
	}
	return w.bulk(ctx, "persons", personCols, len(ps), func(dst []any, i int) { w.s.personValues(dst, &ps[i]) })
}

func (w *importWriter) UpdatePersons(ctx context.Context, ps []jedenlogin.Person) error {
	if err := w.usable(); err != nil || len(ps) == 0 {
		return err
	}
	stmt, err := w.tx.PrepareContext(ctx, w.s.q(updateSQL("persons", personCols)))
	if err != nil {
		return w.fail(fmt.Errorf("import: update persons: %w", err))
	}
	defer stmt.Close()
	args := make([]any, len(personCols))
	for i := range ps {
		p := &ps[i]
		w.s.personValues(args, p)
		// updateSQL sets every column but id and created_at, then WHERE id = ?.
		if _, err := stmt.ExecContext(ctx, append(args[1:len(args)-1:len(args)-1], p.ID)...); err != nil {
			return w.fail(fmt.Errorf("import: update person %s: %w", p.Key, err))
		}
	}
	return nil
}

func (w *importWriter) Logins(ctx context.Context, ls []jedenlogin.Login) error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.fkOff {
		last := int64(0)
		for i := range ls {
			if pid := ls[i].PersonID; pid != last && !w.persons.has(pid) {
				w.pendingPersons = append(w.pendingPersons, pid)
				last = pid
			}
			w.logins.add(ls[i].ID)
		}
	}
	return w.bulk(ctx, "logins", loginCols, len(ls), func(dst []any, i int) { w.s.loginValues(dst, &ls[i]) })
}

func (w *importWriter) Grants(ctx context.Context, gs []jedenlogin.Grant) error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.fkOff {
		for i := range gs {
			g := &gs[i]
			origin := g.OriginLoginID
			if origin == 0 {
				origin = g.LoginID
			}
			for _, id := range []int64{g.LoginID, origin} {
				if !w.logins.has(id) {
					w.pendingLogins = append(w.pendingLogins, id)
				}
			}
			if !w.entities[g.EntityID] {
				w.pendingEntities[g.EntityID] = true
			}
		}
	}
	return w.bulk(ctx, "grants", grantCols, len(gs), func(dst []any, i int) { w.s.grantValues(dst, &gs[i]) })
}

// Audit appends the import's events (one or a few) in its transaction
// through the audit log's hash chain, not through a bulk load.
func (w *importWriter) Audit(ctx context.Context, es []jedenlogin.AuditEvent) error {
	if err := w.usable(); err != nil {
		return err
	}
	return w.s.appendAuditWith(ctx, w.tx, es, false)
}

// Persons reads the records of persons ids in the import's transaction,
// one pass over each table whatever the number of ids: the tables'
// secondary indexes may be dropped for the load.
func (w *importWriter) Persons(ctx context.Context, ids []int64) ([]*jedenlogin.PersonRecord, error) {
	if err := w.usable(); err != nil || len(ids) == 0 {
		return nil, err
	}
	s := w.s
	// The ids as one parameter (dialect.idsIn).
	in := s.d.idsIn
	list, err := s.d.idsArg(ids)
	if err != nil {
		return nil, w.fail(fmt.Errorf("import: read persons: %w", err))
	}
	query := func(q string, args ...any) (*sql.Rows, error) { return w.tx.QueryContext(ctx, s.q(q), args...) }

	byID := map[int64]*jedenlogin.PersonRecord{}
	var recs []*jedenlogin.PersonRecord
	rows, err := query("SELECT "+personSelect+" FROM persons WHERE "+in("id")+" ORDER BY id", list)
	if err != nil {
		return nil, w.fail(fmt.Errorf("import: read persons: %w", err))
	}
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			rows.Close()
			return nil, w.fail(fmt.Errorf("import: read persons: %w", err))
		}
		rec := &jedenlogin.PersonRecord{Person: p, Logins: []jedenlogin.Login{}, Grants: []jedenlogin.Grant{}}
		byID[p.ID] = rec
		recs = append(recs, rec)
	}
	if err := rows.Close(); err != nil {
		return nil, w.fail(fmt.Errorf("import: read persons: %w", err))
	}

	holder := map[int64]*jedenlogin.PersonRecord{} // login id → person
	var loginIDs []int64
	rows, err = query("SELECT "+loginSelect+" FROM logins WHERE "+in("person_id")+" ORDER BY id", list)
	if err != nil {
		return nil, w.fail(fmt.Errorf("import: read logins of persons: %w", err))
	}
	for rows.Next() {
		l, err := scanLogin(rows)
		if err != nil {
			rows.Close()
			return nil, w.fail(fmt.Errorf("import: read logins of persons: %w", err))
		}
		if rec := byID[l.PersonID]; rec != nil {
			rec.Logins = append(rec.Logins, l)
			holder[l.ID] = rec
			loginIDs = append(loginIDs, l.ID)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, w.fail(fmt.Errorf("import: read logins of persons: %w", err))
	}
	if len(loginIDs) == 0 {
		return recs, nil
	}

	// As Store.Person: the grants held by the person's logins or given to
	// one of them originally.
	logins, err := s.d.idsArg(loginIDs)
	if err != nil {
		return nil, w.fail(fmt.Errorf("import: read grants of persons: %w", err))
	}
	rows, err = query("SELECT "+grantSelectG+" FROM grants g WHERE "+in("g.login_id")+" OR "+in("g.origin_login_id")+" ORDER BY g.id", logins, logins)
	if err != nil {
		return nil, w.fail(fmt.Errorf("import: read grants of persons: %w", err))
	}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			rows.Close()
			return nil, w.fail(fmt.Errorf("import: read grants of persons: %w", err))
		}
		a, b := holder[g.LoginID], holder[g.OriginLoginID]
		if a != nil {
			a.Grants = append(a.Grants, g)
		}
		if b != nil && b != a {
			b.Grants = append(b.Grants, g)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, w.fail(fmt.Errorf("import: read grants of persons: %w", err))
	}
	return recs, nil
}

// bulk writes n rows of cols into table through the bulkLoader; fill(dst,
// i) stores the values of row i into dst (len(cols) long).
func (w *importWriter) bulk(ctx context.Context, table string, cols []string, n int, fill func(dst []any, i int)) error {
	if err := w.usable(); err != nil || n == 0 {
		return err
	}
	if err := w.load.write(ctx, w, table, cols, n, fill); err != nil {
		return w.fail(err)
	}
	return nil
}

// Commit writes the buffered rows, builds the dropped indexes, advances the
// change counter and commits.
func (w *importWriter) Commit(ctx context.Context) error {
	if err := w.usable(); err != nil {
		return err
	}
	if err := w.commit(ctx); err != nil {
		w.fail(err)
		w.Rollback()
		return err
	}
	w.finish()
	return nil
}

func (w *importWriter) commit(ctx context.Context) error {
	if err := w.load.commit(ctx, w); err != nil {
		return err
	}
	if err := w.s.bumpChanges(ctx, w.tx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := w.tx.Commit(); err != nil {
		return fmt.Errorf("import: commit: %w", err)
	}
	return nil
}

// buildIndexes runs the CREATE INDEX (and ADD CONSTRAINT) statements of
// the indexes (and foreign keys) begin dropped.
func (w *importWriter) buildIndexes(ctx context.Context) error {
	for _, def := range w.rebuild {
		if _, err := w.tx.ExecContext(ctx, def); err != nil {
			if w.s.d.isUniqueViolation(err) {
				return fmt.Errorf("import: %s: duplicate values: %w", def, err)
			}
			return fmt.Errorf("import: %s: %w", def, err)
		}
	}
	return nil
}

// closeStmts closes the prepared bulk statements.
func (w *importWriter) closeStmts() {
	for _, b := range w.order {
		for omitted, st := range b.full {
			delete(b.full, omitted)
			w.conn.Raw(func(any) error { return st.Close() })
		}
	}
}

// Rollback discards the import; it does nothing once the writer finished.
func (w *importWriter) Rollback() error {
	if w.done {
		return nil
	}
	if w.conn != nil {
		w.closeStmts()
	}
	if w.tx != nil {
		w.tx.Rollback()
	}
	w.finish()
	return nil
}

// finish gives the connection back (with its settings restored, or
// discarded when they cannot be) and releases the import lock.
func (w *importWriter) finish() {
	w.done = true
	if w.conn != nil {
		w.load.finish(w)
		w.conn.Close()
		w.conn = nil
	}
	if w.unlock != nil {
		w.unlock()
		w.unlock = nil
	}
}

// insertSQL is a multi-row INSERT of rows rows of cols.
func insertSQL(table string, cols []string, rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one)
	}
	return b.String()
}

// personValues stores the column values of p in personCols order into dst.
func (s *Store) personValues(dst []any, p *jedenlogin.Person) {
	var a jedenlogin.AccountData
	if p.Account != nil {
		a = *p.Account
	}
	_ = dst[15]
	dst[0], dst[1], dst[2], dst[3] = p.ID, p.Key, string(p.Case), string(p.State)
	dst[4], dst[5], dst[6] = i64p(p.UnifiedLoginID), i64p(p.GeneratedLoginID), p.Account != nil
	dst[7], dst[8], dst[9], dst[10], dst[11], dst[12] = a.FirstName, a.SecondName, a.LastName, a.PESEL, a.Email, a.Phone
	dst[13], dst[14], dst[15] = p.Operator, s.tsp(p.ConsolidatedAt), s.ts(p.CreatedAt)
}

// loginValues stores the column values of l in loginCols order into dst.
func (s *Store) loginValues(dst []any, l *jedenlogin.Login) {
	_ = dst[19]
	dst[0], dst[1], dst[2], dst[3], dst[4] = l.ID, l.PersonID, l.Name, fold(l.Name), l.PasswordHash
	dst[5], dst[6] = string(l.State), string(l.Origin)
	dst[7], dst[8], dst[9], dst[10], dst[11], dst[12] = l.FirstName, l.SecondName, l.LastName, l.PESEL, l.Email, l.Phone
	dst[13], dst[14], dst[15], dst[16] = s.tsp(l.AcceptedAt), s.tsp(l.LastLoginAt), s.tsp(l.PasswordChangedAt), i64p(l.MergedInto)
	dst[17], dst[18], dst[19] = string(l.StateBeforeMerge), s.tsp(l.MergedAt), s.ts(l.CreatedAt)
}

// grantValues stores the column values of g in grantCols order into dst;
// an OriginLoginID of 0 is written as LoginID.
func (s *Store) grantValues(dst []any, g *jedenlogin.Grant) {
	origin := g.OriginLoginID
	if origin == 0 {
		origin = g.LoginID
	}
	_ = dst[11]
	dst[0], dst[1], dst[2], dst[3], dst[4] = g.ID, g.LoginID, g.EntityID, string(g.Function), joinScopes(g.Scopes)
	dst[5], dst[6], dst[7], dst[8] = s.tsp(g.ValidFrom), s.tsp(g.ValidTo), s.tsp(g.RevokedAt), g.RevokeReason
	dst[9], dst[10], dst[11] = origin, i64p(g.MergedInto), s.ts(g.CreatedAt)
}

// dropIndexesForLoad drops the secondary indexes of table when the load
// of rows new rows is bigger than the table, and returns the statements
// that create them again. Indexes backing constraints (primary keys) stay.
// Where the dialect says so (loadForeignKeys) the table's foreign keys go
// too, and the statements add them again after the indexes.
func (s *Store) dropIndexesForLoad(ctx context.Context, tx *sql.Tx, table string, rows int) ([]string, error) {
	var existing int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&existing); err != nil {
		return nil, fmt.Errorf("count %s: %w", table, err)
	}
	if rows <= existing {
		return nil, nil
	}
	r, err := tx.QueryContext(ctx, s.q(s.d.loadIndexes), table)
	if err != nil {
		return nil, fmt.Errorf("list indexes of %s: %w", table, err)
	}
	var names, defs []string
	for r.Next() {
		var name, def string
		if err := r.Scan(&name, &def); err != nil {
			r.Close()
			return nil, fmt.Errorf("list indexes of %s: %w", table, err)
		}
		names = append(names, name)
		defs = append(defs, def)
	}
	if err := r.Close(); err != nil {
		return nil, fmt.Errorf("list indexes of %s: %w", table, err)
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, "DROP INDEX "+name); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	if s.d.loadForeignKeys == "" {
		return defs, nil
	}
	fks, err := s.dropForeignKeys(ctx, tx, table)
	if err != nil {
		return nil, err
	}
	return append(defs, fks...), nil
}

// dropForeignKeys drops the foreign keys of table (dialect.loadForeignKeys)
// and returns the statements that add them again.
func (s *Store) dropForeignKeys(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	r, err := tx.QueryContext(ctx, s.q(s.d.loadForeignKeys), table)
	if err != nil {
		return nil, fmt.Errorf("list foreign keys of %s: %w", table, err)
	}
	var names, defs []string
	for r.Next() {
		var name, def string
		if err := r.Scan(&name, &def); err != nil {
			r.Close()
			return nil, fmt.Errorf("list foreign keys of %s: %w", table, err)
		}
		names = append(names, name)
		defs = append(defs, "ALTER TABLE "+table+" ADD CONSTRAINT "+name+" "+def)
	}
	if err := r.Close(); err != nil {
		return nil, fmt.Errorf("list foreign keys of %s: %w", table, err)
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+table+" DROP CONSTRAINT "+name); err != nil {
			return nil, fmt.Errorf("drop foreign key %s: %w", name, err)
		}
	}
	return defs, nil
}
