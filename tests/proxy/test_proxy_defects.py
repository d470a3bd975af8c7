"""The proxy in front of the mock with one planted defect: each is found and named."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from .conftest import AUTH, STREAM, DefectServer, ProxyServer, send_fixture


def _through_proxy(defect: str, args: list[str]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Send the fixture (plus an emoji event) through a proxy; return violations and both drift checks."""
    emoji = {"eventType": "ui", "eventName": "emoji.sent", "sessionId": "sess_e", "properties": {"text": "🎉"}}
    with DefectServer(defect) as upstream, ProxyServer(upstream.base_url, args) as proxy:
        send_fixture(proxy.base_url)
        requests.post(f"{proxy.base_url}/analytics/events", data=json.dumps(emoji, ensure_ascii=False).encode(), timeout=10,
                      headers={**AUTH, "Content-Type": "application/json"})
        requests.get(f"{proxy.base_url}/analytics/dashboards", params={"period": "1d"}, headers=AUTH, timeout=10)
        violations = requests.get(f"{proxy.root_url}/_mock/violations", headers=AUTH, timeout=10).json()
        stream = requests.get(f"{proxy.root_url}/_mock/drift", params={"streamId": STREAM, "period": "24h"}, headers=AUTH, timeout=30).json()
        dashboard = requests.get(f"{proxy.root_url}/_mock/drift", params={"period": "1d"}, headers=AUTH, timeout=30).json()
    return violations, stream["check"], dashboard["check"]


def _named(violations: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(v["side"], v["rule"], v["field"]) for v in violations["violations"]}


def _drifted(*checks: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {d["metric"]: (d["upstream"], d["shadow"]) for c in checks for d in c["differences"]}


# Hand-worked from the fixture (conftest.fixture_events): 3 viewers, never two at once, 60 s each,
# 12 events; the emoji event makes 13 on the dashboard. The documented view says only that
# `metrics` is an object, so the string count is a violation of the full spec (--strict).
EXPECTED: dict[str, tuple[list[str], set[tuple[str, str, str]], dict[str, tuple[Any, Any]]]] = {
    "count_as_string": (["--strict"], {("response", "type", "metrics.totalEvents")}, {}),
    "peak_equals_total": ([], set(), {"peakViewers": (3, 1)}),
    "watch_time_in_ms": ([], set(), {"avgWatchTime": (60000, 60)}),
    "drop_one_in_ten": ([], set(), {"metrics.totalEvents": (12, 13)}),
    "emoji_500": ([], {("response", "server error on a valid request", "")}, {}),
}


@pytest.mark.parametrize("defect", sorted(EXPECTED))
def test_planted_defect_is_named(defect: str) -> None:
    args, wanted_violations, wanted_drift = EXPECTED[defect]
    violations, stream, dashboard = _through_proxy(defect, args)
    assert _named(violations) == wanted_violations
    drifted = _drifted(stream, dashboard)
    for metric, (theirs, ours) in wanted_drift.items():
        assert drifted.get(metric) == (theirs, ours), (metric, drifted)
    if not wanted_drift:  # shape and status defects change no number (the 500'd event reached neither store)
        assert drifted == {} and stream["status"] == dashboard["status"] == "ok"
        return
    checks = {"peakViewers": stream, "avgWatchTime": stream}.get(next(iter(wanted_drift)), dashboard)
    metric, (theirs, ours) = next(iter(wanted_drift.items()))
    assert checks["status"] == "drift"
    assert f"upstream {metric} {theirs}; the same events give {ours}" in [d["message"] for d in checks["differences"]]
