package applications

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"jedenlogin"
)

// MaxValidityYears bounds how far ahead a grant may be valid (SPEC §9).
const MaxValidityYears = 5

// ExtendWindowMonths is how long before (and after) the end of its
// validity a grant may be extended (PRZEDŁUŻ).
const ExtendWindowMonths = 3

// Limits of the application's free-text fields.
const (
	maxNameLen   = 100
	maxScopes    = 10
	maxReasonLen = 500
)

// Problem is one thing wrong with an application form: the field (its
// JSON name) and what is wrong with it.
type Problem struct {
	Field string
	Code  ProblemCode
}

// ProblemCode says what is wrong with a field.
type ProblemCode string

// Problem codes.
const (
	ProblemRequired ProblemCode = "required" // empty
	ProblemInvalid  ProblemCode = "invalid"  // not a valid value (function, scope, date, phone)
	ProblemTooLong  ProblemCode = "too_long"
	ProblemPESEL    ProblemCode = "pesel"   // not 11 digits with a valid check digit
	ProblemEmail    ProblemCode = "email"   // not an e-mail address
	ProblemPast     ProblemCode = "past"    // a date before today
	ProblemTooFar   ProblemCode = "too_far" // a date more than five years ahead
	ProblemTooEarly ProblemCode = "too_early"
)

var scopeRe = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// MaxValidTo returns the latest ValidTo an application filed at now may ask for.
func MaxValidTo(now time.Time) time.Time { return Day(now).AddDate(MaxValidityYears, 0, 0) }

// DefaultValidTo is the end of validity of an application that asks for
// none: a year from today.
func DefaultValidTo(now time.Time) time.Time { return Day(now).AddDate(1, 0, 0) }

// Normalize trims the application's text fields and sorts its scopes; the
// function and e-mail address are lower-cased, the phone's inner white
// space collapsed (jedenlogin.NormalizePhone), as contact change keeps it.
func Normalize(app *jedenlogin.Application) {
	a := &app.Applicant
	for _, p := range []*string{&a.FirstName, &a.SecondName, &a.LastName, &a.PESEL, &a.Email, &a.Phone, &app.EntityID} {
		*p = strings.TrimSpace(*p)
	}
	a.Email = strings.ToLower(a.Email)
	a.Phone = jedenlogin.NormalizePhone(a.Phone)
	app.Function = jedenlogin.Function(strings.ToLower(strings.TrimSpace(string(app.Function))))
	for i := range app.Scopes {
		app.Scopes[i] = strings.TrimSpace(app.Scopes[i])
	}
	app.Scopes = jedenlogin.NormalizeScopes(app.Scopes)
	if app.ValidTo != nil {
		d := Day(*app.ValidTo)
		app.ValidTo = &d
	}
}

// Check returns what is wrong with a new application filed at now, in the
// order of the form's fields; none means it may be stored. public is true
// for the public form (no account), whose applicant data are all checked:
// first and last name, a valid PESEL and an e-mail address are required.
// A signed-in applicant's data come from their account and are not
// checked. A nil ValidTo is allowed (the caller fills in the default).
func Check(app *jedenlogin.Application, public bool, now time.Time) []Problem {
	var ps []Problem
	add := func(field string, code ProblemCode) { ps = append(ps, Problem{Field: field, Code: code}) }
	if public {
		a := &app.Applicant
		for _, f := range []struct {
			name     string
			v        string
			required bool
		}{{"first_name", a.FirstName, true}, {"second_name", a.SecondName, false}, {"last_name", a.LastName, true}} {
			switch {
			case f.v == "" && f.required:
				add(f.name, ProblemRequired)
			case utf8.RuneCountInString(f.v) > maxNameLen:
				add(f.name, ProblemTooLong)
			case !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, func(r rune) bool { return r < ' ' }):
				add(f.name, ProblemInvalid)
			}
		}
		switch {
		case a.PESEL == "":
			add("pesel", ProblemRequired)
		case !jedenlogin.ValidPESEL(a.PESEL):
			add("pesel", ProblemPESEL)
		}
		switch {
		case a.Email == "":
			add("email", ProblemRequired)
		case !jedenlogin.ValidEmail(a.Email):
			add("email", ProblemEmail)
		}
		if a.Phone != "" && !jedenlogin.ValidPhone(a.Phone) {
			add("phone", ProblemInvalid)
		}
	}
	if app.EntityID == "" {
		add("entity_id", ProblemRequired)
	} else if len(app.EntityID) > 64 {
		add("entity_id", ProblemTooLong)
	}
	switch {
	case app.Function == "":
		add("function", ProblemRequired)
	case !app.Function.Valid():
		add("function", ProblemInvalid)
	}
	if len(app.Scopes) == 0 && app.ExtendsGrantID == nil {
		// A grant without any scope opens nothing; an extension keeps the
		// scopes of its grant, whatever they are.
		add("scopes", ProblemRequired)
	} else if len(app.Scopes) > maxScopes {
		add("scopes", ProblemTooLong)
	} else {
		for _, s := range app.Scopes {
			if !scopeRe.MatchString(s) {
				add("scopes", ProblemInvalid)
				break
			}
		}
	}
	if app.ValidTo != nil {
		switch {
		case app.ValidTo.Before(Day(now)):
			add("valid_to", ProblemPast)
		case app.ValidTo.After(MaxValidTo(now)):
			add("valid_to", ProblemTooFar)
		}
	}
	return ps
}

// CheckReason returns what is wrong with a rejection or revocation reason.
func CheckReason(reason string) (ProblemCode, bool) {
	switch {
	case strings.TrimSpace(reason) == "":
		return ProblemRequired, false
	case utf8.RuneCountInString(reason) > maxReasonLen:
		return ProblemTooLong, false
	}
	return "", true
}

// Extendable reports whether grant g may be extended at now: it is not
// revoked or merged, has an end date, and now is within ExtendWindowMonths
// before or after the end of its validity (so a recently expired grant
// can still be extended).
func Extendable(g *jedenlogin.Grant, now time.Time) bool {
	if g.ValidTo == nil || g.MergedInto != nil || (g.RevokedAt != nil && !g.RevokedAt.After(now)) {
		return false
	}
	end := g.ValidTo.AddDate(0, 0, 1)
	return !now.Before(end.AddDate(0, -ExtendWindowMonths, 0)) && now.Before(end.AddDate(0, ExtendWindowMonths, 0))
}

// ExtensionValidTo is the end of validity an extension of g asks for by
// default: a year after the current end (or after today, for an expired
// grant), at most MaxValidTo.
func ExtensionValidTo(g *jedenlogin.Grant, now time.Time) time.Time {
	base := Day(now)
	if g.ValidTo != nil && g.ValidTo.After(base) {
		base = *g.ValidTo
	}
	return minTime(base.AddDate(1, 0, 0), MaxValidTo(now))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// NewExtension returns the extension application (PRZEDŁUŻ) of grant g,
// held by the signed-in applicant (person, login, account data), filed at
// now, asking for validTo (nil: ExtensionValidTo). It returns
// ErrNotExtendable outside the extension window, and a Problem when
// validTo is not after the grant's current end or too far ahead.
func NewExtension(g *jedenlogin.Grant, personID, loginID int64, applicant jedenlogin.Applicant, validTo *time.Time, now time.Time) (*jedenlogin.Application, []Problem, error) {
	if !Extendable(g, now) {
		return nil, nil, ErrNotExtendable
	}
	to := ExtensionValidTo(g, now)
	if validTo != nil {
		to = Day(*validTo)
	}
	var ps []Problem
	switch {
	case !to.After(*g.ValidTo) || to.Before(Day(now)):
		ps = append(ps, Problem{Field: "valid_to", Code: ProblemTooEarly})
	case to.After(MaxValidTo(now)):
		ps = append(ps, Problem{Field: "valid_to", Code: ProblemTooFar})
	}
	if len(ps) > 0 {
		return nil, ps, nil
	}
	gid := g.ID
	return &jedenlogin.Application{
		Status:            jedenlogin.ApplicationSubmitted,
		EntityID:          g.EntityID,
		Function:          g.Function,
		Scopes:            jedenlogin.NormalizeScopes(g.Scopes),
		ValidTo:           &to,
		ExtendsGrantID:    &gid,
		ApplicantPersonID: &personID,
		ApplicantLoginID:  &loginID,
		Applicant:         applicant,
		CreatedAt:         now,
		UpdatedAt:         now,
	}, nil, nil
}

// ApplicantFromAccount returns the application data of a signed-in
// applicant: their account data, or the login's application data when the
// person has no account data yet.
func ApplicantFromAccount(rec *jedenlogin.PersonRecord, l *jedenlogin.Login) jedenlogin.Applicant {
	if a := rec.Person.Account; a != nil {
		return jedenlogin.Applicant{FirstName: a.FirstName, SecondName: a.SecondName, LastName: a.LastName,
			PESEL: a.PESEL, Email: a.Email, Phone: a.Phone}
	}
	return jedenlogin.Applicant{FirstName: l.FirstName, SecondName: l.SecondName, LastName: l.LastName,
		PESEL: l.PESEL, Email: l.Email, Phone: l.Phone}
}
