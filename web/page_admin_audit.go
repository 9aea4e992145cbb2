package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/service"
)

// auditActions are the event kinds the viewer offers to filter by.
var auditActions = []string{
	jedenlogin.AuditSignIn, jedenlogin.AuditSignInFailed, jedenlogin.AuditSignOut, jedenlogin.AuditBlocked,
	jedenlogin.AuditUnblocked, jedenlogin.AuditConsolidated, jedenlogin.AuditPasswordRehashed,
	jedenlogin.AuditPasswordChanged, jedenlogin.AuditContactChanged, jedenlogin.AuditGrantChanged,
	jedenlogin.AuditOperatorCreated, jedenlogin.AuditEntitySelected, jedenlogin.AuditSchemaMigrated,
	jedenlogin.AuditRecoveryRequested, jedenlogin.AuditApplicationChanged, jedenlogin.AuditImport,
	jedenlogin.AuditSessionsEnded, jedenlogin.AuditAuditExported, jedenlogin.AuditMFAChanged, jedenlogin.AuditAdminToken,
}

// auditQueryOf reads the viewer's filters from the query string (the
// page's form and the API alike).
func auditQueryOf(r *http.Request) jedenlogin.AuditQuery {
	v := r.URL.Query()
	q := jedenlogin.AuditQuery{
		Person: v.Get("person"), Login: v.Get("login"), Actor: v.Get("actor"), Action: v.Get("action"),
		Outcome: v.Get("outcome"), Address: v.Get("address"), From: v.Get("from"), To: v.Get("to"), Before: v.Get("before"),
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			n = -1 // the service names the field
		}
		q.Limit = n
	}
	return q
}

// filterValues is the query string of q's filters (no cursor).
func filterValues(q jedenlogin.AuditQuery) url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"person": q.Person, "login": q.Login, "actor": q.Actor, "action": q.Action,
		"outcome": q.Outcome, "address": q.Address, "from": q.From, "to": q.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// auditPage is the data of the audit log viewer.
type auditPage struct {
	Q       jedenlogin.AuditQuery
	Actions []string
	Events  []jedenlogin.AuditEvent
	// NextURL is the link to the next (older) page, "" on the last;
	// CSVURL exports every event matching the filters.
	NextURL, CSVURL string
}

// Time formats an event's time (adminTime).
func (auditPage) Time(t time.Time) string { return adminTime(t) }

// pageAdminAudit is GET /konsola/dziennik.
func (s *Server) pageAdminAudit(w http.ResponseWriter, r *http.Request, a *authState) error {
	q := auditQueryOf(r)
	p := &auditPage{Q: q, Actions: auditActions}
	d := s.adminData(r, a, s.msg("admin.audit_title"), "console", p)
	page, err := s.admin.AuditLog(r.Context(), a.caller(), q)
	if he := jedenlogin.AsError(err); he != nil {
		if he.Code != jedenlogin.EINVALID {
			return he
		}
		s.formError(d, he)
		s.render(w, r, statusOfError(he), "admin_audit", d)
		return nil
	}
	p.Events = page.Events
	fv := filterValues(q)
	p.CSVURL = "/konsola/dziennik.csv?" + fv.Encode()
	if page.Next > 0 {
		fv.Set("before", strconv.FormatInt(page.Next, 10))
		p.NextURL = "/konsola/dziennik?" + fv.Encode()
	}
	s.render(w, r, http.StatusOK, "admin_audit", d)
	return nil
}

// csvSafe neutralises a cell a spreadsheet would run as a formula: one
// starting with = + - @, a tab or a carriage return gets a leading
// apostrophe (OWASP "CSV injection").
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// pageAdminAuditCSV is GET /konsola/dziennik.csv: the events matching the
// filters as CSV (UTF-8 with BOM, for spreadsheets), audited.
func (s *Server) pageAdminAuditCSV(w http.ResponseWriter, r *http.Request, a *authState) error {
	q := auditQueryOf(r)
	cw := csv.NewWriter(w)
	started := false
	_, err := s.admin.ExportAudit(r.Context(), a.caller(), q, func(e jedenlogin.AuditEvent) error {
		if !started {
			started = true
			s.startCSV(w, cw)
		}
		pid := ""
		if e.PersonID != nil {
			pid = strconv.FormatInt(*e.PersonID, 10)
		}
		row := []string{strconv.FormatInt(e.ID, 10), e.At.In(service.Warsaw).Format(time.RFC3339Nano), e.Action, e.Actor, pid,
			e.Subject, e.Address, e.Outcome, e.Details, e.PrevHash}
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		return cw.Write(row)
	})
	if err != nil {
		if started {
			// Half a file went out: end it where it broke, the log tells why.
			s.log.ErrorContext(r.Context(), "audit export broke off", "err", err)
			cw.Flush()
			return nil
		}
		return err
	}
	if !started {
		s.startCSV(w, cw)
	}
	cw.Flush()
	return cw.Error()
}

func (s *Server) startCSV(w http.ResponseWriter, cw *csv.Writer) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="dziennik-zdarzen.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("\ufeff"))
	_ = cw.Write([]string{"id", "czas", "zdarzenie", "kto", "osoba", "dotyczy", "adres", "wynik", "szczegoly", "skrot_poprzedniego"})
}
