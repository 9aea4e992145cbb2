package service_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
	"jedenlogin/demo"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// An approver's list shows a grant of a retired login (inactive, or merged
// at the transition) and an expired grant as ended, and offers revoking
// neither; revoking one anyway is refused.
func TestManagedGrantsRetiredAndEnded(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	creds, err := demo.Build(context.Background(), st, hasher, now)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(service.Config{Store: st, Hasher: hasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	f := &fixture{st: st, svc: svc, now: now}
	ctx := context.Background()

	find := func(approver, login, entity string) jedenlogin.ManagedGrant {
		t.Helper()
		gs, err := svc.Grants.ManagedGrants(ctx, f.caller(t, approver))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			if g.Held.LoginName == login && g.Entity.ID == entity {
				return g
			}
		}
		t.Fatalf("%s does not see the grant of %s at %s", approver, login, entity)
		return jedenlogin.ManagedGrant{}
	}
	const sp3 = "27631"
	head := "KWISNIEWSKA"

	g := find(head, "MDABROWSKA3", sp3)
	if g.Valid || !g.Retired || g.Merged || g.Revocable {
		t.Errorf("inactive login's grant before the transition: %+v", g)
	}
	// MDABROWSKA goes over to one login: MDABROWSKA3 is merged.
	dp := creds.Person(demo.Choose)
	a := f.caller(t, dp.Logins[0].Name)
	if _, err := svc.Consolidation.Confirm(ctx, a, dp.Logins[0].Name, dp.Logins[0].Password); err != nil {
		t.Fatal(err)
	}
	g = find(head, "MDABROWSKA3", sp3)
	if g.Valid || !g.Retired || !g.Merged || g.Revocable {
		t.Errorf("merged login's grant: %+v", g)
	}
	if _, err := svc.Grants.RevocableGrant(ctx, f.caller(t, head), g.Held.Grant.ID); jedenlogin.AsError(err).Code != jedenlogin.ECONFLICT {
		t.Errorf("revocation form of a merged login's grant: %v", err)
	}
	_, err = svc.Grants.RevokeGrant(ctx, f.caller(t, head), g.Held.Grant.ID, jedenlogin.RevokeInput{Reason: applications.RevokeReasons[0].Code})
	if he := jedenlogin.AsError(err); he.Code != jedenlogin.ECONFLICT || he.Text.Key != "grants.already_ended" {
		t.Errorf("revoking a merged login's grant: %v", err)
	}

	// A valid grant is revocable; once expired it is not.
	g = find(head, "jwojcik", sp3)
	if !g.Valid || !g.Revocable {
		t.Errorf("valid grant: %+v", g)
	}
	if err := st.UpdatePerson(ctx, g.Held.PersonID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		for i := range rec.Grants {
			if rec.Grants[i].ID == g.Held.Grant.ID {
				ended := now.AddDate(0, 0, -1)
				rec.Grants[i].ValidTo = &ended
			}
		}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if g := find(head, "jwojcik", sp3); g.Valid || !g.Ended || g.Revocable {
		t.Errorf("expired grant: %+v", g)
	}
}
