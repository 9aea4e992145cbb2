package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"jedenlogin"
	"jedenlogin/consolidation"
)

func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	db := dbFlag(fs)
	format := fs.String("format", "text", "format: text (podsumowanie) lub json (jeden obiekt na osobę w wierszu)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "plan: --format przyjmuje text lub json, nie %q\n", *format)
		return errUsage
	}
	st, err := openStore(ctx, *db, false)
	if err != nil {
		return err
	}
	defer st.CloseAtExit() // read only

	if *format == "json" {
		limitHeap()
		w := bufio.NewWriterSize(stdout, 1<<16)
		enc := json.NewEncoder(w)
		err := st.ForEachPersonOutline(ctx, func(rec *jedenlogin.PersonRecord) error {
			return enc.Encode(consolidation.Row(rec))
		})
		if err != nil {
			return err
		}
		return w.Flush()
	}
	sum, err := st.PlanSummary(ctx)
	if err != nil {
		return err
	}
	printPlanSummary(stdout, sum)
	return nil
}

// printPlanSummary writes the persons per case and state and the grouping counts.
func printPlanSummary(w io.Writer, sum *jedenlogin.PlanSummary) {
	fmt.Fprintf(w, "Osoby: %d   Loginy: %d\n\n", sum.Persons, sum.Logins)
	fmt.Fprintf(w, "%-18s %10s %10s %10s\n", "przypadek", "oczekuje", "wykonane", "razem")
	var tp, td int
	for _, c := range jedenlogin.Cases {
		p, d := sum.ByCaseState[c][jedenlogin.StatePending], sum.ByCaseState[c][jedenlogin.StateDone]
		tp, td = tp+p, td+d
		fmt.Fprintf(w, "%-18s %10d %10d %10d   %s\n", c, p, d, p+d, caseLabels[c])
	}
	fmt.Fprintf(w, "%-18s %10d %10d %10d\n", "razem", tp, td, tp+td)
	fmt.Fprintf(w, "\nOsoby rozpoznane po numerze PESEL: %d, po e-mailu i imieniu z nazwiskiem: %d, pojedyncze loginy: %d\n",
		sum.ByGrouping[jedenlogin.GroupedByPESEL], sum.ByGrouping[jedenlogin.GroupedByEmail], sum.ByGrouping[jedenlogin.GroupedByLogin])
}

// caseLabels say in Polish what each case means; the case codes stay
// beside them, as the JSON plan and the console name the cases.
var caseLabels = map[jedenlogin.Case]string{
	jedenlogin.CaseUnchanged:       "jeden login z wielkich liter: bez zmian",
	jedenlogin.CaseChoose:          "kilka loginów z wielkich liter: wybór jednego",
	jedenlogin.CaseChooseUppercase: "loginy z małymi literami: wybór loginu z wielkich liter",
	jedenlogin.CaseGenerate:        "brak loginu z wielkich liter: nowy login do potwierdzenia",
	jedenlogin.CaseNoActiveLogin:   "brak aktywnego loginu: bez zmian",
}
