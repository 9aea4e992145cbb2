#!/usr/bin/env bash
# Benchmark: import and plan of a realistic 1,000,000-login legacy file, on
# SQLite and on PostgreSQL, side by side with the sqlite3 shell's .import of
# the same CSV into one bare table, in one run.
#
#   bench/import.sh [ROWS]          (default 1000000)
#
# Needs sqlite3 and /usr/bin/time; PostgreSQL on 127.0.0.1:5432 (skipped if
# not reachable). Writes into bench/out/ (ignored by git) and prints a
# Markdown table for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
rows=${1:-1000000}
out=bench/out; mkdir -p "$out"
csv="$out/legacy-$rows.csv"
bin="$out/jedenlogin"

CGO_ENABLED=0 go build -o "$bin" ./cmd/jedenlogin
if [ ! -s "$csv" ]; then
	echo "generating $csv" >&2
	go run ./cmd/genlegacy -n "$rows" -seed 1 -o "$csv"
fi

# timed LABEL CMD… : runs CMD under /usr/bin/time, records seconds and peak RSS.
declare -A secs rss
timed() {
	local label=$1; shift
	/usr/bin/time -f '%e %M' -o "$out/time.txt" "$@" >"$out/$label.out" 2>"$out/$label.err" || {
		echo "$label failed:" >&2; tail -20 "$out/$label.err" >&2; exit 1; }
	read -r s k <"$out/time.txt"
	secs[$label]=$s; rss[$label]=$((k / 1024))
	echo "$label: ${s}s, peak ${rss[$label]} MiB" >&2
}

rm -f "$out/bare.db" "$out/sqlite.db" "$out/sqlite.db-wal" "$out/sqlite.db-shm"
timed sqlite3_import sqlite3 "$out/bare.db" ".import --csv $csv legacy"
timed sqlite_import "$bin" import --db "$out/sqlite.db" "$csv"
timed sqlite_reimport "$bin" import --db "$out/sqlite.db" "$csv"
timed sqlite_plan "$bin" plan --db "$out/sqlite.db"
timed sqlite_plan_json sh -c "'$bin' plan --db '$out/sqlite.db' --format json > '$out/plan.jsonl'"
timed sqlite_verify "$bin" verify --db "$out/sqlite.db"

pg=""
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS jedenlogin_bench WITH (FORCE)" -c "CREATE DATABASE jedenlogin_bench" >/dev/null
	pg="postgres://postgres@127.0.0.1:5432/jedenlogin_bench?sslmode=disable"
	timed pg_import "$bin" import --db "$pg" "$csv"
	timed pg_reimport "$bin" import --db "$pg" "$csv"
	timed pg_plan "$bin" plan --db "$pg"
	timed pg_plan_json sh -c "'$bin' plan --db '$pg' --format json > '$out/plan-pg.jsonl'"
	timed pg_verify "$bin" verify --db "$pg"
fi

ratio=$(awk -v a="${secs[sqlite_import]}" -v b="${secs[sqlite3_import]}" 'BEGIN{printf "%.1f", a/b}')
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB; $(go version | cut -d' ' -f3); $(date -u +%Y-%m-%d)"
echo "File: $rows rows, $(du -m "$csv" | cut -f1) MiB, $(wc -l < "$out/plan.jsonl") persons"
echo
echo "| step | SQLite | peak RSS | PostgreSQL | peak RSS |"
echo "|---|---:|---:|---:|---:|"
echo "| sqlite3 shell \`.import\` into one bare table | ${secs[sqlite3_import]} s | ${rss[sqlite3_import]} MiB | | |"
for s in import reimport plan plan_json verify; do
	p="| | "
	[ -n "$pg" ] && p="| ${secs[pg_$s]} s | ${rss[pg_$s]} MiB"
	echo "| jedenlogin $s | ${secs[sqlite_$s]} s | ${rss[sqlite_$s]} MiB $p |"
done
echo
echo "SQLite import / sqlite3 .import = ${ratio}×"
