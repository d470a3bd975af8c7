"""Every guarantee in the README's "Limits and guarantees" names tests that exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# `tests/x.py::test_y`, or `::test_y` for another test of the file named just before.
_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?::(test_\w+)`|`(tests/[\w/]+\.py)`")


def _section() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Limits and guarantees", 1)[1].split("\n## ", 1)[0]


def _bullets() -> list[str]:
    return [b for b in re.split(r"\n- ", _section()) if b.startswith("**")]


def _named_tests(bullet: str) -> list[tuple[str, str]]:
    named, current = [], None
    for match in _REFERENCE.finditer(bullet):
        current = match[1] or match[3] or current
        if match[2]:
            assert current, f"'::{match[2]}' follows no file in: {bullet[:80]}"
            named.append((current, match[2]))
    return named


def test_every_guarantee_names_a_test() -> None:
    bullets = _bullets()
    assert len(bullets) >= 10
    for bullet in bullets:
        assert "*Held by*" in bullet, f"no test named for: {bullet[:80]}"


def _missing(named: list[tuple[str, str]]) -> list[str]:
    return [f"{path}::{name}" for path, name in named
            if not re.search(rf"^def {name}\(", (REPO_ROOT / path).read_text(encoding="utf-8"), re.M)]


def test_every_named_test_exists() -> None:
    named = [pair for bullet in _bullets() for pair in _named_tests(bullet)]
    assert len(named) >= 30
    assert not _missing(named)


def test_a_misnamed_test_is_caught() -> None:
    # Planted defect: a bullet naming a test that does not exist, after a real one.
    bullet = "**X:** y. *Held by* `tests/test_clock.py::test_the_range_is_closed`, `::test_that_was_renamed`."
    assert _missing(_named_tests(bullet)) == ["tests/test_clock.py::test_that_was_renamed"]
