package service_test

import (
	"context"
	"fmt"
	"testing"

	"jedenlogin"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// TestPublicApplicationsCappedPerEntity: at most PublicPendingLimit public
// applications await a decision at one entity; the next is refused with a
// message on the entity field, other entities and signed-in applicants are
// not affected, and a decision makes room again.
func TestPublicApplicationsCappedPerEntity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		ctx := context.Background()
		var first int64
		for i := range service.PublicPendingLimit {
			row, err := e.svc.Applications.SubmitApplication(ctx, nil, fmt.Sprintf("192.0.2.%d", i+1), publicInput())
			if err != nil {
				t.Fatalf("public application %d: %v", i+1, err)
			}
			if i == 0 {
				first = row.App.ID
			}
		}
		_, err := e.svc.Applications.SubmitApplication(ctx, nil, "198.51.100.1", publicInput())
		he := wantCode(t, err, jedenlogin.ECONFLICT)
		if he.Key != "apply.entity_full" || he.Fields["entity_id"].Key != "apply.entity_full" {
			t.Errorf("refusal %+v; want apply.entity_full on entity_id", he)
		}
		sp2 := publicInput()
		sp2.EntityID = "SP2"
		if _, err := e.svc.Applications.SubmitApplication(ctx, nil, "198.51.100.1", sp2); err != nil {
			t.Errorf("public application at another entity: %v", err)
		}
		in := publicInput()
		in.Applicant = jedenlogin.Applicant{}
		if _, err := e.svc.Applications.SubmitApplication(ctx, e.caller("KNOWN"), "198.51.100.2", in); err != nil {
			t.Errorf("signed-in application at the full entity: %v", err)
		}
		if _, err := e.svc.Applications.ReviewApplication(ctx, e.caller("HEAD1"), first); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Applications.SubmitApplication(ctx, nil, "198.51.100.1", publicInput()); err == nil {
			t.Error("an application under review still awaits a decision, yet the cap let another in")
		}
		if _, err := e.svc.Applications.RejectApplication(ctx, e.caller("HEAD1"), first, "nie znam"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Applications.SubmitApplication(ctx, nil, "198.51.100.1", publicInput()); err != nil {
			t.Errorf("public application after a decision made room: %v", err)
		}
	})
}

// TestApplicationQueuePages: the queue comes in pages of 50, oldest first,
// so that what waited longest is not pushed out of sight by newer
// applications; ?page and the cursor give the same pages; newest first on
// request; pages out of range are EINVALID.
func TestApplicationQueuePages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newEnv(t, b)
		ctx := context.Background()
		// 50 public applications (the cap) and one signed-in: 51 open
		// applications at SP1, ids in filing order.
		var ids []int64
		for i := range service.PublicPendingLimit {
			in := publicInput()
			in.Applicant.LastName = fmt.Sprintf("Nowy%d", i)
			row, err := e.svc.Applications.SubmitApplication(ctx, nil, fmt.Sprintf("192.0.2.%d", i+1), in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, row.App.ID)
		}
		in := publicInput()
		in.Applicant = jedenlogin.Applicant{}
		row, err := e.svc.Applications.SubmitApplication(ctx, e.caller("KNOWN"), "198.51.100.2", in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, row.App.ID)
		head := e.caller("HEAD1")
		queue := func(q jedenlogin.QueueQuery) *jedenlogin.QueuePage {
			t.Helper()
			p, err := e.svc.Applications.ApplicationQueue(ctx, head, q)
			if err != nil {
				t.Fatalf("ApplicationQueue(%+v): %v", q, err)
			}
			return p
		}
		got := func(p *jedenlogin.QueuePage) []int64 {
			var out []int64
			for _, r := range p.Rows {
				out = append(out, r.App.ID)
			}
			return out
		}
		p1 := queue(jedenlogin.QueueQuery{})
		if g := got(p1); len(g) != service.QueuePageSize || g[0] != ids[0] || g[len(g)-1] != ids[service.QueuePageSize-1] || !p1.More || p1.Page != 1 {
			t.Errorf("page 1: %d rows from %v, more %v; want the %d oldest from %d", len(g), g[:1], p1.More, service.QueuePageSize, ids[0])
		}
		p2 := queue(jedenlogin.QueueQuery{Page: 2})
		if g := got(p2); len(g) != 1 || g[0] != ids[len(ids)-1] || p2.More {
			t.Errorf("page 2: %v, more %v; want [%d] and no more", g, p2.More, ids[len(ids)-1])
		}
		if g := got(queue(jedenlogin.QueueQuery{After: p1.Next})); len(g) != 1 || g[0] != ids[len(ids)-1] {
			t.Errorf("page after cursor %d: %v; want [%d]", p1.Next, g, ids[len(ids)-1])
		}
		if g := got(queue(jedenlogin.QueueQuery{Newest: true})); len(g) != service.QueuePageSize || g[0] != ids[len(ids)-1] {
			t.Errorf("newest first starts with %v; want %d", g[:1], ids[len(ids)-1])
		}
		if g := got(queue(jedenlogin.QueueQuery{Page: 3})); len(g) != 0 {
			t.Errorf("page 3: %v; want empty", g)
		}
		for _, page := range []int{-1, service.MaxQueuePage + 1} {
			_, err := e.svc.Applications.ApplicationQueue(ctx, head, jedenlogin.QueueQuery{Page: page})
			wantCode(t, err, jedenlogin.EINVALID)
		}
		if p, err := e.svc.Applications.ApplicationQueue(ctx, e.caller("OTHER"), jedenlogin.QueueQuery{}); err != nil || len(p.Rows) != 0 {
			t.Errorf("OTHER's queue %v, %v; want empty", p, err)
		}
	})
}
