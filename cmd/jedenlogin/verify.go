package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"jedenlogin"
	"jedenlogin/consolidation"
	"jedenlogin/internal/termsafe"
)

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := newDBCommand("verify")
	audit := cmd.fs.Bool("audit", false, pl.Msg("cli.verify.flag_audit"))
	if err := cmd.parse(args, stderr, "", -1); err != nil {
		return err
	}
	st, err := cmd.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.CloseAtExit() // read only
	if *audit {
		return verifyAudit(ctx, st, stdout)
	}

	limitHeap()
	v := consolidation.NewVerifier()
	persons := 0
	// The verifier reads logins and grants in outline only.
	if err := st.ForEachPersonOutline(ctx, func(rec *jedenlogin.PersonRecord) error {
		persons++
		v.Add(rec)
		return nil
	}); err != nil {
		return err
	}
	violations := v.Finish()
	for _, vi := range violations {
		fmt.Fprintln(stdout, pl.Msg("cli.verify.violation", vi.PersonID, termsafe.String(vi.Message)))
	}
	if len(violations) > 0 {
		fmt.Fprintln(stdout, pl.Msg("cli.verify.violations", len(violations), persons))
		return exitError{1}
	}
	fmt.Fprintln(stdout, pl.Msg("cli.verify.ok", persons))
	return nil
}

// walkHeapLimit is the soft limit of the Go heap for the commands that walk
// every person (verify, plan --format json). What they keep is modest (the
// verifier: every login name once), but at Go's default the heap may grow
// to twice that before a collection, and with the two readers' SQLite page
// caches outside the heap a million-login database took verify past 1 GiB.
const walkHeapLimit = 448 << 20

// limitHeap sets walkHeapLimit unless GOMEMLIMIT chose a limit.
func limitHeap() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(walkHeapLimit)
	}
}

// errBrokenLink stops the walk over the audit log at the first broken link.
var errBrokenLink = errors.New("broken link")

// verifyAudit walks the audit log in id order and reports the first event
// whose hash of its predecessor does not match (exit 1).
func verifyAudit(ctx context.Context, st jedenlogin.Store, stdout io.Writer) error {
	var (
		chain  jedenlogin.AuditChain
		broken jedenlogin.AuditEvent
	)
	err := st.ForEachAudit(ctx, 0, func(e jedenlogin.AuditEvent) error {
		if !chain.Add(e) {
			broken = e
			return errBrokenLink
		}
		if chain.Checked%1000000 == 0 {
			fmt.Fprintln(stdout, pl.Msg("cli.verify.audit_progress", chain.Checked))
		}
		return nil
	})
	if errors.Is(err, errBrokenLink) {
		fmt.Fprintln(stdout, pl.Msg("cli.verify.audit_broken", broken.ID, termsafe.String(broken.Action), broken.At.Format(time.RFC3339)))
		fmt.Fprintln(stdout, pl.Msg("cli.verify.audit_first_broken", broken.ID, chain.Checked))
		return exitError{1}
	} else if err != nil {
		return err
	}
	fmt.Fprint(stdout, pl.Msg("cli.verify.audit_ok", chain.Checked))
	if chain.Legacy > 0 {
		fmt.Fprint(stdout, pl.Msg("cli.verify.audit_legacy", chain.Legacy))
	}
	fmt.Fprintln(stdout)
	return nil
}
