package applications_test

import (
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/applications"
)

// now is the tests' clock: a school-year morning.
var now = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func id(n int64) *int64 { return &n }

// Entities: the school SP under the gmina GM under the kuratorium KO (no
// parent); MEN has no parent either.
var (
	entKO = jedenlogin.Entity{ID: "KO", Name: "Kuratorium Oświaty"}
	entGM = jedenlogin.Entity{ID: "GM", Name: "Gmina", ParentID: "KO"}
	entSP = jedenlogin.Entity{ID: "SP", Name: "Szkoła Podstawowa nr 1", ParentID: "GM"}
)

// grantSpec describes one grant of an approver.
type grantSpec struct {
	entity    string
	fn        jedenlogin.Function
	scopes    []string
	from, to  *time.Time
	revokedAt *time.Time
	merged    bool
	login     jedenlogin.LoginState // state of the holding login; "" = active
}

// approver builds a consolidated person (id 100, unified login 1000) with
// the grants; a grant whose login state is not active is held by a login
// of its own in that state.
func approver(operator bool, grants ...grantSpec) *jedenlogin.PersonRecord {
	rec := &jedenlogin.PersonRecord{
		Person: jedenlogin.Person{ID: 100, Key: "pesel:44051401458", State: jedenlogin.StateDone, UnifiedLoginID: id(1000), Operator: operator,
			Account: &jedenlogin.AccountData{FirstName: "Anna", LastName: "Nowak", PESEL: "44051401458"}},
		Logins: []jedenlogin.Login{{ID: 1000, PersonID: 100, Name: "ANNNOW1", State: jedenlogin.LoginActive}},
	}
	for i, g := range grants {
		loginID := int64(1000)
		if g.login != "" && g.login != jedenlogin.LoginActive {
			loginID = int64(2000 + i)
			rec.Logins = append(rec.Logins, jedenlogin.Login{ID: loginID, PersonID: 100, Name: "annnow" + string(rune('a'+i)), State: g.login})
		}
		gr := jedenlogin.Grant{ID: int64(i + 1), LoginID: loginID, EntityID: g.entity, Function: g.fn, Scopes: g.scopes,
			ValidFrom: g.from, ValidTo: g.to, RevokedAt: g.revokedAt, OriginLoginID: loginID}
		if g.merged {
			gr.MergedInto = id(99)
		}
		rec.Grants = append(rec.Grants, gr)
	}
	return rec
}

func application(entity string, fn jedenlogin.Function) *jedenlogin.Application {
	return &jedenlogin.Application{ID: 7, Status: jedenlogin.ApplicationUnderReview, EntityID: entity, Function: fn,
		ApplicantPersonID: id(200), Applicant: jedenlogin.Applicant{FirstName: "Jan", LastName: "Kowalski", PESEL: "02070803628"}}
}

// TestMayDecide is the table of every approver rule of SPEC §9.
func TestMayDecide(t *testing.T) {
	const (
		head    = jedenlogin.FunctionHead
		acting  = jedenlogin.FunctionActingHead
		worker  = jedenlogin.FunctionEmployee
		wnioski = applications.ScopeApplications
	)
	longAgo, later := day(2020, 1, 1), day(2027, 8, 31)
	tests := []struct {
		name   string
		app    *jedenlogin.Application
		entity jedenlogin.Entity
		who    *jedenlogin.PersonRecord
		want   bool
	}{
		// pracownik at E: the head or acting head of E, or scope wnioski at E.
		{"employee: head of the entity", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, to: later}), true},
		{"employee: acting head of the entity", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: acting, to: later}), true},
		{"employee: employee with scope wnioski at the entity", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: worker, scopes: []string{"sio", wnioski}, to: later}), true},
		{"employee: employee without scope wnioski", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: worker, scopes: []string{"sio"}, to: later}), false},
		{"employee: head of the parent does not approve employees", application("SP", worker), entSP, approver(false, grantSpec{entity: "GM", fn: head, to: later}), false},
		{"employee: head of another entity", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP2", fn: head, to: later}), false},
		{"employee: scope wnioski at another entity", application("SP", worker), entSP, approver(false, grantSpec{entity: "GM", fn: worker, scopes: []string{wnioski}, to: later}), false},
		{"employee: an operator without a grant there", application("SP", worker), entSP, approver(true), false},
		{"employee at an entity without a parent: its head", application("KO", worker), entKO, approver(false, grantSpec{entity: "KO", fn: head}), true},
		{"employee at an entity without a parent: an operator is not enough", application("KO", worker), entKO, approver(true), false},

		// kierownik / po_kierownika at E: the same people at E's parent.
		{"head: head of the parent", application("SP", head), entSP, approver(false, grantSpec{entity: "GM", fn: head, to: later}), true},
		{"head: acting head of the parent", application("SP", head), entSP, approver(false, grantSpec{entity: "GM", fn: acting, to: later}), true},
		{"head: scope wnioski at the parent", application("SP", head), entSP, approver(false, grantSpec{entity: "GM", fn: worker, scopes: []string{wnioski}, to: later}), true},
		{"head: employee of the parent without wnioski", application("SP", head), entSP, approver(false, grantSpec{entity: "GM", fn: worker, scopes: []string{"sio"}, to: later}), false},
		{"acting head: head of the parent", application("SP", acting), entSP, approver(false, grantSpec{entity: "GM", fn: head, to: later}), true},
		{"head: the entity's own head does not approve heads", application("SP", head), entSP, approver(false, grantSpec{entity: "SP", fn: head, to: later}), false},
		{"head: scope wnioski at the entity itself", application("SP", acting), entSP, approver(false, grantSpec{entity: "SP", fn: worker, scopes: []string{wnioski}, to: later}), false},
		{"head: head of the grandparent", application("SP", head), entSP, approver(false, grantSpec{entity: "KO", fn: head}), false},
		{"head: an operator where there is a parent", application("SP", head), entSP, approver(true), false},

		// An entity without a parent: an operator.
		{"head at an entity without a parent: operator", application("KO", head), entKO, approver(true), true},
		{"acting head at an entity without a parent: operator", application("KO", acting), entKO, approver(true), true},
		{"head at an entity without a parent: its own head is not an operator", application("KO", head), entKO, approver(false, grantSpec{entity: "KO", fn: head}), false},

		// Only grants valid today count.
		{"expired grant", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, to: day(2026, 3, 9)}), false},
		{"grant ending today still counts", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, to: day(2026, 3, 10)}), true},
		{"grant not valid yet", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, from: day(2026, 3, 11), to: later}), false},
		{"grant valid since today", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, from: day(2026, 3, 10), to: later}), true},
		{"revoked grant", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, from: longAgo, to: later, revokedAt: &now}), false},
		{"revoked grant of the parent", application("SP", head), entSP, approver(false, grantSpec{entity: "GM", fn: head, revokedAt: day(2026, 1, 1)}), false},
		{"merged duplicate grant", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, to: later, merged: true}), false},
		{"grant of a merged login", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, to: later, login: jedenlogin.LoginMerged}), false},
		{"grant of an inactive login", application("SP", worker), entSP, approver(false, grantSpec{entity: "SP", fn: head, to: later, login: jedenlogin.LoginInactive}), false},
		{"a valid grant next to a revoked one", application("SP", worker), entSP, approver(false,
			grantSpec{entity: "SP", fn: head, revokedAt: day(2026, 1, 1)}, grantSpec{entity: "SP", fn: worker, scopes: []string{wnioski}, to: later}), true},

		// Nobody decides their own application.
		{"own application", func() *jedenlogin.Application {
			a := application("SP", worker)
			a.ApplicantPersonID = id(100)
			return a
		}(), entSP, approver(false, grantSpec{entity: "SP", fn: worker, scopes: []string{wnioski}, to: later}), false},
		{"own application through the public form (same PESEL)", func() *jedenlogin.Application {
			a := application("SP", worker)
			a.ApplicantPersonID = nil
			a.Applicant.PESEL = "44051401458"
			return a
		}(), entSP, approver(false, grantSpec{entity: "SP", fn: head, to: later}), false},
		{"no approver", application("SP", worker), entSP, nil, false},
		{"entity is not the application's", application("SP", worker), entGM, approver(false, grantSpec{entity: "GM", fn: head}), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := applications.MayDecide(tc.who, tc.app, tc.entity, now); got != tc.want {
				t.Errorf("MayDecide = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMayManage: revoking a grant follows the approval rule of its
// function; nobody revokes their own grant.
func TestMayManage(t *testing.T) {
	later := day(2027, 8, 31)
	headSP := approver(false, grantSpec{entity: "SP", fn: jedenlogin.FunctionHead, to: later})
	headGM := approver(false, grantSpec{entity: "GM", fn: jedenlogin.FunctionHead, to: later})
	tests := []struct {
		name   string
		who    *jedenlogin.PersonRecord
		g      jedenlogin.Grant
		holder int64
		e      jedenlogin.Entity
		want   bool
	}{
		{"head revokes an employee's grant", headSP, jedenlogin.Grant{EntityID: "SP", Function: jedenlogin.FunctionEmployee}, 200, entSP, true},
		{"head may not revoke the other head's grant", headSP, jedenlogin.Grant{EntityID: "SP", Function: jedenlogin.FunctionActingHead}, 200, entSP, false},
		{"parent's head revokes the head's grant", headGM, jedenlogin.Grant{EntityID: "SP", Function: jedenlogin.FunctionHead}, 200, entSP, true},
		{"parent's head may not revoke an employee's grant", headGM, jedenlogin.Grant{EntityID: "SP", Function: jedenlogin.FunctionEmployee}, 200, entSP, false},
		{"own grant", headSP, jedenlogin.Grant{EntityID: "SP", Function: jedenlogin.FunctionEmployee}, 100, entSP, false},
		{"operator revokes a head at an entity without a parent", approver(true), jedenlogin.Grant{EntityID: "KO", Function: jedenlogin.FunctionHead}, 200, entKO, true},
		{"wrong entity", headSP, jedenlogin.Grant{EntityID: "SP", Function: jedenlogin.FunctionEmployee}, 200, entGM, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := applications.MayManage(tc.who, tc.g, tc.holder, tc.e, now); got != tc.want {
				t.Errorf("MayManage = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueueFilter(t *testing.T) {
	later := day(2027, 8, 31)
	rec := approver(false,
		grantSpec{entity: "SP", fn: jedenlogin.FunctionHead, to: later},
		grantSpec{entity: "GM", fn: jedenlogin.FunctionEmployee, scopes: []string{"wnioski"}, to: later},
		grantSpec{entity: "SP2", fn: jedenlogin.FunctionEmployee, scopes: []string{"sio"}, to: later},
		grantSpec{entity: "SP3", fn: jedenlogin.FunctionHead, to: day(2025, 1, 1)},
	)
	f, ok := applications.QueueFilter(rec, now)
	if !ok {
		t.Fatal("an approver has no queue")
	}
	if got := f.Entities; len(got) != 2 || got[0] != "GM" || got[1] != "SP" {
		t.Errorf("Entities = %v, want [GM SP]", got)
	}
	if f.Parentless {
		t.Error("a non-operator sees applications at entities without a parent")
	}
	if len(f.Statuses) != 2 {
		t.Errorf("Statuses = %v, want the open ones", f.Statuses)
	}
	if _, ok := applications.QueueFilter(approver(false, grantSpec{entity: "SP", fn: jedenlogin.FunctionEmployee}), now); ok {
		t.Error("an employee without wnioski has a queue")
	}
	if f, ok := applications.QueueFilter(approver(true), now); !ok || !f.Parentless {
		t.Error("an operator has no queue of applications at entities without a parent")
	}
}
