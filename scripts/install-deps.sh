#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every build and test dependency from Debian 12's packages.
# Idempotent and quiet when everything is already there. Needs root (or sudo).
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config
          libsqlite3-dev sqlite3 libsqlitecpp-dev rapidjson-dev
          libasio-dev libwebsocketpp-dev libhttp-parser-dev doctest-dev libcli11-dev
          libssl-dev curl python3)
# the TLS tests (tests/e2e/tls, tests/e2e/client): the openssl CLI makes certificates
packages+=(openssl)
# PostgreSQL nodes (--db postgresql://…): libpqxx; its tests (ctest -L pg) start a
# throwaway PostgreSQL 15 cluster with initdb and pg_ctl
packages+=(libpqxx-dev postgresql)
# docs/scaling.md's load-balancer configurations in front of three nodes
# (ctest -R e2e/pg_nodes/load_balancers; bench/scripts/nodes.sh uses jq)
packages+=(nginx-light haproxy jq)
# the contract test (tests/contract): Debian's Python and its JSON Schema validator
packages+=(python3-jsonschema)
# packaging (tests/packaging): man pages from --help (help2man), `man -l`
# (man-db), cpack -G DEB's dpkg-shlibdeps (dpkg-dev) and file(1)
packages+=(help2man man-db dpkg-dev file)
# bench/scripts' plots
packages+=(gnuplot-nox)
# promtool for the ops test (ctest -L ops: docs/ops/alerts.yml)
packages+=(prometheus)
# the fuzz stage (scripts/fuzz.sh): clang, its sanitizer and libFuzzer
# runtimes (libclang-rt-14-dev is only recommended by clang-14, so named
# here), libFuzzer, and llvm-symbolizer for readable crash reports. Debian 12
# has no unversioned libfuzzer-dev; 14 is its clang.
packages+=(clang libclang-rt-14-dev libfuzzer-14-dev llvm-14)
# the browser test (tests/browser): Debian's Chromium, driven by playwright-core
# from npm. Node.js and npm only when the machine has none (a Node.js from
# another source ships its own npm, which Debian's npm package would conflict with).
packages+=(chromium)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
