"""Poll a read until a condition holds or a budget runs out, with backoff.

The pure core of eventual-consistency checks, shared by the contract kit
(``contract_tests/settle.py``) and the contract proxy's drift checks: a target may
ingest asynchronously, so a read after a write is retried before it is judged::

    poll(read, holds, budget=30) -> (last value, held?, seconds waited)
      delays 0.2, 0.4, 0.8, 1.0, 1.0 ... (never past the budget)
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

FIRST_DELAY = 0.2
MAX_DELAY = 1.0  # the overshoot past the moment data shows up

Value = TypeVar("Value")


def poll(
    read: Callable[[], Value], holds: Callable[[Value], bool], budget: float,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
) -> tuple[Value, bool, float]:
    """Read until ``holds(value)`` or ``budget`` seconds have passed; return (value, held, waited)."""
    start, delay = clock(), FIRST_DELAY
    while True:
        value = read()
        waited = clock() - start
        if holds(value):
            return value, True, waited
        if waited >= budget:
            return value, False, waited
        sleep(min(delay, max(0.0, budget - waited)))
        delay = min(delay * 2, MAX_DELAY)
