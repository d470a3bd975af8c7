"""An I/O error (EIO) at commit: 503 + Retry-After, nothing applied, and the next commit carries on.

A full disk is produced for real (test_full_disk.py); an EIO cannot be produced without a
faulty device, so here the database connection is wrapped to fail COMMIT the way SQLite
reports EIO (``sqlite3.OperationalError: disk I/O error``).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from wave_mock.app import create_app

KEY = "eio-key"
HEADERS = {"Authorization": f"Bearer {KEY}"}


class FailingCommits:
    """Delegate to a real connection; while ``failing``, COMMIT raises as SQLite does on EIO."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.failing = False

    def execute(self, sql: str, *args: Any) -> Any:
        if self.failing and sql == "COMMIT":
            raise sqlite3.OperationalError("disk I/O error")
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


def _event(session: str) -> dict:
    return {"eventType": "t", "eventName": "n", "sessionId": session}


def _sessions(client: Any) -> list[str]:
    return [e["event"]["sessionId"] for e in client.get("/_mock/events", headers=HEADERS).get_json()["events"]]


def test_io_error_at_commit_answers_503_and_applies_nothing(tmp_path: Path) -> None:
    data = tmp_path / "events.db"
    app = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)})
    durable = app.extensions["wave_mock"].ingestor.data
    durable._db = faulty = FailingCommits(durable._db)
    client = app.test_client()
    assert client.post("/api/v1/analytics/events", json=_event("ok-1"), headers=HEADERS).status_code == 200

    faulty.failing = True
    single = client.post("/api/v1/analytics/events", json=_event("lost-1"), headers=HEADERS)
    batch = client.post("/api/v1/analytics/events/batch", json={"events": [_event("lost-2"), _event("lost-3")]}, headers=HEADERS)
    reset = client.post("/_mock/reset", headers=HEADERS)
    for response in (single, batch, reset):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        assert response.get_json()["error"]["code"] == "storage_unavailable"
    assert _sessions(client) == ["ok-1"]
    assert client.get("/_mock/stats", headers=HEADERS).get_json()["accepted"] == 1

    faulty.failing = False
    assert client.post("/api/v1/analytics/events", json=_event("ok-2"), headers=HEADERS).status_code == 200
    app.extensions["wave_mock"].close()
    again = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)})
    assert _sessions(again.test_client()) == ["ok-2", "ok-1"]
    again.extensions["wave_mock"].close()


def test_concurrent_requests_share_commits_and_fail_together(tmp_path: Path) -> None:
    """Group commit: with COMMIT failing, no request of any group is acknowledged or applied."""
    data = tmp_path / "events.db"
    app = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)})
    durable = app.extensions["wave_mock"].ingestor.data
    durable._db = faulty = FailingCommits(durable._db)
    statuses: dict[str, int] = {}

    def send(worker: int, prefix: str) -> None:
        client = app.test_client()
        for i in range(20):
            session = f"{prefix}{worker}-{i}"
            statuses[session] = client.post("/api/v1/analytics/events", json=_event(session), headers=HEADERS).status_code

    for prefix, failing in (("good", False), ("bad", True), ("late", False)):
        faulty.failing = failing
        threads = [threading.Thread(target=send, args=(w, prefix)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    acknowledged = {s for s, status in statuses.items() if status == 200}
    assert {s for s in statuses if s.startswith("bad")} == {s for s, status in statuses.items() if status == 503}
    assert len(acknowledged) == 2 * 8 * 20
    assert set(_sessions_all(app)) == acknowledged
    app.extensions["wave_mock"].close()


def _sessions_all(app: Any) -> list[str]:
    response = app.test_client().get("/_mock/events", query_string={"limit": 10000}, headers=HEADERS)
    return [e["event"]["sessionId"] for e in response.get_json()["events"]]
