#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ctest entry of the browser test: run.sh <sensorhubd> <work dir>
# Installs playwright-core (pinned by package-lock.json) into <work dir> with
# `npm ci` when it is not there yet, then runs test.mjs there. Exits 77 (ctest
# SKIP) when chromium, node or npm is missing or npm cannot reach its registry.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
daemon="$1"
work="$2"

for tool in /usr/bin/chromium node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (scripts/install-deps.sh installs chromium, nodejs and npm)"
    exit 77
  fi
done

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 20 ]; then
  echo "SKIP: playwright-core needs Node.js 20 or newer (found $(node --version 2>/dev/null))"
  exit 77
fi

mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/test.mjs" "$work/"
cd "$work" || exit 1
if [ ! -d node_modules/playwright-core ] || ! cmp -s package-lock.json node_modules/.package-lock.json.copy; then
  if ! npm ci --no-audit --no-fund >npm-ci.log 2>&1; then
    cat npm-ci.log
    if grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network' npm-ci.log; then
      echo "SKIP: npm ci cannot reach the npm registry"
      exit 77
    fi
    exit 1
  fi
  cp package-lock.json node_modules/.package-lock.json.copy
fi
exec node test.mjs "$daemon"
