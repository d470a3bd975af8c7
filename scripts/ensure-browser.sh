#!/usr/bin/env bash
# Make sure a headless Chromium is available for the browser tests.
# Installs Debian's chromium with apt-get only when it is missing and we are root.
# Never fails: without a browser the browser tests skip with a reason instead.
# Set WAVE_MOCK_SKIP_BROWSER_INSTALL=1 to never install anything.
set -uo pipefail

for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
        exit 0
    fi
done

if [[ "${WAVE_MOCK_SKIP_BROWSER_INSTALL:-0}" == "1" ]]; then
    echo "note: no Chromium found and WAVE_MOCK_SKIP_BROWSER_INSTALL=1; browser tests will skip." >&2
    exit 0
fi
if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: no Chromium found and cannot apt-get install it (needs root + apt); browser tests will skip." >&2
    exit 0
fi

echo "Installing Debian's chromium for the browser tests (one time)"
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    echo "Installed $(chromium --version 2>/dev/null || echo chromium)"
else
    echo "warning: installing chromium failed; browser tests will skip." >&2
fi
exit 0
