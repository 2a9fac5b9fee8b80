#!/usr/bin/env bash
# The UDP plugin bench, in one command:  bench/plugin.sh [SECONDS]
# Publishes acws (publish.sh), builds bench/plugin (its own process, the product's plugin codec), makes a server
# folder from the demo's files with the plugin keys on free loopback ports and an acServer that only sleeps (the
# bench plays acServer's side of the link), starts acws on it and runs the two measurements:
#   (a) 32 cars of CAR_UPDATE at 18 Hz (576 datagrams/s) for SECONDS (default 60): acws's CPU as % of one core,
#       from /proc/PID/stat (utime + stime), next to 10 s idle;
#   (b) 100 WebSocket clients: LAP_COMPLETED datagram sent → lap frame received, p50/p99/max.
# Prints Markdown table rows and writes them to bench/out/plugin.md. Needs acws's plugin link (the live-agent
# side of issue 16). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=bench/out
mkdir -p "$out"
seconds=${1:-60}

echo "bench: building (publish.sh, bench/plugin) …" >&2
./publish.sh > "$out/publish.log"
acws=$(sed -n 's/^published \(.*\) (.*/\1/p' "$out/publish.log")
dotnet build bench/plugin/Plugin.csproj -c Release -o "$out/plugin" -nologo > "$out/plugin-build.log"

free_port() { /usr/bin/python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"; }
folder="$out/plugin-server"
rm -rf "$folder"
/usr/bin/python3 bench/make_folder.py Demo/files "$folder" >&2
local=$(free_port SOCK_DGRAM); address=$(free_port SOCK_DGRAM); port=$(free_port SOCK_STREAM)
sed -i -e "s/^UDP_PLUGIN_LOCAL_PORT=.*/UDP_PLUGIN_LOCAL_PORT=$local/" -e "s/^UDP_PLUGIN_ADDRESS=.*/UDP_PLUGIN_ADDRESS=127.0.0.1:$address/" "$folder/cfg/server_cfg.ini"
printf '#!/bin/sh\necho "Assetto Corsa Dedicated Server v1.15 (bench stand-in)"\nexec sleep 100000\n' > "$folder/acServer"
chmod +x "$folder/acServer"

"$acws" --dir "$folder" --port "$port" --max-clients 128 > "$out/plugin-acws.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "acws listening on" "$out/plugin-acws.log" && break; sleep 0.1; done

{
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); command: bench/plugin.sh $seconds"
  echo
  echo "| measure | acws | target |"
  echo "|---|---|---|"
  dotnet "$out/plugin/plugin.dll" --acws-pid "$pid" --ws "ws://127.0.0.1:$port/" --local "$local" --address "127.0.0.1:$address" \
    --seconds "$seconds" --clients 100 --laps 200 --clk-tck "$(getconf CLK_TCK)"
} | tee "$out/plugin.md"
