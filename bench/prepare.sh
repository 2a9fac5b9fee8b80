# Sourced by bench/run.sh and bench/cpu.sh: checks the Python peer, publishes acws (publish.sh) and the echo floor
# (bench/echo, NativeAOT), builds the load generator, makes the 64-car server folder and the stand-in's pipe.
# Sets: out, py, acws (the published binary, or $BENCH_ACWS), fifo, machine.
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
# BENCH_ACWS=PATH measures that acws binary instead (e.g. one built from an earlier commit), unpublished.
if [ -n "${BENCH_ACWS:-}" ]; then
  acws=$BENCH_ACWS
else
  ./publish.sh > "$out/publish.log"
  acws=$(sed -n 's/^published \(.*\) (.*/\1/p' "$out/publish.log")
fi
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -1)
rm -rf "$out/echo"
dotnet publish bench/echo/Echo.csproj -c Release -r "$rid" -o "$out/echo" -nologo > "$out/echo.log"
rm -f "$out/echo"/*.dbg
dotnet build bench/load/Load.csproj -c Release -o "$out/load" -nologo > "$out/load.log"

rm -rf "$out/server"
"$py" bench/make_folder.py Demo/files "$out/server" >&2
fifo="$PWD/$out/acserver.fifo"
rm -f "$fifo"; mkfifo "$fifo"

machine="$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)"
