package web

import (
	"context"
	"time"

	"jedenlogin"
)

// accountJSON is the "account" object of the API: the person's account
// data ("uniwersalne dane konta"). The PESEL is not sent.
type accountJSON struct {
	FirstName  string `json:"first_name"`
	SecondName string `json:"second_name"`
	LastName   string `json:"last_name"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
}

func accountOf(p *jedenlogin.Person) accountJSON {
	if p.Account == nil {
		return accountJSON{}
	}
	a := p.Account
	return accountJSON{FirstName: a.FirstName, SecondName: a.SecondName, LastName: a.LastName, Email: a.Email, Phone: a.Phone}
}

// entityJSON is one element of "entities": a grant of the unified login.
type entityJSON struct {
	GrantID  int64    `json:"grant_id"`
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Function string   `json:"function"`
	Scopes   []string `json:"scopes"`
	ValidTo  *string  `json:"valid_to"`
	Valid    bool     `json:"valid"`
}

// entityRow is a grant of the unified login with its entity, for the API
// and the PODMIOTY page.
type entityRow = jedenlogin.EntityRow

// entitiesOf is service.EntitiesOf: the grants held by login loginID of
// rec, with their entities, as the entity list shows them.
func (s *Server) entitiesOf(ctx context.Context, rec *jedenlogin.PersonRecord, loginID int64, _ time.Time) ([]entityRow, error) {
	return s.entities.EntitiesOf(ctx, rec, loginID)
}

func entitiesJSON(rows []entityRow) []entityJSON {
	out := make([]entityJSON, 0, len(rows))
	for _, r := range rows {
		e := entityJSON{
			GrantID: r.Grant.ID, ID: r.Entity.ID, Name: r.Entity.Name, Function: string(r.Grant.Function),
			Scopes: nonNil(r.Grant.Scopes), Valid: r.Valid,
		}
		if r.Grant.ValidTo != nil {
			d := r.Grant.ValidTo.UTC().Format(time.DateOnly)
			e.ValidTo = &d
		}
		out = append(out, e)
	}
	return out
}
