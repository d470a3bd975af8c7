"""``wave-mock contract``: run the contract-test kit against a deployment (one CI step)."""

from __future__ import annotations

import os
import sys

import click

from wave_mock.resources import contract_tests_dir


def kit_args(
    base_url: str | None, api_key: str | None, second_api_key: str | None, profile: str,
    seed: int, spec: str | None, junit_xml: str | None, extra: tuple[str, ...],
) -> list[str]:
    """Build the pytest command line that runs the kit.

    >>> kit_args(None, None, None, "quick", 0, None, None, ())[-4:]
    ['--profile', 'quick', '--seed', '0']
    """
    kit = contract_tests_dir()
    # -c: the kit's own pytest.ini, whatever the current directory holds.
    # The CLI has already imported wave_mock (and faker), which pytest can no longer rewrite: harmless.
    args = [str(kit), "-c", str(kit / "pytest.ini"), "--rootdir", str(kit), "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    for option, value in (("--base-url", base_url), ("--api-key", api_key), ("--second-api-key", second_api_key),
                          ("--spec", spec), ("--junit-xml", junit_xml)):
        if value:
            args += [option, value]
    return [*args, *extra, "--profile", profile, "--seed", str(seed)]


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--base-url", envvar="WAVE_BASE_URL", help="API base URL, e.g. https://api.wave.online/api/v1. Default: start a local wave-mock and test it.")
@click.option("--api-key", envvar="WAVE_API_KEY", help="Bearer API key of the target.")
@click.option("--second-api-key", envvar="WAVE_SECOND_API_KEY", help="A second tenant's key, for the tenant-isolation tests.")
@click.option("--profile", type=click.Choice(["quick", "deep"]), default="quick", show_default=True, help="quick for pull requests, deep for nightly runs.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated data, so failures reproduce.")
@click.option("--spec", type=click.Path(exists=True, dir_okay=False), help="OpenAPI file to test against (default: the bundled spec).")
@click.option("--junit-xml", type=click.Path(dir_okay=False, writable=True), help="Write a JUnit XML report here.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract_command(base_url: str | None, api_key: str | None, second_api_key: str | None, profile: str, seed: int,
                     spec: str | None, junit_xml: str | None, pytest_args: tuple[str, ...]) -> None:
    """Run the contract-test kit; exit non-zero on any failure. Extra arguments go to pytest (e.g. -k auth)."""
    import pytest

    if base_url and not api_key:
        raise click.UsageError("--base-url needs --api-key (or WAVE_API_KEY).")
    args = kit_args(base_url, api_key, second_api_key, profile, seed, spec,
                    os.path.abspath(junit_xml) if junit_xml else None, pytest_args)
    sys.exit(int(pytest.main(args)))
