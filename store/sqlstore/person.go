package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"jedenlogin"
)

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Person returns the person with all their logins and grants, or
// jedenlogin.ErrNotFound.
func (s *Store) Person(ctx context.Context, id int64) (*jedenlogin.PersonRecord, error) {
	if s.d.name == BackendPostgres {
		return s.personBatched(ctx, id)
	}
	rec, err := s.loadRecord(ctx, dbQueryer{s}, id, false)
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// loadRecord reads one person's record; forUpdate locks the person row on
// PostgreSQL (SQLite's write transaction already excludes other writers).
func (s *Store) loadRecord(ctx context.Context, q queryer, id int64, forUpdate bool) (*jedenlogin.PersonRecord, error) {
	query := recordPersonSQL
	if forUpdate {
		query += s.d.forUpdate
	}
	p, err := scanPerson(q.QueryRowContext(ctx, s.q(query), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("person %d: %w", id, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("load person %d: %w", id, err)
	}
	rec := &jedenlogin.PersonRecord{Person: p, Logins: []jedenlogin.Login{}, Grants: []jedenlogin.Grant{}}
	rows, err := q.QueryContext(ctx, s.q(recordLoginsSQL), id)
	if err == nil {
		rec.Logins, err = appendRows(rec.Logins, rows, scanLogin)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load logins of person %d: %w", id, err)
	}
	rows, err = q.QueryContext(ctx, s.q(recordGrantsSQL), id, id)
	if err == nil {
		rec.Grants, err = appendRows(rec.Grants, rows, scanGrant)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load grants of person %d: %w", id, err)
	}
	return rec, nil
}

// The three reads of a person's record (loadRecord's queries).
var (
	recordPersonSQL = "SELECT " + personSelect + " FROM persons WHERE id = ?"
	recordLoginsSQL = "SELECT " + loginSelect + " FROM logins WHERE person_id = ? ORDER BY id"
	recordGrantsSQL = "SELECT " + grantSelectG + " FROM grants g WHERE g.login_id IN (SELECT id FROM logins WHERE person_id = ?)" +
		" OR g.origin_login_id IN (SELECT id FROM logins WHERE person_id = ?) ORDER BY g.id"
)

// personBatched is Person on PostgreSQL: loadRecord's three queries sent
// as one pgx batch, one round trip instead of three (each a wake-up of a
// backend and of this process, on the cores that hash passwords). They run
// one after another, each seeing what it would see sent alone.
func (s *Store) personBatched(ctx context.Context, id int64) (*jedenlogin.PersonRecord, error) {
	var rec *jedenlogin.PersonRecord
	err := s.pgBatch(ctx, func(b *pgx.Batch) { s.queueRecord(b, personByID, id) }, func(br pgx.BatchResults) (err error) {
		rec, err = scanRecord(br, strconv.FormatInt(id, 10))
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// recordQueries are loadRecord's three queries with the person's id given
// by key: "?" for the id itself, or a subquery taking one argument.
type recordQueries struct{ person, logins, grants string }

var (
	personByID = recordQueries{recordPersonSQL, recordLoginsSQL, recordGrantsSQL}
	// personByToken selects the person of the OpenID Connect token whose
	// id hash is the argument (OIDCTokenWithPerson).
	personByToken = recordQueriesBy("(SELECT person_id FROM oidc_tokens WHERE id_hash = ?)")
)

func recordQueriesBy(key string) recordQueries {
	return recordQueries{strings.ReplaceAll(recordPersonSQL, "?", key), strings.ReplaceAll(recordLoginsSQL, "?", key),
		strings.ReplaceAll(recordGrantsSQL, "?", key)}
}

// queueRecord queues rq's three queries, each given arg for every key.
func (s *Store) queueRecord(b *pgx.Batch, rq recordQueries, arg any) {
	b.Queue(s.q(rq.person), arg)
	b.Queue(s.q(rq.logins), arg)
	b.Queue(s.q(rq.grants), arg, arg)
}

// scanRecord reads queueRecord's three results; who names the person in
// errors.
func scanRecord(br pgx.BatchResults, who string) (*jedenlogin.PersonRecord, error) {
	p, err := scanPerson(br.QueryRow())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("person %s: %w", who, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("load person %s: %w", who, err)
	}
	rec := &jedenlogin.PersonRecord{Person: p, Logins: []jedenlogin.Login{}, Grants: []jedenlogin.Grant{}}
	rows, err := br.Query()
	if err == nil {
		rec.Logins, err = appendRows(rec.Logins, rows, scanLogin)
		if rows.Close(); err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load logins of person %s: %w", who, err)
	}
	if rows, err = br.Query(); err == nil {
		rec.Grants, err = appendRows(rec.Grants, rows, scanGrant)
		if rows.Close(); err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load grants of person %s: %w", who, err)
	}
	return rec, nil
}

// pgBatch sends the batch queue builds on one connection of the pool as
// one round trip and gives its results to read; the batch is closed (its
// remaining results drained) after read returns.
func (s *Store) pgBatch(ctx context.Context, queue func(b *pgx.Batch), read func(br pgx.BatchResults) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		b := &pgx.Batch{}
		queue(b)
		br := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		if err := read(br); err != nil {
			br.Close()
			return err
		}
		return br.Close()
	})
}

// forEachChunk is how many persons ForEachPerson reads per round trip.
const forEachChunk = 2000

// ForEachPerson calls fn for every person in id order with their logins (in
// id order) and the grants held by those logins (in id order), reading the
// persons by ranges of two thousand ids in read-only transactions that all
// see one state of the database (snapshotReaders), so the walk sees one
// consistent state. Two reader goroutines fetch alternate ranges, on two
// connections, while fn works on the current one. A grant held by another
// person's login is listed with its holder only (grants never leave their
// person, so that happens only in a damaged database, which verify
// reports). An error from fn stops the walk and is returned unchanged. fn
// must not write through the store on a ":memory:" database (it has one
// connection, held by the walk).
func (s *Store) ForEachPerson(ctx context.Context, fn func(*jedenlogin.PersonRecord) error) error {
	return s.forEachPerson(ctx, fn)
}

// ForEachPersonOutline is ForEachPerson with logins and grants read in
// outline: a login's ID, PersonID, Name, State, MergedInto, Origin and
// StateBeforeMerge, a grant's ID, LoginID, OriginLoginID, EntityID and
// MergedInto — what classifying a person, the plan and verify read, at a
// fraction of the columns.
func (s *Store) ForEachPersonOutline(ctx context.Context, fn func(*jedenlogin.PersonRecord) error) error {
	return s.walkOutline(ctx, fn)
}

func (s *Store) forEachPerson(ctx context.Context, fn func(*jedenlogin.PersonRecord) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	txs, err := s.snapshotReaders(ctx)
	if err != nil {
		return fmt.Errorf("read persons: %w", err)
	}
	defer func() {
		for _, tx := range txs {
			tx.Rollback()
		}
	}()
	var maxID sql.NullInt64
	if err := txs[0].QueryRowContext(ctx, "SELECT max(id) FROM persons").Scan(&maxID); err != nil {
		return fmt.Errorf("read persons: %w", err)
	}
	for _, tx := range txs {
		for _, set := range s.d.walkSettings {
			if _, err := tx.ExecContext(ctx, "SET LOCAL "+set); err != nil {
				return fmt.Errorf("read persons: %w", err)
			}
		}
	}
	// Chunk k holds the persons with ids k*forEachChunk+1 … (k+1)*forEachChunk;
	// reader r reads the chunks k with k mod len(txs) = r.
	chunks := int((maxID.Int64 + forEachChunk - 1) / forEachChunk)
	return pipeline(ctx, len(txs), chunks, func(ctx context.Context, r, k int, emit func(*jedenlogin.PersonRecord) error) error {
		lo := int64(k)*forEachChunk + 1
		recs, err := s.readChunk(ctx, txs[r], lo, lo+forEachChunk-1)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := emit(rec); err != nil {
				return err
			}
		}
		return nil
	}, fn)
}

// walkReaders is how many transactions read a walk over every person at
// once: the reading, not fn, is what takes a walk's time.
const walkReaders = 2

// snapshotReaders begins read-only transactions that all see one state of
// the database: walkReaders of them, one on a ":memory:" database (it has
// one connection) or a single CPU; the dialect's shareSnapshot makes them
// see one state.
func (s *Store) snapshotReaders(ctx context.Context) (txs []*sql.Tx, err error) {
	defer func() {
		if err != nil {
			for _, tx := range txs {
				tx.Rollback()
			}
			txs = nil
		}
	}()
	n := walkReaders
	if s.memory || runtime.GOMAXPROCS(0) < 2 {
		n = 1
	}
	begin := func() (*sql.Tx, error) {
		tx, err := s.scan.BeginTx(ctx, &s.d.snapshot)
		if err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
		txs = append(txs, tx)
		return tx, nil
	}
	if n == 1 {
		_, err := begin()
		return txs, err
	}
	err = s.d.shareSnapshot(ctx, s, n, begin)
	return txs, err
}

// readChunk reads the records of the persons with ids lo … hi, in id
// order.
func (s *Store) readChunk(ctx context.Context, tx *sql.Tx, lo, hi int64) ([]*jedenlogin.PersonRecord, error) {
	personQ := s.q("SELECT " + packedSelect(personPackedInts, personPackedText, "") +
		" FROM persons WHERE id BETWEEN ? AND ? ORDER BY id")
	loginQ := s.q("SELECT " + packedSelect(loginPackedInts, loginPackedText, "") +
		" FROM logins WHERE person_id BETWEEN ? AND ? ORDER BY person_id, id")
	// Ordered by holder person only: the database walks logins_person and
	// needs no sort; grants are put in id order per record below.
	grantQ := s.q("SELECT " + packedSelect(grantPackedInts, grantPackedText, "g") + ", l.person_id" +
		" FROM logins l JOIN grants g ON g.login_id = l.id WHERE l.person_id BETWEEN ? AND ? ORDER BY l.person_id")
	scanL := func(r *sql.Rows) (jedenlogin.Login, []jedenlogin.Grant, bool, error) {
		l, ok, err := scanLoginPacked(r)
		return l, nil, ok, err
	}
	recs := make([]*jedenlogin.PersonRecord, 0, forEachChunk)
	var badPersons, badLogins, badGrants []int64
	rows, err := tx.QueryContext(ctx, personQ, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read persons: %w", err)
	}
	for rows.Next() {
		p, ok, err := scanPersonPacked(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read persons: %w", err)
		}
		if !ok {
			badPersons = append(badPersons, p.ID)
		}
		recs = append(recs, &jedenlogin.PersonRecord{Person: p, Logins: []jedenlogin.Login{}, Grants: []jedenlogin.Grant{}})
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read persons: %w", err)
	}
	if len(recs) == 0 {
		return recs, nil
	}
	find := func(pid int64) *jedenlogin.PersonRecord {
		i, found := slices.BinarySearchFunc(recs, pid, func(r *jedenlogin.PersonRecord, id int64) int { return cmp.Compare(r.Person.ID, id) })
		if !found {
			return nil
		}
		return recs[i]
	}

	// Records are sorted by id; walk them along the sorted rows.
	rows, err = tx.QueryContext(ctx, loginQ, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read logins: %w", err)
	}
	i := 0
	for rows.Next() {
		l, gs, ok, err := scanL(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read logins: %w", err)
		}
		if !ok {
			badLogins = append(badLogins, l.ID)
			continue
		}
		for i < len(recs) && recs[i].Person.ID < l.PersonID {
			i++
		}
		if i < len(recs) && recs[i].Person.ID == l.PersonID {
			recs[i].Logins = append(recs[i].Logins, l)
			recs[i].Grants = append(recs[i].Grants, gs...)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read logins: %w", err)
	}

	{
		rows, err = tx.QueryContext(ctx, grantQ, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("read grants: %w", err)
		}
		i = 0
		for rows.Next() {
			var pid int64
			g, ok, err := scanGrantPacked(rows, &pid)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read grants: %w", err)
			}
			if !ok {
				badGrants = append(badGrants, g.ID)
				continue
			}
			for i < len(recs) && recs[i].Person.ID < pid {
				i++
			}
			if i < len(recs) && recs[i].Person.ID == pid {
				recs[i].Grants = append(recs[i].Grants, g)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read grants: %w", err)
		}
	}

	// Rows whose text held the separator, read again column by column.
	for _, id := range badPersons {
		p, err := scanPerson(tx.QueryRowContext(ctx, s.q("SELECT "+personSelect+" FROM persons WHERE id = ?"), id))
		if err != nil {
			return nil, fmt.Errorf("read person %d: %w", id, err)
		}
		find(id).Person = p
	}
	for _, id := range badLogins {
		l, err := scanLogin(tx.QueryRowContext(ctx, s.q("SELECT "+loginSelect+" FROM logins WHERE id = ?"), id))
		if err != nil {
			return nil, fmt.Errorf("read login %d: %w", id, err)
		}
		rec := find(l.PersonID)
		rec.Logins = append(rec.Logins, l)
		slices.SortFunc(rec.Logins, func(a, b jedenlogin.Login) int { return cmp.Compare(a.ID, b.ID) })
	}
	for _, id := range badGrants {
		var pid int64
		g, err := scanGrant(tx.QueryRowContext(ctx, s.q("SELECT "+grantSelectG+", l.person_id FROM grants g JOIN logins l ON l.id = g.login_id WHERE g.id = ?"), id), &pid)
		if err != nil {
			return nil, fmt.Errorf("read grant %d: %w", id, err)
		}
		find(pid).Grants = append(find(pid).Grants, g)
	}
	for _, rec := range recs {
		if len(rec.Grants) > 1 {
			slices.SortFunc(rec.Grants, func(a, b jedenlogin.Grant) int { return cmp.Compare(a.ID, b.ID) })
		}
	}
	return recs, nil
}

// PlanSummary counts persons per case and state and per grouping.
func (s *Store) PlanSummary(ctx context.Context) (*jedenlogin.PlanSummary, error) {
	sum := &jedenlogin.PlanSummary{
		ByCaseState: map[jedenlogin.Case]map[jedenlogin.PersonState]int{},
		ByGrouping:  map[jedenlogin.Grouping]int{},
	}
	err := s.scanTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM logins").Scan(&sum.Logins); err != nil {
			return fmt.Errorf("count logins: %w", err)
		}
		add := func(c, st string, n int) {
			m := sum.ByCaseState[jedenlogin.Case(c)]
			if m == nil {
				m = map[jedenlogin.PersonState]int{}
				sum.ByCaseState[jedenlogin.Case(c)] = m
			}
			m[jedenlogin.PersonState(st)] = n
			sum.Persons += n // every person has a case and a state
		}
		if s.d.name == sqliteDialect.name {
			if err := caseStatesByRange(ctx, tx, add); err != nil {
				return fmt.Errorf("count persons per case: %w", err)
			}
		} else {
			rows, err := tx.QueryContext(ctx, "SELECT consolidation_case, state, count(*) FROM persons GROUP BY consolidation_case, state")
			if err != nil {
				return fmt.Errorf("count persons per case: %w", err)
			}
			for rows.Next() {
				var c, st string
				var n int
				if err := rows.Scan(&c, &st, &n); err != nil {
					rows.Close()
					return fmt.Errorf("count persons per case: %w", err)
				}
				add(c, st, n)
			}
			if err := rows.Close(); err != nil {
				return fmt.Errorf("count persons per case: %w", err)
			}
		}
		if s.d.name == sqliteDialect.name {
			ok, err := groupingsByRange(ctx, tx, sum.ByGrouping)
			if err != nil {
				return fmt.Errorf("count persons per grouping: %w", err)
			}
			if ok {
				return nil
			}
			clear(sum.ByGrouping)
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+s.d.keyGroup+" AS g, count(*) FROM persons GROUP BY g")
		if err != nil {
			return fmt.Errorf("count persons per grouping: %w", err)
		}
		for rows.Next() {
			var g string
			var n int
			if err := rows.Scan(&g, &n); err != nil {
				rows.Close()
				return fmt.Errorf("count persons per grouping: %w", err)
			}
			sum.ByGrouping[jedenlogin.Grouping(g)] = n
		}
		return rows.Close()
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

// caseStatesByRange counts persons per case and state on SQLite from the
// index on (consolidation_case, state): the pairs present are found by
// seeking from one to the next (a handful of seeks), each pair is one
// count of its range. A GROUP BY decodes and compares both columns of
// every entry: 56 against 34 ms of CPU on a 1M-login database.
func caseStatesByRange(ctx context.Context, tx *sql.Tx, add func(c, st string, n int)) error {
	var c sql.NullString
	err := tx.QueryRowContext(ctx, "SELECT min(consolidation_case) FROM persons").Scan(&c)
	for err == nil && c.Valid {
		var st sql.NullString
		err = tx.QueryRowContext(ctx, "SELECT min(state) FROM persons WHERE consolidation_case = ?", c.String).Scan(&st)
		for err == nil && st.Valid {
			var n int
			if err = tx.QueryRowContext(ctx, "SELECT count(*) FROM persons WHERE consolidation_case = ? AND state = ?", c.String, st.String).Scan(&n); err != nil {
				break
			}
			add(c.String, st.String, n)
			err = tx.QueryRowContext(ctx, "SELECT min(state) FROM persons WHERE consolidation_case = ? AND state > ?", c.String, st.String).Scan(&st)
		}
		if err != nil {
			break
		}
		err = tx.QueryRowContext(ctx, "SELECT min(consolidation_case) FROM persons WHERE consolidation_case > ?", c.String).Scan(&c)
	}
	return err
}

// groupingsByRange counts persons per grouping (the person key up to its
// ':') on SQLite from the unique index on person_key: the keys of one
// grouping are one range of it ("pesel:" ≤ key < "pesel;"), so each
// grouping is a seek to its first key and a count of its range. Grouping
// by the expression in one query reads every person's row (SQLite does
// not take the expression index as covering): 52 MiB on a 1M-login
// database, more than a connection caches beside the other scans of the
// progress page. ok is false, with by partly filled, when a key has no
// ':' (its grouping's keys need not be one range): the caller groups by
// the expression then.
func groupingsByRange(ctx context.Context, tx *sql.Tx, by map[jedenlogin.Grouping]int) (ok bool, err error) {
	var key string
	err = tx.QueryRowContext(ctx, "SELECT person_key FROM persons ORDER BY person_key LIMIT 1").Scan(&key)
	for err == nil {
		g, _, found := strings.Cut(key, ":")
		if !found {
			return false, nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM persons WHERE person_key >= ? AND person_key < ?", g+":", g+";").Scan(&n); err != nil {
			return false, err
		}
		by[jedenlogin.Grouping(g)] = n
		err = tx.QueryRowContext(ctx, "SELECT person_key FROM persons WHERE person_key >= ? ORDER BY person_key LIMIT 1", g+";").Scan(&key)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return false, err
}

// UpdatePerson loads the person's record under a lock (PostgreSQL: SELECT …
// FOR UPDATE; SQLite: the immediate write transaction), calls fn, and
// writes back the person, every login of the record (ID 0: inserted, its new
// id set in rec), every grant (likewise) and fn's audit events (PersonID
// defaults to the person), all in one transaction. Logins and grants that
// fn removes from the record are left as they are: nothing is ever deleted.
// A new grant's OriginLoginID defaults to its LoginID. An error from fn
// rolls back and is returned unchanged; fn may run more than once when the
// transaction must be retried, and must not call the store itself.
// ErrNotFound: no such person. ErrLoginTaken: a new or renamed login
// equals an existing one ignoring case.
func (s *Store) UpdatePerson(ctx context.Context, id int64, fn func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error)) error {
	return s.UpdatePersonMail(ctx, id, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, []jedenlogin.OutboxMessage, error) {
		evs, err := fn(rec)
		return evs, nil, err
	})
}

// UpdatePersonMail is UpdatePerson whose fn also returns mail, queued in
// the outbox in the same transaction.
func (s *Store) UpdatePersonMail(ctx context.Context, id int64, fn func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, []jedenlogin.OutboxMessage, error)) error {
	var fnErr error
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		fnErr = nil
		rec, err := s.loadRecord(ctx, tx, id, true)
		if err != nil {
			return err
		}
		events, msgs, err := fn(rec)
		if err != nil {
			fnErr = err
			return err
		}
		if err := s.enqueueMail(ctx, tx, msgs); err != nil {
			return err
		}
		if err := s.savePerson(ctx, tx, &rec.Person); err != nil {
			return err
		}
		for i := range rec.Logins {
			if err := s.saveLogin(ctx, tx, &rec.Logins[i]); err != nil {
				return err
			}
		}
		for i := range rec.Grants {
			if err := s.saveGrant(ctx, tx, &rec.Grants[i]); err != nil {
				return err
			}
		}
		for i := range events {
			if events[i].PersonID == nil {
				pid := id
				events[i].PersonID = &pid
			}
		}
		if err := s.appendAudit(ctx, tx, events); err != nil {
			return err
		}
		return s.bumpChanges(ctx, tx)
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

func (s *Store) savePerson(ctx context.Context, tx *sql.Tx, p *jedenlogin.Person) error {
	args := s.personArgs(p)
	// SET every column but id and created_at.
	var b strings.Builder
	b.WriteString("UPDATE persons SET ")
	for i, c := range personCols[1 : len(personCols)-1] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = ?")
	}
	b.WriteString(" WHERE id = ?")
	upd := append(args[1:len(args)-1:len(args)-1], p.ID)
	if _, err := tx.ExecContext(ctx, s.q(b.String()), upd...); err != nil {
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("person key %s exists: %w", p.Key, jedenlogin.ErrConflict)
		}
		return fmt.Errorf("save person %d: %w", p.ID, err)
	}
	return nil
}

// saveLogin inserts (ID 0) or updates one login.
func (s *Store) saveLogin(ctx context.Context, tx *sql.Tx, l *jedenlogin.Login) error {
	if l.ID == 0 {
		var taken int
		err := tx.QueryRowContext(ctx, s.q("SELECT count(*) FROM logins WHERE name_folded = ?"), fold(l.Name)).Scan(&taken)
		if err != nil {
			return fmt.Errorf("check login %s: %w", l.Name, err)
		}
		if taken > 0 {
			return fmt.Errorf("login %s: %w", l.Name, jedenlogin.ErrLoginTaken)
		}
		if l.CreatedAt.IsZero() {
			l.CreatedAt = time.Now().UTC()
		}
		id, err := s.insertReturningID(ctx, tx, "logins", loginCols, s.loginArgs(l))
		if err != nil {
			if s.d.isUniqueViolation(err) {
				return fmt.Errorf("login %s: %w", l.Name, jedenlogin.ErrLoginTaken)
			}
			return fmt.Errorf("insert login %s: %w", l.Name, err)
		}
		l.ID = id
		return nil
	}
	args := s.loginArgs(l)
	res, err := tx.ExecContext(ctx, s.q(updateSQL("logins", loginCols)), append(args[1:len(args)-1:len(args)-1], l.ID)...)
	if err != nil {
		if s.d.isUniqueViolation(err) {
			return fmt.Errorf("login %s: %w", l.Name, jedenlogin.ErrLoginTaken)
		}
		return fmt.Errorf("save login %s: %w", l.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("save login %d: %w", l.ID, jedenlogin.ErrNotFound)
	}
	return nil
}

// saveGrant inserts (ID 0) or updates one grant.
func (s *Store) saveGrant(ctx context.Context, tx *sql.Tx, g *jedenlogin.Grant) error {
	g.Scopes = jedenlogin.NormalizeScopes(g.Scopes)
	if g.ID == 0 {
		if g.OriginLoginID == 0 {
			g.OriginLoginID = g.LoginID
		}
		if g.CreatedAt.IsZero() {
			g.CreatedAt = time.Now().UTC()
		}
		id, err := s.insertReturningID(ctx, tx, "grants", grantCols, s.grantArgs(g))
		if err != nil {
			return fmt.Errorf("insert grant of login %d at %s: %w", g.LoginID, g.EntityID, err)
		}
		g.ID = id
		return nil
	}
	args := s.grantArgs(g)
	res, err := tx.ExecContext(ctx, s.q(updateSQL("grants", grantCols)), append(args[1:len(args)-1:len(args)-1], g.ID)...)
	if err != nil {
		return fmt.Errorf("save grant %d: %w", g.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("save grant %d: %w", g.ID, jedenlogin.ErrNotFound)
	}
	return nil
}

// updateSQL returns "UPDATE table SET c2 = ?, … WHERE id = ?" for every
// column but the first (id) and the last (created_at).
func updateSQL(table string, cols []string) string {
	var b strings.Builder
	b.WriteString("UPDATE " + table + " SET ")
	for i, c := range cols[1 : len(cols)-1] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = ?")
	}
	b.WriteString(" WHERE id = ?")
	return b.String()
}

// insertReturningID inserts one row letting the database assign the id
// (cols[0] must be "id"; args[0] is ignored).
func (s *Store) insertReturningID(ctx context.Context, tx *sql.Tx, table string, cols []string, args []any) (int64, error) {
	query := "INSERT INTO " + table + " (" + strings.Join(cols[1:], ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)-1), ", ") + ") RETURNING id"
	var id int64
	err := tx.QueryRowContext(ctx, s.q(query), args[1:]...).Scan(&id)
	return id, err
}

// ReserveLogin inserts a login for l.PersonID named prefix+N with the
// smallest N ≥ 1 whose name is not equal, ignoring case, to any existing
// login, and returns it. Concurrent callers, also in other processes, are
// serialised per prefix (PostgreSQL: an advisory lock; SQLite: the write
// transaction), and a unique index on generated names is the backstop.
// l.Name is ignored; Origin defaults to generated, State to reserved.
func (s *Store) ReserveLogin(ctx context.Context, prefix string, l jedenlogin.Login) (*jedenlogin.Login, error) {
	if l.Origin == "" {
		l.Origin = jedenlogin.OriginGenerated
	}
	if l.State == "" {
		l.State = jedenlogin.LoginReserved
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = time.Now().UTC()
	}
	folded := fold(prefix)
	var out jedenlogin.Login
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.writeTx(ctx, func(tx *sql.Tx) error {
			if err := s.d.lockName(ctx, tx, "reserve:"+folded); err != nil {
				return fmt.Errorf("lock prefix %s: %w", prefix, err)
			}
			n, err := s.smallestFree(ctx, tx, folded)
			if err != nil {
				return err
			}
			out = l
			out.ID = 0
			out.Name = prefix + strconv.FormatInt(n, 10)
			if err := s.saveLogin(ctx, tx, &out); err != nil {
				return err
			}
			return s.bumpChanges(ctx, tx)
		})
		// A concurrent writer that does not take the prefix lock (an
		// import, a renaming) may win the name: try the next one.
		if !errors.Is(err, jedenlogin.ErrLoginTaken) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reserve login %s…: %w", prefix, err)
	}
	return &out, nil
}

// smallestFree returns the smallest N ≥ 1 such that foldedPrefix+N is not a
// folded login name. Only exact equality counts: JANKOW01 does not take 1.
func (s *Store) smallestFree(ctx context.Context, tx *sql.Tx, foldedPrefix string) (int64, error) {
	// Folded names are ASCII upper case, so every name starting with the
	// prefix sorts in [prefix, prefix+"\x7f").
	rows, err := tx.QueryContext(ctx, s.q("SELECT name_folded FROM logins WHERE name_folded >= ? AND name_folded < ?"),
		foldedPrefix, foldedPrefix+"\x7f")
	if err != nil {
		return 0, fmt.Errorf("read logins named %s…: %w", foldedPrefix, err)
	}
	defer rows.Close()
	taken := map[int64]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return 0, fmt.Errorf("read logins named %s…: %w", foldedPrefix, err)
		}
		rest, ok := strings.CutPrefix(name, foldedPrefix)
		if !ok || rest == "" || rest[0] == '0' || len(rest) > 18 || strings.Trim(rest, "0123456789") != "" {
			continue
		}
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			continue
		}
		taken[n] = true
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read logins named %s…: %w", foldedPrefix, err)
	}
	n := int64(1)
	for taken[n] {
		n++
	}
	return n, nil
}
