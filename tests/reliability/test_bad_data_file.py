"""Bad content in a data file never crashes start-up nor poisons a tenant: it is skipped, named.

Decision: skip and warn (naming the line, or the database row and item), keep the rest.
Refusing to start would hold every good event hostage to one bad line.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import orjson
import pytest
import requests

from wave_mock.app import create_app
from wave_mock.auth import tenant_of
from wave_mock.testing import MockServer

KEY = "bad-file-key"
HEADERS = {"Authorization": f"Bearer {KEY}"}
TENANT = tenant_of(KEY)
NOW = 1_764_000_000.0  # 2025-11-24


def _record(session: str, number: int, **changes: object) -> dict:
    record = {"tenant": TENANT, "eventId": f"evt_{number:012d}", "receivedAt": NOW, "time": NOW,
              "event": {"eventType": "stream", "eventName": "viewer.joined", "sessionId": session,
                        "properties": {"streamId": "str_1"}}}
    record.update(changes)
    return record


def _line(value: object) -> bytes:
    return orjson.dumps(value) + b"\n"


# Each line after the first is bad in its own way; line numbers are the list index + 1.
BAD_LINES: list[tuple[bytes, str]] = [
    (b"{}\n", "missing event, eventId, receivedAt, tenant, time"),
    (b"42\n", "not a JSON object"),
    (b"[]\n", "not a JSON object"),
    (b'"text"\n', "not a JSON object"),
    (b"null\n", "not a JSON object"),
    (_line(_record("bad-time-text", 3, time="yesterday")), "time is not a number"),
    (_line(_record("bad-time-huge", 4, time=1e20)), "time 1e+20 is outside 1970..2200"),
    (_line(_record("bad-time-negative", 5, receivedAt=-5)), "receivedAt -5 is outside 1970..2200"),
    (_line(_record("bad-time-bool", 6, time=True)), "time is not a number"),
    (_line({k: v for k, v in _record("no-event", 7).items() if k != "event"}), "missing event"),
    (_line(_record("x", 8, event={"eventType": "stream", "sessionId": "no-name"})), "eventName"),
    (_line(_record("x", 9, event=42)), "event body"),
    (_line(_record("x", 10, event={"eventType": "t", "eventName": "n", "sessionId": "s", "properties": 5})), "properties"),
    (_line(_record("tenant-number", 11, tenant=42)), "tenant 42 is not a tenant name"),
    (_line(_record("tenant-unknown-shape", 12, tenant="nobody")), "tenant 'nobody' is not a tenant name"),
    (_line(_record("id-number", 13, eventId=13)), "eventId 13 is not a string"),
    (_line({"reset": 5}), "tenant 5 is not a tenant name"),
    (_line({"reset": TENANT, "extra": 1}), "a reset record has the one key"),
    (b'{"tenant": "t_0", "eventId": \n', "not JSON"),
]


def _journal(path: Path) -> list[int]:
    """Write good line 1, the bad lines, good last line; return the bad lines' numbers."""
    lines = [_line(_record("good-first", 1))] + [line for line, _ in BAD_LINES] + [_line(_record("good-last", 99))]
    path.write_bytes(b"".join(lines))
    return list(range(2, len(BAD_LINES) + 2))


def _assert_tenant_is_healthy(root: str, expected_sessions: list[str]) -> None:
    events = requests.get(f"{root}/_mock/events", headers=HEADERS, timeout=10)
    assert events.status_code == 200
    assert [e["event"]["sessionId"] for e in events.json()["events"]] == expected_sessions
    for path in ("/api/v1/analytics/stream/str_1?period=30d", "/api/v1/analytics/dashboards?period=90d"):
        assert requests.get(root + path, headers=HEADERS, timeout=10).status_code == 200, path


def test_bad_journal_lines_are_skipped_with_a_warning_naming_each(tmp_path: Path) -> None:
    data = tmp_path / "events.jsonl"
    bad_numbers = _journal(data)
    log = tmp_path / "server.log"
    with MockServer(["--api-key", KEY, "--data-file", str(data), "--no-access-log"], log_path=log) as server:
        _assert_tenant_is_healthy(server.root_url, ["good-last", "good-first"])
        posted = requests.post(f"{server.base_url}/analytics/events", headers=HEADERS, timeout=10,
                               json={"eventType": "t", "eventName": "n", "sessionId": "new"})
        assert posted.status_code == 200 and posted.json()["eventId"] == "evt_000000000100"
    text = log.read_text()
    for number, (_, reason) in zip(bad_numbers, BAD_LINES):
        assert f"skipped line {number}:" in text or f"skipped torn line {number} " in text, (number, reason)
    assert "skipped line 1:" not in text and f"skipped line {len(BAD_LINES) + 2}:" not in text
    assert (tmp_path / "events.jsonl.jsonl-imported").read_bytes().startswith(_line(_record("good-first", 1)))


@pytest.mark.parametrize(("line", "reason"), BAD_LINES, ids=[r for _, r in BAD_LINES])
def test_each_bad_line_alone_is_skipped_for_its_reason(tmp_path: Path, line: bytes, reason: str, caplog) -> None:
    data = tmp_path / "events.jsonl"
    data.write_bytes(_line(_record("good", 1)) + line)
    caplog.set_level(logging.WARNING)
    app = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)})
    try:
        client = app.test_client()
        events = client.get("/_mock/events", headers=HEADERS)
        assert events.status_code == 200
        assert [e["event"]["sessionId"] for e in events.get_json()["events"]] == ["good"]
        assert client.get("/api/v1/analytics/dashboards?period=90d", headers=HEADERS).status_code == 200
    finally:
        app.extensions["wave_mock"].close()
    assert "line 2" in caplog.text and reason in caplog.text


BAD_ROWS = {
    "bodies not JSON": ("bodies", "'not json'", "bodies is not JSON"),
    "bodies a number": ("bodies", "'42'", "bodies is not a JSON array of 2 items"),
    "count too big": ("count", "5", "is not a JSON array of 5 items"),
    "dropped everything": ("dropped", "2", "do not describe a row"),
    "bad time": ("times", "'[1e20, 1764000000]'", "item 0: time 1e+20 is outside 1970..2200"),
    "time text": ("times", "'[\"soon\", 1764000000]'", "item 0: time is not a number"),
    "body wrong shape": ("bodies", "'[{}, {\"eventType\":\"t\",\"eventName\":\"n\",\"sessionId\":\"b1\"}]'", "item 0: event"),
    "tenant unknown shape": ("tenant", "'root'", "tenant 'root' is not a tenant name"),
    "first_id text": ("first_id", "'x'", "first_id 'x' is not a number"),
}


@pytest.mark.parametrize("damage", list(BAD_ROWS))
def test_bad_database_rows_are_skipped_and_set_aside(tmp_path: Path, damage: str, caplog) -> None:
    column, value, reason = BAD_ROWS[damage]
    data = tmp_path / "events.db"
    app = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)})
    client = app.test_client()
    for batch in (["a0", "a1"], ["b0", "b1"], ["c0", "c1"]):
        events = [{"eventType": "t", "eventName": "n", "sessionId": s, "properties": {"streamId": "str_1"}} for s in batch]
        assert client.post("/api/v1/analytics/events/batch", json={"events": events}, headers=HEADERS).status_code == 200
    app.extensions["wave_mock"].close()
    with sqlite3.connect(data) as db:
        db.execute(f"UPDATE batches SET {column} = {value} WHERE seq = 2")
    caplog.set_level(logging.WARNING)

    reopened = create_app({"API_KEYS": [KEY], "DATA_FILE": str(data)})
    try:
        client = reopened.test_client()
        sessions = [e["event"]["sessionId"] for e in client.get("/_mock/events", headers=HEADERS).get_json()["events"]]
        assert client.get("/api/v1/analytics/stream/str_1?period=30d", headers=HEADERS).status_code == 200
    finally:
        reopened.extensions["wave_mock"].close()
    assert sessions[:2] == ["c1", "c0"] and sessions[-2:] == ["a1", "a0"]
    assert set(sessions[2:-2]) <= {"b0", "b1"} and len(sessions) < 6  # what was damaged is gone
    assert "skipped row 2" in caplog.text and reason in caplog.text
    with sqlite3.connect(data) as db:
        assert db.execute("SELECT count(*) FROM skipped WHERE seq = 2").fetchone()[0] >= 1
