package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"jedenlogin"
	"jedenlogin/demo"
	"jedenlogin/oidc"
	"jedenlogin/password"
	"jedenlogin/store/sqlstore"
	"jedenlogin/store/storetest"
	"jedenlogin/web"
)

// rpHost is the relying party's host: the test browser stops at redirects
// to it, where a module would take the code.
const rpHost = "modul.example"

const (
	redirectURI   = "https://" + rpHost + "/cb"
	logoutURI     = "https://" + rpHost + "/wylogowano"
	confidential  = "modul"
	publicClient  = "aplikacja"
	rsaClient     = "modul-rsa"
	bcClient      = "modul-bc" // takes back-channel logouts at env.bc
	testTimeLimit = 2 * time.Minute
)

// clock is the provider's clock, moved by tests.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// env is a running jedenlogin (web and the provider) on a real database,
// with registered clients and the demo persons.
type env struct {
	t      *testing.T
	ctx    context.Context
	dsn    string
	st     *sqlstore.Store
	creds  *demo.Credentials
	issuer string
	clock  *clock
	secret string // the confidential clients' secret
	rp     *gooidc.Provider
	bc     *receiver   // bcClient's backchannel_logout_uri
	srv    *web.Server // the first instance's web server
}

// receiver is a module's back-channel logout endpoint: it records every
// logout_token posted, answering 500 to the first fail posts.
type receiver struct {
	url    string
	fail   atomic.Int64
	posts  atomic.Int64
	tokens chan string
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{tokens: make(chan string, 100)}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.posts.Add(1)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "want a form POST", http.StatusBadRequest)
			return
		}
		if rc.fail.Add(-1) >= 0 {
			http.Error(w, "not now", http.StatusInternalServerError)
			return
		}
		rc.tokens <- r.PostFormValue("logout_token")
	}))
	t.Cleanup(s.Close)
	rc.url = s.URL + "/backchannel"
	return rc
}

// next waits for the next logout token (seconds at most, as the spec's
// "within seconds" promises).
func (rc *receiver) next(t *testing.T) string {
	t.Helper()
	select {
	case tok := <-rc.tokens:
		return tok
	case <-time.After(10 * time.Second):
		t.Fatal("no back-channel logout within 10 s")
		return ""
	}
}

// stack is one instance: web and the provider on their own store handle,
// delivering back-channel logouts as serve does.
func newStack(t *testing.T, dsn, issuer string, clk *clock) (http.Handler, *web.Server) {
	t.Helper()
	st := storetest.Open(t, dsn)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := web.New(web.Config{Store: st, Hasher: &password.Hasher{Params: password.CheapParams}, Logger: logger, PublicURL: issuer})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	p, err := oidc.New(context.Background(), oidc.Config{
		Issuer: issuer, Store: st, Logger: logger, EndSession: srv.EndSession, AllowInsecure: true, Now: clk.now,
		LogoutPoll: 100 * time.Millisecond, Middleware: srv.Wrap,
	})
	if err != nil {
		t.Fatalf("oidc.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.DeliverLogouts(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return p.Handler(srv.Handler()), srv
}

// newEnv starts instances instances on one database behind one issuer (a
// round-robin reverse proxy when there are more than one).
func newEnv(t *testing.T, b storetest.Backend, instances int) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx, dsn: b.NewDSN(t), clock: &clock{}, bc: newReceiver(t)}
	e.st = storetest.Open(t, e.dsn)
	creds, err := demo.Build(ctx, e.st, &password.Hasher{Params: password.CheapParams}, time.Now())
	if err != nil {
		t.Fatalf("demo.Build: %v", err)
	}
	e.creds = creds
	var hash string
	e.secret, hash = oidc.NewClientSecret()
	for _, c := range []jedenlogin.OIDCClient{
		{ID: confidential, Name: "Moduł SIO", SecretHash: hash, SigningAlg: jedenlogin.AlgES256},
		{ID: rsaClient, Name: "Moduł RSA", SecretHash: hash, SigningAlg: jedenlogin.AlgRS256},
		{ID: publicClient, Name: "Aplikacja", Public: true, SigningAlg: jedenlogin.AlgES256},
		{ID: bcClient, Name: "Moduł z wylogowaniem", SecretHash: hash, SigningAlg: jedenlogin.AlgES256, BackchannelLogoutURI: e.bc.url},
	} {
		c.RedirectURIs, c.PostLogoutRedirectURIs, c.CreatedAt = []string{redirectURI}, []string{logoutURI}, time.Now()
		if err := e.st.CreateOIDCClient(ctx, c); err != nil {
			t.Fatalf("CreateOIDCClient: %v", err)
		}
	}

	front := httptest.NewUnstartedServer(nil)
	e.issuer = "http://" + front.Listener.Addr().String()
	var backends []*url.URL
	for range instances {
		h, srv := newStack(t, e.dsn, e.issuer, e.clock)
		if e.srv == nil {
			e.srv = srv
		}
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		u, _ := url.Parse(s.URL)
		backends = append(backends, u)
	}
	var n atomic.Int64
	front.Config.Handler = &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backends[int(n.Add(1))%len(backends)])
		r.Out.Host = r.In.Host // the issuer's host, as behind a load balancer
	}}
	front.Start()
	t.Cleanup(front.Close)

	e.rp, err = gooidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatalf("go-oidc discovery: %v", err)
	}
	return e
}

// oauth returns the relying party's configuration for a client.
func (e *env) oauth(clientID string, scopes ...string) *oauth2.Config {
	c := &oauth2.Config{
		ClientID: clientID, Endpoint: e.rp.Endpoint(), RedirectURL: redirectURI,
		Scopes: append([]string{gooidc.ScopeOpenID}, scopes...),
	}
	if clientID != publicClient {
		c.ClientSecret = e.secret
	}
	return c
}

func (e *env) verifier(clientID string) *gooidc.IDTokenVerifier {
	return e.rp.Verifier(&gooidc.Config{ClientID: clientID})
}

// browser is a person's browser: cookies, and redirects followed until
// they leave for the relying party.
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, client: &http.Client{Jar: jar, Timeout: testTimeLimit, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host == rpHost || len(via) > 20 {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

// page is a response with its body read.
type page struct {
	status   int
	url      *url.URL // where the browser ended
	location string   // the Location of a redirect to the relying party
	body     string
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return &page{status: resp.StatusCode, url: resp.Request.URL, location: resp.Header.Get("Location"), body: string(body)}
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var inputRE = regexp.MustCompile(`<input[^>]*>`)
var attrRE = regexp.MustCompile(`(\w+)="([^"]*)"`)

// form returns the values a browser would submit of the page's first form
// that has a field named field: hidden inputs and the first radio button.
func (p *page) form(t *testing.T, field string) url.Values {
	t.Helper()
	for _, f := range strings.Split(p.body, "<form")[1:] {
		f, _, _ = strings.Cut(f, "</form>")
		v := url.Values{}
		has := false
		for _, in := range inputRE.FindAllString(f, -1) {
			a := map[string]string{}
			for _, m := range attrRE.FindAllStringSubmatch(in, -1) {
				a[m[1]] = html.UnescapeString(m[2])
			}
			if a["name"] == field {
				has = true
			}
			switch a["type"] {
			case "hidden":
				v.Set(a["name"], a["value"])
			case "radio":
				if v.Get(a["name"]) == "" {
					v.Set(a["name"], a["value"])
				}
			}
		}
		if has {
			return v
		}
	}
	t.Fatalf("no form with %q at %s (status %d):\n%s", field, p.url, p.status, p.body)
	return nil
}

// flow is one authorization: what the relying party sent and got.
type flow struct {
	state, nonce, verifier string
	authURL                string
}

func (e *env) newFlow(conf *oauth2.Config, opts ...oauth2.AuthCodeOption) *flow {
	f := &flow{state: oauth2.GenerateVerifier(), nonce: oauth2.GenerateVerifier(), verifier: oauth2.GenerateVerifier()}
	opts = append([]oauth2.AuthCodeOption{gooidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier)}, opts...)
	f.authURL = conf.AuthCodeURL(f.state, opts...)
	return f
}

// signIn posts the sign-in form the page shows.
func (b *browser) signIn(p *page, login, pw string) *page {
	b.t.Helper()
	v := p.form(b.t, "password")
	v.Set("login", login)
	v.Set("password", pw)
	return b.post(b.e.issuer+"/logowanie", v)
}

// consolidate confirms the transition screen with the password (the
// first login offered).
func (b *browser) consolidate(p *page, pw string) *page {
	b.t.Helper()
	if p.url.Path != "/potwierdz-login" {
		b.t.Fatalf("expected the transition screen, at %s (status %d)", p.url, p.status)
	}
	v := p.form(b.t, "password")
	v.Set("password", pw)
	v.Set("potwierdzam", "tak")
	return b.post(b.e.issuer+"/potwierdz-login", v)
}

// chooseEntity picks the entity on PODMIOTY.
func (b *browser) chooseEntity(p *page, entityID string) *page {
	b.t.Helper()
	if p.url.Path != "/podmioty" {
		b.t.Fatalf("expected PODMIOTY, at %s (status %d)", p.url, p.status)
	}
	v := p.form(b.t, "entity_id")
	v.Set("entity_id", entityID)
	return b.post(b.e.issuer+"/podmioty/wybierz", v)
}

// code returns the code of a redirect to the relying party, checking state.
func (f *flow) code(t *testing.T, p *page) string {
	t.Helper()
	q := p.query(t)
	if q.Get("error") != "" {
		t.Fatalf("authorization failed: %s: %s", q.Get("error"), q.Get("error_description"))
	}
	if q.Get("state") != f.state {
		t.Fatalf("state = %q, want %q", q.Get("state"), f.state)
	}
	if q.Get("code") == "" {
		t.Fatalf("no code in %s", p.location)
	}
	return q.Get("code")
}

// query returns the query of the redirect to the relying party.
func (p *page) query(t *testing.T) url.Values {
	t.Helper()
	if p.location == "" || !strings.HasPrefix(p.location, "https://"+rpHost+"/") {
		t.Fatalf("expected a redirect to the relying party, at %s (status %d):\n%.2000s", p.url, p.status, p.body)
	}
	u, err := url.Parse(p.location)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// person returns a demo person's unified login (after the transition) and password.
func (e *env) person(key string) (login, pw string, p *demo.Person) {
	p = e.creds.Person(key)
	if p == nil {
		e.t.Fatalf("no demo person %s", key)
	}
	return p.Logins[0].Name, p.Logins[0].Password, p
}

// signedInFlow drives a whole authorization for a demo person who gets
// one entity at most, the transition included, and returns the code.
func (e *env) signedInFlow(b *browser, conf *oauth2.Config, key string, opts ...oauth2.AuthCodeOption) (*flow, string) {
	e.t.Helper()
	f := e.newFlow(conf, opts...)
	login, pw, _ := e.person(key)
	p := b.get(f.authURL)
	if p.location == "" {
		p = b.signIn(p, login, pw)
	}
	if p.location == "" && p.url.Path == "/potwierdz-login" {
		p = b.consolidate(p, pw)
	}
	return f, f.code(e.t, p)
}

// tokens exchanges a code.
func (e *env) exchange(conf *oauth2.Config, f *flow, code string) (*oauth2.Token, error) {
	return conf.Exchange(e.ctx, code, oauth2.VerifierOption(f.verifier))
}

// idToken verifies the token's ID token and its nonce.
func (e *env) idToken(clientID string, tok *oauth2.Token, nonce string) (*gooidc.IDToken, map[string]any) {
	e.t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	idt, err := e.verifier(clientID).Verify(e.ctx, raw)
	if err != nil {
		e.t.Fatalf("verify ID token: %v", err)
	}
	if nonce != "" && idt.Nonce != nonce {
		e.t.Errorf("nonce = %q, want %q", idt.Nonce, nonce)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		e.t.Fatal(err)
	}
	return idt, claims
}

// oauthError returns the OAuth error code of a failed token request.
func oauthError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return fmt.Sprintf("not an OAuth error: %v", err)
}

// postForm posts to a provider endpoint as a client.
func (e *env) postForm(path, clientID, secret string, v url.Values) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// audit counts the audit events of an action.
func (e *env) audit(action string) int {
	e.t.Helper()
	evs, err := e.st.Audit(e.ctx, jedenlogin.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(evs)
}

func regexpMust(p string) *regexp.Regexp { return regexp.MustCompile(p) }
