package sqlstore

import (
	"database/sql"
	"strings"

	"jedenlogin"
	"jedenlogin/loginname"
)

// Column lists, in the order the scan and argument helpers below use.
var (
	personCols = []string{"id", "person_key", "consolidation_case", "state", "unified_login_id", "generated_login_id",
		"has_account", "acc_first_name", "acc_second_name", "acc_last_name", "acc_pesel", "acc_email", "acc_phone",
		"operator", "consolidated_at", "created_at"}
	loginCols = []string{"id", "person_id", "name", "name_folded", "password_hash", "state", "origin",
		"first_name", "second_name", "last_name", "pesel", "email", "phone",
		"accepted_at", "last_login_at", "password_changed_at", "merged_into", "state_before_merge", "merged_at", "created_at"}
	grantCols = []string{"id", "login_id", "entity_id", "grant_function", "scopes", "valid_from", "valid_to",
		"revoked_at", "revoke_reason", "origin_login_id", "merged_into", "created_at"}
	entityCols = []string{"id", "name", "kind", "parent_id"}
	auditCols  = []string{"at", "action", "actor", "person_id", "subject", "address", "outcome", "details", "prev_hash"}
)

// colList returns the columns joined by commas, each prefixed with alias+"." when alias is set.
func colList(cols []string, alias string) string {
	if alias == "" {
		return strings.Join(cols, ", ")
	}
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias)
		b.WriteByte('.')
		b.WriteString(c)
	}
	return b.String()
}

var (
	personSelect = colList(personCols, "")
	loginSelect  = colList(loginCols, "")
	grantSelectG = colList(grantCols, "g")
)

type scanner interface{ Scan(dest ...any) error }

// resultRows are the rows of a query, database/sql's and pgx's alike.
type resultRows interface {
	scanner
	Next() bool
	Err() error
}

// appendRows appends what scan makes of each of rows to out; it stops at
// the first error, scan's or the iteration's. The caller closes rows.
func appendRows[T any](out []T, rows resultRows, scan func(scanner, ...any) (T, error)) ([]T, error) {
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// fold is the case-folded form of a login name (the name_folded column):
// loginname.Fold, the domain's one rule for comparing names ignoring case.
func fold(name string) string { return loginname.Fold(name) }

func scanPerson(r scanner, extra ...any) (jedenlogin.Person, error) {
	var (
		p                   jedenlogin.Person
		unified, generated  sql.NullInt64
		hasAccount          bool
		a                   jedenlogin.AccountData
		consolidated, creat timeCol
		cs, st              string
	)
	dest := []any{&p.ID, &p.Key, &cs, &st, &unified, &generated, &hasAccount,
		&a.FirstName, &a.SecondName, &a.LastName, &a.PESEL, &a.Email, &a.Phone,
		&p.Operator, &consolidated, &creat}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return p, err
	}
	p.Case, p.State = jedenlogin.Case(cs), jedenlogin.PersonState(st)
	p.UnifiedLoginID, p.GeneratedLoginID = nullInt(unified), nullInt(generated)
	if hasAccount {
		p.Account = &a
	}
	p.ConsolidatedAt = consolidated.ptr()
	p.CreatedAt = creat.t
	return p, nil
}

// personArgs returns the column values of p in personCols order.
func (s *Store) personArgs(p *jedenlogin.Person) []any {
	var a jedenlogin.AccountData
	if p.Account != nil {
		a = *p.Account
	}
	return []any{p.ID, p.Key, string(p.Case), string(p.State), i64p(p.UnifiedLoginID), i64p(p.GeneratedLoginID),
		p.Account != nil, a.FirstName, a.SecondName, a.LastName, a.PESEL, a.Email, a.Phone,
		p.Operator, s.tsp(p.ConsolidatedAt), s.ts(p.CreatedAt)}
}

func scanLogin(r scanner, extra ...any) (jedenlogin.Login, error) {
	var (
		l                                      jedenlogin.Login
		folded, st, origin, sbm                string
		accepted, last, pwChanged, merged, cre timeCol
		mergedInto                             sql.NullInt64
	)
	dest := []any{&l.ID, &l.PersonID, &l.Name, &folded, &l.PasswordHash, &st, &origin,
		&l.FirstName, &l.SecondName, &l.LastName, &l.PESEL, &l.Email, &l.Phone,
		&accepted, &last, &pwChanged, &mergedInto, &sbm, &merged, &cre}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return l, err
	}
	l.State, l.Origin, l.StateBeforeMerge = jedenlogin.LoginState(st), jedenlogin.LoginOrigin(origin), jedenlogin.LoginState(sbm)
	l.AcceptedAt, l.LastLoginAt, l.PasswordChangedAt, l.MergedAt = accepted.ptr(), last.ptr(), pwChanged.ptr(), merged.ptr()
	l.MergedInto = nullInt(mergedInto)
	l.CreatedAt = cre.t
	return l, nil
}

// loginArgs returns the column values of l in loginCols order.
func (s *Store) loginArgs(l *jedenlogin.Login) []any {
	return []any{l.ID, l.PersonID, l.Name, fold(l.Name), l.PasswordHash, string(l.State), string(l.Origin),
		l.FirstName, l.SecondName, l.LastName, l.PESEL, l.Email, l.Phone,
		s.tsp(l.AcceptedAt), s.tsp(l.LastLoginAt), s.tsp(l.PasswordChangedAt), i64p(l.MergedInto),
		string(l.StateBeforeMerge), s.tsp(l.MergedAt), s.ts(l.CreatedAt)}
}

func scanGrant(r scanner, extra ...any) (jedenlogin.Grant, error) {
	var (
		g                        jedenlogin.Grant
		fn, scopes               string
		from, to, revoked, creat timeCol
		mergedInto               sql.NullInt64
	)
	dest := []any{&g.ID, &g.LoginID, &g.EntityID, &fn, &scopes, &from, &to, &revoked, &g.RevokeReason,
		&g.OriginLoginID, &mergedInto, &creat}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return g, err
	}
	g.Function = jedenlogin.Function(fn)
	g.Scopes = splitScopes(scopes)
	g.ValidFrom, g.ValidTo, g.RevokedAt = from.ptr(), to.ptr(), revoked.ptr()
	g.MergedInto = nullInt(mergedInto)
	g.CreatedAt = creat.t
	return g, nil
}

// grantArgs returns the column values of g in grantCols order.
func (s *Store) grantArgs(g *jedenlogin.Grant) []any {
	return []any{g.ID, g.LoginID, g.EntityID, string(g.Function), joinScopes(g.Scopes),
		s.tsp(g.ValidFrom), s.tsp(g.ValidTo), s.tsp(g.RevokedAt), g.RevokeReason,
		g.OriginLoginID, i64p(g.MergedInto), s.ts(g.CreatedAt)}
}

// auditArgs returns the column values of e in auditCols order.
func (s *Store) auditArgs(e *jedenlogin.AuditEvent) []any {
	return []any{s.ts(e.At), e.Action, e.Actor, i64p(e.PersonID), e.Subject, e.Address, e.Outcome, e.Details, e.PrevHash}
}

func joinScopes(scopes []string) string {
	return strings.Join(jedenlogin.NormalizeScopes(scopes), "|")
}

func splitScopes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "|")
}

// Packed rows for the walk over every person. Reading a column costs the
// SQLite driver a few locked calls, so ForEachPerson reads the text
// columns of a row concatenated into one, separated by unitSep, and splits
// them in Go: half the columns, twice the speed. A row whose text contains
// unitSep itself does not split into the expected number of parts; it is
// read again column by column.
const unitSep = "\x1f"

var (
	personPackedInts = []string{"id", "unified_login_id", "generated_login_id", "has_account", "operator", "consolidated_at", "created_at"}
	personPackedText = []string{"person_key", "consolidation_case", "state",
		"acc_first_name", "acc_second_name", "acc_last_name", "acc_pesel", "acc_email", "acc_phone"}
	loginPackedInts = []string{"id", "person_id", "accepted_at", "last_login_at", "password_changed_at", "merged_into", "merged_at", "created_at"}
	loginPackedText = []string{"name", "password_hash", "state", "origin", "first_name", "second_name", "last_name",
		"pesel", "email", "phone", "state_before_merge"}
	grantPackedInts = []string{"id", "login_id", "valid_from", "valid_to", "revoked_at", "origin_login_id", "merged_into", "created_at"}
	grantPackedText = []string{"entity_id", "grant_function", "scopes", "revoke_reason"}
)

// packedSelect returns the select list "ints…, text1 || sep || text2 …".
func packedSelect(ints, text []string, alias string) string {
	var b strings.Builder
	b.WriteString(colList(ints, alias))
	b.WriteString(", ")
	for i, c := range text {
		if i > 0 {
			b.WriteString(" || '" + unitSep + "' || ")
		}
		if alias != "" {
			b.WriteString(alias + ".")
		}
		b.WriteString(c)
	}
	return b.String()
}

// scanPersonPacked scans a packedSelect(personPacked…) row; ok is false
// (p.ID set) when the text does not split cleanly.
func scanPersonPacked(r scanner) (p jedenlogin.Person, ok bool, err error) {
	var (
		unified, generated  nullIntCol
		hasAccount          bool
		consolidated, creat timeCol
		packed              string
	)
	if err := r.Scan((*intCol)(&p.ID), &unified, &generated, &hasAccount, &p.Operator, &consolidated, &creat, &packed); err != nil {
		return p, false, err
	}
	f := strings.Split(packed, unitSep)
	if len(f) != len(personPackedText) {
		return p, false, nil
	}
	p.Key, p.Case, p.State = f[0], jedenlogin.Case(f[1]), jedenlogin.PersonState(f[2])
	if hasAccount {
		p.Account = &jedenlogin.AccountData{FirstName: f[3], SecondName: f[4], LastName: f[5], PESEL: f[6], Email: f[7], Phone: f[8]}
	}
	p.UnifiedLoginID, p.GeneratedLoginID = nullInt(sql.NullInt64(unified)), nullInt(sql.NullInt64(generated))
	p.ConsolidatedAt = consolidated.ptr()
	p.CreatedAt = creat.t
	return p, true, nil
}

// scanLoginPacked scans a packedSelect(loginPacked…) row; ok is false (ID
// and PersonID set) when the text does not split cleanly.
func scanLoginPacked(r scanner) (l jedenlogin.Login, ok bool, err error) {
	var (
		accepted, last, pwChanged, merged, cre timeCol
		mergedInto                             nullIntCol
		packed                                 string
	)
	if err := r.Scan((*intCol)(&l.ID), (*intCol)(&l.PersonID), &accepted, &last, &pwChanged, &mergedInto, &merged, &cre, &packed); err != nil {
		return l, false, err
	}
	f := strings.Split(packed, unitSep)
	if len(f) != len(loginPackedText) {
		return l, false, nil
	}
	l.Name, l.PasswordHash, l.State, l.Origin = f[0], f[1], jedenlogin.LoginState(f[2]), jedenlogin.LoginOrigin(f[3])
	l.FirstName, l.SecondName, l.LastName, l.PESEL, l.Email, l.Phone = f[4], f[5], f[6], f[7], f[8], f[9]
	l.StateBeforeMerge = jedenlogin.LoginState(f[10])
	l.AcceptedAt, l.LastLoginAt, l.PasswordChangedAt, l.MergedAt = accepted.ptr(), last.ptr(), pwChanged.ptr(), merged.ptr()
	l.MergedInto = nullInt(sql.NullInt64(mergedInto))
	l.CreatedAt = cre.t
	return l, true, nil
}

// scanGrantPacked scans a packedSelect(grantPacked…) row followed by the
// extra destinations; ok is false (ID set) when the text does not split
// cleanly.
func scanGrantPacked(r scanner, extra ...any) (g jedenlogin.Grant, ok bool, err error) {
	var (
		from, to, revoked, creat timeCol
		mergedInto               nullIntCol
		packed                   string
	)
	dest := []any{(*intCol)(&g.ID), (*intCol)(&g.LoginID), &from, &to, &revoked, (*intCol)(&g.OriginLoginID), &mergedInto, &creat, &packed}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return g, false, err
	}
	f := strings.Split(packed, unitSep)
	if len(f) != len(grantPackedText) {
		return g, false, nil
	}
	g.EntityID, g.Function, g.Scopes, g.RevokeReason = f[0], jedenlogin.Function(f[1]), splitScopes(f[2]), f[3]
	g.ValidFrom, g.ValidTo, g.RevokedAt = from.ptr(), to.ptr(), revoked.ptr()
	g.MergedInto = nullInt(sql.NullInt64(mergedInto))
	g.CreatedAt = creat.t
	return g, true, nil
}

// fieldSep separates the packed text of a login in outline (walk.go): the
// unit separator, which no login name, state or origin holds (a row where
// one does is read again column by column).
const fieldSep = "\x1f"
