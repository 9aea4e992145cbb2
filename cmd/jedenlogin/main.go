// Command jedenlogin is the account system of the education information
// system: it imports the legacy accounts, plans and verifies the one-login
// transition, and serves sign-in, the transition and the account pages.
//
// Run `jedenlogin help` for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"jedenlogin/internal/termsafe"
	"jedenlogin/locale"
)

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string // one line for `help`
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "uruchamia serwis: strony i JSON API (--db, --addr, --public-url, --trusted-proxy)", runServe},
		{"import", "importuje konta dotychczasowego systemu z pliku CSV: jedenlogin import [--db DSN] PLIK.csv", runImport},
		{"plan", "plan przejścia na jeden login: jedenlogin plan [--db DSN] [--format text|json]", runPlan},
		{"verify", "sprawdza spójność danych; kod wyjścia 1 przy każdym naruszeniu; --audit: łańcuch skrótów dziennika zdarzeń (pierwsze zerwane ogniwo)", runVerify},
		{"backup", "kopia zapasowa bazy SQLite w trakcie pracy serwisu: jedenlogin backup [--db DSN] PLIK", runBackup},
		{"migrate-schema", "aktualizuje schemat bazy danych (tworzy pustą bazę)", runMigrateSchema},
		{"demo", "tworzy bazę demonstracyjną z każdym przypadkiem przejścia, wypisuje loginy i hasła i uruchamia serwis", runDemo},
		{"unlock", "zdejmuje blokadę logowania nazwy: jedenlogin unlock [--db DSN] LOGIN", runUnlock},
		{"mfa", "weryfikacja dwuetapowa: jedenlogin mfa reset [--db DSN] LOGIN --reason TEKST usuwa wszystkie metody osoby (aplikację, klucze dostępu, kody odzyskiwania), kończy jej sesje i wysyła jej e-mail", runMFA},
		{"create-operator", "nadaje (--revoke: odbiera) osobie z loginem LOGIN rolę operatora: jedenlogin create-operator [--db DSN] [--revoke] LOGIN", runCreateOperator},
		{"client", "klienci OpenID Connect (inne moduły): jedenlogin client add|list|remove|rotate-secret [--db DSN] …", runClient},
		{"keys", "wymiana klucza podpisu OpenID Connect: jedenlogin keys rotate [--db DSN] [--alg ES256|RS256]", runKeys},
		{"notify", "zawiadomienia o przejściu na jeden login, wznawialne: jedenlogin notify --campaign NAZWA --date RRRR-MM-DD [--case …] [--rate N] [--dry-run]", runNotify},
		{"finish", "po terminie kończy przejście za osoby, które go nie wykonały: jedenlogin finish --before RRRR-MM-DD [--confirm]", runFinish},
		{"help", "lista poleceń", nil},
	}
}

// exitError carries a specific exit code; its message is already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile(os.Getenv("JEDENLOGIN_CPUPROFILE"))
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole command to file (the
// environment variable JEDENLOGIN_CPUPROFILE, for `go tool pprof`) when it
// is not empty, and returns the function that ends it.
func startProfile(file string) func() {
	if file == "" {
		return func() {}
	}
	f, err := os.Create(file)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "JEDENLOGIN_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// run executes one subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] || c.run == nil {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &ee):
			return ee.code
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "jedenlogin %s: %s\n", c.name, termsafe.String(locale.Polish.Describe(err)))
			return 1
		}
	}
	fmt.Fprintf(stderr, "jedenlogin: nieznane polecenie %q\n\n", args[0])
	printHelp(stderr)
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "jedenlogin — jeden login do wielu podmiotów (konta Systemu Informacji Oświatowej)")
	fmt.Fprintln(w, "\nUżycie: jedenlogin POLECENIE [opcje]\n\nPolecenia:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nBaza danych: --db (albo $JEDENLOGIN_DB) — ścieżka pliku SQLite (domyślnie ./jedenlogin.db) albo adres postgres://.")
}
