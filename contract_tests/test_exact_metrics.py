"""Layer 5: with the mock's clock control, replayed fixtures give exactly the expected metrics.

Targets without ``/_mock/clock`` (real deployments) skip this layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import has_clock_control
from .exact import HAND_BUILT_NOW, committed_fixtures, compute_expected, differences, hand_built_events, load_fixture, replay
from .kit import Api, Target

CASES = ["hand_built", *(str(p) for p in committed_fixtures())]


@pytest.fixture
def clean_tenant(target: Target) -> Iterator[Api]:
    """Return a client of a freshly reset tenant; hand the clock back to real time afterwards."""
    key = target.second_api_key or target.api_key
    if not has_clock_control(target, key):
        pytest.skip("the target offers no clock control (GET /_mock/clock), so exact metrics cannot be pinned")
    headers = {"Authorization": f"Bearer {key}"}
    requests.post(f"{target.root_url}/_mock/reset", headers=headers, timeout=30).raise_for_status()
    yield Api(target.base_url, key)
    requests.delete(f"{target.root_url}/_mock/clock", headers=headers, timeout=30)
    requests.post(f"{target.root_url}/_mock/reset", headers=headers, timeout=30)


def _case(name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if name == "hand_built":
        events = hand_built_events()
        return events, compute_expected(events, HAND_BUILT_NOW)
    return load_fixture(Path(name))


@pytest.mark.clock
@pytest.mark.parametrize("case", CASES, ids=[Path(c).name for c in CASES])
def test_replayed_fixture_gives_exactly_the_expected_metrics(clean_tenant: Api, target: Target, case: str) -> None:
    events, expected = _case(case)
    frozen = requests.post(f"{target.root_url}/_mock/clock", json={"now": expected["now"]},
                           headers={"Authorization": f"Bearer {clean_tenant.api_key}"}, timeout=30)
    assert frozen.status_code == 200, f"freezing the clock at {expected['now']} failed: {frozen.text}"
    replay(clean_tenant, events)
    problems: list[str] = []
    for stream, periods in expected["streams"].items():
        for period, want in periods.items():
            reply = clean_tenant.stream(stream, period)
            problems += [f"stream {stream} period={period}{d}  [{reply.curl}]" for d in differences(reply.body, want)]
    for period, want in expected["dashboards"].items():
        reply = clean_tenant.dashboard(period=period)
        problems += [f"dashboard period={period}{d}  [{reply.curl}]" for d in differences(reply.body, want)]
    assert not problems, f"{len(problems)} metric(s) differ from {Path(case).name} (clock frozen at {expected['now']}):\n" + "\n".join(problems[:40])
