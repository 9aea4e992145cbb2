package web

import (
	"net/http"
	"strconv"

	"jedenlogin"
	"jedenlogin/service"
)

// applyRequest is the body of POST /api/v1/applications. The personal
// fields are read only without a session (the public form); a signed-in
// applicant applies with their account data.
type applyRequest struct {
	EntityID   string   `json:"entity_id"`
	Function   string   `json:"function"`
	Scopes     []string `json:"scopes"`
	ValidTo    string   `json:"valid_to"`
	FirstName  string   `json:"first_name"`
	SecondName string   `json:"second_name"`
	LastName   string   `json:"last_name"`
	PESEL      string   `json:"pesel"`
	Email      string   `json:"email"`
	Phone      string   `json:"phone"`
}

// optionalSession returns the request's session when there is one (nil
// otherwise); a person still pending consolidation gets 403
// consolidation_required.
func (s *Server) optionalSession(w http.ResponseWriter, r *http.Request) (*authState, error) {
	a, _, err := s.loadSession(w, r, true)
	if err != nil {
		return nil, s.internal(err)
	}
	if a != nil {
		if he := s.mfaGate(a, 0); he != nil {
			return nil, he
		}
	}
	if a != nil && a.pending() {
		return nil, s.errf(jedenlogin.CodeConsolidationRequired, "consolidation.required")
	}
	return a, nil
}

// apiApply is POST /api/v1/applications: a signed-in person applies with
// their account data; without a session the public form's fields are
// required. 201 with the application ("status":"zlozony"); 400
// bad_request with "fields"; 404 for an unknown entity is a field error;
// 409 conflict for a duplicate; 429 too_many_attempts for too many public
// applications from one address.
func (s *Server) apiApply(w http.ResponseWriter, r *http.Request) error {
	a, err := s.optionalSession(w, r)
	if err != nil {
		return err
	}
	var req applyRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	in := jedenlogin.ApplyInput{EntityID: req.EntityID, Function: req.Function, Scopes: req.Scopes, ValidTo: req.ValidTo,
		Applicant: jedenlogin.Applicant{FirstName: req.FirstName, SecondName: req.SecondName, LastName: req.LastName,
			PESEL: req.PESEL, Email: req.Email, Phone: req.Phone}}
	row, err := s.applications.SubmitApplication(r.Context(), callerOf(a), s.clientAddr(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, applicationBody(&row.App, row.Entity.Name))
	return nil
}

// apiApplications is GET /api/v1/applications: the signed-in person's
// applications; with ?queue=1 one page of the open ones they may decide
// (see apiQueue).
func (s *Server) apiApplications(w http.ResponseWriter, r *http.Request, a *authState) error {
	if r.URL.Query().Get("queue") == "1" {
		return s.apiQueue(w, r, a)
	}
	rows, err := s.applications.MyApplications(r.Context(), a.caller())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"applications": applicationsBody(rows)})
	return nil
}

func applicationsBody(rows []appRow) []applicationJSON {
	out := make([]applicationJSON, 0, len(rows))
	for _, row := range rows {
		out = append(out, applicationBody(&row.App, row.Entity.Name))
	}
	return out
}

// apiQueue is GET /api/v1/applications?queue=1: a page of 50 open
// applications the person may decide, oldest first (?order=newest for
// newest first), chosen by ?page=N (from 1) or by the cursor ?after=ID
// that the previous page gave as next_cursor. The answer has page,
// next_page and next_cursor (null on the last page). A page or cursor that
// is not a number, or out of range, is 400.
func (s *Server) apiQueue(w http.ResponseWriter, r *http.Request, a *authState) error {
	qv := r.URL.Query()
	q := jedenlogin.QueueQuery{Newest: qv.Get("order") == "newest"}
	bad := jedenlogin.NewError(jedenlogin.EINVALID, "queue.bad_page", service.MaxQueuePage)
	if v := qv.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return bad.WithField("page")
		}
		q.Page = n
	}
	if v := qv.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return bad.WithField("after")
		}
		q.After = n
	}
	if o := qv.Get("order"); o != "" && o != "newest" && o != "oldest" {
		return bad.WithField("order")
	}
	p, err := s.applications.ApplicationQueue(r.Context(), a.caller(), q)
	if err != nil {
		return err
	}
	// A page read by cursor has no number.
	var page, nextPage, nextCursor any
	if q.After == 0 {
		page = p.Page
	}
	if p.More {
		nextCursor = strconv.FormatInt(p.Next, 10)
		if q.After == 0 && p.Page < service.MaxQueuePage {
			nextPage = p.Page + 1
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"applications": applicationsBody(p.Rows),
		"page": page, "next_page": nextPage, "next_cursor": nextCursor})
	return nil
}

// apiApplication is GET /api/v1/applications/{id}, for its applicant and
// for those who may decide it; 404 for anybody else.
func (s *Server) apiApplication(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.idParam(r)
	if err != nil {
		return err
	}
	row, err := s.applications.Application(r.Context(), a.caller(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, applicationBody(&row.App, row.Entity.Name))
	return nil
}

// decideApplication is the shape of every status change of the API: the
// id from the path, the body (when body is non-nil) decoded into body,
// then change, answered 200 with the application.
func (s *Server) decideApplication(w http.ResponseWriter, r *http.Request, body any, change func(id int64) (*appRow, error)) error {
	id, err := s.idParam(r)
	if err != nil {
		return err
	}
	if body != nil {
		if err := s.decodeJSON(w, r, body); err != nil {
			return err
		}
	}
	row, err := change(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, applicationBody(&row.App, row.Entity.Name))
	return nil
}

// apiReview is POST /api/v1/applications/{id}/review: mark rozpatrywany.
func (s *Server) apiReview(w http.ResponseWriter, r *http.Request, a *authState) error {
	return s.decideApplication(w, r, nil, func(id int64) (*appRow, error) { return s.applications.ReviewApplication(r.Context(), a.caller(), id) })
}

// apiAccept is POST /api/v1/applications/{id}/accept
// {"identity_confirmed":true}; without the confirmation 422
// identity_not_confirmed.
func (s *Server) apiAccept(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req struct {
		IdentityConfirmed bool `json:"identity_confirmed"`
	}
	return s.decideApplication(w, r, &req, func(id int64) (*appRow, error) {
		return s.applications.AcceptApplication(r.Context(), a.caller(), id, req.IdentityConfirmed)
	})
}

// apiReject is POST /api/v1/applications/{id}/reject {"reason"}.
func (s *Server) apiReject(w http.ResponseWriter, r *http.Request, a *authState) error {
	var req struct {
		Reason string `json:"reason"`
	}
	return s.decideApplication(w, r, &req, func(id int64) (*appRow, error) {
		return s.applications.RejectApplication(r.Context(), a.caller(), id, req.Reason)
	})
}

// apiWithdraw is POST /api/v1/applications/{id}/withdraw, by the applicant.
func (s *Server) apiWithdraw(w http.ResponseWriter, r *http.Request, a *authState) error {
	return s.decideApplication(w, r, nil, func(id int64) (*appRow, error) {
		return s.applications.WithdrawApplication(r.Context(), a.caller(), id)
	})
}

// apiActivate is POST /api/v1/activation/{token} {"new_password"}: 200
// {"login"}; 422 weak_password; 410 link_expired.
func (s *Server) apiActivate(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		NewPassword string `json:"new_password"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	login, err := s.activate(r.Context(), r.PathValue("token"), req.NewPassword, s.clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"login": login})
	return nil
}

// grantJSON is a grant in the answers of the grant endpoints. RevokeReason
// is the reason's wording, RevokeCode its code (applications.RevokeReasons),
// which clients may also send.
type grantJSON struct {
	ID           int64    `json:"grant_id"`
	EntityID     string   `json:"entity_id"`
	EntityName   string   `json:"entity_name"`
	Function     string   `json:"function"`
	Scopes       []string `json:"scopes"`
	ValidTo      *string  `json:"valid_to"`
	Login        string   `json:"login"`
	Revoked      bool     `json:"revoked"`
	RevokeReason string   `json:"revoke_reason,omitempty"`
	RevokeCode   string   `json:"revoke_reason_code,omitempty"`
}

// apiRevokeGrant is POST /api/v1/grants/{id}/revoke {"reason"}: 200 with
// the grant; 403 not_approver; 400 for a reason not on the list (a code
// of applications.RevokeReasons, or its wording).
func (s *Server) apiRevokeGrant(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.idParam(r)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	m, err := s.grants.RevokeGrant(r.Context(), a.caller(), id, jedenlogin.RevokeInput{Reason: req.Reason})
	if err != nil {
		return err
	}
	g := m.Held.Grant
	writeJSON(w, http.StatusOK, grantJSON{ID: g.ID, EntityID: g.EntityID, EntityName: m.Entity.Name, Function: string(g.Function),
		Scopes: nonNil(g.Scopes), ValidTo: dateString(g.ValidTo), Login: m.Held.LoginName, Revoked: true,
		RevokeReason: s.revokeReason(g.RevokeReason), RevokeCode: g.RevokeReason})
	return nil
}

// apiExtendGrant is POST /api/v1/grants/{id}/extend (optional body
// {"valid_to"}): the holder files an extension application; 201 with it.
func (s *Server) apiExtendGrant(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.idParam(r)
	if err != nil {
		return err
	}
	var req struct {
		ValidTo string `json:"valid_to"`
	}
	if r.ContentLength != 0 {
		if err := s.decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	row, err := s.grants.ExtendGrant(r.Context(), a.caller(), id, req.ValidTo)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, applicationBody(&row.App, row.Entity.Name))
	return nil
}

// apiEntities is GET /api/v1/entities?q=…: entities by id prefix or name
// (at most 20), for the application form. Entity names and numbers are
// public registers.
func (s *Server) apiEntities(w http.ResponseWriter, r *http.Request) error {
	ents, err := s.entities.SearchEntities(r.Context(), r.URL.Query().Get("q"))
	if he := jedenlogin.AsError(err); he != nil && he.Code == jedenlogin.EINVALID {
		return he.WithField("q")
	} else if err != nil {
		return err
	}
	type entity struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Kind     string `json:"kind"`
		ParentID string `json:"parent_id"`
	}
	out := make([]entity, 0, len(ents))
	for _, e := range ents {
		out = append(out, entity{ID: e.ID, Name: e.Name, Kind: e.Kind, ParentID: e.ParentID})
	}
	writeJSON(w, http.StatusOK, map[string]any{"entities": out})
	return nil
}
