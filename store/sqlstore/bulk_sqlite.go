package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// sqliteBulk is the bulkLoader of SQLite: the import's connection runs
// with foreign-key enforcement off (the importer assigns every id from the
// snapshot it checked, under the write lock; checkRefs does the checking
// at commit), and the rows go in as multi-row INSERTs of prepared
// statements on the driver connection, with one reused argument array.
type sqliteBulk struct{}

func (sqliteBulk) begin(ctx context.Context, w *importWriter) error {
	// Enforcement checks three parent rows per grant and one per login:
	// that doubled the write of a million rows. The pragma works only
	// outside a transaction.
	if !w.s.memory && w.size.Logins >= bulkIndexThreshold {
		// A checkpoint's connection would keep the log open.
		w.s.pauseCheckpoints()
		w.ckptPaused = true
		if err := leaveWAL(ctx, w); err != nil {
			return err
		}
	}
	if _, err := w.conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	w.fkOff = true
	// The import reads the tables it writes through its own small cache:
	// its connection is the serving pool's, which maps nothing (a million-
	// login load would otherwise keep the whole file mapped and resident,
	// on top of the import's own memory).
	var err error
	if w.tx, err = w.conn.BeginTx(ctx, nil); err != nil { // BEGIN IMMEDIATE
		return fmt.Errorf("import: begin: %w", err)
	}
	return nil
}

// write buffers the rows, executing the buffer of table whenever it is full.
func (l sqliteBulk) write(ctx context.Context, w *importWriter, table string, cols []string, n int, fill func(dst []any, i int)) error {
	b := w.ins[table]
	if b == nil {
		per := min(256, 32000/len(cols)) // SQLite allows 32766 variables per statement
		b = &bulkInsert{table: table, cols: cols, per: per, vals: make([]any, per*len(cols)), nv: make([]driver.NamedValue, 0, per*len(cols)),
			emptyNull: make([]bool, len(cols)), full: map[uint64]driver.Stmt{}}
		for k, c := range cols {
			b.emptyNull[k] = textCols[c]
		}
		var err error
		if b.omissible, err = omissibleColumns(ctx, w.tx, table, cols, b.emptyNull); err != nil {
			return fmt.Errorf("import: write %s: %w", table, err)
		}
		w.ins[table] = b
		w.order = append(w.order, b)
	}
	nc := len(cols)
	for i := 0; i < n; i++ {
		fill(b.vals[b.n*nc:(b.n+1)*nc], i)
		b.n++
		if b.n == b.per {
			if err := l.flush(ctx, w, b); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l sqliteBulk) commit(ctx context.Context, w *importWriter) error {
	for _, b := range w.order {
		if err := l.flush(ctx, w, b); err != nil {
			return err
		}
	}
	w.closeStmts()
	if w.fkOff {
		if err := w.checkRefs(ctx); err != nil {
			return err
		}
	}
	if len(w.rebuild) == 0 {
		return nil
	}
	// SQLite sorts an index's keys in runs of at most the page cache's
	// size: smaller runs let helper threads sort them on the other cores
	// while the table is read, instead of one sort at the end. Runs need
	// temporary files: with temp_store MEMORY (every connection's setting,
	// sqliteDSN) SQLite's sorter keeps all the keys in one list instead,
	// each key in an allocation of its own, and sorts and frees them one by
	// one on the import's thread — half the time of the index builds.
	// The runs go through the OS's file cache; they are deleted when the
	// build ends, and on a crash with the process.
	w.sorting = true
	if err := w.pragmas(ctx, "temp_store = FILE", fmt.Sprintf("threads = %d", runtime.GOMAXPROCS(0)), "cache_size = -8192"); err != nil {
		return err
	}
	if err := w.buildIndexes(ctx); err != nil {
		return err
	}
	if err := w.pragmas(ctx, sortPragmasOff()...); err != nil {
		return err
	}
	w.sorting = false
	return nil
}

// leaveWAL puts the database in rollback-journal mode for a large load,
// when this is the only connection to it (otherwise the load runs in WAL
// mode, as everything else). In WAL mode every page of the load is written
// twice — into the log, then by the checkpoint into the database — and
// every page read looks up the log first; with a rollback journal a page
// the database did not have before the transaction is written once and
// never journaled, so a first import into an empty database writes its
// data once. A crash (kill -9, power loss: synchronous FULL meanwhile)
// leaves a hot journal that the next connection rolls back, restoring the
// database as it was before the import. finish goes back to WAL mode.
func leaveWAL(ctx context.Context, w *importWriter) error {
	// Idle connections of this process would keep the log open; a busy
	// database (another process) must not make the import wait. The
	// group-commit writer's pinned connection (groupcommit.go) is one of
	// them: the import holds the write lock, so it is free to let it go.
	if c := w.s.group.conn; c != nil {
		c.Close()
		w.s.group.conn = nil
	}
	w.s.db.SetMaxIdleConns(0)
	w.s.db.SetMaxIdleConns(sqliteConns)
	if w.s.scan != w.s.db {
		w.s.scan.SetMaxIdleConns(0)
		w.s.scan.SetMaxIdleConns(sqliteScanConns)
	}
	if _, err := w.conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var mode string
	err := w.conn.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode)
	w.rollbackJournal = err == nil && mode == "delete"
	if w.rollbackJournal {
		_, err = w.conn.ExecContext(ctx, "PRAGMA synchronous = FULL")
	}
	if _, err2 := w.conn.ExecContext(ctx, "PRAGMA busy_timeout = 10000"); err == nil {
		err = err2
	}
	if err != nil && !isBusy(err) {
		return fmt.Errorf("import: leave WAL mode: %w", err)
	}
	return nil
}

// isBusy reports a SQLite busy or locked error.
func isBusy(err error) bool {
	return sqliteDialect.isRetryable(err)
}

func (sqliteBulk) finish(w *importWriter) {
	if w.ckptPaused {
		defer w.s.resumeCheckpoints()
		w.ckptPaused = false
	}
	if w.rollbackJournal {
		// Back to WAL mode, which every connection also asks for when it
		// opens; a connection that cannot get there is not reused.
		w.rollbackJournal = false
		var mode string
		err := w.conn.QueryRowContext(context.Background(), "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil {
			_, err = w.conn.ExecContext(context.Background(), "PRAGMA synchronous = NORMAL")
		}
		if err != nil || mode != "wal" {
			w.conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
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
	// full holds the prepared statements of per rows, by the set of
	// columns they leave out (omitted).
	full map[uint64]driver.Stmt
	// emptyNull marks the text columns, whose empty values are bound as
	// NULL and written as '' (ifnull): a text bind costs the driver a
	// C allocation and a copy, a NULL bind nothing.
	emptyNull []bool
	// omissible marks the columns whose default is what a NULL bound for
	// them writes ('' for a text column, NULL for another): a batch in
	// which such a column is NULL in every row leaves it out of the
	// INSERT, and binds nothing for it — every bind takes the driver's
	// and SQLite's locks, and a legacy import leaves a fifth of the
	// logins' columns and a third of the grants' empty.
	omissible []bool
}

// maxOmittedSets bounds the prepared statements a bulkInsert keeps: one
// per set of columns its batches left out.
const maxOmittedSets = 8

// omissibleColumns reads from the schema which of table's cols may be
// left out of an INSERT in place of a NULL (bulkInsert.omissible); never
// the primary key.
func omissibleColumns(ctx context.Context, tx *sql.Tx, table string, cols []string, text []bool) ([]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name, \"notnull\", dflt_value FROM pragma_table_info(?) WHERE pk = 0", table)
	if err != nil {
		return nil, fmt.Errorf("read the columns' defaults: %w", err)
	}
	defer rows.Close()
	type column struct {
		notNull bool
		dflt    sql.NullString
	}
	schema := map[string]column{}
	for rows.Next() {
		var (
			name string
			c    column
		)
		if err := rows.Scan(&name, &c.notNull, &c.dflt); err != nil {
			return nil, fmt.Errorf("read the columns' defaults: %w", err)
		}
		schema[name] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the columns' defaults: %w", err)
	}
	out := make([]bool, len(cols))
	for k, name := range cols {
		c, ok := schema[name]
		if k >= 64 || !ok {
			continue
		}
		if text[k] {
			out[k] = c.dflt.Valid && c.dflt.String == "''"
		} else {
			out[k] = !c.notNull && !c.dflt.Valid
		}
	}
	return out, nil
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

// flush executes the rows buffered in b: a full buffer with a prepared
// statement of b's, a partial one (the last rows of an import) with its
// own. The omissible columns NULL in every buffered row are left out.
func (sqliteBulk) flush(ctx context.Context, w *importWriter, b *bulkInsert) error {
	if b.n == 0 {
		return nil
	}
	nc := len(b.cols)
	vals := b.vals[:b.n*nc]
	for k, v := range vals {
		if s, ok := v.(string); ok && s == "" && b.emptyNull[k%nc] {
			vals[k] = nil // written as '' by ifnull: binding NULL costs the driver no copy
		}
	}
	var omitted uint64
	for c := range nc {
		if !b.omissible[c] {
			continue
		}
		empty := true
		for r := c; r < len(vals); r += nc {
			if vals[r] != nil {
				empty = false
				break
			}
		}
		if empty {
			omitted |= 1 << c
		}
	}
	nv := b.nv[:0]
	for k, v := range vals {
		if c := k % nc; c < 64 && omitted&(1<<c) != 0 {
			continue
		}
		nv = append(nv, driver.NamedValue{Ordinal: len(nv) + 1, Value: v})
	}
	err := w.conn.Raw(func(dc any) error {
		st := b.full[omitted]
		if b.n < b.per || st == nil {
			var cols []string
			var text []bool
			for c, name := range b.cols {
				if c >= 64 || omitted&(1<<c) == 0 {
					cols, text = append(cols, name), append(text, b.emptyNull[c])
				}
			}
			var err error
			if st, err = dc.(driver.ConnPrepareContext).PrepareContext(ctx, insertTextSQL(b.table, cols, text, b.n)); err != nil {
				return err
			}
			if b.n == b.per && len(b.full) < maxOmittedSets {
				b.full[omitted] = st
			} else {
				defer st.Close()
			}
		}
		_, err := st.(driver.StmtExecContext).ExecContext(ctx, nv)
		return err
	})
	clear(vals) // drop references to the rows' strings
	clear(nv)
	b.n = 0
	if err != nil {
		return fmt.Errorf("import: write %s: %w", b.table, err)
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
	return []string{"threads = 0", fmt.Sprintf("cache_size = %d", sqliteCacheSize), "temp_store = MEMORY"}
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
	// OR ROLLBACK: a failing row ends the whole transaction (the import
	// is all or nothing anyway), so SQLite keeps no statement journal of
	// the pages each multi-row INSERT changes, to undo that statement
	// alone — a second write of every page the load touches twice.
	b.WriteString("INSERT OR ROLLBACK INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(one.String())
	}
	return b.String()
}
