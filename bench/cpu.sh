#!/usr/bin/env bash
# CPU per command, in one command:  bench/cpu.sh
# The server's own CPU time (summed over its threads from /proc/PID/task/*/schedstat, ns) per `server info` (one client ×
# 3,000; 16 clients × 500) and per frame pushed to 500 clients (acws: 40 acServer lines through the FIFO stand-in;
# the echo servers: 40 rounds of one echo to each client), with RSS at 500 idle clients, the fan-out p50/p99,
# idle CPU over 60 s (all targets side by side; summed from /proc/PID/task/*/schedstat, exact where utime+stime
# count 10 ms ticks) and start → listening. Targets: acws as shipped, acws with the
# socket engine's inline completions forced off and on (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS), the
# echo floor both ways and the Python peer. Then the sequential `server info` loop again in 5 fresh processes
# each of acws as shipped, the floor run the same way and Python, in turn: the two CPU targets compare their
# medians (one process's figure moves ±15 µs here); and the fan-out to 500 lean receivers in 3 fresh acws, pooled,
# for its target (held: the kernel's receive timestamps, nobody reading until it is over; and reading as frames
# come). Last, the sequential loop as issue 17 measured it, driven by one Python websockets client
# (bench/python-client.py). Prints Markdown tables and writes bench/out/cpu.md. About 5 minutes on 2 cores;
# loopback only. BENCH_ACWS=PATH bench/cpu.sh measures another acws binary.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/prepare.sh

inline=DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS
acws="$(realpath "$acws")"
acws_cmd="$acws --dir $PWD/$out/server --port {port} --max-clients 1000 --acserver $PWD/bench/fifo-acserver.sh"
echo_cmd="$PWD/$out/echo/echo --port {port}"
shipped=${BENCH_ACWS_INLINE:-1}   # acws sets the variable itself (an older binary: BENCH_ACWS_INLINE=0)
tab=$'\t'
cat > "$out/cpu-targets.tsv" <<TARGETS
acws (as shipped)${tab}acws${tab}${shipped}${tab}env -u $inline $acws_cmd
acws, $inline=0${tab}acws${tab}0${tab}env $inline=0 $acws_cmd
acws, $inline=1${tab}acws${tab}1${tab}env $inline=1 $acws_cmd
echo floor, $inline=0${tab}echo${tab}0${tab}env $inline=0 $echo_cmd
echo floor, $inline=1${tab}echo${tab}1${tab}env $inline=1 $echo_cmd
Python websockets${tab}python${tab}-${tab}$py $PWD/bench/echo.py --port {port}
TARGETS

{
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $machine"
  echo "Command: bench/cpu.sh (acws $("$acws" --version | cut -d' ' -f2) ${BENCH_ACWS:+$BENCH_ACWS, }$(wc -c < "$acws") bytes;" \
       "Python websockets $("$py" -c 'import websockets; print(websockets.__version__)'), $("$py" --version))"
  echo
} > "$out/cpu-header.md"
dotnet "$out/load/load.dll" --cpu "$out/cpu-targets.tsv" --fifo "$fifo" --out "$out/cpu-table.md" > /dev/null
echo "cpu: the sequential loop again as the issue measured it, driven by one Python websockets client …" >&2
{
  echo
  echo "The same loop driven by one Python \`websockets\` client (issue 17's own method), bench/python-client.py:"
  echo
  # Its failure (said on stderr) leaves the tables above to print.
  "$py" bench/python-client.py 5 "acws (as shipped)|acws|env -u $inline $acws_cmd" \
    "echo floor, $inline=1|echo|env $inline=1 $echo_cmd" "Python websockets|echo|$py $PWD/bench/echo.py --port {port}" ||
    echo "(bench/python-client.py failed: see its message above)"
} > "$out/cpu-python-client.md"
cat "$out/cpu-header.md" "$out/cpu-table.md" "$out/cpu-python-client.md" | tee "$out/cpu.md"
