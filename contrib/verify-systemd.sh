#!/usr/bin/env bash
# Checks contrib/acws.service and the race-night timer and service with `systemd-analyze verify` in a
# throw-away root (so /opt/acserver/acws need not exist here), and the timer's OnCalendar= with
# `systemd-analyze calendar`. Any message at all is a failure: verify only warns, with exit code 0, about
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
units=(acws.service race-night.service race-night.timer)
cp "${units[@]}" "$root/etc/systemd/system/"
cp acws.env "$root/etc/acws/"
for unit in "${units[@]}"; do
  out=$(systemd-analyze verify --root="$root" "$unit" 2>&1) || { echo "$out"; echo "verify-systemd: FAILED: $unit"; exit 1; }
  if [ -n "$out" ]; then echo "$out"; echo "verify-systemd: FAILED: $unit (warnings above)"; exit 1; fi
done
calendar=$(sed -n 's/^OnCalendar=//p' race-night.timer)
[ "$calendar" = "*-*-* 20:00:00" ] || { echo "verify-systemd: FAILED: race-night.timer runs at '$calendar', not 20:00"; exit 1; }
systemd-analyze calendar "$calendar" >/dev/null || { echo "verify-systemd: FAILED: OnCalendar=$calendar"; exit 1; }
echo "verify-systemd: ok: contrib/${units[0]}, contrib/${units[1]}, contrib/${units[2]} ($(systemd-analyze --version | head -1))"
