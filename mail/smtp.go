package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultTimeout bounds connecting to the SMTP server and each SMTP command
// when the URL sets no timeout.
const DefaultTimeout = 15 * time.Second

// SMTPSender delivers messages through an SMTP server. One connection is
// opened per message, so an SMTPSender is safe for concurrent use and holds
// no connection between messages.
type SMTPSender struct {
	sender
	host        string
	port        int
	addr        string // host:port, for errors and logs
	implicitTLS bool
	policy      gomail.TLSPolicy
	user, pass  string
	skipVerify  bool
	timeout     time.Duration
	logger      *slog.Logger
}

// NewSMTP returns a sender for the SMTP server at rawURL, sending as from
// ("addr@domain" or "Name <addr@domain>").
//
// The URL is smtp://[user[:pass]@]host[:port] for STARTTLS (port 587 by
// default; the upgrade is mandatory unless ?starttls=opportunistic or
// ?starttls=none) or smtps://[user[:pass]@]host[:port] for implicit TLS
// (port 465 by default). With a user, the sender authenticates with PLAIN,
// else LOGIN, else the strongest mechanism the server offers; credentials
// are never sent over an unencrypted connection except to localhost. Other
// query parameters: timeout (a Go duration, default DefaultTimeout) and
// insecure_skip_verify=1, which turns off certificate verification and is
// meant only for tests. Messages are logged to logger (nil: slog.Default)
// by recipient and subject, never by body.
//
// NewSMTP returns an error when the URL or from is malformed or names an
// unknown scheme or parameter; the error never contains the password.
func NewSMTP(rawURL string, from string, logger *slog.Logger) (*SMTPSender, error) {
	s, err := parseSMTPURL(rawURL)
	if err != nil {
		return nil, err
	}
	if s.sender, err = newSender(from); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	s.logger = logger
	return s, nil
}

func parseSMTPURL(rawURL string) (*SMTPSender, error) {
	shown := redactURL(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		// *url.Error repeats the whole URL, password included: keep only
		// the reason, and not even that when it quotes part of the input.
		reason := "malformed URL"
		var ue *url.Error
		var ee url.EscapeError
		if errors.As(err, &ue) && !errors.As(err, &ee) {
			reason = ue.Err.Error()
		}
		return nil, fmt.Errorf("mail: SMTP URL %s: %s", shown, reason)
	}
	s := &SMTPSender{timeout: DefaultTimeout}
	switch u.Scheme {
	case "smtp":
		s.port, s.policy = 587, gomail.TLSMandatory
	case "smtps":
		s.port, s.implicitTLS = 465, true
	default:
		return nil, fmt.Errorf("mail: SMTP URL %s: unknown scheme %q (want smtp or smtps)", shown, u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, fmt.Errorf("mail: SMTP URL %s: no host", shown)
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("mail: SMTP URL %s: invalid port %q", shown, p)
		}
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("mail: SMTP URL %s: unexpected path %q", shown, u.Path)
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" {
			return nil, fmt.Errorf("mail: SMTP URL %s: empty user name", shown)
		}
	}
	for k, vs := range u.Query() {
		v := vs[len(vs)-1]
		switch k {
		case "starttls":
			if s.implicitTLS {
				return nil, fmt.Errorf("mail: SMTP URL %s: starttls does not apply to smtps", shown)
			}
			switch v {
			case "mandatory":
				s.policy = gomail.TLSMandatory
			case "opportunistic":
				s.policy = gomail.TLSOpportunistic
			case "none":
				s.policy = gomail.NoTLS
			default:
				return nil, fmt.Errorf("mail: SMTP URL %s: starttls=%q (want mandatory, opportunistic or none)", shown, v)
			}
		case "insecure_skip_verify":
			if s.skipVerify, err = strconv.ParseBool(v); err != nil {
				return nil, fmt.Errorf("mail: SMTP URL %s: insecure_skip_verify=%q is not a boolean", shown, v)
			}
		case "timeout":
			if s.timeout, err = time.ParseDuration(v); err != nil || s.timeout <= 0 {
				return nil, fmt.Errorf("mail: SMTP URL %s: timeout=%q is not a positive duration like 10s", shown, v)
			}
		default:
			return nil, fmt.Errorf("mail: SMTP URL %s: unknown parameter %q", shown, k)
		}
	}
	s.addr = net.JoinHostPort(s.host, strconv.Itoa(s.port))
	return s, nil
}

// redactURL hides everything between the scheme and the last '@' before the
// host, so neither a password nor a mistyped fragment of it is shown.
func redactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		if strings.Contains(raw, "@") {
			return "(hidden: contains credentials)"
		}
		return strconv.Quote(raw)
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = "***@" + rest[at+1:]
	}
	return strconv.Quote(scheme + "://" + rest)
}

// String returns the server's URL without the password, for start-up logs.
func (s *SMTPSender) String() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.implicitTLS {
		u.Scheme = "smtps"
	}
	if s.user != "" {
		u.User = url.User(s.user)
	}
	return u.String()
}

// client builds a go-mail client per message: go-mail's Client keeps
// per-connection state, so sharing one would race.
func (s *SMTPSender) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(&tls.Config{
			ServerName:         s.host,
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: s.skipVerify, //nolint:gosec // opt-in for tests only, documented on NewSMTP
		}),
	}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(s.policy))
	}
	if s.user != "" {
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.user),
			gomail.WithPassword(s.pass),
		)
	}
	return gomail.NewClient(s.host, opts...)
}

// Send delivers m over a new connection. ctx bounds connecting; every later
// SMTP command is bounded by the sender's timeout. It returns an error
// wrapping ErrInvalidMessage for a message that cannot be sent, and an error
// naming the server's host:port when connecting, TLS, authentication or
// delivery fails.
func (s *SMTPSender) Send(ctx context.Context, m *Message) error {
	msg, err := s.build(m, time.Now())
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return fmt.Errorf("mail: SMTP %s: %w", s.addr, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: SMTP %s: %w", s.addr, err)
	}
	s.logger.InfoContext(ctx, "mail sent",
		"to", strings.Join(m.To, ", "), "subject", m.Subject,
		"server", s.addr, "message_id", msg.GetMessageID())
	return nil
}
