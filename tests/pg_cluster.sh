#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on a loopback port, for the tests and benchmarks (no system service).
#   bash tests/pg_cluster.sh start DIR [PORT]   installs Debian's postgresql if missing, initdb in DIR,
#                                                starts it on 127.0.0.1:PORT (default 55432); prints its URL
#   bash tests/pg_cluster.sh stop DIR           stops it (fast shutdown); DIR may then be removed
# The cluster trusts local connections from user "wecreate" on loopback only; fsync is off (a test
# cluster is thrown away, and a crash there loses nothing that matters).
set -euo pipefail
command="${1:?usage: pg_cluster.sh start|stop DIR [PORT]}"
dir="${2:?usage: pg_cluster.sh start|stop DIR [PORT]}"
port="${3:-55432}"
bin_dir() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
    if [ -z "$found" ]; then
        if [ "$(id -u)" -ne 0 ]; then echo "PostgreSQL is not installed (apt-get install postgresql, as root)" >&2; exit 1; fi
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        found="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    fi
    echo "$found"
}
# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user Debian's package made.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$command" in
start)
    bin="$(bin_dir)"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    if [ ! -f "$dir/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir" -U wecreate --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=256MB" >/dev/null
    echo "postgresql://wecreate@127.0.0.1:$port/postgres"
    ;;
stop)
    bin="$(bin_dir)"
    if [ -f "$dir/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null || true; fi
    ;;
*)
    echo "usage: pg_cluster.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
