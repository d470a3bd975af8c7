"""The two tiers of rules the kit checks, and how a departure from each is reported.

- ``documented``: follows from the WAVE docs. A departure fails the run on every target.
- ``decided``: a choice wave-mock made where the docs are silent. A departure fails only a
  strict target (one that serves wave-mock's ``/_mock/`` API, or ``--strict``); elsewhere it is
  recorded as a divergence and the test is skipped with what was observed.

Behaviour tests check their documented rules first and their decided rules last, because a
divergence skips the rest of the test.
"""

from __future__ import annotations

from enum import Enum

import pytest

from .report import observations


class Tier(str, Enum):
    DOCUMENTED = "documented"
    DECIDED = "decided"


def documented(ok: bool, message: str) -> None:
    """Fail the test unless ``ok``: a documented rule holds on every target."""
    assert ok, message


def decided(ok: bool, rule: str, observed: str, *, strict: bool) -> None:
    """Hold a decided rule: fail on a strict target, else record a divergence and skip.

    ``rule`` says what wave-mock decided ("unknown streams get 404"); ``observed`` what the
    target did instead ("HTTP 200 with zeros").
    """
    if ok:
        return
    if strict:
        raise AssertionError(f"{rule}\n  observed: {observed}")
    record_divergence(rule, observed)
    pytest.skip(f"divergence from wave-mock's decision: {rule}; observed: {observed}")


def record_divergence(rule: str, observed: str) -> None:
    """Remember a divergence for the summary's "Divergences from wave-mock's decisions" section."""
    observations().record_divergence(rule, observed)
