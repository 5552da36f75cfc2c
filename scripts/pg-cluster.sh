#!/bin/sh
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL 15 cluster on loopback for the tests and the bench
# (SPEC §12 nodes): Debian's postgresql package, initdb and pg_ctl, a free
# port, trust authentication for the user `sensorhub`, database `sensorhub`.
#
#   scripts/pg-cluster.sh start DIR     # prints the URI, also kept in DIR/uri
#   scripts/pg-cluster.sh restart DIR   # fast stop and start, same port
#   scripts/pg-cluster.sh down DIR      # immediate stop (a crash), data kept
#   scripts/pg-cluster.sh up DIR        # start again after down, same port
#   scripts/pg-cluster.sh stop DIR      # immediate stop; removes DIR
#
# As root the server runs as the `postgres` user (initdb refuses root).
set -eu

cmd=${1:?usage: pg-cluster.sh start|restart|down|up|stop DIR}
dir=${2:?usage: pg-cluster.sh start|restart|down|up|stop DIR}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/pg_ctl" ] || { echo "pg-cluster.sh: no PostgreSQL server (apt-get install postgresql)" >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U sensorhub -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    # In the cluster's own configuration, so that every later start (up,
    # restart) keeps the port. fsync stays on (the default): a restart
    # mid-test must not lose commits.
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
CONF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
      { cat "$dir/server.log" >&2; exit 1; }
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U sensorhub sensorhub
    uri="postgresql://sensorhub@127.0.0.1:$port/sensorhub"
    echo "$uri" >"$dir/uri"
    echo "$uri"
    ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart >/dev/null
    ;;
  down)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  up)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "pg-cluster.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
