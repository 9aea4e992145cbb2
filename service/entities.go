package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"jedenlogin"
	"jedenlogin/applications"
)

// EntitiesOf returns the grants held by login loginID of rec — not merged
// as duplicates, not revoked — with their entities, sorted by entity name
// (then id, then function). Expired grants are listed with Valid false; an
// entity missing from the database shows its id as its name. Errors are
// internal.
func (s *Entities) EntitiesOf(ctx context.Context, rec *jedenlogin.PersonRecord, loginID int64) ([]jedenlogin.EntityRow, error) {
	now := s.now()
	var rows []jedenlogin.EntityRow
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
			return nil, s.internal(fmt.Errorf("load entities: %w", err))
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

// GrantViewRows is EntitiesOf for the grants of one login read with their
// entities (Caller.Grants, the session view): no store access.
func GrantViewRows(gvs []jedenlogin.GrantView, now time.Time) []jedenlogin.EntityRow {
	rows := make([]jedenlogin.EntityRow, 0, len(gvs))
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

func newEntityRow(g jedenlogin.Grant, e jedenlogin.Entity, now time.Time) jedenlogin.EntityRow {
	row := jedenlogin.EntityRow{Grant: g, Entity: e, Valid: g.ValidAt(now)}
	row.NotYet = !row.Valid && g.ValidFrom != nil && now.Before(*g.ValidFrom)
	row.Extendable = applications.Extendable(&row.Grant, now)
	return row
}

// sortEntityRows sorts by entity name, then id, then function and grant.
func sortEntityRows(rows []jedenlogin.EntityRow) {
	slices.SortFunc(rows, func(a, b jedenlogin.EntityRow) int {
		return cmp.Or(cmp.Compare(a.Entity.Name, b.Entity.Name), cmp.Compare(a.Entity.ID, b.Entity.ID),
			cmp.Compare(a.Grant.Function, b.Grant.Function), cmp.Compare(a.Grant.ID, b.Grant.ID))
	})
}

// SelectEntity binds the caller's session to the entity (the session acts
// for it) after checking that the caller's login holds a grant valid now
// at it, and audits the choice (entity_selected). c.Session.EntityID is
// updated. Errors: EFORBIDDEN (entities.no_grant) without a valid grant;
// internal otherwise. The Store has no method writing a session change
// and an audit event in one transaction, so the event is appended right
// after the change.
func (s *Entities) SelectEntity(ctx context.Context, c *jedenlogin.Caller, entityID string) error {
	now := s.now()
	rows, err := s.EntitiesOf(ctx, c.Record, c.Login.ID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(rows, func(r jedenlogin.EntityRow) bool { return r.Valid && r.Entity.ID == entityID }) {
		return s.errf(jedenlogin.EFORBIDDEN, "entities.no_grant")
	}
	ev := jedenlogin.AuditEvent{
		At: now, Action: jedenlogin.AuditEntitySelected, Actor: c.Login.Name, PersonID: &c.Person.ID,
		Subject: "entity:" + entityID, Address: c.Addr, Outcome: "ok",
	}
	if err := s.st.TouchSession(ctx, c.Session.IDHash, now, &entityID, ev); err != nil {
		return s.internal(fmt.Errorf("select entity: %w", err))
	}
	c.Session.EntityID = entityID
	return nil
}

// maxEntityResults bounds an entity search.
const maxEntityResults = 20

// MaxEntityQuery is the longest entity search, in characters: longer than
// any entity name, and short enough that the database's pattern stays
// simple (a 12,600-character query made SQLite refuse the GLOB as "too
// complex").
const MaxEntityQuery = 100

// SearchEntities returns up to 20 entities whose id starts with query or
// whose name contains it, by name, for the application form (entity names
// and numbers are public registers). A query longer than MaxEntityQuery
// characters is EINVALID (entities.query_too_long); other errors are
// internal.
func (s *Entities) SearchEntities(ctx context.Context, query string) ([]jedenlogin.Entity, error) {
	if utf8.RuneCountInString(query) > MaxEntityQuery {
		return nil, s.errf(jedenlogin.EINVALID, "entities.query_too_long", MaxEntityQuery)
	}
	ents, err := s.st.SearchEntities(ctx, query, maxEntityResults)
	if err != nil {
		return nil, s.internal(fmt.Errorf("search entities: %w", err))
	}
	return ents, nil
}

// Entity returns one entity. Errors: ENOTFOUND (jedenlogin.ErrNotFound)
// when there is none; internal otherwise.
func (s *Entities) Entity(ctx context.Context, id string) (*jedenlogin.Entity, error) {
	e, err := s.st.Entity(ctx, id)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, jedenlogin.ErrNotFound
	} else if err != nil {
		return nil, s.internal(fmt.Errorf("entity %s: %w", id, err))
	}
	return e, nil
}
