package service

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"jedenlogin"
	"jedenlogin/locale"
	"jedenlogin/mail"
	"jedenlogin/password"
)

// Config is what the services need. Store, Hasher and Logger are
// required; zero durations and limits take the defaults named below.
type Config struct {
	Store  jedenlogin.Store
	Hasher *password.Hasher
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

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

	// Mailer sends e-mail from the outbox; nil: messages are logged as
	// dropped, not queued.
	Mailer mail.Sender
	// MailWorkers is the number of delivery workers (default
	// DefaultMailWorkers); negative: none, mail waits for Flush or
	// DeliverMail (tests).
	MailWorkers int
	// MailPoll is how often idle workers look for due mail (default
	// DefaultMailPoll).
	MailPoll time.Duration
	// PublicURL is the absolute address users reach the server at; links
	// in mails are built from it. Default "http://localhost".
	PublicURL string
	// PasswordPolicy rules new passwords; nil means password.PolicySIO.
	PasswordPolicy *password.Policy
	// PasswordMaxAge, when positive, forces a password change once the
	// password is that old (SPEC §7); 0: never.
	PasswordMaxAge time.Duration

	// MFARequired says who must have a second factor; the zero policy
	// requires it of nobody (the command line's default is operators).
	MFARequired MFAPolicy
	// MFAKey, when set (32 bytes), encrypts TOTP secrets in the store
	// (AES-256-GCM); nil stores them as they are. Secrets stored with a
	// key need it to be read.
	MFAKey []byte

	// Metrics counts sign-ins and consolidations; nil counts nothing.
	Metrics Metrics

	// HelpURL (the users' instructions) and SupportContact (the
	// helpdesk's phone or address) close every mail; "" leaves them out.
	HelpURL, SupportContact string
}

// Defaults of Config.
const (
	DefaultIdleTimeout          = 10 * time.Minute
	DefaultAbsoluteTimeout      = 12 * time.Hour
	DefaultLoginFailureLimit    = 5
	DefaultLoginFailureWindow   = 15 * time.Minute
	DefaultLoginBlock           = 15 * time.Minute
	DefaultAddressFailureLimit  = 100
	DefaultAddressFailureWindow = 15 * time.Minute
)

// Metrics receives the counts operators watch (web exports them to
// Prometheus).
type Metrics interface {
	// SignIn counts one sign-in attempt by outcome (Outcome…).
	SignIn(outcome string)
	// Consolidated counts one completed transition of the case.
	Consolidated(c jedenlogin.Case)
}

// Sign-in outcomes, as Metrics.SignIn receives them.
const (
	OutcomeSuccess        = "success"
	OutcomeInvalid        = "invalid_credentials"
	OutcomeBlocked        = "blocked"
	OutcomeAddressBlocked = "address_blocked"
	OutcomeMerged         = "login_merged"
)

type noMetrics struct{}

func (noMetrics) SignIn(string)                {}
func (noMetrics) Consolidated(jedenlogin.Case) {}

// Service runs jedenlogin's workflows — sign-in and its throttling,
// sessions, the one-login transition, account self-service, access
// applications and grants — for every face of the system (HTML pages, the
// JSON API, OpenID Connect, the operators' console), through its feature
// fields, each implementing one of the root package's interfaces
// (features.go); the Service itself is what they share. Each workflow opens
// its transaction, checks who may act, writes its audit event in the same
// transaction as the change and returns *jedenlogin.Error values. It keeps
// no state that another instance would need; what it keeps in memory
// (hashing slots, the failure floor, the queue of recovery lookups) is per
// process by design; mail lives in the database's outbox.
type Service struct {
	// The features, one per interface of the root package, each a view
	// of this Service (features.go); New sets them.
	Sessions      *Sessions
	Consolidation *Consolidation
	Accounts      *Accounts
	Recovery      *Recovery
	Applications  *Applications
	Grants        *Grants
	Entities      *Entities
	Admin         *Admin
	MFA           *MFA
	OIDC          *OIDC

	cfg     Config
	st      jedenlogin.Store
	hasher  *password.Hasher
	log     *slog.Logger
	now     func() time.Time
	policy  password.Policy
	public  string // PublicURL without a trailing slash
	metrics Metrics
	bg      *background
	mail    *mailWorkers
	// msgDomain is the domain of the Message-IDs the outbox makes.
	msgDomain string
	hashing   hashGate // bounds concurrent password hashing (hashing.go)
	// checkTime is how long password checks take, for the floor under
	// the answer time of failed sign-ins (hashing.go).
	checkTime checkTime
}

// New checks cfg, fills in defaults and returns the service with its
// background and mail delivery workers started (stop them with Close). It fails when a
// required field is missing or a duration or limit is negative.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Hasher == nil || cfg.Logger == nil {
		return nil, errors.New("service: Config.Store, Config.Hasher and Config.Logger are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	for _, d := range []struct {
		p   *time.Duration
		def time.Duration
	}{
		{&cfg.IdleTimeout, DefaultIdleTimeout},
		{&cfg.AbsoluteTimeout, DefaultAbsoluteTimeout},
		{&cfg.LoginFailureWindow, DefaultLoginFailureWindow},
		{&cfg.LoginBlock, DefaultLoginBlock},
		{&cfg.AddressFailureWindow, DefaultAddressFailureWindow},
		{&cfg.MailPoll, DefaultMailPoll},
	} {
		if *d.p < 0 {
			return nil, fmt.Errorf("service: negative duration %v in Config", *d.p)
		} else if *d.p == 0 {
			*d.p = d.def
		}
	}
	for _, l := range []struct {
		p   *int
		def int
	}{
		{&cfg.LoginFailureLimit, DefaultLoginFailureLimit},
		{&cfg.AddressFailureLimit, DefaultAddressFailureLimit},
	} {
		if *l.p < 0 {
			return nil, fmt.Errorf("service: negative limit %d in Config", *l.p)
		} else if *l.p == 0 {
			*l.p = l.def
		}
	}
	if cfg.PasswordMaxAge < 0 {
		return nil, fmt.Errorf("service: negative PasswordMaxAge %v in Config", cfg.PasswordMaxAge)
	}
	if cfg.MFAKey != nil && len(cfg.MFAKey) != 32 {
		return nil, fmt.Errorf("service: MFAKey has %d bytes, want 32", len(cfg.MFAKey))
	}
	public, err := publicBase(cfg.PublicURL)
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	policy := password.PolicySIO
	if cfg.PasswordPolicy != nil {
		policy = *cfg.PasswordPolicy
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	s := &Service{
		cfg:     cfg,
		st:      cfg.Store,
		hasher:  cfg.Hasher,
		log:     cfg.Logger,
		now:     cfg.Now,
		policy:  policy,
		public:  public,
		metrics: cfg.Metrics,
		bg:      newBackground(cfg.Logger),
		hashing: processHashGate,

		mail:      newMailWorkers(),
		msgDomain: messageIDDomain(public),
	}
	s.features()
	workers := cfg.MailWorkers
	if workers == 0 {
		workers = DefaultMailWorkers
	}
	if cfg.Mailer != nil && workers > 0 {
		s.startMail(workers, cfg.MailPoll)
	}
	return s, nil
}

// Config returns the configuration in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Now returns the service's current time.
func (s *Service) Now() time.Time { return s.now() }

// Policy returns the password policy in force.
func (s *Service) Policy() password.Policy { return s.policy }

// errf returns an error with the code and the catalogue text key(args).
func (s *Service) errf(code, key string, args ...any) *jedenlogin.Error {
	return jedenlogin.NewError(code, key, args...)
}

// internal wraps an unexpected error; its text is logged, never shown.
func (s *Service) internal(err error) *jedenlogin.Error { return jedenlogin.Internal(err) }

// msg is for the few texts the services build themselves (mail data).
func (s *Service) msg(key string, args ...any) string { return locale.Polish.Msg(key, args...) }
