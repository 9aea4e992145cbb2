package web

import (
	"net/http"

	"jedenlogin"
)

// accountPage is the data of the account page.
type accountPage struct {
	Login     string
	Account   accountJSON
	Confirmed bool // just after the transition
	// Transition says what the transition did (shown with Confirmed).
	Transition *jedenlogin.TransitionSummary
}

// pageAccount is GET /dane-konta: the account data ("uniwersalne dane
// konta"), shown right after the transition and whenever asked for.
func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request, a *authState) error {
	p := accountPage{Login: a.login.Name, Account: accountOf(&a.rec.Person), Confirmed: r.URL.Query().Has("potwierdzono")}
	if p.Confirmed {
		var err error
		if p.Transition, err = s.consolidation.TransitionDone(r.Context(), a.rec); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "account", &pageData{
		Title: s.msg("account.title"), User: s.user(r, a, "account"), CSRF: a.sess.CSRFToken,
		Data: p,
	})
	return nil
}
