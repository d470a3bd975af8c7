"""``wave-mock contract``: run the contract-test kit against a deployment (one CI step)."""

from __future__ import annotations

import importlib
import os
import sys

import click

from wave_mock.resources import contract_tests_dir

# What the [kit] extra installs (pyproject.toml), by import name.
KIT_MODULES = ("pytest", "schemathesis", "hypothesis", "openapi_spec_validator")
INSTALL_HINT = "wave-mock contract needs the [kit] extra: pip install 'PATH/TO/wave-mock[kit]' from a checkout, or 'wave-mock[kit] @ git+REPO_URL'"
ENVIRONMENT = """\b
Environment variables (a flag wins over its variable):
  WAVE_BASE_URL         --base-url
  WAVE_API_KEY          --api-key (reports print "$WAVE_API_KEY", never the key)
  WAVE_SECOND_API_KEY   --second-api-key
  WAVE_PROFILE          --profile
  WAVE_SEED             --seed
  WAVE_SPEC             --spec
  WAVE_SETTLE           --settle
  WAVE_MAX_RPS          --max-rps
"""


def missing_kit_module() -> str | None:
    """Return the first module of the [kit] extra that cannot be imported, or None."""
    for name in KIT_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            return name
    return None


def kit_args(
    base_url: str | None, api_key: str | None, second_api_key: str | None, profile: str,
    seed: int, spec: str | None, junit_xml: str | None, extra: tuple[str, ...], *,
    strict: bool | None = None, settle: float | None = None, max_rps: float | None = None, allow_reset: bool = False,
) -> list[str]:
    """Build the pytest command line that runs the kit.

    >>> kit_args(None, None, None, "quick", 0, None, None, ())[-4:]
    ['--profile', 'quick', '--seed', '0']
    >>> kit_args(None, None, None, "quick", 0, None, None, (), strict=True, max_rps=20)[-7:-4]
    ['--max-rps', '20', '--strict-contract']
    """
    kit = contract_tests_dir()
    # -c: the kit's own pytest.ini, whatever the current directory holds.
    # The CLI has already imported wave_mock (and faker), which pytest can no longer rewrite: harmless.
    args = [str(kit), "-c", str(kit / "pytest.ini"), "--rootdir", str(kit), "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    for option, value in (("--base-url", base_url), ("--api-key", api_key), ("--second-api-key", second_api_key),
                          ("--spec", spec), ("--junit-xml", junit_xml), ("--settle", settle), ("--max-rps", max_rps)):
        if value is not None and value != "":
            args += [option, f"{value:g}" if isinstance(value, float) else str(value)]
    # pytest itself owns --strict, so the kit's flag is --strict-contract.
    args += {True: ["--strict-contract"], False: ["--documented-only"], None: []}[strict]
    if allow_reset:
        args.append("--allow-reset")
    return [*args, *extra, "--profile", profile, "--seed", str(seed)]


@click.command(context_settings={"ignore_unknown_options": True}, epilog=ENVIRONMENT)
@click.option("--base-url", envvar="WAVE_BASE_URL", help="API base URL, e.g. https://api.wave.online/api/v1. Default: start a local wave-mock and test it.")
@click.option("--api-key", envvar="WAVE_API_KEY", help="Bearer API key of the target.")
@click.option("--second-api-key", envvar="WAVE_SECOND_API_KEY", help="A second tenant's key, for the tenant-isolation tests.")
@click.option("--profile", type=click.Choice(["quick", "deep"]), default="quick", show_default=True, envvar="WAVE_PROFILE", help="quick for pull requests, deep for nightly runs.")
@click.option("--seed", type=int, default=0, show_default=True, envvar="WAVE_SEED", help="Seed of the generated data, so failures reproduce.")
@click.option("--spec", type=click.Path(exists=True, dir_okay=False), envvar="WAVE_SPEC", help="OpenAPI file to test against (default: the bundled spec).")
@click.option("--junit-xml", type=click.Path(dir_okay=False, writable=True), help="Write a JUnit XML report here.")
@click.option("--strict/--documented-only", "strict", default=None,
              help="Hold the target to every rule (--strict) or to the documented ones only. Default: strict for a wave-mock (it serves /_mock/), documented-only for anything else.")
@click.option("--settle", type=click.FloatRange(min=0), envvar="WAVE_SETTLE", help="Seconds a read-after-write check polls before it fails (default 30).")
@click.option("--max-rps", type=click.FloatRange(min=0, min_open=True), envvar="WAVE_MAX_RPS", help="Stay under this many requests per second.")
@click.option("--allow-reset", is_flag=True, help="Allow resetting the tenant and moving the clock of a target the kit did not start.")
@click.option("--replay", type=click.Path(exists=True, dir_okay=False), help="Instead of testing a target, re-check the exchanges recorded in this HAR (.har) or JSON Lines file (e.g. by wave-mock proxy --record) against the spec, offline.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract_command(base_url: str | None, api_key: str | None, second_api_key: str | None, profile: str, seed: int,
                     spec: str | None, junit_xml: str | None, strict: bool | None, settle: float | None,
                     max_rps: float | None, allow_reset: bool, replay: str | None, pytest_args: tuple[str, ...]) -> None:
    """Run the contract-test kit; exit non-zero on any failure. Extra arguments go to pytest (e.g. -k auth)."""
    if replay:
        sys.exit(replay_recording(replay, bool(strict), spec))
    missing = missing_kit_module()
    if missing:
        click.echo(f"{INSTALL_HINT} ({missing} is not installed)", err=True)
        sys.exit(2)
    import pytest

    if base_url and not api_key:
        raise click.UsageError("--base-url needs --api-key (or WAVE_API_KEY).")
    args = kit_args(base_url, api_key, second_api_key, profile, seed, spec,
                    os.path.abspath(junit_xml) if junit_xml else None, pytest_args,
                    strict=strict, settle=settle, max_rps=max_rps, allow_reset=allow_reset)
    sys.exit(int(pytest.main(args)))


def replay_recording(path: str, strict: bool, spec: str | None) -> int:
    """Re-check a recording offline with the proxy's checker; return the exit status (1 on any violation)."""
    from wave_mock.proxy.checker import Checker
    from wave_mock.proxy.replay import judge_file, report

    checker = Checker.for_spec(strict=strict, path=spec)
    try:
        judged = judge_file(path, checker)
    except (ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"{path} is not a HAR 1.2 file or JSON Lines of HAR entries: {exc}") from None
    text, total = report(judged, checker.view)
    click.echo(text)
    return 1 if total else 0
