package web

import (
	"net/http"

	"jedenlogin/service"
)

// apiMe is GET /api/v1/me: the unified login, the account data and the
// entities the person holds grants for. It is a lightRoute: a.rec is nil,
// the grants came with the session in a.grants.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, a *authState) error {
	rows := service.GrantViewRows(a.grants, s.now())
	writeJSON(w, http.StatusOK, meJSON{Login: a.login.Name, Account: accountOf(a.person), Entities: entitiesJSON(rows)})
	return nil
}

// apiSelectEntity is PUT /api/v1/me/entity {"entity_id"}: act for an
// entity the person holds a valid grant at; 403 forbidden otherwise.
func (s *Server) apiSelectEntity(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req struct {
		EntityID *string `json:"entity_id"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("entity_id", req.EntityID); err != nil {
		return err
	}
	if err := s.selectEntity(r, a, *req.EntityID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"entity_id": *req.EntityID})
	return nil
}

// selectEntity is service.SelectEntity for the signed-in session.
func (s *Server) selectEntity(r *http.Request, a *authState, entityID string) error {
	return s.entities.SelectEntity(r.Context(), a.caller(), entityID)
}
