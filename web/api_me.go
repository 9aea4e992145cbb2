package web

import (
	"fmt"
	"net/http"

	"jedenlogin"
)

// apiMe is GET /api/v1/me: the unified login, the account data and the
// entities the person holds grants for. It is a lightRoute: a.rec is nil,
// the grants came with the session in a.grants.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, a *authState) error {
	rows := grantRows(a.grants, s.now())
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

// selectEntity binds the session to the entity after checking the grant,
// and audits it. Errors: 403 forbidden without a valid grant, 500 internal.
func (s *Server) selectEntity(r *http.Request, a *authState, entityID string) error {
	ctx := r.Context()
	now := s.now()
	rows, err := s.entitiesOf(ctx, a.rec, a.login.ID, now)
	if err != nil {
		return s.internal(fmt.Errorf("select entity: %w", err))
	}
	if !canActFor(rows, entityID) {
		return s.errf(jedenlogin.EFORBIDDEN, "entities.no_grant")
	}
	if err := s.st.TouchSession(ctx, a.sess.IDHash, now, &entityID); err != nil {
		return s.internal(fmt.Errorf("select entity: %w", err))
	}
	a.sess.EntityID = entityID
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditEntitySelected, Actor: a.login.Name, PersonID: &a.rec.Person.ID,
		Subject: "entity:" + entityID, Address: a.addr, Outcome: "ok",
	}
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return s.internal(fmt.Errorf("select entity: audit: %w", err))
	}
	return nil
}
