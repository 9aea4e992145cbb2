package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"jedenlogin"
)

var appCols = []string{"id", "status", "entity_id", "app_function", "scopes", "valid_to", "extends_grant_id",
	"applicant_person_id", "applicant_login_id", "first_name", "second_name", "last_name", "pesel", "email", "phone",
	"reviewed_by", "reviewed_at", "decided_by", "decided_at", "identity_confirmed", "reason", "grant_id",
	"updated_at", "created_at"}

var appSelect = colList(appCols, "a")

func scanApplication(r scanner) (jedenlogin.Application, error) {
	var (
		a                                      jedenlogin.Application
		status, fn, scopes                     string
		validTo, reviewed, decided, upd, creat timeCol
		extends, person, login, grant          sql.NullInt64
	)
	err := r.Scan(&a.ID, &status, &a.EntityID, &fn, &scopes, &validTo, &extends, &person, &login,
		&a.Applicant.FirstName, &a.Applicant.SecondName, &a.Applicant.LastName, &a.Applicant.PESEL, &a.Applicant.Email, &a.Applicant.Phone,
		&a.ReviewedBy, &reviewed, &a.DecidedBy, &decided, &a.IdentityConfirmed, &a.Reason, &grant, &upd, &creat)
	if err != nil {
		return a, err
	}
	a.Status, a.Function, a.Scopes = jedenlogin.ApplicationStatus(status), jedenlogin.Function(fn), splitScopes(scopes)
	a.ValidTo, a.ReviewedAt, a.DecidedAt = validTo.ptr(), reviewed.ptr(), decided.ptr()
	a.ExtendsGrantID, a.ApplicantPersonID, a.ApplicantLoginID, a.GrantID = nullInt(extends), nullInt(person), nullInt(login), nullInt(grant)
	a.UpdatedAt, a.CreatedAt = upd.t, creat.t
	return a, nil
}

// appArgs returns the column values of a in appCols order.
func (s *Store) appArgs(a *jedenlogin.Application) []any {
	p := a.Applicant
	return []any{a.ID, string(a.Status), a.EntityID, string(a.Function), joinScopes(a.Scopes), s.tsp(a.ValidTo),
		i64p(a.ExtendsGrantID), i64p(a.ApplicantPersonID), i64p(a.ApplicantLoginID),
		p.FirstName, p.SecondName, p.LastName, p.PESEL, p.Email, p.Phone,
		a.ReviewedBy, s.tsp(a.ReviewedAt), a.DecidedBy, s.tsp(a.DecidedAt), a.IdentityConfirmed, a.Reason,
		i64p(a.GrantID), s.ts(a.UpdatedAt), s.ts(a.CreatedAt)}
}

// CreateApplication inserts app, setting app.ID (and CreatedAt and
// UpdatedAt when zero), and the audit events that events returns for it
// (called once the id is known; may be nil) in one transaction. Events
// without a PersonID get the applicant's person. An unknown entity or
// extended grant gives ErrNotFound.
func (s *Store) CreateApplication(ctx context.Context, app *jedenlogin.Application, events func(app *jedenlogin.Application) []jedenlogin.AuditEvent) error {
	if app.CreatedAt.IsZero() {
		app.CreatedAt = time.Now().UTC()
	}
	if app.UpdatedAt.IsZero() {
		app.UpdatedAt = app.CreatedAt
	}
	app.Scopes = jedenlogin.NormalizeScopes(app.Scopes)
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT count(*) FROM entities WHERE id = ?"), app.EntityID).Scan(&n); err != nil {
			return fmt.Errorf("create application: entity %s: %w", app.EntityID, err)
		}
		if n == 0 {
			return fmt.Errorf("create application: entity %s: %w", app.EntityID, jedenlogin.ErrNotFound)
		}
		if app.ExtendsGrantID != nil {
			if err := tx.QueryRowContext(ctx, s.q("SELECT count(*) FROM grants WHERE id = ?"), *app.ExtendsGrantID).Scan(&n); err != nil {
				return fmt.Errorf("create application: grant %d: %w", *app.ExtendsGrantID, err)
			}
			if n == 0 {
				return fmt.Errorf("create application: grant %d: %w", *app.ExtendsGrantID, jedenlogin.ErrNotFound)
			}
		}
		id, err := s.insertReturningID(ctx, tx, "applications", appCols, s.appArgs(app))
		if err != nil {
			return fmt.Errorf("create application: %w", err)
		}
		app.ID = id
		if events == nil {
			return nil
		}
		evs := events(app)
		defaultPerson(evs, app.ApplicantPersonID)
		return s.appendAudit(ctx, tx, evs)
	})
}

// Application returns one application, or ErrNotFound.
func (s *Store) Application(ctx context.Context, id int64) (*jedenlogin.Application, error) {
	a, err := scanApplication(s.db.QueryRowContext(ctx, s.q("SELECT "+appSelect+" FROM applications a WHERE a.id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("application %d: %w", id, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read application %d: %w", id, err)
	}
	return &a, nil
}

// inList returns "?, ?, …" for n values and appends them to args.
func inList(args []any, vals []string) (string, []any) {
	for _, v := range vals {
		args = append(args, v)
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", "), args
}

// Applications returns the applications matching f, newest first.
func (s *Store) Applications(ctx context.Context, f jedenlogin.ApplicationFilter) ([]jedenlogin.Application, error) {
	var where []string
	var args []any
	if f.ApplicantPersonID != nil {
		where = append(where, "a.applicant_person_id = ?")
		args = append(args, *f.ApplicantPersonID)
	}
	if f.ExtendsGrantID != nil {
		where = append(where, "a.extends_grant_id = ?")
		args = append(args, *f.ExtendsGrantID)
	}
	if len(f.Entities) > 0 || len(f.ChildrenOf) > 0 || f.Parentless {
		var or []string
		if len(f.Entities) > 0 {
			var l string
			l, args = inList(args, f.Entities)
			or = append(or, "a.entity_id IN ("+l+")")
		}
		if len(f.ChildrenOf) > 0 {
			var l string
			l, args = inList(args, f.ChildrenOf)
			or = append(or, "a.entity_id IN (SELECT id FROM entities WHERE parent_id IN ("+l+"))")
		}
		if f.Parentless {
			or = append(or, "a.entity_id IN (SELECT e.id FROM entities e WHERE e.parent_id = '' OR NOT EXISTS (SELECT 1 FROM entities p WHERE p.id = e.parent_id))")
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if len(f.Statuses) > 0 {
		st := make([]string, len(f.Statuses))
		for i, v := range f.Statuses {
			st[i] = string(v)
		}
		var l string
		l, args = inList(args, st)
		where = append(where, "a.status IN ("+l+")")
	}
	if f.Public {
		where = append(where, "a.applicant_person_id IS NULL")
	}
	order := " ORDER BY a.id DESC"
	if f.OldestFirst {
		order = " ORDER BY a.id"
	}
	if f.AfterID != 0 {
		if f.OldestFirst {
			where = append(where, "a.id > ?")
		} else {
			where = append(where, "a.id < ?")
		}
		args = append(args, f.AfterID)
	}
	query := "SELECT " + appSelect + " FROM applications a"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	query += order + " LIMIT " + strconv.Itoa(limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read applications: %w", err)
	}
	defer rows.Close()
	out := []jedenlogin.Application{}
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, fmt.Errorf("read applications: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read applications: %w", err)
	}
	return out, nil
}

// lockApplication reads an application in a write transaction, locking its
// row on PostgreSQL (SQLite's write transaction excludes other writers).
func (s *Store) lockApplication(ctx context.Context, tx *sql.Tx, id int64) (*jedenlogin.Application, error) {
	query := "SELECT " + appSelect + " FROM applications a WHERE a.id = ?" + s.d.forUpdate
	a, err := scanApplication(tx.QueryRowContext(ctx, s.q(query), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("application %d: %w", id, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("lock application %d: %w", id, err)
	}
	return &a, nil
}

// saveApplication writes every column of a but id and created_at.
func (s *Store) saveApplication(ctx context.Context, tx *sql.Tx, a *jedenlogin.Application) error {
	a.Scopes = jedenlogin.NormalizeScopes(a.Scopes)
	args := s.appArgs(a)
	if _, err := tx.ExecContext(ctx, s.q(updateSQL("applications", appCols)), append(args[1:len(args)-1:len(args)-1], a.ID)...); err != nil {
		return fmt.Errorf("save application %d: %w", a.ID, err)
	}
	return nil
}

// UpdateApplication loads the application under a lock, calls fn, and
// writes back the application and fn's events (PersonID defaulting to the
// applicant's person) in one transaction. An error from fn rolls back and
// is returned unchanged; fn may run again when the transaction is retried.
// ErrNotFound: no such application.
func (s *Store) UpdateApplication(ctx context.Context, id int64, fn func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, error)) (*jedenlogin.Application, error) {
	return s.UpdateApplicationMail(ctx, id, func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, []jedenlogin.OutboxMessage, error) {
		evs, err := fn(app)
		return evs, nil, err
	})
}

// UpdateApplicationMail is UpdateApplication whose fn also returns mail,
// queued in the outbox in the same transaction.
func (s *Store) UpdateApplicationMail(ctx context.Context, id int64, fn func(app *jedenlogin.Application) ([]jedenlogin.AuditEvent, []jedenlogin.OutboxMessage, error)) (*jedenlogin.Application, error) {
	var fnErr error
	var out *jedenlogin.Application
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		fnErr = nil
		app, err := s.lockApplication(ctx, tx, id)
		if err != nil {
			return err
		}
		events, msgs, err := fn(app)
		if err != nil {
			fnErr = err
			return err
		}
		if err := s.enqueueMail(ctx, tx, msgs); err != nil {
			return err
		}
		app.ID = id
		if err := s.saveApplication(ctx, tx, app); err != nil {
			return err
		}
		defaultPerson(events, app.ApplicantPersonID)
		if err := s.appendAudit(ctx, tx, events); err != nil {
			return err
		}
		out = app
		return nil
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// defaultPerson sets the PersonID of events that have none.
func defaultPerson(events []jedenlogin.AuditEvent, pid *int64) {
	if pid == nil {
		return
	}
	for i := range events {
		if events[i].PersonID == nil {
			v := *pid
			events[i].PersonID = &v
		}
	}
}

// errPersonRace: a concurrent acceptance created the person with the same
// key first; the acceptance runs again and finds them.
var errPersonRace = errors.New("a person with this key was created concurrently")

// AcceptApplication runs an acceptance in one transaction: it locks the
// application row and the entity (PostgreSQL: SELECT … FOR UPDATE of both;
// SQLite: the immediate write transaction), so acceptances at one entity
// serialise also across processes and the head rule sees every grant
// committed before; loads the entity's grants and the applicant's person
// (the signed-in applicant, or by PESEL: person key, account data, a
// login's application data), locked; calls fn; and writes what fn decided.
// A new login is reserved under the same per-prefix lock as ReserveLogin.
// When a concurrent acceptance created the same new person first, the
// whole transaction runs again (fn too) and finds that person. An error
// from fn rolls back and is returned unchanged. ErrNotFound: no such
// application.
func (s *Store) AcceptApplication(ctx context.Context, id int64, fn func(a *jedenlogin.Acceptance) ([]jedenlogin.AuditEvent, error)) (*jedenlogin.Acceptance, error) {
	var (
		fnErr error
		out   *jedenlogin.Acceptance
		err   error
	)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		err = s.writeTx(ctx, func(tx *sql.Tx) error {
			fnErr = nil
			a, err := s.loadAcceptance(ctx, tx, id)
			if err != nil {
				return err
			}
			events, err := fn(a)
			if err != nil {
				fnErr = err
				return err
			}
			if err := s.writeAcceptance(ctx, tx, a, events); err != nil {
				return err
			}
			out = a
			return nil
		})
		if fnErr != nil {
			return nil, fnErr
		}
		if !errors.Is(err, errPersonRace) && !errors.Is(err, jedenlogin.ErrLoginTaken) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("accept application %d: %w", id, err)
	}
	return out, nil
}

// loadAcceptance reads and locks what an acceptance decides on.
func (s *Store) loadAcceptance(ctx context.Context, tx *sql.Tx, id int64) (*jedenlogin.Acceptance, error) {
	app, err := s.lockApplication(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	a := &jedenlogin.Acceptance{Application: app, EntityGrants: []jedenlogin.Grant{}}
	query := "SELECT " + colList(entityCols, "") + " FROM entities WHERE id = ?" + s.d.forUpdate
	e := &a.Entity
	if err := tx.QueryRowContext(ctx, s.q(query), app.EntityID).Scan(&e.ID, &e.Name, &e.Kind, &e.ParentID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("entity %s: %w", app.EntityID, jedenlogin.ErrNotFound)
		}
		return nil, fmt.Errorf("lock entity %s: %w", app.EntityID, err)
	}
	rows, err := tx.QueryContext(ctx, s.q("SELECT "+grantSelectG+" FROM grants g WHERE g.entity_id = ? ORDER BY g.id"), app.EntityID)
	if err != nil {
		return nil, fmt.Errorf("read grants at %s: %w", app.EntityID, err)
	}
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("read grants at %s: %w", app.EntityID, err)
		}
		a.EntityGrants = append(a.EntityGrants, g)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read grants at %s: %w", app.EntityID, err)
	}
	pid, err := s.applicantPerson(ctx, tx, app)
	if err != nil {
		return nil, err
	}
	if pid != 0 {
		if a.Person, err = s.loadRecord(ctx, tx, pid, true); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// applicantPerson returns the id of the applicant's person, 0 when unknown:
// the signed-in applicant, else the person with the application's PESEL
// as their key, in their account data or in a login's application data.
func (s *Store) applicantPerson(ctx context.Context, tx *sql.Tx, app *jedenlogin.Application) (int64, error) {
	if app.ApplicantPersonID != nil {
		return *app.ApplicantPersonID, nil
	}
	pesel := app.Applicant.PESEL
	if pesel == "" {
		return 0, nil
	}
	for _, query := range []string{
		"SELECT id FROM persons WHERE person_key = ?",
		"SELECT min(id) FROM persons WHERE acc_pesel = ? AND acc_pesel <> ''",
		"SELECT min(person_id) FROM logins WHERE pesel = ? AND pesel <> ''",
	} {
		arg := pesel
		if strings.Contains(query, "person_key") {
			arg = "pesel:" + pesel
		}
		var id sql.NullInt64
		err := tx.QueryRowContext(ctx, s.q(query), arg).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("find person by PESEL: %w", err)
		}
		if id.Valid {
			return id.Int64, nil
		}
	}
	return 0, nil
}

// writeAcceptance writes what the decision function decided.
func (s *Store) writeAcceptance(ctx context.Context, tx *sql.Tx, a *jedenlogin.Acceptance, events []jedenlogin.AuditEvent) error {
	var person *jedenlogin.Person
	if a.Person != nil {
		if err := s.writeRecord(ctx, tx, a.Person); err != nil {
			return err
		}
		person = &a.Person.Person
	}
	if a.NewPerson != nil {
		if a.Person != nil {
			return fmt.Errorf("acceptance: a new person for a known applicant")
		}
		p := a.NewPerson
		if p.CreatedAt.IsZero() {
			p.CreatedAt = time.Now().UTC()
		}
		id, err := s.insertReturningID(ctx, tx, "persons", personCols, s.personArgs(p))
		if err != nil {
			if s.d.isUniqueViolation(err) {
				return fmt.Errorf("create person %s: %w", p.Key, errPersonRace)
			}
			return fmt.Errorf("create person %s: %w", p.Key, err)
		}
		p.ID = id
		person = p
	}
	if a.NewLogin != nil {
		if person == nil {
			return fmt.Errorf("acceptance: a new login without a person")
		}
		l := a.NewLogin
		l.ID, l.PersonID = 0, person.ID
		if err := s.reserveInTx(ctx, tx, a.LoginPrefix, l); err != nil {
			return err
		}
		person.UnifiedLoginID = &l.ID
		if err := s.savePerson(ctx, tx, person); err != nil {
			return err
		}
		if a.Person != nil {
			a.Person.Logins = append(a.Person.Logins, *l)
		}
	}
	if g := a.NewGrant; g != nil {
		if g.LoginID == 0 {
			if a.NewLogin == nil {
				return fmt.Errorf("acceptance: a new grant without a login")
			}
			g.LoginID = a.NewLogin.ID
		}
		g.ID, g.OriginLoginID = 0, 0
		if err := s.saveGrant(ctx, tx, g); err != nil {
			return err
		}
		a.Application.GrantID = &g.ID
		if a.Person != nil {
			a.Person.Grants = append(a.Person.Grants, *g)
		}
	}
	if err := s.saveApplication(ctx, tx, a.Application); err != nil {
		return err
	}
	if person != nil {
		defaultPerson(events, &person.ID)
	}
	if err := s.appendAudit(ctx, tx, events); err != nil {
		return err
	}
	return s.bumpChanges(ctx, tx)
}

// writeRecord writes back a loaded person record: the person, every login
// and every grant (ID 0: inserted), as UpdatePerson does.
func (s *Store) writeRecord(ctx context.Context, tx *sql.Tx, rec *jedenlogin.PersonRecord) error {
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
	return nil
}

// reserveInTx inserts l named prefix+N with the smallest free N, inside tx,
// serialised per prefix like ReserveLogin.
func (s *Store) reserveInTx(ctx context.Context, tx *sql.Tx, prefix string, l *jedenlogin.Login) error {
	folded := fold(prefix)
	if err := s.d.lockName(ctx, tx, "reserve:"+folded); err != nil {
		return fmt.Errorf("lock prefix %s: %w", prefix, err)
	}
	n, err := s.smallestFree(ctx, tx, folded)
	if err != nil {
		return err
	}
	if l.Origin == "" {
		l.Origin = jedenlogin.OriginGenerated
	}
	if l.State == "" {
		l.State = jedenlogin.LoginActive
	}
	l.Name = prefix + strconv.FormatInt(n, 10)
	return s.saveLogin(ctx, tx, l)
}

// heldGrantQuery selects grants with their holders: the grant columns, the
// holder's person id and login name, and the holder's name (account data,
// else the login's application data).
const heldGrantFrom = " FROM grants g JOIN logins l ON l.id = g.login_id JOIN persons p ON p.id = l.person_id"

func heldGrantSelect() string {
	return "SELECT " + grantSelectG + ", l.person_id, l.name, l.state, " +
		"CASE WHEN p.has_account THEN p.acc_first_name ELSE l.first_name END, " +
		"CASE WHEN p.has_account THEN p.acc_last_name ELSE l.last_name END" + heldGrantFrom
}

func scanHeldGrant(r scanner) (jedenlogin.HeldGrant, error) {
	var h jedenlogin.HeldGrant
	var first, last string
	g, err := scanGrant(r, &h.PersonID, &h.LoginName, &h.LoginState, &first, &last)
	if err != nil {
		return h, err
	}
	h.Grant = g
	h.HolderName = strings.TrimSpace(first + " " + last)
	return h, nil
}

// HeldGrant returns one grant with its holder, or ErrNotFound.
func (s *Store) HeldGrant(ctx context.Context, grantID int64) (*jedenlogin.HeldGrant, error) {
	h, err := scanHeldGrant(s.db.QueryRowContext(ctx, s.q(heldGrantSelect()+" WHERE g.id = ?"), grantID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("grant %d: %w", grantID, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read grant %d: %w", grantID, err)
	}
	return &h, nil
}

// GrantsAt returns the grants at the entities and at the children of
// parents, with their holders, by entity and grant id; merged duplicates
// are left out.
func (s *Store) GrantsAt(ctx context.Context, entities, parents []string) ([]jedenlogin.HeldGrant, error) {
	out := []jedenlogin.HeldGrant{}
	if len(entities) == 0 && len(parents) == 0 {
		return out, nil
	}
	var or []string
	var args []any
	if len(entities) > 0 {
		var l string
		l, args = inList(args, entities)
		or = append(or, "g.entity_id IN ("+l+")")
	}
	if len(parents) > 0 {
		var l string
		l, args = inList(args, parents)
		or = append(or, "g.entity_id IN (SELECT id FROM entities WHERE parent_id IN ("+l+"))")
	}
	query := heldGrantSelect() + " WHERE g.merged_into IS NULL AND (" + strings.Join(or, " OR ") + ") ORDER BY g.entity_id, g.id"
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHeldGrant(rows)
		if err != nil {
			return nil, fmt.Errorf("read grants: %w", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	return out, nil
}

// Entity returns one entity, or ErrNotFound.
func (s *Store) Entity(ctx context.Context, id string) (*jedenlogin.Entity, error) {
	var e jedenlogin.Entity
	err := s.db.QueryRowContext(ctx, s.q("SELECT "+colList(entityCols, "")+" FROM entities WHERE id = ?"), id).Scan(&e.ID, &e.Name, &e.Kind, &e.ParentID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("entity %s: %w", id, jedenlogin.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", id, err)
	}
	return &e, nil
}

// SearchEntities returns up to limit entities whose id starts with query or
// whose name contains it ignoring case, the exact id first, then by name.
// Case is ignored for every letter, Polish ones included, whatever the
// database's collation: each letter of the query becomes a character
// class of its upper and lower case (SQLite GLOB, PostgreSQL regular
// expression), so no database-side case folding is relied on.
func (s *Store) SearchEntities(ctx context.Context, query string, limit int) ([]jedenlogin.Entity, error) {
	query = strings.Join(strings.Fields(query), " ")
	out := []jedenlogin.Entity{}
	if query == "" {
		return out, nil
	}
	if limit <= 0 {
		limit = 20
	}
	nameCond, pattern := s.d.nameContains(query)
	q := "SELECT " + colList(entityCols, "") + " FROM entities WHERE substr(id, 1, " + strconv.Itoa(utf8.RuneCountInString(query)) + ") = ? OR " + nameCond +
		" ORDER BY CASE WHEN id = ? THEN 0 ELSE 1 END, name, id LIMIT " + strconv.Itoa(limit)
	rows, err := s.db.QueryContext(ctx, s.q(q), query, pattern, query)
	if err != nil {
		return nil, fmt.Errorf("search entities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e jedenlogin.Entity
		if err := rows.Scan(&e.ID, &e.Name, &e.Kind, &e.ParentID); err != nil {
			return nil, fmt.Errorf("search entities: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search entities: %w", err)
	}
	return out, nil
}

// caseClasses turns text into a pattern matching it ignoring case: a
// letter with distinct cases becomes [Xx]; other characters are quoted for
// a PostgreSQL regular expression (regex) or a SQLite GLOB.
func caseClasses(text string, regex bool) string {
	var b strings.Builder
	for _, r := range text {
		up, lo := unicode.ToUpper(r), unicode.ToLower(r)
		switch {
		case up != lo:
			b.WriteByte('[')
			b.WriteRune(up)
			b.WriteRune(lo)
			b.WriteByte(']')
		case regex && strings.ContainsRune(`\.+*?()|[]{}^$`, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case !regex && strings.ContainsRune("*?[", r):
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
