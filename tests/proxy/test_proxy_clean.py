"""The proxy in front of a clean wave-mock: traffic passes unchanged, nothing is reported."""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests
from click.testing import CliRunner
from haralyzer import HarParser

from wave_mock.cli import main
from wave_mock.testing import MockServer

from .conftest import AUTH, KEY, STREAM, ProxyServer, send_fixture


def test_clean_upstream_gives_no_violations_and_no_drift(clean: tuple[MockServer, ProxyServer, Path]) -> None:
    mock, proxy, _ = clean
    sent = send_fixture(proxy.base_url)
    assert [r.status_code for r in sent] == [200, 200]
    assert sent[1].json()["accepted"] == 11
    stream = requests.get(f"{proxy.base_url}/analytics/stream/{STREAM}", params={"period": "24h"}, headers=AUTH, timeout=10)
    dashboard = requests.get(f"{proxy.base_url}/analytics/dashboards", params={"period": "1d"}, headers=AUTH, timeout=10)
    # The upstream's own answers, unchanged, with the hand-worked numbers (positive control: data landed).
    direct = requests.get(f"{mock.base_url}/analytics/stream/{STREAM}", params={"period": "24h"}, headers=AUTH, timeout=10)
    live = ("totalDuration",)  # the stream is live: its duration grows between the two reads
    assert {k: v for k, v in stream.json().items() if k not in live} == {k: v for k, v in direct.json().items() if k not in live}
    assert (stream.json()["totalViewers"], stream.json()["peakViewers"], stream.json()["avgWatchTime"]) == (3, 1, 60)
    assert dashboard.json()["metrics"]["totalEvents"] == 12
    # A relayed answer keeps the upstream's one X-Request-Id (the mock echoes the client's).
    traced = requests.get(f"{proxy.base_url}/analytics/dashboards", params={"period": "1d"}, timeout=10,
                          headers={**AUTH, "X-Request-Id": "trace-7"})
    assert traced.raw.headers.getlist("X-Request-Id") == ["trace-7"]
    assert {r.headers["X-Wave-Contract"] for r in [*sent, stream, dashboard]} == {"ok"}

    violations = requests.get(f"{proxy.root_url}/_mock/violations", headers=AUTH, timeout=10).json()
    assert violations["summary"]["exchanges"] >= 4 and violations["summary"]["violations"] == 0
    for query in ({"streamId": STREAM, "period": "24h"}, {"period": "1d"}):
        drift = requests.get(f"{proxy.root_url}/_mock/drift", params=query, headers=AUTH, timeout=30).json()
        assert drift["check"]["status"] == "ok", drift["check"]
        assert "docs/metrics.md" in drift["meaning"]
    # The reads that passed through were compared too (in the background).
    history = _drift_history(proxy, at_least=4)
    assert len(history) >= 4 and {h["status"] for h in history} == {"ok"}


def _drift_history(proxy: ProxyServer, at_least: int) -> list[dict]:
    """Poll the proxy's drift history (checks run in the background) until it holds ``at_least`` reports, or 10 s."""
    deadline = time.monotonic() + 10
    while True:
        history = requests.get(f"{proxy.root_url}/_mock/drift", headers=AUTH, timeout=10).json()["history"]
        if len(history) >= at_least or time.monotonic() >= deadline:
            return history
        time.sleep(0.2)


def test_the_recording_opens_in_a_har_reader_without_the_key(clean: tuple[MockServer, ProxyServer, Path]) -> None:
    mock, proxy, har = clean
    reply = requests.post(f"{proxy.base_url}/analytics/events?apiKey={KEY}", headers=AUTH,
                          json={"eventType": "ui", "eventName": "key.in.body", "sessionId": "s", "properties": {"note": KEY}}, timeout=10)
    # Positive control: the key went upstream (the mock accepted it) and sits in the live request.
    assert reply.status_code == 200 and KEY in reply.request.headers["Authorization"] and KEY in reply.request.url
    text = har.read_text(encoding="utf-8")
    assert KEY not in text
    parser = HarParser(json.loads(text))  # haralyzer refuses a document that is not HAR
    entries = parser.har_data["entries"]
    assert parser.creator["name"] == "wave-mock" and len(entries) >= 1
    last = entries[-1]
    assert last["request"]["method"] == "POST" and "key.in.body" in last["request"]["postData"]["text"]
    assert {h["name"].lower(): h["value"] for h in last["request"]["headers"]}["authorization"] == "***"
    assert parser.pages == [] or parser.pages is not None


def test_replay_of_a_clean_recording_passes(clean: tuple[MockServer, ProxyServer, Path]) -> None:
    _, _, har = clean
    result = CliRunner().invoke(main, ["contract", "--replay", str(har)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 violations in ")


def test_cors_preflight_is_answered_like_the_mock(clean: tuple[MockServer, ProxyServer, Path]) -> None:
    _, proxy, _ = clean
    origin = "http://localhost:5173"
    preflight = requests.options(f"{proxy.base_url}/analytics/events", timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    refused = requests.options(f"{proxy.base_url}/analytics/events", timeout=10,
                               headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "POST"})
    assert refused.status_code == 403 and refused.json()["error"]["code"]


def test_bad_json_gets_the_mocks_4xx_not_a_5xx(clean: tuple[MockServer, ProxyServer, Path]) -> None:
    _, proxy, _ = clean
    reply = requests.post(f"{proxy.base_url}/analytics/events", data=b"{not json", timeout=10,
                          headers={**AUTH, "Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "validation_failed"
    assert reply.headers["X-Wave-Contract"] == "1 violation"


def test_the_inspection_pages_own_requests_are_answered_but_not_counted(tmp_path: Path) -> None:
    page = {**AUTH, "X-Wave-Mock-Inspector": "page"}  # what the page's api.js sends
    har = tmp_path / "page.har"
    with MockServer(["--api-key", KEY, "--no-access-log"]) as mock, ProxyServer(mock.base_url, ["--record", str(har)]) as proxy:
        send_fixture(proxy.base_url)  # 2 exchanges, counted
        for _ in range(3):
            read = requests.get(f"{proxy.base_url}/analytics/dashboards", params={"period": "1d"}, headers=page, timeout=10)
            assert read.status_code == 200 and read.headers["X-Wave-Contract"] == "ok"
            assert read.json()["metrics"]["totalEvents"] == 12
        streams = requests.get(f"{proxy.root_url}/_mock/streams", headers=page, timeout=10)
        assert streams.status_code == 200
        summary = requests.get(f"{proxy.root_url}/_mock/violations", headers=AUTH, timeout=10).json()["summary"]
        assert summary["exchanges"] == 2
        assert len(HarParser(json.loads(har.read_text(encoding="utf-8"))).har_data["entries"]) == 2
        # Positive control: the same read without the mark is counted, recorded and compared.
        requests.get(f"{proxy.base_url}/analytics/dashboards", params={"period": "1d"}, headers=AUTH, timeout=10)
        summary = requests.get(f"{proxy.root_url}/_mock/violations", headers=AUTH, timeout=10).json()["summary"]
        assert summary["exchanges"] == 3
        assert len(HarParser(json.loads(har.read_text(encoding="utf-8"))).har_data["entries"]) == 3
        history = _drift_history(proxy, at_least=1)
        assert len(history) == 1 and history[0]["status"] == "ok"
