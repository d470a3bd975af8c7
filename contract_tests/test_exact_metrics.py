"""Layer 5: with the mock's clock control, replayed fixtures give exactly the expected metrics.

Expected numbers come from outside the implementation: the hand-built scenario's file was
worked by hand (hand_built.md), the committed fixtures carry their ``.expected.json``.

Never destructive: this layer resets a tenant and freezes the clock, so it runs only on the
kit's own mock or with ``--allow-reset``; it puts the clock back as it found it. Targets
without ``/_mock/clock`` (real deployments) skip it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .exact import committed_fixtures, differences, hand_built, load_fixture, replay
from .kit import Api, Target

CASES = ["hand_built", *(str(p) for p in committed_fixtures())]


@pytest.fixture
def clean_tenant(api: Api, target: Target) -> Iterator[Api]:
    """Return a client of a freshly reset tenant; put the clock back as it was afterwards."""
    if not (target.local or target.allow_reset):
        pytest.skip("layer 5 resets a tenant and freezes the clock: it runs on the kit's own mock, "
                    "or on this target only with --allow-reset")
    client = api.with_key(target.second_api_key or target.api_key)
    clock = client.admin("GET", target.root_url, "/clock")
    if clock.status != 200 or "frozen" not in (clock.body or {}):
        pytest.skip("the target offers no clock control (GET /_mock/clock), so exact metrics cannot be pinned")
    _admin_ok(client.admin("POST", target.root_url, "/reset"), "resetting the tenant")
    yield client
    restore = client.admin("POST", target.root_url, "/clock", {"now": clock.body["now"]}) if clock.body["frozen"] \
        else client.admin("DELETE", target.root_url, "/clock")
    client.admin("POST", target.root_url, "/reset")
    _admin_ok(restore, "putting the clock back")


def _admin_ok(reply: Any, what: str) -> None:
    assert reply.status == 200, reply.explain(f"{what} failed")


def _case(name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return hand_built() if name == "hand_built" else load_fixture(Path(name))


@pytest.mark.clock
@pytest.mark.parametrize("case", CASES, ids=[Path(c).name for c in CASES])
def test_replayed_fixture_gives_exactly_the_expected_metrics(clean_tenant: Api, target: Target, case: str) -> None:
    events, expected = _case(case)
    _admin_ok(clean_tenant.admin("POST", target.root_url, "/clock", {"now": expected["now"]}), f"freezing the clock at {expected['now']}")
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
