"""Layer 5 helpers: fixtures with expected metrics, replay through the batch API, comparison."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from .kit import Api, rfc3339

HAND_BUILT_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
# Worked by hand, not computed: see hand_built.md for the arithmetic.
HAND_BUILT_EXPECTED = Path(__file__).with_name("hand_built.expected.json")
STREAM_PERIODS = ("1h", "24h", "7d", "30d")
DASHBOARD_PERIODS = ("1d", "7d", "30d", "90d")


def committed_fixtures() -> list[Path]:
    """Return the committed fixture files that have an ``.expected.json`` next to them."""
    try:
        from wave_mock.resources import fixtures_dir

        root = fixtures_dir()
    except (ImportError, FileNotFoundError):
        return []
    files = sorted(root.glob("scenarios/*.jsonl")) + sorted(root.glob("*.jsonl"))
    return [f for f in files if expected_path(f).exists()]


def expected_path(fixture: Path) -> Path:
    return fixture.with_suffix(".expected.json")


def load_fixture(fixture: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return a committed fixture's events and expected metrics."""
    events = [json.loads(line) for line in fixture.read_text(encoding="utf-8").splitlines() if line.strip()]
    return events, json.loads(expected_path(fixture).read_text(encoding="utf-8"))


def hand_built() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the hand-built scenario and its expected metrics, worked by hand in hand_built.md."""
    expected = json.loads(HAND_BUILT_EXPECTED.read_text(encoding="utf-8"))
    return hand_built_events(), expected


def hand_built_events() -> list[dict[str, Any]]:
    """Build the small three-stream scenario of hand_built.md around HAND_BUILT_NOW."""
    def at(minutes_ago: int, name: str, session: str, stream: str, etype: str = "stream", platform: str | None = None, **props: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"eventType": etype, "eventName": name, "sessionId": session,
                                "properties": {"streamId": stream, **props},
                                "timestamp": rfc3339(HAND_BUILT_NOW - timedelta(minutes=minutes_ago))}
        if platform:
            body["platform"] = platform
        return body

    return [
        at(180, "stream.started", "host_a", "str_a"),
        at(170, "viewer.joined", "s1", "str_a"),
        at(169, "playback.started", "s1", "str_a", "playback", startupTimeMs=730),
        at(160, "viewer.joined", "s2", "str_a", platform="ios"),
        at(150, "viewer.joined", "s5", "str_a"),
        at(140, "viewer.left", "s5", "str_a"),
        at(120, "playback.rebuffer", "s2", "str_a", "playback", durationMs=1500),
        at(100, "viewer.left", "s1", "str_a"),
        at(90, "playback.quality_changed", "s2", "str_a", "playback", bitrateKbps=2750),
        at(30, "viewer.joined", "s3", "str_a"),
        at(60 * 30, "stream.started", "host_b", "str_b"),
        at(60 * 29, "viewer.joined", "s4", "str_b", platform="android"),
        at(60 * 28, "playback.error", "s4", "str_b", "playback", fatal=True),
        at(60 * 27, "viewer.left", "s4", "str_b"),
        at(60 * 26, "stream.ended", "host_b", "str_b"),
        at(60 * 24 * 10, "page.viewed", "s9", "str_c", "page"),
    ]


def replay(api: Api, events: list[dict[str, Any]]) -> None:
    """Send events through the batch API, 100 at a time; every one must be accepted."""
    for start in range(0, len(events), 100):
        chunk = events[start:start + 100]
        reply = api.batch(chunk)
        assert reply.status == 200 and reply.body.get("accepted") == len(chunk), reply.explain(f"replaying events {start}..{start + len(chunk) - 1}: all are accepted")


def differences(got: Any, want: Any, path: str = "") -> Iterator[str]:
    """Yield every place where ``got`` differs from ``want`` (floats to 1e-3)."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(want) | set(got)):
            if key not in got:
                yield f"{path}.{key}: missing (expected {want[key]!r})"
            elif key in want:
                yield from differences(got[key], want[key], f"{path}.{key}")
        return
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (g, w) in enumerate(zip(got, want)):
            yield from differences(g, w, f"{path}[{i}]")
        return
    numbers = (int, float)
    if isinstance(want, numbers) and isinstance(got, numbers) and not isinstance(want, bool) and not isinstance(got, bool):
        if type(want) is int and type(got) is not int:
            yield f"{path}: expected the integer {want!r}, got {got!r}"
        elif not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-3):
            yield f"{path}: expected {want!r}, got {got!r}"
        return
    if got != want:
        yield f"{path}: expected {want!r}, got {got!r}"
