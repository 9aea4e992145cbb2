package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"jedenlogin/internal/termsafe"
	"jedenlogin/notice"
)

func runNotify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("notify", flag.ContinueOnError)
	db := dbFlag(fs)
	mf := registerCampaignMail(fs)
	campaign := fs.String("campaign", "", pl.Msg("cli.notify.flag_campaign"))
	date := fs.String("date", "", pl.Msg("cli.notify.flag_date"))
	var cases caseList
	fs.Var(&cases, "case", pl.Msg("cli.notify.flag_case"))
	rate := fs.Float64("rate", 10, pl.Msg("cli.notify.flag_rate"))
	dryRun := fs.Bool("dry-run", false, pl.Msg("cli.notify.flag_dry_run"))
	helpURL := fs.String("help-url", "https://pomoc.sio.gov.pl", pl.Msg("cli.notify.flag_help_url"))
	leaseTTL := fs.Duration("lease", 15*time.Second, pl.Msg("cli.notify.flag_lease"))
	fs.Usage = func() {
		fmt.Fprintln(stderr, pl.Msg("cli.notify.usage"))
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, pl.Msg("cli.notify.unexpected_argument", fs.Arg(0)))
		return errUsage
	}
	if *campaign == "" || *date == "" {
		fmt.Fprintln(stderr, pl.Msg("cli.notify.required"))
		return errUsage
	}
	deadline, err := parseDay("date", *date)
	if err != nil {
		fmt.Fprintf(stderr, "notify: %v\n", err)
		return errUsage
	}
	if err := checkHelpURL("notify", *helpURL, stderr); err != nil {
		return err
	}
	if *rate < 0 {
		fmt.Fprintln(stderr, pl.Msg("cli.notify.negative_rate"))
		return errUsage
	}
	if *dryRun && *mf.smtp != "" {
		fmt.Fprintln(stderr, pl.Msg("cli.notify.dry_run_smtp"))
		return errUsage
	}
	sender, outbox, domain, desc, err := mf.open()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()

	limitHeap()
	prog := newProgressReport(stderr, pl.Msg("cli.notify.progress"))
	c := &notice.Campaign{
		Store: st, Sender: sender, Outbox: outbox, Name: *campaign, Domain: domain, Cases: cases,
		Rate: *rate, DryRun: *dryRun, Deadline: deadline, HelpURL: *helpURL, LeaseTTL: *leaseTTL,
		Progress: prog.update,
		Waiting: func(ttl time.Duration) {
			fmt.Fprintln(stderr, pl.Msg("cli.notify.waiting", *campaign, ttl))
		},
	}
	mode := ""
	if *dryRun {
		mode = pl.Msg("cli.notify.dry_run_mode")
	}
	fmt.Fprintln(stderr, pl.Msg("cli.notify.start", *campaign, deadline.Format("02.01.2006"), desc, mode))
	sum, err := c.Run(ctx)
	prog.finish()
	if sum != nil {
		printNoticeSummary(stdout, sum, *dryRun)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: %w", pl.Msg("cli.notify.interrupted", *campaign), err)
		}
		return fmt.Errorf("%w%s", err, pl.Msg("cli.notify.run_again", *campaign))
	}
	if len(sum.Failed) > 0 {
		fmt.Fprintln(stderr, pl.Msg("cli.notify.rejected", len(sum.Failed), *campaign))
		return exitError{1}
	}
	return nil
}

// printNoticeSummary writes what a campaign run did.
func printNoticeSummary(w io.Writer, s *notice.Summary, dry bool) {
	sent := pl.Msg("cli.notify.sent_now")
	if dry {
		sent = pl.Msg("cli.notify.saved_now")
	}
	fmt.Fprintln(w, pl.Msg("cli.notify.summary", s.Campaign, s.Persons, s.Planned))
	fmt.Fprintf(w, "  %-46s %d\n", sent, s.Sent)
	if s.Resent > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.resent"), s.Resent)
	}
	fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.sent_before"), s.AlreadySent)
	if s.Recovered > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.recovered"), s.Recovered)
	}
	fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.skipped_done"), s.Skipped[notice.SkipDone]+s.Gone)
	fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.skipped_no_active_login"), s.Skipped[notice.SkipNoActiveLogin])
	fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.skipped_unchanged"), s.Skipped[notice.SkipUnchanged])
	fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.skipped_no_email"), s.Skipped[notice.SkipNoEmail])
	if n := s.Skipped[notice.SkipCase]; n > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.skipped_case"), n)
	}
	if n := s.Skipped[notice.SkipNoReserved]; n > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.skipped_no_reserved"), n)
	}
	fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.failed"), len(s.Failed))
	for _, f := range s.Failed {
		fmt.Fprintln(w, pl.Msg("cli.notify.failed_row", f.PersonID, termsafe.String(f.Email), termsafe.String(f.Error)))
	}
	if len(s.Uncertain) > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", pl.Msg("cli.notify.uncertain"), len(s.Uncertain))
		fmt.Fprintln(w, pl.Msg("cli.notify.uncertain_advice"))
		for _, u := range s.Uncertain {
			fmt.Fprintln(w, pl.Msg("cli.notify.uncertain_row", u.PersonID, termsafe.String(u.Email), u.MessageID))
		}
	}
	rate := 0.0
	if secs := s.Duration.Seconds(); secs > 0 {
		rate = float64(s.Sent) / secs
	}
	fmt.Fprintln(w, pl.Msg("cli.notify.duration", s.Duration.Round(time.Millisecond), rate))
}
