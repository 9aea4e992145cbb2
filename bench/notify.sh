#!/usr/bin/env bash
# Benchmark: the notice campaign (issue 12) renders and queues notices to the
# outbox directory, the rate limit aside (--rate 0), on SQLite.
#
#   bench/notify.sh [ROWS]          (default 19200 legacy logins ≈ 10,000 persons)
#
# Builds the binary, imports a legacygen file into a fresh SQLite database,
# then times one whole `jedenlogin notify` run (walk, claims, render, write,
# confirmations) with /usr/bin/time. Writes into bench/out/ (ignored by git).
# Target: ≥ 2,000 notices/s.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
rows=${1:-19200}
out=bench/out; mkdir -p "$out"
csv="$out/legacy-$rows.csv"
bin="$out/jedenlogin"
db="$out/notify.db"
box="$out/notify-outbox"

CGO_ENABLED=0 go build -o "$bin" ./cmd/jedenlogin
[ -s "$csv" ] || go run ./cmd/genlegacy -n "$rows" -seed 1 -o "$csv"
rm -rf "$db" "$db-wal" "$db-shm" "$box"
"$bin" import --db "$db" "$csv" >/dev/null 2>&1

load=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" \
	"$bin" notify --db "$db" --mail-outbox "$box" --mail-from noreply@sio.example.pl \
	--campaign bench --date 2027-03-31 --rate 0 >"$out/notify.out" 2>"$out/notify.err"
read -r wall user sys kib <"$out/time.txt"
sent=$(grep -c . <(ls "$box"))
cat "$out/notify.out"
awk -v n="$sent" -v w="$wall" -v u="$user" -v s="$sys" -v k="$kib" -v l="$load" 'BEGIN {
	printf "notices: %d in %.2f s wall = %.0f notices/s (whole run: walk, claims, render, write, confirm)\n", n, w, n / w
	printf "CPU: %.2f s user + %.2f s sys = %.0f µs per notice; peak RSS %d MiB; load average before: %s\n", u, s, (u + s) / n * 1e6, k / 1024, l
}'
