#!/bin/sh
# SPDX-License-Identifier: MIT
# systemd-analyze verify on packaging/systemd/sensorhubd.service, with
# ExecStart pointed at the built daemon (verify wants an executable there).
# Any warning fails, not only errors (verify exits 0 on unknown keys and bad
# values), and so does a missing required setting. Exits 77 (ctest: skipped)
# without systemd-analyze.
#   verify_unit.sh UNIT DAEMON WORKDIR
set -eu
unit=$1 daemon=$2 work=$3
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIPPED: systemd-analyze not found (apt-get install systemd)"
  exit 77
fi
for line in Type=exec "ExecStart=/usr/bin/sensorhubd --config /etc/sensorhub/sensorhubd.json" \
            DynamicUser=yes StateDirectory=sensorhub ProtectSystem=strict ProtectHome=yes \
            PrivateTmp=yes NoNewPrivileges=yes LimitNOFILE=65536 Restart=on-failure \
            KillSignal=SIGTERM; do
  grep -qxF "$line" "$unit" || { echo "FAIL: $unit lacks '$line'"; exit 1; }
done
# The daemon's own deadline is 10 s: systemd must wait longer before SIGKILL.
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$unit")
[ -n "$stop" ] && [ "$stop" -gt 10 ] || { echo "FAIL: TimeoutStopSec must be > 10 s"; exit 1; }

rm -rf "$work" && mkdir -p "$work"
sed "s|^ExecStart=/usr/bin/sensorhubd |ExecStart=$daemon |" "$unit" > "$work/sensorhubd.service"
grep -q "^ExecStart=$daemon " "$work/sensorhubd.service" || { echo "FAIL: ExecStart not rewritten"; exit 1; }
status=0
out=$(systemd-analyze verify "$work/sensorhubd.service" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify (exit $status):"
  echo "$out"
  exit 1
fi
echo "systemd-analyze verify: clean"
