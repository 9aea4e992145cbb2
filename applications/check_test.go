package applications_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
)

func TestCheck(t *testing.T) {
	valid := func() *jedenlogin.Application {
		a := publicApp(jedenlogin.FunctionEmployee)
		a.Status = jedenlogin.ApplicationSubmitted
		return a
	}
	tests := []struct {
		name   string
		change func(a *jedenlogin.Application)
		public bool
		want   []applications.Problem
	}{
		{"valid public application", func(*jedenlogin.Application) {}, true, nil},
		{"no valid_to: the default applies", func(a *jedenlogin.Application) { a.ValidTo = nil }, true, nil},
		{"valid_to exactly five years ahead", func(a *jedenlogin.Application) { a.ValidTo = day(2031, 3, 10) }, true, nil},
		{"valid_to today", func(a *jedenlogin.Application) { a.ValidTo = day(2026, 3, 10) }, true, nil},
		{"valid_to more than five years ahead", func(a *jedenlogin.Application) { a.ValidTo = day(2031, 3, 11) }, true,
			[]applications.Problem{{Field: "valid_to", Code: applications.ProblemTooFar}}},
		{"valid_to in the past", func(a *jedenlogin.Application) { a.ValidTo = day(2026, 3, 9) }, true,
			[]applications.Problem{{Field: "valid_to", Code: applications.ProblemPast}}},
		{"missing names, PESEL, e-mail", func(a *jedenlogin.Application) { a.Applicant = jedenlogin.Applicant{} }, true,
			[]applications.Problem{{"first_name", applications.ProblemRequired}, {"last_name", applications.ProblemRequired},
				{"pesel", applications.ProblemRequired}, {"email", applications.ProblemRequired}}},
		{"signed in: applicant data are not checked", func(a *jedenlogin.Application) { a.Applicant = jedenlogin.Applicant{} }, false, nil},
		{"bad PESEL", func(a *jedenlogin.Application) { a.Applicant.PESEL = "44051401459" }, true,
			[]applications.Problem{{"pesel", applications.ProblemPESEL}}},
		{"bad e-mail", func(a *jedenlogin.Application) { a.Applicant.Email = "Jan <jan@example.pl>" }, true,
			[]applications.Problem{{"email", applications.ProblemEmail}}},
		{"e-mail without a dot in the domain", func(a *jedenlogin.Application) { a.Applicant.Email = "jan@localhost" }, true,
			[]applications.Problem{{"email", applications.ProblemEmail}}},
		{"bad phone", func(a *jedenlogin.Application) { a.Applicant.Phone = "zadzwoń" }, true,
			[]applications.Problem{{"phone", applications.ProblemInvalid}}},
		{"no entity, unknown function", func(a *jedenlogin.Application) { a.EntityID, a.Function = "", "dyrektor" }, false,
			[]applications.Problem{{"entity_id", applications.ProblemRequired}, {"function", applications.ProblemInvalid}}},
		{"no function", func(a *jedenlogin.Application) { a.Function = "" }, false,
			[]applications.Problem{{"function", applications.ProblemRequired}}},
		{"bad scope", func(a *jedenlogin.Application) { a.Scopes = []string{"SIO moduł"} }, false,
			[]applications.Problem{{"scopes", applications.ProblemInvalid}}},
		{"no scope: the grant would open nothing", func(a *jedenlogin.Application) { a.Scopes = nil }, false,
			[]applications.Problem{{"scopes", applications.ProblemRequired}}},
		{"an extension keeps its grant's scopes, even none", func(a *jedenlogin.Application) { a.Scopes, a.ExtendsGrantID = nil, new(int64) }, false, nil},
		{"name too long", func(a *jedenlogin.Application) { a.Applicant.LastName = string(make([]rune, 101)) }, true,
			[]applications.Problem{{"last_name", applications.ProblemTooLong}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := valid()
			tc.change(a)
			got := applications.Check(a, tc.public, now)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Check = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	a := &jedenlogin.Application{EntityID: " 27630 ", Function: " Pracownik ", Scopes: []string{"wnioski", " sio", "sio", ""},
		ValidTo:   func() *time.Time { t := time.Date(2027, 1, 2, 15, 4, 5, 0, time.UTC); return &t }(),
		Applicant: jedenlogin.Applicant{FirstName: " Jan ", Email: " Jan@Example.PL "}}
	applications.Normalize(a)
	if a.EntityID != "27630" || a.Function != jedenlogin.FunctionEmployee || !slices.Equal(a.Scopes, []string{"sio", "wnioski"}) ||
		!a.ValidTo.Equal(*day(2027, 1, 2)) || a.Applicant.FirstName != "Jan" || a.Applicant.Email != "jan@example.pl" {
		t.Errorf("normalized %+v", a)
	}
}

func TestExtendable(t *testing.T) {
	grant := func(to *time.Time) *jedenlogin.Grant {
		return &jedenlogin.Grant{ID: 3, EntityID: "SP", Function: jedenlogin.FunctionEmployee, ValidTo: to}
	}
	tests := []struct {
		name string
		g    *jedenlogin.Grant
		want bool
	}{
		{"ends in two months", grant(day(2026, 5, 10)), true},
		{"ends in exactly three months", grant(day(2026, 6, 9)), true},
		{"ends in three months and a day", grant(day(2026, 6, 10)), false},
		{"ended a month ago", grant(day(2026, 2, 10)), true},
		{"ended four months ago", grant(day(2025, 11, 1)), false},
		{"unbounded", grant(nil), false},
		{"revoked", func() *jedenlogin.Grant { g := grant(day(2026, 5, 10)); g.RevokedAt = day(2026, 3, 1); return g }(), false},
		{"merged", func() *jedenlogin.Grant { g := grant(day(2026, 5, 10)); g.MergedInto = id(1); return g }(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := applications.Extendable(tc.g, now); got != tc.want {
				t.Errorf("Extendable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewExtension(t *testing.T) {
	g := &jedenlogin.Grant{ID: 3, EntityID: "SP", Function: jedenlogin.FunctionActingHead, Scopes: []string{"sio"}, ValidTo: day(2026, 5, 31)}
	who := jedenlogin.Applicant{FirstName: "Anna", LastName: "Nowak"}
	app, ps, err := applications.NewExtension(g, 5, 10, who, nil, now)
	if err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	if !app.ValidTo.Equal(*day(2027, 5, 31)) || *app.ExtendsGrantID != 3 || app.Function != jedenlogin.FunctionActingHead ||
		app.Status != jedenlogin.ApplicationSubmitted || *app.ApplicantPersonID != 5 || app.Applicant != who {
		t.Errorf("extension %+v", app)
	}
	if _, ps, _ := applications.NewExtension(g, 5, 10, who, day(2026, 5, 31), now); len(ps) != 1 || ps[0].Code != applications.ProblemTooEarly {
		t.Errorf("extension to the current end: %v", ps)
	}
	if _, ps, _ := applications.NewExtension(g, 5, 10, who, day(2031, 4, 1), now); len(ps) != 1 || ps[0].Code != applications.ProblemTooFar {
		t.Errorf("extension past five years: %v", ps)
	}
	long := &jedenlogin.Grant{ID: 4, ValidTo: day(2028, 1, 1)}
	if _, _, err := applications.NewExtension(long, 5, 10, who, nil, now); !errors.Is(err, applications.ErrNotExtendable) {
		t.Errorf("extending a grant valid for long: %v", err)
	}
	// The default stops at five years ahead.
	late := &jedenlogin.Grant{ID: 5, ValidTo: day(2026, 4, 1)}
	if got := applications.ExtensionValidTo(late, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)); !got.Equal(*day(2027, 4, 1)) {
		t.Errorf("default extension %v", got)
	}
}
