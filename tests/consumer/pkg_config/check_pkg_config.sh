#!/bin/sh
# SPDX-License-Identifier: MIT
# pkg-config against the install tree: `pkg-config --cflags --libs sensorhub`
# answers, and the core consumer program (tests/consumer/core/main.cpp)
# compiles, links with exactly those flags and runs.
#   check_pkg_config.sh PREFIX LIBDIR CXX SOURCE WORKDIR
set -eu
prefix=$1 libdir=$2 cxx=$3 source=$4 work=$5
if ! command -v pkg-config >/dev/null 2>&1; then
  echo "FAIL: pkg-config not found (apt-get install pkg-config)"
  exit 1
fi
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
[ -f "$PKG_CONFIG_PATH/sensorhub.pc" ] || { echo "FAIL: no $PKG_CONFIG_PATH/sensorhub.pc"; exit 1; }
version=$(pkg-config --modversion sensorhub)
flags=$(pkg-config --cflags --libs sensorhub)
echo "sensorhub $version: $flags"
case "$flags" in
  *"-I$prefix/"*) ;;
  *) echo "FAIL: the include path is not in the install tree $prefix"; exit 1 ;;
esac
rm -rf "$work" && mkdir -p "$work"
# shellcheck disable=SC2086 # the flags are words
"$cxx" -std=c++17 -o "$work/pkg_config_consumer" "$source" $flags
"$work/pkg_config_consumer"
