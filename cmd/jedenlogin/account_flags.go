package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"jedenlogin/mail"
	"jedenlogin/password"
)

// accountFlags configure mail and the password policy (serve, demo).
type accountFlags struct {
	smtp     *string
	from     *string
	outbox   *string
	policy   *string
	maxAge   time.Duration
	maxAgeIn string
}

func registerAccountFlags(fs *flag.FlagSet) *accountFlags {
	f := &accountFlags{}
	f.smtp = fs.String("smtp", "", "SMTP server for outgoing mail: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS); without it mail goes to --mail-outbox")
	f.from = fs.String("mail-from", "", `sender of outgoing mail, e.g. "Konto SIO <noreply@konto.example.gov.pl>" (default noreply@ the --public-url host)`)
	f.outbox = fs.String("mail-outbox", "./outbox", "directory where mail is written as .eml files when --smtp is not set")
	f.policy = fs.String("password-policy", "sio", "password policy for new passwords: sio (12+ characters, composition, no personal data, not common) or nist (15+ characters, not common)")
	fs.Func("password-max-age", "force a password change at the next sign-in once a password is this old, e.g. 90d or 2160h (default 0: never)", func(s string) error {
		d, err := parseAge(s)
		if err != nil {
			return err
		}
		f.maxAge, f.maxAgeIn = d, s
		return nil
	})
	return f
}

// parseAge reads a duration in days ("90d") or as Go writes it ("2160h");
// "0" is no maximum age.
func parseAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("want a number of days such as 90d, got %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a duration such as 90d or 2160h, got %q", s)
	}
	return d, nil
}

// mailer returns the SMTP sender when --smtp is set, else the outbox.
// public is the public URL, whose host names the default sender.
func (f *accountFlags) mailer(public string, logger *slog.Logger) (mail.Sender, string, error) {
	return f.mailerOf(f.fromAddress(public), logger)
}

// fromAddress is --mail-from, or by default noreply@ the host of public.
func (f *accountFlags) fromAddress(public string) string {
	from := *f.from
	if from == "" {
		host := "localhost"
		if u, err := url.Parse(public); err == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		if net.ParseIP(host) != nil || !strings.Contains(host, ".") {
			host = "localhost.localdomain" // a domain name for From and Message-ID
		}
		from = "Konto SIO <noreply@" + host + ">"
	}
	return from
}

// mailerOf is mailer's body once the sender is known.
func (f *accountFlags) mailerOf(from string, logger *slog.Logger) (mail.Sender, string, error) {
	if *f.smtp != "" {
		s, err := mail.NewSMTP(*f.smtp, from, logger)
		if err != nil {
			return nil, "", fmt.Errorf("--smtp: %w", err)
		}
		return s, "smtp " + s.String(), nil
	}
	if *f.outbox == "" {
		return nil, "", errors.New("--mail-outbox: give a directory (or set --smtp)")
	}
	o, err := mail.NewOutbox(*f.outbox, from, logger)
	if err != nil {
		return nil, "", fmt.Errorf("--mail-outbox: %w", err)
	}
	return o, "outbox " + o.Dir(), nil
}

// passwordPolicy returns the chosen preset.
func (f *accountFlags) passwordPolicy() (*password.Policy, error) {
	p, err := password.PolicyByName(*f.policy)
	if err != nil {
		return nil, fmt.Errorf("--password-policy: %w", err)
	}
	return &p, nil
}
