package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"jedenlogin"
)

// extendPage is the data of "Przedłużenie upoważnienia".
type extendPage struct {
	Grant  jedenlogin.Grant
	Entity jedenlogin.Entity
	// Extendable: PRZEDŁUŻ is possible now; otherwise the page explains.
	Extendable bool
	ValidTo    string // the date asked for, YYYY-MM-DD
	MinDate    string
	MaxDate    string
}

// extension reads which grant the page is about — ?upowaznienie=GRANT_ID
// (or the form's field), or ?podmiot=ENTITY_ID for the login's grant at
// that entity — and returns what PRZEDŁUŻ offers for it; 404 when the
// login holds no such grant.
func (s *Server) extension(r *http.Request, a *authState) (*jedenlogin.Extension, error) {
	var ref jedenlogin.GrantRef
	if v := r.FormValue("upowaznienie"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id == 0 {
			return nil, s.errf(jedenlogin.ENOTFOUND, "grants.not_found")
		}
		ref.GrantID = id
	} else {
		ref.EntityID = r.FormValue("podmiot")
	}
	return s.grants.Extension(r.Context(), a.caller(), ref)
}

// extendData is the page for x, showing validTo as the date asked for
// ("": the default).
func (s *Server) extendData(r *http.Request, a *authState, x *jedenlogin.Extension, validTo string) *pageData {
	if validTo == "" {
		validTo = x.ValidTo.Format(time.DateOnly)
	}
	p := extendPage{Grant: x.Grant, Entity: x.Entity, Extendable: x.Extendable, ValidTo: validTo,
		MinDate: x.MinDate.Format(time.DateOnly), MaxDate: x.MaxDate.Format(time.DateOnly)}
	return &pageData{Title: s.msg("extend.title"), User: s.user(r, a, "entities"), CSRF: a.sess.CSRFToken, Data: p, Fields: map[string]string{}}
}

// pageExtend is GET /przedluz: PRZEDŁUŻ for one of the person's grants —
// the grant, the end of validity to ask for, and the button that files
// the extension application.
func (s *Server) pageExtend(w http.ResponseWriter, r *http.Request, a *authState) error {
	x, err := s.extension(r, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "extend", s.extendData(r, a, x, ""))
	return nil
}

// pageExtendPost is POST /przedluz: files the extension application and
// shows it ("OPERACJA ZAKOŃCZONA POMYŚLNIE").
func (s *Server) pageExtendPost(w http.ResponseWriter, r *http.Request, a *authState) error {
	x, err := s.extension(r, a)
	if err != nil {
		return err
	}
	validTo := r.PostFormValue("valid_to")
	row, err := s.grants.ExtendGrant(r.Context(), a.caller(), x.Grant.ID, validTo)
	if err != nil {
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.ENOTFOUND {
			return err
		}
		d := s.extendData(r, a, x, validTo)
		d.Error = s.text(he.Text)
		if f := s.fieldMessages(he); f != nil {
			d.Fields = f
		}
		s.render(w, r, statusOfError(he), "extend", d)
		return nil
	}
	http.Redirect(w, r, "/wnioski/"+strconv.FormatInt(row.App.ID, 10)+"?gotowe="+string(row.App.Status), http.StatusSeeOther)
	return nil
}
