"""Numbers and nesting, over a real socket, on both ingest paths (issue 15, item 4).

Anything that can't be stored faithfully gets a JSON 4xx and stores nothing; anything
accepted comes back from /_mock/events exactly as sent; no metric ever overflows; and the
tenant keeps answering 200 afterwards. Expected values are worked by hand here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import requests

from wave_mock.testing import MockServer

KEY = "numbers-key"
ADMIN = "numbers-admin"
ROUTES = {"fast path": "", "flask": "?via=flask"}  # a query string sends ingest through Flask
MAX_DEPTH = 200  # documented in the README and openapi/wave-analytics.yaml


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY, "--admin-token", ADMIN, "--no-access-log"]) as running:
        yield running


@pytest.fixture(autouse=True)
def empty(server: MockServer) -> None:
    requests.post(f"{server.root_url}/_mock/reset", headers=_headers(ADMIN), timeout=10).raise_for_status()


def _headers(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def _post(server: MockServer, path: str, raw: bytes, route: str) -> requests.Response:
    return requests.post(f"{server.base_url}/analytics/{path}{ROUTES[route]}", data=raw, headers=_headers(), timeout=30)


def _get(server: MockServer, path: str) -> requests.Response:
    reply = requests.get(f"{server.root_url}{path}", headers=_headers(), timeout=30)
    assert reply.status_code == 200, f"{path} answered {reply.status_code}: {reply.text[:300]}"
    assert reply.headers["Content-Type"].startswith("application/json")
    return reply


def _event(properties_json: bytes, name: bytes = b"custom.numbers") -> bytes:
    return b'{"eventType":"custom","eventName":"' + name + b'","sessionId":"sess_n","properties":' + properties_json + b"}"


def _stored_raw(server: MockServer) -> list[bytes]:
    """Return each stored event body as /_mock/events renders it (bytes, so no float rounding)."""
    events = orjson.loads(_get(server, "/_mock/events?limit=10000").content)["events"]
    return [orjson.dumps(e["event"]) for e in events]


def _assert_refused(reply: requests.Response, field_start: str) -> None:
    assert 400 <= reply.status_code < 500, f"{reply.status_code}: {reply.text[:300]}"
    error = reply.json()["error"]
    assert error["status"] == reply.status_code
    assert any(d["field"].startswith(field_start) for d in error["details"]), error


def _assert_tenant_healthy(server: MockServer, stored: int) -> None:
    """The tenant's every read still answers 200, and it holds exactly ``stored`` events."""
    assert _get(server, "/_mock/stats").json()["accepted"] == stored
    _get(server, "/_mock/events")
    _get(server, "/_mock/rejected")
    _get(server, "/api/v1/analytics/dashboards?period=1d")
    totals = requests.get(f"{server.root_url}/_mock/stats", headers=_headers(ADMIN), timeout=10).json()
    assert totals["accepted"] == stored  # nothing landed in any other tenant either


def _nested(depth: int) -> bytes:
    """A JSON value of exactly ``depth`` levels: arrays inside arrays, an object at the bottom."""
    return b"[" * (depth - 1) + b'{"leaf":1}' + b"]" * (depth - 1)


# Body depth = 2 (the event object and its properties) + the value's depth.
DEPTHS = [MAX_DEPTH - 2, MAX_DEPTH - 1, 250, 251, 252, 253, 254, 255, 300, 500, 1000, 1021, 1022, 1023, 1024, 5000]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("value_depth", DEPTHS)
def test_any_nesting_is_stored_faithfully_or_refused_with_a_4xx(server: MockServer, route: str, value_depth: int) -> None:
    raw = _event(b'{"deep":' + _nested(value_depth) + b"}")
    reply = _post(server, "events", raw, route)
    body_depth = value_depth + 2
    if body_depth <= MAX_DEPTH:
        assert reply.status_code == 200, reply.text[:300]
        assert _stored_raw(server) == [raw]
    else:
        _assert_refused(reply, "")
    _assert_tenant_healthy(server, 1 if body_depth <= MAX_DEPTH else 0)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("value_depth", [MAX_DEPTH - 3, MAX_DEPTH - 2, 260, 900])
def test_nesting_in_a_batch_is_stored_faithfully_or_refused_with_a_4xx(server: MockServer, route: str, value_depth: int) -> None:
    item = _event(b'{"deep":' + _nested(value_depth) + b"}")
    plain = _event(b'{"n":1}')
    reply = _post(server, "events/batch", b'{"events":[' + plain + b"," + item + b"]}", route)
    if value_depth + 4 <= MAX_DEPTH:  # the batch object and its array sit above the event
        assert reply.json()["accepted"] == 2
        assert sorted(_stored_raw(server)) == sorted([plain, item])
    else:
        _assert_refused(reply, "")
    _assert_tenant_healthy(server, 2 if value_depth + 4 <= MAX_DEPTH else 0)


REFUSED_NUMBERS = [
    b"18446744073709551616",  # 2**64: orjson would keep only a float
    b"123456789012345678901234567890",
    b"-9223372036854775808",  # -2**63: below the documented range
    b"-9223372036854775809",  # rounds to the float -2**63
    b"1e20",
    b"-1.5e300",
    b"1.7e308",
    b"1e400",  # overflows a double
    b"-1e400",
    b"1" + b"0" * 400,
    b"1e-400",  # underflows to 0
    b"-2e-324",
    b"NaN",
    b"Infinity",
    b"-Infinity",
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("number", REFUSED_NUMBERS, ids=[n[:24].decode() for n in REFUSED_NUMBERS])
def test_a_number_that_cannot_be_stored_faithfully_is_refused_alone_and_in_a_batch(
    server: MockServer, route: str, number: bytes
) -> None:
    for properties in (b'{"n":' + number + b"}", b'{"deep":[[{"n":' + number + b"}]]}"):
        _assert_refused(_post(server, "events", _event(properties), route), "")
        batch = b'{"events":[' + _event(b'{"ok":1}') + b"," + _event(properties) + b"]}"
        reply = _post(server, "events/batch", batch, route)
        if reply.status_code == 200:  # judged item by item: the good one is stored, the bad one named
            assert (reply.json()["accepted"], reply.json()["rejected"]) == (1, 1)
            assert reply.json()["errors"][0]["field"].startswith("events[1].properties")
        else:
            _assert_refused(reply, "")
    _assert_tenant_healthy(server, len(_stored_raw(server)))
    assert all(b'"ok":1' in raw for raw in _stored_raw(server))


# (sent, stored as /_mock/events renders it), worked by hand.
KEPT_NUMBERS = [
    (b"18446744073709551615", b"18446744073709551615"),  # 2**64 - 1
    (b"-9223372036854775807", b"-9223372036854775807"),
    (b"9007199254740993", b"9007199254740993"),  # 2**53 + 1: no double holds it, the integer does
    (b"0.1", b"0.1"),
    (b"-0.0", b"-0.0"),
    (b"5e-324", b"5e-324"),  # the smallest subnormal
    (b"1.8446744073709550e+19", b"1.844674407370955e+19"),
    (b'[1,2.5,[3,[4,{"x":-5}]]]', b'[1,2.5,[3,[4,{"x":-5}]]]'),
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("sent", "stored"), KEPT_NUMBERS, ids=[n[:24].decode() for n, _ in KEPT_NUMBERS])
def test_numbers_in_range_are_stored_exactly(server: MockServer, route: str, sent: bytes, stored: bytes) -> None:
    single = _event(b'{"n":' + sent + b"}")
    assert _post(server, "events", single, route).status_code == 200
    assert _post(server, "events/batch", b'{"events":[' + single + b"]}", route).json()["accepted"] == 1
    assert _stored_raw(server) == [_event(b'{"n":' + stored + b"}")] * 2


def test_minus_zero_integer_is_zero(server: MockServer) -> None:
    assert _post(server, "events", _event(b'{"n":-0}'), "fast path").status_code == 200
    assert _stored_raw(server) == [_event(b'{"n":0}')]


@pytest.mark.parametrize("route", ROUTES)
def test_huge_metric_samples_never_make_a_stream_answer_500(server: MockServer, route: str) -> None:
    def playback(value: bytes) -> bytes:
        return (b'{"eventType":"playback","eventName":"playback.started","sessionId":"sess_p","properties":'
                b'{"streamId":"str_big","startupTimeMs":' + value + b"}}")

    for _ in range(2):
        _assert_refused(_post(server, "events", playback(b"1.7e308"), route), "properties.startupTimeMs")
    reply = _post(server, "events/batch", b'{"events":[' + b",".join([playback(b"1.7e308")] * 2) + b"]}", route)
    assert reply.json()["accepted"] == 0
    # Positive control: the largest samples allowed, 100 at once, sum without overflow.
    biggest = b"18446744073709551615"
    batch = b'{"events":[' + b",".join([playback(biggest)] * 100) + b"]}"
    assert _post(server, "events/batch", batch, route).json()["accepted"] == 100
    stream = _get(server, "/api/v1/analytics/stream/str_big?period=1h").json()
    assert stream["quality"]["avgStartupTimeMs"] == 1.8446744073709552e19  # float(2**64 - 1), the mean of equals
    assert stream["quality"]["p95StartupTimeMs"] == 1.8446744073709552e19
    _assert_tenant_healthy(server, 100)


@pytest.mark.parametrize("route", ROUTES)
def test_negative_zero_samples_never_answer_minus_zero(server: MockServer, route: str) -> None:
    for event_name, prop in ((b"playback.started", b"startupTimeMs"), (b"playback.rebuffer", b"durationMs"),
                             (b"playback.quality_changed", b"bitrateKbps")):
        raw = (b'{"eventType":"playback","eventName":"' + event_name + b'","sessionId":"sess_z","properties":'
               b'{"streamId":"str_zero","' + prop + b'":-0.0}}')
        assert _post(server, "events", raw, route).status_code == 200
    reply = _get(server, "/api/v1/analytics/stream/str_zero?period=1h")
    assert b"-0.0" not in reply.content
    quality = reply.json()["quality"]
    assert (quality["avgStartupTimeMs"], quality["rebufferSeconds"], quality["avgBitrateKbps"]) == (0.0, 0.0, 0.0)
