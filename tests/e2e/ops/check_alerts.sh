#!/bin/sh
# SPDX-License-Identifier: MIT
# `promtool check rules` on docs/ops/alerts.yml (ctest -L ops). Exits 77
# (skipped) when promtool is not installed (Debian: apt-get install prometheus).
set -eu
rules="$1"
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool not found (apt-get install prometheus): skipped"
  exit 77
fi
promtool check rules "$rules"
