package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
)

// option is one radio button or checkbox of a form.
type option struct {
	Value, Label string
	Checked      bool
}

// applyPage is the data of "Złóż wniosek o dostęp".
type applyPage struct {
	// SignedIn: the signed-in form (account data apply); otherwise the
	// public form with the personal fields.
	SignedIn bool
	Account  jedenlogin.Applicant
	Form     jedenlogin.ApplyInput
	// Query is the entity search; Entities the entities to choose from
	// (the search results and the chosen one); Searched tells that a
	// search ran.
	Query    string
	Entities []option
	Searched bool
	Funcs    []option
	Scopes   []option
	// MinDate and MaxDate bound valid_to (YYYY-MM-DD).
	MinDate, MaxDate string
}

// knownScopes are the access scopes offered on the form, in order.
var knownScopes = []string{"sio", applications.ScopeApplications}

// callerOf is a's service.Caller; nil without a session (the public form).
func callerOf(a *authState) *jedenlogin.Caller {
	if a == nil {
		return nil
	}
	return a.caller()
}

// applySession returns the page's session (nil without one) and whether
// the handler is done (a pending person was sent to the transition).
func (s *Server) applySession(w http.ResponseWriter, r *http.Request) (*authState, bool, error) {
	a, _, err := s.loadSession(w, r, true)
	if err != nil {
		return nil, true, s.internal(err)
	}
	if a != nil && a.sess.MFA != jedenlogin.MFADone {
		http.Redirect(w, r, s.nextAfterSignIn(r, a.sess, a.person, a.login), http.StatusSeeOther)
		return nil, true, nil
	}
	if a != nil && a.pending() {
		http.Redirect(w, r, "/potwierdz-login", http.StatusSeeOther)
		return nil, true, nil
	}
	return a, false, nil
}

// pageApply is GET /wniosek: "Złóż wniosek o dostęp", the signed-in form
// or, without a session, the public one. ?podmiot=ID preselects an entity.
func (s *Server) pageApply(w http.ResponseWriter, r *http.Request) error {
	a, done, err := s.applySession(w, r)
	if done || err != nil {
		return err
	}
	in := jedenlogin.ApplyInput{Function: string(jedenlogin.FunctionEmployee), Scopes: []string{"sio"},
		ValidTo: s.applications.ApplyForm(callerOf(a)).ValidTo.Format(time.DateOnly), EntityID: r.URL.Query().Get("podmiot")}
	d := s.applyData(r, a, in, "", false)
	if a == nil {
		d.CSRF = s.preSessionToken(w, r)
	}
	if in.EntityID != "" {
		if err := s.fillEntities(r, d, nil); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "apply", d)
	return nil
}

// applyData builds the page data for the form with values in.
func (s *Server) applyData(r *http.Request, a *authState, in jedenlogin.ApplyInput, query string, searched bool) *pageData {
	f := s.applications.ApplyForm(callerOf(a))
	p := applyPage{SignedIn: a != nil, Account: f.Account, Form: in, Query: query, Searched: searched,
		MinDate: f.MinDate.Format(time.DateOnly), MaxDate: f.MaxDate.Format(time.DateOnly)}
	for _, f := range []jedenlogin.Function{jedenlogin.FunctionHead, jedenlogin.FunctionActingHead, jedenlogin.FunctionEmployee} {
		p.Funcs = append(p.Funcs, option{Value: string(f), Label: s.msg("function." + string(f)), Checked: in.Function == string(f)})
	}
	for _, sc := range knownScopes {
		label := s.msg("apply.scope_sio")
		if sc == applications.ScopeApplications {
			label = s.msg("apply.scope_wnioski")
		}
		checked := false
		for _, v := range in.Scopes {
			checked = checked || v == sc
		}
		p.Scopes = append(p.Scopes, option{Value: sc, Label: label, Checked: checked})
	}
	d := &pageData{Title: s.msg("apply.title"), Data: &p, Fields: map[string]string{}}
	if a != nil {
		d.User, d.CSRF = s.user(r, a, "my_applications"), a.sess.CSRFToken
	}
	return d
}

// fillEntities sets the entities to choose from: found (the search
// results) and the chosen entity, which stays selected. A sole result is
// selected at once.
func (s *Server) fillEntities(r *http.Request, d *pageData, found []jedenlogin.Entity) error {
	p := d.Data.(*applyPage)
	if len(found) == 1 && p.Form.EntityID == "" {
		p.Form.EntityID = found[0].ID
	}
	seen := map[string]bool{}
	if id := p.Form.EntityID; id != "" {
		e, err := s.entities.Entity(r.Context(), id)
		switch {
		case errors.Is(err, jedenlogin.ErrNotFound):
			p.Form.EntityID = ""
		case err != nil:
			return err
		default:
			p.Entities = append(p.Entities, option{Value: e.ID, Label: entityLabel(*e), Checked: true})
			seen[e.ID] = true
		}
	}
	for _, e := range found {
		if !seen[e.ID] {
			p.Entities = append(p.Entities, option{Value: e.ID, Label: entityLabel(e)})
		}
	}
	return nil
}

// entityLabel is how an entity is named in a choice: "Name (id)".
func entityLabel(e jedenlogin.Entity) string { return e.Name + " (" + e.ID + ")" }

// pageApplyPost is POST /wniosek: with akcja=szukaj it searches entities
// and shows the form again with everything typed kept; otherwise it files
// the application. The signed-in applicant then sees the application; the
// public form answers "OPERACJA ZAKOŃCZONA POMYŚLNIE".
func (s *Server) pageApplyPost(w http.ResponseWriter, r *http.Request) error {
	a, done, err := s.applySession(w, r)
	if done || err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return s.errf(jedenlogin.EINVALID, "request.invalid")
	}
	in := jedenlogin.ApplyInput{
		EntityID: strings.TrimSpace(r.PostFormValue("entity_id")), Function: r.PostFormValue("function"),
		Scopes: r.PostForm["scopes"], ValidTo: strings.TrimSpace(r.PostFormValue("valid_to")),
	}
	if a == nil {
		in.Applicant = jedenlogin.Applicant{FirstName: r.PostFormValue("first_name"), SecondName: r.PostFormValue("second_name"),
			LastName: r.PostFormValue("last_name"), PESEL: r.PostFormValue("pesel"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone")}
	}
	query := strings.TrimSpace(r.PostFormValue("szukaj"))
	searching := r.PostFormValue("akcja") == "szukaj"
	d := s.applyData(r, a, in, query, searching)
	csrfOK := a != nil && sameToken(r.PostFormValue("csrf"), a.sess.CSRFToken) || a == nil && s.checkPreSessionToken(r)
	if a == nil {
		d.CSRF = s.preSessionToken(w, r)
	}
	if !csrfOK {
		d.Error = s.msg("error.form_expired")
		if err := s.fillEntities(r, d, nil); err != nil {
			return err
		}
		s.render(w, r, http.StatusForbidden, "apply", d)
		return nil
	}
	var found []jedenlogin.Entity
	if query != "" {
		if found, err = s.entities.SearchEntities(r.Context(), query); err != nil {
			var he *jedenlogin.Error
			if !errors.As(err, &he) || he.Code != jedenlogin.EINVALID {
				return err
			}
			if err := s.fillEntities(r, d, nil); err != nil {
				return err
			}
			d.Fields = s.fieldMessages(he.WithField("szukaj"))
			d.Error = s.text(he.Text)
			s.render(w, r, http.StatusBadRequest, "apply", d)
			return nil
		}
	}
	if searching {
		status := http.StatusOK
		switch {
		case query == "":
			// Nothing typed: say what to type, not that nothing was found.
			if d.Fields == nil {
				d.Fields = map[string]string{}
			}
			d.Fields["szukaj"] = s.msg("apply.search_empty")
			d.Error = s.msg("form.has_errors")
			status = http.StatusBadRequest
		case len(found) == 0:
			d.Notice = s.msg("apply.no_results")
		}
		if err := s.fillEntities(r, d, found); err != nil {
			return err
		}
		s.render(w, r, status, "apply", d)
		return nil
	}
	row, err := s.applications.SubmitApplication(r.Context(), callerOf(a), s.clientAddr(r), in)
	if err != nil {
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL {
			return err
		}
		if err := s.fillEntities(r, d, found); err != nil {
			return err
		}
		d.Fields = s.fieldMessages(he)
		d.Error = s.text(he.Text)
		setRetryAfter(w, he.RetryAfter)
		s.render(w, r, statusOfError(he), "apply", d)
		return nil
	}
	app := &row.App
	if a != nil {
		http.Redirect(w, r, "/wnioski/"+strconv.FormatInt(app.ID, 10)+"?gotowe="+string(app.Status), http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "done", &pageData{
		Title: s.msg("done.title"),
		Data: donePage{
			Lines: []string{s.msg("apply.done_public", app.ID, row.Entity.Name), s.msg("apply.done_mail", app.Applicant.Email)},
			Links: []link{{Href: "/logowanie", Text: s.msg("done.to_sign_in")}},
		},
	})
	return nil
}

// donePage is the data of "OPERACJA ZAKOŃCZONA POMYŚLNIE".
type donePage struct {
	Lines []string
	// Login, when set, is shown prominently (a new account's login).
	Login string
	Links []link
}

type link struct{ Href, Text string }
