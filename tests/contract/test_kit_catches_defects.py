"""The contract kit fails against each planted defect, naming the broken rule, and passes on the clean mock.

Every defective server runs in its own process and the kit runs against it in a subprocess
(quick profile, only the layer that should catch it, via -k), three at a time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from wave_mock.defects import DEFECTS
from wave_mock.testing import free_port

from .kitrun import KEYS, KitRun, run_selected

# 14 kit subprocesses, three at a time; on a loaded 2-core machine each spends most of a minute starting.
pytestmark = pytest.mark.timeout(1500)

# defect -> (-k expression selecting the catching tests, text the failure report must contain)
CATCHES: dict[str, tuple[str, str]] = {
    "auth_ignored": ("without_valid_key", "test_event_without_valid_key_is_rejected_with_401_and_not_stored"),
    "required_field_accepted": ("missing_required_field", "test_event_missing_required_field_is_rejected_with_400"),
    "batch_limit_ignored": ("batch_of_101", "test_batch_of_101_events_is_rejected_with_400_and_nothing_stored"),
    "count_as_string": ("conforms_to_the_spec", "Response violates schema"),
    "watch_time_in_ms": ("avg_watch_time", "test_avg_watch_time_is_in_seconds_and_plausible"),
    "peak_equals_total": ("exact_viewer_counts", "test_join_leave_sequence_gives_exact_viewer_counts"),
    "period_ignored": ("period_excludes", "test_dashboard_period_excludes_events_older_than_it"),
    "tenants_share_data": ("second_key", "test_second_key_cannot_read_first_keys_stream"),
    "metric_filter_ignored": ("metric_filter", "test_metric_filter_returns_only_that_metric"),
    "wrong_rejected_count": ("mixed_batch", "test_mixed_batch_reports_right_counts_and_per_event_errors"),
    "emoji_500": ("emoji", "test_emoji_event_name_is_counted_in_top_events"),
    "drop_one_in_ten": ("grow_by_exactly", "test_dashboard_counts_grow_by_exactly_what_was_sent"),
    "stale_metrics": ("respond_to_new_events", "test_stream_metrics_respond_to_new_events"),
}


def _against_defect(defect: str, tmp: Path) -> KitRun:
    port = free_port()
    keys = [arg for key in KEYS for arg in ("--api-key", key)]
    server = subprocess.Popen([sys.executable, "-m", "wave_mock.defects", "serve", "--defect", defect, "--port", str(port), *keys],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        root = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                requests.get(f"{root}/_mock/health", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        # A wrong answer never turns right, so a short --settle keeps the failing runs quick
        # (still below stale_metrics' 60 s cache).
        return run_selected(f"{root}/api/v1", CATCHES[defect][0], tmp / f"{defect}.xml", "--settle", "8")
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # its process group: no worker outlives the test
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KitRun]:
    """Run the kit against every defect (and the whole kit against the clean mock), in parallel."""
    tmp = tmp_path_factory.mktemp("kit")
    with ThreadPoolExecutor(max_workers=3) as pool:
        clean = pool.submit(run_selected, None, None, tmp / "clean.xml")
        futures = {name: pool.submit(_against_defect, name, tmp) for name in CATCHES}
        results = {name: future.result() for name, future in futures.items()}
        results["clean"] = clean.result()
    return results


def test_every_planted_defect_has_a_catching_test() -> None:
    assert set(CATCHES) == set(DEFECTS)


@pytest.mark.parametrize("defect", list(CATCHES))
def test_kit_fails_naming_the_broken_rule(runs: dict[str, KitRun], defect: str) -> None:
    run = runs[defect]
    assert run.returncode == 1, f"the kit did not fail against {defect!r}:\n{run.output[-3000:]}"
    assert CATCHES[defect][1] in run.output, f"the failure report for {defect!r} does not name the rule:\n{run.output[-3000:]}"
    assert "<failure" in run.junit, "the JUnit XML records the failure"


def test_kit_passes_against_the_clean_mock(runs: dict[str, KitRun]) -> None:
    run = runs["clean"]
    assert run.returncode == 0, run.output[-5000:]
    assert "<failure" not in run.junit and "tests=" in run.junit
