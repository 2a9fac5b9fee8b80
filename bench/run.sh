#!/usr/bin/env bash
# The benchmark, in one command:  bench/run.sh
# Publishes acws (publish.sh) and the bare HttpListener echo server (bench/echo, NativeAOT, same settings),
# starts the Python `websockets` echo server (bench/echo.py, Debian's python3-websockets, /usr/bin/python3),
# and drives all three with one load generator (bench/load, its own process). Prints a Markdown table and
# writes it to bench/out/results.md. Takes about 2-3 minutes on 2 cores; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=bench/out
mkdir -p "$out"
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

py=/usr/bin/python3
if ! "$py" -c 'import websockets' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq -o DPkg::Lock::Timeout=120 python3-websockets >/dev/null
  else echo "bench: needs Debian's python3-websockets (sudo apt-get install python3-websockets)" >&2; exit 1; fi
fi

echo "bench: building (publish.sh, bench/echo, bench/load) …" >&2
./publish.sh > "$out/publish.log"
acws=$(sed -n 's/^published \(.*\) (.*/\1/p' "$out/publish.log")
rid=$(basename "$(dirname "$acws")")
rm -rf "$out/echo"
dotnet publish bench/echo/Echo.csproj -c Release -r "$rid" -o "$out/echo" -nologo > "$out/echo.log"
rm -f "$out/echo"/*.dbg
dotnet build bench/load/Load.csproj -c Release -o "$out/load" -nologo > "$out/load.log"

rm -rf "$out/server"
"$py" bench/make_folder.py Demo/files "$out/server" >&2
fifo="$PWD/$out/acserver.fifo"
rm -f "$fifo"; mkfifo "$fifo"

{
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
       "$(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)"
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
