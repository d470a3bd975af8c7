"""The official ``wave-sdk`` (2.2.0) against a real mock process, through its compatibility routes.

Its ``pulse`` module calls ``{base}/v1/analytics/dashboards`` and ``.../streams/{id}``;
with ``base_url=http://HOST:PORT`` those are the mock's ``/v1`` aliases, and with
``.../api`` the ``/api/v1`` paths plus the ``streams`` alias. Numbers are hand-worked.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
import requests
from wave_sdk import Wave
from wave_sdk.client import WaveError

from wave_mock.testing import MockServer

KEY = "sdk-key"
NOW = "2026-11-20T12:00:00Z"


def ev(name: str, at: str, session: str, user: str | None = None) -> dict[str, Any]:
    body = {"eventType": "stream", "eventName": name, "sessionId": session, "timestamp": at,
            "properties": {"streamId": "str_sdk"}}
    if user:
        body["userId"] = user
    return body


# Live 11:00-11:50; viewer a watches 11:10-11:40 (left), b 11:20-11:50 (closed by stream.ended).
EVENTS = [
    ev("stream.started", "2026-11-20T11:00:00Z", "sess_host"),
    ev("viewer.joined", "2026-11-20T11:10:00Z", "sess_a", "a"),
    ev("viewer.joined", "2026-11-20T11:20:00Z", "sess_b", "b"),
    ev("viewer.left", "2026-11-20T11:40:00Z", "sess_a", "a"),
    ev("stream.ended", "2026-11-20T11:50:00Z", "sess_host"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(["--api-key", KEY, "--no-access-log"]) as running:
        auth = {"Authorization": f"Bearer {KEY}"}
        requests.post(f"{running.root_url}/_mock/clock", json={"now": NOW}, headers=auth).raise_for_status()
        sent = requests.post(f"{running.base_url}/analytics/events/batch", json={"events": EVENTS}, headers=auth)
        assert sent.json()["accepted"] == 5, sent.text
        yield running


@pytest.fixture(params=["root", "api"])
def sdk(request: pytest.FixtureRequest, server: MockServer) -> Iterator[Wave]:
    base = server.root_url if request.param == "root" else f"{server.root_url}/api"
    client = Wave(api_key=KEY, base_url=base, max_retries=0)
    yield client
    client.client.close()


def test_stream_analytics_through_the_sdk(sdk: Wave) -> None:
    stream = sdk.pulse.get_stream_analytics("str_sdk", period="24h")
    assert stream["streamId"] == "str_sdk"
    assert stream["totalViewers"] == 2  # a and b
    assert stream["peakViewers"] == 2  # both watch 11:20-11:40
    assert stream["avgWatchTime"] == 1800.0  # (30 min + 30 min) / 2
    assert stream["totalDuration"] == 3000.0  # live 11:00-11:50
    assert stream["isLive"] is False


def test_dashboard_through_the_sdk(sdk: Wave) -> None:
    dashboard = sdk.pulse.list_dashboards(period="1d")
    metrics = dashboard["metrics"]
    assert dashboard["period"] == "1d"
    assert metrics["totalEvents"] == 5
    assert metrics["uniqueSessions"] == 3  # sess_host, sess_a, sess_b
    assert metrics["uniqueUsers"] == 3  # a, b, and sess_host (no userId: the session is the viewer key)
    assert metrics["streamsStarted"] == 1
    assert metrics["totalViewers"] == 2
    assert metrics["peakConcurrentViewers"] == 2
    assert metrics["totalWatchTime"] == 3600.0
    assert metrics["avgWatchTime"] == 1800.0


def test_sdk_errors_carry_the_request_id_and_the_mocks_message(server: MockServer) -> None:
    client = Wave(api_key=KEY, base_url=server.root_url, max_retries=0)
    with pytest.raises(WaveError) as missing:
        client.pulse.get_stream_analytics("str_never")
    assert missing.value.status_code == 404
    assert missing.value.message == "Unknown stream 'str_never': no event was ever sent for it with this API key."
    assert missing.value.code == "not_found"
    assert missing.value.request_id and missing.value.request_id.startswith("req_")
    stranger = Wave(api_key="wrong-key", base_url=server.root_url, max_retries=0)
    with pytest.raises(WaveError) as unauthorized:
        stranger.pulse.list_dashboards()
    assert unauthorized.value.status_code == 401 and unauthorized.value.message == "Unknown API key."
    assert unauthorized.value.request_id.startswith("req_")
    assert unauthorized.value.request_id != missing.value.request_id
    # A 400's field errors reach the SDK's details.
    with pytest.raises(WaveError) as bad:
        client.pulse.list_dashboards(period="2d")
    assert bad.value.status_code == 400 and bad.value.details[0]["field"] == "period"
