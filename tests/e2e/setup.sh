#!/usr/bin/env bash
# Install what the browser tests need: Debian's Chromium (/usr/bin/chromium) and axe-core
# from npm into tests/e2e/node_modules. Playwright itself comes from PyPI (the `test` extra);
# its wheel carries its driver, and it drives this Chromium: no browser is downloaded.
# Idempotent: does nothing when both are in place.
# --no-install-recommends: Chromium's Depends are all a headless browser needs; its Recommends
# would add some 160 packages (avahi, samba and perl libraries, udev, upower, printer tools).
# fonts-liberation (Arial/Times metrics) is the one Recommends the screenshots use, so it is named.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stamp="$here/node_modules/.wecreate-installed-lock"

if [[ ! -x /usr/bin/chromium ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "tests/e2e: installing Debian's chromium"
        apt-get update -q && apt-get install -y -q --no-install-recommends chromium fonts-liberation
    else
        echo "tests/e2e: /usr/bin/chromium is missing; install it as root with 'apt-get install --no-install-recommends chromium fonts-liberation'" \
             "(the e2e tests fail without it; skip them with -m 'not e2e')" >&2
    fi
fi

if [[ -f "$stamp" && -f "$here/node_modules/axe-core/axe.min.js" ]] && cmp -s "$stamp" "$here/package-lock.json"; then
    echo "tests/e2e: npm packages up to date"
    exit 0
fi
if ! command -v npm >/dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -q && apt-get install -y -q --no-install-recommends npm
    else
        echo "tests/e2e: npm is not installed (apt-get install npm): cannot install axe-core" >&2
        exit 1
    fi
fi
echo "tests/e2e: installing npm packages (npm ci)"
npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
cp "$here/package-lock.json" "$stamp"
