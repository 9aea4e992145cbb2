package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/internal/termsafe"
	"jedenlogin/locale"
	"jedenlogin/mail"
	"jedenlogin/notice"
)

const finishUsage = `Użycie: jedenlogin finish --before RRRR-MM-DD [--confirm] [--db DSN] [--mail-outbox KATALOG | --smtp URL] [--help-url URL]

Po terminie przejścia kończy przejście na jeden login za osoby, które go nie wykonały.

--before RRRR-MM-DD to termin kampanii: ostatni dzień, w którym osoby mogły same
wybrać login (ten sam, co --date w jedenlogin notify). Polecenie działa tylko wtedy,
gdy ten dzień już minął, i obejmuje każdą osobę, która do dziś nie przeszła na jeden
login (jej przejście nie zostało wykonane przed upływem terminu).

Co się dzieje z osobą:
  choose, choose_uppercase  zostaje login z wielkich liter, którym logowano się ostatnio
                            (last_login_at); przy remisie albo gdy żadnym się nie
                            logowano — jak przy wyborze danych konta: login z najpóźniej
                            zaakceptowanym wnioskiem, potem o najmniejszym id;
  generate                  zarezerwowany nowy login staje się loginem osoby, z hasłem
                            aktywnego loginu, którym logowano się ostatnio (ta sama
                            reguła remisu).
Pozostałe loginy przestają działać, upoważnienia przechodzą na zachowany login —
dokładnie jak przy samodzielnym potwierdzeniu. Każda osoba dostaje e-mail o tym, co
zrobiono, a w dzienniku zdarzeń jest jedno zdarzenie na osobę.

Bez --confirm polecenie tylko pokazuje, co by zrobiło (liczby w przypadkach i przykłady).

Opcje:
`

// finishExamples is how many example lines per case the report shows.
const finishExamples = 3

func runFinish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("finish", flag.ContinueOnError)
	db := dbFlag(fs)
	mf := registerCampaignMail(fs)
	before := fs.String("before", "", "termin kampanii RRRR-MM-DD (ostatni dzień na samodzielny wybór); musi już minąć")
	confirm := fs.Bool("confirm", false, "wykonaj; bez tego polecenie tylko pokazuje, co by zrobiło")
	helpURL := fs.String("help-url", "https://pomoc.sio.gov.pl", "adres strony pomocy podawany w wiadomościach")
	fs.Usage = func() {
		fmt.Fprint(stderr, finishUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "finish: nieoczekiwany argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *before == "" {
		fmt.Fprintln(stderr, "finish: podaj --before RRRR-MM-DD: termin kampanii, który już minął")
		return errUsage
	}
	deadline, err := parseDay("before", *before)
	if err != nil {
		fmt.Fprintf(stderr, "finish: %v\n", err)
		return errUsage
	}
	today, _ := time.Parse(time.DateOnly, time.Now().Format(time.DateOnly))
	if !deadline.Before(today) {
		fmt.Fprintf(stderr, "finish: termin %s jeszcze nie minął — osoby mogą do końca tego dnia same wybrać login. Uruchom finish najwcześniej %s.\n",
			deadline.Format("02.01.2006"), deadline.AddDate(0, 0, 1).Format("02.01.2006"))
		return exitError{2}
	}
	if u, err := url.Parse(*helpURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fmt.Fprintf(stderr, "finish: --help-url: podaj pełny adres http(s)://…, nie %q\n", *helpURL)
		return errUsage
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
			reason := locale.Polish.Describe(err)
			switch {
			case errors.Is(err, consolidation.ErrPasswordRequired):
				reason = "żaden aktywny login nie ma hasła, którym można by potwierdzić nowy login"
			case errors.Is(err, consolidation.ErrNoGeneratedLogin):
				reason = "nowy login nie jest zarezerwowany"
			}
			cannot[reason]++
			if len(cannotExamples) < finishExamples {
				cannotExamples = append(cannotExamples, fmt.Sprintf("osoba %d (%s): %s", rec.Person.ID, ch.Case, reason))
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
	fmt.Fprintf(stdout, "Termin przejścia: %s. Osoby, za które przejście zostanie dokończone: %d\n", deadline.Format("02.01.2006"), len(todo))
	for _, c := range jedenlogin.Cases {
		if counts[c] == 0 {
			continue
		}
		fmt.Fprintf(stdout, "  %-18s %8d   %s\n", c, counts[c], caseLabels[c])
		for _, e := range examples[c] {
			fmt.Fprintf(stdout, "      np. %s\n", termsafe.String(e))
		}
	}
	if len(cannot) > 0 {
		n := 0
		for _, k := range cannot {
			n += k
		}
		fmt.Fprintf(stdout, "Nie można dokończyć (do wyjaśnienia przez pomoc techniczną): %d\n", n)
		for _, e := range cannotExamples {
			fmt.Fprintf(stdout, "      np. %s\n", termsafe.String(e))
		}
	}
	if !*confirm {
		fmt.Fprintln(stdout, "Nic nie zmieniono. Aby wykonać, uruchom ponownie z --confirm.")
		return nil
	}

	prog := newProgressReport(stderr, "dokończono")
	var done, already, mailed, noEmail, mailFailed int
	var failures []string
	for i, p := range todo {
		if err := ctx.Err(); err != nil {
			prog.finish()
			return fmt.Errorf("przerwano po %d z %d osób; uruchom ponownie to samo polecenie, aby dokończyć: %w", done+already, len(todo), err)
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
			failures = append(failures, fmt.Sprintf("osoba %d: %s", p.id, locale.Polish.Describe(err)))
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
					failures = append(failures, fmt.Sprintf("osoba %d: wiadomość nie wysłana: %v", p.id, err))
				} else {
					mailed++
				}
			}
		}
		prog.update(i+1, len(todo))
	}
	prog.finish()
	fmt.Fprintf(stdout, "Dokończono przejście: %d osób; wysłano wiadomości: %d; bez adresu e-mail: %d; nie wysłano: %d; w międzyczasie przeszły same: %d\n",
		done, mailed, noEmail, mailFailed, already)
	for _, f := range failures {
		fmt.Fprintf(stdout, "  BŁĄD %s\n", termsafe.String(f))
	}
	if len(failures) > 0 {
		return exitError{1}
	}
	return nil
}

// describeChoice is one example line of the finish report.
func describeChoice(rec *jedenlogin.PersonRecord, ch consolidation.DeadlineChoice) string {
	var b strings.Builder
	fmt.Fprintf(&b, "osoba %d: zostaje %s", rec.Person.ID, ch.Keep)
	if l := rec.LoginByName(ch.Keep); l != nil && l.LastLoginAt != nil && ch.Case != jedenlogin.CaseGenerate {
		fmt.Fprintf(&b, " (ostatnie logowanie %s)", l.LastLoginAt.Format(time.DateOnly))
	}
	if ch.PasswordFrom != "" {
		fmt.Fprintf(&b, " z hasłem loginu %s", ch.PasswordFrom)
	}
	if len(ch.Retire) > 0 {
		fmt.Fprintf(&b, "; przestaje działać: %s", strings.Join(ch.Retire, ", "))
	}
	return b.String()
}
