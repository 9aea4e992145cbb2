package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"time"

	"jedenlogin"
)

// loginHistoryRow is one login of the person on the profile: the unified
// login first, then the logins merged into it, then any others.
type loginHistoryRow struct {
	Name      string
	Current   bool // the login the user signed in with
	State     jedenlogin.LoginState
	Origin    jedenlogin.LoginOrigin
	CreatedAt *time.Time
	LastLogin *time.Time
	MergedAt  *time.Time
	MergedIn  string // the login it was merged into
}

// profilePage is the data of "Panel użytkownika → Profil".
type profilePage struct {
	Login        string
	Account      accountJSON
	EmailPending string
	Logins       []loginHistoryRow
	Entities     []entityRow
}

// loginHistory lists the person's logins for the profile.
func loginHistory(rec *jedenlogin.PersonRecord, current int64) []loginHistoryRow {
	rank := func(l *jedenlogin.Login) int {
		switch {
		case l.ID == current:
			return 0
		case l.State == jedenlogin.LoginMerged:
			return 1
		}
		return 2
	}
	var rows []loginHistoryRow
	ls := slices.Clone(rec.Logins)
	slices.SortFunc(ls, func(a, b jedenlogin.Login) int {
		return cmp.Or(cmp.Compare(rank(&a), rank(&b)), cmp.Compare(a.Name, b.Name))
	})
	for i := range ls {
		l := &ls[i]
		if l.State == jedenlogin.LoginReserved {
			continue // a reserved login nobody uses
		}
		row := loginHistoryRow{Name: l.Name, Current: l.ID == current, State: l.State, Origin: l.Origin,
			CreatedAt: &l.CreatedAt, LastLogin: l.LastLoginAt, MergedAt: l.MergedAt}
		if l.MergedInto != nil {
			if m := rec.Login(*l.MergedInto); m != nil {
				row.MergedIn = m.Name
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// pageProfile is GET /profil: account data, logins history, entities,
// and the way to the contact and password forms.
func (s *Server) pageProfile(w http.ResponseWriter, r *http.Request, a *authState) error {
	ctx := r.Context()
	rows, err := s.entitiesOf(ctx, a.rec, a.login.ID, s.now())
	if err != nil {
		return s.internal(fmt.Errorf("profile: %w", err))
	}
	pending, err := s.accounts.PendingEmail(ctx, a.rec.Person.ID)
	he := jedenlogin.AsError(err)
	if he != nil {
		return he
	}
	d := &pageData{
		Title: s.msg("profile.title"), User: s.user(r, a, "profile"), CSRF: a.sess.CSRFToken,
		Data: profilePage{Login: a.login.Name, Account: accountOf(&a.rec.Person), EmailPending: pending,
			Logins: loginHistory(a.rec, a.login.ID), Entities: rows},
	}
	switch {
	case r.URL.Query().Has("email"):
		d.Info = s.msg("contact.email_confirmed")
	case r.URL.Query().Has("kontakt"):
		d.Info = s.msg("contact.saved")
	}
	s.render(w, r, http.StatusOK, "profile", d)
	return nil
}
