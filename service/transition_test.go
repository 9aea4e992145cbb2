package service_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// A generate person: the transition screen's preview names the new login,
// the login that stops working, the entity that moves and the inactive
// login whose access ends; after POTWIERDŹ the record says the same and the
// person gets it by mail, with the new login and the advice to note it.
func TestTransitionPreviewDoneAndMail(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	h, err := hasher.Hash(pwJanek)
	if err != nil {
		t.Fatal(err)
	}
	importRows(t, st, now,
		[]string{"jan.k", h, "active", "Jan", "", "Kowalski", peselJanek, "jan@example.pl", "", "SP1", "Szkoła Podstawowa nr 1", "", "pracownik", "sio", "", ""},
		[]string{"j.kowalski", h, "inactive", "Jan", "", "Kowalski", peselJanek, "jan@example.pl", "", "G1", "Gmina Pierwsza", "", "pracownik", "sio", "", ""},
	)
	box := &outbox{}
	svc, err := service.New(service.Config{
		Store: st, Hasher: hasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, Mailer: box, PublicURL: "https://konto.example.pl",
		HelpURL: "https://pomoc.sio.gov.pl", SupportContact: "tel. 22 123 45 67",
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, svc: svc, mail: box, now: now}
	ctx := context.Background()

	a := f.caller(t, "jan.k")
	pre, err := svc.Consolidation.TransitionPreviews(ctx, a)
	if err != nil || len(pre) != 1 {
		t.Fatalf("previews %+v, %v", pre, err)
	}
	p := pre[0]
	if !p.Generated || !strings.HasPrefix(p.Unified, "JAN") || !slices.Equal(p.Stopped, []string{"jan.k"}) || !slices.Equal(p.Ended, []string{"j.kowalski"}) {
		t.Errorf("preview %+v", p)
	}
	if len(p.Entities) != 1 || p.Entities[0].Name != "Szkoła Podstawowa nr 1" || len(p.EndedEntities) != 1 || p.EndedEntities[0].Name != "Gmina Pierwsza" {
		t.Errorf("preview entities %+v, ended %+v", p.Entities, p.EndedEntities)
	}

	c, err := svc.Consolidation.Confirm(ctx, a, "", pwJanek)
	if err != nil {
		t.Fatal(err)
	}
	done, err := svc.TransitionDone(ctx, c.Record)
	if err != nil || done == nil {
		t.Fatalf("done %+v, %v", done, err)
	}
	if done.Unified != p.Unified || !slices.Equal(done.Stopped, p.Stopped) || !slices.Equal(done.Ended, p.Ended) || len(done.Entities) != 1 || len(done.EndedEntities) != 1 {
		t.Errorf("after the transition %+v, the preview said %+v", done, p)
	}

	svc.Close() // delivers the queued mail
	m := box.last(t, "jan@example.pl")
	for _, want := range []string{"Twój nowy login: " + p.Unified, "Zapisz go w bezpiecznym miejscu", "jan.k", "j.kowalski",
		"Szkoła Podstawowa nr 1 (SP1) – Pracownik", "Gmina Pierwsza (G1) – Pracownik", "https://konto.example.pl/logowanie",
		"Instrukcje i pomoc: https://pomoc.sio.gov.pl", "Pomoc techniczna: tel. 22 123 45 67"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("mail lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.Subject, p.Unified) {
		t.Errorf("subject %q does not name the new login", m.Subject)
	}
}

// TestTransitionSummaryEachEntityFunctionOnce: the preview and the summary
// list an entity once per function however many logins held it (duplicates
// are possible on inactive logins), sorted by the entity's name and then
// the function, under the entity's name.
func TestTransitionSummaryEachEntityFunctionOnce(t *testing.T) {
	st := storetest.Open(t, storetest.Backends(t)[0].NewDSN(t))
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	h, err := hasher.Hash(pwJanek)
	if err != nil {
		t.Fatal(err)
	}
	row := func(login, status, entity, name, function string) []string {
		return []string{login, h, status, "Jan", "", "Kowalski", peselJanek, "jan@example.pl", "", entity, name, "", function, "sio", "", ""}
	}
	importRows(t, st, now,
		row("jan.k", "active", "SP1", "Szkoła Podstawowa nr 1", "pracownik"),
		row("j.kowalski", "inactive", "G1", "Gmina Pierwsza", "pracownik"),
		row("jk2", "inactive", "G1", "Gmina Pierwsza", "pracownik"),
		row("jk3", "inactive", "G1", "Gmina Pierwsza", "kierownik"),
		row("jk4", "inactive", "B1", "Biblioteka Gminna", "pracownik"),
	)
	svc, err := service.New(service.Config{
		Store: st, Hasher: hasher, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, Mailer: &outbox{}, PublicURL: "https://konto.example.pl",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	f := &fixture{st: st, svc: svc, now: now}
	ctx := context.Background()

	pre, err := svc.Consolidation.TransitionPreviews(ctx, f.caller(t, "jan.k"))
	if err != nil || len(pre) != 1 {
		t.Fatalf("previews %+v, %v", pre, err)
	}
	label := func(es []jedenlogin.SummaryEntity) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.ID+" "+e.Name+" "+string(e.Function))
		}
		return out
	}
	wantEnded := []string{"B1 Biblioteka Gminna pracownik", "G1 Gmina Pierwsza kierownik", "G1 Gmina Pierwsza pracownik"}
	if got := label(pre[0].EndedEntities); !slices.Equal(got, wantEnded) {
		t.Errorf("preview's ended entities %q, want %q", got, wantEnded)
	}
	if got, want := label(pre[0].Entities), []string{"SP1 Szkoła Podstawowa nr 1 pracownik"}; !slices.Equal(got, want) {
		t.Errorf("preview's entities %q, want %q", got, want)
	}
}
