package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"jedenlogin"
)

// version returns the import version of the database: the change counter
// (advanced by every UpdatePerson, ReserveLogin and ApplyImport) and the
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
// free ids and the version ApplyImport checks.
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

// bulkIndexThreshold is the smallest load for which ApplyImport considers
// rebuilding a table's indexes after the load.
var bulkIndexThreshold = 10000

// bulkFunc writes n rows of cols into table; row(i) gives the values of row i.
type bulkFunc func(ctx context.Context, table string, cols []string, n int, row func(i int) []any) error

// ApplyImport writes the batch in one transaction: entities are upserted,
// new persons, logins, grants and audit events inserted with the ids the
// importer assigned, updated persons rewritten. Imports exclude each other
// (SQLite: the write transaction; PostgreSQL: EXCLUSIVE table locks, which
// let readers through but hold other writers of those tables until the
// import ends). It returns an error wrapping jedenlogin.ErrImportConflict,
// writing nothing, when the database changed since the snapshot.
func (s *Store) ApplyImport(ctx context.Context, b *jedenlogin.ImportBatch) error {
	if s.pg() {
		return s.applyImportPostgres(ctx, b)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		// A bigger page cache for this connection while the indexes grow;
		// restored before the connection goes back to the pool.
		if _, err := tx.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer s.db.ExecContext(context.WithoutCancel(ctx), "PRAGMA cache_size = -65536")
		return s.applyImport(ctx, tx, b, func(ctx context.Context, table string, cols []string, n int, row func(int) []any) error {
			return s.insertRows(ctx, tx, table, cols, "", n, row)
		})
	})
}

func (s *Store) applyImportPostgres(ctx context.Context, b *jedenlogin.ImportBatch) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("import: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE entities, persons, logins, grants IN EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("import: lock tables: %w", err)
	}
	// COPY runs on the same connection, hence inside tx.
	bulk := func(ctx context.Context, table string, cols []string, n int, row func(int) []any) error {
		return conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
				return row(i), nil
			}))
			return err
		})
	}
	if err := s.applyImport(ctx, tx, b, bulk); err != nil {
		return err
	}
	if len(b.NewPersons)+len(b.Logins)+len(b.Grants) >= bulkIndexThreshold {
		// Fresh statistics, or the planner walks a million rows per chunk
		// of ForEachPerson until autovacuum gets round to the tables.
		if _, err := tx.ExecContext(ctx, "ANALYZE entities, persons, logins, grants"); err != nil {
			return fmt.Errorf("import: analyze: %w", err)
		}
	}
	for _, t := range []string{"persons", "logins", "grants"} {
		if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), COALESCE((SELECT max(id) FROM "+t+"), 0) + 1, false)"); err != nil {
			return fmt.Errorf("import: reset id sequence of %s: %w", t, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("import: commit: %w", err)
	}
	return nil
}

// applyImport is the dialect-independent body of ApplyImport.
func (s *Store) applyImport(ctx context.Context, tx *sql.Tx, b *jedenlogin.ImportBatch, bulk bulkFunc) error {
	v, err := s.version(ctx, tx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if v != b.SnapshotVersion {
		return fmt.Errorf("import: database version %s, snapshot %s: %w", v, b.SnapshotVersion, jedenlogin.ErrImportConflict)
	}
	if len(b.Entities) > 0 {
		err := s.insertRows(ctx, tx, "entities", entityCols,
			" ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent_id = excluded.parent_id",
			len(b.Entities), func(i int) []any {
				e := &b.Entities[i]
				return []any{e.ID, e.Name, e.Kind, e.ParentID}
			})
		if err != nil {
			return fmt.Errorf("import: write entities: %w", err)
		}
	}
	// A load bigger than what a table holds builds that table's secondary
	// indexes afterwards, in one sorted pass each, instead of growing them
	// row by row at random places. Unique indexes are checked as they are
	// rebuilt.
	var rebuild []string
	for _, t := range []struct {
		table string
		rows  int
	}{{"persons", len(b.NewPersons)}, {"logins", len(b.Logins)}, {"grants", len(b.Grants)}} {
		if t.rows < bulkIndexThreshold {
			continue
		}
		defs, err := s.dropIndexesForLoad(ctx, tx, t.table, t.rows)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		rebuild = append(rebuild, defs...)
	}
	if len(b.NewPersons) > 0 {
		if err := bulk(ctx, "persons", personCols, len(b.NewPersons), func(i int) []any {
			return s.personArgs(&b.NewPersons[i])
		}); err != nil {
			return fmt.Errorf("import: write persons: %w", err)
		}
	}
	if len(b.UpdatedPersons) > 0 {
		stmt, err := tx.PrepareContext(ctx, s.q(updateSQL("persons", personCols)))
		if err != nil {
			return fmt.Errorf("import: update persons: %w", err)
		}
		defer stmt.Close()
		for i := range b.UpdatedPersons {
			p := &b.UpdatedPersons[i]
			args := s.personArgs(p)
			if _, err := stmt.ExecContext(ctx, append(args[1:len(args)-1:len(args)-1], p.ID)...); err != nil {
				return fmt.Errorf("import: update person %s: %w", p.Key, err)
			}
		}
	}
	if len(b.Logins) > 0 {
		if err := bulk(ctx, "logins", loginCols, len(b.Logins), func(i int) []any {
			return s.loginArgs(&b.Logins[i])
		}); err != nil {
			return fmt.Errorf("import: write logins: %w", err)
		}
	}
	if len(b.Grants) > 0 {
		if err := bulk(ctx, "grants", grantCols, len(b.Grants), func(i int) []any {
			g := &b.Grants[i]
			if g.OriginLoginID == 0 {
				g.OriginLoginID = g.LoginID
			}
			return s.grantArgs(g)
		}); err != nil {
			return fmt.Errorf("import: write grants: %w", err)
		}
	}
	if len(b.Audit) > 0 {
		if err := bulk(ctx, "audit_events", auditCols, len(b.Audit), func(i int) []any {
			return s.auditArgs(&b.Audit[i])
		}); err != nil {
			return fmt.Errorf("import: write audit events: %w", err)
		}
	}
	for _, def := range rebuild {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("import: %s: duplicate values: %w", def, err)
			}
			return fmt.Errorf("import: %s: %w", def, err)
		}
	}
	if err := s.bumpChanges(ctx, tx); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
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

// insertRows writes n rows with multi-row INSERT statements (each followed
// by suffix, e.g. an ON CONFLICT clause), one prepared statement for the
// full batches.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, suffix string, n int, row func(i int) []any) error {
	// SQLite allows 32766 variables per statement; PostgreSQL 65535.
	per := min(256, 32000/len(cols))
	build := func(rows int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		for i := 0; i < rows; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
		}
		b.WriteString(suffix)
		return s.q(b.String())
	}
	args := make([]any, 0, per*len(cols))
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		var err error
		if end-start == per {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, build(per)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, build(end-start), args...)
		}
		if err != nil {
			return fmt.Errorf("rows %d–%d: %w", start+1, end, err)
		}
	}
	return nil
}
