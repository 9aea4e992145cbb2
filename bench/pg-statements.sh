#!/usr/bin/env bash
# Benchmark aid: the statements a loadgen scenario sends to PostgreSQL per
# operation, counted from the server's own log. loadgen's connections ask
# PostgreSQL to log every statement they run (log_statement=all as a
# connection parameter, which pgx passes on; needs a superuser, as the
# benchmark's postgres user is), and this script counts the lines of the
# benchmark's database that the run added to the server log.
#
#   bench/pg-statements.sh DSN LOG [loadgen flags…] SCENARIO
#     DSN  the PostgreSQL server loadgen creates its database on
#     LOG  the server's log file (reading it needs its group or root)
#   LOADGEN=path/to/loadgen uses a built loadgen instead of go run.
#   PER=TEXT counts the operations as the statements starting with TEXT
#     (e.g. PER='INSERT INTO sessions' for signin: one per sign-in) instead
#     of loadgen's completed operations, which leave out the calls still
#     running when the timed window closed, whose statements are logged too.
#
# Prints the number of operations, then every statement text (first 90
# characters) with its count per operation, most frequent first, and the
# total per operation. Setup statements (migrations, import) appear with
# small fractions and are left out below 0.2 per operation.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
dsn=$1 log=$2; shift 2
sep='?'; [[ $dsn == *'?'* ]] && sep='&'
out=$(mktemp); part=$(mktemp); trap 'rm -f "$out" "$out.stmts" "$part"' EXIT
start=$(stat -c %s "$log")
${LOADGEN:-go run ./cmd/loadgen} -db "${dsn}${sep}log_statement=all" "$@" >"$out"
tail -c +"$((start + 1))" "$log" >"$part"
ops=$(awk -F'|' '/^\| (POST|GET|OIDC)/ {gsub(/ /, "", $7); print $7; exit}' "$out")
grep -E '@jedenlogin_loadgen_[0-9_]+ LOG:  (statement|execute [^:]*):' "$part" |
	sed -E 's/.* LOG:  (statement|execute [^:]*): //' | cut -c1-90 >"$out.stmts"
if [[ -n ${PER:-} ]]; then
	echo "operations (loadgen): $ops; counted as statements starting with '$PER':"
	ops=$(grep -c "^$PER" "$out.stmts")
fi
echo "operations: $ops"
cat "$out.stmts" |
	sort | uniq -c | sort -rn |
	awk -v ops="$ops" '{n=$1; $1=""; r=n/ops; if (r >= 0.2) {printf "%6.2f %s\n", r, $0; t+=r}} END {printf "%6.2f TOTAL per operation\n", t}'
