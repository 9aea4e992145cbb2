package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"text/template/parse"
	"time"

	"jedenlogin"
)

//go:embed templates/*.html templates/partials/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// The partial files (templates/partials/): shared pieces of pages, each a
// set of {{define}}d templates.
const (
	// partialField is the form field with its label, hint and error ("field").
	partialField = "partials/field.html"
	// partialPassword is the new password, its rules and its repetition
	// ("new_password_fields").
	partialPassword = "partials/password.html"
	// partialRecovery is the person check of the recovery forms
	// ("recovery_person_fields").
	partialRecovery = "partials/recovery.html"
	// partialTables is the applications and grants tables
	// ("applications_table", "grants_table").
	partialTables = "partials/tables.html"
	// partialAdmin is the operator console's navigation ("admin_nav").
	partialAdmin = "partials/admin.html"
	// partialHelp is the help and helpdesk box ("help_box").
	partialHelp = "partials/help.html"
	// partialTransition is what the transition does or did
	// ("transition_summary").
	partialTransition = "partials/transition.html"
)

// partialDeps declares the partials each partial file itself calls.
var partialDeps = map[string][]string{
	partialPassword: {partialField},
	partialRecovery: {partialField},
}

// viewPartials declares every page template (templates/NAME.html) and the
// partial files it calls. A page is parsed with the layout, its declared
// partials (and theirs) and nothing else, so a page calling a partial it
// does not declare fails at start; TestTemplateFilesDeclared fails on a
// template file that no view or partial declaration names.
var viewPartials = map[string][]string{
	"signin":        {partialField, partialHelp},
	"consolidation": {partialField, partialHelp, partialTransition},
	"account":       {partialTransition},
	"entities":      {partialTables},
	"extend":        {partialField},
	"error":         {partialHelp},
	// Account self-service.
	"profile":           {partialTables},
	"contact":           {partialField},
	"password":          {partialField, partialPassword},
	"recovery_login":    {partialField, partialRecovery},
	"recovery_password": {partialField, partialRecovery},
	"recovered_login":   {partialField},
	"email_confirm":     nil,
	"link_expired":      nil,
	// Access applications and grants.
	"apply":           {partialField},
	"done":            nil,
	"my_applications": {partialTables},
	"queue":           {partialTables},
	"application":     {partialField},
	"revoke":          {partialField},
	"activation":      {partialField, partialPassword},
	// Operator console.
	"admin_progress": {partialAdmin},
	"admin_search":   {partialAdmin, partialField},
	"admin_person":   {partialAdmin, partialField},
	"admin_audit":    {partialAdmin, partialField},
	// The OpenID Connect provider's own screen.
	"oidc_logout": nil,
	// Second factors.
	"mfa":      {partialField},
	"mfa_code": {partialField},
}

// viewFiles returns the files a page is parsed from, relative to
// templates/: the layout, the page, and its partials with theirs.
func viewFiles(name string) []string {
	files := []string{"layout.html", name + ".html"}
	seen := map[string]bool{}
	var add func(ps []string)
	add = func(ps []string) {
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				files = append(files, p)
				add(partialDeps[p])
			}
		}
	}
	add(viewPartials[name])
	return files
}

// views holds the parsed templates, one per page.
type views struct {
	byName map[string]*template.Template
}

// parseViews parses each page with its files once, at start.
func parseViews(funcs template.FuncMap) (*views, error) {
	v := &views{byName: map[string]*template.Template{}}
	for _, name := range slices.Sorted(maps.Keys(viewPartials)) {
		t, err := parseView(funcs, name, viewFiles(name))
		if err != nil {
			return nil, err
		}
		v.byName[name] = t
	}
	return v, nil
}

// parseView parses one page from files (relative to templates/) and checks
// that every template it calls is among them; html/template would only
// notice a missing one when the page is first rendered.
func parseView(funcs template.FuncMap, name string, files []string) (*template.Template, error) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = "templates/" + f
	}
	t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, paths...)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	for _, def := range t.Templates() {
		if def.Tree == nil {
			continue
		}
		for _, called := range calledTemplates(def.Tree.Root) {
			if t.Lookup(called) == nil {
				return nil, fmt.Errorf("template %s: %s calls %q, which none of %s defines (declare its partial in viewPartials)",
					name, def.Name(), called, strings.Join(files, ", "))
			}
		}
	}
	return t, nil
}

// calledTemplates lists the names of the {{template}} calls under n.
func calledTemplates(n parse.Node) []string {
	var names []string
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.TemplateNode:
			names = append(names, n.Name)
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(n)
	return names
}

// templateFuncs are the functions templates may call.
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		// t returns the catalogue text for a key.
		// Pointer arguments are followed (a nil one prints as ""), so a
		// *string field never prints as "%!s(*string=0x…)".
		"t": func(key string, args ...any) string { return s.msg(key, derefArgs(args)...) },
		// date formats a date the Polish way: 31.08.2026.
		"date": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("02.01.2006")
		},
		// function names a grant's function in Polish.
		"function": func(f jedenlogin.Function) string { return s.msg("function." + string(f)) },
		// join lists scopes.
		"join": func(ss []string) string { return strings.Join(ss, ", ") },
		// field builds a form field for the "field" partial (formfield.go).
		"field": newFormField,
		// dict passes several values to a partial.
		"dict": dict,
		// helpURL, helpHost and support: the help page, its host name
		// (the link's text) and the helpdesk contact (Config).
		"helpURL":  func() string { return s.cfg.HelpURL },
		"helpHost": func() string { return helpHost(s.cfg.HelpURL) },
		"support":  func() string { return s.cfg.SupportContact },
	}
}

// derefArgs returns args with every pointer replaced by what it points to
// ("" for a nil pointer).
func derefArgs(args []any) []any {
	var out []any
	for i, a := range args {
		v := reflect.ValueOf(a)
		if v.Kind() != reflect.Pointer {
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		if v.IsNil() {
			out[i] = ""
		} else {
			out[i] = v.Elem().Interface()
		}
	}
	if out == nil {
		return args
	}
	return out
}

// helpHost is the help page's address as people read it: the host, with
// the path when there is one ("pomoc.sio.gov.pl/jeden-login").
func helpHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.TrimSuffix(u.Host+u.EscapedPath(), "/")
}

// checkRendered, when set (by this package's tests), vets every rendered
// page before it is sent; an error turns the page into the 500 error page
// (and fails the test that asked for it).
var checkRendered func(view string, page []byte) error

// staticHandler serves the embedded CSS and JS (cacheable for an hour).
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// pageData is what every page template gets.
type pageData struct {
	// Title is the page's h1 and <title> (already translated).
	Title string
	// User is set when a session is open: the header shows the login,
	// the navigation, WYLOGUJ SIĘ and the session countdown.
	User *userInfo
	// CSRF is the form token: the session's, or the pre-session one.
	CSRF string
	// Error and Notice are shown in the alert box at the top.
	Error, Notice string
	// Info is a neutral message (e.g. signed out).
	Info string
	// Fields holds messages for single form fields, by field name.
	Fields map[string]string
	// FieldDetails lists, by field name, the reasons behind the field's
	// message in Fields (each on its own line, in the alert and at the
	// field).
	FieldDetails map[string][]string
	// Data is the page's own data.
	Data any
}

// userInfo describes the signed-in user for the layout.
type userInfo struct {
	Login   string
	Pending bool
	// IdleSeconds is the idle timeout, for the countdown script.
	IdleSeconds int
	// WarnSeconds is how long before expiry the dialog opens.
	WarnSeconds int
	Nav         string // which navigation item is current
	// Operator: the person has the operator role (the console's link).
	Operator bool
	// Path is the current page, where "Przedłuż sesję" returns without script.
	Path string
}

// countdownWarning is when the session dialog appears (SPEC §8: the last 5 minutes).
const countdownWarning = 5 * time.Minute

func (s *Server) user(r *http.Request, a *authState, nav string) *userInfo {
	if a == nil {
		return nil
	}
	warn := countdownWarning
	if warn > s.cfg.IdleTimeout/2 {
		warn = s.cfg.IdleTimeout / 2
	}
	return &userInfo{
		Login: a.login.Name, Pending: a.pending() || a.sess.MFA != jedenlogin.MFADone, Nav: nav, Path: localPath(r.URL.Path), Operator: a.person.Operator,
		IdleSeconds: int(s.cfg.IdleTimeout / time.Second), WarnSeconds: int(warn / time.Second),
	}
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, d *pageData) {
	t, ok := s.views.byName[name]
	if !ok {
		s.renderError(w, r, s.internal(fmt.Errorf("no view %q", name)))
		return
	}
	var buf bytes.Buffer
	err := t.Execute(&buf, d)
	if err == nil && checkRendered != nil {
		err = checkRendered(name, buf.Bytes())
	}
	if err != nil {
		if name == "error" {
			s.log.ErrorContext(r.Context(), "render error page", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		s.renderError(w, r, s.internal(fmt.Errorf("render %s: %w", name, err)))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	s.oidcFormAction(w, r)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// page adapts an error-returning page handler: an error becomes the Polish
// error page with the status of its code.
func (s *Server) page(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, s.toHTTPError(err))
		}
	}
}

// errorPage is the data of the error page.
type errorPage struct {
	Status int
	// SignIn offers the sign-in link (for 401).
	SignIn bool
}

// renderError shows the Polish error page; internal causes are logged only.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, he *jedenlogin.Error) {
	s.logError(r, he)
	setRetryAfter(w, he.RetryAfter)
	st := statusOfError(he)
	s.render(w, r, st, "error", &pageData{
		Title: s.msg("error.title"),
		Error: s.text(he.Text), Notice: s.text(he.Notice),
		Data: errorPage{Status: st, SignIn: st == http.StatusUnauthorized},
	})
}
