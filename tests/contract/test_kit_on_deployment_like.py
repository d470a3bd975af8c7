"""The kit certifies a correct deployment-like target and fails on documented defects planted in front of it.

The target (tests/targets/deployment_like.py) is a wave-mock behind a layer that does
everything the WAVE docs allow and wave-mock decided otherwise: 3 s ingest lag, 20 req/s
per key, occasional 503s, no /_mock/, its own error body and metric names, 422 instead
of 400, 200 with zeros for unknown streams. The kit runs as a user would, in a
subprocess; each target runs in its own process group.

- The clean run uses no flags beyond the target's URL and keys: it must pass, list its
  divergences, never write to an admin API, and honour every Retry-After.
- Each defect run selects the tests that should catch it (-k) and a shorter --settle (a
  defect that hides data makes the kit poll until the settle time runs out), three at a
  time. The clean run, the two static targets and a few others run by default; the whole
  matrix is marked slow.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.contract.kitrun import KitRun, run_kit
from tests.targets import traffic
from tests.targets.deployment_defects import DEFECTS
from tests.targets.process import DeploymentLikeServer

KEYS = ("deploy_key_a", "deploy_key_b")
SETTLE = "12"  # seconds; the lag is 3 s

# defect -> (-k selection, substrings of test names that must fail). The names are the
# kit's rules; a documented defect must fail one of them on a documented-only target.
CATCHES: dict[str, tuple[str, tuple[str, ...]]] = {
    "auth_ignored": ("without_valid_key or without_key", ("without_valid_key",)),
    "required_field_accepted": ("missing_required_field", ("missing_required_field",)),
    "batch_limit_ignored": ("batch_of_101", ("batch_of_101",)),
    "wrong_rejected_count": ("mixed_batch", ("mixed_batch",)),
    "drop_one_in_ten": ("grow_by_exactly", ("grow_by_exactly",)),
    "watch_time_in_ms": ("avg_watch_time", ("avg_watch_time",)),
    "peak_equals_total": ("exact_viewer_counts", ("exact_viewer_counts",)),
    "period_ignored": ("unknown_period", ("unknown_period",)),
    "metric_filter_ignored": ("metric_filter", ("metric_filter",)),
    "tenants_share_data": ("second_key", ("second_key",)),
    "emoji_500": ("emoji", ("emoji",)),
    "viewers_as_string": ("exact_viewer_counts", ("exact_viewer_counts",)),
    "stale_metrics": ("respond_to_new_events", ("respond_to_new_events",)),
    # Item 9: canned answers must not pass. The example's 3/2/1 must not be the expected
    # numbers, and every "nothing stored" check needs its positive control.
    "static_example": ("exact_viewer_counts", ("exact_viewer_counts",)),
    "static_404": ("without_valid_key or batch_of_101 or second_key_cannot_read",
                   ("without_valid_key", "batch_of_101", "second_key_cannot_read")),
}
IN_DEFAULT_SUITE = ("static_example", "static_404", "auth_ignored", "tenants_share_data")


@dataclass(frozen=True)
class TargetRun:
    """A kit run and the requests the target logged during it."""

    kit: KitRun
    requests: list[traffic.Request]


def _against(defect: str | None, tmp: Path) -> TargetRun:
    name = defect or "clean"
    log = tmp / f"{name}.requests.jsonl"
    args = [arg for key in KEYS for arg in ("--api-key", key)] + ["--request-log", str(log)]
    extra: list[str] = []
    if defect:
        args += ["--defect", defect]
        extra = ["-k", CATCHES[defect][0], "--settle", SETTLE]
    with DeploymentLikeServer(args, log_path=tmp / f"{name}.server.log") as server:
        run = run_kit(server.base_url, KEYS, tmp / f"{name}.xml", *extra)
    return TargetRun(run, traffic.read(log))


def _run_all(names: list[str | None], tmp: Path) -> dict[str, TargetRun]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name or "clean": pool.submit(_against, name, tmp) for name in names}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def default_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TargetRun]:
    """The clean run and the default suite's defects, in parallel."""
    return _run_all([None, *IN_DEFAULT_SUITE], tmp_path_factory.mktemp("deployment_kit"))


def test_every_planted_defect_has_a_catching_rule() -> None:
    assert set(CATCHES) == set(DEFECTS) and len(DEFECTS) >= 12


def test_kit_passes_the_clean_deployment_like_target_with_no_flags(default_runs: dict[str, TargetRun]) -> None:
    run = default_runs["clean"].kit
    code, failed = run.returncode, run.failed()  # plain values: pytest would print the whole run
    assert code == 0, f"the kit failed a correct deployment-like target: {failed}\n{run.tail()}"
    assert run.cases() and not failed


def test_clean_run_lists_its_divergences(default_runs: dict[str, TargetRun]) -> None:
    run = default_runs["clean"].kit
    has_section = "Divergences from wave-mock's decisions" in run.output
    assert has_section, run.tail()
    divergences = run.divergences()
    assert len(divergences) >= 3, f"expected the target's decided differences as skipped JUnit cases: {divergences}"
    text = "\n".join(divergences).lower()
    assert "404" in text and "200" in text, f"the unknown stream answered 200 with zeros, not 404: {divergences}"
    assert "error" in text and any(w in text for w in ("body", "shape", "schema")), f"its error body shape: {divergences}"
    assert "422" in text, f"422 where wave-mock says 400: {divergences}"


def test_kit_never_writes_to_an_admin_api_it_did_not_start(default_runs: dict[str, TargetRun]) -> None:
    log = default_runs["clean"].requests
    assert any(r.path.startswith("/api/v1/analytics/") and r.key == 0 for r in log), "positive control: the log saw the kit"
    assert traffic.admin_writes(log) == [], "the kit tried to reset or move the clock of a target it did not start"


def test_kit_honours_retry_after(default_runs: dict[str, TargetRun]) -> None:
    log = default_runs["clean"].requests
    assert any(r.key in (0, 1) for r in log), "positive control: the log saw both keys' traffic"
    problems = traffic.ignored_back_offs(log)
    assert not problems, f"{len(problems)} request(s) sent before Retry-After passed:\n" + "\n".join(problems[:20])


def _assert_caught(run: KitRun, defect: str) -> None:
    code, failed = run.returncode, run.failed()  # plain values: pytest would print the whole run
    assert code == 1, f"the kit did not fail against {defect!r}:\n{run.tail()}"
    for rule in CATCHES[defect][1]:
        assert any(rule in name for name in failed), f"{defect!r}: no failing test named *{rule}*; failed: {failed}\n{run.tail()}"


@pytest.mark.parametrize("defect", IN_DEFAULT_SUITE)
def test_kit_fails_on_a_planted_defect_naming_the_rule(default_runs: dict[str, TargetRun], defect: str) -> None:
    _assert_caught(default_runs[defect].kit, defect)


@pytest.fixture(scope="module")
def other_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TargetRun]:
    names: list[str | None] = [name for name in CATCHES if name not in IN_DEFAULT_SUITE]
    return _run_all(names, tmp_path_factory.mktemp("deployment_kit_slow"))


@pytest.mark.slow
@pytest.mark.parametrize("defect", [name for name in CATCHES if name not in IN_DEFAULT_SUITE])
def test_kit_fails_on_every_other_planted_defect(other_runs: dict[str, TargetRun], defect: str) -> None:
    _assert_caught(other_runs[defect].kit, defect)
