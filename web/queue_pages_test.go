package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"jedenlogin"
	"jedenlogin/service"
	"jedenlogin/store/storetest"
)

// TestQueuePaging: with more open applications than a page holds, the
// approver's Wnioski shows the 50 oldest with a link to the next page, the
// next page the rest with a link back; the JSON queue pages by ?page and by
// the cursor it hands out; a page that is not a number is 400.
func TestQueuePaging(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b storetest.Backend) {
		e := newAppEnv(t, b)
		ctx := context.Background()
		var ids []int64
		for i := range service.QueuePageSize + 3 {
			a := &jedenlogin.Application{Status: jedenlogin.ApplicationSubmitted, EntityID: "SP1", Function: jedenlogin.FunctionEmployee,
				Scopes: []string{"sio"}, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(),
				Applicant: jedenlogin.Applicant{FirstName: "Jan", LastName: fmt.Sprintf("Wnioskujący%d", i), PESEL: peselNowy, Email: emailNowy}}
			if err := e.st.CreateApplication(ctx, a, nil); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		href := func(id int64) string { return `href="/wnioski/` + strconv.FormatInt(id, 10) + `"` }

		adam := e.signedIn(e.adam)
		body := page(t, adam.get("/wnioski"), 200, "Wnioski")
		pageHas(t, "page 1", body, href(ids[0]), href(ids[service.QueuePageSize-1]), `href="/wnioski?strona=2" rel="next"`, "Następna strona", "Strona 1")
		pageLacks(t, "page 1", body, href(ids[service.QueuePageSize]), `rel="prev"`)
		body = page(t, adam.get("/wnioski?strona=2"), 200, "Wnioski")
		pageHas(t, "page 2", body, href(ids[service.QueuePageSize]), href(ids[len(ids)-1]), `href="/wnioski" rel="prev"`, "Strona 2")
		pageLacks(t, "page 2", body, href(ids[0]), `rel="next"`)
		body = page(t, adam.get("/wnioski?kolejnosc=najnowsze"), 200, "Wnioski")
		pageHas(t, "newest first", body, href(ids[len(ids)-1]), `href="/wnioski?kolejnosc=najnowsze&amp;strona=2" rel="next"`)
		pageLacks(t, "newest first", body, href(ids[0]))
		pageHas(t, "bad page", adam.get("/wnioski?strona=x").Body.String(), "Nie ma takiej strony listy wniosków")
		if rec := adam.get("/wnioski?strona=x"); rec.Code != http.StatusBadRequest {
			t.Errorf("/wnioski?strona=x: %d, want 400", rec.Code)
		}

		rec := e.get(e.adam, "/api/v1/applications?queue=1")
		m := decode(t, rec)
		if got := appIDs(t, rec); len(got) != service.QueuePageSize || got[0] != ids[0] || m["next_page"] != float64(2) || m["page"] != float64(1) {
			t.Fatalf("API page 1: %d ids from %v, page %v, next_page %v", len(got), got[:1], m["page"], m["next_page"])
		}
		cursor, _ := m["next_cursor"].(string)
		for _, path := range []string{"/api/v1/applications?queue=1&page=2", "/api/v1/applications?queue=1&after=" + cursor} {
			rec := e.get(e.adam, path)
			m := decode(t, rec)
			if got := appIDs(t, rec); len(got) != 3 || got[0] != ids[service.QueuePageSize] || m["next_cursor"] != nil || m["next_page"] != nil {
				t.Errorf("%s: %v, next_cursor %v, next_page %v; want the last 3 and no next", path, got, m["next_cursor"], m["next_page"])
			}
		}
		for _, path := range []string{"?queue=1&page=0", "?queue=1&page=x", "?queue=1&after=-5", "?queue=1&page=201", "?queue=1&order=random"} {
			wantError(t, e.get(e.adam, "/api/v1/applications"+path), http.StatusBadRequest, "bad_request")
		}
	})
}

func pageLacks(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("%s: page holds %q", what, u)
		}
	}
}
