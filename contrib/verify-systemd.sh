#!/usr/bin/env bash
# Checks contrib/acws.service with `systemd-analyze verify` in a throw-away root (so /opt/acserver/acws
# need not exist here). Any message at all is a failure: verify only warns, with exit code 0, about
# unknown keys and bad values. Without systemd-analyze it says so and skips (exit 0).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v systemd-analyze >/dev/null; then
  echo "verify-systemd: skipped: systemd-analyze is not installed (apt-get install systemd)"
  exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/opt/acserver" "$root/etc/systemd/system" "$root/etc/acws" "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\n' > "$root/opt/acserver/acws"
chmod +x "$root/opt/acserver/acws"
cp acws.service "$root/etc/systemd/system/"
cp acws.env "$root/etc/acws/"
out=$(systemd-analyze verify --root="$root" acws.service 2>&1) || { echo "$out"; echo "verify-systemd: FAILED"; exit 1; }
if [ -n "$out" ]; then echo "$out"; echo "verify-systemd: FAILED (warnings above)"; exit 1; fi
echo "verify-systemd: ok: contrib/acws.service ($(systemd-analyze --version | head -1))"
