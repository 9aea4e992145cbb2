package main

// The OpenID Connect provider in a real browser: the example module
// (examples/module, on go-oidc and x/oauth2) signs in a demo person of every
// one-login transition case through jedenlogin's pages, the transition
// happening in between; the person picks an entity, switches to another
// (prompt=select_account), and signs out everywhere — the module's session
// ending by back-channel logout. Every screen the provider adds is checked
// with axe-core.

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"jedenlogin"
	"jedenlogin/demo"
	"jedenlogin/examples/module/modul"
	"jedenlogin/internal/browsertest"
	"jedenlogin/oidc"
	"jedenlogin/password"
	"jedenlogin/store/sqlstore"
	"jedenlogin/web"
)

// oidcE2E is jedenlogin with its provider, and the example module.
type oidcE2E struct {
	*e2e
	module    *modul.Module
	moduleURL string
}

func startOIDCE2E(t *testing.T) *oidcE2E {
	t.Helper()
	b := browsertest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "oidc-e2e.db"), sqlstore.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &password.Hasher{Params: password.CheapParams}
	creds, err := demo.Build(ctx, st, h, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	js := httptest.NewUnstartedServer(nil)
	issuer := "http://" + js.Listener.Addr().String()
	srv, err := web.New(web.Config{Store: st, Hasher: h, Logger: logger, PublicURL: issuer})
	if err != nil {
		t.Fatal(err)
	}
	p, err := oidc.New(ctx, oidc.Config{Issuer: issuer, Store: st, Logger: logger, EndSession: srv.EndSession, AllowInsecure: true,
		LogoutPoll: 100 * time.Millisecond, Middleware: srv.Wrap})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); p.DeliverLogouts(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	js.Config.Handler = p.Handler(srv.Handler())
	js.Start()
	t.Cleanup(js.Close)

	ms := httptest.NewUnstartedServer(nil)
	// The module on "localhost", jedenlogin on 127.0.0.1: two hosts, as
	// a module and jedenlogin are.
	moduleURL := "http://localhost:" + strings.Split(ms.Listener.Addr().String(), ":")[1]
	secret, hash := oidc.NewClientSecret()
	if err := st.CreateOIDCClient(ctx, jedenlogin.OIDCClient{
		ID: "modul", Name: "Moduł przykładowy", SecretHash: hash, SigningAlg: jedenlogin.AlgES256, CreatedAt: time.Now(),
		RedirectURIs: []string{moduleURL + "/callback"}, PostLogoutRedirectURIs: []string{moduleURL + "/wylogowano"},
		BackchannelLogoutURI: moduleURL + "/backchannel",
	}); err != nil {
		t.Fatal(err)
	}
	m, err := modul.New(ctx, modul.Config{Issuer: issuer, ClientID: "modul", ClientSecret: secret, URL: moduleURL, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ms.Config.Handler = m
	ms.Start()
	t.Cleanup(ms.Close)
	return &oidcE2E{e2e: &e2e{t: t, b: b, url: issuer, creds: creds}, module: m, moduleURL: moduleURL}
}

// validEntities are the names of the entities the person's valid grants open.
func validEntities(dp *demo.Person) []string {
	var out []string
	for _, g := range dp.Grants {
		if g.Valid && !slices.Contains(out, g.EntityName) {
			out = append(out, g.EntityName)
		}
	}
	return out
}

// transition goes through the one-login transition screen: the login
// signed in with (or the first candidate) chosen and confirmed with its
// password, or the generated login confirmed with the current password.
func transition(t *testing.T, p *browsertest.Page, dp *demo.Person, signedIn demo.Login) {
	t.Helper()
	p.WaitHeading("Potwierdź wybór loginu")
	if len(dp.Candidates) > 0 {
		chosen := signedIn
		if !slices.Contains(dp.Candidates, chosen.Name) {
			chosen = *dp.Login(dp.Candidates[0])
		}
		id := browsertest.Eval[string](p, fmt.Sprintf("document.querySelector(%q).id", radioForLogin(chosen.Name)))
		p.Click("label[for=" + browsertest.CSSEscapeID(id) + "]")
		p.Type(p.FieldByLabel("Hasło loginu "+chosen.Name), chosen.Password)
	} else {
		p.Type(p.FieldByLabel("Potwierdź dotychczasowym hasłem"), signedIn.Password)
	}
	p.ClickText("label", "POTWIERDZAM")
	p.ClickText("button", "POTWIERDŹ")
}

func TestBrowserOIDCModule(t *testing.T) {
	e := startOIDCE2E(t)
	for _, key := range []string{demo.Unchanged, demo.Choose, demo.ChooseUppercase1, demo.ChooseUppercase2, demo.Generate1, demo.Generate2, demo.Operator} {
		t.Run(key, func(t *testing.T) {
			e.t = t
			dp := e.person(key)
			l := dp.Logins[0]
			for _, cand := range dp.Logins {
				if cand.Active {
					l = cand
					break
				}
			}
			ents := validEntities(dp)
			p := e.b.NewPage(t)
			p.Open(e.moduleURL + "/")
			p.WaitHeading("Moduł SIO")
			wantPageText(t, p, "Nie jesteś zalogowany.")
			p.ClickText("a", "Zaloguj się przez jedenlogin")
			p.WaitHeading("Logowanie")
			wantPageText(t, p, "Zaloguj się, aby przejść do aplikacji: Moduł przykładowy.")
			e.check(p, "oidc sign-in")
			p.Type(p.FieldByLabel("Login"), l.Name)
			p.Type(p.FieldByLabel("Hasło"), l.Password)
			p.ClickText("button", "Zaloguj")
			if dp.Case != jedenlogin.CaseUnchanged && dp.Case != "" && !dp.Operator {
				transition(t, p, dp, l)
			}
			switch len(ents) {
			case 0:
				p.WaitHeading("Brak upoważnienia")
				e.check(p, "oidc no grant")
				p.ClickText("a", "Wróć do aplikacji Moduł przykładowy")
				p.WaitHeading("Brak dostępu")
				return
			case 1:
			default:
				p.WaitHeading("PODMIOTY")
				e.check(p, "oidc podmioty")
				p.ClickText("button", "WYBIERZ podmiot "+ents[0])
			}
			p.WaitHeading("Moduł SIO")
			wantPageText(t, p, "Zalogowano jako", "Działasz w imieniu podmiotu: "+ents[0])
			e.check(p, "module signed in")

			// Zmień podmiot: jedenlogin's PODMIOTY again, no password.
			browsertest.Eval[bool](p, "window.stale = true")
			p.ClickText("button", "Zmień podmiot")
			p.WaitFor("a new page", "!window.stale")
			if len(ents) > 1 {
				p.WaitHeading("PODMIOTY")
				p.ClickText("button", "WYBIERZ podmiot "+ents[1])
				p.WaitHeading("Moduł SIO")
				waitPageText(p, "Działasz w imieniu podmiotu: "+ents[1])
			} else {
				p.WaitHeading("Moduł SIO")
				waitPageText(p, "Działasz w imieniu podmiotu: "+ents[0])
			}

			if key == demo.Operator {
				// Wyloguj in the module: jedenlogin's session ends too.
				p.ClickText("button", "Wyloguj")
				p.WaitHeading("Wylogowano")
				p.Open(e.url + "/podmioty")
				p.WaitHeading("Logowanie")
				return
			}
			// Signing out of jedenlogin on its own pages ends the module's
			// session by back-channel logout.
			before := e.module.Sessions()
			if key == demo.Generate2 {
				// A logout without id_token_hint: jedenlogin asks first.
				p.Open(e.url + "/oidc/end_session?client_id=modul&post_logout_redirect_uri=" + url.QueryEscape(e.moduleURL+"/wylogowano"))
				p.WaitHeading("Wylogowanie")
				wantPageText(t, p, "Aplikacja Moduł przykładowy prosi o wylogowanie.")
				e.check(p, "oidc logout confirmation")
				p.ClickText("button", "WYLOGUJ")
				p.WaitHeading("Wylogowano")
			} else {
				p.Open(e.url + "/podmioty")
				p.WaitHeading("PODMIOTY")
				browserSignOut(p)
			}
			for deadline := time.Now().Add(10 * time.Second); e.module.Sessions() >= before; {
				if time.Now().After(deadline) {
					t.Fatal("the module's session outlived the sign-out by 10 s")
				}
				time.Sleep(50 * time.Millisecond)
			}
			p.Open(e.moduleURL + "/")
			p.WaitHeading("Moduł SIO")
			wantPageText(t, p, "Nie jesteś zalogowany.")
		})
	}
}
