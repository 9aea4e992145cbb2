package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"jedenlogin"
	"jedenlogin/account"
	"jedenlogin/loginname"
	"jedenlogin/mail"
)

// The operator console's workflows (issue 12). Every method checks that
// the caller is an operator (EFORBIDDEN admin.operators_only otherwise);
// every helpdesk action takes a reason and writes it to the audit event
// with the operator ("operator:<login>").

// MaxReasonLength bounds the reason an operator gives for an action.
const MaxReasonLength = 500

// ProgressDays is how many days the consolidations-per-day chart shows.
const ProgressDays = 30

// operatorOnly refuses a caller without the operator role: neither an
// operator's session nor an operator token (TokenCaller).
func (s *Service) operatorOnly(c *jedenlogin.Caller) error {
	if !IsOperator(c) {
		return s.errf(jedenlogin.EFORBIDDEN, "admin.operators_only")
	}
	return nil
}

// IsOperator reports whether c may use the operator console: a person
// with the operator role, or a script with an operator token.
func IsOperator(c *jedenlogin.Caller) bool {
	return c != nil && (c.Token != nil || (c.Person != nil && c.Person.Operator))
}

// OperatorActor is how the audit log names an operator:
// "operator:<login>", or "token:<name>" for a script with a token.
func OperatorActor(c *jedenlogin.Caller) string {
	if c.Token != nil {
		return TokenActor(c.Token.Name)
	}
	return "operator:" + c.Login.Name
}

// reason checks an operator's reason: required, at most MaxReasonLength
// characters; EINVALID with Fields["reason"] otherwise.
func (s *Service) reason(r string) (string, error) {
	r = strings.TrimSpace(r)
	switch {
	case r == "":
		return "", s.errf(jedenlogin.EINVALID, "admin.reason_required").WithField("reason")
	case utf8.RuneCountInString(r) > MaxReasonLength:
		return "", s.errf(jedenlogin.EINVALID, "admin.reason_too_long", MaxReasonLength).WithField("reason")
	}
	return r, nil
}

// Progress returns the transition's progress, read from the database now.
// Errors: EFORBIDDEN, EINTERNAL.
func (s *Admin) Progress(ctx context.Context, c *jedenlogin.Caller) (*jedenlogin.Progress, error) {
	if err := s.operatorOnly(c); err != nil {
		return nil, err
	}
	sum, err := s.st.PlanSummary(ctx)
	if err != nil {
		return nil, s.internal(fmt.Errorf("progress: %w", err))
	}
	p := &jedenlogin.Progress{Persons: sum.Persons, Logins: sum.Logins}
	for _, cs := range jedenlogin.Cases {
		row := jedenlogin.ProgressRow{Case: cs, Pending: sum.ByCaseState[cs][jedenlogin.StatePending], Done: sum.ByCaseState[cs][jedenlogin.StateDone]}
		p.Pending += row.Pending
		p.Done += row.Done
		p.Cases = append(p.Cases, row)
	}
	today := s.now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, -(ProgressDays - 1))
	days, err := s.st.ConsolidationsPerDay(ctx, first)
	if err != nil {
		return nil, s.internal(fmt.Errorf("progress: %w", err))
	}
	byDay := map[time.Time]int{}
	for _, d := range days {
		byDay[d.Day] = d.N
	}
	for d := first; !d.After(today); d = d.AddDate(0, 0, 1) {
		p.PerDay = append(p.PerDay, jedenlogin.DayCount{Day: d, N: byDay[d]})
	}
	return p, nil
}

// MaxSearchResults bounds a person search.
const MaxSearchResults = 50

// nameSpellings are the spellings a name is searched in: as typed,
// Capitalised, UPPER and lower case (names are stored as the registers
// wrote them; an exact match keeps the search on an index).
func nameSpellings(w string) []string {
	lower := strings.ToLower(w)
	r, n := utf8.DecodeRuneInString(lower)
	capital := string(unicode.ToUpper(r)) + lower[n:]
	out := []string{w}
	for _, v := range []string{capital, strings.ToUpper(w), lower} {
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(ss []string, v string) bool {
	for _, s := range ss {
		if s == v {
			return true
		}
	}
	return false
}

// SearchPersons finds persons by what a helpdesk hears on the phone: a
// login (any of the person's logins, ignoring case), a PESEL, an e-mail
// address, or a name ("Kowalski", "Jan Kowalski", "Kowalski Jan"). Every
// kind is an exact match on an index. It returns at most MaxSearchResults
// persons by id; none for an empty query. Errors: EFORBIDDEN; EINVALID
// (Fields["q"]) for a query over 200 characters; EINTERNAL.
func (s *Admin) SearchPersons(ctx context.Context, c *jedenlogin.Caller, q string) ([]jedenlogin.PersonHit, error) {
	if err := s.operatorOnly(c); err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return []jedenlogin.PersonHit{}, nil
	}
	if utf8.RuneCountInString(q) > 200 {
		return nil, s.errf(jedenlogin.EINVALID, "admin.search_too_long").WithField("q")
	}
	var searches []jedenlogin.PersonSearch
	words := strings.Fields(q)
	switch {
	case jedenlogin.ValidPESEL(q) || (len(q) == 11 && strings.Trim(q, "0123456789") == ""):
		searches = append(searches, jedenlogin.PersonSearch{PESEL: q})
	case strings.Contains(q, "@"):
		searches = append(searches, jedenlogin.PersonSearch{Emails: nameSpellings(q), LoginFolded: loginname.Fold(q)})
	case len(words) == 1:
		searches = append(searches, jedenlogin.PersonSearch{LoginFolded: loginname.Fold(q), LastNames: nameSpellings(q)})
	default:
		first, last := words[0], strings.Join(words[1:], " ")
		searches = append(searches,
			jedenlogin.PersonSearch{FirstNames: nameSpellings(first), LastNames: nameSpellings(last)},
			jedenlogin.PersonSearch{FirstNames: nameSpellings(words[len(words)-1]), LastNames: nameSpellings(strings.Join(words[:len(words)-1], " "))})
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, ps := range searches {
		if len(ids) == MaxSearchResults {
			break // a common name filled the page: the other order adds nothing shown
		}
		found, err := s.st.SearchPersons(ctx, ps, MaxSearchResults)
		if err != nil {
			return nil, s.internal(fmt.Errorf("search persons: %w", err))
		}
		for _, id := range found {
			if !seen[id] && len(ids) < MaxSearchResults {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	recs, err := s.st.PersonsOutline(ctx, ids)
	if err != nil {
		return nil, s.internal(fmt.Errorf("search persons: %w", err))
	}
	hits := []jedenlogin.PersonHit{}
	for i := range recs {
		hits = append(hits, personHit(&recs[i]))
	}
	return hits, nil
}

func personHit(rec *jedenlogin.PersonRecord) jedenlogin.PersonHit {
	h := jedenlogin.PersonHit{Person: rec.Person, Logins: []string{}}
	var unified *jedenlogin.Login
	if rec.Person.UnifiedLoginID != nil {
		unified = rec.Login(*rec.Person.UnifiedLoginID)
	}
	if unified != nil {
		h.Logins = append(h.Logins, unified.Name)
	}
	for _, l := range rec.Logins {
		if unified == nil || l.ID != unified.ID {
			h.Logins = append(h.Logins, l.Name)
		}
	}
	l := unified
	if l == nil && len(rec.Logins) > 0 {
		l = &rec.Logins[0]
	}
	first, last := account.Names(rec, l)
	h.Name = strings.TrimSpace(first + " " + last)
	return h
}

// PersonAuditLimit is how many audit events the person's page shows.
const PersonAuditLimit = 50

// PersonDetail returns everything the helpdesk sees of a person. Errors:
// EFORBIDDEN; ENOTFOUND (admin.person_not_found); EINTERNAL.
func (s *Admin) PersonDetail(ctx context.Context, c *jedenlogin.Caller, id int64) (*jedenlogin.PersonDetail, error) {
	if err := s.operatorOnly(c); err != nil {
		return nil, err
	}
	rec, err := s.adminPerson(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	h := personHit(rec)
	d := &jedenlogin.PersonDetail{Person: rec.Person, Name: h.Name, Email: recoveryEmail(rec, nil)}
	byID := map[int64]string{}
	for _, l := range rec.Logins {
		byID[l.ID] = l.Name
	}
	for _, l := range rec.Logins {
		al := jedenlogin.AdminLogin{Login: l,
			Unified:   rec.Person.UnifiedLoginID != nil && *rec.Person.UnifiedLoginID == l.ID,
			Generated: rec.Person.GeneratedLoginID != nil && *rec.Person.GeneratedLoginID == l.ID}
		if l.MergedInto != nil {
			al.MergedInto = byID[*l.MergedInto]
		}
		t, err := s.st.ThrottleState(ctx, LoginKey(l.Name))
		if err != nil {
			return nil, s.internal(fmt.Errorf("person %d: %w", id, err))
		}
		if t.Failures > 0 || t.BlockedUntil != nil {
			al.Block = &t
			al.Blocked = BlockedAt(t, now)
		}
		al.Login.PasswordHash = "" // never leaves the service
		d.Logins = append(d.Logins, al)
	}
	var eids []string
	for _, g := range rec.Grants {
		eids = append(eids, g.EntityID)
	}
	ents, err := s.st.Entities(ctx, eids)
	if err != nil {
		return nil, s.internal(fmt.Errorf("person %d: %w", id, err))
	}
	entity := map[string]jedenlogin.Entity{}
	for _, e := range ents {
		entity[e.ID] = e
	}
	for _, g := range rec.Grants {
		e, ok := entity[g.EntityID]
		if !ok {
			e = jedenlogin.Entity{ID: g.EntityID}
		}
		d.Grants = append(d.Grants, jedenlogin.AdminGrant{Grant: g, Entity: e, Login: byID[g.LoginID], Valid: g.MergedInto == nil && g.ValidAt(now)})
	}
	ss, err := s.st.SessionsOfPerson(ctx, id)
	if err != nil {
		return nil, s.internal(fmt.Errorf("person %d: %w", id, err))
	}
	for _, x := range ss {
		d.Sessions = append(d.Sessions, jedenlogin.AdminSession{Login: byID[x.LoginID], EntityID: x.EntityID, CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt, ExpiresAt: x.ExpiresAt})
	}
	pid := id
	d.Audit, err = s.st.Audit(ctx, jedenlogin.AuditFilter{PersonID: &pid, Limit: PersonAuditLimit})
	if err != nil {
		return nil, s.internal(fmt.Errorf("person %d: %w", id, err))
	}
	return d, nil
}

func (s *Service) adminPerson(ctx context.Context, id int64) (*jedenlogin.PersonRecord, error) {
	rec, err := s.st.Person(ctx, id)
	if errors.Is(err, jedenlogin.ErrNotFound) {
		return nil, s.errf(jedenlogin.ENOTFOUND, "admin.person_not_found", id)
	} else if err != nil {
		return nil, s.internal(fmt.Errorf("person %d: %w", id, err))
	}
	return rec, nil
}

// recoveryEmail is the address recovery links for the person go to: the
// account's (confirmed by the person), else l's, else the first active
// login's; "" when there is none.
func recoveryEmail(rec *jedenlogin.PersonRecord, l *jedenlogin.Login) string {
	if a := rec.Person.Account; a != nil && a.Email != "" {
		return a.Email
	}
	if l != nil {
		return l.Email
	}
	for _, l := range rec.Logins {
		if l.State == jedenlogin.LoginActive && l.Email != "" {
			return l.Email
		}
	}
	return ""
}

// audit appends one operator event.
func (s *Service) operatorAudit(ctx context.Context, c *jedenlogin.Caller, ev jedenlogin.AuditEvent, details map[string]any) error {
	ev.Actor, ev.Address = OperatorActor(c), c.Addr
	if ev.At.IsZero() {
		ev.At = s.now()
	}
	ev.Details = Details(details)
	if err := s.st.AppendAudit(ctx, ev); err != nil {
		return s.internal(fmt.Errorf("audit %s: %w", ev.Action, err))
	}
	return nil
}

// UnblockLogin lifts the sign-in block of a login name (as typed at
// sign-in, so case matters) and clears its failure counter. Errors:
// EFORBIDDEN; EINVALID (reason); ENOTFOUND (admin.no_block) when the name
// is neither a login nor has a counter; EINTERNAL.
func (s *Admin) UnblockLogin(ctx context.Context, c *jedenlogin.Caller, name, reason string) error {
	if err := s.operatorOnly(c); err != nil {
		return err
	}
	reason, err := s.reason(reason)
	if err != nil {
		return err
	}
	key := LoginKey(name)
	t, err := s.st.ThrottleState(ctx, key)
	if err != nil {
		return s.internal(fmt.Errorf("unblock %q: %w", name, err))
	}
	var pid *int64
	l, err := s.st.LoginByName(ctx, name)
	switch {
	case err == nil:
		pid = &l.PersonID
	case !errors.Is(err, jedenlogin.ErrNotFound):
		return s.internal(fmt.Errorf("unblock %q: %w", name, err))
	case t.Failures == 0 && t.BlockedUntil == nil:
		return s.errf(jedenlogin.ENOTFOUND, "admin.no_block", name)
	}
	if err := s.st.ClearThrottle(ctx, key); err != nil {
		return s.internal(fmt.Errorf("unblock %q: %w", name, err))
	}
	return s.operatorAudit(ctx, c, jedenlogin.AuditEvent{Action: jedenlogin.AuditUnblocked, PersonID: pid, Subject: name, Outcome: "ok"},
		map[string]any{"reason": reason, "failures": t.Failures, "was_blocked": BlockedAt(t, s.now())})
}

// EndSessions signs the person out everywhere (the operator's own current
// session excepted) and returns how many sessions ended. Errors:
// EFORBIDDEN; EINVALID (reason); ENOTFOUND; EINTERNAL.
func (s *Admin) EndSessions(ctx context.Context, c *jedenlogin.Caller, personID int64, reason string) (int, error) {
	if err := s.operatorOnly(c); err != nil {
		return 0, err
	}
	reason, err := s.reason(reason)
	if err != nil {
		return 0, err
	}
	if _, err := s.adminPerson(ctx, personID); err != nil {
		return 0, err
	}
	except := ""
	if c.Session != nil && c.Session.PersonID == personID {
		except = c.Session.IDHash
	}
	n, err := s.st.DeleteSessionsOfPerson(ctx, personID, except)
	if err != nil {
		return 0, s.internal(fmt.Errorf("end sessions of %d: %w", personID, err))
	}
	pid := personID
	return n, s.operatorAudit(ctx, c, jedenlogin.AuditEvent{Action: jedenlogin.AuditSessionsEnded, PersonID: &pid, Subject: "person:" + strconv.FormatInt(personID, 10), Outcome: "ok"},
		map[string]any{"reason": reason, "sessions": n})
}

// SendRecovery mails the person a login-recovery link (kind "login") or a
// password-reset link for one of their logins (kind "password"; login ""
// picks the unified login, or the only active one) to their address on
// record — the same links and mails as the person's own requests, so the
// operator never sets or sees a password or a link. It returns the masked
// address. Errors: EFORBIDDEN; EINVALID (reason, kind, login:
// admin.login_not_resettable); ENOTFOUND; ECONFLICT (admin.no_email) when
// the person has no address; EINTERNAL (also when the mail fails, audited
// as mail_failed).
func (s *Admin) SendRecovery(ctx context.Context, c *jedenlogin.Caller, personID int64, kind, login, reason string) (string, error) {
	if err := s.operatorOnly(c); err != nil {
		return "", err
	}
	reason, err := s.reason(reason)
	if err != nil {
		return "", err
	}
	if kind != jedenlogin.RecoverLogin && kind != jedenlogin.RecoverPassword {
		return "", s.errf(jedenlogin.EINVALID, "admin.recovery_kind").WithField("kind")
	}
	rec, err := s.adminPerson(ctx, personID)
	if err != nil {
		return "", err
	}
	now := s.now()
	pid := personID
	var l *jedenlogin.Login
	if kind == jedenlogin.RecoverPassword {
		if l = resettableLogin(rec, login); l == nil {
			return "", s.errf(jedenlogin.EINVALID, "admin.login_not_resettable").WithField("login")
		}
	} else if len(account.RecoveredLogins(rec)) == 0 {
		return "", s.errf(jedenlogin.ECONFLICT, "admin.nothing_to_recover")
	}
	email := recoveryEmail(rec, l)
	if email == "" {
		return "", s.errf(jedenlogin.ECONFLICT, "admin.no_email")
	}
	masked := account.MaskEmail(email)
	ev := jedenlogin.AuditEvent{At: now, Action: jedenlogin.AuditRecoveryRequested, PersonID: &pid, Subject: "recovery:login", Outcome: "sent"}
	details := map[string]any{"reason": reason, "to": masked}
	if kind == jedenlogin.RecoverPassword {
		ev.Subject = l.Name
		details["kind"] = string(jedenlogin.TokenPasswordReset)
		if _, err := s.st.ExpireTokens(ctx, personID, jedenlogin.TokenPasswordReset, now); err != nil {
			return "", s.internal(fmt.Errorf("password reset for %d: %w", personID, err))
		}
		err = s.sendRecovery(ctx, jedenlogin.TokenPasswordReset, personID, l.ID, email, "/reset-hasla/", account.PasswordResetValidity, now,
			mail.KindPasswordReset, func(link string) any { return mail.PasswordResetData{Login: l.Name, Link: link} })
	} else {
		details["kind"] = string(jedenlogin.TokenLoginRecovery)
		err = s.sendRecovery(ctx, jedenlogin.TokenLoginRecovery, personID, 0, email, "/odzyskaj-login/", account.LoginRecoveryValidity, now,
			mail.KindLoginRecovery, func(link string) any { return mail.LoginRecoveryData{Link: link} })
	}
	if err != nil {
		ev.Outcome = "mail_failed"
		_ = s.operatorAudit(ctx, c, ev, details)
		return "", s.internal(fmt.Errorf("recovery for %d: %w", personID, err))
	}
	return masked, s.operatorAudit(ctx, c, ev, details)
}

// resettableLogin is the login whose password a reset link may set: the
// unified login of a consolidated person, an active login of a pending one
// (name "" picks the only active one).
func resettableLogin(rec *jedenlogin.PersonRecord, name string) *jedenlogin.Login {
	if rec.Person.State == jedenlogin.StateDone {
		if rec.Person.UnifiedLoginID == nil {
			return nil
		}
		l := rec.Login(*rec.Person.UnifiedLoginID)
		if l == nil || l.State != jedenlogin.LoginActive || (name != "" && name != l.Name) {
			return nil
		}
		return l
	}
	var found *jedenlogin.Login
	n := 0
	for i := range rec.Logins {
		l := &rec.Logins[i]
		if l.State != jedenlogin.LoginActive {
			continue
		}
		n++
		if l.Name == name || name == "" {
			found = l
		}
	}
	if name == "" && n != 1 {
		return nil
	}
	return found
}

// CorrectContact sets the person's e-mail address and/or phone on the
// operator's word (the helpdesk checked who calls), with the rules of the
// person's own change (account.NormalizeEmail, NormalizePhone), audited
// with the reason; the old address is told of a new one. Only a person
// with account data (after the transition) has contact data to correct.
// Errors: EFORBIDDEN; EINVALID (reason, email, phone); ENOTFOUND;
// ECONFLICT (admin.no_account); EINTERNAL.
func (s *Admin) CorrectContact(ctx context.Context, c *jedenlogin.Caller, personID int64, in jedenlogin.ContactCorrection, reason string) error {
	if err := s.operatorOnly(c); err != nil {
		return err
	}
	var email, phone string
	var err error
	fields := map[string]jedenlogin.Text{}
	if in.Email != nil && strings.TrimSpace(*in.Email) != "" {
		if email, err = account.NormalizeEmail(*in.Email); err != nil {
			fields["email"] = jedenlogin.AsError(err).Text
		}
	}
	if in.Phone != nil {
		if phone, err = account.NormalizePhone(*in.Phone); err != nil {
			fields["phone"] = jedenlogin.AsError(err).Text
		}
	}
	if _, err := s.reason(reason); err != nil {
		fields["reason"] = jedenlogin.AsError(err).Text
	}
	if len(fields) > 0 {
		he := s.errf(jedenlogin.EINVALID, "admin.contact_invalid")
		he.Fields = fields
		return he
	}
	reason = strings.TrimSpace(reason)
	now := s.now()
	var oldEmail, login string
	var changed []string
	err = s.st.UpdatePerson(ctx, personID, func(rec *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
		a := rec.Person.Account
		if a == nil {
			return nil, s.errf(jedenlogin.ECONFLICT, "admin.no_account")
		}
		if rec.Person.UnifiedLoginID != nil {
			if l := rec.Login(*rec.Person.UnifiedLoginID); l != nil {
				login = l.Name
			}
		}
		oldEmail = a.Email
		if email != "" && email != a.Email {
			a.Email = email
			changed = append(changed, "email")
		}
		if in.Phone != nil && phone != a.Phone {
			a.Phone = phone
			changed = append(changed, "phone")
		}
		if len(changed) == 0 {
			return nil, nil
		}
		pid := personID
		d := map[string]any{"fields": changed, "reason": reason}
		if email != "" && email != oldEmail {
			d["new_email"] = account.MaskEmail(email)
		}
		return []jedenlogin.AuditEvent{{At: now, Action: jedenlogin.AuditContactChanged, Actor: OperatorActor(c), PersonID: &pid,
			Subject: login, Address: c.Addr, Outcome: "ok", Details: Details(d)}}, nil
	})
	switch {
	case errors.Is(err, jedenlogin.ErrNotFound):
		return s.errf(jedenlogin.ENOTFOUND, "admin.person_not_found", personID)
	case err != nil:
		var he *jedenlogin.Error
		if errors.As(err, &he) {
			return he
		}
		return s.internal(fmt.Errorf("correct contact of %d: %w", personID, err))
	}
	if contains(changed, "email") && oldEmail != "" {
		s.MailLater(ctx, mail.KindEmailChangedNotice, oldEmail, mail.EmailChangedNoticeData{
			Login: login, NewEmail: account.MaskEmail(email), When: now,
		})
	}
	return nil
}
