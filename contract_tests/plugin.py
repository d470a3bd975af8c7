"""The kit's reporting plugin: summary sections, JUnit names and properties, no secrets, no files.

    test passes, no divergence     -> passed
    test passes, saw divergences   -> skipped, reason "divergence from wave-mock's decision: ..."
    any report                     -> keys replaced by "$WAVE_API_KEY" / "$WAVE_SECOND_API_KEY"
    end of run                     -> target, tier and why; divergences; freshness; throttling
                                      (terminal summary, and the same figures as JUnit properties)
"""

from __future__ import annotations

import statistics
import tempfile
from typing import Any, Generator

import pytest

from .kit import Target
from .report import Observations, observations

SCHEMATHESIS_TESTS = ("test_operation_conforms_to_the_spec",)
_CASE_NAME = pytest.StashKey[str]()
# Where conftest keeps the resolved target for this session.
TARGET_KEY = pytest.StashKey[Target]()


class ReportPlugin:
    """Registered by the kit's conftest for one pytest session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # Hypothesis caches constants under ./.hypothesis: keep it out of the user's directory.
        self._home = tempfile.TemporaryDirectory(prefix="wave-kit-hypothesis-")
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(self._home.name)

    def pytest_unconfigure(self) -> None:
        self._home.cleanup()

    def _target(self) -> Target | None:
        return self.config.stash.get(TARGET_KEY, None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        observations().current.clear()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.when == "call" and report.passed and observations().current:
            _skip_as_divergences(report, item, observations().current)
        if item.name.startswith(SCHEMATHESIS_TESTS):
            self._name_by_operation_and_check(report, item)
        _scrub(report, self._target())
        return report

    def _name_by_operation_and_check(self, report: pytest.TestReport, item: pytest.Item) -> None:
        """Name a Schemathesis case by its operation and, once one fails, by the failed checks.

        Schemathesis' items share one node id (the function's); their names carry the operation.
        """
        operation = item.name[item.name.find("["):] if "[" in item.name else ""
        report.nodeid = item.stash.get(_CASE_NAME, None) or report.nodeid + operation
        if report.failed and report.when == "call":
            checks = _failed_checks(str(report.longrepr))
            if checks:
                before = report.id
                report.nodeid += f"[{'+'.join(checks)}]"
                item.stash[_CASE_NAME] = report.nodeid
                _rekey_junit_case(self.config, before, report)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        lines = summary_lines(self._target(), observations())
        terminalreporter.section("WAVE contract kit summary")
        for line in lines:
            terminalreporter.line(line)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # Before pytest's junitxml plugin writes the file in its own sessionfinish.
        key = _junit_key()
        xml = self.config.stash.get(key, None) if key is not None else None
        if xml is None:
            return
        for name, value in summary_properties(self._target(), observations()).items():
            xml.add_global_property(name, value)


def _junit_key() -> Any:
    try:
        from _pytest.junitxml import xml_key
    except ImportError:  # pragma: no cover - pytest internals moved
        return None
    return xml_key


def _skip_as_divergences(report: pytest.TestReport, item: pytest.Item, seen: list[tuple[str, str]]) -> None:
    reason = "; ".join(f"divergence from wave-mock's decision: {rule}; observed: {observed}" for rule, observed in seen)
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, f"Skipped: {reason}")


def _rekey_junit_case(config: pytest.Config, before: Any, report: pytest.TestReport) -> None:
    """Keep one JUnit case when the name changes after setup (pytest keys cases by node id)."""
    key = _junit_key()
    xml = config.stash.get(key, None) if key is not None else None
    node = getattr(report, "node", None)
    reporters = getattr(xml, "node_reporters", None)
    if isinstance(reporters, dict) and (before, node) in reporters:
        reporters[(report.id, node)] = reporters.pop((before, node))


def _failed_checks(text: str) -> list[str]:
    """Name the checks behind the failure codes in a Schemathesis report (``ST108`` -> response_schema_conformance)."""
    from schemathesis.core.failures import Failure

    return sorted({check for cls in _subclasses(Failure) if f"{cls.code} " in text for check in cls.checks[:1]})


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


# Schemathesis masks the header (as set in schemathesis_setup); double quotes let the shell expand it.
SCHEMATHESIS_MASKED = "'Authorization: Bearer $WAVE_API_KEY'"
RUNNABLE_AUTH = '"Authorization: Bearer $WAVE_API_KEY"'


def _scrub(report: pytest.TestReport, target: Any) -> None:
    """Replace every key in the report by the name of its environment variable."""
    secrets = getattr(target, "secrets", {}) if target is not None else {}
    text = str(report.longrepr) if report.longrepr is not None else ""
    if any(key in text for key in secrets) or SCHEMATHESIS_MASKED in text:
        if isinstance(report.longrepr, tuple):
            path, line, message = report.longrepr
            report.longrepr = (path, line, _hide(message, secrets))
        else:
            report.longrepr = _hide(text, secrets)
    report.sections = [(title, _hide(content, secrets)) for title, content in report.sections]
    report.user_properties = [(name, _hide(str(value), secrets)) for name, value in report.user_properties]


def _hide(text: str, secrets: dict[str, str]) -> str:
    for key, var in secrets.items():
        text = text.replace(key, f"${var}")
    return text.replace(SCHEMATHESIS_MASKED, RUNNABLE_AUTH)


def summary_lines(target: Any, seen: Observations) -> list[str]:
    """Render the run summary: target and tier, divergences, freshness, throttling."""
    lines = []
    if target is not None:
        mode = "strict (every rule)" if target.strict else "documented rules only"
        lines += [f"Target: {target.base_url}", f"Tier: {mode}; why: {target.tier_reason}"]
    lines += ["", "Divergences from wave-mock's decisions:"]
    if seen.divergences:
        for (rule, observed), count in sorted(seen.divergences.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {count:>4} x  {rule}\n          observed: {observed}")
    else:
        lines.append("  none")
    lines += ["", "Freshness (ingest to visible):", f"  {_freshness(seen.lags)}"]
    lines += ["", "Throttling:", f"  429 Too Many Requests: {seen.statuses.get(429, 0)}; 503 Service Unavailable: {seen.statuses.get(503, 0)}"]
    return lines


def _freshness(lags: list[float]) -> str:
    if not lags:
        return "no read-after-write measured"
    return f"p50 {statistics.median(lags):.2f} s, max {max(lags):.2f} s over {len(lags)} writes"


def summary_properties(target: Any, seen: Observations) -> dict[str, str]:
    """The summary's figures as JUnit properties."""
    props = {
        "wave.divergences": str(sum(seen.divergences.values())),
        "wave.divergent_rules": str(len({rule for rule, _ in seen.divergences})),
        "wave.throttled_429": str(seen.statuses.get(429, 0)),
        "wave.unavailable_503": str(seen.statuses.get(503, 0)),
        "wave.lag_samples": str(len(seen.lags)),
    }
    if seen.lags:
        props["wave.lag_p50_s"] = f"{statistics.median(seen.lags):.3f}"
        props["wave.lag_max_s"] = f"{max(seen.lags):.3f}"
    if target is not None:
        props["wave.target"] = target.base_url
        props["wave.tier"] = "strict" if target.strict else "documented"
        props["wave.tier_reason"] = target.tier_reason
    return props
