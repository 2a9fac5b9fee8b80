#!/usr/bin/env bash
# Resident memory of acws while two clients send 1,000 `server info` each (5 MB NAME=) without reading:
#   bench/unread-replies.sh [ACWS_BINARY]   (default: dist/linux-x64/acws from ./publish.sh)
# Prints start, peak and 10 s-after VmRSS. Linux only (/proc).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-dist/linux-x64/acws}
dir=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir -p "$dir/cfg"
python3 - "$dir" <<'PY'
import sys
src = open("tests/fixtures/real/cfg/samuelorenzo_server_cfg.ini", newline="").read()
open(sys.argv[1] + "/cfg/server_cfg.ini", "w", newline="").write(src.replace("NAME=AC_Server", "NAME=" + "n" * 5_000_000, 1))
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" --dir "$dir" --port "$port" > "$dir/acws.log" 2>&1 & pid=$!
until grep -q listening "$dir/acws.log"; do sleep 0.1; done
rss() { awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status; }
start=$(rss); peak=$start
python3 bench/unread-replies.py "$port" & a=$!
python3 bench/unread-replies.py "$port" & b=$!
while kill -0 $a 2>/dev/null || kill -0 $b 2>/dev/null; do r=$(rss); (( r > peak )) && peak=$r; sleep 0.05; done
sleep 10
echo "resident: start ${start} MiB, peak ${peak} MiB, 10 s after $(rss) MiB"
