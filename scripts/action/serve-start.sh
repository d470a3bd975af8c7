#!/usr/bin/env bash
# Start `wave-mock serve` in the background, wait until /_mock/health answers, and write
# the step outputs `url`, `root-url`, `api-key` and `pid` (to $GITHUB_OUTPUT when set, and stdout).
# The server gets its own process group; serve-stop.sh ends that group by the recorded pid.
#
# Environment (all optional):
#   WAVE_MOCK_PORT      port [8787]            WAVE_MOCK_API_KEY   key [wave_dev_key]
#   WAVE_MOCK_ARGS      more serve options, e.g. "--load demo --cors-origin http://localhost:3000"
#   WAVE_MOCK_STATE_DIR where the pid file and log go [$RUNNER_TEMP or /tmp]
#   WAVE_MOCK_TIMEOUT   seconds to wait for health [30]
#   WAVE_MOCK_BIN       the wave-mock command [wave-mock]
set -euo pipefail

port="${WAVE_MOCK_PORT:-8787}"
key="${WAVE_MOCK_API_KEY:-wave_dev_key}"
state_dir="${WAVE_MOCK_STATE_DIR:-${RUNNER_TEMP:-/tmp}}"
timeout="${WAVE_MOCK_TIMEOUT:-30}"
bin="${WAVE_MOCK_BIN:-wave-mock}"
pid_file="$state_dir/wave-mock-$port.pid"
log_file="$state_dir/wave-mock-$port.log"
mkdir -p "$state_dir"

if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "::error::a wave-mock started by this action already runs on port $port (pid $(cat "$pid_file"))" >&2
    exit 1
fi

# Its own session and process group, so serve-stop.sh can end the server and its worker at once.
if command -v setsid > /dev/null; then
    launch=(setsid)
else  # macOS runners have no setsid(1)
    launch=(python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])')
fi
# shellcheck disable=SC2086  # WAVE_MOCK_ARGS is a list of options on purpose
"${launch[@]}" $bin serve --port "$port" --api-key "$key" ${WAVE_MOCK_ARGS:-} >"$log_file" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$pid_file"

root="http://127.0.0.1:$port"
deadline=$(( $(date +%s) + timeout ))
until curl -fsS "$root/_mock/health" > /dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "::error::wave-mock exited before it was healthy; its log:" >&2
        cat "$log_file" >&2
        rm -f "$pid_file"
        exit 1
    fi
    if (( $(date +%s) >= deadline )); then
        echo "::error::wave-mock did not answer $root/_mock/health within ${timeout}s; its log:" >&2
        cat "$log_file" >&2
        kill -TERM -- "-$pid" 2>/dev/null || true
        rm -f "$pid_file"
        exit 1
    fi
    sleep 0.2
done

{
    echo "url=$root/api/v1"
    echo "root-url=$root"
    echo "api-key=$key"
    echo "pid=$pid"
} | tee -a "${GITHUB_OUTPUT:-/dev/null}"
echo "wave-mock is up at $root (pid $pid, log $log_file)" >&2
