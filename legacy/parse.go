package legacy

import (
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"jedenlogin"
	"jedenlogin/internal/termsafe"
	"jedenlogin/loginname"
	"jedenlogin/password"
)

// Row is one valid row of a legacy file: one legacy login, the application
// data behind it and the grant it gave.
type Row struct {
	Line         int // line of the file the row starts on (the header is line 1)
	Login        string
	PasswordHash string                // "" = the login cannot sign in with a password
	Status       jedenlogin.LoginState // LoginActive or LoginInactive
	FirstName    string
	SecondName   string
	LastName     string
	PESEL        string // "" when absent or invalid (a warning names the line)
	Email        string // "" when absent or invalid (a warning names the line)
	Phone        string

	EntityID       string
	EntityName     string
	EntityParentID string // "" when none
	Function       jedenlogin.Function
	Scopes         []string  // sorted, unique; shared between rows, do not modify
	ValidTo        time.Time // UTC midnight; zero when absent
	AcceptedAt     time.Time // zero when absent
	LastLoginAt    time.Time // zero when absent

	// PersonKey is the key of the person the login belongs to (SPEC §5):
	// "pesel:<pesel>", "email:<e-mail>|<first> <last>" or "login:<login>".
	PersonKey string
}

// File is a parsed legacy file. Rows holds only rows without errors; a file
// with any error must not be imported.
type File struct {
	Rows     []Row
	Errors   []Issue
	Warnings []Issue
	// ErrorsLeftOut and WarningsLeftOut count the issues beyond the first
	// MaxIssues of each kind, which are counted but not kept.
	ErrorsLeftOut, WarningsLeftOut int
}

// Parse reads and validates the whole file; it never stops at the first
// problem. The returned error is only for a failure to read r; validation
// problems are in File.Errors (the file must not be imported) and
// File.Warnings (rows imported, the bad value treated as absent).
func Parse(r io.Reader) (*File, error) {
	f := &File{}
	s := newScanner(time.Now(), 0)
	err := s.scan(r, func(row *Row) {
		f.Rows = append(f.Rows, *row)
	})
	f.Errors, f.ErrorsLeftOut = s.errs.list, s.errs.leftOut
	f.Warnings, f.WarningsLeftOut = s.warns.list, s.warns.leftOut
	if err != nil {
		return f, err
	}
	return f, nil
}

// column identifies a column of the legacy file.
type column int

const (
	colLogin column = iota
	colPasswordHash
	colStatus
	colFirstName
	colSecondName
	colLastName
	colPESEL
	colEmail
	colPhone
	colEntityID
	colEntityName
	colEntityParentID
	colFunction
	colScopes
	colValidTo
	colAcceptedAt
	colLastLoginAt
	numColumns
)

// columns names the columns as the header spells them (SPEC §4).
var columns = [numColumns]struct {
	name     string
	required bool
}{
	colLogin:          {"login", true},
	colPasswordHash:   {"password_hash", false},
	colStatus:         {"status", true},
	colFirstName:      {"first_name", true},
	colSecondName:     {"second_name", false},
	colLastName:       {"last_name", true},
	colPESEL:          {"pesel", false},
	colEmail:          {"email", false},
	colPhone:          {"phone", false},
	colEntityID:       {"entity_id", true},
	colEntityName:     {"entity_name", true},
	colEntityParentID: {"entity_parent_id", false},
	colFunction:       {"function", true},
	colScopes:         {"scopes", false},
	colValidTo:        {"valid_to", false},
	colAcceptedAt:     {"accepted_at", false},
	colLastLoginAt:    {"last_login_at", false},
}

// Header lists the column names in the order of SPEC §4; files may order
// them freely.
func Header() []string {
	h := make([]string, numColumns)
	for i := range columns {
		h[i] = columns[i].name
	}
	return h
}

// loginSeen is the first row that used a login name (folded).
type loginSeen struct {
	name string
	line int32
}

// entityInfo is an entity as the file describes it.
type entityInfo struct {
	entity   jedenlogin.Entity
	line     int // first line naming the entity
	headLine int // first line with an active, current head; 0 when none
}

// groupInfo is a person as the file groups logins (SPEC §5).
type groupInfo struct {
	key  string
	line int32
	// names indexes s.names for PESEL groups (-1 for others).
	names int32
}

// groupNames are the names on the first row of a PESEL group, as written
// and normalised, to warn when another row gives other names.
type groupNames struct {
	first, last, norm string
}

// scanner holds the state of one pass over a file: the checks that span
// rows (duplicate logins, case twins, heads of an entity, one PESEL under two
// names) and the grouping of logins into persons.
type scanner struct {
	now   time.Time
	errs  issueList
	warns issueList

	arena *arena
	in    *interner

	idx     [numColumns]int // field index of each column, -1 when absent
	header  []string        // column names by field index
	nfields int

	logins   map[string]loginSeen   // folded login → first row with it
	twins    map[string][]loginSeen // folded login → further rows (case twins)
	entities map[string]*entityInfo
	groups   map[string]int32
	group    []groupInfo
	names    []groupNames
	scopes   map[string][]string

	row      Row
	rowGroup int32
	lines    []int32 // line of each field of the record being checked
	rows     int     // rows read (valid or not), header excluded
	offset   int64
	buf      []byte
	nbuf     []byte
	goodHash [4096]string
}

// newScanner returns a scanner for a file of about rows rows (0 when
// unknown), sized so that its tables need not grow while reading.
func newScanner(now time.Time, rows int) *scanner {
	a := &arena{}
	return &scanner{
		now:      now,
		arena:    a,
		in:       newInterner(a),
		logins:   make(map[string]loginSeen, rows),
		twins:    make(map[string][]loginSeen),
		entities: make(map[string]*entityInfo, rows/20),
		groups:   make(map[string]int32, rows*2/3),
		group:    make([]groupInfo, 0, rows*2/3),
		scopes:   make(map[string][]string),
	}
}

// scan reads the file and calls fn for every row without errors, with a
// Row that is reused for the next call (its strings stay valid). It returns
// an error only when reading fails.
func (s *scanner) scan(r io.Reader, fn func(*Row)) error {
	return s.scanTick(r, fn, func() error { return nil })
}

// recordBatch is a run of records read ahead by the reader goroutine: the
// fields of all records one after another, the line of every field, and
// per record its bounds and CSV syntax error.
type recordBatch struct {
	fields []string
	lines  []int32
	recs   []batchRecord
	offset int64 // bytes of the file consumed after the batch
	err    error // a read failure ending the file
}

type batchRecord struct {
	start, end int
	perr       *csv.ParseError
}

const batchRecords = 1024

// scanTick is scan calling tick every batch of rows (progress,
// cancellation); an error from tick stops the scan and is returned.
//
// A goroutine reads and splits the records while this one checks them, so
// a large file keeps both of a small machine's cores busy.
func (s *scanner) scanTick(r io.Reader, fn func(*Row), tick func() error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	if !s.readHeader(cr) {
		return nil
	}
	free := make(chan *recordBatch, 3)
	for range cap(free) {
		free <- &recordBatch{}
	}
	full := make(chan *recordBatch, cap(free))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		readRecords(cr, free, full, stop)
	}()
	defer func() {
		close(stop)
		<-done
	}()

	for b := range full {
		for _, rec := range b.recs {
			s.rows++
			fields := b.fields[rec.start:rec.end]
			s.lines = b.lines[rec.start:rec.end]
			if rec.perr != nil {
				col := ""
				if len(fields) < len(s.header) {
					col = s.header[len(fields)]
				}
				s.errs.add(Issue{Line: rec.perr.Line, Column: col, Message: quoteMessage(rec.perr)})
				continue
			}
			if s.checkRow(fields) {
				s.row.PersonKey = s.group[s.rowGroup].key
				fn(&s.row)
			}
		}
		s.offset = b.offset
		if b.err != nil {
			return fmt.Errorf("legacy: reading the file after line %d: %w", s.lastLine(), b.err)
		}
		free <- b
		if err := tick(); err != nil {
			return err
		}
	}
	return nil
}

// readRecords reads the rest of the file into batches taken from free and
// sent to full, which it closes at the end of the file, after a read
// failure (reported in the last batch) or when stop is closed.
func readRecords(cr *csv.Reader, free <-chan *recordBatch, full chan<- *recordBatch, stop <-chan struct{}) {
	defer close(full)
	for {
		var b *recordBatch
		select {
		case b = <-free:
		case <-stop:
			return
		}
		b.fields, b.lines, b.recs, b.err = b.fields[:0], b.lines[:0], b.recs[:0], nil
		eof := false
		for len(b.recs) < batchRecords {
			rec, err := cr.Read()
			if err == io.EOF {
				eof = true
				break
			}
			var pe *csv.ParseError
			if err != nil && !errors.As(err, &pe) {
				b.err = err
				eof = true
				break
			}
			start := len(b.fields)
			b.fields = append(b.fields, rec...)
			for i := range rec {
				line, _ := cr.FieldPos(i)
				b.lines = append(b.lines, int32(line))
			}
			b.recs = append(b.recs, batchRecord{start: start, end: len(b.fields), perr: pe})
		}
		b.offset = cr.InputOffset()
		select {
		case full <- b:
		case <-stop:
			return
		}
		if eof {
			return
		}
	}
}

// lastLine is the line of the record being checked (0 before the first).
func (s *scanner) lastLine() int {
	if len(s.lines) == 0 {
		return 0
	}
	return int(s.lines[0])
}

// quoteMessage explains a CSV syntax error (in the catalogue's Polish).
func quoteMessage(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return pl.Msg("legacy.issue.bare_quote", pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		return pl.Msg("legacy.issue.quote", pe.Column)
	}
	return pl.Msg("legacy.issue.csv_syntax", pe.Column, pe.Err)
}

// readHeader reads and checks the header row; it reports whether rows can
// be read against it.
func (s *scanner) readHeader(cr *csv.Reader) bool {
	rec, err := cr.Read()
	if err == io.EOF {
		s.errs.add(Issue{Line: 1, Message: pl.Msg("legacy.issue.empty_file")})
		return false
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		s.errs.add(Issue{Line: pe.Line, Message: pl.Msg("legacy.issue.header", quoteMessage(pe))})
		return false
	} else if err != nil {
		s.errs.add(Issue{Line: 1, Message: pl.Msg("legacy.issue.header_unreadable", err)})
		return false
	}
	for i := range s.idx {
		s.idx[i] = -1
	}
	s.nfields = len(rec)
	s.header = make([]string, len(rec))
	ok := true
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF") // a byte order mark from spreadsheet exports
		}
		name = strings.ToLower(strings.TrimSpace(name))
		s.header[i] = name
		if !utf8.ValidString(name) {
			s.errs.add(Issue{Line: 1, Column: strings.ToValidUTF8(name, "?"), Message: pl.Msg("legacy.issue.header_encoding")})
			ok = false
			continue
		}
		c := columnByName(name)
		switch {
		case c < 0:
			s.errs.add(Issue{Line: 1, Column: name, Message: pl.Msg("legacy.issue.unknown_column", name, strings.Join(Header(), ", "))})
			ok = false
		case s.idx[c] >= 0:
			s.errs.add(Issue{Line: 1, Column: name, Message: pl.Msg("legacy.issue.duplicate_column")})
			ok = false
		default:
			s.idx[c] = i
		}
	}
	for c := range numColumns {
		if columns[c].required && s.idx[c] < 0 {
			s.errs.add(Issue{Line: 1, Column: columns[c].name, Message: pl.Msg("legacy.issue.missing_column")})
			ok = false
		}
	}
	return ok
}

func columnByName(name string) column {
	for c := range numColumns {
		if columns[c].name == name {
			return c
		}
	}
	return -1
}

// field returns the trimmed value of column c in rec ("" when the column is
// absent) and whether it is valid UTF-8 (an error is recorded if not).
func (s *scanner) field(rec []string, c column) (string, bool) {
	i := s.idx[c]
	if i < 0 {
		return "", true
	}
	v := strings.TrimSpace(rec[i])
	if !utf8.ValidString(v) {
		s.errs.add(Issue{Line: s.fieldLine(i), Column: columns[c].name, Message: pl.Msg("legacy.issue.encoding")})
		return "", false
	}
	return v, true
}

// fieldLine is the line a field of the current record starts on.
func (s *scanner) fieldLine(field int) int {
	if field < len(s.lines) {
		return int(s.lines[field])
	}
	return s.lastLine()
}

// unsafeValue handles a value of column c holding control or bidirectional
// formatting characters: in a key column (entity ids) it records an error
// and reports false; in a free-text column it removes them from *val with a
// warning naming the value escaped; in any other column (login, status,
// PESEL, …) it leaves the value to that column's own check, which refuses
// such characters.
func (s *scanner) unsafeValue(c column, val *string) bool {
	for _, k := range keyColumns {
		if c == k {
			s.issue(c, false, "legacy.issue.unsafe_key", termsafe.String(*val))
			return false
		}
	}
	for _, k := range cleanedColumns {
		if c == k {
			clean := removeUnsafe(*val)
			s.issue(c, true, "legacy.issue.unsafe_value", termsafe.String(*val), clean)
			*val = clean
			return true
		}
	}
	return true
}

// issue records an error (warn false) or a warning about column c of the
// current record: the catalogue's text of key with args.
func (s *scanner) issue(c column, warn bool, key string, args ...any) {
	is := Issue{Line: s.fieldLine(s.idx[c]), Column: columns[c].name, Message: pl.Msg(key, args...)}
	if warn {
		s.warns.add(is)
	} else {
		s.errs.add(is)
	}
}

// checkRow validates one record into s.row and reports whether it is
// valid. Every problem of the row is recorded, not just the first.
func (s *scanner) checkRow(rec []string) bool {
	line := s.fieldLine(0)
	if len(rec) != s.nfields {
		col := ""
		if len(rec) < s.nfields {
			col = s.header[len(rec)]
		}
		s.errs.add(Issue{Line: line, Column: col, Message: pl.Msg("legacy.issue.field_count", len(rec), s.nfields)})
		return false
	}
	var v [numColumns]string
	ok := true
	for c := range numColumns {
		val, valid := s.field(rec, c)
		if !valid {
			ok = false
			continue
		}
		if hasUnsafe(val) {
			if !s.unsafeValue(c, &val) {
				ok = false
				continue
			}
		}
		if val == "" && columns[c].required {
			s.issue(c, false, "legacy.issue.required")
			ok = false
		}
		v[c] = val
	}
	row := &s.row
	*row = Row{Line: line}

	// Login: syntax, then duplicates and case twins across the file.
	if v[colLogin] != "" {
		if !loginname.ValidLegacy(v[colLogin]) {
			s.issue(colLogin, false, "legacy.issue.login", v[colLogin], loginname.MaxLegacy)
			ok = false
		} else if !s.checkLoginUnique(v[colLogin], line) {
			ok = false
		}
	}

	switch {
	case v[colStatus] == "":
	case strings.EqualFold(v[colStatus], "active"):
		row.Status = jedenlogin.LoginActive
	case strings.EqualFold(v[colStatus], "inactive"):
		row.Status = jedenlogin.LoginInactive
	default:
		s.issue(colStatus, false, "legacy.issue.status", v[colStatus])
		ok = false
	}

	if v[colFunction] != "" {
		// The constants, never the field: a substring of the field would
		// keep the reader's whole record string alive with the grant.
		switch fn := jedenlogin.Function(strings.ToLower(v[colFunction])); fn {
		case jedenlogin.FunctionHead:
			row.Function = jedenlogin.FunctionHead
		case jedenlogin.FunctionActingHead:
			row.Function = jedenlogin.FunctionActingHead
		case jedenlogin.FunctionEmployee:
			row.Function = jedenlogin.FunctionEmployee
		default:
			s.issue(colFunction, false, "legacy.issue.function", v[colFunction])
			ok = false
		}
	}

	if h := v[colPasswordHash]; h != "" {
		hash := s.in.intern(h)
		if err := s.supported(hash); err != nil {
			s.issue(colPasswordHash, false, "legacy.issue.password_hash", err)
			ok = false
		}
		row.PasswordHash = hash
	}

	if d := v[colValidTo]; d != "" {
		t, good := parseDate(d)
		if !good {
			s.issue(colValidTo, false, "legacy.issue.date", d)
			ok = false
		}
		row.ValidTo = t
	}
	for _, c := range [...]column{colAcceptedAt, colLastLoginAt} {
		if d := v[c]; d != "" {
			t, good := parseTimestamp(d)
			if !good {
				s.issue(c, false, "legacy.issue.time", d)
				ok = false
			}
			if c == colAcceptedAt {
				row.AcceptedAt = t
			} else {
				row.LastLoginAt = t
			}
		}
	}
	if !ok {
		return false
	}

	// Warnings: the row is imported, a bad value is treated as absent.
	if p := v[colPESEL]; p != "" {
		if jedenlogin.ValidPESEL(p) {
			row.PESEL = s.arena.copyString(p)
		} else {
			s.issue(colPESEL, true, "legacy.issue.pesel")
		}
	}
	if e := v[colEmail]; e != "" {
		if jedenlogin.ValidEmail(e) {
			row.Email = s.arena.copyString(e)
		} else {
			s.issue(colEmail, true, "legacy.issue.email", e)
		}
	}

	row.Login = s.arena.copyString(v[colLogin])
	row.FirstName = s.in.intern(v[colFirstName])
	row.SecondName = s.in.intern(v[colSecondName])
	row.LastName = s.in.intern(v[colLastName])
	row.Phone = s.arena.copyString(v[colPhone])
	row.Scopes = s.parseScopes(v[colScopes])
	s.checkEntity(row, v[colEntityID], v[colEntityName], v[colEntityParentID])
	s.groupRow(row)
	return true
}

// supported checks a hash with password.Supported, remembering hashes
// found good in a small table: files repeat hashes, and a check decodes
// base64.
func (s *scanner) supported(hash string) error {
	i := maphash.String(s.in.seed, hash) % uint64(len(s.goodHash))
	if s.goodHash[i] == hash {
		return nil
	}
	if err := password.Supported(hash); err != nil {
		return err
	}
	s.goodHash[i] = hash
	return nil
}

// checkLoginUnique records the login and reports it unless it repeats an
// earlier login exactly (an error naming both lines); a login equal to an
// earlier one only ignoring case is a warning.
func (s *scanner) checkLoginUnique(name string, line int) bool {
	s.buf = appendFold(s.buf[:0], name)
	first, seen := s.logins[string(s.buf)]
	if !seen {
		// Both strings live in the arena: name itself is a substring of
		// the reader's record, which a map key would keep alive whole.
		kept := s.arena.copyString(name)
		folded := kept
		if string(s.buf) != name {
			folded = s.arena.copy(s.buf)
		}
		s.logins[folded] = loginSeen{name: kept, line: int32(line)}
		return true
	}
	others := append([]loginSeen{first}, s.twins[string(s.buf)]...)
	for _, o := range others {
		if o.name == name {
			s.issue(colLogin, false, "legacy.issue.duplicate_login", name, o.line)
			return false
		}
	}
	s.issue(colLogin, true, "legacy.issue.case_twin", name, first.name, first.line)
	key := s.arena.copy(s.buf)
	s.twins[key] = append(s.twins[key], loginSeen{name: s.arena.copyString(name), line: int32(line)})
	return true
}

// appendFold appends name with ASCII letters upper-cased (loginname.Fold).
func appendFold(dst []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// parseScopes splits raw at '|' and normalises the result; equal raw
// values share one slice.
func (s *scanner) parseScopes(raw string) []string {
	if raw == "" {
		return nil
	}
	if sc, ok := s.scopes[raw]; ok {
		return sc
	}
	parts := strings.Split(raw, "|")
	for i, p := range parts {
		parts[i] = s.in.intern(strings.TrimSpace(p))
	}
	sc := jedenlogin.NormalizeScopes(parts)
	if len(sc) == 0 {
		sc = nil
	}
	if len(s.scopes) < 100_000 {
		s.scopes[s.arena.copyString(raw)] = sc
	}
	return sc
}

// checkEntity records the row's entity and warns about a second active head
// and about rows that describe an entity differently from its first row.
func (s *scanner) checkEntity(row *Row, id, name, parent string) {
	e, ok := s.entities[id]
	if !ok {
		e = &entityInfo{
			entity: jedenlogin.Entity{ID: s.arena.copyString(id), Name: s.in.intern(name), ParentID: s.in.intern(parent)},
			line:   row.Line,
		}
		s.entities[e.entity.ID] = e
	} else {
		if name != e.entity.Name {
			s.issue(colEntityName, true, "legacy.issue.entity_name", id, e.line, e.entity.Name)
		}
		if parent != e.entity.ParentID {
			s.issue(colEntityParentID, true, "legacy.issue.entity_parent", id, e.line, e.entity.ParentID)
		}
	}
	row.EntityID, row.EntityName, row.EntityParentID = e.entity.ID, e.entity.Name, e.entity.ParentID
	if row.Function == jedenlogin.FunctionHead && row.Status == jedenlogin.LoginActive &&
		(row.ValidTo.IsZero() || !s.now.After(row.ValidTo.AddDate(0, 0, 1))) {
		if e.headLine != 0 {
			s.issue(colFunction, true, "legacy.issue.second_head", id, e.headLine)
		} else {
			e.headLine = row.Line
		}
	}
}

// groupRow finds the person of the row's login (SPEC §5) and warns when one
// PESEL comes with different names.
func (s *scanner) groupRow(row *Row) {
	b := s.buf[:0]
	s.nbuf = appendNormName(s.nbuf[:0], row.FirstName)
	s.nbuf = append(s.nbuf, ' ')
	s.nbuf = appendNormName(s.nbuf, row.LastName)
	switch {
	case row.PESEL != "":
		b = append(b, "pesel:"...)
		b = append(b, row.PESEL...)
	case row.Email != "":
		b = append(b, "email:"...)
		b = appendLower(b, row.Email)
		b = append(b, '|')
		b = append(b, s.nbuf...)
	default:
		b = append(b, "login:"...)
		b = append(b, row.Login...)
	}
	s.buf = b
	g, ok := s.groups[string(b)]
	if !ok {
		g = int32(len(s.group))
		gi := groupInfo{key: s.arena.copy(b), line: int32(row.Line), names: -1}
		if row.PESEL != "" {
			gi.names = int32(len(s.names))
			s.names = append(s.names, groupNames{row.FirstName, row.LastName, s.arena.copy(s.nbuf)})
		}
		s.group = append(s.group, gi)
		s.groups[gi.key] = g
	} else if gi := &s.group[g]; gi.names >= 0 && string(s.nbuf) != s.names[gi.names].norm {
		n := &s.names[gi.names]
		s.issue(colPESEL, true, "legacy.issue.pesel_names",
			gi.line, row.FirstName, row.LastName, n.first, n.last)
	}
	s.rowGroup = g
}
