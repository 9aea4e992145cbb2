package applications

import (
	"context"
	"fmt"
	"slices"

	"jedenlogin"
)

// EntityReader reads entities by id; jedenlogin.Store is one.
type EntityReader interface {
	// Entities returns the entities with the given ids that exist.
	Entities(ctx context.Context, ids []string) ([]jedenlogin.Entity, error)
}

// RuleEntities returns the entities with these ids that exist, as the
// approval rules (MayDecide, MayManage) must see them: a parent that is
// not in the database counts as none, so an operator approves the
// entity's heads until the parent is imported (the import warns about it
// in these words). Errors are the reader's, wrapped.
func RuleEntities(ctx context.Context, r EntityReader, ids []string) ([]jedenlogin.Entity, error) {
	ents, err := r.Entities(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("entities: %w", err)
	}
	known := map[string]bool{}
	for _, e := range ents {
		known[e.ID] = true
	}
	var parents []string
	for _, e := range ents {
		if e.ParentID != "" && !known[e.ParentID] {
			parents = append(parents, e.ParentID)
		}
	}
	if len(parents) > 0 {
		slices.Sort(parents)
		found, err := r.Entities(ctx, slices.Compact(parents))
		if err != nil {
			return nil, fmt.Errorf("parent entities: %w", err)
		}
		for _, e := range found {
			known[e.ID] = true
		}
	}
	for i := range ents {
		if ents[i].ParentID != "" && !known[ents[i].ParentID] {
			ents[i].ParentID = ""
		}
	}
	return ents, nil
}

// RuleEntity is RuleEntities for one entity; an error wrapping
// jedenlogin.ErrNotFound when it does not exist.
func RuleEntity(ctx context.Context, r EntityReader, id string) (*jedenlogin.Entity, error) {
	ents, err := RuleEntities(ctx, r, []string{id})
	if err != nil {
		return nil, err
	}
	if len(ents) == 0 {
		return nil, fmt.Errorf("entity %s: %w", id, jedenlogin.ErrNotFound)
	}
	return &ents[0], nil
}
