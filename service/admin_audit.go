package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"jedenlogin"
)

// AuditPageSize is the viewer's page size; MaxAuditPage bounds Limit.
const (
	AuditPageSize = 50
	MaxAuditPage  = 500
)

// localTime parses a date or date and time in Polish time; end makes a
// bare date mean the end of that day.
func localTime(v string, end bool) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		t, err := time.ParseInLocation(layout, v, Warsaw)
		if err != nil {
			continue
		}
		if end && layout == "2006-01-02" {
			t = t.AddDate(0, 0, 1)
		} else if end {
			t = t.Add(time.Minute)
		}
		return t, true
	}
	return time.Time{}, false
}

// auditFilter turns a query into the store's filter; EINVALID with a
// message per bad field.
func (s *Service) auditFilter(q jedenlogin.AuditQuery) (jedenlogin.AuditFilter, error) {
	f := jedenlogin.AuditFilter{
		Subject: strings.TrimSpace(q.Login), Actor: strings.TrimSpace(q.Actor), Action: strings.TrimSpace(q.Action),
		Outcome: strings.TrimSpace(q.Outcome), Address: strings.TrimSpace(q.Address), Limit: q.Limit,
	}
	fields := map[string]jedenlogin.Text{}
	if v := strings.TrimSpace(q.Person); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fields["person"] = jedenlogin.T("admin.bad_person_id")
		} else {
			f.PersonID = &id
		}
	}
	if v := strings.TrimSpace(q.From); v != "" {
		t, ok := localTime(v, false)
		if !ok {
			fields["from"] = jedenlogin.T("admin.bad_time")
		}
		f.Since = t
	}
	if v := strings.TrimSpace(q.To); v != "" {
		t, ok := localTime(v, true)
		if !ok {
			fields["to"] = jedenlogin.T("admin.bad_time")
		}
		f.Until = t
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		fields["to"] = jedenlogin.T("admin.bad_range")
	}
	if v := strings.TrimSpace(q.Before); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fields["before"] = jedenlogin.T("admin.bad_cursor")
		}
		f.BeforeID = id
	}
	switch {
	case f.Limit < 0 || f.Limit > MaxAuditPage:
		fields["limit"] = jedenlogin.T("admin.bad_limit", MaxAuditPage)
	case f.Limit == 0:
		f.Limit = AuditPageSize
	}
	for name, v := range map[string]string{"login": f.Subject, "actor": f.Actor, "action": f.Action, "outcome": f.Outcome, "address": f.Address} {
		if len(v) > 200 {
			fields[name] = jedenlogin.T("admin.too_long")
		}
	}
	if len(fields) > 0 {
		he := s.errf(jedenlogin.EINVALID, "admin.filter_invalid")
		he.Fields = fields
		return f, he
	}
	return f, nil
}

// AuditLog returns one page of the events matching q, newest first, paged
// by id (keyset: each page is an index range, as fast on the millionth
// page as on the first). Errors: EFORBIDDEN; EINVALID (Fields name the bad
// filters); EINTERNAL.
func (s *Admin) AuditLog(ctx context.Context, c *jedenlogin.Caller, q jedenlogin.AuditQuery) (*jedenlogin.AuditPage, error) {
	if err := s.operatorOnly(c); err != nil {
		return nil, err
	}
	f, err := s.auditFilter(q)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	f.Limit++
	evs, err := s.st.Audit(ctx, f)
	if err != nil {
		return nil, s.internal(fmt.Errorf("audit log: %w", err))
	}
	p := &jedenlogin.AuditPage{Events: evs}
	if len(evs) > limit {
		p.Events = evs[:limit]
		p.Next = p.Events[limit-1].ID
	}
	return p, nil
}

// MaxAuditExport bounds one CSV export.
const MaxAuditExport = 100000

// ExportAudit calls fn for every event matching q (q.Limit and q.Before
// ignored), newest first, at most MaxAuditExport, and audits the export
// with its filter. Errors: EFORBIDDEN; EINVALID; EINTERNAL; an error from
// fn stops the export and is returned.
func (s *Admin) ExportAudit(ctx context.Context, c *jedenlogin.Caller, q jedenlogin.AuditQuery, fn func(jedenlogin.AuditEvent) error) (int, error) {
	if err := s.operatorOnly(c); err != nil {
		return 0, err
	}
	q.Limit, q.Before = 0, ""
	f, err := s.auditFilter(q)
	if err != nil {
		return 0, err
	}
	if err := s.operatorAudit(ctx, c, jedenlogin.AuditEvent{Action: jedenlogin.AuditAuditExported, Subject: "audit", Outcome: "ok"}, map[string]any{
		"person": q.Person, "login": f.Subject, "actor": f.Actor, "action": f.Action, "outcome": f.Outcome, "address": f.Address, "from": q.From, "to": q.To,
	}); err != nil {
		return 0, err
	}
	f.Limit = MaxAuditPage
	n := 0
	for n < MaxAuditExport {
		evs, err := s.st.Audit(ctx, f)
		if err != nil {
			return n, s.internal(fmt.Errorf("export audit log: %w", err))
		}
		for _, e := range evs {
			if n == MaxAuditExport {
				break
			}
			if err := fn(e); err != nil {
				return n, err
			}
			n++
		}
		if len(evs) < f.Limit {
			break
		}
		f.BeforeID = evs[len(evs)-1].ID
	}
	return n, nil
}
