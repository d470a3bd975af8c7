"""``wave-mock contract`` options, its help, the missing-extra hint, and the summary's wording."""

from __future__ import annotations

import sys
from collections import Counter

import pytest
from click.testing import CliRunner

from contract_tests.kit import Target
from contract_tests.plugin import summary_lines, summary_properties
from contract_tests.report import Observations
from wave_mock.cli import main
from wave_mock.contract import kit_args

NO_WAVE_ENV = {name: None for name in ("WAVE_BASE_URL", "WAVE_API_KEY", "WAVE_SECOND_API_KEY", "WAVE_PROFILE", "WAVE_SEED",
                                       "WAVE_SPEC", "WAVE_SETTLE", "WAVE_MAX_RPS")}


def test_help_lists_the_new_flags_and_every_environment_variable() -> None:
    result = CliRunner().invoke(main, ["contract", "--help"], env=NO_WAVE_ENV)
    assert result.exit_code == 0
    for text in ("--strict / --documented-only", "--settle", "--max-rps", "--allow-reset", "WAVE_BASE_URL", "WAVE_API_KEY",
                 "WAVE_SECOND_API_KEY", "WAVE_PROFILE", "WAVE_SEED", "WAVE_SPEC", "WAVE_SETTLE", "WAVE_MAX_RPS"):
        assert text in result.output, text


@pytest.mark.parametrize(("options", "expected"), [
    ({"strict": True}, ["--strict-contract"]),
    ({"strict": False}, ["--documented-only"]),
    ({"strict": None}, []),
    ({"settle": 5.0, "max_rps": 20.0, "allow_reset": True}, ["--settle", "5", "--max-rps", "20", "--allow-reset"]),
    ({"max_rps": 2.5}, ["--max-rps", "2.5"]),
])
def test_flags_map_to_the_kits_pytest_options(options: dict, expected: list[str]) -> None:
    args = kit_args("http://t/api/v1", "k", None, "quick", 0, None, None, (), **options)
    tail = args[args.index("k") + 1:args.index("--profile")]
    assert tail == expected


def test_without_the_kit_extra_it_prints_one_line_telling_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "schemathesis", None)  # "import schemathesis" now raises ImportError
    result = CliRunner().invoke(main, ["contract"], env=NO_WAVE_ENV)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["wave-mock contract needs the [kit] extra: pip install 'PATH/TO/wave-mock[kit]' from a checkout, or 'wave-mock[kit] @ git+REPO_URL' (schemathesis is not installed)"]


def test_with_the_kit_extra_it_goes_on_to_check_its_options() -> None:
    """Positive control for the test above: the same call gets past the import check."""
    result = CliRunner().invoke(main, ["contract", "--base-url", "http://t/api/v1"], env=NO_WAVE_ENV)
    assert result.exit_code == 2 and "--base-url needs --api-key" in result.output


def test_summary_reports_tier_divergences_freshness_and_throttling() -> None:
    seen = Observations(divergences=Counter({("unknown streams get 404", "HTTP 200 with zeros"): 3}),
                        lags=[1.0, 4.0, 2.0], statuses=Counter({429: 7, 503: 1, 200: 40}))
    target = Target("https://t/api/v1", "k", strict=False, tier_reason="no wave-mock /_mock/ API")
    text = "\n".join(summary_lines(target, seen))
    assert "Target: https://t/api/v1\nTier: documented rules only; why: no wave-mock /_mock/ API" in text
    assert "Divergences from wave-mock's decisions:\n     3 x  unknown streams get 404\n          observed: HTTP 200 with zeros" in text
    assert "Freshness (ingest to visible):\n  p50 2.00 s, max 4.00 s over 3 writes" in text
    assert "429 Too Many Requests: 7; 503 Service Unavailable: 1" in text
    props = summary_properties(target, seen)
    assert (props["wave.divergences"], props["wave.lag_p50_s"], props["wave.lag_max_s"], props["wave.throttled_429"]) == ("3", "2.000", "4.000", "7")


def test_summary_without_observations_says_so() -> None:
    text = "\n".join(summary_lines(None, Observations()))
    assert "Divergences from wave-mock's decisions:\n  none" in text and "no read-after-write measured" in text


def _top_level_fields(schema: object, count: int = 60) -> list[set[str]]:
    from hypothesis import HealthCheck, given, settings

    seen: list[set[str]] = []

    @settings(max_examples=count, database=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(schema["/analytics/events"]["POST"].as_strategy())  # type: ignore[index]
    def draw(case: object) -> None:
        body = getattr(case, "body", None)
        if isinstance(body, dict):
            seen.append(set(body))

    draw()
    return seen


DOCUMENTED_EVENT_FIELDS = {"eventType", "eventName", "sessionId", "properties", "userId", "anonymousId", "experiments", "platform"}


def test_positive_events_on_the_documented_view_carry_no_unknown_fields() -> None:
    import schemathesis

    from contract_tests.schemathesis_setup import _spec, load_schema
    from wave_mock.resources import spec_path

    target = Target("http://127.0.0.1:9/api/v1", "k", spec_path=str(spec_path()), strict=False)
    kit_view = _top_level_fields(load_schema(target))
    assert kit_view and all(fields <= DOCUMENTED_EVENT_FIELDS for fields in kit_view)
    # Control: the bare documented view (no additionalProperties: false) does generate unknown fields.
    bare = _top_level_fields(schemathesis.openapi.from_dict(_spec(str(spec_path()), True)))
    assert any(fields - DOCUMENTED_EVENT_FIELDS for fields in bare)
