#!/usr/bin/env bash
# Benchmark: one loadgen scenario on two versions side by side, in turns
# (A B A B …) in one run, so a noisy machine weighs on both alike.
#
#   bench/loadgen-ab.sh BASE ROUNDS LOADGEN-ARGS…
#     BASE          the version to compare HEAD with (a commit)
#     ROUNDS        turns per version
#     LOADGEN-ARGS  loadgen's flags and scenario, e.g.
#                   -t 15s -params cheap -db postgres://… oidc-refresh
#                   -t 15s -params cheap -rate 1000 oidc-refresh
#
# Prints each turn's rate and p99, then the medians with the spread
# (min–max) and the ratio HEAD/BASE, with the CPU model and the load
# average, as Markdown for BENCHMARKS.md. Builds both loadgens in
# worktrees under bench/out/ (removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
if [ $# -lt 3 ]; then
	sed -n '4,11p' "$0" >&2
	exit 2
fi
base=$1 rounds=$2
shift 2
out=bench/out; mkdir -p "$out"
a="$out/ab-base" b="$out/ab-head"

build() { # build REV DIR: loadgen of revision REV into DIR/loadgen
	rm -rf "$2"; git worktree prune; git worktree add -q --detach "$2" "$1"
	(cd "$2" && go build -o loadgen ./cmd/loadgen)
}
build "$base" "$a"; build HEAD "$b"
trap 'git worktree remove --force "$a"; git worktree remove --force "$b"' EXIT

# turn BIN: "rate p99ms" of the scenario's result row.
turn() {
	local bin=$1; shift
	"$bin" "$@" 2>/dev/null | awk -F'|' '/^\| (GET|POST|OIDC) / {
		r=$9; gsub(/[^0-9.]/, "", r)
		split($11, p, " "); v=p[1]+0; u=p[2]
		if (u == "s") v *= 1000; else if (u == "µs") v /= 1000
		print r, v; exit }'
}
declare -a rb rh pb ph
load=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$rounds"); do
	read -r r p <<<"$(turn "$a/loadgen" "$@")"; rb+=("$r"); pb+=("$p")
	read -r r p <<<"$(turn "$b/loadgen" "$@")"; rh+=("$r"); ph+=("$p")
	echo "turn $i: base ${rb[-1]}/s p99 ${pb[-1]} ms, head ${rh[-1]}/s p99 ${ph[-1]} ms" >&2
done

stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f (%.1f–%.1f)", m, a[1], a[NR]}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$(median "${@:2:$1}")" -v b="$(median "${@:$(($1 + 2))}")" 'BEGIN{printf "%.3f", a/b}'; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo
echo "\`bench/loadgen-ab.sh $base $rounds $*\` — $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs: $cpu; load average before: $load"
echo
echo "| figure | $base (median, min–max) | HEAD $(git rev-parse --short HEAD) | HEAD / base |"
echo "|---|---:|---:|---:|"
echo "| rate, per s | $(stats "${rb[@]}") | $(stats "${rh[@]}") | $(ratio "$rounds" "${rh[@]}" "${rb[@]}") |"
echo "| p99, ms | $(stats "${pb[@]}") | $(stats "${ph[@]}") | $(ratio "$rounds" "${ph[@]}" "${pb[@]}") |"
