package applications_test

import (
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
	"jedenlogin/locale"
)

func TestHeadConflict(t *testing.T) {
	head, acting, worker := jedenlogin.FunctionHead, jedenlogin.FunctionActingHead, jedenlogin.FunctionEmployee
	today := applications.Day(now)
	in5y := day(2031, 3, 10)
	existing := func(fn jedenlogin.Function, from, to *time.Time) jedenlogin.Grant {
		return jedenlogin.Grant{ID: 1, EntityID: "SP", Function: fn, ValidFrom: from, ValidTo: to}
	}
	tests := []struct {
		name     string
		have     jedenlogin.Grant
		fn       jedenlogin.Function
		from, to *time.Time
		except   []int64
		want     bool
	}{
		{"second head with overlapping validity", existing(head, day(2024, 9, 1), day(2027, 8, 31)), head, &today, in5y, nil, true},
		{"second acting head", existing(acting, nil, nil), acting, &today, in5y, nil, true},
		{"head next to an acting head", existing(acting, nil, day(2027, 8, 31)), head, &today, in5y, nil, false},
		{"acting head next to a head", existing(head, nil, day(2027, 8, 31)), acting, &today, in5y, nil, false},
		{"employees never conflict", existing(worker, nil, nil), worker, &today, in5y, nil, false},
		{"an employee next to a head", existing(head, nil, nil), worker, &today, in5y, nil, false},
		{"unbounded head and a new bounded one", existing(head, nil, nil), head, &today, in5y, nil, true},
		{"new unbounded head and a bounded one", existing(head, nil, day(2026, 6, 30)), head, &today, nil, nil, true},
		{"previous head ended yesterday", existing(head, nil, day(2026, 3, 9)), head, &today, in5y, nil, false},
		{"previous head ends today", existing(head, nil, day(2026, 3, 10)), head, &today, in5y, nil, true},
		{"next head starts after the new one ends", existing(head, day(2028, 9, 1), nil), head, &today, day(2028, 8, 31), nil, false},
		{"next head starts on the new one's last day", existing(head, day(2028, 8, 31), nil), head, &today, day(2028, 8, 31), nil, true},
		{"revoked head", func() jedenlogin.Grant {
			g := existing(head, nil, nil)
			g.RevokedAt = day(2026, 3, 1)
			return g
		}(), head, &today, in5y, nil, false},
		{"revoked this very moment", func() jedenlogin.Grant {
			g := existing(head, nil, nil)
			g.RevokedAt = &now
			return g
		}(), head, &today, in5y, nil, false},
		{"merged duplicate", func() jedenlogin.Grant {
			g := existing(head, nil, nil)
			g.MergedInto = id(9)
			return g
		}(), head, &today, in5y, nil, false},
		{"head of another entity", func() jedenlogin.Grant {
			g := existing(head, nil, nil)
			g.EntityID = "SP2"
			return g
		}(), head, &today, in5y, nil, false},
		{"the grant being extended does not count", existing(head, nil, day(2026, 5, 31)), head, &today, in5y, []int64{1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := applications.HeadConflict([]jedenlogin.Grant{tc.have}, "SP", tc.fn, tc.from, tc.to, now, tc.except...)
			if got != tc.want {
				t.Errorf("HeadConflict = %v, want %v", got, tc.want)
			}
		})
	}
	if applications.HeadConflict(nil, "SP", head, &today, nil, now) {
		t.Error("a head conflicts with nobody")
	}
}

func TestHeadConflictMessage(t *testing.T) {
	const want = "W podmiocie nie mogą istnieć 2 wnioski z funkcją kierownik lub p.o. kierownika z nachodzącym na siebie okresem ważności upoważnienia."
	if got := locale.Polish.Error(applications.ErrHeadConflict); got != want {
		t.Errorf("message %q, want SPEC §9's %q", got, want)
	}
	if jedenlogin.ErrorCode(applications.ErrHeadConflict) != jedenlogin.CodeHeadConflict {
		t.Error("a head conflict does not carry its own code")
	}
}
