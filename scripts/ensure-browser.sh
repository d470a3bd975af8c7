#!/usr/bin/env bash
# Make sure the headless Chromium the browser tests use is available.
# The tests drive exactly $WAVE_MOCK_CHROMIUM (default /usr/bin/chromium), so that is the
# only path accepted here: another browser on PATH would leave them unrun.
# Installs Debian's chromium with apt-get only when it is missing and we are root.
# Outside CI, a missing browser is a note (the browser tests skip with a reason).
# In CI (CI=true) it is an error, and the browser tests fail rather than skip.
# Set WAVE_MOCK_SKIP_BROWSER_INSTALL=1 to never install anything.
set -uo pipefail

BROWSER="${WAVE_MOCK_CHROMIUM:-/usr/bin/chromium}"
IN_CI=0
case "${CI:-}" in 1|true|TRUE|True|yes) IN_CI=1 ;; esac

present() { [[ -f "$BROWSER" && -x "$BROWSER" ]]; }

missing() {
    if ((IN_CI)); then
        echo "error: no Chromium at $BROWSER, and CI must run the browser tests: $1" >&2
        exit 1
    fi
    echo "note: no Chromium at $BROWSER; browser tests will skip: $1" >&2
    exit 0
}

present && exit 0
[[ "${WAVE_MOCK_SKIP_BROWSER_INSTALL:-0}" == "1" ]] && missing "WAVE_MOCK_SKIP_BROWSER_INSTALL=1"
if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
    missing "cannot apt-get install it (needs root + apt)"
fi

echo "Installing Debian's chromium for the browser tests (one time)"
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    present && { echo "Installed $("$BROWSER" --version 2>/dev/null || echo chromium)"; exit 0; }
    missing "chromium was installed, but not at $BROWSER"
fi
missing "installing chromium failed"
