#!/usr/bin/env bash
# The benchmark, in one command:  bench/run.sh
# Publishes acws (publish.sh) and the bare HttpListener echo server (bench/echo, NativeAOT, same settings),
# starts the Python `websockets` echo server (bench/echo.py, Debian's python3-websockets, /usr/bin/python3),
# and drives all three with one load generator (bench/load, its own process). Prints a Markdown table and
# writes it to bench/out/results.md. Takes about 2-3 minutes on 2 cores; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/prepare.sh

{
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $machine"
  echo "Command: bench/run.sh (acws $("$acws" --version | cut -d' ' -f2), Python websockets $("$py" -c 'import websockets; print(websockets.__version__)'), $("$py" --version))"
  echo
} > "$out/header.md"

dotnet "$out/load/load.dll" \
  --acws "$PWD/$acws --dir $PWD/$out/server --port {port} --max-clients 1000 --acserver $PWD/bench/fifo-acserver.sh" \
  --acws-bin "$acws" \
  --echo "$PWD/$out/echo/echo --port {port}" \
  --echo-bin "$out/echo/echo" \
  --python "$py $PWD/bench/echo.py --port {port}" \
  --fifo "$fifo" \
  --out "$out/table.md" > /dev/null
cat "$out/header.md" "$out/table.md" | tee "$out/results.md"
