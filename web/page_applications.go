package web

import (
	"errors"
	"jedenlogin/service"
	"net/http"
	"net/url"
	"strconv"

	"jedenlogin"
)

// appView is an application as the pages show it.
type appView struct {
	appRow
	StatusLabel string
	// StatusClass is the CSS class of the status: status-ok accepted,
	// status-expired rejected or withdrawn, "" open.
	StatusClass string
	// Submitted is the day it was filed, in Polish time: 10.03.2026.
	Submitted string
}

// statusLabel is the Polish name of an application status (Appendix A).
func (s *Server) statusLabel(st jedenlogin.ApplicationStatus) string {
	switch st {
	case jedenlogin.ApplicationSubmitted:
		return s.msg("status.zlozony")
	case jedenlogin.ApplicationUnderReview:
		return s.msg("status.rozpatrywany")
	case jedenlogin.ApplicationAccepted:
		return s.msg("status.zaakceptowany")
	case jedenlogin.ApplicationRejected:
		return s.msg("status.odrzucony")
	case jedenlogin.ApplicationWithdrawn:
		return s.msg("status.wycofany")
	}
	return string(st)
}

func (s *Server) appViews(rows []appRow) []appView {
	out := make([]appView, 0, len(rows))
	for _, r := range rows {
		v := appView{appRow: r, StatusLabel: s.statusLabel(r.App.Status), Submitted: r.App.CreatedAt.In(service.Warsaw).Format("02.01.2006")}
		switch r.App.Status {
		case jedenlogin.ApplicationAccepted:
			v.StatusClass = "status-ok"
		case jedenlogin.ApplicationRejected, jedenlogin.ApplicationWithdrawn:
			v.StatusClass = "status-expired"
		}
		out = append(out, v)
	}
	return out
}

// myApplicationsPage is the data of "Moje wnioski".
type myApplicationsPage struct {
	Rows []appView
}

// pageMyApplications is GET /moje-wnioski: the person's applications with
// POKAŻ WNIOSEK and, while zlozony, WYCOFAJ WNIOSEK.
func (s *Server) pageMyApplications(w http.ResponseWriter, r *http.Request, a *authState) error {
	rows, err := s.applications.MyApplications(r.Context(), a.caller())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "my_applications", &pageData{
		Title: s.msg("my_applications.title"), User: s.user(r, a, "my_applications"), CSRF: a.sess.CSRFToken,
		Data: myApplicationsPage{Rows: s.appViews(rows)},
	})
	return nil
}

// queuePage is the data of the approver's "Wnioski".
type queuePage struct {
	Rows   []appView
	Grants []managedGrant
	// Done confirms a revocation ("OPERACJA ZAKOŃCZONA POMYŚLNIE").
	Done string
	// Page is the page shown (from 1); Prev and Next are the links to the
	// pages around it, "" where there is none; Newest: newest first;
	// Oldest and NewestLink switch the order.
	Page                           int
	Prev, Next, Oldest, NewestLink string
	Newest                         bool
}

// queueQuery reads a page of the queue from the query: ?strona=N (from 1)
// and ?kolejnosc=najnowsze. A page that is not a number is EINVALID.
func (s *Server) queueQuery(r *http.Request) (jedenlogin.QueueQuery, error) {
	q := jedenlogin.QueueQuery{Page: 1, Newest: r.URL.Query().Get("kolejnosc") == "najnowsze"}
	if v := r.URL.Query().Get("strona"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return q, jedenlogin.NewError(jedenlogin.EINVALID, "queue.bad_page", service.MaxQueuePage)
		}
		q.Page = n
	}
	return q, nil
}

// queueLink is the address of page n of the queue in the order asked.
func queueLink(n int, newest bool) string {
	v := url.Values{}
	if n > 1 {
		v.Set("strona", strconv.Itoa(n))
	}
	if newest {
		v.Set("kolejnosc", "najnowsze")
	}
	if len(v) == 0 {
		return "/wnioski"
	}
	return "/wnioski?" + v.Encode()
}

// pageQueue is GET /wnioski: the open applications the person may decide
// and the grants they may revoke (COFNIJ UPOWAŻNIENIE). After a
// revocation (?cofnieto=ID) it confirms it.
func (s *Server) pageQueue(w http.ResponseWriter, r *http.Request, a *authState) error {
	ctx, c := r.Context(), a.caller()
	q, err := s.queueQuery(r)
	if err != nil {
		return err
	}
	qp, err := s.applications.ApplicationQueue(ctx, c, q)
	if err != nil {
		return err
	}
	grants, err := s.grants.ManagedGrants(ctx, c)
	if err != nil {
		return err
	}
	p := queuePage{Rows: s.appViews(qp.Rows), Grants: grants, Page: qp.Page, Newest: q.Newest,
		Oldest: queueLink(1, false), NewestLink: queueLink(1, true)}
	if qp.Page > 1 {
		p.Prev = queueLink(qp.Page-1, q.Newest)
	}
	if qp.More && qp.Page < service.MaxQueuePage {
		p.Next = queueLink(qp.Page+1, q.Newest)
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("cofnieto"), 10, 64); err == nil {
		for _, g := range grants {
			if g.Held.Grant.ID == id && g.Revoked {
				p.Done = s.msg("grants.revoked_notice", g.Held.HolderName, g.Held.LoginName, g.Entity.Name)
			}
		}
	}
	s.render(w, r, http.StatusOK, "queue", &pageData{Title: s.msg("queue.title"), User: s.user(r, a, "queue"), CSRF: a.sess.CSRFToken, Data: p})
	return nil
}

// applicationPage is the data of one application's page.
type applicationPage struct {
	appView
	Mine, Decider bool
	// ReviewerName, DeciderName: the people who took it up and decided.
	ReviewerName, DeciderName string
	// CanWithdraw, CanReview, CanDecide: the actions offered.
	CanWithdraw, CanReview, CanDecide bool
	Reason                            string // typed rejection reason, kept on an error
	// Done confirms the action just taken ("OPERACJA ZAKOŃCZONA POMYŚLNIE").
	Done string
}

// pageApplication is GET /wnioski/{id}: the application (POKAŻ WNIOSEK)
// with the actions its applicant or approver may take. After an action
// (?gotowe=STATUS, matching the status) it says "OPERACJA ZAKOŃCZONA
// POMYŚLNIE".
func (s *Server) pageApplication(w http.ResponseWriter, r *http.Request, a *authState) error {
	id, err := s.idParam(r)
	if err != nil {
		return err
	}
	d, err := s.applicationData(r, a, id)
	if err != nil {
		return err
	}
	p := d.Data.(*applicationPage)
	if done := r.URL.Query().Get("gotowe"); done != "" && done == string(p.App.Status) {
		p.Done = s.doneLine(p.App.Status)
	}
	s.render(w, r, http.StatusOK, "application", d)
	return nil
}

// doneLine says what the action that led to status st did.
func (s *Server) doneLine(st jedenlogin.ApplicationStatus) string {
	switch st {
	case jedenlogin.ApplicationSubmitted:
		return s.msg("application.done_submitted")
	case jedenlogin.ApplicationUnderReview:
		return s.msg("application.done_review")
	case jedenlogin.ApplicationAccepted:
		return s.msg("application.done_accepted")
	case jedenlogin.ApplicationRejected:
		return s.msg("application.done_rejected")
	}
	return s.msg("application.done_withdrawn")
}

func (s *Server) applicationData(r *http.Request, a *authState, id int64) (*pageData, error) {
	v, err := s.applications.Application(r.Context(), a.caller(), id)
	if err != nil {
		return nil, err
	}
	st, mine, decider := v.App.Status, v.Mine, v.Decider
	p := &applicationPage{appView: s.appViews([]appRow{v.ApplicationRow})[0], Mine: mine, Decider: decider,
		ReviewerName: v.ReviewerName, DeciderName: v.DeciderName,
		CanWithdraw: mine && st == jedenlogin.ApplicationSubmitted,
		CanReview:   decider && st == jedenlogin.ApplicationSubmitted,
		CanDecide:   decider && st == jedenlogin.ApplicationUnderReview}
	nav := "my_applications"
	if decider {
		nav = "queue"
	}
	return &pageData{Title: s.msg("application.title", id), User: s.user(r, a, nav), CSRF: a.sess.CSRFToken,
		Data: p, Fields: map[string]string{}}, nil
}

// applicationAction runs a POST action on application {id} and goes back
// to its page with "OPERACJA ZAKOŃCZONA POMYŚLNIE"; an expected refusal
// (head conflict, wrong status, missing confirmation or reason) shows the
// application again with the message.
func (s *Server) applicationAction(act func(r *http.Request, a *authState, id int64) (*appRow, error)) func(http.ResponseWriter, *http.Request, *authState) error {
	return func(w http.ResponseWriter, r *http.Request, a *authState) error {
		id, err := s.idParam(r)
		if err != nil {
			return err
		}
		row, err := act(r, a, id)
		if err == nil {
			http.Redirect(w, r, "/wnioski/"+strconv.FormatInt(id, 10)+"?gotowe="+string(row.App.Status), http.StatusSeeOther)
			return nil
		}
		var he *jedenlogin.Error
		if !errors.As(err, &he) || he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.ENOTFOUND {
			return err
		}
		d, derr := s.applicationData(r, a, id)
		if derr != nil {
			return err
		}
		d.Error = s.text(he.Text)
		if f := s.fieldMessages(he); f != nil {
			d.Fields = f
		}
		if he.Code == jedenlogin.CodeIdentityNotConfirmed {
			d.Fields = map[string]string{"identity_confirmed": s.text(he.Text)}
		}
		d.Data.(*applicationPage).Reason = r.PostFormValue("reason")
		s.render(w, r, statusOfError(he), "application", d)
		return nil
	}
}

// pageReview is POST /wnioski/{id}/rozpatruj.
func (s *Server) pageReview(r *http.Request, a *authState, id int64) (*appRow, error) {
	return s.applications.ReviewApplication(r.Context(), a.caller(), id)
}

// pageAccept is POST /wnioski/{id}/akceptuj (checkbox
// identity_confirmed: "osobiste stawiennictwo").
func (s *Server) pageAccept(r *http.Request, a *authState, id int64) (*appRow, error) {
	return s.applications.AcceptApplication(r.Context(), a.caller(), id, r.PostFormValue("identity_confirmed") == "tak")
}

// pageReject is POST /wnioski/{id}/odrzuc (reason).
func (s *Server) pageReject(r *http.Request, a *authState, id int64) (*appRow, error) {
	return s.applications.RejectApplication(r.Context(), a.caller(), id, r.PostFormValue("reason"))
}

// pageWithdraw is POST /wnioski/{id}/wycofaj (WYCOFAJ WNIOSEK).
func (s *Server) pageWithdraw(r *http.Request, a *authState, id int64) (*appRow, error) {
	return s.applications.WithdrawApplication(r.Context(), a.caller(), id)
}
