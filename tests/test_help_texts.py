"""Help texts say what the commands do (issue 18, part 2 item 6)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from wave_mock.cli import DEFAULT_PORT, main

REPO = Path(__file__).resolve().parents[1]


def _help(*command: str) -> str:
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def test_fixtures_help_names_only_subcommands_that_exist() -> None:
    text = _help("fixtures")
    listed = set(re.findall(r"^  (\w+)\s", text.split("Commands:", 1)[1], re.M))
    assert listed == {"generate", "expect", "replay", "scenarios"}
    summary = text.split("Options:", 1)[0].lower()
    assert "check" not in summary, "there is no 'fixtures check'"
    assert {"generate", "replay"} <= set(re.findall(r"[a-z]+", summary))


def test_contract_help_lists_every_wave_variable_the_kit_reads() -> None:
    # Independent of the CLI: the variables the kit's own pytest options read.
    conftest = (REPO / "contract_tests" / "conftest.py").read_text()
    read_by_kit = set(re.findall(r"os\.environ(?:\.get\(|\[)\"(WAVE_\w+)\"", conftest))
    assert len(read_by_kit) >= 8, read_by_kit
    text = _help("contract")
    assert read_by_kit <= set(re.findall(r"\bWAVE_\w+", text)), read_by_kit - set(re.findall(r"\bWAVE_\w+", text))


def test_replay_help_example_uses_the_readme_port() -> None:
    text = _help("fixtures", "replay")
    ports = set(re.findall(r"127\.0\.0\.1:(\d+)", text))
    assert ports == {str(DEFAULT_PORT)}
    assert "--base-url http://127.0.0.1:8787/api/v1" in (REPO / "README.md").read_text()
