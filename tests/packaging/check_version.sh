#!/bin/sh
# SPDX-License-Identifier: MIT
# `EXE --version` prints exactly "NAME VERSION" on stdout and exits 0.
#   check_version.sh EXE NAME VERSION
set -u
exe=$1 name=$2 version=$3
status=0
out=$("$exe" --version) || status=$?
if [ "$status" -ne 0 ] || [ "$out" != "$name $version" ]; then
  echo "FAIL: '$exe --version' exited $status and printed '$out', want '$name $version'"
  exit 1
fi
echo "$out"
