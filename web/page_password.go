package web

import (
	"net/http"
	"strings"

	"jedenlogin"
	"jedenlogin/locale"
	"jedenlogin/password"
)

// passwordRule is one rule of the policy as the password form lists it;
// static/password.js ticks it off while the user types (the server's
// check stays authoritative).
type passwordRule struct {
	Rule  string // min, lower, upper, special, edges, personal, common, match
	Value int    // min: the length
	Text  string
}

// passwordPage is the data of "Aktualizuj hasło" and of the reset page.
type passwordPage struct {
	Action  string // where the form posts
	Reset   bool   // the reset page: no current password
	Login   string // the login whose password is set
	Expired bool   // the password reached its maximum age
	Done    bool   // "Hasło zostało zmienione."
	Rules   []passwordRule
	// Names are the words the password must not contain, for the script.
	Names string
}

// passwordRules lists the policy's rules for the form.
func (s *Server) passwordRules() []passwordRule {
	p := s.policy
	var rules []passwordRule
	add := func(rule string, value int, text string) {
		rules = append(rules, passwordRule{Rule: rule, Value: value, Text: text})
	}
	if p.MinLength > 0 {
		add("min", p.MinLength, s.msg("password.rule_min", p.MinLength))
	}
	if p.RequireLower {
		add("lower", 0, s.msg("password.rule_lower"))
	}
	if p.RequireUpper {
		add("upper", 0, s.msg("password.rule_upper"))
	}
	if p.RequireSpecial {
		add("special", 0, s.msg("password.rule_special"))
	}
	if p.LetterAtEdges {
		add("edges", 0, s.msg("password.rule_edges"))
	}
	if p.NoPersonalData {
		add("personal", 0, s.msg("password.rule_personal"))
	}
	if p.Blocklist {
		add("common", 0, s.msg("password.rule_common"))
	}
	add("match", 0, s.msg("password.rule_match"))
	return rules
}

// passwordData is the form's data for a login (service.PasswordForm).
func (s *Server) passwordData(f jedenlogin.PasswordForm) *passwordPage {
	p := &passwordPage{Action: "/profil/haslo", Login: f.Login, Rules: s.passwordRules()}
	if f.PersonalWords != nil {
		p.Names = strings.Join(f.PersonalWords, " ")
	}
	return p
}

// passwordExpired is service.PasswordExpired, for the session checks
// (session.go, api_session.go, page_signin.go).
func (s *Server) passwordExpired(p *jedenlogin.Person, l *jedenlogin.Login) bool {
	return s.accounts.PasswordExpired(p, l)
}

// pagePassword is GET /profil/haslo: "Aktualizuj hasło".
func (s *Server) pagePassword(w http.ResponseWriter, r *http.Request, a *authState) error {
	p := s.passwordData(s.accounts.PasswordForm(a.rec, a.login))
	p.Expired = s.passwordExpired(a.person, a.login)
	d := &pageData{Title: s.msg("password.title"), User: s.user(r, a, "profile"), CSRF: a.sess.CSRFToken, Data: p}
	if p.Expired {
		d.Notice = s.msg("password.expired")
	}
	s.render(w, r, http.StatusOK, "password", d)
	return nil
}

// pagePasswordPost is POST /profil/haslo: changes the password; on
// failure shows the form again with every reason.
func (s *Server) pagePasswordPost(w http.ResponseWriter, r *http.Request, a *authState) error {
	p := s.passwordData(s.accounts.PasswordForm(a.rec, a.login))
	d := &pageData{Title: s.msg("password.title"), User: s.user(r, a, "profile"), CSRF: a.sess.CSRFToken, Data: p, Fields: map[string]string{}}
	current, next, repeat := r.PostFormValue("current"), r.PostFormValue("new"), r.PostFormValue("repeat")
	if current == "" {
		d.Fields["current"] = s.msg("password.current_required")
	}
	s.checkNewFields(d, next, repeat)
	if len(d.Fields) > 0 {
		d.Error = s.msg("form.has_errors")
		s.render(w, r, http.StatusBadRequest, "password", d)
		return nil
	}
	if err := s.accounts.ChangePassword(r.Context(), a.caller(), jedenlogin.PasswordChange{Current: current, New: next}); err != nil {
		he := jedenlogin.AsError(err)
		if he.Code == jedenlogin.EINTERNAL {
			return he
		}
		s.formError(d, he)
		setRetryAfter(w, he.RetryAfter)
		s.render(w, r, statusOfError(he), "password", d)
		return nil
	}
	p.Done = true
	d.Info = s.msg("password.changed")
	s.render(w, r, http.StatusOK, "password", d)
	return nil
}

// checkNewFields fills d.Fields for an empty new password or a repetition
// that differs.
func (s *Server) checkNewFields(d *pageData, next, repeat string) {
	if next == "" {
		d.Fields["new"] = s.msg("password.new_required")
	} else if next != repeat {
		d.Fields["repeat"] = s.msg("password.repeat_mismatch")
	}
}

// formError puts an error answer on a form page: its text and notice in
// the alert, its field messages (Fields) on their fields, and
// weak_password's reasons on the "new" field.
func (s *Server) formError(d *pageData, he *jedenlogin.Error) {
	d.Error, d.Notice = s.text(he.Text), s.text(he.Notice)
	if d.Fields == nil {
		d.Fields = map[string]string{}
	}
	for f, t := range he.Fields {
		d.Fields[f] = s.text(t)
	}
	if he.Code == jedenlogin.CodeWeakPassword {
		if reasons, ok := he.Extra["reasons"].([]password.Reason); ok {
			msgs := make([]string, len(reasons))
			for i, r := range reasons {
				msgs[i] = r.Message
			}
			if len(msgs) == 1 {
				d.Fields["new"] = msgs[0]
			} else {
				// Each rule not met on its own line, not run together.
				d.Fields["new"] = s.text(locale.Plural("password.rules_not_met", len(msgs)))
				if d.FieldDetails == nil {
					d.FieldDetails = map[string][]string{}
				}
				d.FieldDetails["new"] = msgs
			}
		}
	}
}
