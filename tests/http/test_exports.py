"""``/_mock/events?format=ndjson|har`` against real servers, and the exchange log's bounds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from click.testing import CliRunner

from wave_mock.app import create_app
from wave_mock.fixtures.cli import fixtures_group
from wave_mock.testing import MockServer

NOW = "2026-11-20T12:00:00Z"
KEY, OTHER, ADMIN = "key-export-a", "key-export-b", "admin-export"


def ev(name: str, at: str, session: str = "sess_1", **props: Any) -> dict[str, Any]:
    return {"eventType": "stream", "eventName": name, "sessionId": session, "timestamp": at,
            "properties": {"streamId": "str_1", **props}}


SENT = [
    ev("stream.started", "2026-11-20T11:00:00Z", protocol="webrtc"),
    ev("viewer.joined", "2026-11-20T11:10:00Z", session="sess_a", note="ünïcode ✓"),
    ev("viewer.left", "2026-11-20T11:40:00Z", session="sess_a"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY, "--api-key", OTHER, "--admin-token", ADMIN, "--no-access-log"]) as running:
        yield running


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def fill(server: MockServer, key: str = KEY) -> None:
    """Reset ``key``'s tenant, freeze its clock at NOW, send SENT (one single, one batch) and one bad event."""
    requests.post(f"{server.root_url}/_mock/reset", headers=auth(key)).raise_for_status()
    requests.post(f"{server.root_url}/_mock/clock", json={"now": NOW}, headers=auth(key)).raise_for_status()
    assert requests.post(f"{server.base_url}/analytics/events", json=SENT[0], headers=auth(key)).status_code == 200
    batch = {"events": SENT[1:] + [{"eventType": "stream"}]}
    assert requests.post(f"{server.base_url}/analytics/events/batch", json=batch, headers=auth(key)).json()["accepted"] == 2


def test_ndjson_is_the_bodies_as_sent_oldest_first_and_replays(server: MockServer, tmp_path: Path) -> None:
    fill(server)
    answer = requests.get(f"{server.root_url}/_mock/events", params={"format": "ndjson"}, headers=auth())
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/x-ndjson"
    assert [json.loads(line) for line in answer.text.splitlines()] == SENT
    # Round trip: replay the export into another tenant (clock frozen alike), which then holds the same bodies.
    exported = tmp_path / "export.jsonl"
    exported.write_bytes(answer.content)
    requests.post(f"{server.root_url}/_mock/reset", headers=auth(OTHER)).raise_for_status()
    requests.post(f"{server.root_url}/_mock/clock", json={"now": NOW}, headers=auth(OTHER)).raise_for_status()
    result = CliRunner().invoke(fixtures_group, ["replay", str(exported), "--base-url", server.base_url,
                                                 "--api-key", OTHER, "--no-progress"])
    assert result.exit_code == 0, result.output
    again = requests.get(f"{server.root_url}/_mock/events", params={"format": "ndjson"}, headers=auth(OTHER))
    assert [json.loads(line) for line in again.text.splitlines()] == SENT
    # The same stream numbers on both tenants (hand-worked: one session 11:10-11:40, live 11:00-12:00).
    for key in (KEY, OTHER):
        stream = requests.get(f"{server.base_url}/analytics/stream/str_1", params={"period": "1h"}, headers=auth(key)).json()
        assert (stream["totalViewers"], stream["avgWatchTime"], stream["totalDuration"]) == (1, 1800.0, 3600.0)


def test_ndjson_export_loads_with_serve_load(server: MockServer, tmp_path: Path) -> None:
    fill(server)
    exported = tmp_path / "export.jsonl"
    exported.write_bytes(requests.get(f"{server.root_url}/_mock/events?format=ndjson", headers=auth()).content)
    with MockServer(["--load", str(exported), "--no-access-log"]) as loaded:
        listed = requests.get(f"{loaded.root_url}/_mock/events", headers=auth("wave_dev_key")).json()["events"]
    # --load may move timestamps to the real now; names, sessions and properties stay as sent.
    shape = [(e["event"]["eventName"], e["event"]["sessionId"], e["event"]["properties"]) for e in reversed(listed)]
    assert shape == [(e["eventName"], e["sessionId"], e["properties"]) for e in SENT]


def test_ndjson_filters_and_limit(server: MockServer) -> None:
    fill(server)
    url = f"{server.root_url}/_mock/events"
    joined = requests.get(url, params={"format": "ndjson", "eventName": "viewer.joined"}, headers=auth()).text
    assert [json.loads(x)["eventName"] for x in joined.splitlines()] == ["viewer.joined"]
    newest = requests.get(url, params={"format": "ndjson", "limit": 2}, headers=auth()).text
    assert [json.loads(x)["eventName"] for x in newest.splitlines()] == ["viewer.joined", "viewer.left"]
    bad = requests.get(url, params={"format": "xml"}, headers=auth())
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["field"] == "format"


def test_har_holds_the_exchanges_with_keys_redacted(server: MockServer) -> None:
    fill(server)
    requests.get(f"{server.base_url}/analytics/stream/nope", headers=auth())  # a 404 is an exchange too
    answer = requests.get(f"{server.root_url}/_mock/events", params={"format": "har"}, headers=auth())
    assert answer.status_code == 200
    entries = answer.json()["log"]["entries"]
    # The reset cleared this tenant's log, so: the two POSTs and the 404 (admin calls are not WAVE exchanges).
    assert [(e["request"]["method"], e["request"]["url"].split(server.root_url)[1], e["response"]["status"]) for e in entries] == [
        ("POST", "/api/v1/analytics/events", 200),
        ("POST", "/api/v1/analytics/events/batch", 200),
        ("GET", "/api/v1/analytics/stream/nope", 404),
    ]
    assert json.loads(entries[0]["request"]["postData"]["text"]) == SENT[0]
    assert json.loads(entries[1]["response"]["content"]["text"])["rejected"] == 1
    assert entries[0]["startedDateTime"].startswith("2026-11-20T12:00:00")  # the tenant's frozen clock
    headers = {h["name"]: h["value"] for h in entries[0]["request"]["headers"]}
    assert headers["Authorization"] == "***" and KEY not in answer.text
    response_headers = {h["name"] for h in entries[2]["response"]["headers"]}
    assert "X-Request-Id" in response_headers
    assert entries[0]["time"] >= 0
    # The other tenant's log is its own.
    requests.post(f"{server.root_url}/_mock/reset", headers=auth(OTHER)).raise_for_status()
    other = requests.get(f"{server.root_url}/_mock/events?format=har", headers=auth(OTHER)).json()
    assert other["log"]["entries"] == []


def test_the_inspection_pages_own_reads_stay_out_of_the_har(server: MockServer) -> None:
    fill(server)
    page = {**auth(), "X-Wave-Mock-Inspector": "page"}  # what the page's api.js sends
    for path in ("/analytics/dashboards?period=1d", "/analytics/stream/str_1?period=24h"):
        assert requests.get(f"{server.base_url}{path}", headers=page).status_code == 200
    har = lambda: requests.get(f"{server.root_url}/_mock/events?format=har", headers=auth()).json()["log"]["entries"]  # noqa: E731
    assert [e["request"]["method"] for e in har()] == ["POST", "POST"]  # fill's two, not the page's reads
    # Positive control: the same read without the mark is logged.
    requests.get(f"{server.base_url}/analytics/dashboards?period=1d", headers=auth())
    assert [e["request"]["method"] for e in har()] == ["POST", "POST", "GET"]


def app(**config: Any):
    return create_app({"API_KEYS": [KEY], "ADMIN_TOKEN": ADMIN, **config})


def test_exchange_log_keeps_the_newest_n() -> None:
    client = app(EXCHANGES=3).test_client()
    for n in range(5):
        client.get(f"/api/v1/analytics/stream/s{n}", headers=auth())
    entries = client.get("/_mock/events?format=har", headers=auth()).get_json()["log"]["entries"]
    assert [e["request"]["url"].rsplit("/", 1)[1] for e in entries] == ["s2", "s3", "s4"]
    limited = client.get("/_mock/events?format=har&limit=1", headers=auth()).get_json()["log"]["entries"]
    assert [e["request"]["url"].rsplit("/", 1)[1] for e in limited] == ["s4"]


def test_exchange_log_bounds_bytes() -> None:
    from wave_mock.http.exchanges import ExchangeLog, Record
    from wave_mock.http.helpers import BODY_KEY

    log = ExchangeLog(limit=100, max_bytes=1000)
    for n in range(5):
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": f"/p{n}", BODY_KEY: b"x" * 400}
        log.add("t", Record(0.0, environ, "200 OK", [], b"", 1.0, 400))
    assert [e.url.rsplit("/", 1)[1] for e in log.exchanges("t")] == ["p3", "p4"]  # 2 x 400 <= 1000 < 3 x 400


def test_exchanges_off_is_a_clear_409() -> None:
    client = app(EXCHANGES=0).test_client()
    client.get("/api/v1/analytics/stream/s1", headers=auth())
    answer = client.get("/_mock/events?format=har", headers=auth())
    assert answer.status_code == 409 and "--exchanges 0" in answer.get_json()["error"]["message"]
    # Positive control: the same app still exports events.
    assert client.get("/_mock/events?format=ndjson", headers=auth()).status_code == 200
