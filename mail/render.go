package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"maps"
	"net/url"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // Polish local time in mails even where the system has no zoneinfo

	"jedenlogin"
	"jedenlogin/locale"
)

// Kinds of message Render knows; each has a data type below.
const (
	KindEmailVerify           = "email_verify"            // EmailVerifyData, to the new address
	KindEmailChangedNotice    = "email_changed_notice"    // EmailChangedNoticeData, to the old address
	KindLoginRecovery         = "login_recovery"          // LoginRecoveryData
	KindPasswordReset         = "password_reset"          // PasswordResetData
	KindPasswordChangedNotice = "password_changed_notice" // PasswordChangedNoticeData
	KindActivation            = "activation"              // ActivationData
	KindApplicationStatus     = "application_status"      // ApplicationStatusData
	KindTransitionNotice      = "transition_notice"       // TransitionNoticeData, before the deadline
	KindTransitionCompleted   = "transition_completed"    // TransitionCompletedData, after it
	KindTransitionDone        = "transition_done"         // TransitionDoneData
	KindMFAReset              = "mfa_reset"               // MFAResetData
)

// Kinds returns every kind Render knows.
func Kinds() []string {
	return []string{
		KindEmailVerify, KindEmailChangedNotice, KindLoginRecovery, KindPasswordReset,
		KindPasswordChangedNotice, KindActivation, KindApplicationStatus,
		KindTransitionNotice, KindTransitionCompleted, KindTransitionDone, KindMFAReset,
	}
}

// EmailVerifyData fills KindEmailVerify: the code and link that make a new
// e-mail address active, valid 1 hour.
type EmailVerifyData struct {
	Login    string
	NewEmail string
	Code     string // 6 digits
	Link     string // absolute URL
}

// EmailChangedNoticeData fills KindEmailChangedNotice, which tells the old
// address that the account's e-mail changed.
type EmailChangedNoticeData struct {
	Login    string
	NewEmail string // the caller may pass it masked
	When     time.Time
}

// LoginRecoveryData fills KindLoginRecovery: a link, valid 1 hour, that shows
// the login after the PESEL is entered again.
type LoginRecoveryData struct {
	Link string // absolute URL
}

// PasswordResetData fills KindPasswordReset: a single-use link, valid 1
// hour, to set a new password.
type PasswordResetData struct {
	Login string
	Link  string // absolute URL
}

// PasswordChangedNoticeData fills KindPasswordChangedNotice.
type PasswordChangedNoticeData struct {
	Login     string
	When      time.Time
	ResetLink string // optional absolute URL of "Nie pamiętasz hasła?"
}

// ActivationData fills KindActivation: the generated login and a link,
// valid 72 hours, to set the first password.
type ActivationData struct {
	Login  string
	Entity string // the entity's name, optional
	Link   string // absolute URL
}

// TransitionDoneData fills KindTransitionDone, sent when the person has
// gone over to one login: the login to use from now on (new in generate,
// with the advice to note it down), the logins that stopped working, the
// inactive ones whose access ended, and the entities on either side.
type TransitionDoneData struct {
	Login         string
	Generated     bool
	Stopped       []string // active logins merged into Login
	Ended         []string // inactive logins, access ended
	Entities      []string // e.g. "Szkoła Podstawowa nr 3 (27631) – Kierownik jednostki"
	EndedEntities []string // the entities of the Ended logins
	Link          string   // absolute URL of the sign-in page
}

// MFAResetData fills KindMFAReset: an operator removed the account's
// second factors; the next sign-in asks for a new one where required.
type MFAResetData struct {
	Login string
	When  time.Time
}

// Application statuses, as SPEC §9 names them.
const (
	StatusSubmitted   = "zlozony"
	StatusUnderReview = "rozpatrywany"
	StatusAccepted    = "zaakceptowany"
	StatusRejected    = "odrzucony"
	StatusWithdrawn   = "wycofany"
)

// ApplicationStatusData fills KindApplicationStatus, sent at every status
// change of an access application.
type ApplicationStatusData struct {
	Status   string // one of the Status constants
	Entity   string // the entity's name
	Function jedenlogin.Function
	Reason   string // optional, e.g. why it was rejected
	Link     string // optional absolute URL of the application
}

// StatusLabel returns the label of an application status from the
// message catalogue ("Złożony", …) and false for an unknown status.
func StatusLabel(status string) (string, bool) {
	switch status {
	case StatusSubmitted, StatusUnderReview, StatusAccepted, StatusRejected, StatusWithdrawn:
		return locale.Polish.Msg("status." + status), true
	}
	return "", false
}

// functionLabel returns the catalogue label of a grant's function.
func functionLabel(f jedenlogin.Function) (string, bool) {
	switch f {
	case jedenlogin.FunctionHead, jedenlogin.FunctionActingHead, jedenlogin.FunctionEmployee:
		return locale.Polish.Msg("function." + string(f)), true
	}
	return "", false
}

var warsaw = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Warsaw")
	if err != nil {
		panic(err) // time/tzdata is linked in
	}
	return loc
}()

var funcs = map[string]any{
	// abs refuses anything but an absolute http(s) URL, so a relative or
	// javascript: link fails the render instead of reaching a mailbox.
	"abs": func(link string) (string, error) {
		u, err := url.Parse(link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return "", fmt.Errorf("link %q is not an absolute http(s) URL", link)
		}
		return link, nil
	},
	"status": func(s string) (string, error) {
		if l, ok := StatusLabel(s); ok {
			return l, nil
		}
		return "", fmt.Errorf("unknown application status %q", s)
	},
	"function": func(f jedenlogin.Function) (string, error) {
		if l, ok := functionLabel(f); ok {
			return l, nil
		}
		return "", fmt.Errorf("unknown function %q", f)
	},
	// when prints a time in Polish local time: "27.11.2026, 09:06".
	"when": func(t time.Time) (string, error) {
		if t.IsZero() {
			return "", fmt.Errorf("time not set")
		}
		return t.In(warsaw).Format("02.01.2006, 15:04"), nil
	},
	// date prints a day: "31.01.2027" (a date without a time is a day in
	// Poland, so it is printed as given, not moved to Warsaw time).
	"date": func(t time.Time) (string, error) {
		if t.IsZero() {
			return "", fmt.Errorf("date not set")
		}
		return t.Format("02.01.2006"), nil
	},
	// list joins names the Polish way: "A", "A i B", "A, B i C".
	"list": func(names []string) (string, error) {
		switch len(names) {
		case 0:
			return "", fmt.Errorf("empty list")
		case 1:
			return names[0], nil
		}
		return strings.Join(names[:len(names)-1], ", ") + " i " + names[len(names)-1], nil
	},
}

//go:embed templates
var templateFS embed.FS

// kindTemplates are one kind's parsed templates: text holds "subject" and
// "layout" (the text body), html holds "layout" (the HTML body).
type kindTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// Footer closes every mail: where the users' instructions are and how to
// reach the helpdesk. Empty fields are left out.
type Footer struct {
	HelpURL string // absolute http(s) URL
	Support string // e.g. "tel. 22 123 45 67, pomoc@sio.example.gov.pl"
}

// parseTemplates parses every kind's templates with the footer's values.
func parseTemplates(f Footer) map[string]kindTemplates {
	fm := maps.Clone(funcs)
	fm["helpURL"] = func() string { return f.HelpURL }
	fm["support"] = func() string { return f.Support }
	m := map[string]kindTemplates{}
	for _, kind := range Kinds() {
		m[kind] = kindTemplates{
			text: texttemplate.Must(texttemplate.New(kind).Funcs(fm).Option("missingkey=error").
				ParseFS(templateFS, "templates/layout.txt", "templates/"+kind+".txt")),
			html: htmltemplate.Must(htmltemplate.New(kind).Funcs(fm).Option("missingkey=error").
				ParseFS(templateFS, "templates/layout.html", "templates/"+kind+".html")),
		}
	}
	return m
}

// templatesByFooter holds the parsed templates per Footer (a server has
// one).
var templatesByFooter sync.Map // Footer → map[string]kindTemplates

func templatesFor(f Footer) map[string]kindTemplates {
	if t, ok := templatesByFooter.Load(f); ok {
		return t.(map[string]kindTemplates)
	}
	t, _ := templatesByFooter.LoadOrStore(f, parseTemplates(f))
	return t.(map[string]kindTemplates)
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// Render fills a Message's Subject, Text and HTML from the templates of
// kind, one of the Kind constants, with data of the kind's data type (a
// pointer to it works too). The caller sets To. Render returns an error
// wrapping ErrInvalidMessage for an unknown kind and for data the templates
// cannot use: a missing field, a link that is not an absolute http(s) URL,
// an unknown status or function, or an unset time.
func Render(kind string, data any) (*Message, error) {
	return RenderWithFooter(kind, data, Footer{})
}

// RenderWithFooter is Render with the help page and the helpdesk contact
// at the end of the message. A help URL that is not an absolute http(s)
// URL is an error (ErrInvalidMessage).
func RenderWithFooter(kind string, data any, f Footer) (*Message, error) {
	if f.HelpURL != "" {
		if u, err := url.Parse(f.HelpURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("mail: %w: help URL %q is not an absolute http(s) URL", ErrInvalidMessage, f.HelpURL)
		}
	}
	t, ok := templatesFor(f)[kind]
	if !ok {
		return nil, fmt.Errorf("mail: %w: unknown kind %q", ErrInvalidMessage, kind)
	}
	var subject, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subject, "subject", data); err != nil {
		return nil, fmt.Errorf("mail: %w: %s subject: %w", ErrInvalidMessage, kind, err)
	}
	if err := t.text.ExecuteTemplate(&text, "layout", data); err != nil {
		return nil, fmt.Errorf("mail: %w: %s text: %w", ErrInvalidMessage, kind, err)
	}
	if err := t.html.ExecuteTemplate(&html, "layout", data); err != nil {
		return nil, fmt.Errorf("mail: %w: %s HTML: %w", ErrInvalidMessage, kind, err)
	}
	return &Message{
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    tidyText(text.String()),
		HTML:    html.String(),
	}, nil
}

// tidyText drops trailing spaces and runs of blank lines left by optional
// template sections.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "-- " { // the signature separator keeps its space
			lines[i] = strings.TrimRight(l, " \t")
		}
	}
	s = blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.TrimSpace(s) + "\n"
}
