"""One data file, one server: a second ``wave-mock serve`` on it exits at once with one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from wave_mock.app import create_app
from wave_mock.storage.durable.lock import DataFileInUse
from wave_mock.testing import MockServer, free_port

KEY = "lock-key"
HEADERS = {"Authorization": f"Bearer {KEY}"}


def _serve(data: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a second server in the foreground; it must exit by itself."""
    command = [sys.executable, "-m", "wave_mock", "serve", "--port", str(free_port()), "--api-key", KEY,
               "--data-file", str(data), "--no-access-log"]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def _post(server: MockServer, session: str) -> str:
    body = {"eventType": "t", "eventName": "n", "sessionId": session}
    response = requests.post(f"{server.base_url}/analytics/events", json=body, headers=HEADERS, timeout=10)
    assert response.status_code == 200
    return response.json()["eventId"]


def test_second_server_on_the_same_data_file_refuses_to_start(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    with MockServer(["--api-key", KEY, "--data-file", str(data), "--no-access-log"]) as first:
        _post(first, "before")
        second = _serve(data)
        assert second.returncode != 0
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, second.stderr
        assert "in use by another wave-mock server" in lines[0] and str(data) in lines[0]
        assert f"pid {first.process.pid}" in lines[0]
        assert "Traceback" not in second.stdout + second.stderr
        # The first server is untouched and keeps serving.
        _post(first, "after")


def test_lock_is_released_when_the_server_is_killed(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    args = ["--api-key", KEY, "--data-file", str(data), "--no-access-log"]
    first = MockServer(args).start()
    acknowledged = _post(first, "one")
    first.stop(kill=True)  # SIGKILL to the whole process group: no clean-up runs
    with MockServer(args) as second:  # positive control of the refusal above: now it starts
        ids = [e["eventId"] for e in requests.get(f"{second.root_url}/_mock/events", headers=HEADERS, timeout=10).json()["events"]]
        assert ids == [acknowledged]
        assert _post(second, "two") != acknowledged


def test_lock_is_freed_when_only_the_parent_is_killed(tmp_path: Path) -> None:
    """The worker holds the lock and dies with its parent, so the file is soon free again."""
    data = tmp_path / "events.db"
    args = ["--api-key", KEY, "--data-file", str(data), "--no-access-log"]
    server = MockServer(args).start()
    group = server.process.pid  # MockServer starts each server in its own session
    try:
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group_alive(group), "the worker outlived its killed parent"
        with MockServer(args):  # nothing of the old server is left: the file is free
            pass
    finally:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_two_apps_in_one_process_cannot_share_a_data_file(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    first = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)})
    with pytest.raises(DataFileInUse, match="in use by another wave-mock server"):
        create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)})
    first.extensions["wave_mock"].close()
    create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)}).extensions["wave_mock"].close()


def test_a_data_file_that_is_not_a_database_refuses_start_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    data.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)  # a database header over garbage
    refused = _serve(data)
    assert refused.returncode != 0
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert lines == [f"Error: cannot open the data file {data}: file is not a database"], refused.stderr
    data.unlink()  # positive control: the same command starts on a fresh path
    with MockServer(["--api-key", KEY, "--data-file", str(data), "--no-access-log"]) as server:
        _post(server, "fresh")
