package web

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
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
type entityRow struct {
	Grant  jedenlogin.Grant
	Entity jedenlogin.Entity
	Valid  bool
	// NotYet: not valid yet (ValidFrom in the future).
	NotYet bool
	// Extendable: within 3 months before or after the end of validity,
	// when PRZEDŁUŻ is offered.
	Extendable bool
}

// entitiesOf returns the grants held by login loginID of rec — not merged
// as duplicates, not revoked — with their entities, sorted by entity name
// (then id, then function). Expired grants are listed with Valid false.
func (s *Server) entitiesOf(ctx context.Context, rec *jedenlogin.PersonRecord, loginID int64, now time.Time) ([]entityRow, error) {
	var rows []entityRow
	var ids []string
	for _, g := range rec.Grants {
		if g.LoginID != loginID || !listed(&g, now) {
			continue
		}
		rows = append(rows, newEntityRow(g, jedenlogin.Entity{ID: g.EntityID, Name: g.EntityID}, now))
		ids = append(ids, g.EntityID)
	}
	if len(ids) > 0 {
		slices.Sort(ids)
		ents, err := s.st.Entities(ctx, slices.Compact(ids))
		if err != nil {
			return nil, fmt.Errorf("load entities: %w", err)
		}
		byID := make(map[string]jedenlogin.Entity, len(ents))
		for _, e := range ents {
			byID[e.ID] = e
		}
		for i := range rows {
			if e, ok := byID[rows[i].Grant.EntityID]; ok {
				rows[i].Entity = e
			}
		}
	}
	sortEntityRows(rows)
	return rows, nil
}

// grantRows is entitiesOf for grants of one login read with their
// entities (authState.grants on a lightRoute).
func grantRows(gvs []jedenlogin.GrantView, now time.Time) []entityRow {
	rows := make([]entityRow, 0, len(gvs))
	for _, gv := range gvs {
		if !listed(&gv.Grant, now) {
			continue
		}
		e := gv.Entity
		if e.Name == "" {
			e.Name = e.ID
		}
		rows = append(rows, newEntityRow(gv.Grant, e, now))
	}
	sortEntityRows(rows)
	return rows
}

// listed reports whether a grant of the login appears in its entity list:
// not merged as a duplicate, not revoked (expired ones are listed).
func listed(g *jedenlogin.Grant, now time.Time) bool {
	return g.MergedInto == nil && (g.RevokedAt == nil || g.RevokedAt.After(now))
}

func newEntityRow(g jedenlogin.Grant, e jedenlogin.Entity, now time.Time) entityRow {
	row := entityRow{Grant: g, Entity: e, Valid: g.ValidAt(now)}
	row.NotYet = !row.Valid && g.ValidFrom != nil && now.Before(*g.ValidFrom)
	row.Extendable = applications.Extendable(&row.Grant, now)
	return row
}

// sortEntityRows sorts by entity name, then id, then function and grant.
func sortEntityRows(rows []entityRow) {
	slices.SortFunc(rows, func(a, b entityRow) int {
		return cmp.Or(cmp.Compare(a.Entity.Name, b.Entity.Name), cmp.Compare(a.Entity.ID, b.Entity.ID),
			cmp.Compare(a.Grant.Function, b.Grant.Function), cmp.Compare(a.Grant.ID, b.Grant.ID))
	})
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

// canActFor reports whether the login holds a grant valid now at the entity.
func canActFor(rows []entityRow, entityID string) bool {
	return slices.ContainsFunc(rows, func(r entityRow) bool { return r.Valid && r.Entity.ID == entityID })
}
