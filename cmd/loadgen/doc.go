// Command loadgen measures jedenlogin under load on this machine. It is a
// benchmark, not a test: it starts the server in-process on a fresh
// database, fills it through the legacy importer, drives it over HTTP from
// concurrent clients on the loopback interface for a fixed time, and prints
// the results as a Markdown table ready for BENCHMARKS.md, with the
// machine's facts.
//
// Usage:
//
//	go run ./cmd/loadgen [flags] argon2|signin|me|confirm|console|oidc-signin|oidc-refresh|oidc-userinfo|soak
//
// Scenarios:
//
//	argon2   raw argon2id verifications per second, one goroutine per
//	         GOMAXPROCS, with the default (OWASP) parameters
//	signin   POST /api/v1/session for -users consolidated users with
//	         argon2id hashes; sign-ins/s, p50/p99; with -compare the raw
//	         argon2id rate is measured too, in turns of 5 s alternating
//	         with the sign-ins so that background load weighs on both
//	         alike, and the ratio is printed (target ≥ 90 %)
//	me       GET /api/v1/me with valid sessions of -users consolidated
//	         users; req/s, p50/p99 (target ≥ 10,000 req/s, p99 < 10 ms)
//	confirm  -persons persons (half `choose`, half `generate`) sign in and
//	         confirm their one login concurrently; all must succeed; then
//	         the consolidation verifier walks the database (0 violations)
//	oidc-signin    full OpenID Connect code flows (authorize → sign-in
//	         form → code → token) for -users users; with -compare in
//	         turns with raw argon2id (target ≥ 85 %)
//	oidc-refresh   refresh_token grants, each client rotating its own
//	         chain (≥ 2,000/s SQLite, ≥ 1,000/s PostgreSQL, p99 < 25 ms)
//	oidc-userinfo  GET /oidc/userinfo with bearer tokens (≥ 5,000/s,
//	         p99 < 10 ms)
//
//	         Both run -c clients in a closed loop (each sends its next
//	         request when the last is answered): that measures how many
//	         the servers can answer, but its latency is the clients' own
//	         queue (32 clients at 1,000/s wait 32 ms on average, whatever
//	         the servers do). With -rate N they are an open loop instead:
//	         a request is due every 1/N s and goes to whichever of the -c
//	         clients is free; its latency counts from when it was due, so
//	         servers that fall behind show it ("coordinated omission"),
//	         and the target is judged at that rate (kept up with, p99).
//	console  the operator console on -logins legacy logins (legacygen,
//	         imported): GET /konsola with one client, then the person
//	         search with -c clients over a mix of logins, PESELs, e-mail
//	         addresses and "first last" (the headline), then each kind of
//	         query alone for a quarter of -t (CPU per search by kind).
//	         -keep keeps the database; -reuse FILE measures on a kept one
//	         without generating and importing again
//	soak     mixed traffic (sign-ins, /me, confirmations of fresh pending
//	         persons, login and password recovery, applications) at -load
//	         (0.7) of the capacity it measures first, for -t (default 30m)
//	         as an open loop; a line every -every (1m): rates by kind,
//	         errors, p50/p99, live heap, RSS; then a verdict: no error,
//	         heap flat, p99 stable (see soak.go)
//
// The database is a new SQLite file in a temporary directory unless -db
// names a PostgreSQL server (postgres://…): loadgen then creates a new
// database next to the one named, uses it, and drops it at the end (keep it
// with -keep). -instances 2 starts two servers on the one database and the
// clients alternate between them, as behind a round-robin load balancer.
//
// Every request goes to 127.0.0.1; request loops stop after -t (and
// confirm after its fixed number of persons).
//
// Beside the rate, every timed run reports the CPU time it consumed per
// operation: on a machine shared with other work the rate depends on what
// the other work leaves, the CPU per operation much less. Servers and
// clients normally share one process; to tell their shares apart, start
// the servers alone and drive them from a second process, each pinned to
// its own CPU if wanted:
//
//	taskset -c 0 go run ./cmd/loadgen -serve /tmp/servers.json me &
//	taskset -c 1 go run ./cmd/loadgen -target /tmp/servers.json me
//
// The second reports both processes' CPU time. With -cpuprofile the
// clients' samples carry the label loadgen=client (go tool pprof
// -tagignore=client shows the servers alone). When a run leaves CPUs idle,
// -blockprofile FILE shows what its goroutines waited for (go tool pprof
// -top -cum loadgen FILE).
package main
