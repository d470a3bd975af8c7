#!/usr/bin/env bash
# Stop the wave-mock that serve-start.sh started on WAVE_MOCK_PORT [8787]: SIGTERM to its
# process group, SIGKILL after 10 s; print its log when WAVE_MOCK_SHOW_LOG=1. A missing
# pid file is fine (nothing to stop), so this is safe in an `if: always()` step.
set -euo pipefail

port="${WAVE_MOCK_PORT:-8787}"
state_dir="${WAVE_MOCK_STATE_DIR:-${RUNNER_TEMP:-/tmp}}"
pid_file="$state_dir/wave-mock-$port.pid"
log_file="$state_dir/wave-mock-$port.log"

if [[ ! -f "$pid_file" ]]; then
    echo "no wave-mock recorded for port $port; nothing to stop" >&2
    exit 0
fi
pid="$(cat "$pid_file")"
kill -TERM -- "-$pid" 2>/dev/null || true
for _ in $(seq 100); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 -- "-$pid" 2>/dev/null; then
    kill -KILL -- "-$pid" 2>/dev/null || true
fi
rm -f "$pid_file"
if [[ "${WAVE_MOCK_SHOW_LOG:-0}" == "1" && -f "$log_file" ]]; then
    cat "$log_file" >&2
fi
echo "wave-mock (pid $pid) stopped" >&2
