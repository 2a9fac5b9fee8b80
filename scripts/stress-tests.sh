#!/usr/bin/env bash
# Runs the README's test command RUNS times (default 10) beside a CPU load — `stress-ng --cpu 4`, or four
# shell busy loops where stress-ng is missing — and prints how many runs passed. Exit 0 only if all did.
# The output of each failed run is kept in the folder printed at the end.
set -u
runs=${1:-10}
case "$runs" in ''|*[!0-9]*) echo "usage: scripts/stress-tests.sh [RUNS]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."

loaders=()
stop_load() { [ ${#loaders[@]} -gt 0 ] && kill "${loaders[@]}" 2>/dev/null; wait 2>/dev/null; }
trap stop_load EXIT
trap 'exit 130' INT TERM
if command -v stress-ng >/dev/null 2>&1; then
  stress-ng --cpu 4 --quiet & loaders+=($!)
  load="stress-ng --cpu 4"
else
  for _ in 1 2 3 4; do (while :; do :; done) & loaders+=($!); done
  load="4 shell busy loops (stress-ng not found)"
fi

reset_int=""
env --default-signal=INT true 2>/dev/null && reset_int="env --default-signal=INT"
logs=$(mktemp -d "${TMPDIR:-/tmp}/acws-stress-XXXXXX")
passed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  # A script started in the background inherits SIGINT ignored, and so would acws in the tests that send it
  # SIGINT: give the test run the default back where env can.
  if $reset_int dotnet test --project tests/AcWs.Tests.csproj >"$logs/run-$i.log" 2>&1; then
    passed=$((passed + 1)); rm -f "$logs/run-$i.log"
    echo "run $i/$runs: passed ($(( $(date +%s) - start )) s)"
  else
    echo "run $i/$runs: FAILED ($(( $(date +%s) - start )) s): $(grep -E '^failed ' "$logs/run-$i.log" | head -5 | tr '\n' ' ')"
  fi
done
echo "$passed of $runs runs passed beside $load; failed runs' output: $logs"
[ "$passed" -eq "$runs" ]
