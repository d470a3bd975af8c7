"""A full disk under --data-file: 503 + Retry-After, nothing half-stored, nothing acknowledged lost.

A real ``wave-mock serve`` writes its data file on a 512 KiB tmpfs that the test fills
with a filler file, then frees. Needs root (to mount); skipped with the reason otherwise,
but never in CI, where the suite runs as root and must exercise it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
import requests

from wave_mock.testing import MockServer

KEY = "disk-key"
HEADERS = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """Mount a 512 KiB tmpfs; always unmounted afterwards."""
    if os.geteuid() != 0:
        _skip_or_fail("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        _skip_or_fail(f"mount -t tmpfs not permitted here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the full-disk test")
    pytest.skip(reason)


def _fill(directory: Path) -> Path:
    """Write a filler file until the disk refuses (ENOSPC); return it."""
    filler = directory / "filler"
    chunk = b"\0" * 4096
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(chunk)
        except OSError:
            pass
    return filler


class Sender:
    """Post events with distinct sessionIds; remember which were acknowledged and which refused."""

    def __init__(self, server: MockServer) -> None:
        self.server = server
        self.acknowledged: set[str] = set()
        self.refused: list[requests.Response] = []
        self.refused_sessions: set[str] = set()
        self.n = 0

    def post(self, size: int) -> requests.Response:
        sessions = [f"s{self.n + i}" for i in range(size)]
        self.n += size
        events = [{"eventType": "t", "eventName": "n", "sessionId": s, "properties": {"pad": "x" * 300}} for s in sessions]
        if size == 1:
            response = requests.post(f"{self.server.base_url}/analytics/events", json=events[0], headers=HEADERS, timeout=10)
        else:
            response = requests.post(f"{self.server.base_url}/analytics/events/batch", json={"events": events},
                                     headers=HEADERS, timeout=10)
        if response.status_code == 200:
            self.acknowledged.update(sessions)
        else:
            self.refused.append(response)
            self.refused_sessions.update(sessions)
        return response


def _stored_sessions(server: MockServer) -> set[str]:
    response = requests.get(f"{server.root_url}/_mock/events", params={"limit": 10000}, headers=HEADERS, timeout=10)
    assert response.status_code == 200
    return {e["event"]["sessionId"] for e in response.json()["events"]}


def test_full_disk_refuses_with_503_and_loses_nothing_acknowledged(small_disk: Path, tmp_path: Path) -> None:
    data = small_disk / "events.db"
    args = ["--api-key", KEY, "--data-file", str(data), "--no-access-log"]
    server = MockServer(args, log_path=tmp_path / "server.log").start()
    try:
        sender = Sender(server)
        assert sender.post(20).status_code == 200  # positive control: the disk takes writes
        filler = _fill(small_disk)
        for size in (1, 20, 1, 50, 1, 20):
            sender.post(size)
        assert sender.refused, "a full disk must refuse writes"
        for response in sender.refused:
            assert response.status_code == 503
            assert response.headers["Content-Type"] == "application/json"
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["error"]["code"] == "storage_unavailable"
        # Memory agrees with the disk: exactly what was acknowledged is visible.
        assert _stored_sessions(server) == sender.acknowledged
        reset = requests.post(f"{server.root_url}/_mock/reset", headers=HEADERS, timeout=10)
        assert reset.status_code == 503 and _stored_sessions(server) == sender.acknowledged
        assert requests.get(f"{server.root_url}/_mock/health", timeout=5).status_code == 200

        filler.unlink()  # space comes back: carry on
        for size in (1, 20, 50):
            assert sender.post(size).status_code == 200
        assert _stored_sessions(server) == sender.acknowledged
    finally:
        server.stop(kill=True)

    with MockServer(args) as restarted:
        stored = _stored_sessions(restarted)
    assert stored == sender.acknowledged
    assert not stored & sender.refused_sessions
    before, after = {f"s{i}" for i in range(20)}, {f"s{i}" for i in range(sender.n - 71, sender.n)}
    assert before | after <= stored  # acknowledged before the disk filled and after it emptied
