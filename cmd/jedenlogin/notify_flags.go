package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/mail"
)

// campaignMail are the mail flags of notify and finish: SMTP or the outbox,
// and the sender.
type campaignMail struct {
	accountFlags
}

func registerCampaignMail(fs *flag.FlagSet) *campaignMail {
	f := &campaignMail{}
	f.smtp = fs.String("smtp", "", pl.Msg("cli.mail.flag_smtp"))
	f.from = fs.String("mail-from", "", pl.Msg("cli.mail.flag_from"))
	f.outbox = fs.String("mail-outbox", "./outbox", pl.Msg("cli.mail.flag_outbox"))
	return f
}

// open returns the sender, the outbox directory ("" for SMTP), the domain of
// Message-IDs and a description. The senders log nothing per message: the
// commands show progress instead.
func (f *campaignMail) open() (mail.Sender, string, string, string, error) {
	from := f.fromAddress("")
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, "", "", "", fmt.Errorf("--mail-from %q: %w", from, err)
	}
	domain := a.Address[strings.LastIndexByte(a.Address, '@')+1:]
	quiet := slog.New(slog.DiscardHandler)
	s, desc, err := f.mailerOf(from, quiet)
	if err != nil {
		return nil, "", "", "", err
	}
	dir := ""
	if o, ok := s.(*mail.Outbox); ok {
		dir = o.Dir()
	}
	return s, dir, domain, desc, nil
}

// checkHelpURL refuses (errUsage, saying why on stderr) a --help-url of
// command that is not an absolute http(s) URL: the campaign mails link it.
func checkHelpURL(command, u string, stderr io.Writer) error {
	if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		fmt.Fprintln(stderr, command+": "+pl.Msg("cli.bad_help_url", u))
		return errUsage
	}
	return nil
}

// parseDay reads a YYYY-MM-DD date.
func parseDay(flagName, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s: %s", flagName, pl.Msg("cli.bad_date", s))
	}
	return d, nil
}

// caseList is a repeatable --case flag that also takes a comma-separated list.
type caseList []jedenlogin.Case

func (c *caseList) String() string {
	s := make([]string, len(*c))
	for i, v := range *c {
		s[i] = string(v)
	}
	return strings.Join(s, ",")
}

func (c *caseList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		switch k := jedenlogin.Case(strings.TrimSpace(part)); k {
		case jedenlogin.CaseChoose, jedenlogin.CaseChooseUppercase, jedenlogin.CaseGenerate:
			*c = append(*c, k)
		default:
			return errors.New(pl.Msg("cli.notify.unknown_case", part))
		}
	}
	return nil
}
