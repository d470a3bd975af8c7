"""``serve --ingest-lag/--rate-limit`` map onto the app config; off by default."""

from __future__ import annotations

import click
import pytest

from wave_mock.cli import serve, serve_config


def _config(*args: str) -> dict:
    return serve_config(serve.make_context("serve", list(args)).params)


def test_both_switches_are_off_by_default() -> None:
    config = _config()
    assert (config["INGEST_LAG"], config["RATE_LIMIT"]) == (0, None)


def test_switches_map_onto_the_config() -> None:
    config = _config("--ingest-lag", "3", "--rate-limit", "20")
    assert (config["INGEST_LAG"], config["RATE_LIMIT"]) == (3.0, 20.0)


@pytest.mark.parametrize("args", [["--rate-limit", "0"], ["--ingest-lag", "-1"]])
def test_nonsense_values_are_refused(args: list[str]) -> None:
    with pytest.raises(click.BadParameter):
        _config(*args)
