#!/usr/bin/env bash
# Does one busy command stall everyone?  bench/stall.sh [ACWS_BINARY]
# 63 clients pipeline `server entries` (8 in flight each) on the 64-car bench folder while one client polls
# `server status` every 20 ms; prints the poller's p50/p99/max and acws's peak RSS. Loopback only, about 30 s
# plus the build. Without ACWS_BINARY it publishes acws with publish.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=bench/out
mkdir -p "$out"
acws=${1:-}
if [ -z "$acws" ]; then
  ./publish.sh > "$out/publish.log"
  acws=$(sed -n 's/^published \(.*\) (.*/\1/p' "$out/publish.log")
fi
dotnet build bench/load/Load.csproj -c Release -o "$out/load" -nologo > "$out/load.log"
rm -rf "$out/stall-server"
/usr/bin/python3 bench/make_folder.py Demo/files "$out/stall-server" >&2
fifo="$PWD/$out/stall.fifo"
rm -f "$fifo"; mkfifo "$fifo"
acws=$(cd "$(dirname "$acws")" && pwd)/$(basename "$acws")
dotnet "$out/load/load.dll" --stall "$acws --dir $PWD/$out/stall-server --port {port} --max-clients 100" --fifo "$fifo"
