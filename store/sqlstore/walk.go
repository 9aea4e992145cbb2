package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"runtime"
	"sync"

	"jedenlogin"
)

// The walk over every person in outline (ForEachPersonOutline), by whole
// tables. Read by ranges of persons, each range's logins and grants come
// through the indexes on person and login, a lookup of the table's row
// per login and per grant at scattered places (the import writes logins
// in the legacy file's order, not by person): on a million logins those
// lookups were most of `plan --format json` and `verify`. Here each table
// is read once in id order, in one pass over its rows (the sqlite3 shell
// reads the logins' outline that way in a fifth of the time the lookups
// take), logins and grants kept in compact form and put in person order
// in memory (a counting sort: the ids are dense), and the persons streamed
// in id order with them. The logins and the grants are read at once on the
// walk's two readers, which share one snapshot. A database with more
// logins than walkPassLogins is walked in passes over ranges of person
// ids, each reading the logins and grants tables once more, so memory
// stays bounded.

// walkPassLogins is about how many logins one pass holds in memory (some
// 50 bytes each with its name; a variable for the tests).
var walkPassLogins int64 = 4 << 20

// outLogin is a login in outline, compact and without pointers (the
// garbage collector does not scan a slice of them): its name is the bytes
// name … name+nameLen of the pass's names, its states are indexes into
// loginWords.
type outLogin struct {
	id, personID, mergedInto int64
	name, nameLen            uint32
	state, origin, before    uint8
}

// outGrant is a grant in outline, without pointers: its entity id is
// entities[entity] of the grants read.
type outGrant struct {
	id, loginID, originLoginID, mergedInto int64
	entity                                 uint32
}

// outNames holds the names of the logins of a pass, one after another.
type outNames []byte

// add appends name and sets l's place of it.
func (b *outNames) add(l *outLogin, name []byte) error {
	if len(*b)+len(name) > math.MaxUint32 {
		return fmt.Errorf("read logins: more than 4 GiB of names in one pass")
	}
	l.name, l.nameLen = uint32(len(*b)), uint32(len(name))
	*b = append(*b, name...)
	return nil
}

// wordsScanned is up to how many words loginWords.of compares one by one
// instead of looking up in its map.
const wordsScanned = 16

// loginWords interns the few words of the logins' state, origin and
// state_before_merge columns.
type loginWords struct {
	index map[string]uint8
	words []string
}

func (w *loginWords) of(b []byte) (uint8, bool) {
	// The words are few (a dozen states and origins): comparing with each
	// costs less than hashing for the map, which is looked up only once
	// there are more (it holds every word, from the first).
	if len(w.words) <= wordsScanned {
		for i, word := range w.words {
			if word == string(b) {
				return uint8(i), true
			}
		}
	} else if i, ok := w.index[string(b)]; ok {
		return i, true
	}
	if len(w.words) == 255 {
		return 0, false
	}
	if w.index == nil {
		w.index = make(map[string]uint8)
	}
	i := uint8(len(w.words))
	w.words = append(w.words, string(b))
	w.index[w.words[i]] = i
	return i, true
}

// walkOutline is ForEachPersonOutline.
func (s *Store) walkOutline(ctx context.Context, fn func(*jedenlogin.PersonRecord) error) error {
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
	var minPerson, maxPerson, maxLogin, maxGrant sql.NullInt64
	if err := txs[0].QueryRowContext(ctx, "SELECT (SELECT min(id) FROM persons), (SELECT max(id) FROM persons), (SELECT max(id) FROM logins), (SELECT max(id) FROM grants)").
		Scan(&minPerson, &maxPerson, &maxLogin, &maxGrant); err != nil {
		return fmt.Errorf("read persons: %w", err)
	}
	if !maxPerson.Valid {
		return nil
	}
	passes := max(1, (maxLogin.Int64+walkPassLogins-1)/walkPassLogins)
	span := (maxPerson.Int64 - minPerson.Int64 + passes) / passes
	for lo := minPerson.Int64; lo <= maxPerson.Int64; lo += span {
		hi := min(lo+span-1, maxPerson.Int64)
		if err := s.walkOutlinePass(ctx, txs, lo, hi, passes, maxLogin.Int64, maxGrant.Int64, fn); err != nil {
			return err
		}
	}
	return nil
}

// walkOutlinePass walks the persons with ids lo … hi, one of passes
// (with one, they are all the persons there are: the logins need no
// filter). The largest ids size the slices (ids come from sequences).
func (s *Store) walkOutlinePass(ctx context.Context, txs []*sql.Tx, lo, hi, passes, maxLogin, maxGrant int64, fn func(*jedenlogin.PersonRecord) error) error {
	var (
		logins      []outLogin
		names       outNames
		grants      []outGrant
		entities    []string
		words       loginWords
		badLogins   []int64
		errL, errG  error
		wg          sync.WaitGroup
		loginReader = txs[0]
		grantReader = txs[len(txs)-1]
		readLogins  = func() {
			logins, names, badLogins, errL = s.readOutlineLogins(ctx, loginReader, lo, hi, passes > 1, sizeHint(maxLogin/passes), &words)
		}
		readGrants   = func() { grants, entities, errG = s.readOutlineGrants(ctx, grantReader, sizeHint(maxGrant)) }
		personOffset = func(pid int64) int { return int(pid - lo) }
	)
	if len(txs) > 1 {
		wg.Go(readGrants)
		readLogins()
		wg.Wait()
	} else {
		readLogins()
		if errL == nil {
			readGrants()
		}
	}
	if errL != nil {
		return errL
	}
	if errG != nil {
		return errG
	}
	// Logins that did not unpack, read again column by column.
	for _, id := range badLogins {
		l, err := scanLogin(loginReader.QueryRowContext(ctx, s.q("SELECT "+loginSelect+" FROM logins WHERE id = ?"), id))
		if err != nil {
			return fmt.Errorf("read login %d: %w", id, err)
		}
		ol := outLogin{id: l.ID, personID: l.PersonID}
		if err := names.add(&ol, []byte(l.Name)); err != nil {
			return err
		}
		if l.MergedInto != nil {
			ol.mergedInto = *l.MergedInto
		}
		var ok1, ok2, ok3 bool
		ol.state, ok1 = words.of([]byte(l.State))
		ol.origin, ok2 = words.of([]byte(l.Origin))
		ol.before, ok3 = words.of([]byte(l.StateBeforeMerge))
		if !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("read login %d: too many distinct states", id)
		}
		i, _ := slicesSearchLogin(logins, l.ID)
		logins = append(logins, outLogin{})
		copy(logins[i+1:], logins[i:])
		logins[i] = ol
	}

	// Logins in person order (a stable counting sort keeps them in id
	// order per person); each login's person, by login id.
	n := int(hi - lo + 1)
	loginStart := make([]int32, n+1)
	for i := range logins {
		if p := logins[i].personID; p >= lo && p <= hi {
			loginStart[personOffset(p)+1]++
		}
	}
	for i := 1; i <= n; i++ {
		loginStart[i] += loginStart[i-1]
	}
	byPerson := make([]int32, loginStart[n])
	next := make([]int32, n)
	copy(next, loginStart[:n])
	holder := newLoginHolders(maxLogin, len(logins))
	for i := range logins {
		if p := logins[i].personID; p >= lo && p <= hi {
			o := personOffset(p)
			byPerson[next[o]] = int32(i)
			next[o]++
			holder.set(logins[i].id, int32(o))
		}
	}
	// Grants in person order, by their holder's person, in id order.
	grantStart := make([]int32, n+1)
	for i := range grants {
		if o, ok := holder.get(grants[i].loginID); ok {
			grantStart[o+1]++
		}
	}
	for i := 1; i <= n; i++ {
		grantStart[i] += grantStart[i-1]
	}
	grantsByPerson := make([]int32, grantStart[n])
	copy(next, grantStart[:n])
	for i := range grants {
		if o, ok := holder.get(grants[i].loginID); ok {
			grantsByPerson[next[o]] = int32(i)
			next[o]++
		}
	}
	holder = loginHolders{}

	// The persons, streamed in id order with their logins and grants: read
	// and put together in chunks of ids, on every reader of the snapshot
	// at once when there is a second processor, while fn runs on the
	// caller's goroutine (the verifier's checks take most of the reading's
	// time, the plan's rows a third of it; reading the persons on one
	// reader alone kept the other processor half idle).
	allNames := string(names) // each name a part of it: no string per login
	names = nil
	stream := func(ctx context.Context, reader *sql.Tx, clo, chi int64, emit func(*jedenlogin.PersonRecord) error) error {
		return s.streamPersons(ctx, reader, lo, clo, chi, logins, allNames, grants, entities, &words, loginStart, byPerson, grantStart, grantsByPerson, emit)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		return stream(ctx, loginReader, lo, hi, fn)
	}
	chunks := int((hi - lo + walkChunk) / walkChunk)
	return pipeline(ctx, len(txs), chunks, func(ctx context.Context, reader, chunk int, emit func(*jedenlogin.PersonRecord) error) error {
		clo := lo + int64(chunk)*walkChunk
		return stream(ctx, txs[reader], clo, min(clo+walkChunk-1, hi), emit)
	}, fn)
}

// walkChunk is how many person ids one chunk of a pass's persons spans
// (a variable for the tests).
var walkChunk int64 = 4096

// pipeline calls fn, on the caller's goroutine, with the records produce
// emits for each of chunks chunks, in chunk order. The chunks are produced
// by producers goroutines at once, producer r the chunks r, r+producers,
// …: produce(ctx, r, chunk, emit). An error of fn stops the producers and
// is returned; a producer's error is returned after fn saw every record
// emitted before it, in order.
func pipeline(ctx context.Context, producers, chunks int, produce func(ctx context.Context, producer, chunk int, emit func(*jedenlogin.PersonRecord) error) error, fn func(*jedenlogin.PersonRecord) error) error {
	type chunkOf struct {
		recs []*jedenlogin.PersonRecord
		err  error
	}
	ctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stop()
		wg.Wait()
	}()
	out := make([]chan chunkOf, producers)
	for r := range out {
		out[r] = make(chan chunkOf, 1)
		wg.Go(func() {
			defer close(out[r])
			for c := r; c < chunks; c += producers {
				var recs []*jedenlogin.PersonRecord
				err := produce(ctx, r, c, func(rec *jedenlogin.PersonRecord) error {
					recs = append(recs, rec)
					return nil
				})
				select {
				case out[r] <- chunkOf{recs, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		})
	}
	for c := range chunks {
		ch, ok := <-out[c%producers]
		if !ok { // stopped for the context
			return fmt.Errorf("read persons: %w", context.Cause(ctx))
		}
		for _, rec := range ch.recs {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if ch.err != nil {
			return ch.err
		}
	}
	return nil
}

// streamPersons reads the persons lo … hi in id order and emits each with
// its logins and grants (put in person order by walkOutlinePass, for the
// pass beginning at person passLo).
func (s *Store) streamPersons(ctx context.Context, reader *sql.Tx, passLo, lo, hi int64, logins []outLogin, names string, grants []outGrant, entities []string, words *loginWords,
	loginStart, byPerson, grantStart, grantsByPerson []int32, emit func(*jedenlogin.PersonRecord) error) error {
	personOffset := func(pid int64) int { return int(pid - passLo) }
	loginReader := reader
	rows, err := loginReader.QueryContext(ctx, s.q("SELECT "+packedSelect(personPackedInts, personPackedText, "")+
		" FROM persons WHERE id BETWEEN ? AND ? ORDER BY id"), lo, hi)
	if err != nil {
		return fmt.Errorf("read persons: %w", err)
	}
	defer rows.Close()
	var (
		badPersons []*jedenlogin.PersonRecord
		// The records and their logins and grants, carved out of larger
		// allocations: a few per thousand persons, not three per person.
		recSlab   slab[jedenlogin.PersonRecord]
		loginSlab slab[jedenlogin.Login]
		grantSlab slab[jedenlogin.Grant]
	)
	for rows.Next() {
		p, ok, err := scanPersonPacked(rows)
		if err != nil {
			return fmt.Errorf("read persons: %w", err)
		}
		o := personOffset(p.ID)
		rec := recSlab.one()
		*rec = jedenlogin.PersonRecord{Person: p,
			Logins: loginSlab.part(int(loginStart[o+1] - loginStart[o])),
			Grants: grantSlab.part(int(grantStart[o+1] - grantStart[o]))}
		for _, i := range byPerson[loginStart[o]:loginStart[o+1]] {
			l := &logins[i]
			rec.Logins = append(rec.Logins, jedenlogin.Login{ID: l.id, PersonID: l.personID, Name: names[l.name : l.name+l.nameLen],
				State: jedenlogin.LoginState(words.words[l.state]), Origin: jedenlogin.LoginOrigin(words.words[l.origin]),
				StateBeforeMerge: jedenlogin.LoginState(words.words[l.before]), MergedInto: nonZero(l.mergedInto)})
		}
		for _, i := range grantsByPerson[grantStart[o]:grantStart[o+1]] {
			g := &grants[i]
			rec.Grants = append(rec.Grants, jedenlogin.Grant{ID: g.id, LoginID: g.loginID, OriginLoginID: g.originLoginID,
				EntityID: entities[g.entity], MergedInto: nonZero(g.mergedInto)})
		}
		if !ok {
			// Its text did not split: read it again column by column
			// once the rows are closed, and call fn in order then.
			badPersons = append(badPersons, rec)
			continue
		}
		if len(badPersons) > 0 {
			badPersons = append(badPersons, rec) // keep the order
			continue
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read persons: %w", err)
	}
	rows.Close()
	for _, rec := range badPersons {
		p, err := scanPerson(loginReader.QueryRowContext(ctx, s.q("SELECT "+personSelect+" FROM persons WHERE id = ?"), rec.Person.ID))
		if err != nil {
			return fmt.Errorf("read person %d: %w", rec.Person.ID, err)
		}
		rec.Person = p
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// slab hands out parts of larger slices: each part's capacity is its
// length, so appending to one never writes into the next.
type slab[T any] []T

// slabSize is how many elements a slab allocates at least.
const slabSize = 1024

// part returns an empty slice of capacity n.
func (s *slab[T]) part(n int) []T {
	if n > len(*s) {
		*s = make([]T, max(n, slabSize))
	}
	p := (*s)[:0:n]
	*s = (*s)[n:]
	return p
}

// one returns a pointer to a zero T.
func (s *slab[T]) one() *T { return &s.part(1)[:1][0] }

// slicesSearchLogin finds where id is or belongs in logins sorted by id.
func slicesSearchLogin(logins []outLogin, id int64) (int, bool) {
	i, j := 0, len(logins)
	for i < j {
		h := int(uint(i+j) >> 1)
		if logins[h].id < id {
			i = h + 1
		} else {
			j = h
		}
	}
	return i, i < len(logins) && logins[i].id == id
}

// sizeHint is the capacity to give a slice for about n rows: n, within
// reason (a sparse sequence's largest id says little).
func sizeHint(n int64) int { return int(min(max(n, 0), 2*walkPassLogins)) }

func nonZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

// loginHolders maps a login id to its person's offset in a pass: a dense
// slice where the ids are dense (they come from a sequence), else a map.
type loginHolders struct {
	dense  []int32 // offset+1; 0 for none
	sparse map[int64]int32
}

func newLoginHolders(maxID int64, count int) loginHolders {
	if maxID >= 0 && maxID <= 8*int64(count)+1<<20 {
		return loginHolders{dense: make([]int32, maxID+1)}
	}
	return loginHolders{sparse: make(map[int64]int32, count)}
}

func (h *loginHolders) set(id int64, o int32) {
	if h.dense != nil {
		if id >= 0 && id < int64(len(h.dense)) {
			h.dense[id] = o + 1
			return
		}
		h.sparse = make(map[int64]int32)
	}
	if h.sparse == nil {
		h.sparse = make(map[int64]int32)
	}
	h.sparse[id] = o
}

func (h *loginHolders) get(id int64) (int32, bool) {
	if h.dense != nil && id >= 0 && id < int64(len(h.dense)) {
		if o := h.dense[id]; o > 0 {
			return o - 1, true
		}
	}
	if h.sparse != nil {
		o, ok := h.sparse[id]
		return o, ok
	}
	return 0, false
}

// readOutlineLogins reads every login in outline in id order (those of the
// persons lo … hi when ranged); bad are the ids of the rows whose text did
// not unpack.
func (s *Store) readOutlineLogins(ctx context.Context, tx *sql.Tx, lo, hi int64, ranged bool, hint int, words *loginWords) (logins []outLogin, names outNames, bad []int64, err error) {
	logins = make([]outLogin, 0, hint)
	names = make(outNames, 0, 10*hint)
	query := "SELECT id, person_id, COALESCE(merged_into, 0), name || '" + fieldSep + "' || state || '" + fieldSep + "' || origin || '" +
		fieldSep + "' || state_before_merge FROM logins"
	var args []any
	if ranged {
		// "+person_id": a pass over the table, not lookups through the
		// index on person_id.
		query += " WHERE +person_id BETWEEN ? AND ?"
		args = []any{lo, hi}
	}
	rows, err := tx.QueryContext(ctx, s.q(query+" ORDER BY id"), args...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read logins: %w", err)
	}
	defer rows.Close()
	var packed sql.RawBytes
	sep := []byte(fieldSep)
	for rows.Next() {
		var l outLogin
		if err := rows.Scan((*intCol)(&l.id), (*intCol)(&l.personID), (*intCol)(&l.mergedInto), &packed); err != nil {
			return nil, nil, nil, fmt.Errorf("read logins: %w", err)
		}
		name, rest, ok1 := bytes.Cut(packed, sep)
		state, rest, ok2 := bytes.Cut(rest, sep)
		origin, before, ok3 := bytes.Cut(rest, sep)
		if !ok1 || !ok2 || !ok3 || bytes.Contains(before, sep) {
			bad = append(bad, l.id) // a name holding the separator
			continue
		}
		var ok4, ok5, ok6 bool
		l.state, ok4 = words.of(state)
		l.origin, ok5 = words.of(origin)
		l.before, ok6 = words.of(before)
		if !ok4 || !ok5 || !ok6 {
			return nil, nil, nil, fmt.Errorf("read logins: more than 255 distinct states and origins")
		}
		if err := names.add(&l, name); err != nil {
			return nil, nil, nil, err
		}
		logins = append(logins, l)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("read logins: %w", err)
	}
	return logins, names, bad, nil
}

// readOutlineGrants reads every grant in outline in id order, and the
// distinct entity ids they name (each once: there are far fewer entities
// than grants).
func (s *Store) readOutlineGrants(ctx context.Context, tx *sql.Tx, hint int) ([]outGrant, []string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, login_id, origin_login_id, COALESCE(merged_into, 0), entity_id FROM grants ORDER BY id")
	if err != nil {
		return nil, nil, fmt.Errorf("read grants: %w", err)
	}
	defer rows.Close()
	var (
		grants   = make([]outGrant, 0, hint)
		entity   sql.RawBytes
		entities []string
		index    = make(map[string]uint32)
	)
	for rows.Next() {
		var g outGrant
		if err := rows.Scan((*intCol)(&g.id), (*intCol)(&g.loginID), (*intCol)(&g.originLoginID), (*intCol)(&g.mergedInto), &entity); err != nil {
			return nil, nil, fmt.Errorf("read grants: %w", err)
		}
		e, ok := index[string(entity)]
		if !ok {
			if len(entities) == math.MaxUint32 {
				return nil, nil, fmt.Errorf("read grants: too many entities")
			}
			e = uint32(len(entities))
			entities = append(entities, string(entity))
			index[entities[e]] = e
		}
		g.entity = e
		grants = append(grants, g)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read grants: %w", err)
	}
	return grants, entities, nil
}
