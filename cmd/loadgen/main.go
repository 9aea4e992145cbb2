package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"jedenlogin/password"
)

const usage = `usage: go run ./cmd/loadgen [flags] argon2|signin|me|confirm|console|oidc-signin|oidc-refresh|oidc-userinfo|soak

Measures jedenlogin on this machine against servers it starts itself on a
fresh database and prints a Markdown table for BENCHMARKS.md.

flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, runs the scenario and prints the report to stdout. It
// returns the exit code: 0 when every operation succeeded (a missed speed
// target is reported, not an error), 1 when some failed, 2 for bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var cfg config
	var params, cpuprofile, blockprofile string
	fs.StringVar(&cfg.db, "db", "", "PostgreSQL server to create a fresh database on (postgres://…); default: SQLite in a temporary directory")
	fs.IntVar(&cfg.instances, "instances", 1, "servers on the one database; clients alternate between them")
	fs.IntVar(&cfg.clients, "c", 0, "concurrent HTTP clients (default: signin and confirm 4×GOMAXPROCS, me 32; soak: the most clients of its capacity steps, default 256)")
	fs.DurationVar(&cfg.duration, "t", 10*time.Second, "how long argon2, signin, me and the oidc scenarios run (soak: default 30m)")
	fs.IntVar(&cfg.users, "users", 100, "consolidated users for signin and me (soak: default 1000, at most 10000)")
	fs.Float64Var(&cfg.load, "load", 0.7, "soak: the share of the measured capacity to run at")
	fs.DurationVar(&cfg.every, "every", time.Minute, "soak: one line of the table per interval this long")
	fs.DurationVar(&cfg.ramp, "ramp", 10*time.Second, "soak: how long each step of the capacity measurement runs")
	fs.IntVar(&cfg.persons, "persons", 1000, "persons confirming in confirm (half choose, half generate)")
	fs.IntVar(&cfg.logins, "logins", 100000, "console: legacy logins in the database (legacygen; the issue's figure is on 1000000)")
	fs.Float64Var(&cfg.rate, "rate", 0, "oidc-refresh, oidc-userinfo: offer this many requests per second (open loop: latency counts from when a request was due, so queueing shows) instead of -c clients in a closed loop; -c is then the most in flight")
	fs.BoolVar(&cfg.compare, "compare", false, "signin, oidc-signin: measure raw argon2id too, in alternating turns, and print the ratio")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the database instead of deleting it")
	fs.StringVar(&cfg.reuse, "reuse", "", "console: measure on this existing SQLite file (one kept by -keep) instead of generating and importing -logins")
	fs.StringVar(&params, "params", "default", "argon2id parameters of the stored hashes: default (OWASP m=19 MiB, t=2, p=1) or cheap (tests only)")
	fs.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run (server and clients; the clients' samples carry the label loadgen=client) to this file")
	fs.StringVar(&blockprofile, "blockprofile", "", "write a profile of where the run's goroutines waited (channels, locks, select; events of 10 µs or more) to this file: what a run that leaves CPUs idle waits for")
	fs.StringVar(&cfg.serve, "serve", "", "me: only start the servers and sign the users in, write what -target needs to this file, and serve until interrupted")
	fs.StringVar(&cfg.target, "target", "", "me: drive the servers of a loadgen -serve process (the file it wrote) instead of starting any, and report that process's CPU time too")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	switch params {
	case "default":
		cfg.params = password.DefaultParams
	case "cheap":
		cfg.params = password.CheapParams
	default:
		fmt.Fprintf(stderr, "loadgen: -params %q: want default or cheap\n", params)
		return 2
	}
	scenario := fs.Arg(0)
	if scenario == "soak" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["t"] {
			cfg.duration = 30 * time.Minute
		}
		if !set["users"] {
			cfg.users = 1000
		}
		cfg.rampClients = 256
		if set["c"] {
			cfg.rampClients = cfg.clients
		}
		if cfg.users > 10000 || cfg.load <= 0 || cfg.load > 1 || cfg.every <= 0 || cfg.ramp <= 0 {
			fmt.Fprintln(stderr, "loadgen: soak: -users at most 10000, -load in (0, 1], -every and -ramp positive")
			return 2
		}
	}
	if cfg.clients <= 0 {
		cfg.clients = 4 * runtime.GOMAXPROCS(0)
		if scenario == "me" || scenario == "oidc-refresh" || scenario == "oidc-userinfo" {
			cfg.clients = 32
		}
	}
	if cfg.instances < 1 || cfg.users < 1 || cfg.persons < 1 || cfg.duration <= 0 {
		fmt.Fprintln(stderr, "loadgen: -instances, -users, -persons and -t must be positive")
		return 2
	}
	if cfg.rate < 0 || cfg.rate > 0 && scenario != "oidc-refresh" && scenario != "oidc-userinfo" {
		fmt.Fprintln(stderr, "loadgen: -rate is for oidc-refresh and oidc-userinfo, and positive")
		return 2
	}
	if cfg.reuse != "" && (scenario != "console" || cfg.db != "") {
		fmt.Fprintln(stderr, "loadgen: -reuse is for the console scenario on SQLite (without -db)")
		return 2
	}
	if (cfg.serve != "" || cfg.target != "") && (scenario != "me" || cfg.serve != "" && cfg.target != "") {
		fmt.Fprintln(stderr, "loadgen: -serve and -target are for the me scenario, one at a time")
		return 2
	}

	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if blockprofile != "" {
		f, err := os.Create(blockprofile)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 1
		}
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
		defer func() {
			runtime.SetBlockProfileRate(0)
			if err := pprof.Lookup("block").WriteTo(f, 0); err != nil {
				fmt.Fprintf(stderr, "loadgen: block profile: %v\n", err)
			}
			f.Close()
		}()
	}
	rep := report{machine: thisMachine(), cfg: cfg, args: args}
	var err error
	switch scenario {
	case "argon2":
		var r result
		r, err = argon2(ctx, cfg)
		rep.rows = append(rep.rows, r)
	case "signin":
		if cfg.compare {
			fmt.Fprintf(stderr, "loadgen: argon2 and signin in turns of %v, %v each…\n", compareSlice, cfg.duration)
		} else {
			fmt.Fprintf(stderr, "loadgen: signin for %v…\n", cfg.duration)
		}
		var raw, r result
		raw, r, err = signin(ctx, cfg)
		if cfg.compare {
			rep.rows = append(rep.rows, raw)
		}
		rep.rows = append(rep.rows, r)
		if err == nil && cfg.compare {
			ratio := r.Rate() / raw.Rate()
			rep.notes = append(rep.notes, fmt.Sprintf("Sign-ins reach **%.1f %%** of the raw argon2id rate (target ≥ 90 %%): %s. "+
				"Both were measured in alternating %v turns%s.", 100*ratio, yesNo(ratio >= 0.9), compareSlice, turnSpread(r.Ratios)))
		}
	case "me":
		fmt.Fprintf(stderr, "loadgen: me for %v…\n", cfg.duration)
		var r result
		r, err = me(ctx, cfg)
		if err == nil && cfg.serve != "" {
			return 0
		}
		rep.rows = append(rep.rows, r)
		if err == nil {
			rep.notes = append(rep.notes, fmt.Sprintf("Target ≥ 10,000 req/s with p99 < 10 ms: %s.",
				yesNo(r.Rate() >= 10000 && r.Percentile(99) < 10*time.Millisecond)))
		}
	case "confirm":
		fmt.Fprintf(stderr, "loadgen: confirm for %d persons…\n", cfg.persons)
		var r result
		var cr confirmReport
		r, cr, err = confirm(ctx, cfg)
		rep.rows = append(rep.rows, r)
		if err == nil {
			rep.notes = append(rep.notes, fmt.Sprintf("Persons done: %d of %d; merged logins checked to name their replacement: %d; verifier: **%d violations** (over %d persons).",
				cr.Done, cfg.persons, cr.MergedChecked, cr.Violations, cr.Persons))
			for _, m := range cr.Messages {
				rep.notes = append(rep.notes, "- "+m)
			}
			if cr.Violations > 0 || cr.Done != cfg.persons {
				rep.failed = true
			}
		}
	case "console":
		fmt.Fprintf(stderr, "loadgen: console on %d logins…\n", cfg.logins)
		var rs []result
		rs, err = console(ctx, cfg)
		rep.rows = append(rep.rows, rs...)
		if err == nil && len(rs) >= 2 {
			rep.notes = append(rep.notes, fmt.Sprintf("Progress page p99 %s (target ≤ 200 ms on 1M logins): %s. Search p99 %s (target ≤ 50 ms on 1M logins): %s. "+
				"Load average after the run: %s (latencies are only figures on a quiet machine; the CPU per operation below holds under load). "+
				"The rows \"… search by\" run each kind of query alone, after the mix, for a quarter of -t each.",
				fmtDuration(rs[0].Percentile(99)), yesNo(rs[0].Percentile(99) <= 200*time.Millisecond),
				fmtDuration(rs[1].Percentile(99)), yesNo(rs[1].Percentile(99) <= 50*time.Millisecond), loadAvg()))
		}
	case "oidc-signin":
		fmt.Fprintf(stderr, "loadgen: oidc-signin for %v (compare: %t)…\n", cfg.duration, cfg.compare)
		var raw, r result
		raw, r, err = oidcSignin(ctx, cfg)
		if cfg.compare {
			rep.rows = append(rep.rows, raw)
		}
		rep.rows = append(rep.rows, r)
		if err == nil && cfg.compare {
			ratio := r.Rate() / raw.Rate()
			rep.notes = append(rep.notes, fmt.Sprintf("Code-flow sign-ins reach **%.1f %%** of the raw argon2id rate (target ≥ 85 %%): %s. "+
				"Both were measured in alternating %v turns%s.", 100*ratio, yesNo(ratio >= 0.85), compareSlice, turnSpread(r.Ratios)))
		}
	case "oidc-refresh", "oidc-userinfo":
		fmt.Fprintf(stderr, "loadgen: %s for %v…\n", scenario, cfg.duration)
		var r result
		if scenario == "oidc-refresh" {
			r, err = oidcRefresh(ctx, cfg)
		} else {
			r, err = oidcUserinfo(ctx, cfg)
		}
		rep.rows = append(rep.rows, r)
		if err == nil {
			goal, p99 := 5000.0, 10*time.Millisecond
			if scenario == "oidc-refresh" {
				goal, p99 = 2000, 25*time.Millisecond
				if r.Backend == "PostgreSQL" {
					goal = 1000
				}
			}
			if r.Offered > 0 {
				// Open loop: the rate is what was asked of it, so it must
				// reach the goal, be kept up with, and answer in time.
				rep.notes = append(rep.notes, fmt.Sprintf("%s: %s/s offered (open loop), %s/s completed, p99 %s counted from when each request was due; "+
					"target ≥ %.0f/s with p99 < %v: %s.", scenario, fmtRate(r.Offered), fmtRate(r.Rate()), fmtDuration(r.Percentile(99)), goal, p99,
					yesNo(r.Offered >= goal && r.Rate() >= 0.99*r.Offered && r.Percentile(99) < p99)))
			} else {
				rep.notes = append(rep.notes, fmt.Sprintf("%s: target ≥ %.0f/s with p99 < %v: %s (closed loop of %d clients: the p99 includes their queue; -rate measures the latency at a given rate).",
					scenario, goal, p99, yesNo(r.Rate() >= goal && r.Percentile(99) < p99), r.Clients))
			}
		}
	case "soak":
		sr, err := soak(ctx, cfg, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen: soak: %v\n", err)
			return 1
		}
		rep.printHeader(stdout)
		sr.print(stdout, cfg)
		if sr.Errors > 0 {
			fmt.Fprintf(stderr, "loadgen: soak: %d failed operations, first: %s\n", sr.Errors, strings.Join(sr.FirstErrs, " | "))
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "loadgen: unknown scenario %q\n", scenario)
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %s: %v\n", scenario, err)
		return 1
	}
	for _, r := range rep.rows {
		if n := cpuNote(r); n != "" {
			rep.notes = append(rep.notes, r.Scenario+" — "+n)
		}
	}
	rep.print(stdout)
	for _, r := range rep.rows {
		if r.Errors > 0 {
			fmt.Fprintf(stderr, "loadgen: %s: %d failed operations, first: %s\n", r.Scenario, r.Errors, strings.Join(r.FirstErrors, " | "))
			rep.failed = true
		}
	}
	if rep.failed {
		return 1
	}
	return 0
}

// turnSpread describes the per-turn ratios of a -compare run: their count
// and range (min–max), "" when there are none.
func turnSpread(ratios []float64) string {
	if len(ratios) == 0 {
		return ""
	}
	return fmt.Sprintf("; per turn (%d turns) %.1f–%.1f %%", len(ratios), 100*slices.Min(ratios), 100*slices.Max(ratios))
}

func yesNo(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// report is the printed result of one invocation.
type report struct {
	machine machine
	cfg     config
	args    []string
	rows    []result
	notes   []string
	failed  bool
}

// printHeader writes the command, the machine and the hash parameters.
func (r *report) printHeader(w io.Writer) {
	m := r.machine
	p := r.cfg.params
	fmt.Fprintf(w, "`go run ./cmd/loadgen %s` — %s\n\n", strings.Join(r.args, " "), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "- Machine: %d CPUs (GOMAXPROCS %d), %s, %s, %s; load average before the run %s\n", m.CPUs, m.GOMAXPROCS, m.CPUModel, m.OSArch, m.GoVersion, m.LoadAvg)
	fmt.Fprintf(w, "- argon2id: m=%d KiB, t=%d, p=%d; server, clients and database on this one machine (loopback)\n\n", p.Memory, p.Time, p.Threads)
}

func (r *report) print(w io.Writer) {
	r.printHeader(w)
	fmt.Fprintln(w, "| scenario | database | instances | clients | time | done | errors | rate | p50 | p99 | target |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, x := range r.rows {
		inst := "–"
		if x.Instances > 0 {
			inst = fmt.Sprint(x.Instances)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %.1f s | %d | %d | %s %s | %s | %s | %s |\n",
			x.Scenario, x.Backend, inst, x.Clients, x.Elapsed.Seconds(), x.Ops, x.Errors,
			fmtRate(x.Rate()), x.Unit, fmtDuration(x.Percentile(50)), fmtDuration(x.Percentile(99)), x.Target)
	}
	if len(r.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.notes {
			fmt.Fprintln(w, n)
		}
	}
}
