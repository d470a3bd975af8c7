"""Real processes for the proxy tests: an upstream (the mock, or the mock with one planted
defect) and ``wave-mock proxy`` in front of it; plus the small fixture they all receive."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

import pytest
import requests

from wave_mock.testing import MockServer
from wave_mock.timeutil import format_rfc3339

KEY = "proxy_test_key_7f3a"
AUTH = {"Authorization": f"Bearer {KEY}"}
STREAM = "str_proxy_1"


class ProxyServer(MockServer):
    """``wave-mock proxy`` in front of ``upstream`` (a base URL)."""

    def __init__(self, upstream: str, args: Sequence[str] = (), log_path: Path | None = None) -> None:
        super().__init__(args, log_path=log_path)
        self.upstream = upstream

    def command(self) -> list[str]:
        return [sys.executable, "-m", "wave_mock", "proxy", "--upstream", self.upstream, "--port", str(self.port),
                "--settle", "0.5", *self.args]


class DefectServer(MockServer):
    """The mock with one planted defect (``python -m wave_mock.defects``), as the kit's tests use it."""

    def __init__(self, defect: str) -> None:
        super().__init__(["--api-key", KEY])
        self.defect = defect

    def command(self) -> list[str]:
        return [sys.executable, "-m", "wave_mock.defects", "serve", "--defect", self.defect, "--port", str(self.port), *self.args]


def fixture_events(now: float) -> list[dict[str, Any]]:
    """Twelve events an hour old: three viewers one after another, a minute each, plus page views.

    Worked by hand: totalViewers 3, peakViewers 1 (never two at once), avgWatchTime 60 s,
    totalEvents 12. Index 9 is a page view, so a pipeline that drops every 10th event changes
    the event count and no stream number.
    """
    t0 = now - 3600

    def event(name: str, at: float, viewer: str | None = None, kind: str = "stream") -> dict[str, Any]:
        body: dict[str, Any] = {"eventType": kind, "eventName": name, "sessionId": f"sess_{viewer or 'host'}",
                                "timestamp": format_rfc3339(at), "properties": {"streamId": STREAM}}
        if viewer:
            body["userId"] = viewer
        return body

    viewers = [event("stream.started", t0)]
    for n, viewer in enumerate(("v1", "v2", "v3")):
        viewers += [event("viewer.joined", t0 + 100 + 120 * n, viewer), event("viewer.left", t0 + 160 + 120 * n, viewer)]
    pages = [{"eventType": "ui", "eventName": "page.viewed", "sessionId": f"sess_p{n}", "timestamp": format_rfc3339(t0 + 10 * n)}
             for n in range(5)]
    return viewers[:7] + pages[:2] + pages[2:3] + pages[3:]  # index 9 is pages[2]


def send_fixture(base: str) -> list[requests.Response]:
    """Send the fixture through ``base``: the first event alone, the rest in one batch."""
    events = fixture_events(time.time())
    first = requests.post(f"{base}/analytics/events", json=events[0], headers=AUTH, timeout=10)
    rest = requests.post(f"{base}/analytics/events/batch", json={"events": events[1:]}, headers=AUTH, timeout=10)
    return [first, rest]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MockServer, ProxyServer, Path]]:
    """A real mock and a recording proxy in front of it."""
    har = tmp_path_factory.mktemp("proxy") / "traffic.har"
    with MockServer(["--api-key", KEY, "--no-access-log"]) as mock:
        with ProxyServer(mock.base_url, ["--record", str(har)]) as proxy:
            yield mock, proxy, har
