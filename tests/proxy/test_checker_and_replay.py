"""The checker and the offline replay, without servers (hand-built exchanges)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from wave_mock.cli import main
from wave_mock.har import Exchange, jsonl_line
from wave_mock.proxy.checker import STATUS_NOT_DOCUMENTED, Checker
from wave_mock.proxy.drift import differences

JSON = [("Content-Type", "application/json")]


def test_an_undocumented_status_is_named() -> None:
    checker = Checker.for_spec(strict=False)
    found = checker.check("GET", "/api/v1/analytics/dashboards", [], None, b"", 201, "application/json", b"{}")
    assert [(v.side, v.rule) for v in found] == [("response", STATUS_NOT_DOCUMENTED)]
    assert checker.check("GET", "/api/v1/analytics/dashboards", [], None, b"", 401, "application/json",
                         b'{"error": {"status": 401, "code": "unauthorized", "message": "no"}}') == []  # control


def test_differences_compare_integers_exactly_and_floats_within_tolerance() -> None:
    upstream = {"peakViewers": 12, "avgWatchTime": 60.5, "quality": {"rebufferRatio": 0.1}}
    shadow = {"peakViewers": 9, "avgWatchTime": 60.0, "quality": {"rebufferRatio": 0.1}}
    found = differences(upstream, shadow, tolerance=0.01)
    assert [str(d) for d in found] == ["upstream peakViewers 12; the same events give 9"]
    assert [d.metric for d in differences(upstream, shadow, tolerance=0.001)] == ["peakViewers", "avgWatchTime"]


def test_top_events_are_compared_by_name_not_by_position() -> None:
    shadow = {"metrics": {"topEvents": [{"eventName": "a", "count": 5}, {"eventName": "b", "count": 4}]}}
    swapped = {"metrics": {"topEvents": [{"eventName": "b", "count": 5}, {"eventName": "a", "count": 4}]}}
    found = differences(swapped, shadow, tolerance=0.01)  # by position every count would match
    assert sorted(str(d) for d in found) == ["upstream metrics.topEvents[a].count 4; the same events give 5",
                                             "upstream metrics.topEvents[b].count 5; the same events give 4"]
    assert differences(shadow, shadow, tolerance=0.01) == []  # control: the same list is no drift


def test_replay_exits_non_zero_naming_each_violation(tmp_path: Path) -> None:
    bad = Exchange(started=0.0, method="POST", url="http://up/api/v1/analytics/events", request_headers=JSON,
                   request_body=json.dumps({"eventType": "ui", "eventName": "x"}).encode(), status=200,
                   response_headers=JSON, response_body=b'{"success": "yes"}', duration_ms=1.0)
    good = Exchange(started=0.0, method="POST", url="http://up/api/v1/analytics/events", request_headers=JSON,
                    request_body=json.dumps({"eventType": "ui", "eventName": "x", "sessionId": "s"}).encode(), status=200,
                    response_headers=JSON, response_body=b'{"success": true}', duration_ms=1.0)
    recording = tmp_path / "traffic.jsonl"
    recording.write_text(jsonl_line(good) + "\n" + jsonl_line(bad) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["contract", "--replay", str(recording)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "#2 POST /api/v1/analytics/events -> 200",
        "   request sessionId: is required (required)",
        "   response success: must be of type boolean (type)",
        "2 violations in 1 of 2 exchanges (documented view)",
    ]
