package web

import (
	"fmt"
	"net/http"
)

// entitiesPage is the data of the PODMIOTY page.
type entitiesPage struct {
	Rows    []entityRow
	Current string // the entity the session acts for
}

// pageEntities is GET /podmioty: the entities the person holds grants for,
// with a button to act for each valid one.
func (s *Server) pageEntities(w http.ResponseWriter, r *http.Request, a *authState) error {
	rows, err := s.entitiesOf(r.Context(), a.rec, a.login.ID, s.now())
	if err != nil {
		return s.internal(fmt.Errorf("entities page: %w", err))
	}
	d := &pageData{
		Title: s.msg("entities.title"), User: s.user(r, a, "entities"), CSRF: a.sess.CSRFToken,
		Data: entitiesPage{Rows: rows, Current: a.sess.EntityID},
	}
	if r.URL.Query().Has("wybrano") && a.sess.EntityID != "" {
		name := a.sess.EntityID
		for _, row := range rows {
			if row.Entity.ID == a.sess.EntityID {
				name = row.Entity.Name
			}
		}
		d.Info = s.msg("entities.selected_notice", name, a.sess.EntityID)
	}
	s.render(w, r, http.StatusOK, "entities", d)
	return nil
}

// pageSelectEntity is POST /podmioty/wybierz: act for an entity.
func (s *Server) pageSelectEntity(w http.ResponseWriter, r *http.Request, a *authState) error {
	if err := s.selectEntity(r, a, r.PostFormValue("entity_id")); err != nil {
		return err
	}
	target := "/podmioty?wybrano"
	if next := s.oidcNext(r, true); next != "" {
		target = next // back to the module (page_oidc.go)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
