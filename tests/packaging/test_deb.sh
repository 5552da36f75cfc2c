#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian packages (cmake/SensorhubPackage.cmake), built from this build
# tree with `cpack -G DEB` (no second build: CPack stages the installed files
# with prefix /usr), then checked as an installer would see them:
#   - dpkg-deb --info: names, version, maintainer, description, Depends (every
#     name an installed package), the conffile /etc/sensorhub/sensorhubd.json,
#     maintainer scripts
#   - dpkg-deb --contents: every expected file, nothing outside /usr, /etc and
#     /lib, nothing in /usr/etc
#   - extracted with dpkg-deb -x into a temporary root: the packaged daemon
#     answers --version, starts with the packaged config (--port 0, a
#     temporary database) and answers GET /healthz with 200, and exits 0 on
#     SIGTERM; the unit's ExecStart and config exist in the package; the unit
#     passes systemd-analyze verify (when present); the man pages pass
#     check_man_page.sh; a CMake consumer (find_package, the core and the
#     client) and a pkg-config consumer build against the extracted
#     libsensorhub-dev and run.
# Exits 77 (ctest: skipped) without cpack or dpkg-deb.
#   test_deb.sh CPACK BUILD_DIR SOURCE_DIR WORK_DIR VERSION CXX GENERATOR
set -eu
cpack=$1 build=$2 src=$3 work=$4 version=$5 cxx=$6 generator=$7
here=$(cd "$(dirname "$0")" && pwd)

fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $*"; }

for tool in "$cpack" dpkg-deb; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIPPED: $tool not found (apt-get install dpkg)"; exit 77; }
done
# CPack's DEB generator runs dpkg-shlibdeps on every ELF file it finds with file(1).
command -v dpkg-shlibdeps >/dev/null 2>&1 || fail "dpkg-shlibdeps not found (apt-get install dpkg-dev)"
command -v file >/dev/null 2>&1 || fail "file not found (apt-get install file)"
command -v curl >/dev/null 2>&1 || fail "curl not found (apt-get install curl)"

rm -rf "$work" && mkdir -p "$work"
daemon_pid=""
cleanup() { if [ -n "$daemon_pid" ]; then kill -9 "$daemon_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

step "cpack -G DEB"
"$cpack" --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" > "$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack -G DEB"; }
arch=$(dpkg --print-architecture)
daemon_deb="$work/out/sensorhubd_${version}-1_${arch}.deb"
dev_deb="$work/out/libsensorhub-dev_${version}-1_${arch}.deb"
ls -l "$work/out"/*.deb
[ -f "$daemon_deb" ] || fail "no $daemon_deb"
[ -f "$dev_deb" ] || fail "no $dev_deb"

# field DEB NAME: one control field
field() { dpkg-deb --field "$1" "$2"; }

# check_depends DEB: Depends is non-empty and names installed packages only
# (what the build used), each alternative and version constraint well-formed.
check_depends() {
  deps=$(field "$1" Depends)
  [ -n "$deps" ] || fail "$(basename "$1"): empty Depends"
  echo "$(basename "$1") Depends: $deps"
  echo "$deps" | tr ',|' '\n\n' | while read -r dep; do
    name=$(echo "$dep" | sed -n 's/^\([a-z0-9][a-z0-9+.-]*\)\( (\(<<\|<=\|=\|>=\|>>\) [^)]*)\)\{0,1\}$/\1/p')
    [ -n "$name" ] || fail "$(basename "$1"): malformed dependency '$dep'"
    dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "ok installed" ||
      fail "$(basename "$1"): depends on '$name', which is not an installed package"
  done
}

step "dpkg-deb --info"
for deb in "$daemon_deb" "$dev_deb"; do
  dpkg-deb --info "$deb" > "$work/info.txt" || fail "dpkg-deb --info $deb"
  [ "$(field "$deb" Version)" = "${version}-1" ] || fail "$(basename "$deb"): Version is not ${version}-1"
  [ "$(field "$deb" Architecture)" = "$arch" ] || fail "$(basename "$deb"): Architecture"
  [ -n "$(field "$deb" Maintainer)" ] || fail "$(basename "$deb"): no Maintainer"
  [ "$(field "$deb" Description | wc -l)" -ge 3 ] || fail "$(basename "$deb"): no long Description"
  synopsis=$(field "$deb" Description | head -n 1)
  [ -n "$synopsis" ] && [ ${#synopsis} -lt 80 ] || fail "$(basename "$deb"): synopsis '$synopsis'"
  check_depends "$deb"
done
[ "$(field "$daemon_deb" Package)" = sensorhubd ] || fail "daemon package is not named sensorhubd"
[ "$(field "$dev_deb" Package)" = libsensorhub-dev ] || fail "-dev package is not named libsensorhub-dev"
[ "$(field "$daemon_deb" Description | head -n 1)" != "$(field "$dev_deb" Description | head -n 1)" ] ||
  fail "both packages have the same synopsis"
daemon_deps=$(field "$daemon_deb" Depends)
for lib in libc6 libstdc++6 libsqlite3-0 libssl3; do
  echo "$daemon_deps" | grep -q "\(^\|, \)$lib\( \|,\|$\)" || fail "sensorhubd does not depend on $lib (dpkg-shlibdeps)"
done
dev_deps=$(field "$dev_deb" Depends)
for lib in libsqlite3-dev libsqlitecpp-dev libssl-dev libwebsocketpp-dev libhttp-parser-dev; do
  echo "$dev_deps" | grep -q "\(^\|, \)$lib\(,\|$\)" || fail "libsensorhub-dev does not depend on $lib"
done
dpkg-deb --control "$daemon_deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/sensorhub/sensorhubd.json ] ||
  fail "conffiles is not exactly /etc/sensorhub/sensorhubd.json: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "sensorhubd has no executable $script"
  sh -n "$work/control/$script" || fail "$script: syntax"
done

step "dpkg-deb --contents"
# contents DEB: the paths in the package, without ./ and directories
contents() { dpkg-deb --contents "$1" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' | sort; }
contents "$daemon_deb" > "$work/daemon.files"
contents "$dev_deb" > "$work/dev.files"
cat "$work/daemon.files"
expect() {
  grep -qx "$2" "$work/$1.files" || fail "$1 package lacks $2"
}
expect daemon /usr/bin/sensorhubd
expect daemon /usr/bin/sensorhub-cli
expect daemon /lib/systemd/system/sensorhubd.service
expect daemon /etc/sensorhub/sensorhubd.json
man_pages=""
for page in sensorhubd sensorhub-cli; do
  if [ -f "$build/man/$page.1.gz" ]; then
    expect daemon "/usr/share/man/man1/$page.1.gz"
    man_pages="$man_pages $page"
  fi
done
[ -n "$man_pages" ] || echo "NOTE: no man pages in this build (help2man missing): not checked"
expect dev /usr/include/sensorhub/version.hpp
expect dev /usr/include/sensorhub/client/client.hpp
expect dev '/usr/lib/\(.*/\)\{0,1\}libsensorhub\.a'
expect dev '/usr/lib/\(.*/\)\{0,1\}libsensorhub_client\.a'
expect dev '/usr/lib/\(.*/\)\{0,1\}cmake/sensorhub/sensorhubConfig\.cmake'
expect dev '/usr/lib/\(.*/\)\{0,1\}pkgconfig/sensorhub\.pc'
for list in daemon dev; do
  stray=$(grep -v '^/usr/\|^/etc/sensorhub/\|^/lib/systemd/system/' "$work/$list.files" || true)
  [ -z "$stray" ] || fail "$list package has files outside /usr, /etc/sensorhub, /lib/systemd: $stray"
  ! grep -q '^/usr/etc/\|^/usr/local/' "$work/$list.files" || fail "$list package has /usr/etc or /usr/local"
done
! grep -q '^/usr/bin/' "$work/dev.files" || fail "libsensorhub-dev ships programs"

step "dpkg-deb -x"
root="$work/root"
dpkg-deb -x "$daemon_deb" "$root"
dpkg-deb -x "$dev_deb" "$root"
[ "$("$root/usr/bin/sensorhubd" --version)" = "sensorhubd $version" ] || fail "packaged sensorhubd --version"
[ "$("$root/usr/bin/sensorhub-cli" --version)" = "sensorhub-cli $version" ] || fail "packaged sensorhub-cli --version"
unit="$root/lib/systemd/system/sensorhubd.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ "$exec_start" = "/usr/bin/sensorhubd --config /etc/sensorhub/sensorhubd.json" ] ||
  fail "the unit's ExecStart is '$exec_start'"
# The paths ExecStart names are the ones the package installs.
[ -x "$root/usr/bin/sensorhubd" ] && [ -f "$root/etc/sensorhub/sensorhubd.json" ] ||
  fail "ExecStart's daemon or config is not in the package"

step "systemd-analyze verify (packaged unit)"
status=0
sh "$here/verify_unit.sh" "$unit" "$root/usr/bin/sensorhubd" "$work/verify" || status=$?
if [ "$status" -eq 77 ]; then echo "NOTE: not verified"; elif [ "$status" -ne 0 ]; then fail "unit"; fi

step "packaged daemon with the packaged config"
mkdir -p "$work/state"
"$root/usr/bin/sensorhubd" --config "$root/etc/sensorhub/sensorhubd.json" --port 0 \
  --db "$work/state/sensorhub.db" > "$work/daemon.out" 2> "$work/daemon.err" &
daemon_pid=$!
url=""
i=0
while [ $i -lt 600 ]; do  # up to 60 s on a loaded machine
  url=$(sed -n '1s|^listening on \(http://[^ ]*\)$|\1|p' "$work/daemon.out")
  [ -n "$url" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.err"; fail "the packaged daemon exited at start"; }
  sleep 0.1
  i=$((i + 1))
done
[ -n "$url" ] || { cat "$work/daemon.err"; fail "no 'listening on' line within 60 s"; }
echo "$url"
case "$url" in http://127.0.0.1:*) ;; *) fail "not on 127.0.0.1 as the packaged config says: $url" ;; esac
code=$(curl -s -o "$work/healthz.json" -w '%{http_code}' --max-time 30 "$url/healthz")
[ "$code" = 200 ] || fail "GET /healthz answered $code"
cat "$work/healthz.json"; echo
# Authentication is on in the packaged config: no token, no sensors.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$url/api/v1/sensores/")
[ "$code" = 401 ] || fail "GET /api/v1/sensores/ without a token answered $code, want 401 (auth on)"
kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
daemon_pid=""
[ "$status" -eq 0 ] || { cat "$work/daemon.err"; fail "the packaged daemon exited $status on SIGTERM"; }
[ -s "$work/state/sensorhub.db" ] || fail "no database at --db"

for page in $man_pages; do
  step "man -l $page.1.gz (packaged)"
  status=0
  sh "$here/check_man_page.sh" "$root/usr/bin/$page" "$root/usr/share/man/man1/$page.1.gz" || status=$?
  if [ "$status" -eq 77 ]; then echo "NOTE: not checked"; elif [ "$status" -ne 0 ]; then fail "man page $page"; fi
done

step "CMake consumers against the extracted libsensorhub-dev"
# consumer NAME DIR EXE [cmake -D...]: configure, build and run a
# tests/consumer project with only the extracted root to find sensorhub in.
consumer() {
  name=$1 dir=$2 exe=$3
  shift 3
  cmake -S "$src/tests/consumer/$dir" -B "$work/$name" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$root/usr" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "$@" > "$work/$name.log" 2>&1 ||
    { cat "$work/$name.log"; fail "$name: configure"; }
  found=$(sed -n 's/^sensorhub_DIR:PATH=//p' "$work/$name/CMakeCache.txt")
  case "$found" in "$root"/usr/lib/*) ;; *) fail "$name found sensorhub in '$found', not in $root" ;; esac
  cmake --build "$work/$name" >> "$work/$name.log" 2>&1 || { cat "$work/$name.log"; fail "$name: build"; }
  "$work/$name/$exe" || fail "$name: the consumer program failed"
}
consumer consumer_core core consumer -DSENSORHUB_CONSUME=find_package \
  -DCMAKE_DISABLE_FIND_PACKAGE_websocketpp=ON
consumer consumer_client client client_consumer

step "pkg-config consumer against the extracted libsensorhub-dev"
pc=$(grep '/pkgconfig/sensorhub\.pc$' "$work/dev.files")
libdir=$(dirname "$(dirname "$pc")")
sh "$src/tests/consumer/pkg_config/check_pkg_config.sh" "$root/usr" "${libdir#/usr/}" "$cxx" \
  "$src/tests/consumer/core/main.cpp" "$work/pkg_config" || fail "pkg-config consumer"

echo "OK: $(basename "$daemon_deb") $(basename "$dev_deb")"
