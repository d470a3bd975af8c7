"""Each API key is its own world, clock included, over a real socket (issue 15, item 3).

One tenant's frozen, advanced or released clock never moves another tenant's metrics,
validation window or receipt times; the admin token moves every clock at once; a clock
change outside 1970..2200 is a 400 that moves nothing, on either path (Flask and the
WSGI fast path).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from wave_mock.testing import MockServer

KEY_A, KEY_B, ADMIN = "clock-key-a", "clock-key-b", "clock-admin"
SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "duplicate_joins.jsonl"


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY_A, "--api-key", KEY_B, "--admin-token", ADMIN, "--no-access-log"]) as running:
        yield running


@pytest.fixture(autouse=True)
def real_time(server: MockServer) -> Iterator[None]:
    """Every test starts with every clock on real time and empty tenants."""
    _call(server, "DELETE", "/_mock/clock", ADMIN).raise_for_status()
    _call(server, "POST", "/_mock/reset", ADMIN).raise_for_status()
    yield


def _call(server: MockServer, method: str, path: str, key: str, body: Any = None, raw: bytes | None = None,
          query: str = "") -> requests.Response:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    url = f"{server.root_url}{path}{query}"
    return requests.request(method, url, json=body if raw is None else None, data=raw, headers=headers, timeout=10)


def _clock(server: MockServer, key: str) -> dict[str, Any]:
    reply = _call(server, "GET", "/_mock/clock", key)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _freeze(server: MockServer, key: str, now: str) -> requests.Response:
    return _call(server, "POST", "/_mock/clock", key, {"now": now})


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _join(stream: str, session: str, **extra: Any) -> dict[str, Any]:
    return {"eventType": "stream", "eventName": "viewer.joined", "sessionId": session,
            "properties": {"streamId": stream}, **extra}


def test_one_tenants_frozen_clock_never_moves_another_tenants_metrics(server: MockServer) -> None:
    assert _call(server, "POST", "/api/v1/analytics/events", KEY_B, _join("str_b", "sess_b")).status_code == 200
    assert _freeze(server, KEY_A, "2030-01-01T00:00:00Z").status_code == 200
    stream_b = _call(server, "GET", "/api/v1/analytics/stream/str_b", KEY_B, query="?period=1h").json()
    assert stream_b["totalViewers"] == 1 and stream_b["currentViewers"] == 1  # B still counts at real time
    assert _call(server, "GET", "/api/v1/analytics/dashboards", KEY_B, query="?period=1d").json()["metrics"]["totalEvents"] == 1
    assert _clock(server, KEY_B)["frozen"] is False
    # Positive control: A, at 2030, no longer sees its own event sent at real time in the last hour.
    assert _call(server, "POST", "/api/v1/analytics/events", KEY_A, _join("str_a", "sess_a",
                 timestamp="2029-12-31T23:30:00Z")).status_code == 200
    assert _call(server, "GET", "/api/v1/analytics/stream/str_a", KEY_A, query="?period=1h").json()["totalViewers"] == 1


def test_one_tenants_clock_never_moves_another_tenants_validation_window(server: MockServer) -> None:
    assert _freeze(server, KEY_A, "2030-01-01T00:00:00Z").status_code == 200
    at_a = _join("str_w", "sess_w", timestamp="2030-01-01T00:00:00Z")
    assert _call(server, "POST", "/api/v1/analytics/events", KEY_A, at_a).status_code == 200
    assert _call(server, "POST", "/api/v1/analytics/events", KEY_B, at_a).status_code == 409  # years ahead of B
    recent = _join("str_w", "sess_w", timestamp=_rfc3339(datetime.now(timezone.utc) - timedelta(minutes=5)))
    assert _call(server, "POST", "/api/v1/analytics/events", KEY_B, recent).status_code == 200
    batch = _call(server, "POST", "/api/v1/analytics/events/batch", KEY_B, {"events": [recent, at_a]}).json()
    assert (batch["accepted"], batch["rejected"]) == (1, 1)


@pytest.mark.parametrize("route", ["fast path", "flask"])
def test_receipt_times_come_from_the_senders_own_clock(server: MockServer, route: str) -> None:
    query = "" if route == "fast path" else "?via=flask"  # a query string sends ingest through Flask
    assert _freeze(server, KEY_A, "2031-05-06T07:08:09Z").status_code == 200
    for key in (KEY_A, KEY_B):
        assert _call(server, "POST", "/api/v1/analytics/events", key, _join("s", "sess"), query=query).status_code == 200
        reply = _call(server, "POST", "/api/v1/analytics/events/batch", key, {"events": [_join("s", "sess2")]}, query=query)
        assert reply.json()["accepted"] == 1
    a_times = {e["receivedAt"] for e in _call(server, "GET", "/_mock/events", KEY_A).json()["events"]}
    b_times = {e["receivedAt"][:4] for e in _call(server, "GET", "/_mock/events", KEY_B).json()["events"]}
    assert a_times == {"2031-05-06T07:08:09Z"}
    assert b_times == {str(datetime.now(timezone.utc).year)}


def test_advance_and_release_move_only_the_callers_clock(server: MockServer) -> None:
    assert _freeze(server, KEY_B, "2027-03-04T05:06:07Z").status_code == 200
    assert _freeze(server, KEY_A, "2028-01-01T00:00:00Z").status_code == 200
    assert _call(server, "POST", "/_mock/clock", KEY_A, {"advance": 3600}).json()["now"] == "2028-01-01T01:00:00Z"
    assert _call(server, "DELETE", "/_mock/clock", KEY_A).json()["frozen"] is False
    assert _clock(server, KEY_B) == {"now": "2027-03-04T05:06:07Z", "frozen": True}
    health = requests.get(f"{server.root_url}/_mock/health", timeout=10).json()
    assert health["clockFrozen"] is False  # the base clock: no tenant's change reaches it


def test_admin_token_sets_every_tenants_clock_at_once(server: MockServer) -> None:
    assert _freeze(server, KEY_A, "2027-01-01T00:00:00Z").status_code == 200
    frozen = _freeze(server, ADMIN, "2029-02-03T04:05:06Z")
    assert frozen.status_code == 200, frozen.text
    assert {t["now"] for t in frozen.json()["tenants"].values()} == {"2029-02-03T04:05:06Z"}
    assert len(frozen.json()["tenants"]) == 2
    for key in (KEY_A, KEY_B):
        assert _clock(server, key) == {"now": "2029-02-03T04:05:06Z", "frozen": True}
    assert _call(server, "POST", "/_mock/clock", ADMIN, {"advance": 60}).status_code == 200
    assert {_clock(server, key)["now"] for key in (KEY_A, KEY_B)} == {"2029-02-03T04:06:06Z"}
    assert _call(server, "DELETE", "/_mock/clock", ADMIN).status_code == 200
    assert [_clock(server, key)["frozen"] for key in (KEY_A, KEY_B)] == [False, False]


BAD_INSTANTS = [
    "0001-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "1970-01-01T00:30:00+01:00",  # 1969-12-31T23:30Z
    "2200-01-01T00:00:01Z",
    "2199-12-31T23:30:00-01:00",  # 2200-01-01T00:30Z
    "9999-12-31T23:59:59Z",
]


@pytest.mark.parametrize("key", [KEY_A, ADMIN])
@pytest.mark.parametrize("instant", BAD_INSTANTS)
def test_a_time_outside_1970_to_2200_is_400_and_moves_nothing(server: MockServer, key: str, instant: str) -> None:
    assert _freeze(server, KEY_A, "2026-06-01T00:00:00Z").status_code == 200
    reply = _freeze(server, key, instant)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["details"][0]["field"] == "now"
    assert _clock(server, KEY_A) == {"now": "2026-06-01T00:00:00Z", "frozen": True}
    assert _clock(server, KEY_B)["frozen"] is False
    assert _call(server, "GET", "/_mock/events", KEY_A).status_code == 200


@pytest.mark.parametrize("instant", ["1970-01-01T00:00:00Z", "2200-01-01T00:00:00Z", "2199-12-31T23:00:00-01:00"])
def test_the_range_ends_themselves_are_accepted_and_echoed_exactly(server: MockServer, instant: str) -> None:
    reply = _freeze(server, KEY_A, instant)
    assert reply.status_code == 200, reply.text
    expected = "2200-01-01T00:00:00Z" if instant.startswith("2199") else instant
    assert reply.json() == {"now": expected, "frozen": True}
    assert _call(server, "POST", "/api/v1/analytics/events", KEY_A, _join("edge", "sess")).status_code == 200
    stored = _call(server, "GET", "/_mock/events", KEY_A).json()["events"]
    assert [e["receivedAt"] for e in stored] == [expected]
    assert _call(server, "GET", "/api/v1/analytics/dashboards", KEY_A, query="?period=90d").status_code == 200


def test_an_advance_past_2200_is_400_and_moves_nothing(server: MockServer) -> None:
    assert _freeze(server, KEY_A, "2199-12-31T23:00:00Z").status_code == 200
    refused = _call(server, "POST", "/_mock/clock", KEY_A, {"advance": 7200})
    assert refused.status_code == 400 and refused.json()["error"]["details"][0]["field"] == "advance"
    assert _clock(server, KEY_A)["now"] == "2199-12-31T23:00:00Z"
    # Positive control: up to the end exactly is fine; one second more is not.
    assert _call(server, "POST", "/_mock/clock", KEY_A, {"advance": 3600}).json()["now"] == "2200-01-01T00:00:00Z"
    assert _call(server, "POST", "/_mock/clock", KEY_A, {"advance": 1}).status_code == 400
    assert _clock(server, KEY_A)["now"] == "2200-01-01T00:00:00Z"


def test_an_admin_advance_that_would_take_any_tenant_past_2200_moves_none(server: MockServer) -> None:
    assert _freeze(server, KEY_A, "2199-12-31T23:59:00Z").status_code == 200
    assert _freeze(server, KEY_B, "2030-01-01T00:00:00Z").status_code == 200
    assert _call(server, "POST", "/_mock/clock", ADMIN, {"advance": 120}).status_code == 400
    assert _clock(server, KEY_A)["now"] == "2199-12-31T23:59:00Z"
    assert _clock(server, KEY_B)["now"] == "2030-01-01T00:00:00Z"


@pytest.mark.parametrize("raw", [b'{"advance": 1e400}', b'{"advance": 100000000000000000000000000}', b'{"advance": -1}',
                                 b'{"advance": NaN}', b'{"now": "2026-13-01T00:00:00Z"}', b'{"now": "10000-01-01T00:00:00Z"}'])
def test_malformed_clock_changes_are_400_and_move_nothing(server: MockServer, raw: bytes) -> None:
    assert _freeze(server, KEY_A, "2026-06-01T00:00:00Z").status_code == 200
    assert _call(server, "POST", "/_mock/clock", KEY_A, raw=raw).status_code == 400
    assert _clock(server, KEY_A)["now"] == "2026-06-01T00:00:00Z"


def test_load_frozen_freezes_only_the_first_keys_clock() -> None:
    with MockServer(["--api-key", KEY_A, "--api-key", KEY_B, "--load", str(SCENARIO), "--load-frozen", "--no-access-log"]) as seeded:
        first, second = _clock(seeded, KEY_A), _clock(seeded, KEY_B)
    expected_now = json.loads(SCENARIO.with_suffix(".expected.json").read_text())["now"]
    assert first == {"now": expected_now, "frozen": True}
    assert second["frozen"] is False and second["now"][:4] == str(datetime.now(timezone.utc).year)
