#!/usr/bin/env bash
# Builds the release binary: ./publish.sh [RID] [--out DIR]  →  DIR/acws (acws.exe on Windows) and prints its size.
# DIR defaults to dist/<RID>; it is emptied first, so CI passes a folder of its own and never touches dist/.
# Extra arguments go to dotnet publish (e.g. -p:Version=1.2.3); with no RID they may come first.
set -euo pipefail
cd "$(dirname "$0")"

rid=""
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then rid="$1"; shift; fi
out=""
rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] && [ -n "$2" ] || { echo "publish.sh: --out needs a folder" >&2; exit 2; }; out="$2"; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
if [ -z "$rid" ]; then
  os=$(uname -s); arch=$(uname -m)
  case "$os" in Linux) os=linux ;; Darwin) os=osx ;; MINGW*|MSYS*|CYGWIN*) os=win ;; *) echo "publish.sh: unknown OS $os; pass a RID" >&2; exit 2 ;; esac
  case "$arch" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "publish.sh: unknown CPU $arch; pass a RID" >&2; exit 2 ;; esac
  rid="$os-$arch"
fi

out="${out:-dist/$rid}"
rm -rf "$out"
dotnet publish AcWs.csproj -c Release -r "$rid" -o "$out" -nologo ${rest[@]+"${rest[@]}"}
rm -f "$out"/*.dbg "$out"/*.pdb
bin="$out/acws"; [ -f "$bin.exe" ] && bin="$bin.exe"
size=$(wc -c < "$bin")
echo "published $bin ($size bytes, $(( (size + 524288) / 1048576 )) MiB)"
