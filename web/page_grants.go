package web

import (
	"errors"
	"net/http"
	"strconv"

	"jedenlogin"
	"jedenlogin/applications"
)

// revokePage is the data of "COFNIJ UPOWAŻNIENIE".
type revokePage struct {
	Held    jedenlogin.HeldGrant
	Entity  jedenlogin.Entity
	Reasons []option
	// Understood: the confirmation checkbox was ticked.
	Understood bool
}

func (s *Server) revokeData(r *http.Request, a *authState, m *jedenlogin.ManagedGrant, reason string) *pageData {
	p := revokePage{Held: m.Held, Entity: m.Entity, Understood: r.PostFormValue("rozumiem") == "tak"}
	chosen, _ := applications.LookupRevokeReason(reason, s.text)
	for _, rs := range applications.RevokeReasons {
		p.Reasons = append(p.Reasons, option{Value: rs.Code, Label: s.text(rs.Text), Checked: rs.Code == chosen.Code})
	}
	return &pageData{Title: s.msg("revoke.title"), User: s.user(r, a, "queue"), CSRF: a.sess.CSRFToken, Data: p, Fields: map[string]string{}}
}

// revokeReason is the wording of a stored revocation reason: the
// catalogue's for a code, the stored text itself otherwise.
func (s *Server) revokeReason(stored string) string {
	if t := applications.RevokeReasonText(stored); t.Key != "" {
		return s.text(t)
	}
	return stored
}

// pageRevoke is GET /upowaznienia/{id}/cofnij: the revocation form
// (reason from the list, the confirmation checkbox), for an approver who
// may manage the grant.
func (s *Server) pageRevoke(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.idParam(r)
	if err != nil {
		return err
	}
	m, err := s.grants.RevocableGrant(r.Context(), a.caller(), id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "revoke", s.revokeData(r, a, m, ""))
	return nil
}

// pageRevokePost is POST /upowaznienia/{id}/cofnij: with the checkbox
// "rozumiem, że cofam upoważnienie…" ticked and a reason chosen it revokes
// the grant and returns to "Wnioski", which confirms it.
func (s *Server) pageRevokePost(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.idParam(r)
	if err != nil {
		return err
	}
	reason := r.PostFormValue("reason")
	c := a.caller()
	m, err := s.grants.ManageableGrant(r.Context(), c, id)
	if err != nil {
		return err
	}
	understood := r.PostFormValue("rozumiem") == "tak"
	if _, err := s.grants.RevokeGrant(r.Context(), c, id, jedenlogin.RevokeInput{Reason: reason, Confirmed: &understood}); err != nil {
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL {
			return err
		}
		d := s.revokeData(r, a, m, reason)
		d.Error = s.text(he.Text)
		if f := s.fieldMessages(he); f != nil {
			d.Fields = f
		}
		s.render(w, r, statusOfError(he), "revoke", d)
		return nil
	}
	http.Redirect(w, r, "/wnioski?cofnieto="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
