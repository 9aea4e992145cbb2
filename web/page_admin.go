package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/service"
)

// The operator console's pages (issue 12): progress, person search, a
// person's page with the helpdesk actions. The service refuses callers
// without the operator role (403); authedPage sends a visitor without a
// session to sign in.

// chartBar is one bar of the consolidations-per-day chart, in SVG units.
type chartBar struct {
	X, Y, W, H int
	Label      string // the day, 07.12
	N          int
	Tick       bool // the day's label is shown under the axis (every 7th)
}

// progressChart is the chart's geometry.
type progressChart struct {
	Width, Height, Base int
	LabelY              int // the baseline of the day labels
	Max                 int
	Bars                []chartBar
}

// chart lays out one bar per day; heights are relative to the busiest day.
func chart(days []jedenlogin.DayCount) progressChart {
	const barW, gap, height, top = 14, 4, 160, 10
	c := progressChart{Width: len(days)*(barW+gap) + gap, Height: height + 24, Base: height, LabelY: height + 18}
	for _, d := range days {
		c.Max = max(c.Max, d.N)
	}
	for i, d := range days {
		h := 0
		if c.Max > 0 {
			h = d.N * (height - top) / c.Max
			if d.N > 0 && h == 0 {
				h = 1
			}
		}
		c.Bars = append(c.Bars, chartBar{X: gap + i*(barW+gap), Y: height - h, W: barW, H: h, Label: d.Day.Format("02.01"), N: d.N, Tick: i%7 == 0})
	}
	return c
}

// progressPage is the data of the console's progress page.
type progressPage struct {
	P      *jedenlogin.Progress
	Chart  progressChart
	Labels map[string]string
}

// adminData is the page data every console page starts from.
func (s *Server) adminData(r *http.Request, a *authState, title, nav string, data any) *pageData {
	return &pageData{Title: title, User: s.user(r, a, nav), CSRF: a.sess.CSRFToken, Data: data, Fields: map[string]string{}}
}

// pageAdminProgress is GET /konsola: persons per case and state and
// consolidations per day.
func (s *Server) pageAdminProgress(w http.ResponseWriter, r *http.Request, a *authState) error {
	p, err := s.admin.Progress(r.Context(), a.caller())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin_progress", s.adminData(r, a, s.msg("admin.progress_title"), "console", progressPage{P: p, Chart: chart(p.PerDay), Labels: s.adminLabels()}))
	return nil
}

// searchPage is the data of the person search.
type searchPage struct {
	Q        string
	Searched bool
	Hits     []jedenlogin.PersonHit
	Labels   map[string]string
}

// pageAdminSearch is GET /konsola/osoby?q=…
func (s *Server) pageAdminSearch(w http.ResponseWriter, r *http.Request, a *authState) error {
	q := r.URL.Query().Get("q")
	p := searchPage{Q: q, Searched: strings.TrimSpace(q) != "", Labels: s.adminLabels()}
	d := s.adminData(r, a, s.msg("admin.search_title"), "console", &p)
	hits, err := s.admin.SearchPersons(r.Context(), a.caller(), q)
	if he := jedenlogin.AsError(err); he != nil {
		if he.Code != jedenlogin.EINVALID {
			return he
		}
		s.formError(d, he)
		s.render(w, r, statusOfError(he), "admin_search", d)
		return nil
	}
	p.Hits = hits
	s.render(w, r, http.StatusOK, "admin_search", d)
	return nil
}

// personPage is the data of a person's console page; Form keeps the
// values of the form that failed.
type personPage struct {
	D       *jedenlogin.PersonDetail
	Blocked []string // login names with a failure counter
	Active  []string // active login names (password reset)
	Form    map[string]string
	Labels  map[string]string
	Now     time.Time
	// Kinds are the recovery links the operator may send.
	Kinds []choice
}

// Time and Timep format times for the template (adminTime).
func (personPage) Time(t time.Time) string   { return adminTime(t) }
func (personPage) Timep(t *time.Time) string { return adminTimep(t) }

// personPageData reads the person for the page.
func (s *Server) personPageData(r *http.Request, a *authState) (*pageData, *personPage, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		if err := s.operator(a); err != nil {
			return nil, nil, err
		}
		return nil, nil, s.errf(jedenlogin.ENOTFOUND, "error.not_found")
	}
	det, err := s.admin.PersonDetail(r.Context(), a.caller(), id)
	if err != nil {
		return nil, nil, err
	}
	p := &personPage{D: det, Form: map[string]string{}, Labels: s.adminLabels(), Now: s.now()}
	if acc := det.Person.Account; acc != nil {
		p.Form["contact_email"], p.Form["contact_phone"] = acc.Email, acc.Phone
	}
	p.Kinds = []choice{
		{Value: jedenlogin.RecoverPassword, Label: s.msg("admin.recovery_password"), Checked: true},
		{Value: jedenlogin.RecoverLogin, Label: s.msg("admin.recovery_login")},
	}
	for _, l := range det.Logins {
		if l.Block != nil {
			p.Blocked = append(p.Blocked, l.Login.Name)
		}
		if l.Login.State == jedenlogin.LoginActive {
			p.Active = append(p.Active, l.Login.Name)
		}
	}
	return s.adminData(r, a, s.msg("admin.person_title", det.Person.ID), "console", p), p, nil
}

// operator answers 403 for a caller without the operator role, for the
// few handlers that refuse before the service is called.
func (s *Server) operator(a *authState) error {
	if !service.IsOperator(a.caller()) {
		return s.errf(jedenlogin.EFORBIDDEN, "admin.operators_only")
	}
	return nil
}

// adminDone is the notice after a helpdesk action (?zrobione=…), "" for none.
func (s *Server) adminDone(done string) string {
	switch done {
	case "odblokowano":
		return s.msg("admin.done_unblocked")
	case "sesje":
		return s.msg("admin.done_sessions")
	case "wyslano":
		return s.msg("admin.done_recovery")
	case "kontakt":
		return s.msg("admin.done_contact")
	}
	return ""
}

// pageAdminPerson is GET /konsola/osoby/{id}.
func (s *Server) pageAdminPerson(w http.ResponseWriter, r *http.Request, a *authState) error {
	d, _, err := s.personPageData(r, a)
	if err != nil {
		return err
	}
	d.Info = s.adminDone(r.URL.Query().Get("zrobione"))
	s.render(w, r, http.StatusOK, "admin_person", d)
	return nil
}

// adminAction wraps a helpdesk action of the person page: it runs act
// with the form (prefix names the form's fields: its "reason" is
// prefix+"reason"); success redirects back with ?zrobione=done, an input
// error shows the page again with the form's messages.
func (s *Server) adminAction(prefix, done string, act func(r *http.Request, a *authState, id int64) error) func(http.ResponseWriter, *http.Request, *authState) error {
	return func(w http.ResponseWriter, r *http.Request, a *authState) error {
		if err := s.operator(a); err != nil {
			return err
		}
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return s.errf(jedenlogin.ENOTFOUND, "error.not_found")
		}
		err = act(r, a, id)
		he := jedenlogin.AsError(err)
		if he == nil {
			http.Redirect(w, r, fmt.Sprintf("/konsola/osoby/%d?zrobione=%s", id, url.QueryEscape(done)), http.StatusSeeOther)
			return nil
		}
		if he.Code == jedenlogin.EINTERNAL || he.Code == jedenlogin.EFORBIDDEN || he.Code == jedenlogin.ENOTFOUND {
			return he
		}
		d, p, err := s.personPageData(r, a)
		if err != nil {
			return err
		}
		for k, v := range r.PostForm {
			if strings.HasPrefix(k, prefix) && len(v) > 0 {
				p.Form[k] = v[0]
			}
		}
		for i := range p.Kinds {
			p.Kinds[i].Checked = p.Kinds[i].Value == r.PostFormValue("recovery_kind")
		}
		d.Error, d.Notice = s.text(he.Text), s.text(he.Notice)
		for f, t := range he.Fields {
			d.Fields[prefix+f] = s.text(t)
		}
		s.render(w, r, statusOfError(he), "admin_person", d)
		return nil
	}
}

// pageAdminUnblock is POST /konsola/osoby/{id}/odblokuj.
func (s *Server) pageAdminUnblock(r *http.Request, a *authState, id int64) error {
	name := r.PostFormValue("unblock_login")
	if name == "" {
		he := s.errf(jedenlogin.EINVALID, "admin.choose_login")
		he.Fields = map[string]jedenlogin.Text{"login": he.Text}
		return he
	}
	return s.admin.UnblockLogin(r.Context(), a.caller(), name, r.PostFormValue("unblock_reason"))
}

// pageAdminEndSessions is POST /konsola/osoby/{id}/sesje/zakoncz.
func (s *Server) pageAdminEndSessions(r *http.Request, a *authState, id int64) error {
	_, err := s.admin.EndSessions(r.Context(), a.caller(), id, r.PostFormValue("sessions_reason"))
	return err
}

// pageAdminRecovery is POST /konsola/osoby/{id}/odzyskiwanie.
func (s *Server) pageAdminRecovery(r *http.Request, a *authState, id int64) error {
	kind := r.PostFormValue("recovery_kind")
	login := ""
	if kind == jedenlogin.RecoverPassword {
		login = r.PostFormValue("recovery_login")
	}
	_, err := s.admin.SendRecovery(r.Context(), a.caller(), id, kind, login, r.PostFormValue("recovery_reason"))
	return err
}

// pageAdminContact is POST /konsola/osoby/{id}/kontakt.
func (s *Server) pageAdminContact(r *http.Request, a *authState, id int64) error {
	email, phone := r.PostFormValue("contact_email"), r.PostFormValue("contact_phone")
	// The form shows the current values: an emptied phone removes it.
	in := jedenlogin.ContactCorrection{Email: &email, Phone: &phone}
	return s.admin.CorrectContact(r.Context(), a.caller(), id, in, r.PostFormValue("contact_reason"))
}

// adminLabels are the Polish names of cases, person states and login
// states, by value, for the console's templates.
func (s *Server) adminLabels() map[string]string {
	return map[string]string{
		string(jedenlogin.CaseUnchanged):       s.msg("admin.case_unchanged"),
		string(jedenlogin.CaseChoose):          s.msg("admin.case_choose"),
		string(jedenlogin.CaseChooseUppercase): s.msg("admin.case_choose_uppercase"),
		string(jedenlogin.CaseGenerate):        s.msg("admin.case_generate"),
		string(jedenlogin.CaseNoActiveLogin):   s.msg("admin.case_no_active_login"),
		string(jedenlogin.StatePending):        s.msg("admin.state_pending"),
		string(jedenlogin.StateDone):           s.msg("admin.state_done"),
		string(jedenlogin.LoginActive):         s.msg("admin.login_active"),
		string(jedenlogin.LoginInactive):       s.msg("admin.login_inactive"),
		string(jedenlogin.LoginMerged):         s.msg("admin.login_merged"),
		string(jedenlogin.LoginReserved):       s.msg("admin.login_reserved"),
	}
}

// adminTime formats a time for the console: Polish time, to the second.
func adminTime(t time.Time) string { return t.In(service.Warsaw).Format("02.01.2006 15:04:05") }

// adminTimep is adminTime of a time that may be missing ("–").
func adminTimep(t *time.Time) string {
	if t == nil {
		return "–"
	}
	return adminTime(*t)
}
