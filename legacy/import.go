package legacy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/loginname"
)

// Importer imports legacy files into a store.
type Importer struct {
	Store jedenlogin.Store
	// Progress receives progress lines (rows/s, ETA) while the file is
	// read, only when it is a terminal; nil means quiet.
	Progress io.Writer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MemoryLimit is the soft limit of the Go heap while Import runs
	// (runtime/debug.SetMemoryLimit), with the proportional collector off
	// so the heap is collected only near the limit; both are restored when
	// Import returns. 0 means DefaultMemoryLimit, negative leaves the
	// runtime alone, and so does a limit or GC percentage the program or
	// the GOMEMLIMIT or GOGC environment variables already set.
	MemoryLimit int64
}

// DefaultMemoryLimit bounds the Go heap of an import. A million-row file
// keeps about 450 MiB live while it is read (every login name, folded and
// as written, the persons' keys and counts, the text of the rows in
// arenas); the store's writing allocates short-lived values on top,
// collected whenever the heap nears the limit. With the SQLite page cache
// and index sorts outside the Go heap, the process stays well under 1 GiB
// (measured on 1,000,000 rows: 752 MiB peak RSS).
const DefaultMemoryLimit = 640 << 20

// Summary tells what an import did.
type Summary struct {
	RowsRead        int // data rows of the file
	LoginsNew       int // legacy logins written
	LoginsPresent   int // legacy logins skipped because a login of that exact name exists
	PersonsNew      int
	PersonsUpdated  int // existing persons that received new logins
	EntitiesNew     int
	EntitiesUpdated int // existing entities whose name or parent changed
	Grants          int // grants written (one per new login)
	// Completed counts the persons in case unchanged made done at import.
	Completed int
	// GeneratedLogins counts the logins reserved for persons in case generate.
	GeneratedLogins int
	// MergedAtOnce counts new logins of already consolidated persons,
	// merged at once into their unified login.
	MergedAtOnce int
	// Grouping counts the new persons by how their logins were grouped.
	Grouping map[jedenlogin.Grouping]int
	// Cases counts the new and updated persons by consolidation case.
	Cases    map[jedenlogin.Case]int
	Warnings []Issue
	// WarningsLeftOut counts the warnings beyond MaxIssues.
	WarningsLeftOut int
	Duration        time.Duration
}

// ImportConflictAttempts is how many times Import builds and writes its
// batch when the database keeps changing under it.
const ImportConflictAttempts = 3

// Import reads and validates the whole file and, when it has no error,
// writes its logins, persons, entities and grants in one transaction
// (Store.BeginImport), together with one audit event (AuditImport, actor
// "cli"). size is the file's length in bytes for the progress estimate (0
// when unknown).
//
// The transaction begins before the file is read, and the logins and
// grants of new persons go into it while the rest of the file is still
// being read and checked: the database writes on one core while the file
// is parsed on the other. When the file has any error the transaction is
// rolled back, so nothing of the file is ever committed, and Import
// returns the summary of what was read and a *ValidationError listing the
// errors. When the database changes between the snapshot and the start of
// the transaction (jedenlogin.ErrImportConflict) a new snapshot is read, up
// to ImportConflictAttempts times in all; once the transaction has begun
// the database cannot change under it. Other errors are from reading r or
// from the store, wrapped with context.
//
// Logins whose exact name already exists are skipped and counted, so
// importing a file again writes nothing but the audit event. A new login of
// an existing person joins that person, who is classified anew: an
// unchanged person is completed at once, a generate person gets a reserved
// login if they have none. A new login of a person already consolidated is
// merged at once into the person's unified login (state merged, like the
// person's other legacy logins) and, when active, its grant moves to the
// unified login — unless the unified login already holds an open grant of
// the same entity and function that covers its scopes and validity, in
// which case the new grant is recorded as merged into that one. Nothing is
// lost, and the person keeps one login.
func (im *Importer) Import(ctx context.Context, r io.Reader, size int64) (*Summary, error) {
	now := time.Now
	if im.Now != nil {
		now = im.Now
	}
	start := now()
	if lim := im.MemoryLimit; lim >= 0 && debug.SetMemoryLimit(-1) == math.MaxInt64 && os.Getenv("GOGC") == "" {
		// Collect only when the heap nears the limit: what the import
		// holds (login names, persons) stays live to the end, so
		// collections on the way would mark it again and again for
		// little gain.
		if lim == 0 {
			lim = DefaultMemoryLimit
		}
		prevLimit, prevPercent := debug.SetMemoryLimit(lim), debug.SetGCPercent(-1)
		defer func() {
			debug.SetGCPercent(prevPercent)
			debug.SetMemoryLimit(prevLimit)
		}()
	}
	sum := &Summary{Grouping: map[jedenlogin.Grouping]int{}, Cases: map[jedenlogin.Case]int{}}

	hint, err := countLines(r)
	if err != nil {
		return nil, err
	}
	prog := newProgress(im.Progress, size, hint)
	defer prog.clear()
	snap, w, err := im.begin(ctx, hint, prog)
	if err != nil {
		return nil, err
	}
	defer w.Rollback()

	out := newStream(ctx, w)
	f, err := readFile(ctx, r, start, hint, snap, prog, out)
	werr := out.close(err == nil && f.errs.count() == 0)
	if err != nil {
		return nil, err
	}
	sum.RowsRead = f.rows
	if f.errs.count() > 0 {
		w.Rollback()
		return sum, &ValidationError{
			Errors: f.errs.list, ErrorsLeftOut: f.errs.leftOut,
			Warnings: f.warns.list, WarningsLeftOut: f.warns.leftOut,
		}
	}
	if werr != nil {
		return nil, fmt.Errorf("import: write to the database: %w", werr)
	}
	if err := f.finish(ctx, w, sum, start, prog); err != nil {
		return nil, err
	}
	sum.Duration = now().Sub(start)
	return sum, nil
}

// begin reads the snapshot and begins the import's transaction, reading a
// new snapshot when the database changed in between.
func (im *Importer) begin(ctx context.Context, hint int, prog *progress) (*jedenlogin.ImportSnapshot, jedenlogin.ImportWriter, error) {
	for attempt := 1; ; attempt++ {
		// The snapshot comes first so that rows whose login the database
		// has are only validated, never held: importing a file again
		// costs little.
		prog.phase(pl.Msg("legacy.progress.reading_db"))
		snap, err := im.Store.ImportSnapshot(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("import: read the database: %w", err)
		}
		// The file's new rows, as far as can be told before reading it
		// (a line per row; a file read from a pipe tells nothing).
		est := max(hint-1-len(snap.Logins), 0)
		w, err := im.Store.BeginImport(ctx, snap.Version, jedenlogin.ImportSize{Persons: est, Logins: est, Grants: est})
		if err == nil {
			return snap, w, nil
		}
		if !errors.Is(err, jedenlogin.ErrImportConflict) || attempt == ImportConflictAttempts {
			return nil, nil, fmt.Errorf("import: write to the database: %w", err)
		}
	}
}

// writeChunk is how many logins (and grants) the import hands to the store
// at a time.
const writeChunk = 8192

// stream writes chunks of logins and grants through an ImportWriter in a
// goroutine of its own, while the file is read on.
type stream struct {
	w    jedenlogin.ImportWriter
	full chan *chunk
	free chan *chunk
	cur  *chunk
	done chan struct{}
	err  error // the first write error; read after done is closed
}

// chunk is a run of logins with their grants; its times live in ts.
type chunk struct {
	logins []jedenlogin.Login
	grants []jedenlogin.Grant
	ts     timeSlab
}

func newStream(ctx context.Context, w jedenlogin.ImportWriter) *stream {
	const chunks = 3 // one filled, two written or waiting
	s := &stream{w: w, full: make(chan *chunk, chunks), free: make(chan *chunk, chunks), done: make(chan struct{})}
	for range chunks {
		s.free <- &chunk{logins: make([]jedenlogin.Login, 0, writeChunk), grants: make([]jedenlogin.Grant, 0, writeChunk)}
	}
	s.cur = <-s.free
	go s.run(ctx)
	return s
}

func (s *stream) run(ctx context.Context) {
	defer close(s.done)
	for c := range s.full {
		if s.err == nil {
			if err := s.w.Logins(ctx, c.logins); err != nil {
				s.err = err
			} else if err := s.w.Grants(ctx, c.grants); err != nil {
				s.err = err
			}
		}
		clear(c.logins) // the rows' strings can go
		clear(c.grants)
		c.logins, c.grants, c.ts = c.logins[:0], c.grants[:0], timeSlab{}
		s.free <- c
	}
}

// add queues a login and its grant; their times must come from s.cur.ts.
func (s *stream) add(l jedenlogin.Login, g jedenlogin.Grant) {
	s.cur.logins = append(s.cur.logins, l)
	s.cur.grants = append(s.cur.grants, g)
	if len(s.cur.logins) == writeChunk {
		s.full <- s.cur
		s.cur = <-s.free
	}
}

// close writes the last chunk (unless flush is false: the import will be
// rolled back), waits for the writing to end and returns its first error.
func (s *stream) close(flush bool) error {
	if flush && len(s.cur.logins) > 0 {
		s.full <- s.cur
	}
	close(s.full)
	<-s.done
	return s.err
}

// finish writes what only the whole file tells, after the streamed rows:
// the entities, the new persons (classified, unchanged ones completed),
// the rows of persons the database has, the reserved logins and the audit
// event, and commits.
func (f *importFile) finish(ctx context.Context, w jedenlogin.ImportWriter, sum *Summary, now time.Time, prog *progress) error {
	snap := f.snap
	warns := f.warns
	for _, is := range f.twinWarns.list {
		warns.add(is)
	}
	warns.leftOut += f.twinWarns.leftOut
	sum.LoginsPresent = f.present
	sum.LoginsNew = f.streamed + len(f.data)
	sum.Grants = sum.LoginsNew
	entities := f.planEntities(snap, sum, &warns)

	// New persons: classified from what was counted while their rows
	// were read.
	persons := make([]jedenlogin.Person, 0, len(f.newGroups))
	newPrefix := map[int]string{} // index into persons → prefix of the login to reserve
	for _, g := range f.newGroups {
		gs := &f.stat[g]
		rec := jedenlogin.PersonRecord{Person: jedenlogin.Person{
			ID: f.personOf[g], Key: f.group[g].key, State: jedenlogin.StatePending, CreatedAt: now,
		}}
		rec.Person.Case = consolidation.CaseOf(int(gs.upper), int(gs.other))
		if gs.upper+gs.other > 0 {
			// The account source among the person's active logins (the
			// latest accepted; ties to the first in the file, which has the
			// lowest id): the only login an unchanged person's completion
			// and a generated login's prefix read.
			rec.Logins = []jedenlogin.Login{gs.best.login(now)}
		}
		switch rec.Person.Case {
		case jedenlogin.CaseUnchanged:
			if err := consolidation.CompleteUnchanged(&rec, now); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			sum.Completed++
		case jedenlogin.CaseGenerate:
			src := consolidation.AccountSource(&rec, 0)
			newPrefix[len(persons)] = loginname.Prefix(src.FirstName, src.LastName)
		}
		sum.Cases[rec.Person.Case]++
		sum.Grouping[rec.Person.Grouping()]++
		persons = append(persons, rec.Person)
	}
	sum.PersonsNew = len(persons)

	// Persons of the database: their rows were held back; they are read
	// with their logins and grants and planned as before.
	f.loginBase, f.grantBase = f.nextLogin, f.nextGrant
	var existing []*existingPerson
	byGroup := map[int32]*existingPerson{}
	var ids []int64
	for i, g := range f.rowGrp {
		ep := byGroup[g]
		if ep == nil {
			ep = &existingPerson{}
			byGroup[g] = ep
			existing = append(existing, ep)
			ids = append(ids, f.personOf[g])
		}
		ep.rows = append(ep.rows, int32(i))
	}
	if len(ids) > 0 {
		// Through the import's transaction: a read from elsewhere could
		// wait for the import's own locks.
		recs, err := w.Persons(ctx, ids)
		if err != nil {
			return fmt.Errorf("import: read the persons the file adds logins to: %w", err)
		}
		byID := make(map[int64]*jedenlogin.PersonRecord, len(recs))
		for _, rec := range recs {
			byID[rec.Person.ID] = rec
		}
		for i, ep := range existing {
			if ep.rec = byID[ids[i]]; ep.rec == nil {
				return fmt.Errorf("import: person %d of the snapshot is gone", ids[i])
			}
		}
	}
	var updated []jedenlogin.Person
	updPrefix := map[int]string{} // index into updated → prefix
	for _, ep := range existing {
		prefix, err := f.planExisting(ep, sum, now)
		if err != nil {
			return err
		}
		if prefix != "" {
			updPrefix[len(updated)] = prefix
		}
		updated = append(updated, ep.rec.Person)
		sum.PersonsUpdated++
		sum.Cases[ep.rec.Person.Case]++
	}

	// Reserve the generated logins, against every login name that exists.
	nextLogin := f.loginBase + int64(len(f.data))
	if len(newPrefix)+len(updPrefix) > 0 {
		alloc := f.allocator(snap, newPrefix, updPrefix)
		f.reserved = make([]jedenlogin.Login, 0, len(newPrefix)+len(updPrefix))
		reserve := func(p *jedenlogin.Person, prefix string) {
			l := jedenlogin.Login{
				ID: nextLogin, PersonID: p.ID, Name: alloc.Next(prefix),
				State: jedenlogin.LoginReserved, Origin: jedenlogin.OriginGenerated, CreatedAt: now,
			}
			nextLogin++
			id := l.ID
			p.GeneratedLoginID = &id
			f.reserved = append(f.reserved, l)
			sum.GeneratedLogins++
		}
		for i := range persons {
			if prefix, ok := newPrefix[i]; ok {
				reserve(&persons[i], prefix)
			}
		}
		for i := range updated {
			if prefix, ok := updPrefix[i]; ok {
				reserve(&updated[i], prefix)
			}
		}
	}
	sum.Warnings, sum.WarningsLeftOut = warns.list, warns.leftOut

	details, err := json.Marshal(map[string]any{
		"rows":             sum.RowsRead,
		"logins_new":       sum.LoginsNew,
		"logins_present":   sum.LoginsPresent,
		"persons_new":      sum.PersonsNew,
		"persons_updated":  sum.PersonsUpdated,
		"entities_new":     sum.EntitiesNew,
		"entities_updated": sum.EntitiesUpdated,
		"grants":           sum.Grants,
		"completed":        sum.Completed,
		"generated_logins": sum.GeneratedLogins,
		"merged_at_once":   sum.MergedAtOnce,
		"warnings":         warns.count(),
	})
	if err != nil {
		return fmt.Errorf("import: audit details: %w", err)
	}
	audit := []jedenlogin.AuditEvent{{
		At: now, Action: jedenlogin.AuditImport, Actor: "cli", Subject: "import", Outcome: "ok", Details: string(details),
	}}

	prog.phase(pl.Msg("legacy.progress.writing", pluralDigits("legacy.count.logins", sum.LoginsNew+len(f.reserved)),
		pluralDigits("legacy.count.persons", len(persons)+len(updated))))
	if err := f.writeRest(ctx, w, entities, persons, updated, audit); err != nil {
		return fmt.Errorf("import: write to the database: %w", err)
	}
	return nil
}

// writeRest writes, after the streamed rows, the entities, the persons,
// the held-back rows of persons of the database, the reserved logins and
// the audit event, and commits.
func (f *importFile) writeRest(ctx context.Context, w jedenlogin.ImportWriter, entities []jedenlogin.Entity, persons, updated []jedenlogin.Person, audit []jedenlogin.AuditEvent) error {
	if err := w.Entities(ctx, entities); err != nil {
		return err
	}
	if err := w.NewPersons(ctx, persons); err != nil {
		return err
	}
	if err := w.UpdatePersons(ctx, updated); err != nil {
		return err
	}
	var ts timeSlab
	n := len(f.data)
	logins := make([]jedenlogin.Login, 0, min(writeChunk, n))
	for start := 0; start < n; start += writeChunk {
		logins = logins[:0]
		for i := start; i < min(start+writeChunk, n); i++ {
			logins = append(logins, f.login(i, &ts))
		}
		if err := w.Logins(ctx, logins); err != nil {
			return err
		}
	}
	if err := w.Logins(ctx, f.reserved); err != nil {
		return err
	}
	grants := make([]jedenlogin.Grant, 0, min(writeChunk, n))
	for start := 0; start < n; start += writeChunk {
		grants = grants[:0]
		for i := start; i < min(start+writeChunk, n); i++ {
			grants = append(grants, f.grant(i, &ts))
		}
		if err := w.Grants(ctx, grants); err != nil {
			return err
		}
	}
	if err := w.Audit(ctx, audit); err != nil {
		return err
	}
	return w.Commit(ctx)
}

// countLines counts the newlines of r when r can seek back, as the
// capacity of the row arrays (so a million logins are never copied to grow
// a slice); 0 when r cannot seek.
func countLines(r io.Reader) (int, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		return 0, nil
	}
	pos, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, nil // e.g. a pipe: read it once, without the hint
	}
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := rs.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("import: read the file: %w", err)
		}
	}
	if _, err := rs.Seek(pos, io.SeekStart); err != nil {
		return 0, fmt.Errorf("import: rewind the file: %w", err)
	}
	return n + 1, nil
}

// importFile is a file being imported. The rows of new persons are
// written as they are read (stream); per person only what classifies it is
// kept (stat). The rows of persons the database has are held back in data
// (rowGrp[i] their group, lines[i] their line) and planned at the end,
// like the entities and the logins to reserve.
type importFile struct {
	now   time.Time
	snap  *jedenlogin.ImportSnapshot
	rows  int
	errs  issueList
	warns issueList
	group []groupInfo
	ents  map[string]*entityInfo
	// present counts the rows skipped while reading because the database
	// had their login; streamed counts the rows written while reading.
	present, streamed int

	// Ids: the next free ones; personOf is the person id of every group
	// with new rows (0 until its first), stat what the person's rows tell,
	// newGroups the groups of new persons in the order the file first
	// names them.
	nextLogin, nextGrant, nextPerson int64
	personOf                         []int64
	stat                             []groupStat
	newGroups                        []int32
	// genNames are the new login names ending in a digit: the only ones a
	// generated PREFIX+N can collide with (allocator).
	genNames []string
	// dbFolded maps the database's logins, folded, to their names, to warn
	// about new logins equal to one ignoring case (nil when the database
	// has no logins); twinWarns are those warnings.
	dbFolded  map[string]string
	twinWarns issueList
	foldBuf   []byte

	data   []fileRow
	rowGrp []int32
	lines  []int32

	// Set by finish: the first login and grant id of the held-back rows,
	// the rows merged at once into a consolidated person's unified login,
	// and the logins reserved for persons in case generate.
	loginBase, grantBase int64
	merged               map[int32]mergedRow
	reserved             []jedenlogin.Login
}

// groupStat is what classifies a new person: their active logins in the
// unified form and in others, and the account source among them.
type groupStat struct {
	existing     bool // the group is a person of the database (rows held back)
	upper, other int32
	best         bestLogin
}

// bestLogin is a person's account source so far: the active login with the
// latest acceptance, the first of the file on a tie (consolidation.AccountSource).
type bestLogin struct {
	id                                             int64
	accepted                                       time.Time // zero when absent
	name, first, second, last, pesel, email, phone string
}

// newer reports whether a later login of the file accepted at t (zero:
// never) beats b as the account source: only by a later acceptance, an
// absent one counting as older than any date.
func (b *bestLogin) newer(t time.Time) bool {
	return !t.IsZero() && (b.accepted.IsZero() || t.After(b.accepted))
}

// login is the account source as a login, with what consolidation reads.
func (b *bestLogin) login(now time.Time) jedenlogin.Login {
	l := jedenlogin.Login{
		ID: b.id, Name: b.name, State: jedenlogin.LoginActive, Origin: jedenlogin.OriginLegacy,
		FirstName: b.first, SecondName: b.second, LastName: b.last, PESEL: b.pesel, Email: b.email, Phone: b.phone,
		CreatedAt: now,
	}
	if !b.accepted.IsZero() {
		t := b.accepted.UTC()
		l.AcceptedAt = &t
	}
	return l
}

// add takes a valid row whose login the database does not have: a row of a
// new person is written at once (out), a row of a person of the database
// is held back.
func (f *importFile) add(row *Row, g int32, out *stream) {
	if f.dbFolded != nil {
		f.foldBuf = appendFold(f.foldBuf[:0], row.Login)
		if other, ok := f.dbFolded[string(f.foldBuf)]; ok {
			f.twinWarns.add(Issue{Line: row.Line, Column: "login", Message: pl.Msg("legacy.issue.case_twin_in_db", row.Login, other)})
		}
	}
	for int(g) >= len(f.personOf) { // groups are numbered as they appear
		f.personOf = append(f.personOf, 0)
		f.stat = append(f.stat, groupStat{})
	}
	gs := &f.stat[g]
	pid := f.personOf[g]
	if pid == 0 {
		if ep, ok := f.snap.Persons[f.group[g].key]; ok {
			pid = ep.ID
			gs.existing = true
		} else {
			pid = f.nextPerson
			f.nextPerson++
			f.newGroups = append(f.newGroups, g)
		}
		f.personOf[g] = pid
	}
	if n := len(row.Login); n > 0 && row.Login[n-1] >= '0' && row.Login[n-1] <= '9' {
		f.genNames = append(f.genNames, row.Login)
	}
	active := row.Status == jedenlogin.LoginActive
	if gs.existing {
		f.data = append(f.data, fileRow{
			name: row.Login, hash: row.PasswordHash,
			first: row.FirstName, second: row.SecondName, last: row.LastName,
			pesel: row.PESEL, email: row.Email, phone: row.Phone,
			entity: row.EntityID, scopes: row.Scopes, function: row.Function,
			accepted: nanos(row.AcceptedAt), lastLogin: nanos(row.LastLoginAt), validTo: nanos(row.ValidTo),
			active: active,
		})
		f.rowGrp = append(f.rowGrp, g)
		f.lines = append(f.lines, int32(row.Line))
		return
	}

	id := f.nextLogin
	f.nextLogin++
	gid := f.nextGrant
	f.nextGrant++
	f.streamed++
	ts := &out.cur.ts
	l := jedenlogin.Login{
		ID: id, PersonID: pid, Name: row.Login, PasswordHash: row.PasswordHash,
		State: jedenlogin.LoginInactive, Origin: jedenlogin.OriginLegacy,
		FirstName: row.FirstName, SecondName: row.SecondName, LastName: row.LastName,
		PESEL: row.PESEL, Email: row.Email, Phone: row.Phone,
		AcceptedAt: ts.ptr(nanos(row.AcceptedAt)), LastLoginAt: ts.ptr(nanos(row.LastLoginAt)),
		CreatedAt: f.now,
	}
	if active {
		l.State = jedenlogin.LoginActive
		if loginname.IsUnified(row.Login) {
			gs.upper++
		} else {
			gs.other++
		}
		if gs.upper+gs.other == 1 || gs.best.newer(row.AcceptedAt) {
			gs.best = bestLogin{id: id, accepted: row.AcceptedAt, name: row.Login,
				first: row.FirstName, second: row.SecondName, last: row.LastName,
				pesel: row.PESEL, email: row.Email, phone: row.Phone}
		}
	}
	out.add(l, jedenlogin.Grant{
		ID: gid, LoginID: id, EntityID: row.EntityID, Function: row.Function, Scopes: row.Scopes,
		ValidTo: ts.ptr(nanos(row.ValidTo)), OriginLoginID: id, CreatedAt: f.now,
	})
}

// fileRow is one new legacy login of the file with its grant, in the
// compact form the import holds until it writes (a million of them stay in
// memory at once; domain values are made chunk by chunk).
type fileRow struct {
	name, hash, first, second, last, pesel, email, phone string
	entity                                               string
	scopes                                               []string // shared between rows
	accepted, lastLogin, validTo                         int64    // Unix nanoseconds; 0 when absent
	function                                             jedenlogin.Function
	active                                               bool
}

// mergedRow is how a row of a consolidated person is written: merged into
// the unified login, its grant moved there (grantLogin) and, when the
// unified login already has a covering grant, merged into that one.
type mergedRow struct {
	unified    int64
	grantLogin int64
	grantInto  int64 // 0 when the grant stays open
}

// nanos is t as Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// timeSlab hands out pointers to times stored in shared blocks, one
// allocation per 4096 times instead of one per time.
type timeSlab struct{ block []time.Time }

// ptr returns a pointer to the time of Unix nanoseconds n in UTC, nil for 0.
func (s *timeSlab) ptr(n int64) *time.Time {
	if n == 0 {
		return nil
	}
	if len(s.block) == cap(s.block) {
		s.block = make([]time.Time, 0, 4096)
	}
	s.block = append(s.block, time.Unix(0, n).UTC())
	return &s.block[len(s.block)-1]
}

// login returns row i as the login to write, its times in ts.
func (f *importFile) login(i int, ts *timeSlab) jedenlogin.Login {
	r := &f.data[i]
	l := jedenlogin.Login{
		ID:           f.loginBase + int64(i),
		PersonID:     f.personOf[f.rowGrp[i]],
		Name:         r.name,
		PasswordHash: r.hash,
		State:        jedenlogin.LoginInactive,
		Origin:       jedenlogin.OriginLegacy,
		FirstName:    r.first,
		SecondName:   r.second,
		LastName:     r.last,
		PESEL:        r.pesel,
		Email:        r.email,
		Phone:        r.phone,
		AcceptedAt:   ts.ptr(r.accepted),
		LastLoginAt:  ts.ptr(r.lastLogin),
		CreatedAt:    f.now,
	}
	if r.active {
		l.State = jedenlogin.LoginActive
	}
	if m, ok := f.merged[int32(i)]; ok {
		l.StateBeforeMerge = l.State
		l.State = jedenlogin.LoginMerged
		l.MergedInto = &m.unified
		l.MergedAt = &f.now
	}
	return l
}

// grant returns the grant of row i as it is to be written, its times in ts.
func (f *importFile) grant(i int, ts *timeSlab) jedenlogin.Grant {
	r := &f.data[i]
	id := f.loginBase + int64(i)
	g := jedenlogin.Grant{
		ID:            f.grantBase + int64(i),
		LoginID:       id,
		EntityID:      r.entity,
		Function:      r.function,
		Scopes:        r.scopes,
		ValidTo:       ts.ptr(r.validTo),
		OriginLoginID: id,
		CreatedAt:     f.now,
	}
	if m, ok := f.merged[int32(i)]; ok {
		g.LoginID = m.grantLogin
		if m.grantInto != 0 {
			g.MergedInto = &m.grantInto
		}
	}
	return g
}

// readFile validates r and, while no error is found, writes the rows of
// new persons through out and holds back the others (importFile.add).
func readFile(ctx context.Context, r io.Reader, now time.Time, hint int, snap *jedenlogin.ImportSnapshot, prog *progress, out *stream) (*importFile, error) {
	s := newScanner(now, hint)
	f := &importFile{now: now, snap: snap, nextLogin: snap.NextLoginID, nextGrant: snap.NextGrantID, nextPerson: snap.NextPersonID}
	if len(snap.Logins) > 0 {
		f.dbFolded = make(map[string]string, len(snap.Logins))
		for name := range snap.Logins {
			f.dbFolded[loginname.Fold(name)] = name
		}
	}
	var ctxErr error
	err := s.scanTick(r, func(row *Row) {
		if s.errs.count() > 0 {
			// The file will not be imported: stop writing and holding rows.
			f.data, f.rowGrp, f.lines = nil, nil, nil
			return
		}
		if _, ok := snap.Logins[row.Login]; ok {
			f.present++
			return
		}
		f.group = s.group
		f.add(row, s.rowGroup, out)
	}, func() error {
		prog.update(s.rows, s.offset)
		if err := ctx.Err(); err != nil {
			ctxErr = err
			return err
		}
		return nil
	})
	if ctxErr != nil {
		return nil, fmt.Errorf("import: %w", ctxErr)
	}
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	prog.update(s.rows, s.offset)
	f.rows, f.errs, f.warns = s.rows, s.errs, s.warns
	f.group, f.ents = s.group, s.entities
	return f, nil
}

// existingPerson is a person of the database that receives new logins.
type existingPerson struct {
	rec  *jedenlogin.PersonRecord
	rows []int32 // indexes into f.data of the new logins
}

// planExisting adds new logins to a person of the database. A pending
// person is classified anew (completed when unchanged; the returned prefix
// asks for a reserved login when generate and none is reserved). A done
// person's new logins are merged into the unified login at once.
func (f *importFile) planExisting(ep *existingPerson, sum *Summary, now time.Time) (prefix string, err error) {
	rec := ep.rec
	p := &rec.Person
	if p.State == jedenlogin.StateDone {
		if p.UnifiedLoginID == nil {
			return "", fmt.Errorf("import: person %s is consolidated but has no unified login", p.Key)
		}
		unified := *p.UnifiedLoginID
		if f.merged == nil {
			f.merged = map[int32]mergedRow{}
		}
		for _, i := range ep.rows {
			m := mergedRow{unified: unified, grantLogin: f.loginBase + int64(i)}
			sum.MergedAtOnce++
			if f.data[i].active {
				m.grantLogin = unified
				g := f.grant(int(i), &timeSlab{})
				for k := range rec.Grants {
					if covers(&rec.Grants[k], &g, unified) {
						m.grantInto = rec.Grants[k].ID
						break
					}
				}
			}
			f.merged[i] = m
		}
		return "", nil
	}
	for _, i := range ep.rows {
		rec.Logins = append(rec.Logins, f.login(int(i), &timeSlab{}))
	}
	p.Case = consolidation.Classify(rec.Logins)
	switch p.Case {
	case jedenlogin.CaseUnchanged:
		if err := consolidation.CompleteUnchanged(rec, now); err != nil {
			return "", fmt.Errorf("import: %w", err)
		}
		sum.Completed++
	case jedenlogin.CaseGenerate:
		if p.GeneratedLoginID == nil {
			src := consolidation.AccountSource(rec, 0)
			return loginname.Prefix(src.FirstName, src.LastName), nil
		}
	}
	return "", nil
}

// covers reports whether grant have, held by the unified login, is open
// and gives at least what grant g gives (jedenlogin.Grant.Covers: the
// merge rule of consolidation would leave it unchanged). The import does
// not widen a grant already in the database, so a new grant that is not
// covered stays a grant of its own.
func covers(have, g *jedenlogin.Grant, unified int64) bool {
	return have.LoginID == unified && have.RevokedAt == nil && have.MergedInto == nil && have.Covers(g)
}

// allocator returns a loginname.Allocator that knows every login name of
// the database and of the file that could collide with a name to hand out.
// Only names of the form LETTERS+DIGITS whose letters, folded, are one of
// the prefixes in use can equal a generated PREFIX+N ignoring case; the
// allocator is seeded with those alone, which hands out exactly the names
// seeding it with every name would, at a fraction of the memory.
func (f *importFile) allocator(snap *jedenlogin.ImportSnapshot, a, b map[int]string) *loginname.Allocator {
	prefixes := map[string]bool{}
	for _, p := range a {
		prefixes[loginname.Fold(p)] = true
	}
	for _, p := range b {
		prefixes[loginname.Fold(p)] = true
	}
	alloc := loginname.NewAllocator()
	var buf []byte
	take := func(name string) {
		j := len(name)
		for j > 0 && name[j-1] >= '0' && name[j-1] <= '9' {
			j--
		}
		if j == len(name) {
			return
		}
		buf = appendFold(buf[:0], name[:j])
		if prefixes[string(buf)] {
			alloc.Take(name)
		}
	}
	for name := range snap.Logins {
		take(name)
	}
	for _, name := range f.genNames {
		take(name)
	}
	return alloc
}

// planEntities returns the new entities and those whose name or parent
// changed, parents before children, and warns about parents that are
// neither in the file nor in the database.
func (f *importFile) planEntities(snap *jedenlogin.ImportSnapshot, sum *Summary, warns *issueList) []jedenlogin.Entity {
	var out []jedenlogin.Entity
	done := map[string]bool{}
	var visit func(e *entityInfo, depth int)
	visit = func(e *entityInfo, depth int) {
		id := e.entity.ID
		if done[id] {
			return
		}
		done[id] = true
		if parent := f.ents[e.entity.ParentID]; parent != nil && depth < 64 {
			visit(parent, depth+1)
		} else if pid := e.entity.ParentID; pid != "" && parent == nil {
			if _, ok := snap.Entities[pid]; !ok {
				warns.add(Issue{Line: e.line, Column: "entity_parent_id", Message: pl.Msg("legacy.issue.parent_unknown", pid, id)})
			}
		}
		old, ok := snap.Entities[id]
		switch {
		case !ok:
			out = append(out, e.entity)
			sum.EntitiesNew++
		case old.Name != e.entity.Name || old.ParentID != e.entity.ParentID:
			ne := e.entity
			ne.Kind = old.Kind
			out = append(out, ne)
			sum.EntitiesUpdated++
		}
	}
	// Walk in the order of first appearance so the batch is deterministic.
	list := make([]*entityInfo, 0, len(f.ents))
	for _, e := range f.ents {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *entityInfo) int { return a.line - b.line })
	for _, e := range list {
		visit(e, 0)
	}
	return out
}
