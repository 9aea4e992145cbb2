package web

import (
	"net/http"
	"strconv"
	"time"

	"jedenlogin"
)

// applicantJSON is the "applicant" object: the application data.
type applicantJSON struct {
	FirstName  string `json:"first_name"`
	SecondName string `json:"second_name"`
	LastName   string `json:"last_name"`
	PESEL      string `json:"pesel"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
}

// applicationJSON is an application in the API.
type applicationJSON struct {
	ID                int64         `json:"id"`
	Status            string        `json:"status"`
	EntityID          string        `json:"entity_id"`
	EntityName        string        `json:"entity_name"`
	Function          string        `json:"function"`
	Scopes            []string      `json:"scopes"`
	ValidTo           *string       `json:"valid_to"`
	ExtendsGrantID    *int64        `json:"extends_grant_id"`
	Applicant         applicantJSON `json:"applicant"`
	CreatedAt         time.Time     `json:"created_at"`
	ReviewedBy        string        `json:"reviewed_by,omitempty"`
	DecidedBy         string        `json:"decided_by,omitempty"`
	DecidedAt         *time.Time    `json:"decided_at,omitempty"`
	IdentityConfirmed bool          `json:"identity_confirmed"`
	Reason            string        `json:"reason,omitempty"`
	GrantID           *int64        `json:"grant_id,omitempty"`
}

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	d := t.UTC().Format(time.DateOnly)
	return &d
}

func applicationBody(a *jedenlogin.Application, entityName string) applicationJSON {
	p := a.Applicant
	return applicationJSON{
		ID: a.ID, Status: string(a.Status), EntityID: a.EntityID, EntityName: entityName, Function: string(a.Function),
		Scopes: nonNil(a.Scopes), ValidTo: dateString(a.ValidTo), ExtendsGrantID: a.ExtendsGrantID,
		Applicant: applicantJSON{FirstName: p.FirstName, SecondName: p.SecondName, LastName: p.LastName, PESEL: p.PESEL, Email: p.Email, Phone: p.Phone},
		CreatedAt: a.CreatedAt, ReviewedBy: a.ReviewedBy, DecidedBy: a.DecidedBy, DecidedAt: a.DecidedAt,
		IdentityConfirmed: a.IdentityConfirmed, Reason: a.Reason, GrantID: a.GrantID,
	}
}

// appRow is an application with its entity, for pages and lists.
type appRow = jedenlogin.ApplicationRow

// idParam parses the {id} path value; 404 not_found when it is not a positive number.
func (s *Server) idParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, s.errf(jedenlogin.ENOTFOUND, "error.not_found")
	}
	return id, nil
}

// fieldErrors maps form fields to Polish messages.
type fieldErrors map[string]string

// invalidForm is the 400 answer of a form with field errors: the message
// "Popraw błędy w formularzu." and "fields" naming each problem. Only the
// activation (web/activation.go) still builds one here; the services
// answer with jedenlogin.Error.Fields (see fieldMessages).
func (s *Server) invalidForm(fields fieldErrors) *jedenlogin.Error {
	he := s.errf(jedenlogin.EINVALID, "form.has_errors")
	he.Extra = map[string]any{"fields": map[string]string(fields)}
	return he
}

// fieldMessages translates an error's field messages (Error.Fields), by
// field name; nil when there are none. Pages show them at their fields,
// the JSON API as "fields".
func (s *Server) fieldMessages(he *jedenlogin.Error) map[string]string {
	if len(he.Fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(he.Fields))
	for k, t := range he.Fields {
		out[k] = s.text(t)
	}
	return out
}
