package web

import (
	"fmt"
	"net/http"
)

// meJSON is the answer of POST /api/v1/consolidation/confirm and GET /api/v1/me.
type meJSON struct {
	Login    string       `json:"login"`
	Account  accountJSON  `json:"account"`
	Entities []entityJSON `json:"entities"`
}

// apiConfirm is POST /api/v1/consolidation/confirm {"login","password"}.
func (s *Server) apiConfirm(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req credentials
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.requireField("password", req.Password); err != nil {
		return err
	}
	login := ""
	if req.Login != nil {
		login = *req.Login
	}
	if err := s.checkCredentials(login, *req.Password); err != nil {
		return err
	}
	res, err := s.confirm(w, r, a, login, *req.Password)
	if err != nil {
		return err
	}
	rows, err := s.entitiesOf(r.Context(), res.Record, res.Unified.ID, s.now())
	if err != nil {
		return s.internal(fmt.Errorf("confirm: %w", err))
	}
	writeJSON(w, http.StatusOK, meJSON{Login: res.Unified.Name, Account: accountOf(&res.Record.Person), Entities: entitiesJSON(rows)})
	return nil
}
