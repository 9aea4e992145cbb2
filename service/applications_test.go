package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
	"jedenlogin/legacy"
	"jedenlogin/password"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// now is the tests' clock: a weekday morning.
var now = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

// Valid PESELs: a known person's and a newcomer's.
const (
	peselKnown = "79031512343"
	peselNew   = "90010112349"
)

// appFixture is the legacy file of these tests, one person per login, each
// alone and so consolidated at import (account data from the login):
//
//   - HEAD1 heads SP1 (kierownik, scope wnioski): approves its employees.
//     SP1's parent GM1 is not in the database, so heads at SP1 would be
//     an operator's to approve.
//   - KNOWN works at SP2 and has a PESEL: the public form with that
//     PESEL is theirs.
//   - OTHER works at SP1 and approves nothing.
var appFixture = [][]string{
	// login, password, status, first, second, last, pesel, email, phone, entity_id, entity_name, parent, function, scopes, valid_to, accepted_at
	{"HEAD1", "", "active", "Anna", "", "Kierownik", "", "head@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "GM1", "kierownik", "sio|wnioski", "2027-08-31", "2024-09-01T10:00:00Z"},
	{"KNOWN", "", "active", "Karol", "", "Znany", peselKnown, "known@example.pl", "600 700 800", "SP2", "Szkoła Podstawowa nr 2", "GM1", "pracownik", "sio", "2027-08-31", "2024-09-01T10:00:00Z"},
	{"OTHER", "", "active", "Olga", "", "Inna", "", "olga@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "GM1", "pracownik", "sio", "2027-08-31", "2024-09-01T10:00:00Z"},
}

// env is a service on a fresh store of one backend, filled with appFixture.
type env struct {
	t   *testing.T
	st  jedenlogin.Store
	svc *service.Service
}

func newEnv(t *testing.T, b storetest.Backend) *env {
	t.Helper()
	st := storetest.Open(t, b.NewDSN(t))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"login", "password_hash", "status", "first_name", "second_name", "last_name", "pesel", "email", "phone",
		"entity_id", "entity_name", "entity_parent_id", "function", "scopes", "valid_to", "accepted_at"})
	w.WriteAll(appFixture)
	im := &legacy.Importer{Store: st, Now: func() time.Time { return now }}
	if _, err := im.Import(context.Background(), &buf, int64(buf.Len())); err != nil {
		t.Fatalf("import appFixture: %v", err)
	}
	svc, err := service.New(service.Config{Store: st, Hasher: &password.Hasher{Params: password.CheapParams},
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return &env{t: t, st: st, svc: svc}
}

// record returns the person record of the login's person.
func (e *env) record(login string) *jedenlogin.PersonRecord {
	e.t.Helper()
	ctx := context.Background()
	l, err := e.st.LoginByName(ctx, login)
	if err != nil {
		e.t.Fatalf("login %s: %v", login, err)
	}
	rec, err := e.st.Person(ctx, l.PersonID)
	if err != nil {
		e.t.Fatalf("person of %s: %v", login, err)
	}
	return rec
}

// caller is the login signed in, as the faces hand it to the service.
func (e *env) caller(login string) *jedenlogin.Caller {
	e.t.Helper()
	rec := e.record(login)
	var l *jedenlogin.Login
	for i := range rec.Logins {
		if rec.Logins[i].Name == login {
			l = &rec.Logins[i]
		}
	}
	sess := &jedenlogin.Session{PersonID: rec.Person.ID, LoginID: l.ID}
	return &jedenlogin.Caller{Session: sess, Record: rec, Login: l, Person: &rec.Person, Addr: "192.0.2.7"}
}

// audit returns the audit events of an action, newest first.
func (e *env) audit(action string) []jedenlogin.AuditEvent {
	e.t.Helper()
	evs, err := e.st.Audit(context.Background(), jedenlogin.AuditFilter{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// wantCode fails unless err is a *jedenlogin.Error with the code.
func wantCode(t *testing.T, err error, code string) *jedenlogin.Error {
	t.Helper()
	var je *jedenlogin.Error
	if !errors.As(err, &je) || je.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
	return je
}

// publicInput is a newcomer's public application for a pracownik at SP1.
func publicInput() jedenlogin.ApplyInput {
	return jedenlogin.ApplyInput{EntityID: "SP1", Function: "pracownik", Scopes: []string{"sio"},
		Applicant: jedenlogin.Applicant{FirstName: "Jan", LastName: "Nowy", PESEL: peselNew, Email: "jan.nowy@example.pl", Phone: "600 500 400"}}
}

// TestSubmitApplicationFieldErrors: wrong input is answered field by
// field with catalogue keys, and nothing is stored.
func TestSubmitApplicationFieldErrors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		ctx := context.Background()
		for _, tc := range []struct {
			name   string
			change func(in *jedenlogin.ApplyInput)
			want   map[string]string // field → catalogue key
		}{
			{"personal fields", func(in *jedenlogin.ApplyInput) {
				in.PESEL, in.Email, in.FirstName = "90010112346", "jan", ""
			}, map[string]string{"pesel": "apply.pesel_invalid", "email": "apply.email_invalid", "first_name": "apply.first_name_required"}},
			{"unknown entity and function", func(in *jedenlogin.ApplyInput) {
				in.EntityID, in.Function = "NOPE", "dyrektor"
			}, map[string]string{"entity_id": "apply.entity_not_found", "function": "apply.function_required"}},
			{"no date", func(in *jedenlogin.ApplyInput) { in.ValidTo = "31.12.2026" }, map[string]string{"valid_to": "apply.valid_to_invalid"}},
			{"too far", func(in *jedenlogin.ApplyInput) {
				in.ValidTo = now.AddDate(5, 0, 1).Format(time.DateOnly)
			}, map[string]string{"valid_to": "apply.valid_to_too_far"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := publicInput()
				tc.change(&in)
				_, err := e.svc.Applications.SubmitApplication(ctx, nil, "192.0.2.7", in)
				je := wantCode(t, err, jedenlogin.EINVALID)
				if je.Key != "form.has_errors" {
					t.Errorf("message %q, want form.has_errors", je.Key)
				}
				for field, key := range tc.want {
					if got := je.Fields[field].Key; got != key {
						t.Errorf("field %s: %q, want %q (all: %v)", field, got, key, je.Fields)
					}
				}
				if len(je.Fields) != len(tc.want) {
					t.Errorf("fields %v, want only %v", je.Fields, tc.want)
				}
			})
		}
		apps, err := e.st.Applications(ctx, jedenlogin.ApplicationFilter{})
		if err != nil || len(apps) != 0 {
			t.Errorf("stored %d applications (%v) after refused input", len(apps), err)
		}
		if evs := e.audit(jedenlogin.AuditApplicationChanged); len(evs) != 0 {
			t.Errorf("audited %d refused applications", len(evs))
		}

		// A good one is stored with its audit event; a signed-in duplicate
		// is refused.
		row, err := e.svc.Applications.SubmitApplication(ctx, nil, "192.0.2.7", publicInput())
		if err != nil {
			t.Fatal(err)
		}
		if row.App.Status != jedenlogin.ApplicationSubmitted || row.Entity.Name != "Szkoła Podstawowa nr 1" || row.App.ValidTo == nil {
			t.Errorf("submitted %+v", row)
		}
		if evs := e.audit(jedenlogin.AuditApplicationChanged); len(evs) != 1 || evs[0].Actor != "public" || evs[0].Address != "192.0.2.7" {
			t.Errorf("submission events %+v", evs)
		}
		other := e.caller("OTHER")
		in := jedenlogin.ApplyInput{EntityID: "SP2", Function: "pracownik", Scopes: []string{"sio"}}
		if _, err := e.svc.Applications.SubmitApplication(ctx, other, other.Addr, in); err != nil {
			t.Fatal(err)
		}
		wantCode(t, func() error { _, err := e.svc.Applications.SubmitApplication(ctx, other, other.Addr, in); return err }(), jedenlogin.ECONFLICT)
	})
}

// TestApplicationNotApprover: somebody who does not approve at the entity
// can neither see nor decide an application there, and nothing changes.
func TestApplicationNotApprover(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		ctx := context.Background()
		row, err := e.svc.Applications.SubmitApplication(ctx, nil, "192.0.2.7", publicInput())
		if err != nil {
			t.Fatal(err)
		}
		id := row.App.ID
		other := e.caller("OTHER")
		wantCode(t, func() error { _, err := e.svc.Applications.Application(ctx, other, id); return err }(), jedenlogin.ENOTFOUND)
		wantCode(t, func() error { _, err := e.svc.Applications.ReviewApplication(ctx, other, id); return err }(), jedenlogin.CodeNotApprover)
		wantCode(t, func() error { _, err := e.svc.Applications.RejectApplication(ctx, other, id, "nie"); return err }(), jedenlogin.CodeNotApprover)
		if q, err := e.svc.Applications.ApplicationQueue(ctx, other, jedenlogin.QueueQuery{}); err != nil || len(q.Rows) != 0 {
			t.Errorf("OTHER's queue %v, %v", q, err)
		}
		app, err := e.st.Application(ctx, id)
		if err != nil || app.Status != jedenlogin.ApplicationSubmitted || app.ReviewedBy != "" {
			t.Errorf("after refused decisions %+v, %v", app, err)
		}
		if evs := e.audit(jedenlogin.AuditApplicationChanged); len(evs) != 1 {
			t.Errorf("%d application events, want only the submission", len(evs))
		}

		// The head of SP1 decides it; a missing application is not found.
		head := e.caller("HEAD1")
		if q, err := e.svc.Applications.ApplicationQueue(ctx, head, jedenlogin.QueueQuery{}); err != nil || len(q.Rows) != 1 || q.Rows[0].App.ID != id {
			t.Errorf("HEAD1's queue %v, %v", q, err)
		}
		if _, err := e.svc.Applications.ReviewApplication(ctx, head, id); err != nil {
			t.Fatal(err)
		}
		wantCode(t, func() error { _, err := e.svc.Applications.ReviewApplication(ctx, head, id+100); return err }(), jedenlogin.ENOTFOUND)
	})
}

// TestAcceptKnownPerson: the public form with a known person's PESEL but
// other names and address: the acceptance puts the grant on that
// person's login, creates no login, never overwrites the account data, and
// audits the status and the grant in its transaction.
func TestAcceptKnownPerson(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		ctx := context.Background()
		before := e.record("KNOWN")
		in := publicInput()
		in.PESEL = peselKnown
		row, err := e.svc.Applications.SubmitApplication(ctx, nil, "192.0.2.7", in)
		if err != nil {
			t.Fatal(err)
		}
		id := row.App.ID
		head := e.caller("HEAD1")
		wantCode(t, func() error { _, err := e.svc.Applications.AcceptApplication(ctx, head, id, true); return err }(), jedenlogin.CodeInvalidStatus)
		if _, err := e.svc.Applications.ReviewApplication(ctx, head, id); err != nil {
			t.Fatal(err)
		}
		wantCode(t, func() error { _, err := e.svc.Applications.AcceptApplication(ctx, head, id, false); return err }(), jedenlogin.CodeIdentityNotConfirmed)
		wantCode(t, func() error {
			_, err := e.svc.Applications.AcceptApplication(ctx, e.caller("OTHER"), id, true)
			return err
		}(), jedenlogin.CodeNotApprover)
		acc, err := e.svc.Applications.AcceptApplication(ctx, head, id, true)
		if err != nil {
			t.Fatal(err)
		}
		if acc.App.Status != jedenlogin.ApplicationAccepted || acc.App.DecidedBy != "HEAD1" || !acc.App.IdentityConfirmed || acc.App.GrantID == nil {
			t.Errorf("accepted %+v", acc.App)
		}

		after := e.record("KNOWN")
		if *after.Person.Account != *before.Person.Account {
			t.Errorf("application data overwrote account data:\nbefore %+v\nafter  %+v", before.Person.Account, after.Person.Account)
		}
		if len(after.Logins) != len(before.Logins) {
			t.Errorf("%d logins after acceptance, want %d (no new login)", len(after.Logins), len(before.Logins))
		}
		var got *jedenlogin.Grant
		for i := range after.Grants {
			if g := &after.Grants[i]; g.ID == *acc.App.GrantID {
				got = g
			}
		}
		if got == nil || got.EntityID != "SP1" || got.Function != jedenlogin.FunctionEmployee || got.LoginID != after.Logins[0].ID || !got.ValidAt(now) {
			t.Errorf("grant %+v, want a valid pracownik grant at SP1 on KNOWN", got)
		}
		if evs := e.audit(jedenlogin.AuditApplicationChanged); len(evs) != 3 {
			t.Errorf("%d application events, want 3 (submitted, reviewed, accepted)", len(evs))
		}
		evs := e.audit(jedenlogin.AuditGrantChanged)
		if len(evs) != 1 || evs[0].Actor != "HEAD1" || !strings.Contains(evs[0].Details, `"change":"granted"`) ||
			evs[0].PersonID == nil || *evs[0].PersonID != after.Person.ID {
			t.Errorf("grant events %+v", evs)
		}
		if evs := e.audit(jedenlogin.AuditAccountCreated); len(evs) != 0 {
			t.Errorf("account_created for a known person: %+v", evs)
		}
	})
}

// TestRevokeGrant: the head revokes an employee's grant: it ends at once,
// is audited, and cannot be revoked twice; wrong input and a non-approver
// are refused.
func TestRevokeGrant(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		ctx := context.Background()
		head, other := e.caller("HEAD1"), e.caller("OTHER")
		gid := other.Record.Grants[0].ID
		reason := applications.RevokeReasons[1].Code

		no := false
		je := wantCode(t, func() error {
			_, err := e.svc.Grants.RevokeGrant(ctx, head, gid, jedenlogin.RevokeInput{Reason: "bo tak", Confirmed: &no})
			return err
		}(), jedenlogin.EINVALID)
		if je.Fields["reason"].Key != "grants.reason_required" || je.Fields["rozumiem"].Key != "revoke.understood_required" {
			t.Errorf("fields %v", je.Fields)
		}
		wantCode(t, func() error {
			_, err := e.svc.Grants.RevokeGrant(ctx, other, head.Record.Grants[0].ID, jedenlogin.RevokeInput{Reason: reason})
			return err
		}(), jedenlogin.CodeNotApprover)
		wantCode(t, func() error {
			_, err := e.svc.Grants.RevokeGrant(ctx, head, gid+1000, jedenlogin.RevokeInput{Reason: reason})
			return err
		}(), jedenlogin.ENOTFOUND)
		if evs := e.audit(jedenlogin.AuditGrantChanged); len(evs) != 0 {
			t.Fatalf("refused revocations audited: %+v", evs)
		}

		m, err := e.svc.Grants.RevokeGrant(ctx, head, gid, jedenlogin.RevokeInput{Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Revoked || m.Valid || m.Held.LoginName != "OTHER" || m.Held.Grant.RevokeReason != reason {
			t.Errorf("revoked %+v", m)
		}
		rec := e.record("OTHER")
		if g := rec.Grants[0]; g.RevokedAt == nil || g.RevokeReason != reason || g.ValidAt(now) {
			t.Errorf("stored grant %+v, want revoked now", g)
		}
		evs := e.audit(jedenlogin.AuditGrantChanged)
		if len(evs) != 1 || evs[0].Actor != "HEAD1" || evs[0].Address != head.Addr || evs[0].Subject != "entity:SP1" ||
			!strings.Contains(evs[0].Details, `"change":"revoked"`) || evs[0].PersonID == nil || *evs[0].PersonID != rec.Person.ID {
			t.Errorf("revocation events %+v", evs)
		}
		wantCode(t, func() error {
			_, err := e.svc.Grants.RevokeGrant(ctx, head, gid, jedenlogin.RevokeInput{Reason: reason})
			return err
		}(), jedenlogin.ECONFLICT)
		wantCode(t, func() error { _, err := e.svc.Grants.RevocableGrant(ctx, head, gid); return err }(), jedenlogin.ECONFLICT)
		if rows, err := e.svc.Entities.EntitiesOf(ctx, rec, rec.Logins[0].ID); err != nil || len(rows) != 0 {
			t.Errorf("OTHER's entities after revocation: %+v, %v", rows, err)
		}
	})
}
