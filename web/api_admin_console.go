package web

import (
	"net/http"
	"strconv"
	"time"

	"jedenlogin"
)

// The operator console's JSON API (issue 12): the same workflows as the
// console's pages, for tools that script them. Every endpoint needs an
// operator's session (the session cookie, as the rest of the API) or an
// operator token (adminAPIRoutes in api_admin_token.go).

type progressJSON struct {
	Persons int                `json:"persons"`
	Logins  int                `json:"logins"`
	Pending int                `json:"pending"`
	Done    int                `json:"done"`
	Cases   []progressCaseJSON `json:"cases"`
	PerDay  []dayJSON          `json:"consolidations_per_day"`
}

type progressCaseJSON struct {
	Case    jedenlogin.Case `json:"case"`
	Pending int             `json:"pending"`
	Done    int             `json:"done"`
}

type dayJSON struct {
	Day string `json:"day"` // 2026-12-07 (UTC)
	N   int    `json:"consolidated"`
}

// apiAdminProgress is GET /api/v1/admin/progress.
func (s *Server) apiAdminProgress(w http.ResponseWriter, r *http.Request, a *authState) error {
	p, err := s.admin.Progress(r.Context(), a.caller())
	if err != nil {
		return err
	}
	out := progressJSON{Persons: p.Persons, Logins: p.Logins, Pending: p.Pending, Done: p.Done, Cases: []progressCaseJSON{}, PerDay: []dayJSON{}}
	for _, c := range p.Cases {
		out.Cases = append(out.Cases, progressCaseJSON{Case: c.Case, Pending: c.Pending, Done: c.Done})
	}
	for _, d := range p.PerDay {
		out.PerDay = append(out.PerDay, dayJSON{Day: d.Day.Format(time.DateOnly), N: d.N})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type personHitJSON struct {
	ID     int64                  `json:"id"`
	Case   jedenlogin.Case        `json:"case"`
	State  jedenlogin.PersonState `json:"state"`
	Name   string                 `json:"name"`
	Logins []string               `json:"logins"`
}

// apiAdminPersons is GET /api/v1/admin/persons?q=…
func (s *Server) apiAdminPersons(w http.ResponseWriter, r *http.Request, a *authState) error {
	hits, err := s.admin.SearchPersons(r.Context(), a.caller(), r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	out := []personHitJSON{}
	for _, h := range hits {
		out = append(out, personHitJSON{ID: h.Person.ID, Case: h.Person.Case, State: h.Person.State, Name: h.Name, Logins: h.Logins})
	}
	writeJSON(w, http.StatusOK, map[string]any{"persons": out})
	return nil
}

type adminLoginJSON struct {
	Name         string                 `json:"name"`
	State        jedenlogin.LoginState  `json:"state"`
	Origin       jedenlogin.LoginOrigin `json:"origin"`
	Unified      bool                   `json:"unified"`
	MergedInto   string                 `json:"merged_into,omitempty"`
	LastLoginAt  *time.Time             `json:"last_login_at"`
	Failures     int                    `json:"failures"`
	BlockedUntil *time.Time             `json:"blocked_until"`
	Blocked      bool                   `json:"blocked"`
}

type adminGrantJSON struct {
	ID         int64               `json:"id"`
	Login      string              `json:"login"`
	EntityID   string              `json:"entity_id"`
	EntityName string              `json:"entity_name"`
	Function   jedenlogin.Function `json:"function"`
	ValidFrom  *time.Time          `json:"valid_from"`
	ValidTo    *time.Time          `json:"valid_to"`
	Valid      bool                `json:"valid"`
}

type adminSessionJSON struct {
	Login      string    `json:"login"`
	EntityID   string    `json:"entity_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

type auditEventJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Action   string    `json:"action"`
	Actor    string    `json:"actor"`
	PersonID *int64    `json:"person_id"`
	Subject  string    `json:"subject"`
	Address  string    `json:"address"`
	Outcome  string    `json:"outcome"`
	Details  string    `json:"details"`
	PrevHash string    `json:"prev_hash"`
}

func auditJSON(evs []jedenlogin.AuditEvent) []auditEventJSON {
	out := []auditEventJSON{}
	for _, e := range evs {
		out = append(out, auditEventJSON{ID: e.ID, At: e.At, Action: e.Action, Actor: e.Actor, PersonID: e.PersonID,
			Subject: e.Subject, Address: e.Address, Outcome: e.Outcome, Details: e.Details, PrevHash: e.PrevHash})
	}
	return out
}

type personDetailJSON struct {
	ID       int64                  `json:"id"`
	Key      string                 `json:"key"`
	Case     jedenlogin.Case        `json:"case"`
	State    jedenlogin.PersonState `json:"state"`
	Name     string                 `json:"name"`
	Operator bool                   `json:"operator"`
	Account  *accountJSON           `json:"account"`
	Email    string                 `json:"recovery_email"`
	Logins   []adminLoginJSON       `json:"logins"`
	Grants   []adminGrantJSON       `json:"grants"`
	Sessions []adminSessionJSON     `json:"sessions"`
	Audit    []auditEventJSON       `json:"audit"`
}

// apiAdminPerson is GET /api/v1/admin/persons/{id}.
func (s *Server) apiAdminPerson(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.adminPersonID(r, a)
	if err != nil {
		return err
	}
	d, err := s.admin.PersonDetail(r.Context(), a.caller(), id)
	if err != nil {
		return err
	}
	out := personDetailJSON{ID: d.Person.ID, Key: d.Person.Key, Case: d.Person.Case, State: d.Person.State, Name: d.Name,
		Operator: d.Person.Operator, Email: d.Email, Logins: []adminLoginJSON{}, Grants: []adminGrantJSON{}, Sessions: []adminSessionJSON{}, Audit: auditJSON(d.Audit)}
	if d.Person.Account != nil {
		acc := accountOf(&d.Person)
		out.Account = &acc
	}
	for _, l := range d.Logins {
		lj := adminLoginJSON{Name: l.Login.Name, State: l.Login.State, Origin: l.Login.Origin, Unified: l.Unified, MergedInto: l.MergedInto,
			LastLoginAt: l.Login.LastLoginAt, Blocked: l.Blocked}
		if l.Block != nil {
			lj.Failures, lj.BlockedUntil = l.Block.Failures, l.Block.BlockedUntil
		}
		out.Logins = append(out.Logins, lj)
	}
	for _, g := range d.Grants {
		out.Grants = append(out.Grants, adminGrantJSON{ID: g.Grant.ID, Login: g.Login, EntityID: g.Entity.ID, EntityName: g.Entity.Name,
			Function: g.Grant.Function, ValidFrom: g.Grant.ValidFrom, ValidTo: g.Grant.ValidTo, Valid: g.Valid})
	}
	for _, x := range d.Sessions {
		out.Sessions = append(out.Sessions, adminSessionJSON{Login: x.Login, EntityID: x.EntityID, CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt, ExpiresAt: x.ExpiresAt})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// adminPersonID reads {id}; a non-operator gets 403 before a bad id is
// told from a missing person.
func (s *Server) adminPersonID(r *http.Request, a *authState) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		if err := s.operator(a); err != nil {
			return 0, err
		}
		return 0, s.errf(jedenlogin.ENOTFOUND, "error.not_found")
	}
	return id, nil
}

// reasonJSON is the body of an action that needs only a reason.
type reasonJSON struct {
	Reason string `json:"reason"`
}

// apiAdminUnlock is POST /api/v1/admin/logins/{login}/unlock {"reason"}.
func (s *Server) apiAdminUnlock(w http.ResponseWriter, r *http.Request, a *authState) error {
	if err := s.operator(a); err != nil {
		return err
	}
	var in reasonJSON
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	name := r.PathValue("login")
	if err := s.admin.UnblockLogin(r.Context(), a.caller(), name, in.Reason); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"login": name, "unblocked": true})
	return nil
}

// apiAdminEndSessions is POST /api/v1/admin/persons/{id}/sessions/end {"reason"}.
func (s *Server) apiAdminEndSessions(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.adminPersonID(r, a)
	if err != nil {
		return err
	}
	if err := s.operator(a); err != nil {
		return err
	}
	var in reasonJSON
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	n, err := s.admin.EndSessions(r.Context(), a.caller(), id, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ended": n})
	return nil
}

// recoveryJSON is the body of POST /api/v1/admin/persons/{id}/recovery.
type recoveryJSON struct {
	Kind   string `json:"kind"`  // "login" or "password"
	Login  string `json:"login"` // kind password: the login to reset ("" picks it)
	Reason string `json:"reason"`
}

// apiAdminRecovery is POST /api/v1/admin/persons/{id}/recovery.
func (s *Server) apiAdminRecovery(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.adminPersonID(r, a)
	if err != nil {
		return err
	}
	if err := s.operator(a); err != nil {
		return err
	}
	var in recoveryJSON
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	to, err := s.admin.SendRecovery(r.Context(), a.caller(), id, in.Kind, in.Login, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"sent_to": to})
	return nil
}

// contactCorrectionJSON is the body of PUT /api/v1/admin/persons/{id}/contact;
// absent fields stay.
type contactCorrectionJSON struct {
	Email  *string `json:"email"`
	Phone  *string `json:"phone"`
	Reason string  `json:"reason"`
}

// apiAdminContact is PUT /api/v1/admin/persons/{id}/contact.
func (s *Server) apiAdminContact(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.adminPersonID(r, a)
	if err != nil {
		return err
	}
	if err := s.operator(a); err != nil {
		return err
	}
	var in contactCorrectionJSON
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.admin.CorrectContact(r.Context(), a.caller(), id, jedenlogin.ContactCorrection{Email: in.Email, Phone: in.Phone}, in.Reason); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"corrected": true})
	return nil
}

// apiAdminAudit is GET /api/v1/admin/audit?person=&login=&actor=&action=&outcome=&address=&from=&to=&before=&limit=
// — one page newest first; "next" is the cursor (before=) of the next page, null on the last.
func (s *Server) apiAdminAudit(w http.ResponseWriter, r *http.Request, a *authState) error {
	page, err := s.admin.AuditLog(r.Context(), a.caller(), auditQueryOf(r))
	if err != nil {
		return err
	}
	var next *string
	if page.Next > 0 {
		v := strconv.FormatInt(page.Next, 10)
		next = &v
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": auditJSON(page.Events), "next": next})
	return nil
}
