package main

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"jedenlogin"
	"jedenlogin/consolidation"
)

func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newDBCommand("plan")
	format := cmd.fs.String("format", "text", pl.Msg("cli.plan.flag_format"))
	if err := cmd.parse(args, stderr, "", -1); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintln(stderr, pl.Msg("cli.plan.bad_format", *format))
		return errUsage
	}
	st, err := cmd.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.CloseAtExit() // read only

	if *format == "json" {
		limitHeap()
		w := bufio.NewWriterSize(stdout, 1<<16)
		err := st.ForEachPersonOutline(ctx, func(rec *jedenlogin.PersonRecord) error {
			row := consolidation.Row(rec)
			// Into the writer's free space: one copy less.
			_, err := w.Write(append(row.AppendJSON(w.AvailableBuffer()), '\n'))
			return err
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
	fmt.Fprintln(w, pl.Msg("cli.plan.totals", sum.Persons, sum.Logins))
	fmt.Fprintln(w)
	total := pl.Msg("cli.plan.col_total")
	fmt.Fprintf(w, "%-18s %10s %10s %10s\n", pl.Msg("cli.plan.col_case"), pl.Msg("cli.plan.col_pending"), pl.Msg("cli.plan.col_done"), total)
	var tp, td int
	for _, c := range jedenlogin.Cases {
		p, d := sum.ByCaseState[c][jedenlogin.StatePending], sum.ByCaseState[c][jedenlogin.StateDone]
		tp, td = tp+p, td+d
		fmt.Fprintf(w, "%-18s %10d %10d %10d   %s\n", c, p, d, p+d, caseLabel(c))
	}
	fmt.Fprintf(w, "%-18s %10d %10d %10d\n", total, tp, td, tp+td)
	fmt.Fprintln(w)
	fmt.Fprintln(w, pl.Msg("cli.plan.grouping",
		sum.ByGrouping[jedenlogin.GroupedByPESEL], sum.ByGrouping[jedenlogin.GroupedByEmail], sum.ByGrouping[jedenlogin.GroupedByLogin]))
}

// caseLabels are the catalogue texts saying what each case means; the
// case codes stay beside them, as the JSON plan and the console name the
// cases.
var caseLabels = map[jedenlogin.Case]jedenlogin.Text{
	jedenlogin.CaseUnchanged:       jedenlogin.T("cli.case.unchanged"),
	jedenlogin.CaseChoose:          jedenlogin.T("cli.case.choose"),
	jedenlogin.CaseChooseUppercase: jedenlogin.T("cli.case.choose_uppercase"),
	jedenlogin.CaseGenerate:        jedenlogin.T("cli.case.generate"),
	jedenlogin.CaseNoActiveLogin:   jedenlogin.T("cli.case.no_active_login"),
}

// caseLabel says in Polish what case c means.
func caseLabel(c jedenlogin.Case) string { return pl.Text(caseLabels[c]) }
