"""The kit never changes a target it did not start: no tenant reset, no clock moved.

A colleague's wave-mock holds the demo fixture with its clock frozen at the fixture's "now".
The kit runs against it without --allow-reset: afterwards every fixture stream still answers
exactly its expected numbers (so no event was lost and the clock is where it was), and
layer 5 says why it skipped. Positive control: with --allow-reset, layer 5 runs and passes,
and still puts the clock back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from wave_mock.resources import fixtures_dir
from wave_mock.testing import MockServer

from .kitrun import KEYS, run_selected

# Two kit subprocesses against one mock; slow only when the machine is loaded.
pytestmark = pytest.mark.timeout(1200)

DEMO = fixtures_dir() / "demo.jsonl"
EXPECTED = json.loads(DEMO.with_suffix(".expected.json").read_text(encoding="utf-8"))
# Layer 4 and 5; the Schemathesis layers are the reporting work's and write only fresh ids too.
BEHAVIOUR = "not conforms_to_the_spec and not linked_calls"


@pytest.fixture(scope="module")
def colleagues_mock() -> Iterator[MockServer]:
    args = [arg for key in KEYS for arg in ("--api-key", key)] + ["--load", str(DEMO), "--load-frozen", "--no-access-log"]
    with MockServer(args) as server:
        yield server


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[0]}"}


def _fixture_state(server: MockServer) -> dict[str, object]:
    """The clock and every fixture stream's analytics, as the first tenant sees them."""
    clock = requests.get(f"{server.root_url}/_mock/clock", headers=_headers(), timeout=10).json()
    streams = {s: {p: requests.get(f"{server.base_url}/analytics/stream/{s}", params={"period": p}, headers=_headers(), timeout=10).json()
                   for p in periods} for s, periods in EXPECTED["streams"].items()}
    return {"clock": clock, "streams": streams}


def test_kit_without_allow_reset_keeps_the_fixture_and_the_frozen_clock(colleagues_mock: MockServer, tmp_path: Path) -> None:
    before = _fixture_state(colleagues_mock)
    assert before["clock"] == {"now": EXPECTED["now"], "frozen": True}
    assert before["streams"] == EXPECTED["streams"], "the loaded mock answers the fixture's numbers before the run"
    run = run_selected(colleagues_mock.base_url, BEHAVIOUR, tmp_path / "kit.xml")
    assert run.returncode == 0, run.output[-4000:]
    assert "layer 5 resets a tenant and freezes the clock" in run.output, run.output[-3000:]
    assert _fixture_state(colleagues_mock) == before, "the kit changed the fixture's data or the clock"


def test_kit_with_allow_reset_runs_exact_metrics_and_puts_the_clock_back(colleagues_mock: MockServer, tmp_path: Path) -> None:
    before = _fixture_state(colleagues_mock)
    run = run_selected(colleagues_mock.base_url, "exact", tmp_path / "kit.xml", "--allow-reset")
    assert run.returncode == 0 and " passed" in run.output and "skipped" not in run.output, run.output[-3000:]
    # Layer 5 resets the second key's tenant only; the fixture lives in the first.
    assert _fixture_state(colleagues_mock) == before
