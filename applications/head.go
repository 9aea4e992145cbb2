package applications

import (
	"slices"
	"time"

	"jedenlogin"
)

// Day returns t's date as UTC midnight, the form grant dates take.
func Day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// span is a validity period [from, end): end is exclusive (the day after
// ValidTo); a zero from or end is unbounded.
type span struct{ from, end time.Time }

func spanOf(from, to *time.Time) span {
	var s span
	if from != nil {
		s.from = *from
	}
	if to != nil {
		s.end = to.AddDate(0, 0, 1)
	}
	return s
}

func (a span) overlaps(b span) bool {
	return (a.end.IsZero() || b.from.IsZero() || b.from.Before(a.end)) &&
		(b.end.IsZero() || a.from.IsZero() || a.from.Before(b.end))
}

// HeadConflict reports whether a grant with function f at entity entityID,
// valid from from through to (dates; nil = unbounded), would break the head
// rule of SPEC §9: at most one active kierownik and one active po_kierownika
// per entity with overlapping validity. It looks for another grant among
// grants with the same function at the same entity that is active — not
// merged, not revoked by now — whose validity overlaps; grants whose ids
// are in except (the grant being extended or merged into) do not count.
// The employee function never conflicts.
func HeadConflict(grants []jedenlogin.Grant, entityID string, f jedenlogin.Function, from, to *time.Time, now time.Time, except ...int64) bool {
	if !isHead(f) {
		return false
	}
	want := spanOf(from, to)
	for _, g := range grants {
		if g.EntityID != entityID || g.Function != f || g.MergedInto != nil || slices.Contains(except, g.ID) {
			continue
		}
		have := spanOf(g.ValidFrom, g.ValidTo)
		if g.RevokedAt != nil {
			if !g.RevokedAt.After(now) {
				continue
			}
			have.end = *g.RevokedAt
		}
		if want.overlaps(have) {
			return true
		}
	}
	return false
}
