#!/usr/bin/env bash
# Run the contract-test kit against a deployment and write a JUnit report.
#
# Environment: WAVE_BASE_URL and WAVE_API_KEY (required), WAVE_SECOND_API_KEY, WAVE_PROFILE
# [quick], WAVE_JUNIT [contract-results.xml], WAVE_CONTRACT_ARGS (more options for
# `wave-mock contract`, e.g. "-k auth"), WAVE_MOCK_BIN [wave-mock].
# Exits with the kit's status; the report is written either way.
set -euo pipefail

: "${WAVE_BASE_URL:?set base-url (WAVE_BASE_URL)}"
: "${WAVE_API_KEY:?set api-key (WAVE_API_KEY)}"
junit="${WAVE_JUNIT:-contract-results.xml}"
bin="${WAVE_MOCK_BIN:-wave-mock}"
mkdir -p "$(dirname "$junit")"

# The kit reads WAVE_BASE_URL, WAVE_API_KEY, WAVE_SECOND_API_KEY and WAVE_PROFILE itself,
# so keys never appear on a command line. An empty second key means "not given".
[[ -n "${WAVE_SECOND_API_KEY:-}" ]] || unset WAVE_SECOND_API_KEY
export WAVE_PROFILE="${WAVE_PROFILE:-quick}"
# shellcheck disable=SC2086  # WAVE_CONTRACT_ARGS is a list of options on purpose
exec $bin contract --junit-xml "$junit" ${WAVE_CONTRACT_ARGS:-}
