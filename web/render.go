package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"jedenlogin"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// viewNames declares every page template; each is parsed with the layout.
var viewNames = []string{"signin", "consolidation", "account", "entities", "extend", "error",
	// Account self-service.
	"profile", "contact", "password", "recovery_login", "recovery_password", "recovered_login", "email_confirm", "link_expired",
	// Access applications and grants.
	"apply", "done", "my_applications", "queue", "application", "revoke", "activation"}

// views holds the parsed templates, one per page.
type views struct {
	byName map[string]*template.Template
}

// parseViews parses the layout with each page once, at start.
func parseViews(funcs template.FuncMap) (*views, error) {
	v := &views{byName: map[string]*template.Template{}}
	for _, name := range viewNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		v.byName[name] = t
	}
	return v, nil
}

// templateFuncs are the functions templates may call.
func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		// t returns the catalogue text for a key.
		"t": func(key string, args ...any) string { return s.msg(key, args...) },
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
		// describedby returns the ids that describe a form field: its
		// hint, its own error and the page's alert.
		"describedby": func(d *pageData, field, hint string) string {
			var ids []string
			if hint != "" {
				ids = append(ids, hint)
			}
			if d.Fields[field] != "" {
				ids = append(ids, field+"-blad")
			}
			if d.Error != "" && (field == "login" || field == "password") {
				ids = append(ids, "komunikat")
			}
			return strings.Join(ids, " ")
		},
	}
}

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
		Login: a.login.Name, Pending: a.pending(), Nav: nav, Path: localPath(r.URL.Path),
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
	if err := t.Execute(&buf, d); err != nil {
		if name == "error" {
			s.log.ErrorContext(r.Context(), "render error page", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		s.renderError(w, r, s.internal(fmt.Errorf("render %s: %w", name, err)))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
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
