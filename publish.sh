#!/usr/bin/env bash
# Builds the release binary: ./publish.sh [RID]  →  dist/<RID>/acws (acws.exe on Windows) and prints its size.
# Extra arguments go to dotnet publish (e.g. -p:Version=1.2.3); with no RID they may come first.
set -euo pipefail
cd "$(dirname "$0")"

rid=""
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then rid="$1"; shift; fi
if [ -z "$rid" ]; then
  os=$(uname -s); arch=$(uname -m)
  case "$os" in Linux) os=linux ;; Darwin) os=osx ;; MINGW*|MSYS*|CYGWIN*) os=win ;; *) echo "publish.sh: unknown OS $os; pass a RID" >&2; exit 2 ;; esac
  case "$arch" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "publish.sh: unknown CPU $arch; pass a RID" >&2; exit 2 ;; esac
  rid="$os-$arch"
fi

out="dist/$rid"
rm -rf "$out"
dotnet publish AcWs.csproj -c Release -r "$rid" -o "$out" -nologo "$@"
rm -f "$out"/*.dbg "$out"/*.pdb
bin="$out/acws"; [ -f "$bin.exe" ] && bin="$bin.exe"
size=$(wc -c < "$bin")
echo "published $bin ($size bytes, $(( (size + 524288) / 1048576 )) MiB)"
