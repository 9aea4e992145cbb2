#!/usr/bin/env bash
# Benchmark: two versions of `jedenlogin` side by side on the 1M-login
# commands, in turns (A B A B …) in one run, so a noisy machine weighs on
# both alike: `plan --format json` and `verify` on SQLite and PostgreSQL,
# and the PostgreSQL import (a fresh database per turn).
#
#   bench/walk-ab.sh BASE [TURNS [ROWS]]   (default 3 turns, 1000000 rows)
#
# The walks read bench/out/sqlite.db and the PostgreSQL database
# $JL_BENCH_PGDB (default jedenlogin_bench), imported with HEAD first unless
# this script imported them from ROWS rows before. The versions take turns
# going first; after every turn their outputs are compared byte for byte. Prints each run (wall, CPU
# user+system, peak RSS, load), then the medians with the spread (min–max)
# and the ratio HEAD/BASE of the medians, with the CPU model, as Markdown
# for BENCHMARKS.md. Builds BASE in a worktree under bench/out/ (removed at
# the end). Needs /usr/bin/time and PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
if [ $# -lt 1 ]; then
	sed -n '7p' "$0" >&2
	exit 2
fi
base=$1 turns=${2:-3} rows=${3:-1000000}
pgdb=${JL_BENCH_PGDB:-jedenlogin_bench}
out=bench/out; mkdir -p "$out/wab"; rm -f "$out"/wab/*
csv="$out/legacy-$rows.csv"
pg="postgres://postgres@127.0.0.1:5432/$pgdb?sslmode=disable"
pgimp="postgres://postgres@127.0.0.1:5432/${pgdb}_import?sslmode=disable"
wt="$out/wab-base"

psqlq() { psql -q -h 127.0.0.1 -U postgres -d postgres "$@" >/dev/null; }
rm -rf "$wt"; git worktree prune; git worktree add -q --detach "$wt" "$base"
trap 'git worktree remove --force "$wt"; psqlq -c "DROP DATABASE IF EXISTS ${pgdb}_import WITH (FORCE)" || true' EXIT
(cd "$wt" && CGO_ENABLED=0 go build -o "$OLDPWD/$out/wab/jl-base" ./cmd/jedenlogin)
CGO_ENABLED=0 go build -o "$out/wab/jl-head" ./cmd/jedenlogin
head=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- . || head="$head-dirty" # built from the working tree
[ -s "$csv" ] || go run ./cmd/genlegacy -n "$rows" -seed 1 -o "$csv"
# The databases walked: those of ROWS rows (a marker file, a comment on
# the PostgreSQL database), else imported afresh with HEAD.
if [ "$(cat "$out/sqlite.db.rows" 2>/dev/null)" != "$rows" ] || [ ! -s "$out/sqlite.db" ]; then
	rm -f "$out/sqlite.db" "$out/sqlite.db-wal" "$out/sqlite.db-shm" "$out/sqlite.db.rows"
	"$out/wab/jl-head" import --db "$out/sqlite.db" "$csv" >/dev/null
	echo "$rows" >"$out/sqlite.db.rows"
fi
if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$pgdb'")" != "rows=$rows" ]; then
	psqlq -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" -c "CREATE DATABASE $pgdb"
	"$out/wab/jl-head" import --db "$pg" "$csv" >/dev/null
	psqlq -c "COMMENT ON DATABASE $pgdb IS 'rows=$rows'"
fi

# run NAME VERSION CMD…: CMD under /usr/bin/time, stdout kept for the
# comparison; appends "wall cpu MiB" to the list NAME.VERSION.
# Each starts once the writes before it are on disk (sync, CHECKPOINT): an
# import leaves gigabytes for the kernel and PostgreSQL to write back, which
# the command after it would otherwise pay for.
run() {
	local name=$1 v=$2; shift 2
	sync; psqlq -c CHECKPOINT
	/usr/bin/time -f '%e %U %S %M' -o "$out/wab/time" "$@" >"$out/wab/out.$name.$v" 2>"$out/wab/err" || {
		echo "$name ($v) failed:" >&2; tail -20 "$out/wab/err" >&2; exit 1; }
	read -r e u s k <"$out/wab/time"
	awk -v e="$e" -v u="$u" -v s="$s" -v k="$k" 'BEGIN{printf "%.2f %.2f %d\n", e, u+s, k/1024}' >>"$out/wab/$name.$v"
	printf '  %-14s %-4s %s   (load %s)\n' "$name" "$v" "$(tail -1 "$out/wab/$name.$v")" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
}
load=$(cut -d' ' -f1-3 /proc/loadavg)
names="plan_sqlite verify_sqlite plan_pg verify_pg pg_import"
for t in $(seq 1 "$turns"); do
	echo "turn $t" >&2
	order="base head"
	[ $((t % 2)) -eq 1 ] || order="head base" # neither always first
	for v in $order; do
		bin="$out/wab/jl-$v"
		run plan_sqlite $v "$bin" plan --db "$out/sqlite.db" --format json
		run verify_sqlite $v "$bin" verify --db "$out/sqlite.db"
		run plan_pg $v "$bin" plan --db "$pg" --format json
		run verify_pg $v "$bin" verify --db "$pg"
		psqlq -c "DROP DATABASE IF EXISTS ${pgdb}_import WITH (FORCE)" -c "CREATE DATABASE ${pgdb}_import"
		run pg_import $v "$bin" import --db "$pgimp" "$csv"
	done
	for n in plan_sqlite verify_sqlite plan_pg verify_pg; do
		cmp -s "$out/wab/out.$n.base" "$out/wab/out.$n.head" || { echo "$n: the outputs of $base and HEAD differ" >&2; exit 1; }
	done
done
col() { awk -v k="$2" '{print $k}' "$out/wab/$1"; }
stats() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f (%.2f–%.2f)", m, a[1], a[NR]}'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
cpu=$({ grep -m1 'model name' /proc/cpuinfo || lscpu | grep -m1 'Model name' || echo ': unknown'; } | cut -d: -f2 | sed 's/^ *//')
echo
echo "\`bench/walk-ab.sh $base $turns $rows\` — $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs: $cpu; load average before: $load, after: $(cut -d' ' -f1-3 /proc/loadavg); outputs identical in every turn"
echo
echo "| command | $base wall, median (min–max) | HEAD $head wall | HEAD / base | CPU s base → HEAD (medians) | peak RSS base → HEAD |"
echo "|---|---:|---:|---:|---:|---:|"
for n in $names; do
	r=$(awk -v a="$(col "$n.head" 1 | median)" -v b="$(col "$n.base" 1 | median)" 'BEGIN{printf "%.3f", a/b}')
	echo "| $n | $(col "$n.base" 1 | stats) s | $(col "$n.head" 1 | stats) s | $r | $(col "$n.base" 2 | median) → $(col "$n.head" 2 | median) | $(col "$n.base" 3 | median) → $(col "$n.head" 3 | median) MiB |"
done
