package jedenlogin

import (
	"slices"
	"time"
)

// SameSlot reports whether grants g and o are at the same entity with the
// same function: the grants a login may hold only once, so a second one is
// merged into the first instead of being kept beside it.
func (g *Grant) SameSlot(o *Grant) bool {
	return g.EntityID == o.EntityID && g.Function == o.Function
}

// Merge widens g so that it gives everything o gives as well: the union of
// the scopes, the earlier start and the later end of validity (nil is
// unbounded and wins). Merge never narrows g: a grant merged into never
// loses a scope or a day. It does not look at the entity, function, holder
// or state of either grant; callers merge only open grants of one slot
// (SameSlot). This is the one grant-merge rule of jedenlogin: consolidation,
// the import and acceptance of an application all use it.
func (g *Grant) Merge(o *Grant) {
	g.Scopes = NormalizeScopes(append(append(make([]string, 0, len(g.Scopes)+len(o.Scopes)), g.Scopes...), o.Scopes...))
	if g.ValidFrom != nil && (o.ValidFrom == nil || o.ValidFrom.Before(*g.ValidFrom)) {
		g.ValidFrom = cloneTime(o.ValidFrom)
	}
	if g.ValidTo != nil && (o.ValidTo == nil || o.ValidTo.After(*g.ValidTo)) {
		g.ValidTo = cloneTime(o.ValidTo)
	}
}

// Covers reports whether g, at the same slot as o (SameSlot), already gives
// everything o gives — every scope of o and a validity at least as long —
// that is, whether merging o into g (Merge) would change nothing.
func (g *Grant) Covers(o *Grant) bool {
	if !g.SameSlot(o) {
		return false
	}
	w := *g
	w.Merge(o)
	return slices.Equal(w.Scopes, NormalizeScopes(g.Scopes)) && sameTime(w.ValidFrom, g.ValidFrom) && sameTime(w.ValidTo, g.ValidTo)
}

// sameTime reports whether a and b are both nil or the same instant.
func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := *t
	return &v
}
