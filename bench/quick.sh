#!/usr/bin/env bash
# One measure of bench/cpu.sh against one acws binary, repeated, for trying a change on a busy machine:
#   bench/quick.sh idle|info|status|rss|fanout|start ACWS_BINARY [REPEAT] [SECONDS]
#   bench/quick.sh floor [REPEAT]
# idle: CPU over SECONDS (60) with no client; info: CPU µs per `server info`, 1 client × 3000 after 12,000 to warm
# up, as cpu.sh's targets (status: the same
# with `server status`, whose reply is 82 bytes where server info's is 13.6 KB; floor: the same loop
# against the echo floor, bench/echo, with inline socket completions as acws sets them); rss: RSS with 500
# idle clients; fanout: that, then 40 acServer lines pushed to the 500 (p50/p99, CPU per frame), timed first by
# the 500 ClientWebSocket readers, then by 500 lean receivers (one epoll thread, bench/load/LeanReceivers.cs) reading
# as frames come and held (the kernel's receive timestamps; the figure repeated is the held p99); start: wall time
# from starting acws to a WebSocket accepted (as cpu.sh's "start → listening"). Each repetition
# (REPEAT, 3) starts a fresh acws on the 64-car folder; the load average is printed beside each figure.
set -euo pipefail
cd "$(dirname "$0")/.."
phase=${1:?phase: idle, info, status, floor, rss, fanout or start}
if [ "$phase" = floor ]; then set -- floor "" "${2:-3}"; else acws=$(realpath "${2:?path to an acws binary}"); fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=bench/out
mkdir -p "$out"
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dotnet build bench/load/Load.csproj -c Release -o "$out/load" -nologo > "$out/load.log"
[ -d "$out/server" ] || python3 bench/make_folder.py Demo/files "$out/server" >&2
fifo="$PWD/$out/acserver.fifo"
[ -p "$fifo" ] || { rm -f "$fifo"; mkfifo "$fifo"; }
if [ "$phase" = floor ]; then
  [ -x "$out/echo/echo" ] || dotnet publish bench/echo/Echo.csproj -c Release -r linux-x64 -o "$out/echo" -nologo > "$out/echo.log"
  cmd="env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 $PWD/$out/echo/echo --port {port}"
else
  cmd="env -u DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS $acws --dir $PWD/$out/server --port {port} --max-clients 1000 --acserver $PWD/bench/fifo-acserver.sh"
fi
dotnet "$out/load/load.dll" --quick "$phase" --fifo "$fifo" --repeat "${3:-3}" --seconds "${4:-60}" --cmd "${BENCH_ENV:-} $cmd"
