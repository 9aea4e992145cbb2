package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/internal/termsafe"
	"jedenlogin/mail"
	"jedenlogin/notice"
)

// finishExamples is how many example lines per case the report shows.
const finishExamples = 3

func runFinish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("finish", flag.ContinueOnError)
	db := dbFlag(fs)
	mf := registerCampaignMail(fs)
	before := fs.String("before", "", pl.Msg("cli.finish.flag_before"))
	confirm := fs.Bool("confirm", false, pl.Msg("cli.finish.flag_confirm"))
	helpURL := fs.String("help-url", "https://pomoc.sio.gov.pl", pl.Msg("cli.finish.flag_help_url"))
	fs.Usage = func() {
		fmt.Fprintln(stderr, pl.Msg("cli.finish.usage"))
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, pl.Msg("cli.finish.unexpected_argument", fs.Arg(0)))
		return errUsage
	}
	if *before == "" {
		fmt.Fprintln(stderr, pl.Msg("cli.finish.before_required"))
		return errUsage
	}
	deadline, err := parseDay("before", *before)
	if err != nil {
		fmt.Fprintf(stderr, "finish: %v\n", err)
		return errUsage
	}
	today, _ := time.Parse(time.DateOnly, time.Now().Format(time.DateOnly))
	if !deadline.Before(today) {
		fmt.Fprintln(stderr, pl.Msg("cli.finish.too_early", deadline.Format("02.01.2006"), deadline.AddDate(0, 0, 1).Format("02.01.2006")))
		return exitError{2}
	}
	if err := checkHelpURL("finish", *helpURL, stderr); err != nil {
		return err
	}
	var sender mail.Sender
	if *confirm {
		if sender, _, _, _, err = mf.open(); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	limitHeap()

	// Plan: who is pending and what would happen to them.
	type planned struct {
		id int64
		c  jedenlogin.Case
	}
	var todo []planned
	counts := map[jedenlogin.Case]int{}
	examples := map[jedenlogin.Case][]string{}
	cannot := map[string]int{}
	var cannotExamples []string
	err = st.ForEachPerson(ctx, func(rec *jedenlogin.PersonRecord) error {
		if rec.Person.State == jedenlogin.StateDone {
			return nil
		}
		ch, err := consolidation.ChooseAtDeadline(rec)
		switch {
		case errors.Is(err, consolidation.ErrNoActiveLogin):
			return nil // nothing to finish
		case err != nil:
			reason := pl.Describe(err)
			switch {
			case errors.Is(err, consolidation.ErrPasswordRequired):
				reason = pl.Msg("cli.finish.no_password")
			case errors.Is(err, consolidation.ErrNoGeneratedLogin):
				reason = pl.Msg("cli.finish.not_reserved")
			}
			cannot[reason]++
			if len(cannotExamples) < finishExamples {
				cannotExamples = append(cannotExamples, pl.Msg("cli.finish.cannot_example", rec.Person.ID, ch.Case, reason))
			}
			return nil
		}
		todo = append(todo, planned{rec.Person.ID, ch.Case})
		counts[ch.Case]++
		if len(examples[ch.Case]) < finishExamples {
			examples[ch.Case] = append(examples[ch.Case], describeChoice(rec, ch))
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, pl.Msg("cli.finish.plan", deadline.Format("02.01.2006"), len(todo)))
	for _, c := range jedenlogin.Cases {
		if counts[c] == 0 {
			continue
		}
		fmt.Fprintf(stdout, "  %-18s %8d   %s\n", c, counts[c], caseLabel(c))
		for _, e := range examples[c] {
			fmt.Fprintln(stdout, pl.Msg("cli.finish.example", termsafe.String(e)))
		}
	}
	if len(cannot) > 0 {
		n := 0
		for _, k := range cannot {
			n += k
		}
		fmt.Fprintln(stdout, pl.Msg("cli.finish.cannot", n))
		for _, e := range cannotExamples {
			fmt.Fprintln(stdout, pl.Msg("cli.finish.example", termsafe.String(e)))
		}
	}
	if !*confirm {
		fmt.Fprintln(stdout, pl.Msg("cli.finish.dry_run"))
		return nil
	}

	prog := newProgressReport(stderr, pl.Msg("cli.finish.progress"))
	var done, already, mailed, noEmail, mailFailed int
	var failures []string
	for i, p := range todo {
		if err := ctx.Err(); err != nil {
			prog.finish()
			return fmt.Errorf("%s: %w", pl.Msg("cli.finish.interrupted", done+already, len(todo)), err)
		}
		var ch consolidation.DeadlineChoice
		var rec *jedenlogin.PersonRecord
		err := st.UpdatePerson(ctx, p.id, func(r *jedenlogin.PersonRecord) ([]jedenlogin.AuditEvent, error) {
			ev, c, err := consolidation.ConfirmAtDeadline(r, time.Now().UTC())
			if err != nil {
				return nil, err
			}
			ev.Actor = "cli:finish"
			ch, rec = c, r
			return []jedenlogin.AuditEvent{*ev}, nil
		})
		switch {
		case errors.Is(err, jedenlogin.ErrAlreadyConsolidated):
			already++ // the person acted meanwhile
		case err != nil:
			failures = append(failures, pl.Msg("cli.finish.failure", p.id, pl.Describe(err)))
		default:
			done++
			if to := notice.Address(rec); to == "" {
				noEmail++
			} else {
				m, err := mail.Render(mail.KindTransitionCompleted, mail.TransitionCompletedData{
					Case: ch.Case, Login: ch.Keep, PasswordFrom: ch.PasswordFrom, Retired: ch.Retire,
					Deadline: deadline, HelpURL: *helpURL,
				})
				if err == nil {
					m.To = []string{to}
					err = sender.Send(ctx, m)
				}
				if err != nil {
					mailFailed++
					failures = append(failures, pl.Msg("cli.finish.mail_failure", p.id, err))
				} else {
					mailed++
				}
			}
		}
		prog.update(i+1, len(todo))
	}
	prog.finish()
	fmt.Fprintln(stdout, pl.Msg("cli.finish.done", done, mailed, noEmail, mailFailed, already))
	for _, f := range failures {
		fmt.Fprintln(stdout, pl.Msg("cli.finish.error", termsafe.String(f)))
	}
	if len(failures) > 0 {
		return exitError{1}
	}
	return nil
}

// describeChoice is one example line of the finish report.
func describeChoice(rec *jedenlogin.PersonRecord, ch consolidation.DeadlineChoice) string {
	var b strings.Builder
	b.WriteString(pl.Msg("cli.finish.keeps", rec.Person.ID, ch.Keep))
	if l := rec.LoginByName(ch.Keep); l != nil && l.LastLoginAt != nil && ch.Case != jedenlogin.CaseGenerate {
		b.WriteString(pl.Msg("cli.finish.last_sign_in", l.LastLoginAt.Format(time.DateOnly)))
	}
	if ch.PasswordFrom != "" {
		b.WriteString(pl.Msg("cli.finish.password_from", ch.PasswordFrom))
	}
	if len(ch.Retire) > 0 {
		b.WriteString(pl.Msg("cli.finish.retired", strings.Join(ch.Retire, ", ")))
	}
	return b.String()
}
