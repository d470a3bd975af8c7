"""Kit options, the target under test, and the Schemathesis schema built for it.

Without ``--base-url`` the kit starts a local wave-mock (two keys) and tests that.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import pytest
import requests

from .capabilities import Capability, TargetClock, probe_timestamp, target_clock
from .kit import TARGET_ENV, Api, Pacer, Target
from .plugin import TARGET_KEY, ReportPlugin
from .precheck import detect_tier, precheck
from .settle import Settler

PROFILES = ("quick", "deep")
LOCAL_KEYS = ("kit_key_a", "kit_key_b")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wave-contract", "WAVE Analytics contract-test kit")
    group.addoption("--base-url", default=os.environ.get("WAVE_BASE_URL"), help="API base URL, e.g. https://api.wave.online/api/v1 (env WAVE_BASE_URL). Default: start a local wave-mock.")
    group.addoption("--api-key", default=os.environ.get("WAVE_API_KEY"), help="Bearer API key (env WAVE_API_KEY).")
    group.addoption("--second-api-key", default=os.environ.get("WAVE_SECOND_API_KEY"), help="A second tenant's key, for the tenant-isolation tests (env WAVE_SECOND_API_KEY).")
    group.addoption("--profile", choices=PROFILES, default=os.environ.get("WAVE_PROFILE", "quick"), help="quick (PRs) or deep (nightly): how many generated examples per operation.")
    group.addoption("--seed", type=int, default=int(os.environ.get("WAVE_SEED", "0")), help="Seed of the generated data, so a failure reproduces (default 0).")
    group.addoption("--spec", default=os.environ.get("WAVE_SPEC"), help="OpenAPI file to test against (default: the spec shipped with wave-mock).")
    # Override the detection (wave-mock targets are strict). pytest owns --strict, so the kit's
    # flag is --strict-contract; `wave-mock contract --strict` maps onto it.
    strictness = group.addoption
    strictness("--strict-contract", action="store_const", const=True, dest="wave_strict", default=None, help="Hold the target to every rule, decided ones included.")
    strictness("--documented-only", action="store_const", const=False, dest="wave_strict", help="Hold the target to the documented rules only.")
    group.addoption("--settle", type=float, default=float(os.environ.get("WAVE_SETTLE", "30")), help="Seconds a read-after-write check polls before failing (default 30).")
    group.addoption("--max-rps", type=float, default=float(os.environ["WAVE_MAX_RPS"]) if os.environ.get("WAVE_MAX_RPS") else None, help="Stay under this many requests per second.")
    group.addoption("--allow-reset", action="store_true", default=False, help="Allow resetting tenants and moving the clock of a target the kit did not start.")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ReportPlugin(config), "wave-contract-report")
    config.addinivalue_line("markers", "clock: needs the mock's clock control (/_mock/clock); skipped elsewhere")
    config.addinivalue_line("markers", "slow: long-running")


def pytest_report_header(config: pytest.Config) -> list[str]:
    base = config.getoption("--base-url") or "a local wave-mock started by the kit"
    return [f"wave contract kit: target={base} profile={config.getoption('--profile')} seed={config.getoption('--seed')}"]


def _spec_path(config: pytest.Config) -> str:
    from wave_mock.resources import spec_path

    return config.getoption("--spec") or str(spec_path())


SERVER_KEY = pytest.StashKey[Any]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Resolve the target (starting a local mock if needed) before collection.

    Schemathesis builds its tests at import time, so the target must be known by then;
    it is handed to the test modules through TARGET_ENV (see ``kit.target_from_env``).
    """
    config = session.config
    common: dict[str, Any] = {
        "profile": config.getoption("--profile"),
        "seed": config.getoption("--seed"),
        "spec_path": _spec_path(config),
        "settle": config.getoption("--settle"),
        "max_rps": config.getoption("--max-rps"),
        "allow_reset": config.getoption("--allow-reset"),
    }
    base_url = config.getoption("--base-url")
    if base_url:
        api_key = config.getoption("--api-key")
        if not api_key:
            raise pytest.UsageError("--base-url needs --api-key (or WAVE_API_KEY)")
        target = Target(base_url.rstrip("/"), api_key, config.getoption("--second-api-key"), **common)
    else:
        from wave_mock.testing import MockServer

        args = [arg for key in LOCAL_KEYS for arg in ("--api-key", key)] + ["--no-access-log"]
        server = config.stash[SERVER_KEY] = MockServer(args).start()
        target = Target(server.base_url, LOCAL_KEYS[0], LOCAL_KEYS[1], local=True, **common)
    problem = precheck(target)
    if problem:
        # One line instead of a traceback per test (pytest prints "ERROR: <line>").
        raise pytest.UsageError(problem)
    strict, why = detect_tier(target, config.getoption("wave_strict"))
    target = dataclasses.replace(target, strict=strict, tier_reason=why)
    config.stash[TARGET_KEY] = target
    os.environ[TARGET_ENV] = target.to_json()


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(SERVER_KEY, None)
    if server is not None:
        server.stop()


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    """Return the deployment under test."""
    return request.config.stash[TARGET_KEY]


@pytest.fixture(scope="session")
def pacer(target: Target) -> Pacer:
    """Return the run's one pacer: the --max-rps limit and the 429/503 retry budget."""
    return Pacer(max_rps=target.max_rps)


@pytest.fixture(scope="session")
def api(target: Target, pacer: Pacer) -> Api:
    """Return a client with the first key."""
    return Api(target.base_url, target.api_key, secrets=target.secrets, pacer=pacer)


@pytest.fixture(scope="session")
def second_api(api: Api, target: Target) -> Api:
    """Return a client with the second key, or skip when there is none."""
    if not target.second_api_key:
        pytest.skip("needs a second tenant: pass --second-api-key (or WAVE_SECOND_API_KEY)")
    return api.with_key(target.second_api_key)


@pytest.fixture(scope="session")
def settler(target: Target) -> Settler:
    """Return the run's poller: read-after-write checks wait up to --settle seconds."""
    return Settler(target.settle)


@pytest.fixture
def clock(api: Api, target: Target) -> TargetClock:
    """Return the target's clock as of now (its own, on a wave-mock; else the kit's)."""
    return target_clock(api, target)


@pytest.fixture(scope="session")
def with_timestamps(api: Api, target: Target, settler: Settler) -> Capability:
    """Probe once whether the target honours the mock-only ``timestamp`` (truthy when it does)."""
    return probe_timestamp(api, target, settler)
