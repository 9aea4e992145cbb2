#!/usr/bin/env bash
# Benchmark: the legacy import against the sqlite3 shell's .import of the
# same CSV, in alternating turns (A B A B …) in one run, so a noisy machine
# weighs on both alike; then plan --format json and verify on SQLite, and the
# import, plan --format json and verify on PostgreSQL, in turns as well.
#
#   bench/import-ab.sh [ROWS [TURNS]]     (default 1000000 rows, 3 turns)
#
# Every turn prints its wall time, CPU time (user+system) and peak RSS; then
# the medians with the spread (min–max), the ratio of the medians and the
# median of the per-turn ratios, with the CPU model and the load average, as
# Markdown for BENCHMARKS.md. Needs sqlite3 and /usr/bin/time; PostgreSQL on
# 127.0.0.1:5432 (skipped if not reachable; database $JL_BENCH_PGDB, default
# jedenlogin_bench, dropped and created per turn). Writes into bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
rows=${1:-1000000}
turns=${2:-3}
pgdb=${JL_BENCH_PGDB:-jedenlogin_bench}
out=bench/out; mkdir -p "$out"
csv="$out/legacy-$rows.csv"
bin="$out/jedenlogin"

CGO_ENABLED=0 go build -o "$bin" ./cmd/jedenlogin
if [ ! -s "$csv" ]; then
	echo "generating $csv" >&2
	go run ./cmd/genlegacy -n "$rows" -seed 1 -o "$csv"
fi

# run NAME CMD…: runs CMD under /usr/bin/time and appends "wall cpu rssMiB"
# to the list NAME (a file in $out/ab).
mkdir -p "$out/ab"; rm -f "$out"/ab/*
run() {
	local name=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$out/ab/time" "$@" >"$out/ab/last.out" 2>"$out/ab/last.err" || {
		echo "$name failed:" >&2; tail -20 "$out/ab/last.err" >&2; exit 1; }
	read -r e u s k <"$out/ab/time"
	local line
	line=$(awk -v e="$e" -v u="$u" -v s="$s" -v k="$k" 'BEGIN{printf "%.2f %.2f %d", e, u+s, k/1024}')
	echo "$line" >>"$out/ab/$name"
	read -r e c m <<<"$line"
	printf '  %-16s %7.2f s wall %7.2f s CPU %6d MiB   (load %s)\n' "$name" "$e" "$c" "$m" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
}
fresh_sqlite() { rm -f "$out/$1" "$out/$1-wal" "$out/$1-shm" "$out/$1-journal"; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# SQLite: the import and the sqlite3 shell in turns.
for t in $(seq 1 "$turns"); do
	echo "turn $t" >&2
	fresh_sqlite bare.db
	run shell sqlite3 "$out/bare.db" ".import --csv $csv legacy"
	fresh_sqlite sqlite.db
	run import "$bin" import --db "$out/sqlite.db" "$csv"
done
# plan --format json and verify in turns on the last database.
for t in $(seq 1 "$turns"); do
	run plan_json sh -c "'$bin' plan --db '$out/sqlite.db' --format json > '$out/plan.jsonl'"
	run verify "$bin" verify --db "$out/sqlite.db"
done

pg=""
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
	pg="postgres://postgres@127.0.0.1:5432/$pgdb?sslmode=disable"
	for t in $(seq 1 "$turns"); do
		psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" -c "CREATE DATABASE $pgdb" >/dev/null
		run pg_import "$bin" import --db "$pg" "$csv"
	done
	for t in $(seq 1 "$turns"); do
		run pg_plan_json sh -c "'$bin' plan --db '$pg' --format json > '$out/plan-pg.jsonl'"
		run pg_verify "$bin" verify --db "$pg"
	done
fi

# col NAME K: column K (1 wall, 2 CPU, 3 MiB) of the list NAME.
col() { awk -v k="$2" '{print $k}' "$out/ab/$1"; }
# stats: "median (min–max)" of the numbers on stdin.
stats() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f (%.2f–%.2f)", m, a[1], a[NR]}'; }
median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
row() { # row NAME LABEL TARGET
	printf '| %s | %s s | %s s | %.0f MiB | %s |\n' "$2" "$(col "$1" 1 | stats)" "$(col "$1" 2 | stats)" "$(col "$1" 3 | median)" "$3"
}

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB; $(go version | cut -d' ' -f3); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "File: $rows rows, $(du -m "$csv" | cut -f1) MiB, $(wc -l <"$out/plan.jsonl") persons; $turns turns of each, alternating"
echo
echo "| step | wall, median (min–max) | CPU (user+sys) | peak RSS | target |"
echo "|---|---:|---:|---:|---|"
row shell "sqlite3 shell \`.import\` into one bare table" "baseline"
row import "\`jedenlogin import\`, SQLite" "≤ 3× the shell, ≤ 1 GiB"
row plan_json "\`plan --format json\`, SQLite" "≤ 3 s"
row verify "\`verify\`, SQLite" "≤ 5 s"
if [ -n "$pg" ]; then
	row pg_import "\`jedenlogin import\`, PostgreSQL" "≤ 25 s"
	row pg_plan_json "\`plan --format json\`, PostgreSQL" "≤ 3 s"
	row pg_verify "\`verify\`, PostgreSQL" "≤ 5 s"
fi
echo
ratio=$(awk -v a="$(col import 1 | median)" -v b="$(col shell 1 | median)" 'BEGIN{printf "%.2f", a/b}')
turnratios=$(paste -d' ' <(col import 1) <(col shell 1) | awk '$2 > 0 {printf "%.2f\n", $1/$2}')
echo "SQLite import / sqlite3 \`.import\`: **${ratio}×** (ratio of the medians); per turn $(echo "$turnratios" | paste -sd' ' | sed 's/ /, /g') → median $(echo "$turnratios" | stats)×"
cpuratio=$(awk -v a="$(col import 2 | median)" -v b="$(col shell 2 | median)" 'BEGIN{printf "%.2f", a/b}')
echo "CPU seconds: import / shell = ${cpuratio}×"
