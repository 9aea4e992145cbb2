package legacy

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress prints a one-line, self-overwriting progress report to a
// terminal, at most a few times per second. On anything but a terminal it
// prints nothing, so logs and pipes stay clean.
type progress struct {
	w     io.Writer
	size  int64 // bytes, 0 when unknown
	lines int   // lines of the file, 0 when unknown
	start time.Time
	last  time.Time
	width int // length of the last line printed, to blank it out
}

const progressEvery = 250 * time.Millisecond

func newProgress(w io.Writer, size int64, lines int) *progress {
	f, ok := w.(interface{ Fd() uintptr })
	if w == nil || !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	now := time.Now()
	return &progress{w: w, size: size, lines: lines, start: now}
}

// update reports rows read and bytes consumed so far.
func (p *progress) update(rows int, offset int64) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(rows) / el
	}
	msg := pl.Msg("legacy.progress.read", pluralDigits("legacy.count.rows", rows), groupDigits(int(rate)))
	var done float64
	switch {
	case p.size > 0 && offset > 0:
		done = float64(offset) / float64(p.size)
	case p.lines > 0:
		done = float64(rows) / float64(p.lines)
	}
	if done > 0 && done <= 1 && el >= 1 { // the first second's rate says little
		left := time.Duration(el * (1 - done) / done * float64(time.Second)).Round(time.Second)
		msg += pl.Msg("legacy.progress.left", int(done*100), left)
	}
	p.print(msg)
}

// phase reports a step after reading.
func (p *progress) phase(msg string) {
	if p.w == nil {
		return
	}
	p.print(msg)
}

func (p *progress) print(msg string) {
	pad := ""
	if n := p.width - len([]rune(msg)); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	p.width = len([]rune(msg))
	fmt.Fprintf(p.w, "\r%s%s", msg, pad)
}

// clear blanks the progress line so the summary starts on a clean line.
func (p *progress) clear() {
	if p.w == nil || p.width == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.width))
	p.width = 0
}

// groupDigits formats n with spaces between thousands, as Polish does.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}
