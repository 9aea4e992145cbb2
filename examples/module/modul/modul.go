// Package modul is a small SIO module that signs people in through
// jedenlogin with OpenID Connect, written only on the relying-party
// libraries any module would use — github.com/coreos/go-oidc/v3 and
// golang.org/x/oauth2 — and nothing of jedenlogin's own code.
//
// It signs a person in (authorization code flow with PKCE S256, nonce and
// state), shows who they are and the entity they act for, switches the
// entity ("Zmień podmiot": a new authorization with prompt=select_account),
// signs out through jedenlogin ("Wyloguj": RP-initiated logout with
// id_token_hint and post_logout_redirect_uri) and honours back-channel
// logout (the logout_token verified with go-oidc's verifier, its event and
// sid checked, the local session ended).
//
// Sessions live in memory: a real module keeps them where its instances
// share them.
package modul

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config configures the module.
type Config struct {
	// Issuer is jedenlogin's public URL.
	Issuer string
	// ClientID and ClientSecret are what `jedenlogin client add` gave.
	ClientID, ClientSecret string
	// URL is the module's own public URL: the redirect URI is URL +
	// "/callback", the post-logout redirect URI URL + "/wylogowano", the
	// back-channel logout URI URL + "/backchannel".
	URL string
	// Logger; nil: slog.Default().
	Logger *slog.Logger
}

// Module is the module's HTTP handler.
type Module struct {
	cfg        Config
	provider   *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	oauth      *oauth2.Config
	endSession string

	mu       sync.Mutex
	sessions map[string]*session // by cookie value
	pending  map[string]*pending // by state
}

// session is a signed-in person in the module.
type session struct {
	csrf     string
	idToken  string // raw, for id_token_hint
	sub, sid string
	C        claims
	started  time.Time
}

// pending is an authorization on its way: what the callback checks.
type pending struct {
	verifier, nonce string
	created         time.Time
}

// claims are the ID token's claims the module shows.
type claims struct {
	Subject   string   `json:"sub"`
	SID       string   `json:"sid"`
	Login     string   `json:"preferred_username"`
	GivenName string   `json:"given_name"`
	Family    string   `json:"family_name"`
	Email     string   `json:"email"`
	Entity    *entity  `json:"entity"`
	Entities  []entity `json:"entities"`
	AMR       []string `json:"amr"`
}

type entity struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Function string   `json:"function"`
	Scopes   []string `json:"scopes"`
	ValidTo  *string  `json:"valid_to"`
}

const (
	cookieSession = "modul_sesja"
	// BackchannelEvent is the event a logout token must carry.
	BackchannelEvent = "http://schemas.openid.net/event/backchannel-logout"
)

// New discovers the issuer and returns the module.
func New(ctx context.Context, cfg Config) (*Module, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.URL = strings.TrimSuffix(cfg.URL, "/")
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery at %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession  string `json:"end_session_endpoint"`
		Backchannel bool   `json:"backchannel_logout_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("discovery at %s: %w", cfg.Issuer, err)
	}
	if !meta.Backchannel {
		cfg.Logger.Warn("the provider does not announce back-channel logout")
	}
	return &Module{
		cfg:        cfg,
		provider:   p,
		verifier:   p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		endSession: meta.EndSession,
		oauth: &oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: cfg.URL + "/callback",
			Scopes:      []string{oidc.ScopeOpenID, "profile", "email", "entity"},
		},
		sessions: map[string]*session{},
		pending:  map[string]*pending{},
	}, nil
}

// ServeHTTP routes the module's pages.
func (m *Module) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; form-action 'self' "+m.cfg.Issuer)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	switch {
	case r.URL.Path == "/" && r.Method == http.MethodGet:
		m.home(w, r)
	case r.URL.Path == "/zaloguj" && r.Method == http.MethodGet:
		m.authorize(w, r, false)
	case r.URL.Path == "/zmien-podmiot" && r.Method == http.MethodPost:
		if m.current(r, true) == nil {
			http.Error(w, "Brak sesji lub nieprawidłowy formularz.", http.StatusForbidden)
			return
		}
		m.authorize(w, r, true)
	case r.URL.Path == "/callback" && r.Method == http.MethodGet:
		m.callback(w, r)
	case r.URL.Path == "/wyloguj" && r.Method == http.MethodPost:
		m.logout(w, r)
	case r.URL.Path == "/wylogowano" && r.Method == http.MethodGet:
		m.render(w, http.StatusOK, page{Title: "Wylogowano", Message: "Wylogowano z modułu i z jedenlogin."})
	case r.URL.Path == "/backchannel" && r.Method == http.MethodPost:
		m.backchannel(w, r)
	default:
		http.NotFound(w, r)
	}
}

// current returns the browser's session; with form, only when the form's
// csrf field matches it.
func (m *Module) current(r *http.Request, form bool) *session {
	c, err := r.Cookie(cookieSession)
	if err != nil {
		return nil
	}
	m.mu.Lock()
	s := m.sessions[c.Value]
	m.mu.Unlock()
	if s == nil || (form && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1) {
		return nil
	}
	return s
}

func (m *Module) home(w http.ResponseWriter, r *http.Request) {
	s := m.current(r, false)
	if s == nil {
		m.render(w, http.StatusOK, page{Title: "Moduł SIO", Message: "Nie jesteś zalogowany.", SignIn: true})
		return
	}
	m.render(w, http.StatusOK, page{Title: "Moduł SIO", Session: s, CSRF: s.csrf})
}

// authorize starts an authorization: state, nonce and a PKCE verifier
// remembered for the callback; prompt=select_account to switch entity.
func (m *Module) authorize(w http.ResponseWriter, r *http.Request, switchEntity bool) {
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	m.mu.Lock()
	for k, p := range m.pending { // forget abandoned ones
		if time.Since(p.created) > 30*time.Minute {
			delete(m.pending, k)
		}
	}
	m.pending[state] = &pending{verifier: verifier, nonce: nonce, created: time.Now()}
	m.mu.Unlock()
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if switchEntity {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "select_account"))
	}
	http.Redirect(w, r, m.oauth.AuthCodeURL(state, opts...), http.StatusSeeOther)
}

// callback takes the code: state checked, code exchanged with the PKCE
// verifier, ID token verified with its nonce; a new local session.
func (m *Module) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m.mu.Lock()
	p := m.pending[q.Get("state")]
	delete(m.pending, q.Get("state"))
	m.mu.Unlock()
	if p == nil {
		m.render(w, http.StatusBadRequest, page{Title: "Błąd logowania", Message: "Nieznany lub już użyty parametr state. Zaloguj się ponownie.", SignIn: true})
		return
	}
	if e := q.Get("error"); e != "" {
		msg := "jedenlogin odmówił logowania (" + e + ")."
		if e == "access_denied" {
			msg = "Nie masz ważnego upoważnienia do żadnego podmiotu, więc moduł nie może Cię zalogować."
		}
		m.render(w, http.StatusForbidden, page{Title: "Brak dostępu", Message: msg, SignIn: true})
		return
	}
	tok, err := m.oauth.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		m.fail(w, "wymiana kodu", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := m.verifier.Verify(r.Context(), raw)
	if err != nil {
		m.fail(w, "weryfikacja tokenu ID", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.nonce)) != 1 {
		m.fail(w, "weryfikacja tokenu ID", errors.New("nonce mismatch"))
		return
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		m.fail(w, "odczyt tokenu ID", err)
		return
	}
	id := random()
	s := &session{csrf: random(), idToken: raw, sub: idt.Subject, sid: c.SID, C: c, started: time.Now()}
	m.mu.Lock()
	if old, err := r.Cookie(cookieSession); err == nil {
		delete(m.sessions, old.Value) // a switch of entity replaces the session
	}
	m.sessions[id] = s
	m.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(m.cfg.URL, "https://")})
	m.cfg.Logger.Info("signed in", "sub", s.sub, "entity", entityID(c.Entity))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout ends the local session and sends the browser to jedenlogin's
// end_session endpoint (RP-initiated logout), which ends jedenlogin's
// session and comes back to /wylogowano.
func (m *Module) logout(w http.ResponseWriter, r *http.Request) {
	s := m.current(r, true)
	if s == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	m.endSessions(func(x *session) bool { return x == s })
	http.SetCookie(w, &http.Cookie{Name: cookieSession, Value: "", Path: "/", MaxAge: -1})
	v := url.Values{"id_token_hint": {s.idToken}, "post_logout_redirect_uri": {m.cfg.URL + "/wylogowano"}, "state": {random()}}
	http.Redirect(w, r, m.endSession+"?"+v.Encode(), http.StatusSeeOther)
}

// backchannel is OpenID Connect Back-Channel Logout: the logout token is
// verified like an ID token (signature, iss, aud, exp) by go-oidc, then
// checked as §2.6 asks — the event present, no nonce, a sid or a sub — and
// every local session it names ends. The answer is 200, or 400 with an
// OAuth error for a token the module refuses.
func (m *Module) backchannel(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	refuse := func(why string) {
		m.cfg.Logger.Warn("back-channel logout refused", "why", why)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": why})
	}
	raw := r.PostFormValue("logout_token")
	if raw == "" {
		refuse("no logout_token")
		return
	}
	tok, err := m.verifier.Verify(r.Context(), raw)
	if err != nil {
		refuse("logout_token: " + err.Error())
		return
	}
	var c struct {
		Events map[string]json.RawMessage `json:"events"`
		Nonce  *string                    `json:"nonce"`
		SID    string                     `json:"sid"`
	}
	if err := tok.Claims(&c); err != nil {
		refuse("logout_token claims: " + err.Error())
		return
	}
	switch {
	case c.Events[BackchannelEvent] == nil:
		refuse("logout_token without the back-channel logout event")
		return
	case c.Nonce != nil:
		refuse("logout_token with a nonce")
		return
	case c.SID == "" && tok.Subject == "":
		refuse("logout_token with neither sid nor sub")
		return
	}
	n := m.endSessions(func(s *session) bool {
		if c.SID != "" {
			return s.sid == c.SID && (tok.Subject == "" || s.sub == tok.Subject)
		}
		return s.sub == tok.Subject
	})
	m.cfg.Logger.Info("back-channel logout", "sub", tok.Subject, "sid", c.SID, "sessions_ended", n)
	w.WriteHeader(http.StatusOK)
}

// endSessions removes the sessions match selects and returns how many.
func (m *Module) endSessions(match func(*session) bool) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, s := range m.sessions {
		if match(s) {
			delete(m.sessions, k)
			n++
		}
	}
	return n
}

// Sessions returns how many people are signed in to the module.
func (m *Module) Sessions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

func (m *Module) fail(w http.ResponseWriter, step string, err error) {
	m.cfg.Logger.Warn("sign-in failed", "step", step, "err", err)
	m.render(w, http.StatusBadGateway, page{Title: "Błąd logowania", Message: "Logowanie nie powiodło się (" + step + "). Spróbuj ponownie.", SignIn: true})
}

func entityID(e *entity) string {
	if e == nil {
		return ""
	}
	return e.ID
}

func random() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// page is what the one template shows.
type page struct {
	Title, Message string
	SignIn         bool
	Session        *session
	CSRF           string
}

func (m *Module) render(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, p); err != nil {
		m.cfg.Logger.Error("render", "err", err)
	}
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"join": func(s []string) string { return strings.Join(s, ", ") },
}).Parse(`<!doctype html>
<html lang="pl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
form{display:inline-block;margin-right:1rem}button,a.button{font-size:1rem;padding:.4rem .8rem}
table{border-collapse:collapse}td,th{border:1px solid #767676;padding:.2rem .5rem;text-align:left}</style>
</head>
<body>
<header><p>Moduł SIO — przykład logowania przez jedenlogin</p></header>
<main>
<h1>{{.Title}}</h1>
{{with .Message}}<p id="komunikat">{{.}}</p>{{end}}
{{if .SignIn}}<p><a class="button" href="/zaloguj">Zaloguj się przez jedenlogin</a></p>{{end}}
{{with .Session}}
<p id="osoba">Zalogowano jako <strong>{{.C.GivenName}} {{.C.Family}}</strong> (login <strong>{{.C.Login}}</strong>).</p>
{{with .C.Entity}}
<p id="podmiot">Działasz w imieniu podmiotu: <strong>{{.Name}}</strong> ({{.ID}}), funkcja: {{.Function}}{{with .Scopes}}, zakresy: {{join .}}{{end}}{{with .ValidTo}}, ważne do {{.}}{{end}}.</p>
{{else}}
<p id="podmiot">Nie działasz w imieniu żadnego podmiotu.</p>
{{end}}
{{if .C.Entities}}
<table><caption>Twoje upoważnienia</caption>
<thead><tr><th scope="col">Podmiot</th><th scope="col">Funkcja</th><th scope="col">Ważne do</th></tr></thead>
<tbody>{{range .C.Entities}}<tr><td>{{.Name}} ({{.ID}})</td><td>{{.Function}}</td><td>{{with .ValidTo}}{{.}}{{else}}bezterminowo{{end}}</td></tr>{{end}}</tbody>
</table>
{{end}}
{{end}}
{{if .Session}}
<p>
<form method="post" action="/zmien-podmiot"><input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit">Zmień podmiot</button></form>
<form method="post" action="/wyloguj"><input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit">Wyloguj</button></form>
</p>
{{end}}
</main>
</body>
</html>
`))
