package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
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

// extendTarget finds the grant the page is about: ?upowaznienie=GRANT_ID
// (or the form's field), or ?podmiot=ENTITY_ID for the login's grant at
// that entity that may be extended. 404 when the login holds no such
// grant.
func (s *Server) extendTarget(r *http.Request, a *authState, now time.Time) (*jedenlogin.Grant, error) {
	if v := r.FormValue("upowaznienie"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, s.errf(jedenlogin.ENOTFOUND, "grants.not_found")
		}
		return s.ownGrant(a, id)
	}
	entity := r.FormValue("podmiot")
	var found *jedenlogin.Grant
	for i := range a.rec.Grants {
		g := &a.rec.Grants[i]
		if g.LoginID != a.login.ID || g.EntityID != entity || g.MergedInto != nil {
			continue
		}
		if found == nil || applications.Extendable(g, now) && !applications.Extendable(found, now) {
			found = g
		}
	}
	if found == nil {
		return nil, s.errf(jedenlogin.ENOTFOUND, "grants.not_found")
	}
	return found, nil
}

func (s *Server) extendData(r *http.Request, a *authState, g *jedenlogin.Grant, validTo string, now time.Time) (*pageData, error) {
	e, err := s.st.Entity(r.Context(), g.EntityID)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		e = &jedenlogin.Entity{ID: g.EntityID, Name: g.EntityID}
	} else if err != nil {
		return nil, s.internal(err)
	}
	if validTo == "" {
		validTo = applications.ExtensionValidTo(g, now).Format(time.DateOnly)
	}
	min := applications.Day(now)
	if g.ValidTo != nil && g.ValidTo.After(min) {
		min = *g.ValidTo
	}
	p := extendPage{Grant: *g, Entity: *e, Extendable: applications.Extendable(g, now), ValidTo: validTo,
		MinDate: min.AddDate(0, 0, 1).Format(time.DateOnly), MaxDate: applications.MaxValidTo(now).Format(time.DateOnly)}
	return &pageData{Title: s.msg("extend.title"), User: s.user(r, a, "entities"), CSRF: a.sess.CSRFToken, Data: p, Fields: map[string]string{}}, nil
}

// pageExtend is GET /przedluz: PRZEDŁUŻ for one of the person's grants —
// the grant, the end of validity to ask for, and the button that files
// the extension application.
func (s *Server) pageExtend(w http.ResponseWriter, r *http.Request, a *authState) error {
	now := s.now()
	g, err := s.extendTarget(r, a, now)
	if err != nil {
		return err
	}
	d, err := s.extendData(r, a, g, "", now)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "extend", d)
	return nil
}

// pageExtendPost is POST /przedluz: files the extension application and
// shows it ("OPERACJA ZAKOŃCZONA POMYŚLNIE").
func (s *Server) pageExtendPost(w http.ResponseWriter, r *http.Request, a *authState) error {
	now := s.now()
	g, err := s.extendTarget(r, a, now)
	if err != nil {
		return err
	}
	validTo := r.PostFormValue("valid_to")
	app, _, fields, err := s.extendGrant(r.Context(), a, g.ID, validTo)
	if err != nil {
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.ENOTFOUND {
			return err
		}
		d, derr := s.extendData(r, a, g, validTo, now)
		if derr != nil {
			return derr
		}
		d.Error, d.Fields = s.text(he.Text), fields
		if fields == nil {
			d.Fields = map[string]string{}
		}
		s.render(w, r, statusOfError(he), "extend", d)
		return nil
	}
	http.Redirect(w, r, "/wnioski/"+strconv.FormatInt(app.ID, 10)+"?gotowe="+string(app.Status), http.StatusSeeOther)
	return nil
}
