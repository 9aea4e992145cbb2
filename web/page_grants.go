package web

import (
	"errors"
	"net/http"
	"slices"
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

func (s *Server) revokeData(r *http.Request, a *authState, h *jedenlogin.HeldGrant, e *jedenlogin.Entity, reason string) *pageData {
	p := revokePage{Held: *h, Entity: *e, Understood: r.PostFormValue("rozumiem") == "tak"}
	for _, rs := range applications.RevokeReasons {
		p.Reasons = append(p.Reasons, option{Value: rs, Label: rs, Checked: rs == reason})
	}
	return &pageData{Title: s.msg("revoke.title"), User: s.user(r, a, "queue"), CSRF: a.sess.CSRFToken, Data: p, Fields: map[string]string{}}
}

// pageRevoke is GET /upowaznienia/{id}/cofnij: the revocation form
// (reason from the list, the confirmation checkbox), for an approver who
// may manage the grant.
func (s *Server) pageRevoke(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.idParam(r)
	if err != nil {
		return err
	}
	h, e, err := s.manageableGrant(r.Context(), a, id, s.now())
	if err != nil {
		return err
	}
	if h.Grant.RevokedAt != nil {
		return s.toHTTPError(applications.ErrGrantRevoked)
	}
	s.render(w, r, http.StatusOK, "revoke", s.revokeData(r, a, h, e, ""))
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
	h, e, err := s.manageableGrant(r.Context(), a, id, s.now())
	if err != nil {
		return err
	}
	d := s.revokeData(r, a, h, e, reason)
	if r.PostFormValue("rozumiem") != "tak" {
		d.Fields["rozumiem"] = s.msg("revoke.understood_required")
	}
	if !slices.Contains(applications.RevokeReasons, reason) {
		d.Fields["reason"] = s.msg("grants.reason_required")
	}
	if len(d.Fields) > 0 {
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "revoke", d)
		return nil
	}
	if _, _, err := s.revokeGrant(r.Context(), a, id, reason); err != nil {
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL {
			return err
		}
		d.Error = s.text(he.Text)
		s.render(w, r, statusOfError(he), "revoke", d)
		return nil
	}
	http.Redirect(w, r, "/wnioski?cofnieto="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
