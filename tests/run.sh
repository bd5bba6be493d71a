#!/usr/bin/env bash
# Installs what the tests need, runs ruff and mypy, then all the tests: once on SQLite, then once
# on PostgreSQL in a throw-away cluster. This is the README's test command, and what CI runs
# (.ci/run). Works on a fresh machine with only Python 3.11; it installs the rest itself (Python
# packages into .venv, Node and Fedify for the interop peer, Debian's Chromium and axe-core for
# the browser tests, Debian's PostgreSQL for the second run).
# Extra arguments go to pytest, e.g. `bash tests/run.sh -m "not interop"`.
#   WECREATE_BACKENDS=sqlite (or postgresql, or sqlite,postgresql: the default) picks the runs;
#   WECREATE_TEST_DATABASE=postgresql://…/postgres runs the PostgreSQL run there instead of a new cluster;
#   WECREATE_TEST_WORKERS=N runs in N pytest-xdist processes (default 4; 0: one process).
# Both runs are the whole suite; on PostgreSQL the tests marked sqlite_only (about SQLite itself)
# are skipped (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
backends="${WECREATE_BACKENDS:-sqlite,postgresql}"
# Four pytest-xdist processes by default: the tests mostly wait, so four share the two cores well
# (about 27 minutes instead of 45 for the SQLite run). A test that reaches its limit fails and its
# process goes on (pytest-timeout's signal method; tests/watchdog.py ends a process stuck past it).
workers="${WECREATE_TEST_WORKERS:-4}"
for backend in ${backends//,/ }; do
    case "$backend" in sqlite|postgresql) ;; *) echo "WECREATE_BACKENDS: unknown backend $backend" >&2; exit 2 ;; esac
done
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# Lint and types first: they take seconds and fail on any finding (config in pyproject.toml).
.venv/bin/python -m ruff check .
.venv/bin/python -m mypy
bash tests/interop/setup.sh
bash tests/e2e/setup.sh

# The tests mostly wait (on servers, on workers, on polling), so several processes share the two
# cores well; each file runs whole in one process (--dist loadfile; see the README's Tests).
parallel=()
if [ "$workers" != 0 ]; then parallel=(-n "$workers" --dist loadfile --max-worker-restart 4); fi

# The PostgreSQL cluster lives in a temporary folder and is stopped and removed on every exit:
# success, failure, Ctrl-C, and the SIGTERM that .ci/run's timeout sends.
cluster=""
cleanup() {
    if [ -n "$cluster" ]; then
        bash tests/pg_cluster.sh stop "$cluster" || true
        rm -rf "$cluster"
        cluster=""
    fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

free_port() {
    .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sets cluster (the folder, for cleanup) and url (what WECREATE_TEST_DATABASE gets).
start_cluster() {
    cluster="$(mktemp -d "${TMPDIR:-/tmp}/wecreate-pg.XXXXXX")"
    # A port another process took between free_port and the server's bind: try another one.
    for _ in 1 2 3; do
        if url="$(bash tests/pg_cluster.sh start "$cluster" "$(free_port)")"; then
            echo "PostgreSQL for the tests: $url (in $cluster)" >&2
            return 0
        fi
        tail -5 "$cluster/server.log" >&2 || true
    done
    echo "PostgreSQL did not start (log: $cluster/server.log)" >&2
    return 1
}

results=()
status=0
for backend in ${backends//,/ }; do
    echo "=== tests on $backend ===" >&2
    code=0
    if [ "$backend" = sqlite ]; then
        env -u WECREATE_TEST_DATABASE .venv/bin/python -m pytest "${parallel[@]}" "$@" || code=$?
    else
        if [ -n "${WECREATE_TEST_DATABASE:-}" ]; then  # a server of one's own, e.g. a developer's
            .venv/bin/python -m pytest "${parallel[@]}" "$@" || code=$?
        elif start_cluster; then
            WECREATE_TEST_DATABASE="$url" .venv/bin/python -m pytest "${parallel[@]}" "$@" || code=$?
        else
            code=1
        fi
        cleanup
    fi
    results+=("$backend: exit $code")
    if [ "$code" -ne 0 ]; then status=1; fi
done
printf '=== %s\n' "${results[@]}" >&2
exit "$status"
