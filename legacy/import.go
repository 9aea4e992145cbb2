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
// is about 450 MiB of live data while it is written (the rows in compact
// form, the persons, the strings); the store's writing allocates short-lived
// values on top, collected whenever the heap nears the limit. With the
// SQLite page cache and index sorts outside the Go heap, the process stays
// under 1 GiB (measured on 1,000,000 rows: 0.96 GB peak RSS).
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
// writes its logins, persons, entities and grants with one
// Store.ApplyImport call, together with one audit event (AuditImport, actor
// "cli"). size is the file's length in bytes for the progress estimate (0
// when unknown).
//
// When the file has errors Import writes nothing and returns the summary
// of what was read and a *ValidationError listing them. When the database
// changes between the snapshot and the write (jedenlogin.ErrImportConflict)
// the batch is rebuilt from a new snapshot, up to ImportConflictAttempts
// times in all. Other errors are from reading r or from the store, wrapped
// with context.
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
		// Collect only when the heap nears the limit: the file's rows stay
		// live until the write, so collections on the way would mark them
		// again and again for little gain.
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
	// The snapshot comes first so that rows whose login the database has
	// are only validated, never held: importing a file again costs little.
	// A newer snapshot (after a conflict) can only have more logins.
	prog.phase("Odczyt bazy danych…")
	snap, err := im.Store.ImportSnapshot(ctx)
	if err != nil {
		prog.clear()
		return nil, fmt.Errorf("import: read the database: %w", err)
	}
	f, err := readFile(ctx, r, start, hint, snap, prog)
	if err != nil {
		prog.clear()
		return nil, err
	}
	sum.RowsRead = f.rows
	if f.errs.count() > 0 {
		prog.clear()
		return sum, &ValidationError{
			Errors: f.errs.list, ErrorsLeftOut: f.errs.leftOut,
			Warnings: f.warns.list, WarningsLeftOut: f.warns.leftOut,
		}
	}

	for attempt := 1; ; attempt++ {
		prog.phase("Przygotowanie zapisu…")
		if attempt > 1 {
			if snap, err = im.Store.ImportSnapshot(ctx); err != nil {
				prog.clear()
				return nil, fmt.Errorf("import: read the database: %w", err)
			}
		}
		s := *sum
		s.Grouping = map[jedenlogin.Grouping]int{}
		s.Cases = map[jedenlogin.Case]int{}
		p, err := f.plan(ctx, im.Store, snap, &s, start)
		if err != nil {
			prog.clear()
			return nil, err
		}
		prog.phase(fmt.Sprintf("Zapis do bazy: %s, %s…", pluralDigits(f.n+len(f.reserved), "login", "loginy", "loginów"),
			pluralDigits(len(p.newPersons)+len(p.updated), "osoba", "osoby", "osób")))
		err = f.write(ctx, im.Store, snap.Version, p)
		if errors.Is(err, jedenlogin.ErrImportConflict) && attempt < ImportConflictAttempts {
			continue
		}
		prog.clear()
		if err != nil {
			return nil, fmt.Errorf("import: write to the database: %w", err)
		}
		s.Duration = now().Sub(start)
		return &s, nil
	}
}

// writeChunk is how many logins (and grants) the import converts to domain
// values and hands to the store at a time.
const writeChunk = 8192

// write writes the planned import through one ImportWriter: entities,
// persons, the file's logins and grants converted chunk by chunk, the
// reserved logins and the audit event.
func (f *importFile) write(ctx context.Context, st jedenlogin.Store, version string, p *importPlan) error {
	w, err := st.BeginImport(ctx, version, jedenlogin.ImportSize{
		Persons: len(p.newPersons), Logins: f.n + len(f.reserved), Grants: f.n,
	})
	if err != nil {
		return err
	}
	defer w.Rollback()
	if err := w.Entities(ctx, p.entities); err != nil {
		return err
	}
	if err := w.NewPersons(ctx, p.newPersons); err != nil {
		return err
	}
	if err := w.UpdatePersons(ctx, p.updated); err != nil {
		return err
	}
	var ts timeSlab
	logins := make([]jedenlogin.Login, 0, min(writeChunk, f.n))
	for start := 0; start < f.n; start += writeChunk {
		logins = logins[:0]
		for i := start; i < min(start+writeChunk, f.n); i++ {
			logins = append(logins, f.login(i, &ts))
		}
		if err := w.Logins(ctx, logins); err != nil {
			return err
		}
	}
	if err := w.Logins(ctx, f.reserved); err != nil {
		return err
	}
	logins = nil
	grants := make([]jedenlogin.Grant, 0, min(writeChunk, f.n))
	for start := 0; start < f.n; start += writeChunk {
		grants = grants[:0]
		for i := start; i < min(start+writeChunk, f.n); i++ {
			grants = append(grants, f.grant(i, &ts))
		}
		if err := w.Grants(ctx, grants); err != nil {
			return err
		}
	}
	if err := w.Audit(ctx, p.audit); err != nil {
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

// importFile is a validated file: rows[i] is a new legacy login with its
// grant, rowGrp[i] its person in the file and lines[i] its line. Ids and
// persons are assigned by plan, for one snapshot; login and grant turn a
// row into the values to write.
type importFile struct {
	now    time.Time
	rows   int
	errs   issueList
	warns  issueList
	group  []groupInfo
	ents   map[string]*entityInfo
	data   []fileRow
	rowGrp []int32
	lines  []int32
	n      int // rows in data (after plan: the ones to write)
	// present counts the rows skipped while reading because the database
	// had their login.
	present int

	// Set by plan: the first login and grant id, the person id of every
	// group, the rows merged at once into a consolidated person's unified
	// login, and the logins reserved for persons in case generate.
	loginBase, grantBase int64
	personOf             []int64
	merged               map[int32]mergedRow
	reserved             []jedenlogin.Login
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

// readFile validates r and, while no error is found, keeps its new rows.
func readFile(ctx context.Context, r io.Reader, now time.Time, hint int, snap *jedenlogin.ImportSnapshot, prog *progress) (*importFile, error) {
	s := newScanner(now, hint)
	f := &importFile{now: now}
	// Room for the new rows (fewer when the database has logins: some
	// rows will be skipped, and a slice grows if that guess is short).
	if n := max(hint-len(snap.Logins), hint/8); n > 0 {
		f.data = make([]fileRow, 0, n)
		f.rowGrp = make([]int32, 0, n)
		f.lines = make([]int32, 0, n)
	}
	var ctxErr error
	err := s.scanTick(r, func(row *Row) {
		if s.errs.count() > 0 {
			if f.data != nil { // the file will not be imported: stop holding rows
				f.data, f.rowGrp, f.lines = nil, nil, nil
			}
			return
		}
		if _, ok := snap.Logins[row.Login]; ok {
			f.present++
			return
		}
		f.data = append(f.data, fileRow{
			name: row.Login, hash: row.PasswordHash,
			first: row.FirstName, second: row.SecondName, last: row.LastName,
			pesel: row.PESEL, email: row.Email, phone: row.Phone,
			entity: row.EntityID, scopes: row.Scopes, function: row.Function,
			accepted: nanos(row.AcceptedAt), lastLogin: nanos(row.LastLoginAt), validTo: nanos(row.ValidTo),
			active: row.Status == jedenlogin.LoginActive,
		})
		f.rowGrp = append(f.rowGrp, s.rowGroup)
		f.lines = append(f.lines, int32(row.Line))
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
	f.n = len(f.data)
	return f, nil
}

// existingPerson is a person of the database that receives new logins.
type existingPerson struct {
	rec  *jedenlogin.PersonRecord
	rows []int32 // indexes into f.data of the new logins
}

// importPlan is what an import writes besides the file's rows (which
// importFile turns into logins and grants as it writes them).
type importPlan struct {
	entities   []jedenlogin.Entity
	newPersons []jedenlogin.Person
	updated    []jedenlogin.Person
	audit      []jedenlogin.AuditEvent
}

// plan plans the import for snapshot snap: it drops the logins the
// database has, assigns ids, groups the rest into new and existing
// persons, classifies them, completes the unchanged ones and reserves
// logins for the generate ones. It may be called again with a newer
// snapshot.
func (f *importFile) plan(ctx context.Context, st jedenlogin.Store, snap *jedenlogin.ImportSnapshot, sum *Summary, now time.Time) (*importPlan, error) {
	warns := f.warns
	warns.list = slices.Clip(warns.list) // this plan's warnings must not land in f.warns
	p := &importPlan{}

	// Forget the reserved logins and merges of an earlier plan, then drop
	// the logins the database has. The database only ever gains logins, so
	// a login dropped for an older snapshot is rightly dropped for this one.
	f.reserved, f.merged = nil, nil
	sum.LoginsPresent = f.present
	kept := 0
	for i := range f.n {
		if _, ok := snap.Logins[f.data[i].name]; ok {
			sum.LoginsPresent++
			continue
		}
		if kept != i {
			f.data[kept], f.rowGrp[kept], f.lines[kept] = f.data[i], f.rowGrp[i], f.lines[i]
		}
		kept++
	}
	clear(f.data[kept:f.n]) // no longer referenced strings can go
	f.n = kept
	f.data, f.rowGrp, f.lines = f.data[:kept], f.rowGrp[:kept], f.lines[:kept]
	sum.LoginsNew = kept
	sum.Grants = kept

	f.loginBase, f.grantBase = snap.NextLoginID, snap.NextGrantID
	nextLogin, nextPerson := snap.NextLoginID+int64(kept), snap.NextPersonID
	if kept > 0 && len(snap.Logins) > 0 {
		f.warnCaseTwinsInDB(snap, &warns)
	}
	p.entities = f.planEntities(snap, sum, &warns)

	// Logins by person: counting sort of the row indexes by group.
	ng := len(f.group)
	start := make([]int32, ng+1)
	for _, g := range f.rowGrp {
		start[g+1]++
	}
	for g := range ng {
		start[g+1] += start[g]
	}
	order := make([]int32, len(f.rowGrp))
	fill := make([]int32, ng)
	copy(fill, start[:ng])
	for i, g := range f.rowGrp {
		order[fill[g]] = int32(i)
		fill[g]++
	}
	fill = nil
	// Rows in person order, so that ids (given in row order) keep each
	// person's logins and grants together: a walk over persons then reads
	// the tables in order instead of seeking for every login.
	f.permute(order)
	for i := range order {
		order[i] = int32(i)
	}

	// Persons: new ones get ids in the order the file first names them;
	// existing ones are read from the store with their logins and grants.
	f.personOf = make([]int64, ng)
	newCount := 0
	var existing []*existingPerson
	isExisting := make([]bool, ng)
	for g := range ng {
		if start[g] == start[g+1] {
			continue
		}
		if ep, ok := snap.Persons[f.group[g].key]; ok {
			rec, err := st.Person(ctx, ep.ID)
			if err != nil {
				return nil, fmt.Errorf("import: read person %s: %w", ep.Key, err)
			}
			existing = append(existing, &existingPerson{rec: rec, rows: order[start[g]:start[g+1]]})
			isExisting[g] = true
			f.personOf[g] = ep.ID
			continue
		}
		newCount++
	}
	p.newPersons = make([]jedenlogin.Person, 0, newCount)
	newPrefix := map[int]string{} // index into newPersons → prefix of the login to reserve
	var (
		scratch []jedenlogin.Login
		ts      timeSlab
	)
	for g := range ng {
		idx := order[start[g]:start[g+1]]
		if len(idx) == 0 || isExisting[g] {
			continue
		}
		f.personOf[g] = nextPerson
		rec := jedenlogin.PersonRecord{Person: jedenlogin.Person{ID: nextPerson, Key: f.group[g].key, State: jedenlogin.StatePending, CreatedAt: now}}
		nextPerson++
		scratch = scratch[:0]
		for _, i := range idx {
			scratch = append(scratch, f.login(int(i), &ts))
		}
		rec.Logins = scratch
		rec.Person.Case = consolidation.Classify(scratch)
		switch rec.Person.Case {
		case jedenlogin.CaseUnchanged:
			if err := consolidation.CompleteUnchanged(&rec, now); err != nil {
				return nil, fmt.Errorf("import: %w", err)
			}
			sum.Completed++
		case jedenlogin.CaseGenerate:
			src := consolidation.AccountSource(&rec, 0)
			newPrefix[len(p.newPersons)] = loginname.Prefix(src.FirstName, src.LastName)
		}
		sum.Cases[rec.Person.Case]++
		sum.Grouping[rec.Person.Grouping()]++
		p.newPersons = append(p.newPersons, rec.Person)
	}
	scratch = nil
	sum.PersonsNew = len(p.newPersons)

	updPrefix := map[int]string{} // index into updated → prefix
	for _, ep := range existing {
		prefix, err := f.planExisting(ep, sum, now)
		if err != nil {
			return nil, err
		}
		if prefix != "" {
			updPrefix[len(p.updated)] = prefix
		}
		p.updated = append(p.updated, ep.rec.Person)
		sum.PersonsUpdated++
		sum.Cases[ep.rec.Person.Case]++
	}

	// Reserve the generated logins, against every login name that exists.
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
		for i := range p.newPersons {
			if prefix, ok := newPrefix[i]; ok {
				reserve(&p.newPersons[i], prefix)
			}
		}
		for i := range p.updated {
			if prefix, ok := updPrefix[i]; ok {
				reserve(&p.updated[i], prefix)
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
		return nil, fmt.Errorf("import: audit details: %w", err)
	}
	p.audit = []jedenlogin.AuditEvent{{
		At: now, Action: jedenlogin.AuditImport, Actor: "cli", Subject: "import", Outcome: "ok", Details: string(details),
	}}
	return p, nil
}

// permute reorders the rows so that row k is the former row order[k],
// in place (following the permutation's cycles); it destroys order.
func (f *importFile) permute(order []int32) {
	for i := range order {
		if order[i] < 0 {
			continue
		}
		d, g, l := f.data[i], f.rowGrp[i], f.lines[i]
		k := i
		for {
			j := int(order[k])
			order[k] = -1
			if j == i {
				f.data[k], f.rowGrp[k], f.lines[k] = d, g, l
				break
			}
			f.data[k], f.rowGrp[k], f.lines[k] = f.data[j], f.rowGrp[j], f.lines[j]
			k = j
		}
	}
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
// and gives at least what grant g gives: same entity and function, every
// scope of g, and validity at least as long.
func covers(have, g *jedenlogin.Grant, unified int64) bool {
	if have.LoginID != unified || have.RevokedAt != nil || have.MergedInto != nil ||
		have.EntityID != g.EntityID || have.Function != g.Function {
		return false
	}
	if have.ValidFrom != nil && (g.ValidFrom == nil || g.ValidFrom.Before(*have.ValidFrom)) {
		return false
	}
	if have.ValidTo != nil && (g.ValidTo == nil || g.ValidTo.After(*have.ValidTo)) {
		return false
	}
	for _, s := range g.Scopes {
		found := false
		for _, h := range have.Scopes {
			if h == s {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
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
	for i := range f.n {
		take(f.data[i].name)
	}
	return alloc
}

// warnCaseTwinsInDB warns about new logins equal ignoring case to a login
// of the database.
func (f *importFile) warnCaseTwinsInDB(snap *jedenlogin.ImportSnapshot, warns *issueList) {
	folded := make(map[string]string, len(snap.Logins))
	for name := range snap.Logins {
		folded[loginname.Fold(name)] = name
	}
	var buf []byte
	for i := range f.n {
		name := f.data[i].name
		buf = appendFold(buf[:0], name)
		if other, ok := folded[string(buf)]; ok {
			warns.add(Issue{Line: int(f.lines[i]), Column: "login", Message: fmt.Sprintf("login %s różni się od istniejącego w bazie loginu %s tylko wielkością liter", name, other)})
		}
	}
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
				warns.add(Issue{Line: e.line, Column: "entity_parent_id", Message: fmt.Sprintf("podmiot nadrzędny %s nie występuje ani w pliku, ani w bazie; kierownika podmiotu %s zatwierdzi operator, dopóki go nie zaimportujesz", pid, id)})
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
