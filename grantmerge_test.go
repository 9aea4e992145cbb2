package jedenlogin_test

import (
	"slices"
	"testing"
	"time"

	"jedenlogin"
)

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

// span is a grant at SP1 as pracownik with the scopes and validity.
// Each grant gets dates of its own.
func span(from, to *time.Time, scopes ...string) jedenlogin.Grant {
	return jedenlogin.Grant{EntityID: "SP1", Function: jedenlogin.FunctionEmployee, Scopes: scopes, ValidFrom: clone(from), ValidTo: clone(to)}
}

func clone(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func fmtDay(t *time.Time) string {
	if t == nil {
		return "unbounded"
	}
	return t.Format(time.DateOnly)
}

func TestGrantMerge(t *testing.T) {
	sep1, jan1, aug31, dec31 := date(2024, 9, 1), date(2025, 1, 1), date(2027, 8, 31), date(2028, 12, 31)
	for _, tc := range []struct {
		name        string
		g, o        jedenlogin.Grant
		want        jedenlogin.Grant
		wantCovered bool // g.Covers(o) before the merge
	}{
		{"the same grant changes nothing", span(sep1, aug31, "sio"), span(sep1, aug31, "sio"), span(sep1, aug31, "sio"), true},
		{"scopes are united, sorted", span(sep1, aug31, "wnioski"), span(sep1, aug31, "sio"), span(sep1, aug31, "sio", "wnioski"), false},
		{"fewer scopes keep the others", span(sep1, aug31, "sio", "wnioski"), span(sep1, aug31, "sio"), span(sep1, aug31, "sio", "wnioski"), true},
		{"a later end extends", span(sep1, aug31), span(sep1, dec31), span(sep1, dec31), false},
		{"an earlier end never shortens", span(sep1, dec31), span(sep1, aug31), span(sep1, dec31), true},
		{"an unbounded end wins", span(sep1, aug31), span(sep1, nil), span(sep1, nil), false},
		{"an unbounded end stays", span(sep1, nil), span(sep1, aug31), span(sep1, nil), true},
		{"an earlier start widens", span(jan1, aug31), span(sep1, aug31), span(sep1, aug31), false},
		{"a later start never narrows", span(sep1, aug31), span(jan1, aug31), span(sep1, aug31), true},
		{"an unbounded start wins", span(sep1, aug31), span(nil, aug31), span(nil, aug31), false},
		{"an unbounded start stays", span(nil, aug31), span(sep1, aug31), span(nil, aug31), true},
		{"both widen at once", span(jan1, aug31, "sio"), span(sep1, dec31, "wnioski"), span(sep1, dec31, "sio", "wnioski"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.g.Covers(&tc.o); got != tc.wantCovered {
				t.Errorf("Covers = %v, want %v", got, tc.wantCovered)
			}
			g, o := tc.g, tc.o
			oFrom, oTo := o.ValidFrom, o.ValidTo
			g.Merge(&o)
			if !slices.Equal(g.Scopes, tc.want.Scopes) && !(len(g.Scopes) == 0 && len(tc.want.Scopes) == 0) {
				t.Errorf("scopes %v, want %v", g.Scopes, tc.want.Scopes)
			}
			if fmtDay(g.ValidFrom) != fmtDay(tc.want.ValidFrom) || fmtDay(g.ValidTo) != fmtDay(tc.want.ValidTo) {
				t.Errorf("validity %s..%s, want %s..%s", fmtDay(g.ValidFrom), fmtDay(g.ValidTo), fmtDay(tc.want.ValidFrom), fmtDay(tc.want.ValidTo))
			}
			if !g.Covers(&tc.o) {
				t.Error("the merged grant does not cover what was merged into it")
			}
			if !g.Covers(&tc.g) {
				t.Error("the merged grant gives less than before")
			}
			// The merged grant owns its dates: changing the other grant's
			// afterwards does not move them.
			if oFrom != nil {
				*oFrom = oFrom.AddDate(-10, 0, 0)
			}
			if oTo != nil {
				*oTo = oTo.AddDate(10, 0, 0)
			}
			if fmtDay(g.ValidFrom) != fmtDay(tc.want.ValidFrom) || fmtDay(g.ValidTo) != fmtDay(tc.want.ValidTo) {
				t.Errorf("validity shares memory with the merged grant: now %s..%s", fmtDay(g.ValidFrom), fmtDay(g.ValidTo))
			}
		})
	}
}

func TestGrantCoversOtherSlot(t *testing.T) {
	g := span(nil, nil, "sio", "wnioski")
	for _, tc := range []struct {
		name string
		o    jedenlogin.Grant
	}{
		{"other entity", jedenlogin.Grant{EntityID: "SP2", Function: jedenlogin.FunctionEmployee}},
		{"other function", jedenlogin.Grant{EntityID: "SP1", Function: jedenlogin.FunctionHead}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if g.Covers(&tc.o) || g.SameSlot(&tc.o) {
				t.Errorf("an unbounded grant at SP1 as pracownik covers %+v", tc.o)
			}
		})
	}
}
