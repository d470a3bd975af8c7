#!/usr/bin/env bash
# Install the pinned Node tools (package-lock.json) used by the spec lint tests.
# Never fails: without npm the Node-based tests skip with a reason instead.
set -uo pipefail

if ! command -v npm >/dev/null 2>&1; then
    echo "warning: npm not found; the Redocly and openapi-typescript tests will skip." >&2
    exit 0
fi
# A project-local cache keeps repeat installs fast and leaves ~/.npm alone.
if npm ci --cache .cache/npm --prefer-offline --no-audit --no-fund --loglevel=error; then
    touch node_modules/.wave-mock-stamp
else
    echo "warning: npm ci failed; the Node-based tests will fall back to npx or skip." >&2
fi
exit 0
