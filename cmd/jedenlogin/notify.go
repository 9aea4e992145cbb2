package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"time"

	"jedenlogin/internal/termsafe"
	"jedenlogin/notice"
)

const notifyUsage = `Użycie: jedenlogin notify --campaign NAZWA --date RRRR-MM-DD [--db DSN] [--mail-outbox KATALOG | --smtp URL]
                         [--case PRZYPADEK…] [--rate N] [--dry-run] [--help-url URL]

Wysyła każdej osobie, która jeszcze nie przeszła na jeden login i ma adres e-mail,
zawiadomienie napisane dla jej przypadku i jej loginów: co się zmieni, co zrobić
krok po kroku do dnia --date i gdzie szukać pomocy (--help-url).

Kampania jest wznawialna: przerwana w dowolnej chwili (także kill -9) i uruchomiona
ponownie z tą samą nazwą --campaign wysyła każde pozostałe zawiadomienie dokładnie raz.
Nikt nie dostaje drugiego zawiadomienia w tej samej kampanii. Przy wysyłce przez SMTP
wiadomość, o której po przerwaniu nie wiadomo, czy serwer ją przyjął, nie jest
wysyłana ponownie — jest wypisywana (osoba, adres, Message-ID) do sprawdzenia
w dzienniku serwera poczty.

Pomijane (i liczone w podsumowaniu): osoby po przejściu, bez aktywnego loginu,
z jednym loginem z wielkich liter (nic się nie zmienia), bez poprawnego adresu e-mail.

Opcje:
`

func runNotify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("notify", flag.ContinueOnError)
	db := dbFlag(fs)
	mf := registerCampaignMail(fs)
	campaign := fs.String("campaign", "", "nazwa kampanii (litery, cyfry, . - _): każda osoba dostaje najwyżej jedno zawiadomienie danej kampanii; wznowienie wymaga tej samej nazwy")
	date := fs.String("date", "", "termin przejścia RRRR-MM-DD podawany w zawiadomieniach (ostatni dzień na wybór loginu)")
	var cases caseList
	fs.Var(&cases, "case", "tylko ten przypadek: choose, choose_uppercase, generate (można powtórzyć albo podać po przecinku; domyślnie wszystkie)")
	rate := fs.Float64("rate", 10, "najwyżej tyle wiadomości na sekundę; 0 = bez ograniczenia")
	dryRun := fs.Bool("dry-run", false, "tylko zapisuje zawiadomienia do --mail-outbox, niczego nie odnotowuje w bazie")
	helpURL := fs.String("help-url", "https://pomoc.sio.gov.pl", "adres strony pomocy podawany w zawiadomieniach")
	leaseTTL := fs.Duration("lease", 15*time.Second, "jak długo przerwany przebieg blokuje kampanię przed następnym (blokada jest odnawiana co 1/3 tego czasu)")
	fs.Usage = func() {
		fmt.Fprint(stderr, notifyUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "notify: nieoczekiwany argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *campaign == "" || *date == "" {
		fmt.Fprintln(stderr, "notify: podaj --campaign (nazwę kampanii, potrzebną też do wznowienia) i --date (termin przejścia)")
		return errUsage
	}
	deadline, err := parseDay("date", *date)
	if err != nil {
		fmt.Fprintf(stderr, "notify: %v\n", err)
		return errUsage
	}
	if u, err := url.Parse(*helpURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		fmt.Fprintf(stderr, "notify: --help-url: podaj pełny adres http(s)://…, nie %q\n", *helpURL)
		return errUsage
	}
	if *rate < 0 {
		fmt.Fprintln(stderr, "notify: --rate nie może być ujemne (0 = bez ograniczenia)")
		return errUsage
	}
	if *dryRun && *mf.smtp != "" {
		fmt.Fprintln(stderr, "notify: --dry-run zapisuje wiadomości do --mail-outbox; nie łącz go z --smtp")
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
	prog := newProgressReport(stderr, "wysłano")
	c := &notice.Campaign{
		Store: st, Sender: sender, Outbox: outbox, Name: *campaign, Domain: domain, Cases: cases,
		Rate: *rate, DryRun: *dryRun, Deadline: deadline, HelpURL: *helpURL, LeaseTTL: *leaseTTL,
		Progress: prog.update,
		Waiting: func(ttl time.Duration) {
			fmt.Fprintf(stderr, "notify: kampanię %s prowadzi inny proces albo poprzedni przebieg przerwano; jego blokada wygaśnie najpóźniej po %s — czekam\n", *campaign, ttl)
		},
	}
	mode := ""
	if *dryRun {
		mode = " (PRÓBA: nic nie jest odnotowywane)"
	}
	fmt.Fprintf(stderr, "notify: kampania %s, termin %s, poczta: %s%s\n", *campaign, deadline.Format("02.01.2006"), desc, mode)
	sum, err := c.Run(ctx)
	prog.finish()
	if sum != nil {
		printNoticeSummary(stdout, sum, *dryRun)
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("przerwano; uruchom ponownie z tym samym --campaign %s, aby dokończyć: %w", *campaign, err)
		}
		return fmt.Errorf("%w (uruchom ponownie z tym samym --campaign %s, aby dokończyć)", err, *campaign)
	}
	if len(sum.Failed) > 0 {
		fmt.Fprintf(stderr, "notify: serwer poczty odrzucił %d wiadomości; uruchom ponownie z tym samym --campaign %s, aby spróbować jeszcze raz\n", len(sum.Failed), *campaign)
		return exitError{1}
	}
	return nil
}

// printNoticeSummary writes what a campaign run did.
func printNoticeSummary(w io.Writer, s *notice.Summary, dry bool) {
	verb := "Wysłano"
	if dry {
		verb = "Zapisano (próba)"
	}
	fmt.Fprintf(w, "Kampania %s: osób %d, w tym przebiegu do wysłania %d\n", s.Campaign, s.Persons, s.Planned)
	fmt.Fprintf(w, "  %-46s %d\n", verb+" teraz:", s.Sent)
	if s.Resent > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", "  w tym po przerwanym przebiegu:", s.Resent)
	}
	fmt.Fprintf(w, "  %-46s %d\n", "Wysłane wcześniej w tej kampanii:", s.AlreadySent)
	if s.Recovered > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", "  w tym potwierdzone teraz w katalogu poczty:", s.Recovered)
	}
	fmt.Fprintf(w, "  %-46s %d\n", "Pominięte: przejście już wykonane:", s.Skipped[notice.SkipDone]+s.Gone)
	fmt.Fprintf(w, "  %-46s %d\n", "Pominięte: brak aktywnego loginu:", s.Skipped[notice.SkipNoActiveLogin])
	fmt.Fprintf(w, "  %-46s %d\n", "Pominięte: jeden login, bez zmian:", s.Skipped[notice.SkipUnchanged])
	fmt.Fprintf(w, "  %-46s %d\n", "Pominięte: brak poprawnego adresu e-mail:", s.Skipped[notice.SkipNoEmail])
	if n := s.Skipped[notice.SkipCase]; n > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", "Pominięte: inny przypadek (--case):", n)
	}
	if n := s.Skipped[notice.SkipNoReserved]; n > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", "Pominięte: nowy login jeszcze nie zarezerwowany:", n)
	}
	fmt.Fprintf(w, "  %-46s %d\n", "Odrzucone przez serwer poczty:", len(s.Failed))
	for _, f := range s.Failed {
		fmt.Fprintf(w, "    osoba %d <%s>: %s\n", f.PersonID, termsafe.String(f.Email), termsafe.String(f.Error))
	}
	if len(s.Uncertain) > 0 {
		fmt.Fprintf(w, "  %-46s %d\n", "NIEPEWNE (przerwano w trakcie wysyłki SMTP):", len(s.Uncertain))
		fmt.Fprintln(w, "    Nie są wysyłane ponownie. Sprawdź w dzienniku serwera poczty, czy je przyjął:")
		for _, u := range s.Uncertain {
			fmt.Fprintf(w, "    osoba %d <%s> Message-ID <%s>\n", u.PersonID, termsafe.String(u.Email), u.MessageID)
		}
	}
	rate := 0.0
	if secs := s.Duration.Seconds(); secs > 0 {
		rate = float64(s.Sent) / secs
	}
	fmt.Fprintf(w, "  Czas: %s (%.0f wiadomości/s)\n", s.Duration.Round(time.Millisecond), rate)
}
