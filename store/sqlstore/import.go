package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

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
// each, which also checks the unique ones.
func (s *Store) BeginImport(ctx context.Context, snapshotVersion string, size jedenlogin.ImportSize) (jedenlogin.ImportWriter, error) {
	w := &importWriter{s: s, ins: map[string]*bulkInsert{}, entities: map[string]bool{}, pendingEntities: map[string]bool{}}
	if !s.pg() {
		s.wmu.Lock()
		w.unlock = s.wmu.Unlock
	}
	if err := w.begin(ctx, snapshotVersion, size); err != nil {
		w.Rollback()
		return nil, err
	}
	return w, nil
}

// importWriter is the jedenlogin.ImportWriter of both backends.
type importWriter struct {
	s      *Store
	conn   *sql.Conn
	tx     *sql.Tx
	unlock func()
	fkOff  bool // SQLite: foreign_keys was turned off on conn
	// sorting: SQLite's sort pragmas for the index rebuild are set on conn
	// (commit restores them; finish does when commit did not get there).
	sorting bool
	// persons, logins and entities are what this import wrote or found,
	// for checking references on SQLite (checkRef). A reference to a row
	// not written (yet) waits in the pending lists until Commit, since a
	// row may be written after the rows that refer to it.
	persons, logins idRanges
	entities        map[string]bool
	pendingPersons  []int64
	pendingLogins   []int64
	pendingEntities map[string]bool
	rebuild         []string // CREATE INDEX statements to run at Commit
	ins             map[string]*bulkInsert
	order           []*bulkInsert // SQLite: flush order at Commit
	err             error
	done            bool
}

// bulkInsert buffers the rows of one table for multi-row INSERT
// statements of per rows (SQLite), executed on the driver connection with
// one reused argument array.
type bulkInsert struct {
	table string
	cols  []string
	per   int
	vals  []any // per*len(cols) values, rows one after another
	n     int   // rows buffered
	nv    []driver.NamedValue
	full  driver.Stmt
	// emptyNull marks the text columns, whose empty values are bound as
	// NULL and written as '' (ifnull): a text bind costs the driver a
	// C allocation and a copy, a NULL bind nothing.
	emptyNull []bool
}

// textCols are the NOT NULL text columns of the bulk-loaded tables; other
// columns must not be listed (ifnull would turn their NULLs into ”).
var textCols = map[string]bool{
	"person_key": true, "consolidation_case": true, "state": true, "acc_first_name": true, "acc_second_name": true,
	"acc_last_name": true, "acc_pesel": true, "acc_email": true, "acc_phone": true,
	"name": true, "name_folded": true, "password_hash": true, "origin": true, "first_name": true, "second_name": true,
	"last_name": true, "pesel": true, "email": true, "phone": true, "state_before_merge": true,
	"entity_id": true, "grant_function": true, "scopes": true, "revoke_reason": true,
	"action": true, "actor": true, "subject": true, "address": true, "outcome": true, "details": true,
}

func (w *importWriter) begin(ctx context.Context, version string, size jedenlogin.ImportSize) error {
	s := w.s
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	w.conn = conn
	if !s.pg() {
		// Enforcement checks three parent rows per grant and one per
		// login: that doubled the write of a million rows. The pragma
		// works only outside a transaction.
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		w.fkOff = true
	}
	if w.tx, err = conn.BeginTx(ctx, nil); err != nil {
		return fmt.Errorf("import: begin: %w", err)
	}
	if s.pg() {
		if _, err := w.tx.ExecContext(ctx, "LOCK TABLE entities, persons, logins, grants IN EXCLUSIVE MODE"); err != nil {
			return fmt.Errorf("import: lock tables: %w", err)
		}
		// Rows may come before the rows they refer to (a login before its
		// person): the references are checked at commit (0005_import_order).
		if _, err := w.tx.ExecContext(ctx, "SET CONSTRAINTS ALL DEFERRED"); err != nil {
			return fmt.Errorf("import: defer reference checks: %w", err)
		}
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

func (w *importWriter) Audit(ctx context.Context, es []jedenlogin.AuditEvent) error {
	return w.bulk(ctx, "audit_events", auditCols, len(es), func(dst []any, i int) {
		e := &es[i]
		copy(dst, []any{w.s.ts(e.At), e.Action, e.Actor, i64p(e.PersonID), e.Subject, e.Address, e.Outcome, e.Details})
	})
}

// Persons reads the records of persons ids in the import's transaction,
// one pass over each table whatever the number of ids: the tables'
// secondary indexes may be dropped for the load.
func (w *importWriter) Persons(ctx context.Context, ids []int64) ([]*jedenlogin.PersonRecord, error) {
	if err := w.usable(); err != nil || len(ids) == 0 {
		return nil, err
	}
	s := w.s
	// The ids as one parameter: a JSON array SQLite reads with json_each,
	// a bigint array for PostgreSQL.
	in := func(col string) string { return col + " IN (SELECT value FROM json_each(?))" }
	var list any
	if s.pg() {
		in = func(col string) string { return col + " = ANY(?)" }
		list = ids
	} else {
		b, err := json.Marshal(ids)
		if err != nil {
			return nil, w.fail(fmt.Errorf("import: read persons: %w", err))
		}
		list = string(b)
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
	var logins any = loginIDs
	if !s.pg() {
		b, err := json.Marshal(loginIDs)
		if err != nil {
			return nil, w.fail(fmt.Errorf("import: read grants of persons: %w", err))
		}
		logins = string(b)
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

// bulk writes n rows of cols into table; fill(dst, i) stores the values of
// row i into dst (len(cols) long). PostgreSQL copies them at once (COPY in
// the transaction); SQLite buffers them for multi-row INSERTs.
func (w *importWriter) bulk(ctx context.Context, table string, cols []string, n int, fill func(dst []any, i int)) error {
	if err := w.usable(); err != nil || n == 0 {
		return err
	}
	if w.s.pg() {
		row := make([]any, len(cols))
		err := w.conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
				fill(row, i) // pgx encodes a row before asking for the next
				return row, nil
			}))
			return err
		})
		if err != nil {
			return w.fail(fmt.Errorf("import: write %s: %w", table, err))
		}
		return nil
	}
	b := w.ins[table]
	if b == nil {
		per := min(256, 32000/len(cols)) // SQLite allows 32766 variables per statement
		b = &bulkInsert{table: table, cols: cols, per: per, vals: make([]any, per*len(cols)), nv: make([]driver.NamedValue, per*len(cols)),
			emptyNull: make([]bool, len(cols))}
		for k, c := range cols {
			b.emptyNull[k] = textCols[c]
		}
		for k := range b.nv {
			b.nv[k].Ordinal = k + 1
		}
		w.ins[table] = b
		w.order = append(w.order, b)
	}
	nc := len(cols)
	for i := 0; i < n; i++ {
		fill(b.vals[b.n*nc:(b.n+1)*nc], i)
		b.n++
		if b.n == b.per {
			if err := w.flush(ctx, b); err != nil {
				return w.fail(err)
			}
		}
	}
	return nil
}

// flush executes the rows buffered in b: a full buffer with b's prepared
// statement, a partial one (the last rows of an import) with its own.
func (w *importWriter) flush(ctx context.Context, b *bulkInsert) error {
	if b.n == 0 {
		return nil
	}
	nv := b.nv[:b.n*len(b.cols)]
	nc := len(b.cols)
	for k := range nv {
		v := b.vals[k]
		if s, ok := v.(string); ok && s == "" && b.emptyNull[k%nc] {
			v = nil // written as '' by ifnull: binding NULL costs the driver no copy
		}
		nv[k].Value = v
	}
	err := w.conn.Raw(func(dc any) error {
		st := b.full
		if b.n < b.per || st == nil {
			var err error
			if st, err = dc.(driver.ConnPrepareContext).PrepareContext(ctx, insertTextSQL(b.table, b.cols, b.emptyNull, b.n)); err != nil {
				return err
			}
			if b.n == b.per {
				b.full = st
			} else {
				defer st.Close()
			}
		}
		_, err := st.(driver.StmtExecContext).ExecContext(ctx, nv)
		return err
	})
	clear(b.vals[:len(nv)]) // drop references to the rows' strings
	b.n = 0
	if err != nil {
		return fmt.Errorf("import: write %s: %w", b.table, err)
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
	s := w.s
	for _, b := range w.order {
		if err := w.flush(ctx, b); err != nil {
			return err
		}
	}
	w.closeStmts()
	if w.fkOff {
		if err := w.checkRefs(ctx); err != nil {
			return err
		}
	}
	if s.pg() {
		// Check the references now (PostgreSQL builds no index on a table
		// with checks pending); they look up primary keys, which stay.
		if _, err := w.tx.ExecContext(ctx, "SET CONSTRAINTS ALL IMMEDIATE"); err != nil {
			return fmt.Errorf("import: check references: %w", err)
		}
	}
	if len(w.rebuild) > 0 && !s.pg() {
		// SQLite sorts an index's keys in runs of at most the page cache's
		// size: smaller runs let helper threads sort them on the other
		// cores while the table is read, instead of one sort at the end.
		w.sorting = true
		if err := w.pragmas(ctx, fmt.Sprintf("threads = %d", runtime.GOMAXPROCS(0)), "cache_size = -8192"); err != nil {
			return err
		}
	}
	for _, def := range w.rebuild {
		if _, err := w.tx.ExecContext(ctx, def); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("import: %s: duplicate values: %w", def, err)
			}
			return fmt.Errorf("import: %s: %w", def, err)
		}
	}
	if len(w.rebuild) > 0 && !s.pg() {
		if err := w.pragmas(ctx, sortPragmasOff()...); err != nil {
			return err
		}
		w.sorting = false
	}
	if s.pg() {
		// Fresh statistics, or the planner walks a million rows per chunk
		// of ForEachPerson until autovacuum gets round to the tables.
		if len(w.rebuild) > 0 {
			if _, err := w.tx.ExecContext(ctx, "ANALYZE entities, persons, logins, grants"); err != nil {
				return fmt.Errorf("import: analyze: %w", err)
			}
		}
		for _, t := range []string{"persons", "logins", "grants"} {
			if _, err := w.tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), COALESCE((SELECT max(id) FROM "+t+"), 0) + 1, false)"); err != nil {
				return fmt.Errorf("import: reset id sequence of %s: %w", t, err)
			}
		}
	}
	if err := s.bumpChanges(ctx, w.tx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := w.tx.Commit(); err != nil {
		return fmt.Errorf("import: commit: %w", err)
	}
	return nil
}

// idRanges is a set of ids written by this import, as runs of consecutive
// ids (an importer assigns them in order, so there are few runs).
type idRanges []struct{ lo, hi int64 }

func (r *idRanges) add(id int64) {
	if n := len(*r); n > 0 && (*r)[n-1].hi+1 == id {
		(*r)[n-1].hi = id
		return
	}
	if len(*r) < 256 {
		*r = append(*r, struct{ lo, hi int64 }{id, id})
	}
}

func (r idRanges) has(id int64) bool {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i].lo <= id && id <= r[i].hi {
			return true
		}
	}
	return false
}

// checkRefs does what foreign-key enforcement (off while SQLite imports)
// would do: every person, login and entity a row of the import refers to
// was written by the import or is in the database. Called at Commit, after
// the buffered rows are written.
func (w *importWriter) checkRefs(ctx context.Context) error {
	check := func(table string, known bool, id any) error {
		if known {
			return nil
		}
		var one int
		err := w.tx.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE id = ?", id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import: no %s with id %v", strings.TrimSuffix(table, "s"), id)
		}
		if err != nil {
			return fmt.Errorf("import: look up %s %v: %w", table, id, err)
		}
		return nil
	}
	for _, p := range []struct {
		table string
		ids   []int64
		have  idRanges
	}{{"persons", w.pendingPersons, w.persons}, {"logins", w.pendingLogins, w.logins}} {
		slices.Sort(p.ids)
		for _, id := range slices.Compact(p.ids) {
			if err := check(p.table, p.have.has(id), id); err != nil {
				return err
			}
		}
	}
	for id := range w.pendingEntities {
		if err := check("entities", w.entities[id], id); err != nil {
			return err
		}
	}
	return nil
}

// sortPragmasOff are the connection's settings again after the sort
// pragmas of an index rebuild.
func sortPragmasOff() []string {
	return []string{"threads = 0", fmt.Sprintf("cache_size = %d", sqliteCacheSize)}
}

// pragmas sets SQLite pragmas on the import's connection.
func (w *importWriter) pragmas(ctx context.Context, ps ...string) error {
	for _, p := range ps {
		if _, err := w.tx.ExecContext(ctx, "PRAGMA "+p); err != nil {
			return fmt.Errorf("import: pragma %s: %w", p, err)
		}
	}
	return nil
}

// closeStmts closes the prepared bulk statements.
func (w *importWriter) closeStmts() {
	for _, b := range w.order {
		if b.full != nil {
			st := b.full
			b.full = nil
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
		if w.sorting {
			// The connection goes back to the pool: with the defaults.
			for _, p := range sortPragmasOff() {
				if _, err := w.conn.ExecContext(context.Background(), "PRAGMA "+p); err != nil {
					w.conn.Raw(func(any) error { return driver.ErrBadConn })
					break
				}
			}
		}
		if w.fkOff {
			if _, err := w.conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON"); err != nil {
				w.conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}
		w.conn.Close()
		w.conn = nil
	}
	if w.unlock != nil {
		w.unlock()
		w.unlock = nil
	}
}

// insertTextSQL is a multi-row INSERT of rows rows of cols whose text
// columns (text[k]) take ifnull(?, ”).
func insertTextSQL(table string, cols []string, text []bool, rows int) string {
	var one strings.Builder
	one.WriteByte('(')
	for k := range cols {
		if k > 0 {
			one.WriteString(", ")
		}
		if text[k] {
			one.WriteString("ifnull(?, '')")
		} else {
			one.WriteByte('?')
		}
	}
	one.WriteByte(')')
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one.String())
	}
	return b.String()
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
func (s *Store) dropIndexesForLoad(ctx context.Context, tx *sql.Tx, table string, rows int) ([]string, error) {
	var existing int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&existing); err != nil {
		return nil, fmt.Errorf("count %s: %w", table, err)
	}
	if rows <= existing {
		return nil, nil
	}
	query := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
	if s.pg() {
		query = `SELECT i.indexname, i.indexdef FROM pg_indexes i
			WHERE i.schemaname = current_schema() AND i.tablename = ?
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)`
	}
	r, err := tx.QueryContext(ctx, s.q(query), table)
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
	return defs, nil
}
