package web

import (
	"errors"
	"net/http"

	"jedenlogin"
	"jedenlogin/service"
)

// consolidationPage is the data of the transition screen
// ("Potwierdź wybór loginu").
type consolidationPage struct {
	Case         jedenlogin.Case
	Current      string   // the login the session is bound to
	Candidates   []string // choose cases
	Selected     string   // the candidate checked
	Generated    string   // generate: the new login
	CurrentFits  bool     // the current login is a candidate
	Confirmed    bool     // POTWIERDZAM was ticked (kept after an error)
	Unavailable  bool     // no transition possible (no candidates, no reserved login)
	MixedCurrent bool     // choose_uppercase signed in with a login with lowercase letters
	// Previews say what the transition does, one per login to choose
	// (service.TransitionPreviews).
	Previews []jedenlogin.TransitionSummary
}

func (s *Server) consolidationData(r *http.Request, a *authState) (consolidationPage, error) {
	info := service.ConsolidationOf(a.rec, a.login)
	p := consolidationPage{
		Case: info.Case, Current: a.login.Name, Candidates: info.Candidates,
		CurrentFits: info.CurrentLoginEligible,
	}
	if info.CurrentLoginEligible {
		p.Selected = a.login.Name
	} else if len(info.Candidates) == 1 {
		p.Selected = info.Candidates[0]
	}
	p.MixedCurrent = info.Case == jedenlogin.CaseChooseUppercase && !info.CurrentLoginEligible
	switch info.Case {
	case jedenlogin.CaseGenerate:
		if info.GeneratedLogin != nil {
			p.Generated = *info.GeneratedLogin
		} else {
			p.Unavailable = true
		}
	case jedenlogin.CaseChoose, jedenlogin.CaseChooseUppercase:
		p.Unavailable = len(p.Candidates) == 0
	case jedenlogin.CaseUnchanged:
		p.Generated = a.login.Name
	default:
		p.Unavailable = true
	}
	if !p.Unavailable {
		var err error
		if p.Previews, err = s.consolidation.TransitionPreviews(r.Context(), a.caller()); err != nil {
			return p, err
		}
	}
	return p, nil
}

// pageConsolidation is GET /potwierdz-login: the transition screen; after
// the transition it sends the user on to the entity list.
func (s *Server) pageConsolidation(w http.ResponseWriter, r *http.Request, a *authState) error {
	if !a.pending() {
		http.Redirect(w, r, "/podmioty", http.StatusSeeOther)
		return nil
	}
	p, err := s.consolidationData(r, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "consolidation", &pageData{
		Title: s.msg("consolidation.title"), User: s.user(r, a, ""), CSRF: a.sess.CSRFToken,
		Data: p,
	})
	return nil
}

// pageConsolidationPost is POST /potwierdz-login ("POTWIERDŹ"): performs
// the transition and shows the account data; on failure shows the screen
// again with the same answer the API gives.
func (s *Server) pageConsolidationPost(w http.ResponseWriter, r *http.Request, a *authState) error {
	if !a.pending() {
		return s.toHTTPError(jedenlogin.ErrAlreadyConsolidated)
	}
	p, err := s.consolidationData(r, a)
	if err != nil {
		return err
	}
	login, pw := r.PostFormValue("login"), r.PostFormValue("password")
	p.Confirmed = r.PostFormValue("potwierdzam") == "tak"
	if login != "" {
		p.Selected = login
	}
	d := &pageData{Title: s.msg("consolidation.title"), User: s.user(r, a, ""), CSRF: a.sess.CSRFToken, Fields: map[string]string{}, Data: &p}
	if login == "" && p.Generated == "" {
		d.Fields["login"] = s.msg("consolidation.login_required")
	}
	if pw == "" {
		d.Fields["password"] = s.msg("consolidation.password_required")
	}
	if !p.Confirmed {
		d.Fields["potwierdzam"] = s.msg("consolidation.confirm_required")
	}
	if err := s.checkCredentials(login, pw); err != nil {
		d.Fields["password"] = s.text(s.toHTTPError(err).Text)
	}
	if len(d.Fields) > 0 {
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "consolidation", d)
		return nil
	}
	if _, err := s.confirm(w, r, a, login, pw); err != nil {
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.CodeAlreadyConsolidated {
			return err
		}
		d.Error, d.Notice = s.text(he.Text), s.text(he.Notice)
		if he.Code == jedenlogin.CodeInvalidCredentials {
			// Name the login whose password was asked for: the one chosen,
			// not necessarily the one signed in with.
			asked := login
			if p.Generated != "" {
				asked = p.Current
			}
			d.Error = s.msg("consolidation.wrong_password_for", asked)
			d.Fields["password"] = d.Error
		}
		setRetryAfter(w, he.RetryAfter)
		s.render(w, r, statusOfError(he), "consolidation", d)
		return nil
	}
	target := "/dane-konta?potwierdzono"
	if next := s.oidcNext(r, false); next != "" {
		target = next // back to the module (page_oidc.go)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
