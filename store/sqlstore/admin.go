package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
)

// SearchPersons returns the ids of persons matching any set field of q,
// ascending, at most limit: a UNION of exact matches, each on its own
// index (0007_admin.sql; PESEL: the partial indexes of 0003, whose
// condition the query repeats so the planner may use them), so every
// branch is an index lookup.
func (s *Store) SearchPersons(ctx context.Context, q jedenlogin.PersonSearch, limit int) ([]int64, error) {
	var (
		parts []string
		args  []any
	)
	in := func(vals []string) string {
		for _, v := range vals {
			args = append(args, v)
		}
		return "(" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + ")"
	}
	if q.LoginFolded != "" {
		parts = append(parts, "SELECT person_id AS pid FROM logins WHERE name_folded = ?")
		args = append(args, q.LoginFolded)
	}
	if q.PESEL != "" {
		parts = append(parts,
			"SELECT id AS pid FROM persons WHERE person_key = ?",
			"SELECT id AS pid FROM persons WHERE acc_pesel = ? AND acc_pesel <> ''",
			"SELECT person_id AS pid FROM logins WHERE pesel = ? AND pesel <> ''")
		args = append(args, "pesel:"+q.PESEL, q.PESEL, q.PESEL)
	}
	if len(q.Emails) > 0 {
		parts = append(parts, "SELECT id AS pid FROM persons WHERE acc_email IN "+in(q.Emails))
		parts = append(parts, "SELECT person_id AS pid FROM logins WHERE email IN "+in(q.Emails))
	}
	if len(q.LastNames) > 0 {
		acc := "SELECT id AS pid FROM persons WHERE acc_last_name IN " + in(q.LastNames)
		if len(q.FirstNames) > 0 {
			acc += " AND acc_first_name IN " + in(q.FirstNames)
		}
		lg := "SELECT person_id AS pid FROM logins WHERE last_name IN " + in(q.LastNames)
		if len(q.FirstNames) > 0 {
			lg += " AND first_name IN " + in(q.FirstNames)
		}
		parts = append(parts, acc, lg)
	}
	if len(parts) == 0 {
		return []int64{}, nil
	}
	if limit <= 0 {
		limit = 50
	}
	// Each branch keeps only its lowest limit ids (the lowest limit of the
	// union are among them): a common last name alone matches ten thousand
	// logins on 1M, which the union would otherwise gather in a temporary
	// B-tree and sort whole; a branch's bounded sort keeps limit rows.
	// DISTINCT in each branch: a person's several logins share a PESEL,
	// an e-mail address or a name, and limit copies of one person would
	// crowd the others out of the branch.
	lim := " ORDER BY pid LIMIT " + strconv.Itoa(limit)
	for i, p := range parts {
		p = "SELECT DISTINCT " + strings.TrimPrefix(p, "SELECT ")
		parts[i] = "SELECT pid FROM (" + p + lim + ") AS b" + strconv.Itoa(i)
	}
	query := "SELECT pid FROM (" + strings.Join(parts, " UNION ") + ") AS hits" + lim
	// Compiled once per connection (SQLite: the scan pool's connections
	// keep their statements, stmtcache.go): the query texts are few (which
	// fields are set and how many spellings each has), and compiling a
	// UNION cost as much as running it.
	rows, err := s.scan.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("search persons: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("search persons: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search persons: %w", err)
	}
	return ids, nil
}

// SessionsOfPerson returns the person's sessions, newest first.
func (s *Store) SessionsOfPerson(ctx context.Context, personID int64) ([]jedenlogin.Session, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+sessionCols+" FROM sessions WHERE person_id = ? ORDER BY created_at DESC, id_hash"), personID)
	if err != nil {
		return nil, fmt.Errorf("sessions of person %d: %w", personID, err)
	}
	defer rows.Close()
	out := []jedenlogin.Session{}
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("sessions of person %d: %w", personID, err)
		}
		out = append(out, *ss)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sessions of person %d: %w", personID, err)
	}
	return out, nil
}

// consolidationDaysByRange bounds how many days ConsolidationsPerDay
// counts one by one on SQLite; a longer span (a consolidation dated far
// ahead) is grouped in one query instead.
const consolidationDaysByRange = 400

// ConsolidationsPerDay counts consolidated persons per UTC day since since,
// through the index on consolidated_at. On SQLite each day is one count
// of a range of that index: grouping by the day in one query sorts every
// row of the span (a temporary B-tree of 261,000 rows on a 1M-login
// database the day it was imported — half of the progress page's CPU),
// while a range count only steps over the index.
func (s *Store) ConsolidationsPerDay(ctx context.Context, since time.Time) ([]jedenlogin.DayCount, error) {
	if s.d.name == sqliteDialect.name && since.Unix() >= 0 {
		out, ok, err := s.consolidationsByRange(ctx, since)
		if err != nil || ok {
			return out, err
		}
	}
	day := s.d.dayNumber("consolidated_at")
	query := "SELECT " + day + " AS d, count(*) FROM persons WHERE consolidated_at >= ? GROUP BY d ORDER BY d"
	rows, err := s.db.QueryContext(ctx, s.q(query), s.ts(since))
	if err != nil {
		return nil, fmt.Errorf("consolidations per day: %w", err)
	}
	defer rows.Close()
	out := []jedenlogin.DayCount{}
	for rows.Next() {
		var d int64
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("consolidations per day: %w", err)
		}
		out = append(out, jedenlogin.DayCount{Day: time.Unix(d*86400, 0).UTC(), N: n})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("consolidations per day: %w", err)
	}
	return out, nil
}

// consolidationsByRange is ConsolidationsPerDay on SQLite: the newest
// consolidation bounds the days, each day one range count, in one read
// transaction. ok is false when the span exceeds consolidationDaysByRange
// days (the caller groups in one query then).
func (s *Store) consolidationsByRange(ctx context.Context, since time.Time) (out []jedenlogin.DayCount, ok bool, err error) {
	out = []jedenlogin.DayCount{}
	err = s.scanTx(ctx, func(tx *sql.Tx) error {
		var newest sql.NullInt64 // Unix nanoseconds (SQLite's time columns)
		if err := tx.QueryRowContext(ctx, "SELECT max(consolidated_at) FROM persons").Scan(&newest); err != nil {
			return err
		}
		if !newest.Valid || newest.Int64 < since.UnixNano() {
			ok = true
			return nil
		}
		first := since.UTC().Truncate(24 * time.Hour)
		last := time.Unix(0, newest.Int64).UTC().Truncate(24 * time.Hour)
		if last.Sub(first) > consolidationDaysByRange*24*time.Hour {
			return nil
		}
		ok = true
		for d := first; !d.After(last); d = d.Add(24 * time.Hour) {
			from := max(d.UnixNano(), since.UnixNano())
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM persons WHERE consolidated_at >= ? AND consolidated_at < ?",
				from, d.Add(24*time.Hour).UnixNano()).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				out = append(out, jedenlogin.DayCount{Day: d, N: n})
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("consolidations per day: %w", err)
	}
	return out, ok, nil
}

// auditWalkChunk is how many events ForEachAudit reads per query: short
// reads that never hold a snapshot for the whole walk (the log only grows,
// so reading on by id misses nothing that was committed before).
const auditWalkChunk = 5000

// ForEachAudit calls fn for every event with an id above afterID, in id order.
func (s *Store) ForEachAudit(ctx context.Context, afterID int64, fn func(jedenlogin.AuditEvent) error) error {
	query := s.q("SELECT id, " + colList(auditCols, "") + " FROM audit_events WHERE id > ? ORDER BY id LIMIT " + strconv.Itoa(auditWalkChunk))
	for {
		evs, err := s.auditChunk(ctx, query, afterID)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(evs) < auditWalkChunk {
			return nil
		}
		afterID = evs[len(evs)-1].ID
	}
}

func (s *Store) auditChunk(ctx context.Context, query string, afterID int64) ([]jedenlogin.AuditEvent, error) {
	rows, err := s.scan.QueryContext(ctx, query, afterID)
	if err != nil {
		return nil, fmt.Errorf("walk audit log: %w", err)
	}
	defer rows.Close()
	var evs []jedenlogin.AuditEvent
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("walk audit log: %w", err)
		}
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("walk audit log: %w", err)
	}
	return evs, nil
}

// PersonsOutline returns the persons with these ids, by id, each with its
// logins (by id) and no grants, in two queries whatever the number of ids.
func (s *Store) PersonsOutline(ctx context.Context, ids []int64) ([]jedenlogin.PersonRecord, error) {
	out := []jedenlogin.PersonRecord{}
	if len(ids) == 0 {
		return out, nil
	}
	arg, err := s.d.idsArg(ids)
	if err != nil {
		return nil, fmt.Errorf("persons outline: %w", err)
	}
	err = s.scanTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q("SELECT "+personSelect+" FROM persons WHERE "+s.d.idsIn("id")+" ORDER BY id"), arg)
		if err != nil {
			return err
		}
		at := map[int64]int{}
		for rows.Next() {
			p, err := scanPerson(rows)
			if err != nil {
				rows.Close()
				return err
			}
			at[p.ID] = len(out)
			out = append(out, jedenlogin.PersonRecord{Person: p, Logins: []jedenlogin.Login{}, Grants: []jedenlogin.Grant{}})
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, s.q("SELECT "+loginSelect+" FROM logins WHERE "+s.d.idsIn("person_id")+" ORDER BY id"), arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			l, err := scanLogin(rows)
			if err != nil {
				return err
			}
			if i, ok := at[l.PersonID]; ok {
				out[i].Logins = append(out[i].Logins, l)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("persons outline: %w", err)
	}
	return out, nil
}
