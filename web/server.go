package web

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/locale"
	"jedenlogin/mail"
	"jedenlogin/password"
	"jedenlogin/service"
)

// Config is what New needs to build the service and the server over it:
// the service's settings (service.Config) and the server's own (Options).
// Store, Hasher and Logger are required; zero durations and limits take
// the defaults named below.
type Config struct {
	Store  jedenlogin.Store
	Hasher *password.Hasher
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	// TrustedProxies: the client address is the TCP peer unless the peer is
	// in one of these prefixes; then it is the last X-Forwarded-For hop
	// that is not itself a trusted proxy.
	TrustedProxies []netip.Prefix
	// SecureCookies is true when the server is reached over TLS (public
	// URL https): the session cookie is then named "__Host-jedenlogin" and
	// carries Secure.
	SecureCookies bool

	// IdleTimeout (default 10m) ends a session without requests;
	// AbsoluteTimeout (default 12h) ends every session after sign-in.
	IdleTimeout, AbsoluteTimeout time.Duration

	// LoginFailureLimit failures (default 5) on one login name within
	// LoginFailureWindow (default 15m) block the name for LoginBlock
	// (default 15m).
	LoginFailureLimit  int
	LoginFailureWindow time.Duration
	LoginBlock         time.Duration

	// More than AddressFailureLimit failures (default 100) from one client
	// address within AddressFailureWindow (default 15m) block the address
	// for AddressFailureWindow.
	AddressFailureLimit  int
	AddressFailureWindow time.Duration

	// Mailer sends e-mail (codes, recovery and activation links, notices)
	// from the durable outbox, by delivery workers the Server runs until
	// Close; nil: messages are logged as dropped, not queued.
	Mailer mail.Sender
	// PublicURL is the absolute address users reach the server at, e.g.
	// https://konto.example.gov.pl; links in mails are built from it, never
	// from the request's Host. Default "http://localhost".
	PublicURL string
	// PasswordPolicy rules new passwords; nil means password.PolicySIO.
	// Its MaxAge is not used: PasswordMaxAge is.
	PasswordPolicy *password.Policy
	// PasswordMaxAge, when positive, forces a password change at the next
	// sign-in once the password is that old (SPEC §7); 0: never.
	PasswordMaxAge time.Duration
	// MFARequired says who must have a second factor (service.MFAPolicy);
	// the zero value requires it of nobody.
	MFARequired service.MFAPolicy
	// MFAKey (32 bytes) encrypts TOTP secrets in the store; nil: not encrypted.
	MFAKey []byte
	// SeparateMetrics leaves /metrics out of Handler: the process serves
	// MetricsHandler on a listener of its own (serve --metrics-addr), so
	// the users' listener does not show the operators' figures.
	SeparateMetrics bool
	// HelpURL is the page with the users' instructions (default
	// DefaultHelpURL), SupportContact how to reach the helpdesk (a phone
	// number, an e-mail address; "" shows none). Both appear in the
	// footer of every page, on the sign-in, transition and error pages and
	// in every mail.
	HelpURL        string
	SupportContact string
}

// DefaultHelpURL is where the announcement of the one-login transition
// sends people for instructions.
const DefaultHelpURL = "https://pomoc.sio.gov.pl"

// Defaults of Config: the service's, which fills them in (service.New).
const (
	DefaultIdleTimeout          = service.DefaultIdleTimeout
	DefaultAbsoluteTimeout      = service.DefaultAbsoluteTimeout
	DefaultLoginFailureLimit    = service.DefaultLoginFailureLimit
	DefaultLoginFailureWindow   = service.DefaultLoginFailureWindow
	DefaultLoginBlock           = service.DefaultLoginBlock
	DefaultAddressFailureLimit  = service.DefaultAddressFailureLimit
	DefaultAddressFailureWindow = service.DefaultAddressFailureWindow
)

// Server serves the pages and the JSON API. It keeps no state that another
// instance would need: sessions and throttles live in the Store.
type Server struct {
	cfg     Config
	st      jedenlogin.Store
	hasher  *password.Hasher
	log     *slog.Logger
	now     func() time.Time
	views   *views
	cat     locale.Catalogue
	metrics *Metrics
	handler http.Handler
	policy  password.Policy

	// The workflows, one service per feature on the root package's
	// interfaces; the handlers parse, call them and render.
	// NewWithService takes them from package service's implementations.
	sessions      jedenlogin.SessionService
	consolidation jedenlogin.ConsolidationService
	accounts      jedenlogin.AccountService
	recovery      jedenlogin.RecoveryService
	applications  jedenlogin.ApplicationService
	grants        jedenlogin.GrantService
	entities      jedenlogin.EntityService
	admin         jedenlogin.AdminService
	mfa           jedenlogin.MFAService
	passkeys      passkeyCeremonies // passkey.go
	oidc          jedenlogin.OIDCService
	// workers are the service's background and mail delivery workers.
	workers interface {
		Flush()
		Close() error
	}
}

// New checks cfg, fills in defaults, builds the service (service.New) with
// the server's metrics as its sink, and returns the server over it
// (NewWithService). It is the convenience of tests and tools that want one
// call; cmd/jedenlogin builds the service itself. It fails when a required
// field is missing, a duration or limit is negative (both checked by
// service.New, whose defaults it takes), HelpURL is not an absolute
// http(s) URL, or a template does not parse.
func New(cfg Config) (*Server, error) {
	if cfg.HelpURL == "" {
		cfg.HelpURL = DefaultHelpURL
	}
	if err := checkHelpURL(cfg.HelpURL); err != nil {
		return nil, err
	}
	cfg.SupportContact = strings.TrimSpace(cfg.SupportContact)
	m := NewMetrics()
	svc, err := service.New(service.Config{
		Store: cfg.Store, Hasher: cfg.Hasher, Logger: cfg.Logger, Now: cfg.Now,
		IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.AbsoluteTimeout,
		LoginFailureLimit: cfg.LoginFailureLimit, LoginFailureWindow: cfg.LoginFailureWindow, LoginBlock: cfg.LoginBlock,
		AddressFailureLimit: cfg.AddressFailureLimit, AddressFailureWindow: cfg.AddressFailureWindow,
		Mailer: cfg.Mailer, PublicURL: cfg.PublicURL, PasswordPolicy: cfg.PasswordPolicy, PasswordMaxAge: cfg.PasswordMaxAge,
		Metrics: m, HelpURL: cfg.HelpURL, SupportContact: cfg.SupportContact,
		MFARequired: cfg.MFARequired, MFAKey: cfg.MFAKey,
	})
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s, err := NewWithService(svc, m, Options{
		TrustedProxies: cfg.TrustedProxies, SecureCookies: cfg.SecureCookies, SeparateMetrics: cfg.SeparateMetrics,
	})
	if err != nil {
		svc.Close()
		return nil, err
	}
	return s, nil
}

// Options are the settings of the web server alone; every other setting
// (the store, the clock, timeouts, limits, mail, the help URL and the
// helpdesk contact) is the service's, read from it by NewWithService. See
// Config for what each means.
type Options struct {
	TrustedProxies  []netip.Prefix
	SecureCookies   bool
	SeparateMetrics bool
}

// NewWithService returns the server over svc, built by the caller
// (service.New) with m, from NewMetrics, as its metrics sink
// (service.Config.Metrics), so the sign-ins and transitions it counts
// appear in MetricsHandler. The server keeps svc's features only as the
// root package's interfaces (SessionService, …, OIDCService) and its
// workers as Flush and Close; Close stops them. The pages go by the
// service's filled-in configuration (clock, timeouts, password policy,
// help URL, helpdesk contact). It fails when svc's sink is not m, svc's
// HelpURL is not an absolute http(s) URL (DefaultHelpURL is the usual
// one), or a template does not parse.
func NewWithService(svc *service.Service, m *Metrics, o Options) (*Server, error) {
	sc := svc.Config()
	if m == nil || sc.Metrics != service.Metrics(m) {
		return nil, errors.New("web: the service's metrics sink (service.Config.Metrics) must be the server's Metrics (NewMetrics)")
	}
	if err := checkHelpURL(sc.HelpURL); err != nil {
		return nil, err
	}
	cfg := Config{
		Store: sc.Store, Hasher: sc.Hasher, Logger: sc.Logger, Now: sc.Now,
		TrustedProxies: o.TrustedProxies, SecureCookies: o.SecureCookies,
		IdleTimeout: sc.IdleTimeout, AbsoluteTimeout: sc.AbsoluteTimeout,
		LoginFailureLimit: sc.LoginFailureLimit, LoginFailureWindow: sc.LoginFailureWindow, LoginBlock: sc.LoginBlock,
		AddressFailureLimit: sc.AddressFailureLimit, AddressFailureWindow: sc.AddressFailureWindow,
		Mailer: sc.Mailer, PublicURL: sc.PublicURL, PasswordPolicy: sc.PasswordPolicy, PasswordMaxAge: sc.PasswordMaxAge,
		MFARequired: sc.MFARequired, MFAKey: sc.MFAKey,
		SeparateMetrics: o.SeparateMetrics,
		HelpURL:         sc.HelpURL, SupportContact: sc.SupportContact,
	}
	if err := m.reg.Register(newOutboxCollector(svc.OutboxStats, svc.Now)); err != nil {
		return nil, fmt.Errorf("web: Metrics serve one server only: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		st:      cfg.Store,
		hasher:  cfg.Hasher,
		log:     cfg.Logger,
		now:     cfg.Now,
		cat:     locale.Polish,
		metrics: m,
		policy:  svc.Policy(),

		sessions:      svc.Sessions,
		consolidation: svc.Consolidation,
		accounts:      svc.Accounts,
		recovery:      svc.Recovery,
		applications:  svc.Applications,
		grants:        svc.Grants,
		entities:      svc.Entities,
		admin:         svc.Admin,
		mfa:           svc.MFA,
		passkeys:      svc.MFA,
		oidc:          svc.OIDC,
		workers:       svc,
	}
	var err error
	s.views, err = parseViews(s.templateFuncs())
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.handler = s.routes()
	return s, nil
}

// checkHelpURL fails unless u is an absolute http(s) URL.
func checkHelpURL(u string) error {
	if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return fmt.Errorf("web: HelpURL %q: want an absolute http(s) URL, e.g. %s", u, DefaultHelpURL)
	}
	return nil
}

// Handler returns the root handler: every route behind the logging,
// metrics, security-header and cross-origin middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler serves the Prometheus metrics (sign-ins by outcome,
// consolidations by case, request latency) at any path.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

// routes wires every route. Page paths are Polish (users read them), API
// paths English (SPEC §13).
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /healthz", s.handleHealth)
	if !s.cfg.SeparateMetrics {
		mux.Handle("GET /metrics", s.metrics.handler())
	}
	mux.Handle("GET /static/", staticHandler())

	// JSON API v1.
	mux.HandleFunc("POST /api/v1/session", s.api(s.apiSignIn))
	mux.HandleFunc("GET /api/v1/session", s.api(s.authed(sessionRoute|noTouch|mfaRoute, s.apiSessionInfo)))
	mux.HandleFunc("DELETE /api/v1/session", s.api(s.apiSignOut))
	mux.HandleFunc("POST /api/v1/session/refresh", s.api(s.authed(sessionRoute|extendRoute|mfaRoute, s.apiSessionRefresh)))
	mux.HandleFunc("GET /api/v1/consolidation", s.api(s.authed(sessionRoute, s.apiConsolidationInfo)))
	mux.HandleFunc("POST /api/v1/consolidation/confirm", s.api(s.authed(sessionRoute|confirmRoute, s.apiConfirm)))
	mux.HandleFunc("GET /api/v1/me", s.api(s.authed(lightRoute, s.apiMe)))
	mux.HandleFunc("PUT /api/v1/me/entity", s.api(s.authed(0, s.apiSelectEntity)))
	// Account self-service (issue 5).
	mux.HandleFunc("GET /api/v1/me/contact", s.api(s.authed(0, s.apiContact)))
	mux.HandleFunc("PUT /api/v1/me/contact", s.api(s.authed(0, s.apiChangeContact)))
	mux.HandleFunc("POST /api/v1/me/contact/verify", s.api(s.authed(0, s.apiVerifyContact)))
	mux.HandleFunc("PUT /api/v1/me/password", s.api(s.authed(passwordRoute, s.apiChangePassword)))
	mux.HandleFunc("POST /api/v1/recovery/login", s.api(s.apiRecoverLogin))
	mux.HandleFunc("POST /api/v1/recovery/login/{token}", s.api(s.apiRecoveredLogin))
	mux.HandleFunc("POST /api/v1/recovery/password", s.api(s.apiRecoverPassword))
	mux.HandleFunc("POST /api/v1/recovery/password/{token}", s.api(s.apiResetPassword))
	// Access applications and grants (issue 6).
	mux.HandleFunc("POST /api/v1/applications", s.api(s.apiApply))
	mux.HandleFunc("GET /api/v1/applications", s.api(s.authed(0, s.apiApplications)))
	mux.HandleFunc("GET /api/v1/applications/{id}", s.api(s.authed(0, s.apiApplication)))
	mux.HandleFunc("POST /api/v1/applications/{id}/review", s.api(s.authed(0, s.apiReview)))
	mux.HandleFunc("POST /api/v1/applications/{id}/accept", s.api(s.authed(0, s.apiAccept)))
	mux.HandleFunc("POST /api/v1/applications/{id}/reject", s.api(s.authed(0, s.apiReject)))
	mux.HandleFunc("POST /api/v1/applications/{id}/withdraw", s.api(s.authed(0, s.apiWithdraw)))
	mux.HandleFunc("POST /api/v1/activation/{token}", s.api(s.apiActivate))
	mux.HandleFunc("POST /api/v1/grants/{id}/revoke", s.api(s.authed(0, s.apiRevokeGrant)))
	mux.HandleFunc("POST /api/v1/grants/{id}/extend", s.api(s.authed(0, s.apiExtendGrant)))
	mux.HandleFunc("GET /api/v1/entities", s.api(s.apiEntities))
	// Operator console (issue 12): an operator's session or an operator
	// token (api_admin_token.go).
	s.adminRoutes(mux)
	s.mfaRoutes(mux) // second factors (issue 14): mfa.go
	mux.HandleFunc("/api/", s.api(func(http.ResponseWriter, *http.Request) error {
		return s.errf(jedenlogin.ENOTFOUND, "error.not_found")
	}))

	// Pages.
	mux.HandleFunc("GET /{$}", s.page(s.pageHome))
	mux.HandleFunc("GET /logowanie", s.page(s.pageSignIn))
	mux.HandleFunc("POST /logowanie", s.page(s.pageSignInPost))
	mux.HandleFunc("POST /wyloguj", s.page(s.pageSignOut))
	mux.HandleFunc("GET /wyloguj-z-aplikacji", s.page(s.pageOIDCLogout))
	mux.HandleFunc("POST /wyloguj-z-aplikacji", s.page(s.pageOIDCLogoutPost))
	mux.HandleFunc("POST /sesja/przedluz", s.page(s.authedPage(sessionRoute|extendRoute|mfaRoute, s.pageSessionExtend)))
	mux.HandleFunc("GET /potwierdz-login", s.page(s.authedPage(sessionRoute, s.pageConsolidation)))
	mux.HandleFunc("POST /potwierdz-login", s.page(s.authedPage(sessionRoute|confirmRoute, s.pageConsolidationPost)))
	mux.HandleFunc("GET /dane-konta", s.page(s.authedPage(0, s.pageAccount)))
	mux.HandleFunc("GET /podmioty", s.page(s.authedPage(0, s.pageEntities)))
	mux.HandleFunc("POST /podmioty/wybierz", s.page(s.authedPage(0, s.pageSelectEntity)))
	mux.HandleFunc("GET /przedluz", s.page(s.authedPage(0, s.pageExtend)))
	// Access applications and grants (issue 6).
	mux.HandleFunc("POST /przedluz", s.page(s.authedPage(0, s.pageExtendPost)))
	mux.HandleFunc("GET /wniosek", s.page(s.pageApply))
	mux.HandleFunc("POST /wniosek", s.page(s.pageApplyPost))
	mux.HandleFunc("GET /moje-wnioski", s.page(s.authedPage(0, s.pageMyApplications)))
	mux.HandleFunc("GET /wnioski", s.page(s.authedPage(0, s.pageQueue)))
	mux.HandleFunc("GET /wnioski/{id}", s.page(s.authedPage(0, s.pageApplication)))
	mux.HandleFunc("POST /wnioski/{id}/wycofaj", s.page(s.authedPage(0, s.applicationAction(s.pageWithdraw))))
	mux.HandleFunc("POST /wnioski/{id}/rozpatruj", s.page(s.authedPage(0, s.applicationAction(s.pageReview))))
	mux.HandleFunc("POST /wnioski/{id}/akceptuj", s.page(s.authedPage(0, s.applicationAction(s.pageAccept))))
	mux.HandleFunc("POST /wnioski/{id}/odrzuc", s.page(s.authedPage(0, s.applicationAction(s.pageReject))))
	mux.HandleFunc("GET /upowaznienia/{id}/cofnij", s.page(s.authedPage(0, s.pageRevoke)))
	mux.HandleFunc("POST /upowaznienia/{id}/cofnij", s.page(s.authedPage(0, s.pageRevokePost)))
	// Account self-service (issue 5).
	mux.HandleFunc("GET /profil", s.page(s.authedPage(0, s.pageProfile)))
	mux.HandleFunc("GET /profil/kontakt", s.page(s.authedPage(0, s.pageContact)))
	mux.HandleFunc("POST /profil/kontakt", s.page(s.authedPage(0, s.pageContactPost)))
	mux.HandleFunc("POST /profil/kontakt/kod", s.page(s.authedPage(0, s.pageContactCode)))
	mux.HandleFunc("GET /profil/haslo", s.page(s.authedPage(passwordRoute, s.pagePassword)))
	mux.HandleFunc("POST /profil/haslo", s.page(s.authedPage(passwordRoute, s.pagePasswordPost)))
	// Operator console (issue 12).
	mux.HandleFunc("GET /konsola", s.page(s.authedPage(0, s.pageAdminProgress)))
	mux.HandleFunc("GET /konsola/osoby", s.page(s.authedPage(0, s.pageAdminSearch)))
	mux.HandleFunc("GET /konsola/osoby/{id}", s.page(s.authedPage(0, s.pageAdminPerson)))
	mux.HandleFunc("POST /konsola/osoby/{id}/odblokuj", s.page(s.authedPage(0, s.adminAction("unblock_", "odblokowano", s.pageAdminUnblock))))
	mux.HandleFunc("POST /konsola/osoby/{id}/sesje/zakoncz", s.page(s.authedPage(0, s.adminAction("sessions_", "sesje", s.pageAdminEndSessions))))
	mux.HandleFunc("POST /konsola/osoby/{id}/odzyskiwanie", s.page(s.authedPage(0, s.adminAction("recovery_", "wyslano", s.pageAdminRecovery))))
	mux.HandleFunc("POST /konsola/osoby/{id}/kontakt", s.page(s.authedPage(0, s.adminAction("contact_", "kontakt", s.pageAdminContact))))
	mux.HandleFunc("GET /konsola/dziennik", s.page(s.authedPage(0, s.pageAdminAudit)))
	mux.HandleFunc("GET /konsola/dziennik.csv", s.page(s.authedPage(0, s.pageAdminAuditCSV)))
	for _, m := range []string{"GET ", "POST "} {
		mux.HandleFunc(m+"/potwierdz-email/{token}", s.page(s.pageConfirmEmail))
		mux.HandleFunc(m+"/odzyskaj-login", s.page(s.pageRecoverLogin))
		mux.HandleFunc(m+"/odzyskaj-login/{token}", s.page(s.pageRecoveredLogin))
		mux.HandleFunc(m+"/nie-pamietam-hasla", s.page(s.pageRecoverPassword))
		mux.HandleFunc(m+"/reset-hasla/{token}", s.page(s.pageResetPassword))
		mux.HandleFunc(m+"/aktywuj/{token}", s.page(s.pageActivation))
	}
	mux.HandleFunc("/", s.page(func(http.ResponseWriter, *http.Request) error {
		return s.errf(jedenlogin.ENOTFOUND, "error.not_found")
	}))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.denyCrossOrigin))
	inner := s.limitBodies(mux)
	h := s.observe(securityHeaders(s.bearerGate(cop.Handler(inner), inner)))
	if s.cfg.SecureCookies {
		h = strictTransport(h)
	}
	return h
}

// handleHealth answers 200 "ok" when the database answers, 503 otherwise.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.ping(r); err != nil {
		s.log.ErrorContext(r.Context(), "health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unavailable")
		return
	}
	fmt.Fprintln(w, "ok")
}

// ping asks the database for an answer: through Ping(ctx) or the
// database handle when the store offers one, and through a cheap read.
func (s *Server) ping(r *http.Request) error {
	if p, ok := s.st.(interface{ Ping(context.Context) error }); ok {
		return p.Ping(r.Context())
	}
	if d, ok := s.st.(interface{ DB() *sql.DB }); ok {
		if err := d.DB().PingContext(r.Context()); err != nil {
			return err
		}
	}
	_, err := s.st.ThrottleState(r.Context(), "health:ping")
	return err
}

// Flush waits until the recovery lookups queued so far have finished and
// delivers every outbox message due now (service.Service.Flush). Tests use
// it before reading the outbox.
func (s *Server) Flush() { s.workers.Flush() }

// Close finishes the queued recovery lookups and stops the background and
// mail delivery workers; call it after the HTTP server has shut down. It always returns nil.
func (s *Server) Close() error { return s.workers.Close() }
