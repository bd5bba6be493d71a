#!/usr/bin/env bash
# Installs what the tests need, runs ruff and mypy, then all the tests. This is the README's
# test command, and what CI runs (.ci/run). Works on a fresh machine with only Python 3.11; it
# installs the rest itself (Python packages into .venv, Node and Fedify for the interop peer, Debian's
# Chromium and axe-core for the browser tests).
# Extra arguments go to pytest, e.g. `bash tests/run.sh -m "not interop"`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# Lint and types first: they take seconds and fail on any finding (config in pyproject.toml).
.venv/bin/python -m ruff check .
.venv/bin/python -m mypy
bash tests/interop/setup.sh
bash tests/e2e/setup.sh
exec .venv/bin/python -m pytest "$@"
