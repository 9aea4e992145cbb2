#!/usr/bin/env bash
# Benchmark: the serving figures of two versions side by side, in turns
# (A B A B …) in one run, so a noisy machine weighs on both alike:
#   - sign-ins as a share of the raw argon2id rate (loadgen -compare signin,
#     which itself alternates sign-ins and raw hashes in 5 s turns);
#   - GET /api/v1/me requests per second and p99 (loadgen me).
#
#   bench/before-after.sh [BASE [ROUNDS [SECONDS]]]
#     BASE     the version to compare HEAD with (default 46d6933, the last
#              commit before the workflows moved out of web)
#     ROUNDS   turns per version (default 3)
#     SECONDS  length of one turn (default 20)
#
# Prints each turn, then the medians, the spread (min–max) and the ratio
# HEAD/BASE, with the CPU model, as Markdown for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
base=${1:-46d6933}
rounds=${2:-3}
secs=${3:-20}
out=bench/out; mkdir -p "$out"

build() { # build REV DIR: loadgen of revision REV into DIR/loadgen
	rm -rf "$2"; git worktree add -q --detach "$2" "$1"
	(cd "$2" && go build -o loadgen ./cmd/loadgen)
}
build "$base" "$out/base"; build HEAD "$out/head"
trap 'git worktree remove --force "$out/base"; git worktree remove --force "$out/head"' EXIT

# signin_ratio BIN: the share of the raw rate in percent.
signin_ratio() { "$1" -t "${secs}s" -compare signin 2>/dev/null | grep -oE 'reach \*\*[0-9.]+' | grep -oE '[0-9.]+$'; }
# me_rate BIN: "req/s p99ms"
me_rate() {
	"$1" -t "${secs}s" me 2>/dev/null | awk -F'|' '/^\| GET \/api\/v1\/me/ {
		r=$9; gsub(/[^0-9.]/, "", r)
		split($11, p, " "); v=p[1]+0; u=p[2]
		if (u == "s") v *= 1000; else if (u == "µs") v /= 1000
		print r, v }'
}

declare -a sb sh mb mh pb ph
for i in $(seq 1 "$rounds"); do
	sb+=("$(signin_ratio "$out/base/loadgen")"); sh+=("$(signin_ratio "$out/head/loadgen")")
	read -r r p <<<"$(me_rate "$out/base/loadgen")"; mb+=("$r"); pb+=("$p")
	read -r r p <<<"$(me_rate "$out/head/loadgen")"; mh+=("$r"); ph+=("$p")
	echo "turn $i: sign-in/raw base ${sb[-1]} % head ${sh[-1]} %; /me base ${mb[-1]} req/s p99 ${pb[-1]} ms, head ${mh[-1]} req/s p99 ${ph[-1]} ms" >&2
done

stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f (%.1f–%.1f)", m, a[1], a[NR]}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo
echo "\`bench/before-after.sh $base $rounds $secs\` — $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs: $cpu; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| figure | $base (median, min–max) | HEAD $(git rev-parse --short HEAD) | HEAD / base |"
echo "|---|---:|---:|---:|"
echo "| sign-ins, % of raw argon2id | $(stats "${sb[@]}") | $(stats "${sh[@]}") | $(awk -v a="$(median "${sh[@]}")" -v b="$(median "${sb[@]}")" 'BEGIN{printf "%.3f", a/b}') |"
echo "| GET /api/v1/me, req/s | $(stats "${mb[@]}") | $(stats "${mh[@]}") | $(awk -v a="$(median "${mh[@]}")" -v b="$(median "${mb[@]}")" 'BEGIN{printf "%.3f", a/b}') |"
echo "| GET /api/v1/me, p99 ms | $(stats "${pb[@]}") | $(stats "${ph[@]}") | $(awk -v a="$(median "${ph[@]}")" -v b="$(median "${pb[@]}")" 'BEGIN{printf "%.3f", a/b}') |"
