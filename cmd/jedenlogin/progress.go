package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/term"
)

// progressReport shows how far long work is: a self-overwriting bar on a
// terminal, a plain line every lineEvery elsewhere (logs, pipes).
type progressReport struct {
	w        io.Writer
	what     string // what is counted, from the catalogue ("wysłano")
	terminal bool
	start    time.Time
	last     time.Time
	every    time.Duration
	drawn    bool
}

const lineEvery = 5 * time.Second

func newProgressReport(w io.Writer, what string) *progressReport {
	f, ok := w.(interface{ Fd() uintptr })
	now := time.Now()
	p := &progressReport{w: w, what: what, start: now, last: now, every: lineEvery}
	if ok && term.IsTerminal(int(f.Fd())) {
		p.terminal, p.every = true, 200*time.Millisecond
	}
	return p
}

// update reports done of total; it prints at most once per interval.
func (p *progressReport) update(done, total int) {
	now := time.Now()
	if now.Sub(p.last) < p.every && done != total {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(done) / el
	}
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	left := ""
	if rate > 0 && done < total {
		left = pl.Msg("cli.progress.left", time.Duration(float64(total-done)/rate*float64(time.Second)).Round(time.Second))
	}
	count := pl.Msg("cli.progress.count", p.what, done, total)
	if p.terminal {
		const width = 30
		n := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3d%%  %s  (%.0f/s%s)\x1b[K", strings.Repeat("#", n), strings.Repeat(".", width-n),
			int(frac*100), count, rate, left)
		p.drawn = true
		return
	}
	fmt.Fprintf(p.w, "%s (%d%%, %.0f/s%s)\n", count, int(frac*100), rate, left)
}

// finish ends the bar's line on a terminal.
func (p *progressReport) finish() {
	if p.terminal && p.drawn {
		fmt.Fprintln(p.w)
	}
}
