package web

import "net/http"

// accountPage is the data of the account page.
type accountPage struct {
	Login     string
	Account   accountJSON
	Confirmed bool // just after the transition
}

// pageAccount is GET /dane-konta: the account data ("uniwersalne dane
// konta"), shown right after the transition and whenever asked for.
func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request, a *authState) error {
	s.render(w, r, http.StatusOK, "account", &pageData{
		Title: s.msg("account.title"), User: s.user(r, a, "account"), CSRF: a.sess.CSRFToken,
		Data: accountPage{Login: a.login.Name, Account: accountOf(&a.rec.Person), Confirmed: r.URL.Query().Has("potwierdzono")},
	})
	return nil
}
