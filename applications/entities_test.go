package applications_test

import (
	"context"
	"errors"
	"testing"

	"jedenlogin"
	"jedenlogin/applications"
)

// entityMap is an EntityReader over a map.
type entityMap map[string]jedenlogin.Entity

func (m entityMap) Entities(_ context.Context, ids []string) ([]jedenlogin.Entity, error) {
	var out []jedenlogin.Entity
	for _, id := range ids {
		if e, ok := m[id]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// TestRuleEntities: a parent missing from the database counts as none
// (an operator approves the heads), a parent that exists stays.
func TestRuleEntities(t *testing.T) {
	db := entityMap{
		"GM1": {ID: "GM1", Name: "Gmina"},
		"SP1": {ID: "SP1", Name: "SP 1", ParentID: "GM1"},
		"SP2": {ID: "SP2", Name: "SP 2", ParentID: "GONE"},
		"SP3": {ID: "SP3", Name: "SP 3", ParentID: "SP1"},
	}
	for _, tc := range []struct {
		name       string
		id         string
		wantParent string
	}{
		{"parent in the database", "SP1", "GM1"},
		{"parent missing", "SP2", ""},
		{"parent loaded with it", "SP3", "SP1"},
		{"no parent", "GM1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := applications.RuleEntity(context.Background(), db, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if e.ParentID != tc.wantParent {
				t.Errorf("parent of %s = %q, want %q", tc.id, e.ParentID, tc.wantParent)
			}
		})
	}
	ents, err := applications.RuleEntities(context.Background(), db, []string{"SP1", "SP3", "NOPE"})
	if err != nil || len(ents) != 2 || ents[0].ParentID != "GM1" || ents[1].ParentID != "SP1" {
		t.Errorf("RuleEntities = %+v, %v", ents, err)
	}
	if _, err := applications.RuleEntity(context.Background(), db, "NOPE"); !errors.Is(err, jedenlogin.ErrNotFound) {
		t.Errorf("missing entity: %v, want ErrNotFound", err)
	}
	// MayDecide with the rule's view: a head at SP2 (parent missing) is
	// the operator's.
	op := &jedenlogin.PersonRecord{Person: jedenlogin.Person{ID: 9, Operator: true}}
	e, _ := applications.RuleEntity(context.Background(), db, "SP2")
	app := &jedenlogin.Application{EntityID: "SP2", Function: jedenlogin.FunctionHead}
	if !applications.MayDecide(op, app, *e, now) {
		t.Error("an operator may not decide a head at an entity whose parent is missing")
	}
}
